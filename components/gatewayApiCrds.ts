import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
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

/**
 * The Kubernetes Gateway API CRDs (standard channel) from the upstream release manifest, applied
 * server-side as upstream's install instructions require: the CRDs are too large for the
 * last-applied annotation of client-side apply. Whatever reads Gateway API objects (istiod)
 * should depend on this component.
 */
export class GatewayApiCrds extends pulumi.ComponentResource {
    readonly manifest: k8s.yaml.v2.ConfigFile;
    /** The manifest applied: a URL or a local path. */
    readonly file: string;
    readonly version: string;

    constructor(name: string, args: GatewayApiCrdsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super(`${PACKAGE}:gatewayapi:GatewayApiCrds`, name, {}, opts);
        const problems = serverSideApplyProblems();
        if (problems.length > 0) throw new ConfigError(problems, `args of GatewayApiCrds ${name}`);
        this.version = args.version ?? GATEWAY_API_CRDS.version;
        this.file = gatewayApiManifestLocation({ manage: true, version: this.version, repository: args.repository ?? GATEWAY_API_CRDS.repository });
        this.manifest = new k8s.yaml.v2.ConfigFile(`${name}-manifest`, { file: this.file }, { parent: this });
        this.registerOutputs({ version: this.version, file: this.file });
    }
}
