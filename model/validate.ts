// Cross-key checks of a defaulted edge: addresses, hosts, routes, names, namespaces, PKI. Each
// problem names the config key, the bad value and what would be valid; a mistake that makes later
// checks meaningless (an unparsable pool, an invalid host) stops those checks, so one mistake
// gives one message.
import { AddressBlock, blockContains, blocksOverlap, parseAddressBlock, parseIp } from "../policy/lib/addresses";
import { enabledAddons } from "./addons";
import { addonProblems } from "./addonChecks";
import { gatewayApiProblems } from "./gatewayApi";
import { clusterLocalNamespace, destinationHostProblem, hostsIntersect, servedHostProblem, unexpandedServiceName } from "./hosts";
import type { EdgeSpec, GatewaySpec, ResourceRequirements } from "./types";
import { programIstiodValues } from "./istiod";
import { versionProblems, versionWarnings } from "./versions";
import { metallbAnnouncementProblems, metallbAnnouncementWarnings } from "./metallb";
import { gatewayApiMinTls } from "./gatewayApi";
import { baseValuesProblems, gatewayValuesProblems, istiodValuesProblems, metallbValuesProblems } from "./valuesChecks";

const show = (value: unknown) => JSON.stringify(value);

/** Namespaces every cluster already has: the program must not create or take them over. */
export const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default"];

/**
 * A MetalLB pool entry ("10.0.0.0/28", "10.0.0.1-10.0.0.9"), or what stops MetalLB reading it,
 * phrased to follow `<key>: "<entry>" `.
 */
export function parsePoolEntry(text: string): { block: AddressBlock } | { problem: string } {
    if (/\s/.test(text)) return { problem: `contains white space, which MetalLB refuses; write it as ${show(text.replace(/\s+/g, ""))}` };
    try {
        return { block: parseAddressBlock(text) };
    } catch (err) {
        return { problem: `${(err as Error).message}; expected a CIDR such as "192.168.49.240/28" or a range such as "192.168.49.240-192.168.49.250"` };
    }
}

interface Pool {
    name: string;
    blocks: AddressBlock[];
}

function checkPools(spec: EdgeSpec, problems: string[]): Pool[] | undefined {
    let parsed = true;
    const seen = new Map<string, number>();
    const pools = spec.metallb.pools.map((pool, p) => {
        if (seen.has(pool.name)) {
            problems.push(`metallb.pools[${p}].name: ${show(pool.name)} is already used by metallb.pools[${seen.get(pool.name)}]; pool names must be unique`);
        }
        seen.set(pool.name, p);
        const blocks: AddressBlock[] = [];
        pool.addresses.forEach((text, a) => {
            const entry = parsePoolEntry(text);
            if ("block" in entry) {
                blocks.push(entry.block);
            } else {
                parsed = false;
                problems.push(`metallb.pools[${p}].addresses[${a}]: ${show(text)} ${entry.problem}`);
            }
        });
        return { name: pool.name, blocks };
    });
    // Overlapping pools make MetalLB's choice of pool, and so of advertisement, ambiguous.
    const all = pools.flatMap((pool, p) => pool.blocks.map((block) => ({ p, pool: pool.name, block })));
    for (let i = 0; i < all.length; i++) {
        for (let j = i + 1; j < all.length; j++) {
            if (blocksOverlap(all[i].block, all[j].block)) {
                problems.push(`metallb.pools[${all[j].p}].addresses: ${show(all[j].block.text)} overlaps ${show(all[i].block.text)} of pool ${show(all[i].pool)}; pools must not overlap`);
            }
        }
    }
    // Where a pool could not be read, "which pool holds this IP" has no answer: say nothing more.
    return parsed ? pools : undefined;
}

function ipKey(gw: GatewaySpec, g: number, i: number): string {
    return gw.ips.length === 1 ? `gateways[${g}].ip` : `gateways[${g}].ip[${i}]`;
}

