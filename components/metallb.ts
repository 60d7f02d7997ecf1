import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PoolConfig } from "../config";
import { PACKAGE } from "./naming";

/** Inputs of {@link MetalLb}. */
export interface MetalLbArgs {
    /** Version of the `metallb` chart, pinned (e.g. "0.16.1"). */
    version: string;
    /** Helm repository of the chart, e.g. "https://metallb.github.io/metallb". */
    repository: string;
    /** Namespace MetalLB runs in; created and labelled for privileged pods (the speaker needs them). */
    namespace: string;
    /** Address pools; each becomes an `IPAddressPool`, all advertised on layer 2. */
    pools: PoolConfig[];
}

/**
 * MetalLB in layer-2 mode: the official chart (FRR off), an `IPAddressPool` per pool and one
 * `L2Advertisement` for all of them.
 */
export class MetalLb extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly chart: k8s.helm.v4.Chart;
    readonly pools: k8s.apiextensions.CustomResource[];
    readonly l2Advertisement: k8s.apiextensions.CustomResource;
    /** What a LoadBalancer Service must wait for to be given an address. */
    readonly ready: pulumi.Resource[];

    constructor(name: string, args: MetalLbArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${PACKAGE}:metallb:MetalLb`, name, {}, opts);

        this.namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: {
                name: args.namespace,
                labels: {
                    "pod-security.kubernetes.io/enforce": "privileged",
                    "pod-security.kubernetes.io/audit": "privileged",
                    "pod-security.kubernetes.io/warn": "privileged",
                },
            },
        }, { parent: this });

        this.chart = new k8s.helm.v4.Chart(`${name}-chart`, {
            name: "metallb",
            chart: "metallb",
            version: args.version,
            repositoryOpts: { repo: args.repository },
            namespace: args.namespace,
            values: {
                crds: { enabled: true },
                // Layer 2 only: the BGP backends are not needed and add privileged containers.
                frrk8s: { enabled: false },
                speaker: { frr: { enabled: false } },
            },
        }, { parent: this, dependsOn: [this.namespace] });

        // The chart's CRDs and its validating webhook must be ready before any pool is sent,
        // or the API server answers "no matches for kind" or "failed calling webhook".
        this.pools = args.pools.map((pool) => new k8s.apiextensions.CustomResource(`${name}-pool-${pool.name}`, {
            apiVersion: "metallb.io/v1beta1",
            kind: "IPAddressPool",
            metadata: { name: pool.name, namespace: args.namespace },
            spec: { addresses: pool.addresses, autoAssign: pool.autoAssign },
        }, { parent: this, dependsOn: [this.chart] }));

        this.l2Advertisement = new k8s.apiextensions.CustomResource(`${name}-l2`, {
            apiVersion: "metallb.io/v1beta1",
            kind: "L2Advertisement",
            metadata: { name: "layer2", namespace: args.namespace },
            spec: { ipAddressPools: args.pools.map((pool) => pool.name) },
        }, { parent: this, dependsOn: [this.chart, ...this.pools] });

        this.ready = [...this.pools, this.l2Advertisement];
        this.registerOutputs({ namespace: args.namespace, pools: args.pools.map((p) => p.name) });
    }
}
