// MetalLB's announcements as pure functions of the validated edge: which pool is announced how
// (layer 2, BGP, both), the BGP peers and their BFD profiles, the speaker implementation the chart
// runs, the checks of all of it, and the objects the MetalLb component writes. MetalLB v0.16.1's
// own validation (internal/config/config.go, validation.go) is the reference: what it refuses is
// refused here first, with the key and the fix; where this is stricter it is said so.
import { AddressBlock, blockContains, parseAddressBlock, parseIp } from "../policy/lib/addresses";
import { MAX_ASN } from "../policy/lib/metallb";
import { metallbValues } from "./values";
import type { BgpAnnouncementSpec, BgpPeerSpec, EdgeSpec, ExtraValues, LabelSelector, PoolSpec } from "./types";

const show = (value: unknown) => JSON.stringify(value);

/** A pool's entries with their parsed blocks; entries that do not parse are validate.ts's to report. */
function poolBlocks(pool: PoolSpec): { entry: string; block: AddressBlock }[] {
    return pool.addresses.flatMap((entry) => {
        try {
            return [{ entry, block: parseAddressBlock(entry) }];
        } catch {
            return [];
        }
    });
}

/** Whether one of these addresses lies in the pool. */
const poolHolds = (pool: PoolSpec, ips: string[]) => poolBlocks(pool).some(({ block }) => ips.some((text) => {
    const ip = parseIp(text);
    return !!ip && blockContains(block, ip);
}));

// ---------------------------------------------------------------------------------------------
// The speaker implementation

/**
 * How MetalLB's speakers run BGP, as the chart's values decide it (charts/metallb values.yaml and
 * templates/speaker.yaml @v0.16.1): FRR-K8s (`frrk8s.enabled`, the chart's default and MetalLB's
 * recommended mode, where new BGP features go), an external frr-k8s, FRR mode (`speaker.frr.enabled`,
 * deprecated since 0.16.0), or the native Go speaker (both off), which refuses BFD and more.
 */
export type BgpImplementation = "frr-k8s" | "frr-k8s-external" | "frr" | "native";

/** Whether any pool is announced over BGP or any peer is configured. */
export function usesBgp(spec: Pick<EdgeSpec, "metallb">): boolean {
    return !!spec.metallb.bgp || spec.metallb.pools.some((p) => !!p.advertise?.bgp);
}

/** The implementation the chart values select, ours with `extra` merged over them. */
export function bgpImplementation(bgp: boolean, extra: ExtraValues | undefined): BgpImplementation {
    const merged = metallbValues(extra, bgp) as Record<string, any>;
    const frrk8s = merged.frrk8s ?? {};
    const frr = merged.speaker?.frr?.enabled;
    if (frrk8s.external === true) return "frr-k8s-external";
    if (frrk8s.enabled === true) return "frr-k8s";
    if (frr === true) return "frr";
    return "native";
}

// ---------------------------------------------------------------------------------------------
// Label selectors, as Kubernetes validates them

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function labelKeyProblem(key: string): string | undefined {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return "its prefix is not a DNS subdomain";
    if (!LABEL_NAME.test(name)) return "its name is not a label name (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)";
    return undefined;
}

/** Problems of label selectors at `key` (e.g. `metallb.bgp.peers[0].nodeSelectors`). */
export function selectorProblems(selectors: LabelSelector[], key: string): string[] {
    const problems: string[] = [];
    selectors.forEach((sel, i) => {
        const at = `${key}[${i}]`;
        for (const [k, v] of Object.entries(sel.matchLabels ?? {})) {
            const keyProblem = labelKeyProblem(k);
            if (keyProblem) problems.push(`${at}.matchLabels: ${show(k)} is not a label key: ${keyProblem}`);
            if (v !== "" && !LABEL_NAME.test(v)) problems.push(`${at}.matchLabels[${show(k)}]: ${show(v)} is not a label value (empty, or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit)`);
        }
        (sel.matchExpressions ?? []).forEach((e, j) => {
            const eat = `${at}.matchExpressions[${j}]`;
            const keyProblem = labelKeyProblem(e.key);
            if (keyProblem) problems.push(`${eat}.key: ${show(e.key)} is not a label key: ${keyProblem}`);
            const hasValues = (e.values ?? []).length > 0;
            if ((e.operator === "In" || e.operator === "NotIn") && !hasValues) problems.push(`${eat}: operator ${e.operator} needs values`);
            if ((e.operator === "Exists" || e.operator === "DoesNotExist") && hasValues) problems.push(`${eat}: operator ${e.operator} takes no values; remove them`);
        });
    });
    return problems;
}

