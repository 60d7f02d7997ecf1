import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/errors";
import { CHARTS, locateChart } from "../model/charts";
import { PACKAGE } from "../model/names";
import type { ExtraValues } from "../model/types";
import { parsePoolEntry } from "../model/validate";
import { metallbValues } from "../model/values";
import { KEEP_CRDS_SCRIPT, webhookCheckObjects } from "../model/lifecycle";
import { LAYER2_EVERYWHERE, SHARED_L2_ADVERTISEMENT, metallbObjects } from "../model/metallb";
import type { BgpPeerSpec, PoolSpec } from "../model/types";
import { chartArgs } from "./chart";
import { plainConfigError } from "./deferred";

/** One MetalLB address pool. */
export interface MetalLbPoolArgs {
    /** Name of the `IPAddressPool` (a DNS label). */
    name: string;
    /** CIDRs ("192.168.49.240/28") or ranges ("192.168.49.240-192.168.49.250"), IPv4 or IPv6. */
    addresses: pulumi.Input<pulumi.Input<string>[]>;
    /** Whether MetalLB may hand these addresses to any LoadBalancer Service (default true). */
    autoAssign?: boolean;
    /** How the pool is announced (default: layer 2 from every node and interface). */
    advertise?: PoolSpec["advertise"];
}

/** A BGP peer as {@link MetalLbArgs} takes it: the config's keys, the password as an Input (pass a secret). */
export type MetalLbPeerArgs = Omit<BgpPeerSpec, "hasPassword"> & { password?: pulumi.Input<string> };

/** Inputs of {@link MetalLb}. */
export interface MetalLbArgs {
    /** Version of the `metallb` chart, pinned (default: the tested version). */
    version?: string;
    /** Helm repository, `oci://` registry or local folder of packaged charts (default: MetalLB's). */
    repository?: string;
    /** Namespace MetalLB runs in; created and labelled for privileged pods (the speaker needs them). */
    namespace?: string;
    /** Address pools; each becomes an `IPAddressPool`, announced as its `advertise` says. */
    pools: MetalLbPoolArgs[];
    /**
     * BGP: the local AS and the peers (top-of-rack routers) the speakers open sessions with; the
     * speakers then run FRR-K8s. Each peer's password goes into a `kubernetes.io/basic-auth` Secret.
     */
    bgp?: { localASN: number; routerID?: string; peers: MetalLbPeerArgs[] };
    /** Helm values merged over the program's (maps merge, anything else replaces). */
    values?: pulumi.Input<ExtraValues>;
    /**
     * Keep MetalLB's CRDs when the chart goes (`pulumi destroy`): deleting a CRD deletes every object
     * of its kind in the cluster (default true).
     */
    retainCrds?: boolean;
    /**
     * Before any pool, wait until MetalLB's webhook answers (a Job asking for a server-side dry run):
     * its pods are ready before its webhook serves. Default on; `image` is the kubectl image it runs.
     */
    webhookCheck?: { enabled?: boolean; image?: string };
}

function poolProblems(name: string, addresses: string[], key: string): string[] {
    return addresses.flatMap((text, i) => {
        const entry = parsePoolEntry(text);
        return "problem" in entry ? [`${key}.addresses[${i}]: ${JSON.stringify(text)} ${entry.problem} (pool ${name})`] : [];
    });
}

/**
 * MetalLB in layer-2 mode: the official chart (FRR off), an `IPAddressPool` per pool and one
 * `L2Advertisement` for all of them.
 */
