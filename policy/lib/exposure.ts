// Which gateways of a stack only admit clients from non-public address ranges ("restricted"):
// for an Istio gateway, its LoadBalancer Service's loadBalancerSourceRanges or the
// AuthorizationPolicies with client-address conditions that apply to its pods; for a Gateway API
// Gateway, the AuthorizationPolicies whose targetRefs name it, or source ranges on its Service.
// A range counts only when it lies inside NON_PUBLIC_RANGES: 0.0.0.0/0 restricts nothing.
import { AddressBlock, isNonPublicBlock, parseAddressBlock, parseIp } from "./addresses";
import { GATEWAY_API_GROUP, GatewayApiModel, K8sGateway } from "./gatewayApi";
import { selects } from "./istio";
import { AuthorizationPolicyObject, GatewayObject, StackModel, UNKNOWN, Workload, probe } from "./model";

export interface Restriction {
    /** False when the stack does not hold what decides it (the gateway pods live elsewhere). */
    decidable: boolean;
    restricted: boolean;
    /** How it is restricted, for messages. */
    how?: string;
    /** Why client ranges it lists do not restrict it (a public or unreadable range), for messages. */
    why?: string;
}

export interface RestrictionOptions {
    /** istiod's root namespace: AuthorizationPolicies there apply mesh-wide. */
    rootNamespace?: string;
    scopeGatewayToNamespace?: boolean;
}

const cache = new WeakMap<StackModel, Map<string, Restrictions>>();

export class Restrictions {
    private readonly servicesByNamespace = new Map<string, StackModel["services"]>();
    private readonly policiesByNamespace = new Map<string, StackModel["authorizationPolicies"]>();
    private readonly workloadCache = new Map<Workload, Restriction>();
    private readonly rootNamespace: string;

    static of(model: StackModel, options: RestrictionOptions = {}): Restrictions {
        const key = `${options.rootNamespace ?? "istio-system"}|${!!options.scopeGatewayToNamespace}`;
        let byKey = cache.get(model);
        if (!byKey) {
            byKey = new Map();
            cache.set(model, byKey);
        }
        let r = byKey.get(key);
        if (!r) {
            r = new Restrictions(model, options);
            byKey.set(key, r);
        }
        return r;
    }

    constructor(private readonly model: StackModel, private readonly options: RestrictionOptions = {}) {
        this.rootNamespace = options.rootNamespace ?? "istio-system";
        for (const s of model.services) push(this.servicesByNamespace, s.namespace, s);
        for (const p of model.authorizationPolicies) push(this.policiesByNamespace, p.namespace, p);
    }

    /** The restriction of the pods of one Istio gateway workload. */
    workload(w: Workload): Restriction {
        let cached = this.workloadCache.get(w);
        if (cached) return cached;
        const services = (this.servicesByNamespace.get(w.namespace) ?? []).filter((s) =>
            selects(s.selector, w.labels) || (s.sourceRangesUnknown && s.selector === undefined));
        const byService = serviceRestriction(services);
        const policies = [...(this.policiesByNamespace.get(w.namespace) ?? []), ...(w.namespace === this.rootNamespace ? [] : this.policiesByNamespace.get(this.rootNamespace) ?? [])];
        // An unknown spec may hold a selector picking these pods.
        const byPolicy = policies.some((p) => p.specUnknown) ? undefined
            : policyRestriction(policies.filter((p) => p.targetRefs.length === 0 && (p.selector === undefined || Object.keys(p.selector).length === 0 || selects(p.selector, w.labels))));
        cached = combine(byService, byPolicy);
        this.workloadCache.set(w, cached);
        return cached;
    }

    /** An Istio Gateway is restricted when every gateway workload it lands on is. */
    istioGateway(gw: GatewayObject): Restriction {
        const workloads = this.model.workloadsOf(gw, this.options.scopeGatewayToNamespace);
        if (gw.selectorUnknown || workloads.length === 0 || workloads.some((w) => w.labelsUnknown)) return { decidable: false, restricted: false };
        const each = workloads.map((w) => this.workload(w));
        const open = each.find((r) => r.decidable && !r.restricted);
        if (open) return open;
        if (each.some((r) => !r.decidable)) return { decidable: false, restricted: false };
        return { decidable: true, restricted: true, how: each.map((r) => r.how).join(", ") };
    }

