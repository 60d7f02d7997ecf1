// MetalLB announcement and BGP rules: which pools an L2Advertisement or BGPAdvertisement selects
// (and so which Service IPs anybody can reach), the AS numbers of a BGPPeer, and how it holds its
// password. MetalLB v0.16.1 is the reference (internal/config/config.go): what it refuses, at
// admission or only at reconcile time, is mandatory; what it accepts but rarely means is advisory.
import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { parseIp } from "../lib/addresses";
import {
    ASN_RANGES, Advertisement, BGP_PEER_TYPE, MAX_ASN, MetallbModel, MetallbPool, describeSelection, metallbId, plain, requestedIps, requestedPool,
} from "../lib/metallb";
import { StackResource, UNKNOWN, known, probe } from "../lib/model";
import { PoolSet } from "../lib/pools";
import { model } from "./stack";

const configOf = <T extends object>(args: { getConfig: <C extends object>() => C }) => (args.getConfig<T>() ?? {}) as T;

interface AnnouncementConfig {
    externallyAnnouncedPools?: string[];
    advertisementsInStack?: boolean;
}

const EXTERNALLY_ANNOUNCED = {
    type: "array",
    items: { type: "string" },
    default: [],
    description: "Names of IPAddressPools announced by something other than MetalLB's advertisements (Calico's BGP, for example), or by advertisements another stack creates: not reported.",
} as const;

const ADVERTISEMENTS = "L2Advertisement or BGPAdvertisement";
const poolAddresses = (p: MetallbPool) => (p.addressesUnknown ? "addresses not known yet" : p.addresses.join(", ") || "no addresses");
const advertisementList = (ads: Advertisement[]) => ads.map((a) => `${a.kind} ${metallbId(a)}: ${describeSelection(a)}`).join("; ");

export const metallbPoolAnnounced: StackValidationPolicy = {
    name: "metallb-pool-announced",
    description:
        "Mirrors MetalLB's announcement (config.go setL2AdvertisementsToPools, setBGPAdvertisementsToPools): every IPAddressPool of the stack is selected by one of its " +
        "L2Advertisements or BGPAdvertisements (in the same namespace) — by name in spec.ipAddressPools, by a label selector in spec.ipAddressPoolSelectors matching the pool's " +
        "metadata.labels, or by an advertisement with neither, which selects every pool. MetalLB accepts a pool nothing selects and still hands its addresses to Services, " +
        "but no node answers ARP/NDP or BGP for them, so clients cannot reach them. Setups where Calico announces Service addresses rely on that, so advisory by default " +
        "(or list such pools in config externallyAnnouncedPools). A stack with pools and no advertisement at all gets one finding per pool. A selector not known until " +
        "`pulumi up` counts as selecting. Fix: add the pool to an advertisement's spec.ipAddressPools (or label it for an ipAddressPoolSelectors entry).",
    severity: "medium",
    enforcementLevel: "advisory",
    configSchema: { properties: { externallyAnnouncedPools: EXTERNALLY_ANNOUNCED } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const external = new Set(configOf<AnnouncementConfig>(args).externallyAnnouncedPools ?? []);
        const mm = MetallbModel.of(args.resources as unknown as StackResource[]);
        for (const pool of mm.pools) {
            if (pool.name !== undefined && external.has(pool.name)) continue;
            if (mm.announcement(pool).announced !== false) continue;
            const where = mm.advertisements.length === 0
                ? `this stack has no ${ADVERTISEMENTS}, so`
                : `no ${ADVERTISEMENTS} of this stack selects it (${advertisementList(mm.advertisements)}), so`;
            report(`IPAddressPool ${metallbId(pool)}: ${where} its addresses (${poolAddresses(pool)}) are handed out to Services but never announced; no client reaches them ` +
                `unless something else (Calico, for example) announces them. Add "${pool.name ?? pool.resource.name}" to an advertisement's spec.ipAddressPools, or list it in externallyAnnouncedPools.`, pool.resource.urn);
        }
    },
};

