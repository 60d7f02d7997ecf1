// Helm values the program gives each chart, as pure functions of the validated edge. Users may
// merge their own values over these (`values` keys in config): maps merge, anything else replaces.
import { gatewayPodLabels, gatewaySelector } from "./names";
import type { ExtraValues, GatewaySpec, IpFamily, IstioSpec } from "./types";

/** MetalLB's annotation asking for specific LoadBalancer IPs (not `spec.loadBalancerIP`, deprecated). */
export const METALLB_IP_ANNOTATION = "metallb.io/loadBalancerIPs";

/** A JSON object (a map of Helm values), not an array or null. */
export const isMap = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Helm's coalescing of user values over ours: maps merge key by key, anything else replaces. */
export function mergeValues(ours: Record<string, unknown>, extra: ExtraValues | undefined): Record<string, unknown> {
    const out: Record<string, unknown> = { ...ours };
    for (const [key, value] of Object.entries(extra ?? {})) {
        out[key] = isMap(out[key]) && isMap(value) ? mergeValues(out[key] as Record<string, unknown>, value) : value;
    }
    return out;
}

/**
 * The speaker's BGP backend as chart values (charts/metallb values.yaml @v0.16.1): FRR-K8s when BGP
 * is used — the chart's default, MetalLB's recommended mode, the only one with BFD among the modes
 * that are not deprecated — and none for layer 2 alone, whose speaker needs no FRR containers.
 * A user's own frr-k8s (`frrk8s.external: true`) is followed: the chart then must not run its
 * bundled one (it refuses both), so the program's `frrk8s.enabled` gives way.
 */
export function speakerValues(bgp: boolean, extra?: Record<string, unknown>): Record<string, unknown> {
    const external = isMap(extra?.frrk8s) && extra!.frrk8s.external === true;
    return { frrk8s: { enabled: bgp && !external }, speaker: { frr: { enabled: false } } };
}

/**
 * The metallb chart's values: its CRDs, and the speaker's BGP backend, FRR-K8s when any pool is
 * announced over BGP (the chart's default and MetalLB's recommended mode), none for layer 2 alone.
 */
export function metallbValues(extra?: ExtraValues, bgp = false): Record<string, unknown> {
    return mergeValues({ crds: { enabled: true }, ...speakerValues(bgp, extra) }, extra);
}

/**
 * Istio's advice for tools that install without Helm's IsUpgrade (Chart v4 renders every run as
 * a fresh install): write the validating webhooks with `failurePolicy: Fail` from the start.
 * Otherwise the charts write `Ignore`, istiod rewrites it to `Fail` and owns the field, and the
 * next chart upgrade conflicts with istiod (istiod values.yaml @1.30.3; istio/istio#45204).
 */
export const ISTIO_WEBHOOK_VALUES = { base: { validationFailurePolicy: "Fail" } } as const;

export function istioBaseValues(spec: Pick<IstioSpec, "namespace">, extra?: ExtraValues): Record<string, unknown> {
    return mergeValues({ global: { istioNamespace: spec.namespace }, defaultRevision: "default", ...ISTIO_WEBHOOK_VALUES }, extra);
}

/**
 * istiod values of the program merged with the user's: like {@link mergeValues}, except that
 * `meshConfig.extensionProviders` is a list both add to (Helm would replace it, and with it the
 * tracing provider the program's Telemetry names).
 */
export function mergeIstiodValues(ours: Record<string, unknown>, extra: ExtraValues | undefined): Record<string, unknown> {
    const merged = mergeValues(ours, extra);
    const providers = (values: unknown): unknown[] => {
        const mesh = (values as Record<string, any> | undefined)?.meshConfig;
        return Array.isArray(mesh?.extensionProviders) ? mesh.extensionProviders : [];
    };
    const theirs = providers(extra);
    const own = providers(ours);
    if (theirs.length === 0 || own.length === 0) return merged;
    return { ...merged, meshConfig: { ...(merged.meshConfig as Record<string, unknown>), extensionProviders: [...theirs, ...own] } };
}

export function istiodValues(spec: Pick<IstioSpec, "namespace" | "istiod">, extra?: ExtraValues): Record<string, unknown> {
    const ha = spec.istiod.replicas > 1;
    return mergeValues({
        ...ISTIO_WEBHOOK_VALUES,
        global: { istioNamespace: spec.namespace, defaultPodDisruptionBudget: { enabled: ha } },
        pilot: {
            // A fixed replica count keeps previews stable and fits small clusters.
            autoscaleEnabled: false,
            replicaCount: spec.istiod.replicas,
            resources: spec.istiod.resources,
        },
    }, extra);
}

/** The address family of an IP written as text. */
export function ipFamily(ip: string): IpFamily {
    return ip.includes(":") ? "IPv6" : "IPv4";
}

/**
 * The Service's IP families: one family → that family, SingleStack; one of each → both,
 * RequireDualStack (MetalLB then gives the Service both addresses).
 */
export function serviceIpFamilies(ips: string[]): { ipFamilies: IpFamily[]; ipFamilyPolicy: "SingleStack" | "RequireDualStack" } {
    const families = [...new Set(ips.map(ipFamily))];
    return { ipFamilies: families, ipFamilyPolicy: families.length > 1 ? "RequireDualStack" : "SingleStack" };
}

/** Spreads a gateway's pods over nodes: a node failure then takes down one replica, not all. */
export function antiAffinity(mode: GatewaySpec["podAntiAffinity"], selector: Record<string, string>): object {
    const term = { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" };
    switch (mode) {
        case "required":
            return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
        case "preferred":
            return { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
        default:
            return {};
    }
}

/** Values of Istio's `gateway` chart for one gateway (its IPs may be known only at deploy time). */
export function gatewayChartValues(gw: GatewaySpec, extra?: ExtraValues): Record<string, unknown> {
    return mergeValues({
        labels: gatewayPodLabels(gw.name),
        service: {
            type: "LoadBalancer",
            annotations: { [METALLB_IP_ANNOTATION]: gw.ips.join(",") },
            externalTrafficPolicy: gw.externalTrafficPolicy,
            ...serviceIpFamilies(gw.ips),
            ...(gw.allowedSourceRanges ? { loadBalancerSourceRanges: gw.allowedSourceRanges } : {}),
            ports: [
                { name: "status-port", port: 15021, protocol: "TCP", targetPort: 15021 },
                { name: "http2", port: 80, protocol: "TCP", targetPort: 80 },
                { name: "https", port: 443, protocol: "TCP", targetPort: 443 },
            ],
        },
        autoscaling: gw.autoscaling ? { enabled: true, ...gw.autoscaling } : { enabled: false },
        replicaCount: gw.replicas,
        resources: gw.resources,
        podDisruptionBudget: gw.replicas > 1 ? { minAvailable: 1 } : {},
        affinity: antiAffinity(gw.podAntiAffinity, gatewaySelector(gw.name)),
    }, extra);
}