export class MetalLb extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;
    readonly chart: k8s.helm.v4.Chart;
    readonly pools: k8s.apiextensions.CustomResource[];
    /** The shared L2Advertisement of every pool announced on layer 2 from every node (absent when there is none). */
    readonly l2Advertisement?: k8s.apiextensions.CustomResource;
    /** Every announcement object: L2Advertisements, BGPAdvertisements. */
    readonly advertisements: k8s.apiextensions.CustomResource[];
    readonly bgpPeers: k8s.apiextensions.CustomResource[];
    /** What a LoadBalancer Service must wait for to be given an address. */
    readonly ready: pulumi.Resource[];
    /** The Job that proves MetalLB's webhook answers (absent when the check is off). */
    readonly webhookReady?: k8s.batch.v1.Job;

    constructor(name: string, args: MetalLbArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${PACKAGE}:metallb:MetalLb`, name, {}, opts);
        const namespace = args.namespace ?? "metallb-system";
        const version = args.version ?? CHARTS.metallb.version;
        const repository = args.repository ?? CHARTS.metallb.repository;

        // Known values are checked now; values known only at deploy time, when they arrive.
        const names = args.pools.map((p) => p.name);
        const duplicate = names.find((n, i) => names.indexOf(n) !== i);
        if (duplicate !== undefined) throw new ConfigError([`pools: ${JSON.stringify(duplicate)} is listed twice; pool names must be unique`], `args of MetalLb ${name}`);

        this.namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: {
                name: namespace,
                labels: {
                    "pod-security.kubernetes.io/enforce": "privileged",
                    "pod-security.kubernetes.io/audit": "privileged",
                    "pod-security.kubernetes.io/warn": "privileged",
                },
            },
        }, { parent: this });

        const pools: PoolSpec[] = args.pools.map((p) => ({ name: p.name, addresses: [], autoAssign: p.autoAssign ?? true, advertise: p.advertise ?? LAYER2_EVERYWHERE }));
        const bgp = args.bgp && { ...args.bgp, peers: args.bgp.peers.map(({ password, ...p }) => ({ ...p, hasPassword: password !== undefined })) };
        const usesBgp = !!bgp || pools.some((p) => p.advertise?.bgp);
        const objects = metallbObjects(pools, bgp, namespace);
        const values = pulumi.output(args.values ?? {}).apply((extra) => metallbValues(extra, usesBgp));
        this.chart = new k8s.helm.v4.Chart(`${name}-chart`, {
            ...chartArgs("metallb", namespace, locateChart(repository, CHARTS.metallb.chart, version), values),
            // Helm's "keep" on the CRDs: Chart v4 then retains them when the chart goes.
            ...((args.retainCrds ?? true) ? { postRenderer: keepCrdsPostRenderer() } : {}),
        }, { parent: this, dependsOn: [this.namespace] });

        // The chart's CRDs and its validating webhook must be ready before any pool is sent,
        // or the API server answers "no matches for kind" or "failed calling webhook": the
        // chart's pods are ready before its webhook serves, so a Job proves the webhook answers.
        this.webhookReady = (args.webhookCheck?.enabled ?? true)
            ? webhookCheck(`${name}-webhook-check`, namespace, args.webhookCheck?.image, { parent: this, dependsOn: [this.namespace] }, [this.chart])
            : undefined;
        const beforePools = this.webhookReady ? [this.chart, this.webhookReady] : [this.chart];
        this.pools = args.pools.map((pool, p) => new k8s.apiextensions.CustomResource(`${name}-pool-${pool.name}`, {
            apiVersion: "metallb.io/v1beta1",
            kind: "IPAddressPool",
            metadata: { name: pool.name, namespace },
            spec: {
                addresses: pulumi.output(pool.addresses).apply((addresses) => {
                    const problems = poolProblems(pool.name, addresses, `pools[${p}]`);
                    if (problems.length > 0) throw plainConfigError(problems, `args of MetalLb ${name}`);
                    return addresses;
                }),
                autoAssign: pool.autoAssign ?? true,
            },
        }, { parent: this, dependsOn: beforePools }));

        // Advertisements name their pools: after them, so MetalLB's webhook checks them against the pools.
        const custom = (key: string, apiVersion: string, kind: string, objectName: string, spec: Record<string, unknown>, after: pulumi.Resource[]) =>
            new k8s.apiextensions.CustomResource(`${name}-${key}`, { apiVersion, kind, metadata: { name: objectName, namespace }, spec },
                { parent: this, dependsOn: [...beforePools, ...after] });
        this.advertisements = [
            ...objects.l2Advertisements.map((a) => custom(a.key, "metallb.io/v1beta1", "L2Advertisement", a.name, a.spec, this.pools)),
            ...objects.bgpAdvertisements.map((a) => custom(a.key, "metallb.io/v1beta1", "BGPAdvertisement", a.name, a.spec, this.pools)),
        ];
        this.l2Advertisement = this.advertisements.find((_, i) => objects.l2Advertisements[i]?.name === SHARED_L2_ADVERTISEMENT);
        // A peer's BFD profile and password Secret exist before the peer: MetalLB refuses the whole config otherwise.
        const bfd = new Map(objects.bfdProfiles.map((b) => [b.name, custom(b.key, "metallb.io/v1beta1", "BFDProfile", b.name, b.spec, [])]));
        const passwords = new Map((args.bgp?.peers ?? []).filter((p) => p.password !== undefined).map((p) => [p.name, p.password!]));
        const secrets = new Map(objects.passwordSecrets.map((s) => [s.peer, new k8s.core.v1.Secret(`${name}-${s.key}`, {
            metadata: { name: s.name, namespace },
            // What MetalLB reads for a peer's passwordSecret: type basic-auth, key "password".
            type: "kubernetes.io/basic-auth",
            stringData: { password: pulumi.secret(passwords.get(s.peer)!) },
        }, { parent: this, dependsOn: [this.namespace], additionalSecretOutputs: ["data", "stringData"] })]));
        this.bgpPeers = objects.bgpPeers.map((p) => custom(p.key, "metallb.io/v1beta2", "BGPPeer", p.name, p.spec, [
            ...(p.spec.bfdProfile ? [bfd.get(p.spec.bfdProfile as string)!] : []),
            ...(secrets.has(p.peer) ? [secrets.get(p.peer)!] : []),
        ]));

        this.ready = [...this.pools, ...this.advertisements, ...this.bgpPeers];
        this.registerOutputs({ namespace, pools: names });
    }
}

/** The charts' post-renderer that marks their CRDs "keep" (model/lifecycle.ts). */
export function keepCrdsPostRenderer(): { command: string; args: string[] } {
    return { command: process.execPath, args: ["-e", KEEP_CRDS_SCRIPT] };
}

/**
 * The webhook check (model/lifecycle.ts): a ServiceAccount allowed one dry-run create, the probe
 * object, and a Job that asks for it until MetalLB's webhook admits it.
 */
function webhookCheck(name: string, namespace: string, image: string | undefined, opts: pulumi.CustomResourceOptions, after: pulumi.Resource[]): k8s.batch.v1.Job {
    const o = webhookCheckObjects(namespace, image);
    const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, o.serviceAccount, opts);
    const role = new k8s.rbac.v1.Role(`${name}-role`, o.role, opts);
    // A binding may name a Role and a ServiceAccount that do not exist yet: no order among the three.
    const binding = new k8s.rbac.v1.RoleBinding(`${name}-binding`, o.roleBinding, opts);
    const probe = new k8s.core.v1.ConfigMap(`${name}-probe`, o.configMap, opts);
    return new k8s.batch.v1.Job(`${name}-job`, o.job as k8s.batch.v1.JobArgs, {
        ...opts,
        // The check runs once the chart's pods are ready, with its permission and its probe in place.
        dependsOn: [...((opts.dependsOn as pulumi.Resource[]) ?? []), ...after, sa, role, binding, probe],
    });
}
