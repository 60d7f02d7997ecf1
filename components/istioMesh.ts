import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { CHARTS, locateChart } from "../model/charts";
import { PACKAGE } from "../model/names";
import type { ExtraValues, ResourceRequirements } from "../model/types";
import { istioBaseValues, istiodValues, mergeIstiodValues } from "../model/values";
import { chartArgs } from "./chart";

/** Inputs of {@link IstioMesh}. */
export interface IstioMeshArgs {
    /** Version of Istio's charts (`base`, `istiod`, `gateway`), pinned (default: the tested version). */
    version?: string;
    /** Helm repository, `oci://` registry or local folder of packaged charts (default: Istio's). */
    repository?: string;
    /** Namespace of istiod and of Istio's root config (default "istio-system"). */
    namespace?: string;
    /**
     * Namespace of the ingress gateways, created here (default "istio-ingress"). Not labelled
     * `istio-injection=disabled`, since the gateway pods get their proxy image from istiod's injector.
     */
    gatewayNamespace?: string;
    /** istiod replicas and resources. */
    istiod?: { replicas: number; resources: ResourceRequirements };
    /** Mesh-wide mTLS mode: STRICT refuses plain-text traffic to sidecars; PERMISSIVE accepts both. */
    mtlsMode?: "STRICT" | "PERMISSIVE";
    /** Application namespaces to create, labelled for sidecar injection. */
    meshNamespaces?: string[];
    /**
     * Keep the application namespaces (and their workloads) when they leave the config or the stack
     * is destroyed (default true): the stack made them, but the applications in them are not its own.
     */
    retainMeshNamespaces?: boolean;
    /** Helm values merged over the program's, per chart. */
    values?: { base?: pulumi.Input<ExtraValues>; istiod?: pulumi.Input<ExtraValues> };
    /** Installed before istiod, so that istiod finds them when it starts (the Gateway API CRDs). */
    prerequisites?: pulumi.Resource[];
    /**
     * istiod values the program needs beyond its defaults (the tracing provider, Gateway API mode's
     * mesh-wide TLS minimum); `values.istiod` is merged over them, extension providers added to.
     */
    istiodValues?: Record<string, unknown>;
}

/** Istio's control plane from the official charts, in the order they need: `base` → `istiod`. */
export class IstioMesh extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly gatewayNamespace: k8s.core.v1.Namespace;
    /** CRDs and cluster roles. Custom resources of Istio's kinds depend on it. */
    readonly base: k8s.helm.v4.Chart;
    /** The control plane, injector and validating webhook. Gateways depend on it. */
    readonly istiod: k8s.helm.v4.Chart;
    readonly peerAuthentication: k8s.apiextensions.CustomResource;
    readonly meshNamespaces: k8s.core.v1.Namespace[];

    constructor(name: string, args: IstioMeshArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${PACKAGE}:istio:IstioMesh`, name, {}, opts);
        const namespace = args.namespace ?? "istio-system";
        const gatewayNamespace = args.gatewayNamespace ?? "istio-ingress";
        const version = args.version ?? CHARTS.istiod.version;
        const repository = args.repository ?? CHARTS.istiod.repository;
        const istiod = args.istiod ?? { replicas: 1, resources: { requests: { cpu: "10m", memory: "100Mi" } } };

        this.namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: namespace },
        }, { parent: this });

        // One Namespace object when gateways live beside istiod.
        this.gatewayNamespace = gatewayNamespace === namespace
            ? this.namespace
            : new k8s.core.v1.Namespace(`${name}-gateway-ns`, {
                metadata: { name: gatewayNamespace },
            }, { parent: this });

        this.base = new k8s.helm.v4.Chart(`${name}-base`, chartArgs(
            "istio-base", namespace, locateChart(repository, CHARTS.istioBase.chart, version),
            pulumi.output(args.values?.base ?? {}).apply((extra) => istioBaseValues({ namespace }, extra)),
        ), { parent: this, dependsOn: [this.namespace] });

        this.istiod = new k8s.helm.v4.Chart(`${name}-istiod`, chartArgs(
            "istiod", namespace, locateChart(repository, CHARTS.istiod.chart, version),
            pulumi.output(args.values?.istiod ?? {}).apply((extra) => istiodValues({ namespace, istiod }, mergeIstiodValues(args.istiodValues ?? {}, extra))),
        ), { parent: this, dependsOn: [this.base, ...(args.prerequisites ?? [])] });

        // In Istio's root namespace, named "default": the mesh-wide policy.
        this.peerAuthentication = new k8s.apiextensions.CustomResource(`${name}-mtls`, {
            apiVersion: "security.istio.io/v1",
            kind: "PeerAuthentication",
            metadata: { name: "default", namespace },
            spec: { mtls: { mode: args.mtlsMode ?? "PERMISSIVE" } },
        }, { parent: this, dependsOn: [this.istiod] });

        this.meshNamespaces = (args.meshNamespaces ?? []).map((ns) => new k8s.core.v1.Namespace(`${name}-mesh-${ns}`, {
            metadata: { name: ns, labels: { "istio-injection": "enabled" } },
        }, { parent: this, retainOnDelete: args.retainMeshNamespaces ?? true }));

        this.registerOutputs({ namespace, gatewayNamespace });
    }
}
