// Stack config: parsed, defaulted and validated in one place, before any resource exists.
// Everything here is a pure function of the raw config values, so it is tested without Pulumi.
import Ajv, { ErrorObject } from "ajv";
import { AddressBlock, blockContains, blocksOverlap, parseAddressBlock, parseIp } from "./ip";
import { stackConfigSchema } from "./schema";
import { hostsIntersect } from "../policy/lib/istio";
import { hostSlug } from "../components/naming";

export const PROJECT = "istio-metallb-ingress";

export interface ResourceQuantities {
    cpu: string;
    memory: string;
}
export interface ResourceRequirements {
    requests: ResourceQuantities;
    limits?: ResourceQuantities;
}

export interface PoolConfig {
    name: string;
    addresses: string[];
    autoAssign: boolean;
}
export interface MetalLbConfig {
    version: string;
    repository: string;
    namespace: string;
    pools: PoolConfig[];
}
export interface IstioConfig {
    version: string;
    repository: string;
    /** Namespace of istiod (and of Istio's root config, e.g. mesh-wide policies). */
    namespace: string;
    /** Namespace of the ingress gateway pods, their Gateways, VirtualServices and TLS secrets. */
    gatewayNamespace: string;
    /** Mesh-wide mutual TLS (a PeerAuthentication "default" in Istio's root namespace). */
    mtlsMode: "STRICT" | "PERMISSIVE";
    /** Application namespaces to create with sidecar injection on. */
    meshNamespaces: string[];
    istiod: { replicas: number; resources: ResourceRequirements };
}
export type KeyAlgorithm = "ECDSA-P256" | "ECDSA-P384" | "RSA-2048" | "RSA-3072" | "RSA-4096";
export interface PkiConfig {
    caCommonName: string;
    caValidityHours: number;
    validityHours: number;
    earlyRenewalHours: number;
    keyAlgorithm: KeyAlgorithm;
    certificatePer: "host" | "gateway";
    /** Protect the CA key and certificate from deletion and replacement. */
    protect: boolean;
}
export interface RouteMatch {
    kind: "exact" | "prefix";
    path: string;
}
export interface RouteConfig {
    name: string;
    /** The hosts the route applies to: the ones it names, or all of its gateway's hosts. */
    hosts: string[];
    match: RouteMatch;
    destination: { host: string; port: number; namespace: string };
}
export interface GatewayConfig {
    name: string;
    ip: string;
    hosts: string[];
    httpsRedirect: boolean;
    minTlsVersion: "TLSV1_2" | "TLSV1_3";
    /** Fixed replica count, or the minimum when autoscaling is set. */
    replicas: number;
    autoscaling?: { minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage: number };
    podAntiAffinity: "none" | "preferred" | "required";
    resources: ResourceRequirements;
    /** Client CIDRs allowed to reach the gateway; undefined = everyone. */
    allowedSourceRanges?: string[];
    externalTrafficPolicy: "Cluster" | "Local";
    routes: RouteConfig[];
}
export interface StackConfig {
    metallb: MetalLbConfig;
    istio: IstioConfig;
    pki: PkiConfig;
    gateways: GatewayConfig[];
    samples: boolean;
}