    /** A Gateway API Gateway is restricted by AuthorizationPolicies targeting it, or source ranges on its Service. */
    k8sGateway(gw: K8sGateway): Restriction {
        const name = gw.name ?? gw.resource.name;
        const policies = this.policiesByNamespace.get(gw.namespace) ?? [];
        const byPolicy = policies.some((p) => p.specUnknown) ? undefined
            : policyRestriction(policies.filter((p) => p.targetRefs.some((t) =>
                t.kind === "Gateway" && (t.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP && t.name === name)));
        const sources: RangeSource[] = [];
        let unknown = false;
        const ref = gw.infrastructure?.parametersRef;
        if (ref && ref.kind === "ConfigMap" && ref.name) {
            const id = `${gw.namespace}/${ref.name}`;
            const ranges = overlaySourceRanges(String((this.model.configMaps.get(id) ?? {}).service ?? ""));
            if (this.model.unknownConfigMaps.has(id)) unknown = true;
            else if (ranges !== undefined) sources.push({ what: `ConfigMap ${id} service overlay`, ranges: ranges === "unreadable" ? [] : ranges, unreadable: ranges === "unreadable" });
        }
        for (const s of this.servicesByNamespace.get(gw.namespace) ?? []) {
            const mine = s.selector?.["gateway.networking.k8s.io/gateway-name"] === name;
            if (s.sourceRangesUnknown && (mine || s.selector === undefined)) unknown = true;
            else if (mine && s.loadBalancerSourceRanges.length > 0) sources.push({ what: `Service ${s.id}`, ranges: s.loadBalancerSourceRanges });
        }
        return combine(unknown ? undefined : rangeRestriction(sources), byPolicy);
    }

    /** Whether any gateway of the stack, of either API, is restricted. */
    anyRestricted(): boolean {
        return this.model.gateways.some((g) => this.istioGateway(g).restricted) ||
            GatewayApiModel.of(this.model).gateways.some((g) => this.k8sGateway(g).restricted);
    }
}

/** Client ranges set in one place (a Service, an overlay), for messages. */
interface RangeSource {
    what: string;
    ranges: unknown[];
    /** Set, but in a form this pack does not read: not counted as a restriction. */
    unreadable?: boolean;
}

/**
 * A client range as written in loadBalancerSourceRanges or ipBlocks: a CIDR or a single address.
 * Host bits are masked off rather than refused (Istio's netip.ParsePrefix accepts them), so a
 * sloppy CIDR is not mistaken for an open gateway. Undefined when unreadable.
 */
export function clientRange(text: unknown): AddressBlock | undefined {
    if (typeof text !== "string" || text.includes("-")) return undefined; // "a-b" ranges are MetalLB's only
    const t = text.trim();
    try {
        return parseAddressBlock(t.includes("/") ? t : `${t}/${t.includes(":") ? 128 : 32}`);
    } catch {
        const [address, prefix] = t.split("/");
        const ip = parseIp(address);
        const bits = ip?.family === "ipv4" ? 32 : 128;
        if (!ip || !/^\d{1,3}$/.test(prefix ?? "") || Number(prefix) > bits) return undefined;
        const host = BigInt(bits - Number(prefix));
        const first = (ip.value >> host) << host;
        return { family: ip.family, first, last: first + (1n << host) - 1n, text: t };
    }
}

/** Why a list of client ranges admits public addresses ("… includes public internet addresses"); undefined when none does. */
export function publicRangeIn(ranges: unknown[]): string | undefined {
    for (const r of ranges) {
        const block = clientRange(r);
        if (!block) return `${JSON.stringify(r)} cannot be read as an address range`;
        if (!isNonPublicBlock(block)) return `${r} includes public internet addresses`;
    }
    return undefined;
}

/** Service-side ranges restrict when some are set and every one is non-public (each Service is a way in). */
function rangeRestriction(sources: RangeSource[]): Restriction {
    if (sources.length === 0) return { decidable: true, restricted: false };
    for (const s of sources) {
        if (s.unreadable) return { decidable: true, restricted: false, why: `${s.what} sets loadBalancerSourceRanges in YAML this pack does not read` };
        const open = publicRangeIn(s.ranges);
        if (open) return { decidable: true, restricted: false, why: `${s.what} loadBalancerSourceRanges: ${open}` };
    }
    return { decidable: true, restricted: true, how: sources.map((s) => `${s.what} loadBalancerSourceRanges`).join(", ") };
}

function serviceRestriction(services: StackModel["services"]): Restriction | undefined {
    if (services.some((s) => s.sourceRangesUnknown)) return undefined;
    return rangeRestriction(services.filter((s) => s.loadBalancerSourceRanges.length > 0)
        .map((s) => ({ what: `Service ${s.id}`, ranges: s.loadBalancerSourceRanges })));
}

const policyId = (p: AuthorizationPolicyObject) => `AuthorizationPolicy ${p.namespace}/${p.name ?? p.resource.name}`;
const listOf = (value: unknown): any[] => (Array.isArray(value) ? value : []);
const setKeys = (o: unknown) => Object.entries(o && typeof o === "object" ? o : {}).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)).map(([k]) => k);