const FAMILY = { ipv4: "IPv4", ipv6: "IPv6" } as const;

/**
 * A gateway restricted to client ranges needs ranges of each family of its addresses, or no
 * client of that family gets in (one message for the address `i`, of `family`).
 */
function rangeFamilyProblems(gw: GatewaySpec, g: number, i: number, family: "ipv4" | "ipv6"): string[] {
    if (!gw.allowedSourceRanges) return [];
    const families = new Set(gw.allowedSourceRanges.map((cidr) => {
        try {
            return parseAddressBlock(cidr.replace(/\s+/g, "")).family;
        } catch {
            return undefined;
        }
    }));
    // An unreadable range is its own problem; with one, what the ranges admit is unknown.
    if (families.has(family) || families.has(undefined)) return [];
    const name = FAMILY[family];
    const example = family === "ipv4" ? '"10.0.0.0/8"' : '"fd00::/8"';
    return [`gateways[${g}].allowedSourceRanges: ${show(gw.allowedSourceRanges)} lists no ${name} range, but ${ipKey(gw, g, i)} ${show(gw.ips[i])} is an ${name} address, so every client reaching it would be refused; add the ${name} ranges of its clients (e.g. ${example})`];
}

function checkGatewayIps(spec: EdgeSpec, pools: Pool[] | undefined, problems: string[]): void {
    const owners = new Map<string, string>();
    const poolList = (pools ?? []).map((p) => `${p.name} (${p.blocks.map((b) => b.text).join(", ")})`).join("; ");
    spec.gateways.forEach((gw, g) => {
        const families: string[] = [];
        gw.ips.forEach((text, i) => {
            const at = ipKey(gw, g, i);
            if (/\s/.test(text)) {
                problems.push(`${at}: ${show(text)} contains white space; write it as ${show(text.replace(/\s+/g, ""))}`);
                return;
            }
            const ip = parseIp(text);
            if (!ip && text.includes(",") && gw.ips.length === 1) {
                const parts = text.split(",").map((p) => p.trim());
                problems.push(`${at}: ${show(text)} is not an IP address; a dual-stack gateway takes a list of one IPv4 and one IPv6 address, ${show(parts)} ` +
                    `(pulumi config set --path 'gateways[${g}].ip[0]' ${parts[0]}, and 'gateways[${g}].ip[1]' ${parts[1] ?? "<IPv6>"})`);
                return;
            }
            if (!ip) {
                problems.push(`${at}: ${show(text)} is not an IP address; expected an IPv4 or IPv6 address inside one of metallb.pools`);
                return;
            }
            families.push(ip.family);
            const canonical = `${ip.family}:${ip.value}`;
            if (owners.has(canonical)) {
                problems.push(`${at}: ${show(text)} is already the IP of ${owners.get(canonical)}; each gateway needs its own IP`);
            }
            owners.set(canonical, at);
            if (!pools) return;
            const holders = pools.filter((pool) => pool.blocks.some((b) => blockContains(b, ip)));
            if (holders.length === 0) {
                const sameFamily = pools.some((pool) => pool.blocks.some((b) => b.family === ip.family));
                problems.push(sameFamily
                    ? `${at}: ${show(text)} is not inside any MetalLB pool; valid: an address inside one of metallb.pools: ${poolList}`
                    : `${at}: ${show(text)} is an ${FAMILY[ip.family]} address but no MetalLB pool holds ${FAMILY[ip.family]} addresses; add an ${FAMILY[ip.family]} pool to metallb.pools, or use an address of ${poolList}`);
            } else if (holders.length > 1) {
                problems.push(`${at}: ${show(text)} is inside ${holders.length} pools (${holders.map((p) => p.name).join(", ")}); it must be inside exactly one`);
            } else {
                problems.push(...rangeFamilyProblems(gw, g, i, ip.family));
            }
        });
        if (gw.ips.length === 2 && families.length === 2 && families[0] === families[1]) {
            problems.push(`gateways[${g}].ip: ${show(gw.ips)} lists two ${families[0]} addresses; a dual-stack gateway takes one IPv4 and one IPv6 address`);
        }
    });
}