// ---------------------------------------------------------------------------------------------
// Checks

const PRIVATE_ASNS = "64512–65534, 4200000000–4294967294";

function asnProblem(asn: number, key: string): string | undefined {
    if (!Number.isInteger(asn) || asn < 1 || asn > MAX_ASN) {
        return `${key}: ${show(asn)} is not an AS number; valid: 1 to ${MAX_ASN} (private ranges: ${PRIVATE_ASNS}; MetalLB refuses 0)`;
    }
    return undefined;
}

/** Seconds of a Go duration ("1m30s" → 90). */
export function durationSeconds(text: string): number {
    const units: Record<string, number> = { ns: 1e-9, us: 1e-6, "µs": 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
    let total = 0;
    for (const m of text.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * units[m[2]];
    return total;
}

/** The CIDRs a range splits into, exactly covering it (as MetalLB's ParseCIDR does). */
function cidrsOfBlock(block: AddressBlock): number[] {
    const bits = block.family === "ipv4" ? 32 : 128;
    const masks: number[] = [];
    let first = block.first;
    while (first <= block.last) {
        let size = 0;
        while (size < bits && (first & ((1n << BigInt(size + 1)) - 1n)) === 0n && first + (1n << BigInt(size + 1)) - 1n <= block.last) size++;
        masks.push(bits - size);
        first += 1n << BigInt(size);
    }
    return masks;
}

/** Features MetalLB's native speaker refuses (validation.go DiscardFRROnly), as they appear in this config. */
function frrOnlyUses(spec: EdgeSpec): { key: string; what: string }[] {
    const uses: { key: string; what: string }[] = [];
    spec.metallb.bgp?.peers.forEach((p, i) => {
        if (p.bfd) uses.push({ key: `metallb.bgp.peers[${i}].bfd`, what: "BFD" });
        if (p.keepaliveTime && durationSeconds(p.keepaliveTime) !== 0) uses.push({ key: `metallb.bgp.peers[${i}].keepaliveTime`, what: "a keepalive time" });
    });
    spec.metallb.pools.forEach((pool, i) => {
        const bgp = pool.advertise?.bgp;
        if (!bgp) return;
        if (pool.addresses.some((a) => a.includes(":"))) uses.push({ key: `metallb.pools[${i}].advertise.bgp`, what: "IPv6 addresses over BGP" });
        bgp.communities.forEach((c, j) => { if (c.startsWith("large:")) uses.push({ key: `metallb.pools[${i}].advertise.bgp.communities[${j}]`, what: "a large community" }); });
    });
    return uses;
}

function communityProblem(text: string): string | undefined {
    const parts = text.split(":");
    const fits = (v: string, max: number) => /^[0-9]+$/.test(v) && Number(v) <= max;
    if (parts.length === 2 && fits(parts[0], 65535) && fits(parts[1], 65535)) return undefined;
    if (parts.length === 4 && parts[0] === "large" && parts.slice(1).every((v) => fits(v, MAX_ASN))) return undefined;
    return `is not a BGP community; expected "NN:NN" (two numbers up to 65535, e.g. "64512:100") or "large:NN:NN:NN" (three numbers up to ${MAX_ASN})`;
}

/** Every problem of MetalLB's announcement config: BGP peers, per-pool announcements, the implementation. */
export function metallbAnnouncementProblems(spec: EdgeSpec): string[] {
    const problems: string[] = [];
    const bgp = spec.metallb.bgp;
    const peerNames = new Set<string>();
    if (bgp) {
        const local = asnProblem(bgp.localASN, "metallb.bgp.localASN");
        if (local) problems.push(local);
        if (bgp.routerID !== undefined && parseIp(bgp.routerID)?.family !== "ipv4") {
            problems.push(`metallb.bgp.routerID: ${show(bgp.routerID)} is not an IPv4 address; a BGP router ID is written as one (e.g. "10.20.0.5")`);
        }
        const seen = new Map<string, number>();
        bgp.peers.forEach((peer, i) => problems.push(...peerProblems(peer, i, bgp.localASN, seen, peerNames, bgp.peers)));
    }

    spec.metallb.pools.forEach((pool, i) => {
        const at = `metallb.pools[${i}].advertise`;
        const l2 = pool.advertise?.l2;
        const ann = pool.advertise?.bgp;
        if (l2) {
            problems.push(...selectorProblems(l2.nodeSelectors, `${at}.l2.nodeSelectors`));
        }
        if (ann) {
            if (!bgp) {
                problems.push(`${at}.bgp: announces pool ${show(pool.name)} over BGP, but metallb.bgp sets no local AS and no peers; add metallb.bgp ({ "localASN": 64512, "peers": [{ "name": "tor-a", "address": "10.20.0.1", "asn": 64501 }] }), or announce the pool on layer 2`);
            }
            problems.push(...announcementProblems(pool, i, ann));
            problems.push(...selectorProblems(ann.nodeSelectors, `${at}.bgp.nodeSelectors`));
        }
    });

    // Each address family a pool announces over BGP needs a session of that family (MetalLB sends
    // IPv4 prefixes to IPv4 sessions, IPv6 to IPv6 ones).
    if (bgp) {
        spec.metallb.pools.forEach((pool, i) => {
            const ann = pool.advertise?.bgp;
            if (!ann) return;
            const targets = bgp.peers.filter((p) => ann.peers.length === 0 || ann.peers.includes(p.name));
            // Only peers another stack may create: the warning about their names says enough.
            if (targets.length === 0) return;
            const families = new Set(targets.map((p) => parseIp(p.address)?.family));
            for (const family of new Set(pool.addresses.map((a) => (a.includes(":") ? "ipv6" : "ipv4")))) {
                if (!families.has(family)) {
                    problems.push(`metallb.pools[${i}].advertise.bgp: pool ${show(pool.name)} holds ${family === "ipv4" ? "IPv4" : "IPv6"} addresses, and none of the peers it is announced to is ${family === "ipv4" ? "IPv4" : "IPv6"} (MetalLB announces each family only to peers of that family), so they would reach no router; add a peer of that family to metallb.bgp.peers`);
                }
            }
        });
    }

    // The implementation the chart will run must do what the config asks.
    const implementation = bgpImplementation(usesBgp(spec), spec.metallb.values);
    if (usesBgp(spec) && implementation === "native") {
        for (const use of frrOnlyUses(spec)) {
            problems.push(`${use.key}: ${use.what} needs MetalLB's FRR-based speaker, and metallb.values turns it off (frrk8s.enabled and speaker.frr.enabled false: the native speaker refuses it); remove those values (the program runs FRR-K8s for BGP)`);
        }
    }
    problems.push(...gatewayAnnouncementProblems(spec));
    return problems;
}

function peerProblems(peer: BgpPeerSpec, i: number, localASN: number, seen: Map<string, number>, names: Set<string>, all: BgpPeerSpec[]): string[] {
    const at = `metallb.bgp.peers[${i}]`;
    const problems: string[] = [];
    if (names.has(peer.name)) problems.push(`${at}.name: ${show(peer.name)} is already used by metallb.bgp.peers[${all.findIndex((p) => p.name === peer.name)}]; peer names must be unique`);
    names.add(peer.name);
    const asn = asnProblem(peer.asn, `${at}.asn`);
    if (asn) problems.push(asn);
    const ip = parseIp(peer.address);
    if (!ip || /\s/.test(peer.address)) {
        problems.push(`${at}.address: ${show(peer.address)} is not an IP address; a BGP peer is given by its IPv4 or IPv6 address, e.g. "10.20.0.1"`);
    } else {
        // FRR runs one session per address on a node: the same address twice, on nodes both select, is refused (validation.go).
        const key = `${ip.family}:${ip.value}:${JSON.stringify(peer.nodeSelectors)}`;
        if (seen.has(key)) problems.push(`${at}.address: ${show(peer.address)} is already the address of metallb.bgp.peers[${seen.get(key)}] on the same nodes; one BGP session per address and node: remove one, or give them nodeSelectors that do not meet`);
        seen.set(key, i);
    }
    if (peer.sourceAddress !== undefined && !parseIp(peer.sourceAddress)) problems.push(`${at}.sourceAddress: ${show(peer.sourceAddress)} is not an IP address`);
    if (peer.ebgpMultiHop && peer.asn === localASN) {
        problems.push(`${at}.ebgpMultiHop: true on a peer in the local AS (${peer.asn}, iBGP), which MetalLB refuses ("invalid ebgp-multihop parameter set for an ibgp peer"); remove it (iBGP sessions may span hops anyway)`);
    }
    // As MetalLB derives them (config.go parseTimers): one given, the other is a third or three times it.
    const givenHold = peer.holdTime !== undefined ? durationSeconds(peer.holdTime) : undefined;
    const givenKeepalive = peer.keepaliveTime !== undefined ? durationSeconds(peer.keepaliveTime) : undefined;
    const hold = givenHold ?? (givenKeepalive !== undefined ? givenKeepalive * 3 : undefined);
    if (hold !== undefined && Math.floor(hold) !== 0 && Math.floor(hold) < 3) {
        problems.push(givenHold !== undefined
            ? `${at}.holdTime: ${show(peer.holdTime)} must be 0 or at least 3s (MetalLB refuses shorter), e.g. "9s"; a faster failover is BFD's job (bfd)`
            : `${at}.keepaliveTime: ${show(peer.keepaliveTime)} alone makes the hold time three times it, under 3s, which MetalLB refuses; give at least "1s", or a holdTime too; a faster failover is BFD's job (bfd)`);
    } else if (givenHold !== undefined && givenKeepalive !== undefined && givenKeepalive > givenHold) {
        problems.push(`${at}.keepaliveTime: ${show(peer.keepaliveTime)} is longer than holdTime ${show(peer.holdTime)}; keepalives must come within the hold time (a third of it, by convention)`);
    }
    problems.push(...selectorProblems(peer.nodeSelectors, `${at}.nodeSelectors`));
    return problems;
}

function announcementProblems(pool: PoolSpec, i: number, ann: BgpAnnouncementSpec): string[] {
    const at = `metallb.pools[${i}].advertise.bgp`;
    const problems: string[] = [];
    ann.communities.forEach((c, j) => {
        const problem = communityProblem(c);
        if (problem) problems.push(`${at}.communities[${j}]: ${show(c)} ${problem}`);
    });
    const duplicate = ann.communities.find((c, j) => ann.communities.indexOf(c) !== j);
    if (duplicate) problems.push(`${at}.communities: ${show(duplicate)} is listed twice; list it once`);
    // An aggregation length shorter than an entry's widest prefix would announce addresses outside the pool (config.go validateBGPAdvPerPool).
    // One message per family, naming the entry that needs the longest length.
    const needs = new Map<string, { widest: number; entry: string }>();
    for (const { entry, block } of poolBlocks(pool)) {
        const widest = Math.min(...cidrsOfBlock(block));
        if (widest > (needs.get(block.family)?.widest ?? -1)) needs.set(block.family, { widest, entry });
    }
    for (const [family, { widest, entry }] of needs) {
        const length = family === "ipv4" ? ann.aggregationLength : ann.aggregationLengthV6;
        if (length !== undefined && length < widest) {
            const key = family === "ipv4" ? "aggregationLength" : "aggregationLengthV6";
            problems.push(`${at}.${key}: ${length} is shorter than the /${widest} of ${show(entry)} in pool ${show(pool.name)}, so it would announce addresses outside the pool (MetalLB refuses it); use ${widest} or more`);
        }
    }
    return problems;
}

/**
 * A gateway's IP in a pool that nothing announces would be given to its Service and reach no client:
 * refused. A pool of other Services without announcements is allowed (Calico-style setups announce
 * it themselves) and only warned of.
 */
function gatewayAnnouncementProblems(spec: EdgeSpec): string[] {
    const problems: string[] = [];
    const silent = spec.metallb.pools.filter((p) => !p.advertise?.l2 && !p.advertise?.bgp);
    for (const pool of silent) {
        spec.gateways.forEach((gw, g) => gw.ips.forEach((text, k) => {
            if (!poolHolds(pool, [text])) return;
            const key = gw.ips.length === 1 ? `gateways[${g}].ip` : `gateways[${g}].ip[${k}]`;
            problems.push(`${key}: ${show(text)} is in pool ${show(pool.name)}, which nothing announces (metallb.pools[${spec.metallb.pools.indexOf(pool)}].advertise turns layer 2 and BGP off): the gateway would get the address and no client would reach it; announce the pool (advertise.l2 or advertise.bgp) or move the gateway's IP`);
        }));
    }
    return problems;
}

/** What works but deserves a word: unannounced pools, peers no pool is announced to, deprecated FRR mode, Local traffic spread. */
export function metallbAnnouncementWarnings(spec: EdgeSpec): string[] {
    const warnings: string[] = [];
    for (const pool of spec.metallb.pools.filter((p) => !p.advertise?.l2 && !p.advertise?.bgp)) {
        warnings.push(`metallb pool ${show(pool.name)} is announced by nothing (advertise turns layer 2 and BGP off): its addresses are handed out but reach clients only if something else announces them (as Calico can)`);
    }
    // MetalLB takes any interface name and announces only from interfaces that exist: a name Linux
    // cannot have (over 15 characters, spaces, '/' or ':') means the pool is never announced there.
    spec.metallb.pools.forEach((pool, i) => (pool.advertise?.l2?.interfaces ?? []).forEach((name, j) => {
        if (!/^[^\s/:]{1,15}$/.test(name)) warnings.push(`metallb.pools[${i}].advertise.l2.interfaces[${j}]: ${show(name)} cannot be a Linux interface name (at most 15 characters, no spaces, '/' or ':'), so MetalLB will never announce pool ${show(pool.name)} on it; write the name \`ip link\` shows, e.g. "eth1"`);
    }));
    const bgp = spec.metallb.bgp;
    if (bgp) {
        const known = new Set(bgp.peers.map((p) => p.name));
        spec.metallb.pools.forEach((pool, i) => (pool.advertise?.bgp?.peers ?? []).forEach((name, j) => {
            if (!known.has(name)) warnings.push(`metallb.pools[${i}].advertise.bgp.peers[${j}]: ${show(name)} is no peer of metallb.bgp.peers; unless another stack creates a BGPPeer of that name, the pool reaches no router through it`);
        }));
    }
    if (usesBgp(spec) && bgpImplementation(true, spec.metallb.values) === "frr") {
        warnings.push("metallb.values.speaker.frr.enabled selects MetalLB's FRR mode, deprecated since 0.16.0; the program runs FRR-K8s when its values are left alone");
    }
    if (usesBgp(spec)) {
        spec.gateways.forEach((gw, g) => {
            if (gw.externalTrafficPolicy === "Local" && gw.replicas > 1 && gw.podAntiAffinity !== "required" && bgpAnnounces(spec, gw.ips)) {
                warnings.push(`gateways[${g}] (${gw.name}): with externalTrafficPolicy Local over BGP, routers spread connections per node, not per pod; with podAntiAffinity ${show(gw.podAntiAffinity)} two pods may share a node and get half the share each: set podAntiAffinity to "required"`);
            }
        });
    }
    return warnings;
}

/** Whether one of these addresses lies in a pool announced over BGP. */
export function bgpAnnounces(spec: Pick<EdgeSpec, "metallb">, ips: string[]): boolean {
    return spec.metallb.pools.some((pool) => pool.advertise?.bgp && poolHolds(pool, ips));
}

// ---------------------------------------------------------------------------------------------
// The objects

/** How a pool is announced when its config says nothing: layer 2, from every node and interface. */
export const LAYER2_EVERYWHERE: NonNullable<PoolSpec["advertise"]> = { l2: { interfaces: [], nodeSelectors: [] } };

/** Name of the one L2Advertisement every pool announced on layer 2 from every node shares (as since 0.1). */
export const SHARED_L2_ADVERTISEMENT = "layer2";

export interface MetallbObjects {
    l2Advertisements: { key: string; name: string; spec: Record<string, unknown> }[];
    bgpAdvertisements: { key: string; name: string; spec: Record<string, unknown> }[];
    bfdProfiles: { key: string; name: string; spec: Record<string, unknown> }[];
    /** Secrets of type kubernetes.io/basic-auth holding a peer's password (its value comes as a secret). */
    passwordSecrets: { key: string; name: string; peer: string }[];
    bgpPeers: { key: string; name: string; peer: string; spec: Record<string, unknown> }[];
}

const withSelectors = (selectors: LabelSelector[]) => (selectors.length > 0 ? { nodeSelectors: selectors } : {});

/** Every MetalLB object besides the pools, with its Pulumi key (relative to the component) and name. */
export function metallbObjects(pools: PoolSpec[], bgp: EdgeSpec["metallb"]["bgp"], namespace: string): MetallbObjects {
    const shared = pools.filter((p) => !p.advertise || (p.advertise.l2 && p.advertise.l2.interfaces.length === 0 && p.advertise.l2.nodeSelectors.length === 0));
    const own = pools.filter((p) => p.advertise?.l2 && !shared.includes(p));
    const l2Advertisements = [
        ...(shared.length > 0 ? [{ key: "l2", name: SHARED_L2_ADVERTISEMENT, spec: { ipAddressPools: shared.map((p) => p.name) } }] : []),
        ...own.map((p) => ({
            key: `l2-${p.name}`,
            name: `l2-${p.name}`,
            spec: { ipAddressPools: [p.name], ...(p.advertise!.l2!.interfaces.length > 0 ? { interfaces: p.advertise!.l2!.interfaces } : {}), ...withSelectors(p.advertise!.l2!.nodeSelectors) },
        })),
    ];
    const bgpAdvertisements = pools.filter((p) => p.advertise?.bgp).map((p) => {
        const a = p.advertise!.bgp!;
        return {
            key: `bgp-${p.name}`,
            name: `bgp-${p.name}`,
            spec: {
                ipAddressPools: [p.name],
                ...(a.aggregationLength !== undefined ? { aggregationLength: a.aggregationLength } : {}),
                ...(a.aggregationLengthV6 !== undefined ? { aggregationLengthV6: a.aggregationLengthV6 } : {}),
                ...(a.communities.length > 0 ? { communities: a.communities } : {}),
                ...(a.localPref !== undefined ? { localPref: a.localPref } : {}),
                ...(a.peers.length > 0 ? { peers: a.peers } : {}),
                ...withSelectors(a.nodeSelectors),
            },
        };
    });
    const peers = bgp?.peers ?? [];
    const bfdProfiles = peers.filter((p) => p.bfd).map((p) => ({ key: `bfd-${p.name}`, name: `${p.name}-bfd`, spec: { ...p.bfd } }));
    const passwordSecrets = peers.filter((p) => p.hasPassword).map((p) => ({ key: `password-${p.name}`, name: `${p.name}-bgp-password`, peer: p.name }));
    const bgpPeers = peers.map((p) => ({
        key: `peer-${p.name}`,
        name: p.name,
        peer: p.name,
        spec: {
            myASN: bgp!.localASN,
            peerASN: p.asn,
            peerAddress: p.address,
            ...(p.port !== undefined ? { peerPort: p.port } : {}),
            ...(p.sourceAddress !== undefined ? { sourceAddress: p.sourceAddress } : {}),
            ...(bgp!.routerID !== undefined ? { routerID: bgp!.routerID } : {}),
            ...(p.holdTime !== undefined ? { holdTime: p.holdTime } : {}),
            ...(p.keepaliveTime !== undefined ? { keepaliveTime: p.keepaliveTime } : {}),
            ...(p.ebgpMultiHop ? { ebgpMultiHop: true } : {}),
            ...withSelectors(p.nodeSelectors),
            ...(p.bfd ? { bfdProfile: `${p.name}-bfd` } : {}),
            ...(p.hasPassword ? { passwordSecret: { name: `${p.name}-bgp-password`, namespace } } : {}),
        },
    }));
    return { l2Advertisements, bgpAdvertisements, bfdProfiles, passwordSecrets, bgpPeers };
}