/**
 * Why an ALLOW policy admits some public client, or undefined when every request it allows comes
 * from a non-public range. Rules are ORed, so each must require one; in a rule the `from` entries
 * are ORed, so each must set remoteIpBlocks or ipBlocks (ANDed: one non-public list suffices).
 * An ALLOW policy without rules allows nothing.
 */
function allowAdmitsPublic(p: AuthorizationPolicyObject): string | undefined {
    for (const [i, rule] of p.rules.entries()) {
        const from = listOf(rule?.from);
        if (from.length === 0) return `${policyId(p)} rules[${i}] admits every client address (no from)`;
        for (const [j, f] of from.entries()) {
            const lists = (["remoteIpBlocks", "ipBlocks"] as const).map((k) => [k, listOf(f?.source?.[k])] as const).filter(([, l]) => l.length > 0);
            if (lists.length === 0) return `${policyId(p)} rules[${i}].from[${j}] admits every client address (no remoteIpBlocks or ipBlocks)`;
            const open = lists.map(([k, l]) => [k, publicRangeIn(l)] as const);
            if (open.every(([, why]) => why !== undefined)) return `${policyId(p)} rules[${i}].from[${j}].source.${open[0][0]}: ${open[0][1]}`;
        }
    }
    return undefined;
}

/**
 * Whether a DENY policy refuses every client outside non-public ranges: some rule with nothing but
 * one `from` source setting only notRemoteIpBlocks (or only notIpBlocks), all non-public. Any other
 * condition narrows what it denies, so it is not read as a restriction.
 */
function denyRestricts(p: AuthorizationPolicyObject): boolean {
    return p.rules.some((rule) => setKeys(rule).every((k) => k === "from") && listOf(rule?.from).some((f) => {
        const keys = setKeys(f?.source);
        return setKeys(f).every((k) => k === "source") && keys.length === 1 && (keys[0] === "notRemoteIpBlocks" || keys[0] === "notIpBlocks") &&
            publicRangeIn(listOf(f.source[keys[0]])) === undefined;
    }));
}

/**
 * The restriction AuthorizationPolicies applying to some pods make (Istio: DENY first, then the pods
 * need one ALLOW match when any ALLOW policy applies). Restricted when a DENY policy refuses every
 * public client, or ALLOW policies apply and none admits a public one. CUSTOM and AUDIT are not read.
 * Undefined when a value is unknown until `pulumi up`.
 */
function policyRestriction(policies: AuthorizationPolicyObject[]): Restriction | undefined {
    const result = probe(() => {
        const deny = policies.find((p) => p.action === "DENY" && denyRestricts(p));
        if (deny) return { decidable: true, restricted: true, how: policyId(deny) };
        const allow = policies.filter((p) => p.action === "ALLOW");
        if (allow.length === 0) return { decidable: true, restricted: false };
        const why = allow.map(allowAdmitsPublic).find((w) => w !== undefined);
        // A policy with client-address conditions that still admits the public explains why; one without any is not news.
        if (why) return { decidable: true, restricted: false, ...(allow.some((p) => p.restrictsSourceAddresses) ? { why } : {}) };
        return { decidable: true, restricted: true, how: allow.map(policyId).join(", ") };
    });
    return result === UNKNOWN ? undefined : result;
}

