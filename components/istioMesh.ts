import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ResourceRequirements } from "../config";
import { PACKAGE } from "./naming";

/** Inputs of {@link IstioMesh}. */
export interface IstioMeshArgs {
    /** Istio version; the `base` and `istiod` charts share it (e.g. "1.30.3"). */
    version: string;
    /** Helm repository of Istio's charts. */
    repository: string;
    /** Namespace of istiod; created here. */
    namespace: string;
    /**
     * Namespace of the ingress gateways; created here without `istio-injection=disabled`, since
     * the gateway pods get their proxy image from istiod's injector.
     */
    gatewayNamespace: string;
    /** istiod replicas and resources. */
    istiod: { replicas: number; resources: ResourceRequirements };
    /** Mesh-wide mTLS mode: STRICT refuses plain-text traffic to sidecars; PERMISSIVE accepts both. */
    mtlsMode: "STRICT" | "PERMISSIVE";
    /** Application namespaces to create, labelled for sidecar injection. */
    meshNamespaces: string[];
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

        this.namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: args.namespace },
        }, { parent: this });

        this.gatewayNamespace = args.gatewayNamespace === args.namespace
            ? this.namespace
            : new k8s.core.v1.Namespace(`${name}-gateway-ns`, {
                metadata: { name: args.gatewayNamespace },
            }, { parent: this });

        const chart = (chartName: string) => ({
            chart: chartName,
            version: args.version,
            repositoryOpts: { repo: args.repository },
            namespace: args.namespace,
        });

        this.base = new k8s.helm.v4.Chart(`${name}-base`, {
            ...chart("base"),
            name: "istio-base",
            values: { global: { istioNamespace: args.namespace }, defaultRevision: "default" },
        }, { parent: this, dependsOn: [this.namespace] });

        const ha = args.istiod.replicas > 1;
        this.istiod = new k8s.helm.v4.Chart(`${name}-istiod`, {
            ...chart("istiod"),
            name: "istiod",
            values: {
                global: { istioNamespace: args.namespace, defaultPodDisruptionBudget: { enabled: ha } },
                pilot: {
                    // A fixed replica count keeps previews stable and fits small clusters.
                    autoscaleEnabled: false,
                    replicaCount: args.istiod.replicas,
                    resources: args.istiod.resources,
                },
            },
        }, { parent: this, dependsOn: [this.base] });

        // In Istio's root namespace, named "default": the mesh-wide policy.
        this.peerAuthentication = new k8s.apiextensions.CustomResource(`${name}-mtls`, {
            apiVersion: "security.istio.io/v1",
            kind: "PeerAuthentication",
            metadata: { name: "default", namespace: args.namespace },
            spec: { mtls: { mode: args.mtlsMode } },
        }, { parent: this, dependsOn: [this.istiod] });

        this.meshNamespaces = args.meshNamespaces.map((ns) => new k8s.core.v1.Namespace(`${name}-mesh-${ns}`, {
            metadata: { name: ns, labels: { "istio-injection": "enabled" } },
        }, { parent: this }));

        this.registerOutputs({ namespace: args.namespace, gatewayNamespace: args.gatewayNamespace });
    }
}