export const metallbServiceIpAnnounced: StackValidationPolicy = {
    name: "metallb-service-ip-announced",
    description:
        "Mirrors MetalLB's allocation and announcement: a LoadBalancer Service (the program's, a chart's rendered child, or the Service an Istio gateway chart creates) " +
        "that requests an IP (metallb.io/loadBalancerIPs, or the older metallb.universe.tf/loadBalancerIPs, or spec.loadBalancerIP) or a pool (metallb.io/address-pool) " +
        "does not get it from an IPAddressPool no L2Advertisement or BGPAdvertisement of the stack selects (see metallb-pool-announced): MetalLB would assign the IP, the " +
        "Service would show it as its EXTERNAL-IP, and no node would ever answer for it. Judged when the stack creates advertisements (a stack without any may leave " +
        "announcing to Calico or another stack; config advertisementsInStack judges it anyway); pools in config externallyAnnouncedPools are skipped; an IP in no pool or " +
        "in several is metallb-ip-in-pool's finding. Fix: add the pool to an advertisement's spec.ipAddressPools, or request an address of an announced pool.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            externallyAnnouncedPools: EXTERNALLY_ANNOUNCED,
            advertisementsInStack: {
                type: "boolean",
                default: false,
                description: "Judge even a stack that creates pools but no advertisement: every advertisement is in this stack.",
            },
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const config = configOf<AnnouncementConfig>(args);
        const external = new Set(config.externallyAnnouncedPools ?? []);
        const m = model(args);
        const mm = MetallbModel.of(m);
        if (mm.pools.length === 0) return; // pools are managed elsewhere
        if (mm.advertisements.length === 0 && !config.advertisementsInStack) return; // announcing is left to something else
        const silent = (pool: MetallbPool) => (pool.name === undefined || !external.has(pool.name)) && mm.announcement(pool).announced === false;
        let announced: string[] | undefined;
        const fix = (pool: MetallbPool) => {
            const others = announced ??= mm.pools.filter((p) => mm.announcement(p).announced === true).map((p) => `${p.name} (${poolAddresses(p)})`);
            return `Add "${pool.name}" to an advertisement's spec.ipAddressPools, or request an address of an announced pool${others.length > 0 ? ` (${others.join("; ")})` : ""}.`;
        };
        // Where an IP falls cannot be decided while a pool's addresses are unknown.
        const pools = mm.pools.some((p) => p.addressesUnknown) ? undefined : new PoolSet(mm.pools);
        for (const svc of m.services) {
            if (svc.type !== "LoadBalancer") continue;
            const ips = requestedIps(svc);
            if (ips === UNKNOWN) continue;
            if (ips.length > 0) {
                if (!pools) continue;
                for (const text of ips) {
                    const ip = parseIp(text);
                    const holders = ip ? pools.holders(ip) : [];
                    if (holders.length !== 1 || !silent(holders[0])) continue; // none or several: metallb-ip-in-pool
                    const pool = holders[0];
                    report(`Service ${svc.id}: requested IP ${text} is in IPAddressPool ${metallbId(pool)}, which no ${ADVERTISEMENTS} of this stack announces; MetalLB would assign it ` +
                        `and no node would answer for it, so it is unreachable. ${fix(pool)}`, svc.resource.urn);
                }
                continue;
            }
            const name = requestedPool(svc);
            if (name === UNKNOWN || name === undefined) continue;
            const named = mm.pools.filter((p) => p.name === name);
            if (named.length === 0 || !named.every(silent)) continue;
            report(`Service ${svc.id}: asks for IPAddressPool ${metallbId(named[0])} (address-pool annotation), which no ${ADVERTISEMENTS} of this stack announces; MetalLB would ` +
                `assign it an address of that pool and no node would answer for it, so it is unreachable. ${fix(named[0])}`, svc.resource.urn);
        }
    },
};

/** Why an AS number field is refused, or undefined (also for a value unknown until `pulumi up`). */
function asnProblem(field: string, value: unknown, refusal: string): string | undefined {
    if (value === UNKNOWN) return undefined;
    if (value === undefined || value === null) return `${field} is missing; MetalLB refuses the peer (${refusal})`;
    if (typeof value !== "number" || !Number.isInteger(value)) return `${field} ${JSON.stringify(value)} is not an integer; the API server refuses it`;
    if (value === 0) return `${field} is 0; MetalLB refuses the peer (${refusal})`;
    if (value < 0 || value > MAX_ASN) return `${field} ${value} is outside 0–${MAX_ASN}; the API server refuses it`;
    return undefined;
}

const peerId = (args: ResourceValidationArgs) => {
    const ns = known(() => args.props.metadata?.namespace);
    return `BGPPeer ${typeof ns === "string" && ns ? `${ns}/` : ""}${known(() => args.props.metadata?.name) ?? args.name}`;
};

