// Extra Helm values (`metallb.values`, `istio.values.*`) are merged over the program's. Here each
// one is held against what the program relies on after the merge: the pod labels its Gateways
// select, the names of each gateway's objects, the one way MetalLB is asked for an IP, the
// Service settings that have first-class keys, and lists the program extends. A value that would
// break one of them is refused with a message naming both keys; anything else passes through.
import { blockContains, parseAddressBlock, parseIp } from "../policy/lib/addresses";
import { gatewayPodLabels } from "./names";
import type { EdgeSpec, ExtraValues } from "./types";
import { METALLB_IP_ANNOTATION, gatewayChartValues, isMap } from "./values";

const show = (value: unknown) => JSON.stringify(value);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Annotations that choose a MetalLB pool; MetalLB reads the new spelling before the old one. */
const POOL_ANNOTATIONS = ["metallb.io/address-pool", "metallb.universe.tf/address-pool"];

/** What a values key must be: a map of Helm values. */
function notAMap(value: unknown, key: string): string[] {
    return value === undefined || isMap(value) ? [] : [`${key}: ${show(value)} is not a map of Helm values; write them as an object, e.g. { "service": { "annotations": { … } } }`];
}

/**
 * Problems of `istio.values.gateway`, which every gateway's chart release gets. Each mistake is
 * told once, for the first gateway it breaks.
 */
export function gatewayValuesProblems(spec: EdgeSpec, extra: ExtraValues | undefined, key = "istio.values.gateway"): string[] {
    if (extra === undefined || !isMap(extra)) return notAMap(extra, key);
    const problems: string[] = [];
    if (extra.name !== undefined) {
        problems.push(`${key}.name: ${show(extra.name)} names the Deployment and Service of every gateway alike (the chart prefers it to the release name, istio-ingress-<gateway>), so the gateways would overwrite each other; remove it`);
    }
    if (extra.labels !== undefined && !isMap(extra.labels)) {
        problems.push(`${key}.labels: ${show(extra.labels)} is not a map of labels`);
    } else if (isMap(extra.labels) && extra.labels.istio !== undefined && spec.gateways.length > 0) {
        const gw = spec.gateways[0];
        problems.push(`${key}.labels.istio: ${show(extra.labels.istio)} replaces the pod label each Gateway selects its pods by (gateways[0] (${gw.name}) selects istio: ${show(gatewayPodLabels(gw.name).istio)}) and gives every gateway the same one, ` +
            `so each Gateway would select every gateway's pods; remove it (other labels may be added)`);
    }
    const service = extra.service;
    if (service !== undefined && !isMap(service)) {
        problems.push(`${key}.service: ${show(service)} is not a map of Service settings`);
        return problems;
    }
    if (!isMap(service)) return problems;
    if (service.type !== undefined && service.type !== "LoadBalancer") {
        problems.push(`${key}.service.type: ${show(service.type)} would not be a LoadBalancer Service, and MetalLB gives addresses to LoadBalancer Services only (the gateways' IPs are gateways[].ip); remove it`);
    }
    if (service.loadBalancerIP !== undefined) {
        problems.push(`${key}.service.loadBalancerIP: ${show(service.loadBalancerIP)} sits beside the ${METALLB_IP_ANNOTATION} annotation the program sets from gateways[].ip, and MetalLB gives no address to a Service with both; remove it and set each gateway's address in gateways[].ip`);
    }
    const annotations = isMap(service.annotations) ? service.annotations : {};
    const firstWith = <T>(pick: (g: number) => T | undefined): { g: number; value: T } | undefined => {
        for (let g = 0; g < spec.gateways.length; g++) {
            const value = pick(g);
            if (value !== undefined) return { g, value };
        }
        return undefined;
    };
    const ipClash = firstWith((g) => annotations[METALLB_IP_ANNOTATION] !== undefined && annotations[METALLB_IP_ANNOTATION] !== spec.gateways[g].ips.join(",") ? true : undefined);
    if (ipClash) {
        problems.push(`${key}.service.annotations["${METALLB_IP_ANNOTATION}"]: ${show(annotations[METALLB_IP_ANNOTATION])} replaces the address the program asks MetalLB for from gateways[${ipClash.g}].ip (${show(spec.gateways[ipClash.g].ips.join(","))}); remove it and set the address in gateways[].ip`);
    }
    for (const annotation of POOL_ANNOTATIONS) {
        const pool = annotations[annotation];
        if (pool === undefined) continue;
        const clash = firstWith((g) => poolHolds(spec, String(pool), spec.gateways[g].ips) ? undefined : true);
        if (clash) {
            problems.push(`${key}.service.annotations["${annotation}"]: ${show(pool)} is not the pool that holds gateways[${clash.g}].ip (${show(spec.gateways[clash.g].ips.join(","))}), and MetalLB gives no address outside the pool asked for; remove it (the program picks the address, and with it the pool)`);
        }
    }
    // Settings with first-class keys: the merged value must be the one those keys give.
    const firstClass: { field: string; key: string }[] = [
        { field: "externalTrafficPolicy", key: "externalTrafficPolicy" },
        { field: "loadBalancerSourceRanges", key: "allowedSourceRanges" },
        { field: "ipFamilies", key: "ip" },
        { field: "ipFamilyPolicy", key: "ip" },
    ];
    for (const { field, key: own } of firstClass) {
        if (service[field] === undefined) continue;
        const clash = firstWith((g) => {
            const ours = (gatewayChartValues(spec.gateways[g]).service as Record<string, unknown>)[field];
            return same(ours, service[field]) ? undefined : { ours };
        });
        if (clash) {
            const set = clash.value.ours === undefined ? "leaves unset" : `sets (${show(clash.value.ours)})`;
            problems.push(`${key}.service.${field}: ${show(service[field])} overrides what gateways[${clash.g}].${own} ${set}; remove it and use gateways[].${own}`);
        }
    }
    if (service.ports !== undefined) {
        const ports = Array.isArray(service.ports) ? service.ports.filter(isMap) : [];
        const serves = (port: number) => ports.some((p) => Number(p.port) === port && (p.targetPort === undefined || Number(p.targetPort) === port) && (p.protocol ?? "TCP") === "TCP");
        const missing = [80, 443].filter((p) => !serves(p));
        if (missing.length > 0) {
            problems.push(`${key}.service.ports: replaces the Service's ports (Helm replaces lists, it does not merge them) without ${missing.map((p) => `${p} → ${p}`).join(" and ")}, where the Gateway servers listen; list them too (e.g. { "name": "https", "port": 443, "targetPort": 443 })`);
        }
    }
    return problems;
}

