// Defaults for every optional key (the README's config reference lists the same values), and the
// step that fills them in: schema-valid raw config in, the model's EdgeSpec out.
import { CHARTS } from "../model/charts";
import { RETAIN_DEFAULTS, WEBHOOK_CHECK } from "../model/lifecycle";
import type { BgpSpec, EdgeSpec, KeyAlgorithm, PoolSpec } from "../model/types";
import { withAddonDefaults } from "./addonsDefaults";
import { withGatewayApiDefaults } from "./gatewayApiDefaults";

export const DEFAULTS = {
    metallb: {
        version: CHARTS.metallb.version,
        repository: CHARTS.metallb.repository,
        namespace: "metallb-system",
        autoAssign: true,
        webhookCheck: { enabled: true, image: WEBHOOK_CHECK.image as string },
    },
    retainOnDelete: RETAIN_DEFAULTS,
    istio: {
        version: CHARTS.istiod.version,
        repository: CHARTS.istiod.repository,
        namespace: "istio-system",
        gatewayNamespace: "istio-ingress",
        mtlsMode: "PERMISSIVE" as const,
        meshNamespaces: [] as string[],
        // Istio's "demo" profile sizing: fits minikube and kind.
        istiod: { replicas: 1, resources: { requests: { cpu: "10m", memory: "100Mi" } } },
    },
    pki: {
        caCommonName: "istio-metallb-ingress CA",
        caValidityHours: 8760,
        validityHours: 2160,
        earlyRenewalHours: 720,
        keyAlgorithm: "ECDSA-P256" as KeyAlgorithm,
        certificatePer: "host" as const,
        protect: false,
        caGeneration: 1,
    },
    gateway: {
        httpsRedirect: true,
        minTlsVersion: "TLSV1_2" as const,
        replicas: 1,
        podAntiAffinity: "preferred" as const,
        targetCPUUtilizationPercentage: 80,
        resources: { requests: { cpu: "10m", memory: "40Mi" } },
    },
    destinationNamespace: "default",
    samples: { enabled: false, namespace: "samples" },
};

// Schema-valid raw config: the shapes are known, the optional keys may be missing.
type Raw = Record<string, any>;

/** A pool is announced on layer 2 from every node unless `advertise` says otherwise. */
export function withAdvertiseDefaults(raw: Raw | undefined): NonNullable<PoolSpec["advertise"]> {
    // No advertise: layer 2, as before there was a choice. An advertise lists every way the pool is
    // announced, so `{ "bgp": true }` is BGP alone.
    const l2 = raw === undefined ? true : (raw.l2 ?? false);
    const bgp = raw?.bgp ?? false;
    return {
        ...(l2 === false ? {} : { l2: { interfaces: l2.interfaces ?? [], nodeSelectors: l2.nodeSelectors ?? [] } }),
        ...(bgp === false ? {} : {
            bgp: {
                ...(bgp.aggregationLength !== undefined ? { aggregationLength: bgp.aggregationLength } : {}),
                ...(bgp.aggregationLengthV6 !== undefined ? { aggregationLengthV6: bgp.aggregationLengthV6 } : {}),
                communities: bgp.communities ?? [],
                ...(bgp.localPref !== undefined ? { localPref: bgp.localPref } : {}),
                peers: bgp.peers ?? [],
                nodeSelectors: bgp.nodeSelectors ?? [],
            },
        }),
    };
}

export function withBgpDefaults(raw: Raw): BgpSpec {
    return {
        localASN: raw.localASN,
        ...(raw.routerID !== undefined ? { routerID: raw.routerID } : {}),
        peers: (raw.peers as Raw[]).map((p) => ({
            name: p.name,
            address: p.address,
            asn: p.asn,
            ...(p.port !== undefined ? { port: p.port } : {}),
            ...(p.sourceAddress !== undefined ? { sourceAddress: p.sourceAddress } : {}),
            ...(p.holdTime !== undefined ? { holdTime: p.holdTime } : {}),
            ...(p.keepaliveTime !== undefined ? { keepaliveTime: p.keepaliveTime } : {}),
            ebgpMultiHop: p.ebgpMultiHop ?? false,
            nodeSelectors: p.nodeSelectors ?? [],
            ...(p.bfd === undefined || p.bfd === false ? {} : { bfd: p.bfd === true ? {} : { ...p.bfd } }),
            hasPassword: p.password !== undefined,
        })),
    };
}