export const metallbBgpPeerAsn: ResourceValidationPolicy = {
    name: "metallb-bgppeer-asn",
    description:
        "Mirrors MetalLB's BGPPeer validation (its webhook and controller, config.go peerFromCR) and the CRD schema; the object is refused at apply, so `pulumi up` fails late: " +
        "myASN is set and not 0 (\"missing local ASN\"); for metallb.io/v1beta2, exactly one of peerASN (not 0) and dynamicASN (internal or external) is set " +
        "(\"missing peer ASN and dynamicASN\", \"both peer ASN and dynamicASN specified\"); for v1beta1, which has no dynamicASN, peerASN is set and not 0; every AS number " +
        `(myASN, peerASN, localASN) is an integer in 1–${MAX_ASN}; and an iBGP peer (peerASN equal to myASN) does not set ebgpMultiHop. ` +
        "Fix: use AS numbers in 1–4294967295 (private ones in 64512–65534 or 4200000000–4294967294), and set either peerASN or dynamicASN.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        const version = BGP_PEER_TYPE.exec(args.type)?.[1];
        if (!version) return;
        const spec = probe(() => args.props.spec);
        if (spec === UNKNOWN) return;
        const field = (name: string) => probe(() => plain(spec?.[name]));
        const myASN = field("myASN"), peerASN = field("peerASN"), localASN = field("localASN");
        const dynamicASN = version === "v1beta2" ? field("dynamicASN") : undefined;
        const problems: string[] = [];
        const mine = asnProblem("myASN", myASN, "\"missing local ASN\"");
        if (mine) problems.push(mine);
        const dynamic = typeof dynamicASN === "string" && dynamicASN !== "";
        if (typeof dynamicASN === "string" && dynamicASN !== "internal" && dynamicASN !== "external") {
            problems.push(`dynamicASN ${JSON.stringify(dynamicASN)} is neither "internal" nor "external"; the API server refuses it`);
        }
        const peerSet = typeof peerASN === "number" && peerASN !== 0;
        if (dynamicASN === UNKNOWN) {
            // Which of peerASN and dynamicASN is meant is decided at `pulumi up`; only the range can be judged.
            if (peerSet) { const p = asnProblem("peerASN", peerASN, ""); if (p) problems.push(p); }
        } else if (dynamic && peerSet) {
            problems.push(`both peerASN (${peerASN}) and dynamicASN (${dynamicASN}) are set; MetalLB refuses the peer ("both peer ASN and dynamicASN specified"). Keep one`);
        } else if (!dynamic) {
            const refusal = version === "v1beta2" ? "\"missing peer ASN and dynamicASN\"; set peerASN, or dynamicASN internal or external"
                : "\"missing peer ASN\"; metallb.io/v1beta1 requires peerASN and has no dynamicASN";
            const p = asnProblem("peerASN", peerASN, refusal);
            if (p) problems.push(p);
        } else if (peerASN !== undefined && peerASN !== 0 && peerASN !== UNKNOWN) {
            const p = asnProblem("peerASN", peerASN, "");
            if (p) problems.push(p);
        }
        if (version === "v1beta2" && localASN !== undefined && localASN !== null && localASN !== UNKNOWN) {
            const p = asnProblem("localASN", localASN, "the schema's minimum is 1");
            if (p) problems.push(p.replace("MetalLB refuses the peer", "the API server refuses it"));
        }
        const multiHop = probe(() => spec?.ebgpMultiHop);
        if (multiHop === true && typeof myASN === "number" && myASN !== 0 && peerASN === myASN) {
            problems.push(`ebgpMultiHop is set on an iBGP peer (peerASN equals myASN, ${myASN}); MetalLB refuses the peer ("invalid ebgp-multihop parameter set for an ibgp peer"). Remove ebgpMultiHop`);
        }
        for (const problem of problems) report(`${peerId(args)}: ${problem} (AS numbers: ${ASN_RANGES}).`);
    },
};

export const metallbBgpPeerPasswordSecret: ResourceValidationPolicy = {
    name: "metallb-bgppeer-password-secret",
    description:
        "Not a MetalLB check: a security convention. MetalLB accepts a BGPPeer's spec.password, but then the session's TCP MD5 password is plain text in the object — " +
        "`kubectl get bgppeers -o yaml` shows it to anyone allowed to read BGPPeers — and in the stack's state and diffs unless it is a Pulumi secret. MetalLB refuses a peer " +
        "that sets both password and passwordSecret. Fix: remove spec.password and set spec.passwordSecret {name, namespace: MetalLB's namespace} naming a Secret of type " +
        "kubernetes.io/basic-auth with the password under the key \"password\" (v1beta1 has no passwordSecret: move the peer to metallb.io/v1beta2).",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        const version = BGP_PEER_TYPE.exec(args.type)?.[1];
        if (!version) return;
        const password = probe(() => plain(args.props.spec?.password));
        if (typeof password !== "string" || password === "") return; // none, or decided at `pulumi up`
        const secretRef = version === "v1beta2" ? known(() => args.props.spec?.passwordSecret?.name) : undefined;
        const both = typeof secretRef === "string" && secretRef !== ""
            ? ` It also sets passwordSecret (${secretRef}), and MetalLB refuses a peer with both ("can not have both password and secret ref set").` : "";
        const fix = version === "v1beta2"
            ? "Remove spec.password and set spec.passwordSecret to a Secret of type kubernetes.io/basic-auth in MetalLB's namespace with the key \"password\"."
            : "metallb.io/v1beta1 has no passwordSecret: move the peer to metallb.io/v1beta2 and set spec.passwordSecret to a Secret of type kubernetes.io/basic-auth in MetalLB's namespace with the key \"password\".";
        report(`${peerId(args)}: spec.password holds the BGP session password in plain text, visible in the object (kubectl get -o yaml) and in the stack's state and diffs unless it is a Pulumi secret.${both} ${fix}`);
    },
};