function poolHolds(spec: EdgeSpec, poolName: string, ips: string[]): boolean {
    const pool = spec.metallb.pools.find((p) => p.name === poolName);
    if (!pool) return false;
    return ips.every((text) => {
        const ip = parseIp(text);
        return !!ip && pool.addresses.some((entry) => {
            try {
                return blockContains(parseAddressBlock(entry), ip);
            } catch {
                return false;
            }
        });
    });
}

/** Problems of `metallb.values`. */
export function metallbValuesProblems(extra: ExtraValues | undefined, key = "metallb.values"): string[] {
    if (extra === undefined || !isMap(extra)) return notAMap(extra, key);
    const problems: string[] = [];
    if (isMap(extra.crds) && extra.crds.enabled === false) {
        problems.push(`${key}.crds.enabled: false leaves out MetalLB's CRDs, which the pools (metallb.pools) and their advertisement need; remove it`);
    }
    if (isMap(extra.speaker) && extra.speaker.enabled === false) {
        problems.push(`${key}.speaker.enabled: false removes MetalLB's speaker, and nothing would announce the gateways' IPs; remove it`);
    }
    const frrk8s = isMap(extra.frrk8s) ? extra.frrk8s : {};
    const frr = isMap(extra.speaker) && isMap(extra.speaker.frr) ? extra.speaker.frr.enabled : undefined;
    if (frr === true && (frrk8s.enabled === true || frrk8s.external === true)) {
        problems.push(`${key}.speaker.frr.enabled: true beside ${key}.frrk8s.${frrk8s.external === true ? "external" : "enabled"}: true, which the chart refuses ("mutually exclusive"); keep one BGP backend (the program runs FRR-K8s for BGP)`);
    }
    if (frrk8s.external === true && frrk8s.enabled === true) {
        problems.push(`${key}.frrk8s.enabled: true beside ${key}.frrk8s.external: true, which the chart refuses ("mutually exclusive"): external means your own frr-k8s instead of the bundled one; remove ${key}.frrk8s.enabled`);
    }
    if (frrk8s.external === true && !frrk8s.namespace) {
        problems.push(`${key}.frrk8s.external: true needs ${key}.frrk8s.namespace, the namespace of your frr-k8s (the chart refuses it without)`);
    }
    return problems;
}