/** Fills every default in; `raw` must have passed the schema. */
export function withDefaults(raw: Raw): EdgeSpec {
    const metallb = raw.metallb;
    const istio = raw.istio ?? {};
    const { bringYourOwnCa, ...pki } = raw.pki ?? {};
    const samples = typeof raw.samples === "object" ? raw.samples : { enabled: raw.samples };
    return {
        metallb: {
            version: metallb.version ?? DEFAULTS.metallb.version,
            repository: metallb.repository ?? DEFAULTS.metallb.repository,
            namespace: metallb.namespace ?? DEFAULTS.metallb.namespace,
            pools: (metallb.pools as Raw[]).map((pool) => ({
                name: pool.name,
                addresses: pool.addresses,
                autoAssign: pool.autoAssign ?? DEFAULTS.metallb.autoAssign,
                advertise: withAdvertiseDefaults(pool.advertise),
            })),
            ...(metallb.bgp ? { bgp: withBgpDefaults(metallb.bgp) } : {}),
            values: metallb.values ?? {},
            webhookCheck: {
                enabled: metallb.webhookCheck?.enabled ?? DEFAULTS.metallb.webhookCheck.enabled,
                image: metallb.webhookCheck?.image ?? DEFAULTS.metallb.webhookCheck.image,
            },
        },
        istio: {
            version: istio.version ?? DEFAULTS.istio.version,
            repository: istio.repository ?? DEFAULTS.istio.repository,
            namespace: istio.namespace ?? DEFAULTS.istio.namespace,
            gatewayNamespace: istio.gatewayNamespace ?? DEFAULTS.istio.gatewayNamespace,
            mtlsMode: istio.mtlsMode ?? DEFAULTS.istio.mtlsMode,
            meshNamespaces: istio.meshNamespaces ?? DEFAULTS.istio.meshNamespaces,
            istiod: { ...DEFAULTS.istio.istiod, ...(istio.istiod ?? {}) },
            values: { base: istio.values?.base ?? {}, istiod: istio.values?.istiod ?? {}, gateway: istio.values?.gateway ?? {} },
        },
        pki: {
            ...DEFAULTS.pki,
            ...pki,
            bringYourOwnCa: bringYourOwnCa !== undefined,
            caGeneration: pki.caGeneration ?? DEFAULTS.pki.caGeneration,
            // Only generation 1 may leave it unsaid (model/validate.ts): then it alone is trusted.
            ...(pki.trustedCaGenerations !== undefined || (pki.caGeneration ?? 1) === 1
                ? { trustedCaGenerations: pki.trustedCaGenerations ?? [pki.caGeneration ?? DEFAULTS.pki.caGeneration] } : {}),
        },
        gateways: (raw.gateways as Raw[]).map((gw) => ({
            name: gw.name,
            ips: Array.isArray(gw.ip) ? gw.ip : [gw.ip],
            hosts: gw.hosts,
            httpsRedirect: gw.httpsRedirect ?? DEFAULTS.gateway.httpsRedirect,
            minTlsVersion: gw.minTlsVersion ?? DEFAULTS.gateway.minTlsVersion,
            replicas: gw.autoscaling?.minReplicas ?? gw.replicas ?? DEFAULTS.gateway.replicas,
            ...(gw.autoscaling ? {
                autoscaling: {
                    minReplicas: gw.autoscaling.minReplicas,
                    maxReplicas: gw.autoscaling.maxReplicas,
                    targetCPUUtilizationPercentage: gw.autoscaling.targetCPUUtilizationPercentage ?? DEFAULTS.gateway.targetCPUUtilizationPercentage,
                },
            } : {}),
            podAntiAffinity: gw.podAntiAffinity ?? DEFAULTS.gateway.podAntiAffinity,
            resources: gw.resources ?? DEFAULTS.gateway.resources,
            ...(gw.allowedSourceRanges ? { allowedSourceRanges: gw.allowedSourceRanges } : {}),
            // Source ranges need the client's address, which "Cluster" replaces with a node's.
            externalTrafficPolicy: gw.externalTrafficPolicy ?? (gw.allowedSourceRanges ? "Local" : "Cluster"),
            routes: ((gw.routes ?? []) as Raw[]).map((route) => ({
                name: route.name,
                hosts: route.hosts ?? gw.hosts,
                match: route.match.exact !== undefined
                    ? { kind: "exact" as const, path: route.match.exact }
                    : { kind: "prefix" as const, path: route.match.prefix },
                destination: {
                    host: route.destination.host,
                    port: route.destination.port,
                    namespace: route.destination.namespace ?? DEFAULTS.destinationNamespace,
                },
            })),
        })),
        samples: {
            enabled: samples.enabled ?? (typeof raw.samples === "object" ? true : DEFAULTS.samples.enabled),
            namespace: samples.namespace ?? DEFAULTS.samples.namespace,
        },
        addons: withAddonDefaults(raw.addons, istio.namespace ?? DEFAULTS.istio.namespace),
        retainOnDelete: { ...DEFAULTS.retainOnDelete, ...(raw.retainOnDelete ?? {}) },
        ...withGatewayApiDefaults(raw),
    };
}