/** Either layer restricts; undefined (unknown) parts make an unrestricted verdict undecidable. */
function combine(...parts: (Restriction | undefined)[]): Restriction {
    const restricted = parts.find((r) => r?.restricted);
    if (restricted) return restricted;
    if (parts.some((r) => r === undefined)) return { decidable: false, restricted: false };
    const why = parts.map((r) => r!.why).filter((w): w is string => !!w);
    return { decidable: true, restricted: false, ...(why.length > 0 ? { why: why.join("; ") } : {}) };
}

/**
 * spec.loadBalancerSourceRanges of an Istio Service overlay (a ConfigMap `service` key, a strategic
 * merge patch in YAML), read from the block YAML the program writes (model/gatewayApi.ts toYaml):
 * nested `key:` maps, a `- item` list or a one-line `[a, b]` list, quoted or plain scalars.
 * Undefined when the key is absent; "unreadable" when it is there in a form this does not read.
 */
export function overlaySourceRanges(text: string): string[] | undefined | "unreadable" {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "" && !/^\s*#/.test(l) && l.trim() !== "---");
    if (!lines.some((l) => /loadBalancerSourceRanges/.test(l.replace(/\s#.*$/, "")))) return undefined;
    const indent = (l: string) => l.length - l.trimStart().length;
    const keyOf = (l: string) => /^\s*("[^"]*"|'[^']*'|[^\s:#'"-][^:#]*?)\s*:(\s+(.*))?$/.exec(l);
    const unquote = (v: string): string | undefined => {
        const t = v.replace(/\s+#.*$/, "").trim();
        if (/^"([^"\\]|\\.)*"$/.test(t)) {
            try {
                return JSON.parse(t) as string;
            } catch {
                return undefined; // a YAML-only escape
            }
        }
        if (/^'([^']|'')*'$/.test(t)) return t.slice(1, -1).replace(/''/g, "'");
        // A plain scalar; ": " would make it a map.
        return /^[^\s"'\[\]{}&*!|>%@`,#-][^#]*$/.test(t) && !/:(\s|$)/.test(t) ? t : undefined;
    };
    const name = (m: RegExpExecArray) => unquote(m[1]) ?? m[1];
    const spec = lines.findIndex((l) => indent(l) === 0 && keyOf(l) && name(keyOf(l)!) === "spec" && !keyOf(l)![3]);
    if (spec < 0) return "unreadable";
    const end = lines.findIndex((l, i) => i > spec && indent(l) === 0);
    const body = lines.slice(spec + 1, end < 0 ? undefined : end);
    if (body.length === 0 || /\t/.test(body.map((l) => l.slice(0, indent(l))).join(""))) return "unreadable";
    const level = indent(body[0]);
    const at = body.findIndex((l) => indent(l) === level && keyOf(l) && name(keyOf(l)!) === "loadBalancerSourceRanges");
    if (at < 0) return "unreadable";
    const inline = keyOf(body[at])![3]?.replace(/\s+#.*$/, "").trim();
    if (inline) {
        if (inline === "[]" || inline === "null" || inline === "~") return undefined;
        const flow = /^\[(.*)\]$/.exec(inline);
        if (!flow) return "unreadable";
        if (flow[1].trim() === "") return undefined;
        const items = flow[1].split(",").map(unquote);
        return items.some((x) => x === undefined) ? "unreadable" : items as string[];
    }
    const items: (string | undefined)[] = [];
    for (const l of body.slice(at + 1)) {
        const item = /^\s*-\s+(.*)$/.exec(l);
        if (indent(l) < level || (indent(l) === level && !item)) break;
        if (!item) return "unreadable";
        items.push(unquote(item[1]));
    }
    if (items.length === 0) return undefined;
    return items.some((x) => x === undefined) ? "unreadable" : items as string[];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
}