export const metallbBgpPeerPasswordSecretValid: StackValidationPolicy = {
    name: "metallb-bgppeer-password-secret-valid",
    description:
        "Mirrors MetalLB's controller (config.go passwordFromSecretForPeer; the webhook does not check it, so it fails only at reconcile time): when the stack creates the " +
        "Secret a metallb.io/v1beta2 BGPPeer's spec.passwordSecret names, that Secret is in MetalLB's namespace (the BGPPeer's: MetalLB reads Secrets only there, by name, " +
        "ignoring passwordSecret.namespace), of type kubernetes.io/basic-auth, with a \"password\" key (data or stringData). Otherwise MetalLB logs \"secret ref not found\", " +
        "\"secret type mismatch\" or \"password not specified in the secret\", marks its configuration stale and silently keeps the previous one, while `pulumi up` succeeds. " +
        "A Secret the stack does not create is not judged. Fix: create the Secret in MetalLB's namespace with type: kubernetes.io/basic-auth and stringData: {password: …}.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const resources = args.resources as unknown as StackResource[];
        const mm = MetallbModel.of(resources);
        for (const r of resources) {
            if (BGP_PEER_TYPE.exec(r.type)?.[1] !== "v1beta2") continue; // v1beta1 has no passwordSecret
            const name = known(() => r.props.spec?.passwordSecret?.name);
            if (typeof name !== "string" || name === "") continue;
            const ns = known(() => r.props.metadata?.namespace);
            const peerNs = typeof ns === "string" && ns !== "" ? ns : undefined;
            const peer = `BGPPeer ${peerNs ? `${peerNs}/` : ""}${known(() => r.props.metadata?.name) ?? r.name}`;
            const anyUnknown = mm.secrets.some((s) => s.unknown);
            const named = mm.secrets.filter((s) => s.name === name);
            const here = named.filter((s) => peerNs === undefined || s.namespace === undefined || s.namespace === peerNs);
            if (here.length === 0) {
                if (named.length > 0 && !anyUnknown) {
                    report(`${peer}: passwordSecret names Secret ${name}, which this stack creates in ${named.map((s) => s.namespace ?? "the default namespace").join(", ")}, but MetalLB reads Secrets only from its own namespace (the BGPPeer's, ${peerNs}) and ignores passwordSecret.namespace; it logs "secret ref not found" and keeps its previous configuration. Create the Secret in ${peerNs}.`, r.urn);
                }
                continue;
            }
            const problemsOf = (s: (typeof here)[number]) => {
                const problems: string[] = [];
                if (s.type !== UNKNOWN && s.type !== "kubernetes.io/basic-auth") {
                    problems.push(`is of type ${s.type ?? "Opaque (no type set)"}, not kubernetes.io/basic-auth ("secret type mismatch")`);
                }
                if (s.keys !== UNKNOWN && !s.keys.includes("password")) {
                    problems.push(`has no "password" key${s.keys.length > 0 ? ` (keys: ${s.keys.join(", ")})` : ""} ("password not specified in the secret")`);
                }
                return problems;
            };
            const judged = here.map((s) => ({ s, problems: problemsOf(s) }));
            if (judged.some((j) => j.problems.length === 0)) continue;
            const { s, problems } = judged[0];
            report(`${peer}: passwordSecret names Secret ${metallbId(s)}, which ${problems.join(" and ")}; MetalLB refuses it only when it reconciles and keeps its previous configuration (the peer, new or changed, is not applied), while \`pulumi up\` succeeds. Make the Secret type kubernetes.io/basic-auth with the password under stringData.password.`, r.urn);
        }
    },
};

export const metallbResourcePolicies: ResourceValidationPolicy[] = [metallbBgpPeerAsn, metallbBgpPeerPasswordSecret];
export const metallbStackPolicies: StackValidationPolicy[] = [metallbServiceIpAnnounced, metallbBgpPeerPasswordSecretValid, metallbPoolAnnounced];
