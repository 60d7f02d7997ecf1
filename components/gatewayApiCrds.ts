import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { parseAllDocuments } from "yaml";
import { ConfigError } from "../config/errors";
import { GATEWAY_API_CRDS } from "../model/charts";
import { gatewayApiManifestLocation } from "../model/gatewayApi";
import { PACKAGE } from "../model/names";

/** Inputs of {@link GatewayApiCrds}. */
export interface GatewayApiCrdsArgs {
    /** Gateway API release, pinned (default: the one Istio 1.30 is built against, v1.5.1). */
    version?: string;
    /**
     * Release downloads URL (`<repository>/<version>/standard-install.yaml`, default upstream's)
     * or a local folder holding `gateway-api-<version>-standard-install.yaml` (air-gapped clusters).
     */
    repository?: string;
    /**
     * Keep the CRDs (and the release's admission policy) when they leave the program or the stack is
     * destroyed (default true): deleting a CRD deletes every Gateway, HTTPRoute and ReferenceGrant in
     * the cluster, other tools' too.
     */
    retainOnDelete?: boolean;
}

/**
 * Problems applying the CRDs with this stack's Kubernetes provider config: server-side apply is
 * the provider's default (4.x); a stack that turned it off cannot apply them.
 */
export function serverSideApplyProblems(enabled = new pulumi.Config("kubernetes").getBoolean("enableServerSideApply")): string[] {
    return enabled === false ? [
        "kubernetes:enableServerSideApply: false, but the Gateway API CRDs must be applied server-side (they exceed the annotation client-side apply records); " +
        "remove the setting (server-side apply is the provider's default), or set istio-metallb-ingress:gatewayApi.crds.manage to false and install them with `kubectl apply --server-side`",
    ] : [];
}

/** Reads a manifest: a local file, or a URL downloaded while the program runs. Tests replace it. */
export const manifestSource = {
    read(location: string): string {
        if (!/^https?:\/\//.test(location)) return fs.readFileSync(path.resolve(location), "utf8");
        // Synchronous, so that the CRDs are registered like every other resource of the program.
        const script = "fetch(process.argv[1]).then(async (r) => { if (!r.ok) throw new Error(`${r.status} ${r.statusText}`); process.stdout.write(await r.text()); })" +
            ".catch((e) => { process.stderr.write(String(e && e.cause ? e.cause.code || e.cause.message : e.message)); process.exit(1); })";
        return execFileSync(process.execPath, ["-e", script, location], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024, timeout: 120_000, stdio: ["ignore", "pipe", "pipe"] });
    },
};

/** The objects of a release manifest, in order. */
function manifestObjects(text: string, location: string): Record<string, any>[] {
    const docs = parseAllDocuments(text);
    const errors = docs.flatMap((d) => d.errors);
    if (errors.length > 0) throw new ConfigError([`gatewayApi.crds: ${location} is not a YAML manifest (${errors[0].message.split("\n")[0]})`]);
    return docs.map((d) => d.toJSON()).filter((o) => o && typeof o === "object" && o.kind && o.metadata?.name);
}

/**
 * The Kubernetes Gateway API CRDs (standard channel) and the release's admission policy, from the
 * upstream release manifest, applied server-side (the provider's default) as upstream's install
 * instructions require: the CRDs are too large for client-side apply's last-applied annotation.
 * Each object is a resource of its own with `retainOnDelete`, so that neither a toggle (`api`
 * back to "istio", `gatewayApi.crds.manage: false`) nor `pulumi destroy` deletes the cluster's
 * Gateways and routes with them. Whatever reads Gateway API objects (istiod) should depend on this.
 */
export class GatewayApiCrds extends pulumi.ComponentResource {
    /** Every object of the manifest, CRDs first as the manifest lists them. */
    readonly objects: k8s.apiextensions.CustomResource[];
    /** The manifest applied: a URL or a local path. */
    readonly file: string;
    readonly version: string;

    constructor(name: string, args: GatewayApiCrdsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const problems = serverSideApplyProblems();
        if (problems.length > 0) throw new ConfigError(problems, `args of GatewayApiCrds ${name}`);
        const version = args.version ?? GATEWAY_API_CRDS.version;
        const file = gatewayApiManifestLocation({ manage: true, version, repository: args.repository ?? GATEWAY_API_CRDS.repository });
        let text: string;
        try {
            text = manifestSource.read(file);
        } catch (err) {
            const why = String((err as { stderr?: string }).stderr || (err as Error).message).trim().split("\n")[0];
            throw new ConfigError([`gatewayApi.crds: could not read the Gateway API manifest ${file} (${why}); ` +
                "where the machine running Pulumi has no internet, put the manifest in a folder (npm run charts:pull) and set gatewayApi.crds.repository to it"], `args of GatewayApiCrds ${name}`);
        }
        const objects = manifestObjects(text, file);
        super(`${PACKAGE}:gatewayapi:GatewayApiCrds`, name, {}, opts);
        this.version = version;
        this.file = file;

        // Before 1.0 these objects were children of a yaml/v2 ConfigFile named `<name>-manifest`,
        // named `<that name>:<object name>` (pulumi-kubernetes provider/pkg/provider/yaml/v2,
        // Register): the aliases carry them over unchanged.
        const prefix = `${name}-manifest`;
        const configFile = pulumi.createUrn(prefix, "kubernetes:yaml/v2:ConfigFile", this);
        this.objects = objects.map((obj) => {
            const type = `kubernetes:${obj.apiVersion}:${obj.kind}`;
            const childName = `${prefix}:${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name}`;
            return new k8s.apiextensions.CustomResource(childName, obj as k8s.apiextensions.CustomResourceArgs, {
                parent: this,
                retainOnDelete: args.retainOnDelete ?? true,
                aliases: [pulumi.createUrn(childName, type, configFile)],
            });
        });
        this.registerOutputs({ version: this.version, file: this.file });
    }
}