/** Every extension provider list in istiod values, where one is given. */
function extensionProviders(values: unknown): unknown[] | undefined {
    const mesh = isMap(values) ? values.meshConfig : undefined;
    const list = isMap(mesh) ? mesh.extensionProviders : undefined;
    return list === undefined ? undefined : (list as unknown[]);
}

/**
 * Problems of `istio.values.istiod` against what the program sets there: the tracing provider it
 * registers (a list the program extends with the user's, never replaces), the mesh-wide TLS
 * minimum of gateway-api mode, istiod's namespace, the default revision, the webhook policy.
 */
export function istiodValuesProblems(spec: EdgeSpec, ours: Record<string, unknown>, extra: ExtraValues | undefined, key = "istio.values.istiod"): string[] {
    if (extra === undefined || !isMap(extra)) return notAMap(extra, key);
    const problems: string[] = [];
    const theirs = extensionProviders(extra);
    if (theirs !== undefined) {
        if (!Array.isArray(theirs)) {
            problems.push(`${key}.meshConfig.extensionProviders: ${show(theirs)} is not a list; write a list of providers, each with a name`);
        } else {
            const taken = new Set((extensionProviders(ours) ?? []).map((p) => (isMap(p) ? p.name : undefined)));
            theirs.forEach((p, i) => {
                if (isMap(p) && taken.has(p.name)) {
                    problems.push(`${key}.meshConfig.extensionProviders[${i}].name: ${show(p.name)} is the name of the tracing provider the program registers for addons.tracing (istiod keeps one provider per name); rename yours`);
                }
                if (isMap(p)) taken.add(p.name);
            });
        }
    }
    const tls = isMap(extra.meshConfig) && isMap(extra.meshConfig.tlsDefaults) ? extra.meshConfig.tlsDefaults.minProtocolVersion : undefined;
    const ourTls = isMap(ours.meshConfig) && isMap((ours.meshConfig as any).tlsDefaults) ? (ours.meshConfig as any).tlsDefaults.minProtocolVersion : undefined;
    if (tls !== undefined && ourTls !== undefined && tls !== ourTls) {
        problems.push(`${key}.meshConfig.tlsDefaults.minProtocolVersion: ${show(tls)} overrides the minimum TLS version gateway-api mode takes from gateways[].minTlsVersion (${show(ourTls)}); remove it and set gateways[].minTlsVersion`);
    }
    problems.push(...sharedIstioProblems(spec, extra, key));
    if (extra.revision !== undefined && extra.revision !== "") {
        problems.push(`${key}.revision: ${show(extra.revision)} installs a revisioned istiod, which neither the gateways nor istio.meshNamespaces (labelled istio-injection: enabled) are injected by; remove it`);
    }
    return problems;
}

/** Problems of `istio.values.base`. */
export function baseValuesProblems(spec: EdgeSpec, extra: ExtraValues | undefined, key = "istio.values.base"): string[] {
    if (extra === undefined || !isMap(extra)) return notAMap(extra, key);
    const problems = sharedIstioProblems(spec, extra, key);
    if (extra.defaultRevision !== undefined && extra.defaultRevision !== "default") {
        problems.push(`${key}.defaultRevision: ${show(extra.defaultRevision)} moves the default validating webhook off the istiod the program installs (revision "default"); remove it`);
    }
    return problems;
}

function sharedIstioProblems(spec: EdgeSpec, extra: Record<string, any>, key: string): string[] {
    const problems: string[] = [];
    const namespace = isMap(extra.global) ? extra.global.istioNamespace : undefined;
    if (namespace !== undefined && namespace !== spec.istio.namespace) {
        problems.push(`${key}.global.istioNamespace: ${show(namespace)} is not istio.namespace (${show(spec.istio.namespace)}), where istiod is installed; remove it and set istio.namespace`);
    }
    const policy = isMap(extra.base) ? extra.base.validationFailurePolicy : undefined;
    if (policy !== undefined && policy !== "Fail") {
        problems.push(`${key}.base.validationFailurePolicy: ${show(policy)} is what istiod rewrites to "Fail" once it runs, so the next chart upgrade would conflict with istiod over the webhook (istio/istio#45204); remove it (the program sets "Fail")`);
    }
    return problems;
}