/** Defaults for every optional key; the README's config reference lists the same values. */
export const DEFAULTS = {
    metallb: {
        version: "0.16.1",
        repository: "https://metallb.github.io/metallb",
        namespace: "metallb-system",
        autoAssign: true,
    },
    istio: {
        version: "1.30.3",
        repository: "https://istio-release.storage.googleapis.com/charts",
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
    samples: false,
};

/** Thrown when the stack config is invalid; its message lists every problem found. */
export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(
            `Invalid stack config for ${PROJECT} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTuples: false });
const validateShape = ajv.compile(stackConfigSchema);

/** `/gateways/0/ip` → `gateways[0].ip`, the spelling `pulumi config set --path` uses. */
function keyPath(pointer: string): string {
    return pointer
        .split("/")
        .slice(1)
        .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
        .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), "");
}

function show(value: unknown): string {
    return JSON.stringify(value);
}

/** Levenshtein distance, for "did you mean" hints on misspelt keys. */
function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

function didYouMean(key: string, valid: string[]): string {
    const close = valid
        .map((candidate) => ({ candidate, d: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
        .filter(({ d }) => d <= Math.max(2, Math.floor(key.length / 4)))
        .sort((x, y) => x.d - y.d);
    return close.length > 0 ? ` (did you mean ${show(close[0].candidate)}?)` : "";
}

function describeSchemaError(error: ErrorObject): string {
    const key = keyPath(error.instancePath);
    const at = (child: string) => (key ? `${key}.${child}` : child);
    const schema = (error.parentSchema ?? {}) as { properties?: object; description?: string };
    switch (error.keyword) {
        case "additionalProperties": {
            const extra = (error.params as { additionalProperty: string }).additionalProperty;
            const valid = Object.keys(schema.properties ?? {});
            return `${at(extra)}: unknown key ${show(extra)}${didYouMean(extra, valid)}; valid keys here: ${valid.join(", ")}`;
        }
        case "required": {
            const missing = (error.params as { missingProperty: string }).missingProperty;
            return `${at(missing)}: is required but missing`;
        }
        case "type":
            return `${key}: ${show(error.data)} is not valid; expected ${(error.params as { type: string }).type}`;
        case "enum": {
            const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(show).join(", ");
            return `${key}: ${show(error.data)} is not valid; valid values: ${allowed}`;
        }
        case "pattern":
            return `${key}: ${show(error.data)} is not valid; expected ${schema.description ?? error.message}`;
        case "minimum":
        case "maximum": {
            const s = error.parentSchema as { minimum?: number; maximum?: number };
            return `${key}: ${show(error.data)} is out of range; valid: ${s.minimum ?? "-∞"} to ${s.maximum ?? "∞"}`;
        }
        case "maxLength":
            return `${key}: ${show(error.data)} is too long; expected ${schema.description ?? error.message}`;
        case "minItems":
            return `${key}: ${show(error.data)} must list at least ${(error.params as { limit: number }).limit} item(s)`;
        case "minLength":
            return `${key}: must not be empty`;
        default:
            return `${key}: ${show(error.data)} ${error.message}`;
    }
}

// RFC 1123 host names, lower case, optionally with one leading "*." wildcard label.
const hostLabel = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
const hostPattern = new RegExp(`^(\\*\\.)?${hostLabel}(\\.${hostLabel})*$`);

function checkHost(host: string, key: string, problems: string[], allowWildcard = true): boolean {
    const valid = hostPattern.test(host) && host.length <= 253 && (allowWildcard || !host.startsWith("*."));
    if (!valid) {
        problems.push(
            `${key}: ${show(host)} is not a valid host; expected a lower-case DNS name such as "app.example.com"` +
                (allowWildcard ? ' or a wildcard subdomain such as "*.apps.example.com"' : ""),
        );
    }
    return valid;
}

type Raw = Record<string, any>;

function checkPools(metallb: Raw, problems: string[]): { name: string; blocks: AddressBlock[] }[] {
    const pools: { name: string; blocks: AddressBlock[] }[] = [];
    const seen = new Map<string, number>();
    (metallb.pools as Raw[]).forEach((pool, p) => {
        if (seen.has(pool.name)) {
            problems.push(
                `metallb.pools[${p}].name: ${show(pool.name)} is already used by metallb.pools[${seen.get(pool.name)}]; pool names must be unique`,
            );
        }
        seen.set(pool.name, p);
        const blocks: AddressBlock[] = [];
        (pool.addresses as string[]).forEach((text, a) => {
            try {
                blocks.push(parseAddressBlock(text));
            } catch (err) {
                problems.push(
                    `metallb.pools[${p}].addresses[${a}]: ${show(text)} ${(err as Error).message}; expected a CIDR such as "192.168.49.240/28" or a range such as "192.168.49.240-192.168.49.250"`,
                );
            }
        });
        pools.push({ name: pool.name, blocks });
    });
    // Overlapping pools make MetalLB's choice of pool, and so of advertisement, ambiguous.
    const all = pools.flatMap((pool, p) => pool.blocks.map((block) => ({ p, pool: pool.name, block })));
    for (let i = 0; i < all.length; i++) {
        for (let j = i + 1; j < all.length; j++) {
            if (blocksOverlap(all[i].block, all[j].block)) {
                problems.push(
                    `metallb.pools[${all[j].p}].addresses: ${show(all[j].block.text)} overlaps ${show(all[i].block.text)} of pool ${show(all[i].pool)}; pools must not overlap`,
                );
            }
        }
    }
    return pools;
}

function checkGateways(gateways: Raw[], pools: { name: string; blocks: AddressBlock[] }[], problems: string[]): void {
    const names = new Map<string, number>();
    const ips = new Map<string, number>();
    const hostOwner: { host: string; g: number; gateway: string }[] = [];
    const poolList = pools.map((p) => `${p.name} (${p.blocks.map((b) => b.text).join(", ")})`).join("; ");

    gateways.forEach((gw, g) => {
        const at = `gateways[${g}]`;
        if (names.has(gw.name)) {
            problems.push(`${at}.name: ${show(gw.name)} is already used by gateways[${names.get(gw.name)}]; gateway names must be unique`);
        }
        names.set(gw.name, g);

        const ip = parseIp(gw.ip);
        if (!ip) {
            problems.push(`${at}.ip: ${show(gw.ip)} is not an IP address; expected an IPv4 or IPv6 address inside one of metallb.pools`);
        } else {
            const canonical = `${ip.family}:${ip.value}`;
            if (ips.has(canonical)) {
                problems.push(`${at}.ip: ${show(gw.ip)} is already the IP of gateways[${ips.get(canonical)}]; each gateway needs its own IP`);
            }
            ips.set(canonical, g);
            const inPools = pools.filter((pool) => pool.blocks.some((b) => blockContains(b, ip)));
            if (inPools.length === 0) {
                problems.push(`${at}.ip: ${show(gw.ip)} is not inside any MetalLB pool; valid: an address inside one of metallb.pools: ${poolList}`);
            } else if (inPools.length > 1) {
                problems.push(
                    `${at}.ip: ${show(gw.ip)} is inside ${inPools.length} pools (${inPools.map((p) => p.name).join(", ")}); it must be inside exactly one`,
                );
            }
        }

        const ownHosts = new Set<string>();
        (gw.hosts as string[]).forEach((host, h) => {
            if (!checkHost(host, `${at}.hosts[${h}]`, problems)) {
                return;
            }
            if (ownHosts.has(host)) {
                problems.push(`${at}.hosts[${h}]: ${show(host)} is listed twice on this gateway`);
            }
            // Per-host objects are named "<gateway>-<host>-tls"; Kubernetes names stop at 253 characters.
            const longest = `${gw.name}-${hostSlug(host)}-tls`;
            if (longest.length > 253) {
                problems.push(`${at}.hosts[${h}]: ${show(host)} is too long for the names derived from it ("${longest.slice(0, 40)}…", ${longest.length} characters; Kubernetes allows 253); use a shorter host or gateway name`);
            }
            ownHosts.add(host);
            // A host answered by two gateways breaks their isolation (and SNI picks one at random).
            const clash = hostOwner.find((o) => o.g !== g && hostsIntersect(o.host, host));
            if (clash) {
                problems.push(
                    `${at}.hosts[${h}]: ${show(host)} is also served by gateways[${clash.g}] (${clash.gateway}) as ${show(clash.host)}; a host may belong to one gateway only`,
                );
            }
            hostOwner.push({ host, g, gateway: gw.name });
        });

        checkRoutes(gw, at, ownHosts, problems);
        checkGatewaySizing(gw, at, problems);
        checkSourceRanges(gw, at, problems);
    });
}

function checkGatewaySizing(gw: Raw, at: string, problems: string[]): void {
    if (gw.autoscaling) {
        if (gw.replicas !== undefined) {
            problems.push(`${at}.replicas: ${gw.replicas} conflicts with ${at}.autoscaling; set one of them (autoscaling.minReplicas is the floor)`);
        }
        if (gw.autoscaling.minReplicas > gw.autoscaling.maxReplicas) {
            problems.push(`${at}.autoscaling.minReplicas: ${gw.autoscaling.minReplicas} is more than maxReplicas (${gw.autoscaling.maxReplicas}); valid: minReplicas ≤ maxReplicas`);
        }
    }
    checkResources(gw.resources, `${at}.resources`, problems);
}

/** Limits below requests are rejected by the API server; say so before anything is created. */
function checkResources(resources: Raw | undefined, at: string, problems: string[]): void {
    if (!resources?.limits) return;
    for (const kind of ["cpu", "memory"] as const) {
        const request = parseQuantity(resources.requests[kind]);
        const limit = parseQuantity(resources.limits[kind]);
        if (limit < request) {
            problems.push(`${at}.limits.${kind}: ${show(resources.limits[kind])} is less than requests.${kind} (${show(resources.requests[kind])}); a limit must be at least the request`);
        }
    }
}

const QUANTITY_SUFFIX: Record<string, number> = {
    "": 1, m: 1e-3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};

/** A Kubernetes quantity ("500m", "2", "128Mi") as a number of base units. */
function parseQuantity(text: string): number {
    const match = /^([0-9]+(?:\.[0-9]+)?)(m|Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(text);
    if (!match) return NaN;
    return Number(match[1]) * QUANTITY_SUFFIX[match[2] ?? ""];
}

function checkSourceRanges(gw: Raw, at: string, problems: string[]): void {
    ((gw.allowedSourceRanges ?? []) as string[]).forEach((cidr, i) => {
        if (!cidr.includes("/")) {
            problems.push(`${at}.allowedSourceRanges[${i}]: ${show(cidr)} is not a CIDR; expected a CIDR such as "10.0.0.0/8" (a single address is "10.1.2.3/32")`);
            return;
        }
        try {
            parseAddressBlock(cidr);
        } catch (err) {
            problems.push(`${at}.allowedSourceRanges[${i}]: ${show(cidr)} ${(err as Error).message}; expected a CIDR such as "10.0.0.0/8" or "fd00::/8"`);
        }
    });
    if (gw.allowedSourceRanges && gw.externalTrafficPolicy === "Cluster") {
        problems.push(
            `${at}.externalTrafficPolicy: "Cluster" hides the client address behind a node's, so ${at}.allowedSourceRanges cannot be enforced; use "Local" (the default when allowedSourceRanges is set)`,
        );
    }
}