function checkHosts(spec: EdgeSpec, problems: string[]): Set<string> {
    const invalid = new Set<string>();
    const owners: { host: string; g: number; gateway: string }[] = [];
    spec.gateways.forEach((gw, g) => {
        const own = new Set<string>();
        gw.hosts.forEach((host, h) => {
            const at = `gateways[${g}].hosts[${h}]`;
            const problem = servedHostProblem(host);
            if (problem) {
                invalid.add(host);
                problems.push(`${at}: ${show(host.length > 80 ? `${host.slice(0, 60)}…` : host)} ${problem}`);
                return;
            }
            if (own.has(host)) {
                problems.push(`${at}: ${show(host)} is listed twice on this gateway; list it once`);
                return;
            }
            own.add(host);
            // A host answered by two gateways breaks their isolation (and SNI picks one at random).
            const clash = owners.find((o) => o.g !== g && hostsIntersect(o.host, host));
            if (clash) {
                problems.push(`${at}: ${show(host)} is also served by gateways[${clash.g}] (${clash.gateway}) as ${show(clash.host)}; a host may belong to one gateway only`);
            }
            owners.push({ host, g, gateway: gw.name });
        });
    });
    return invalid;
}

function checkRoutes(spec: EdgeSpec, invalidHosts: Set<string>, problems: string[]): void {
    const knownNamespaces = new Set([
        spec.istio.namespace, spec.istio.gatewayNamespace, ...spec.istio.meshNamespaces, ...(spec.samples.enabled ? [spec.samples.namespace] : []),
        ...spec.gateways.flatMap((g) => g.routes.map((r) => r.destination.namespace)),
    ]);
    spec.gateways.forEach((gw, g) => {
        const at = `gateways[${g}]`;
        const names = new Map<string, number>();
        const matches = new Map<string, number>();
        gw.routes.forEach((route, r) => {
            const rat = `${at}.routes[${r}]`;
            if (names.has(route.name)) {
                problems.push(`${rat}.name: ${show(route.name)} is already used by ${at}.routes[${names.get(route.name)}]; route names must be unique per gateway`);
            }
            names.set(route.name, r);

            if (!/^\/[^\s?#]*$/.test(route.match.path)) {
                problems.push(`${rat}.match.${route.match.kind}: ${show(route.match.path)} is not a valid path; expected an absolute path such as "/hello", without query or fragment`);
            }
            checkDestination(route.destination, `${rat}.destination`, knownNamespaces, problems);

            const seenHere = new Set<string>();
            route.hosts.forEach((host, h) => {
                if (seenHere.has(host)) {
                    problems.push(`${rat}.hosts[${h}]: ${show(host)} is listed twice in this route; list it once`);
                    return;
                }
                seenHere.add(host);
                if (invalidHosts.has(host)) return;
                if (!gw.hosts.includes(host)) {
                    problems.push(`${rat}.hosts[${h}]: ${show(host)} is not one of this gateway's hosts; valid: ${gw.hosts.map(show).join(", ")}`);
                    return;
                }
                const key = `${host}|${route.match.kind}:${route.match.path}`;
                if (matches.has(key)) {
                    problems.push(`${rat}.match: ${show({ [route.match.kind]: route.match.path })} on host ${show(host)} duplicates ${at}.routes[${matches.get(key)}]; the second route could never be reached`);
                }
                matches.set(key, r);
            });
        });
    });
}

function checkDestination(destination: { host: string; namespace: string }, at: string, knownNamespaces: Set<string>, problems: string[]): void {
    const problem = destinationHostProblem(destination.host);
    if (problem) {
        problems.push(`${at}.host: ${show(destination.host)} ${problem}`);
        return;
    }
    const meant = unexpandedServiceName(destination.host, knownNamespaces);
    if (meant) {
        const [service, namespace] = destination.host.split(".");
        problems.push(`${at}.host: ${show(destination.host)} is used as written by Istio (it expands only names without a dot) and matches no Service; write host ${show(service)} with namespace ${show(namespace)}, or the full name ${show(meant)}`);
        return;
    }
    const fullNamespace = clusterLocalNamespace(destination.host);
    if (fullNamespace && fullNamespace !== destination.namespace && destination.namespace !== "default") {
        problems.push(`${at}.namespace: ${show(destination.namespace)} is ignored because host ${show(destination.host)} is a full name in namespace ${show(fullNamespace)}; drop the namespace or use the short host name`);
    }
}

const QUANTITY_SUFFIX: Record<string, number> = {
    "": 1, m: 1e-3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
};

/** A Kubernetes quantity ("500m", "2", "128Mi") as a number of base units; NaN when it is not one. */
export function parseQuantity(text: string): number {
    const match = /^([0-9]+(?:\.[0-9]+)?)(m|Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(text);
    if (!match) return NaN;
    return Number(match[1]) * QUANTITY_SUFFIX[match[2] ?? ""];
}

/**
 * Istio's gateway chart keeps its own default limits when a user sets requests only (Helm merges
 * our map over its own): requests above them give pods the API server rejects.
 */
export const GATEWAY_CHART_DEFAULT_LIMITS = { cpu: "2000m", memory: "1024Mi" };

/** Limits below requests are rejected by the API server; say so before anything is created. */
function checkResources(resources: ResourceRequirements, at: string, problems: string[], defaultLimits?: { cpu: string; memory: string }): void {
    for (const kind of ["cpu", "memory"] as const) {
        const limit = resources.limits?.[kind];
        if (limit !== undefined && parseQuantity(limit) < parseQuantity(resources.requests[kind])) {
            problems.push(`${at}.limits.${kind}: ${show(limit)} is less than requests.${kind} (${show(resources.requests[kind])}); a limit must be at least the request`);
        } else if (limit === undefined && defaultLimits && parseQuantity(defaultLimits[kind]) < parseQuantity(resources.requests[kind])) {
            problems.push(`${at}.requests.${kind}: ${show(resources.requests[kind])} is more than the gateway chart's default limit (${defaultLimits[kind]}), which applies while ${at}.limits is not set; set ${at}.limits.${kind} to at least the request`);
        }
    }
}

function checkGatewaySettings(spec: EdgeSpec, problems: string[]): void {
    const names = new Map<string, number>();
    spec.gateways.forEach((gw, g) => {
        const at = `gateways[${g}]`;
        if (names.has(gw.name)) {
            problems.push(`${at}.name: ${show(gw.name)} is already used by gateways[${names.get(gw.name)}]; gateway names must be unique`);
        }
        names.set(gw.name, g);
        if (gw.autoscaling && gw.autoscaling.minReplicas > gw.autoscaling.maxReplicas) {
            problems.push(`${at}.autoscaling.minReplicas: ${gw.autoscaling.minReplicas} is more than maxReplicas (${gw.autoscaling.maxReplicas}); valid: minReplicas ≤ maxReplicas`);
        }
        checkResources(gw.resources, `${at}.resources`, problems, GATEWAY_CHART_DEFAULT_LIMITS);
        (gw.allowedSourceRanges ?? []).forEach((cidr, i) => {
            const rat = `${at}.allowedSourceRanges[${i}]`;
            if (/\s/.test(cidr)) {
                problems.push(`${rat}: ${show(cidr)} contains white space; write it as ${show(cidr.replace(/\s+/g, ""))}`);
            } else if (!cidr.includes("/")) {
                problems.push(`${rat}: ${show(cidr)} is not a CIDR; expected a CIDR such as "10.0.0.0/8" (a single address is "10.1.2.3/32")`);
            } else {
                try {
                    parseAddressBlock(cidr);
                } catch (err) {
                    problems.push(`${rat}: ${show(cidr)} ${(err as Error).message}; expected a CIDR such as "10.0.0.0/8" or "fd00::/8"`);
                }
            }
        });
        if (gw.allowedSourceRanges && gw.externalTrafficPolicy === "Cluster") {
            problems.push(`${at}.externalTrafficPolicy: "Cluster" hides the client address behind a node's, so ${at}.allowedSourceRanges cannot be enforced; use "Local" (the default when allowedSourceRanges is set)`);
        }
    });
}

function checkPki(spec: EdgeSpec, problems: string[]): void {
    const pki = spec.pki;
    if (pki.earlyRenewalHours >= pki.validityHours) {
        problems.push(`pki.earlyRenewalHours: ${pki.earlyRenewalHours} must be less than pki.validityHours (${pki.validityHours}), or every run would re-issue the certificates`);
    }
    if (pki.validityHours > pki.caValidityHours) {
        problems.push(`pki.validityHours: ${pki.validityHours} exceeds pki.caValidityHours (${pki.caValidityHours}); a certificate cannot outlive the CA that signed it`);
    }
    // A rotation of the generated CA: the signing generation must be one clients trust.
    const trusted = pki.trustedCaGenerations ?? [pki.caGeneration ?? 1];
    const generation = pki.caGeneration ?? 1;
    if (pki.bringYourOwnCa && (generation !== 1 || trusted.length !== 1 || trusted[0] !== 1)) {
        problems.push(`pki.caGeneration and pki.trustedCaGenerations rotate the CA the program generates; with pki.bringYourOwnCa, rotate by bringing the new CA (its certificate in pki.bringYourOwnCa.certificatePem); remove them`);
    } else if (generation > 1 && pki.trustedCaGenerations === undefined) {
        problems.push(`pki.caGeneration: ${generation} needs pki.trustedCaGenerations to say which CAs clients trust (without it the program cannot tell a rotation under way from a finished one): ${show([generation - 1, generation])} while clients move to CA ${generation}, then ${show([generation])}`);
    } else if (!trusted.includes(generation)) {
        problems.push(`pki.trustedCaGenerations: ${show(trusted)} does not hold pki.caGeneration (${generation}), so clients would not trust the CA that signs the leaves; add ${generation}: ${show([...trusted, generation].sort((a, b) => a - b))}`);
    } else if (trusted.some((t) => t > generation + 1)) {
        problems.push(`pki.trustedCaGenerations: ${show(trusted)} holds a generation more than one past pki.caGeneration (${generation}); a rotation adds the next one (${generation + 1}) only`);
    }
    const longest = Math.max(...trusted);
    if (longest > 1 && pki.caCommonName.length + ` G${longest}`.length > 64) {
        problems.push(`pki.caCommonName: ${show(pki.caCommonName)} is ${pki.caCommonName.length} characters, and CA generation ${longest} is named "<caCommonName> G${longest}", which must stay within 64; shorten it`);
    }
}

/**
 * Every namespace role, once: two roles may share a namespace only where the plan supports it
 * (gateways beside istiod); system namespaces are never created or taken over.
 */
function checkNamespaces(spec: EdgeSpec, problems: string[]): void {
    const roles: { key: string; ns: string }[] = [
        { key: "metallb.namespace", ns: spec.metallb.namespace },
        { key: "istio.namespace", ns: spec.istio.namespace },
        { key: "istio.gatewayNamespace", ns: spec.istio.gatewayNamespace },
        ...spec.istio.meshNamespaces.map((ns, i) => ({ key: `istio.meshNamespaces[${i}]`, ns })),
        ...(spec.samples.enabled ? [{ key: "samples.namespace", ns: spec.samples.namespace }] : []),
        // Beside istiod (the default) the addons share its Namespace object; anywhere else they own one.
        ...(enabledAddons(spec).length > 0 && spec.addons!.namespace !== spec.istio.namespace ? [{ key: "addons.namespace", ns: spec.addons!.namespace }] : []),
    ];
    const first = new Map<string, string>();
    for (const { key, ns } of roles) {
        if (SYSTEM_NAMESPACES.includes(ns)) {
            problems.push(`${key}: ${show(ns)} is a namespace every cluster already has; the program creates and owns its namespaces, so pick another, e.g. ${show(key.startsWith("istio.gateway") ? "istio-ingress" : "edge-apps")}`);
            continue;
        }
        const earlier = first.get(ns);
        // Gateways beside istiod share one Namespace object: the only sharing the plan supports.
        const shared = earlier === "istio.namespace" && key === "istio.gatewayNamespace";
        if (earlier && !shared) {
            const bothMesh = earlier.startsWith("istio.meshNamespaces") && key.startsWith("istio.meshNamespaces");
            problems.push(bothMesh
                ? `${key}: ${show(ns)} is listed twice (also ${earlier}); list it once`
                : `${key}: ${show(ns)} is already ${earlier}; each role needs a namespace of its own${earlier === "metallb.namespace" ? " (MetalLB's allows privileged pods)" : ""}`);
            continue;
        }
        if (!earlier) first.set(ns, key);
    }
}

/** Every problem of a defaulted edge (empty when it can be planned and deployed). */
export function validateEdge(spec: EdgeSpec): string[] {
    const problems: string[] = [];
    const pools = checkPools(spec, problems);
    checkGatewaySettings(spec, problems);
    checkGatewayIps(spec, pools, problems);
    const invalidHosts = checkHosts(spec, problems);
    checkRoutes(spec, invalidHosts, problems);
    checkResources(spec.istio.istiod.resources, "istio.istiod.resources", problems);
    checkPki(spec, problems);
    checkNamespaces(spec, problems);
    problems.push(...addonProblems(spec));
    problems.push(...gatewayApiProblems(spec));
    problems.push(...valuesProblems(spec));
    problems.push(...versionProblems(spec));
    if (pools) problems.push(...metallbAnnouncementProblems(spec));
    return problems;
}

/**
 * What works but deserves a word at every preview and update (printed as warnings, never
 * failing the run): versions with a caveat or newer than tested, and gateway-api mode's
 * mesh-wide TLS minimum where gateways ask for different ones.
 */
export function edgeWarnings(spec: EdgeSpec): string[] {
    const warnings = [...versionWarnings(spec), ...metallbAnnouncementWarnings(spec)];
    if (spec.api === "gateway-api" && gatewayApiMinTls(spec) === "TLSV1_3" && spec.gateways.some((gw) => gw.minTlsVersion !== "TLSV1_3")) {
        warnings.push("gateway-api mode: Istio has no per-listener minimum TLS version, so every gateway gets the strictest configured, TLSV1_3 (mesh-wide tlsDefaults)");
    }
    return warnings;
}

/** The extra Helm values of the MetalLB and Istio charts, held against what the program relies on. */
export function valuesProblems(spec: EdgeSpec, which: { metallb?: boolean; base?: boolean; istiod?: boolean; gateway?: boolean } = {}): string[] {
    const all = Object.keys(which).length === 0;
    return [
        ...(all || which.metallb ? metallbValuesProblems(spec.metallb.values) : []),
        ...(all || which.base ? baseValuesProblems(spec, spec.istio.values.base) : []),
        ...(all || which.istiod ? istiodValuesProblems(spec, programIstiodValues(spec), spec.istio.values.istiod) : []),
        // In gateway-api mode there is no gateway chart, and its values are refused as a whole (model/gatewayApi.ts).
        ...((all || which.gateway) && (spec.api ?? "istio") === "istio" ? gatewayValuesProblems(spec, spec.istio.values.gateway) : []),
    ];
}