function checkRoutes(gw: Raw, at: string, gatewayHosts: Set<string>, problems: string[]): void {
    const routeNames = new Map<string, number>();
    const matchesByHost = new Map<string, { r: number; key: string }[]>();
    ((gw.routes ?? []) as Raw[]).forEach((route, r) => {
        const rat = `${at}.routes[${r}]`;
        if (routeNames.has(route.name)) {
            problems.push(`${rat}.name: ${show(route.name)} is already used by ${at}.routes[${routeNames.get(route.name)}]; route names must be unique per gateway`);
        }
        routeNames.set(route.name, r);

        const kinds = ["exact", "prefix"].filter((k) => route.match[k] !== undefined);
        if (kinds.length !== 1) {
            problems.push(
                `${rat}.match: ${show(route.match)} must set exactly one of "exact" or "prefix" (it sets ${kinds.length === 0 ? "neither" : "both"}); e.g. { "exact": "/hello" } or { "prefix": "/" }`,
            );
        } else {
            const path = route.match[kinds[0]] as string;
            if (!/^\/[^\s?#]*$/.test(path)) {
                problems.push(`${rat}.match.${kinds[0]}: ${show(path)} is not a valid path; expected an absolute path such as "/hello", without query or fragment`);
            }
        }

        checkHost(route.destination.host, `${rat}.destination.host`, problems, false);

        const hosts: string[] = route.hosts ?? [...gatewayHosts];
        (route.hosts ?? []).forEach((host: string, h: number) => {
            if (!gatewayHosts.has(host)) {
                problems.push(`${rat}.hosts[${h}]: ${show(host)} is not one of this gateway's hosts; valid: ${[...gatewayHosts].map(show).join(", ")}`);
            }
        });
        if (kinds.length === 1) {
            const key = `${kinds[0]}:${route.match[kinds[0]]}`;
            for (const host of hosts) {
                const previous = (matchesByHost.get(host) ?? []).find((m) => m.key === key);
                if (previous) {
                    problems.push(
                        `${rat}.match: ${show(route.match)} on host ${show(host)} duplicates ${at}.routes[${previous.r}]; the second route could never be reached`,
                    );
                }
                matchesByHost.set(host, [...(matchesByHost.get(host) ?? []), { r, key }]);
            }
        }
    });
}

function withDefaults(raw: Raw): StackConfig {
    const metallb = raw.metallb;
    const istio = raw.istio ?? {};
    const pki = { ...DEFAULTS.pki, ...(raw.pki ?? {}) };
    return {
        metallb: {
            version: metallb.version ?? DEFAULTS.metallb.version,
            repository: metallb.repository ?? DEFAULTS.metallb.repository,
            namespace: metallb.namespace ?? DEFAULTS.metallb.namespace,
            pools: (metallb.pools as Raw[]).map((pool) => ({
                name: pool.name,
                addresses: pool.addresses,
                autoAssign: pool.autoAssign ?? DEFAULTS.metallb.autoAssign,
            })),
        },
        istio: {
            version: istio.version ?? DEFAULTS.istio.version,
            repository: istio.repository ?? DEFAULTS.istio.repository,
            namespace: istio.namespace ?? DEFAULTS.istio.namespace,
            gatewayNamespace: istio.gatewayNamespace ?? DEFAULTS.istio.gatewayNamespace,
            mtlsMode: istio.mtlsMode ?? DEFAULTS.istio.mtlsMode,
            meshNamespaces: istio.meshNamespaces ?? DEFAULTS.istio.meshNamespaces,
            istiod: { ...DEFAULTS.istio.istiod, ...(istio.istiod ?? {}) },
        },
        pki,
        gateways: (raw.gateways as Raw[]).map((gw) => ({
            name: gw.name,
            ip: gw.ip,
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
        samples: raw.samples ?? DEFAULTS.samples,
    };
}

/** Namespaces this program creates itself; a mesh namespace must not be one of them. */
function checkMeshNamespaces(config: StackConfig, problems: string[]): void {
    const owned = new Map<string, string>([
        [config.metallb.namespace, "metallb.namespace"],
        [config.istio.namespace, "istio.namespace"],
        [config.istio.gatewayNamespace, "istio.gatewayNamespace"],
        ...(config.samples ? [["samples", "samples (the sample apps' namespace)"] as [string, string]] : []),
    ]);
    const seen = new Set<string>();
    config.istio.meshNamespaces.forEach((ns, i) => {
        if (owned.has(ns)) {
            problems.push(`istio.meshNamespaces[${i}]: ${show(ns)} is already ${owned.get(ns)}; list application namespaces only`);
        } else if (seen.has(ns)) {
            problems.push(`istio.meshNamespaces[${i}]: ${show(ns)} is listed twice`);
        }
        seen.add(ns);
    });
}

/**
 * Validates raw stack config values (already JSON-decoded, keyed without the project prefix)
 * and returns the config with every default filled in. Throws a ConfigError listing every problem.
 */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
    if (!validateShape(raw)) {
        const messages = (validateShape.errors ?? []).map(describeSchemaError);
        throw new ConfigError([...new Set(messages)]);
    }
    const input = raw as Raw;
    const problems: string[] = [];
    const pools = checkPools(input.metallb, problems);
    checkGateways(input.gateways, pools, problems);
    const config = withDefaults(input);
    if (config.pki.earlyRenewalHours >= config.pki.validityHours) {
        problems.push(
            `pki.earlyRenewalHours: ${config.pki.earlyRenewalHours} must be less than pki.validityHours (${config.pki.validityHours}), or every run would re-issue the certificates`,
        );
    }
    if (config.pki.validityHours > config.pki.caValidityHours) {
        problems.push(
            `pki.validityHours: ${config.pki.validityHours} exceeds pki.caValidityHours (${config.pki.caValidityHours}); a certificate cannot outlive the CA that signed it`,
        );
    }
    checkResources(input.istio?.istiod?.resources, "istio.istiod.resources", problems);
    checkMeshNamespaces(config, problems);
    if (config.istio.gatewayNamespace === config.metallb.namespace) {
        problems.push(
            `istio.gatewayNamespace: ${show(config.istio.gatewayNamespace)} is MetalLB's namespace; gateways need a namespace of their own (MetalLB's allows privileged pods)`,
        );
    }
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return config;
}

/**
 * The `config:` map of a stack file as Pulumi hands it to a program: structured values as JSON
 * text, strings as they are.
 */
export function flatConfigFrom(stackFileConfig: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(stackFileConfig).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
}

/**
 * Picks this project's keys out of Pulumi's flat config map ("<project>:<key>" → string) and
 * JSON-decodes them; structured values arrive as JSON text, plain strings stay strings.
 */
export function rawConfigFrom(all: Record<string, string>, project = PROJECT): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(`${project}:`)) {
            continue;
        }
        const key = fullKey.slice(project.length + 1);
        try {
            raw[key] = JSON.parse(text);
        } catch {
            raw[key] = text;
        }
    }
    return raw;
}
