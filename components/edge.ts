import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFERRED_SECRET, checkStackConfig } from "../config";
import { ConfigError, PROJECT } from "../config/errors";
import { PACKAGE } from "../model/names";
import { EdgePlan, etcHostsLines, planEdge } from "../model/plan";
import type { BfdSpec, EdgeSpec, ExtraValues, LabelSelector, ResourceRequirements } from "../model/types";
import { edgeWarnings, validateEdge } from "../model/validate";
import { CertificateAuthority, ExistingCa } from "./certificateAuthority";
import { IngressGateway } from "./ingressGateway";
import { GatewayApiCrds, serverSideApplyProblems } from "./gatewayApiCrds";
import { GatewayApiGateway } from "./gatewayApiGateway";
import { IstioMesh } from "./istioMesh";
import { MetalLb } from "./metallb";
import { SampleApps } from "./sampleApps";
import { AddonsArgs, Observability } from "./observability";
import { baseValuesProblems, gatewayValuesProblems, istiodValuesProblems, metallbValuesProblems } from "../model/valuesChecks";
import { checkedWhenKnown, isKnownNow } from "./deferred";
import { replacementWarnings } from "./kubernetesProvider";

/** A route of a gateway: a path match sent to a Service. */
export interface EdgeRouteArgs {
    name: string;
    /** Hosts of the gateway this route serves (default: all of them). */
    hosts?: string[];
    match: { exact?: string; prefix?: string };
    destination: { host: string; port: number; namespace?: string };
}

/** A label selector of nodes, as Kubernetes writes one. */
export type NodeSelectorArgs = LabelSelector;

/** How one pool is announced: layer 2 and/or BGP, each `true`, `false` or limited. */
export interface PoolAdvertiseArgs {
    /** Layer 2 (ARP/NDP): `true`, or only on these interfaces / from these nodes. */
    l2?: boolean | { interfaces?: string[]; nodeSelectors?: NodeSelectorArgs[] };
    /** BGP: `true` (to every peer), or with aggregation, communities, local preference, peers and next-hop nodes. */
    bgp?: boolean | {
        aggregationLength?: number;
        aggregationLengthV6?: number;
        communities?: string[];
        localPref?: number;
        peers?: string[];
        nodeSelectors?: NodeSelectorArgs[];
    };
}

/** One BGP peer (a top-of-rack router). */
export interface EdgeBgpPeerArgs {
    name: string;
    address: string;
    asn: number;
    port?: number;
    sourceAddress?: string;
    /** Go durations, e.g. "90s". */
    holdTime?: string;
    keepaliveTime?: string;
    ebgpMultiHop?: boolean;
    /** The nodes that open this session (default: every node). */
    nodeSelectors?: NodeSelectorArgs[];
    /** `true` (MetalLB's BFD defaults) or intervals in milliseconds. */
    bfd?: boolean | BfdSpec;
    /** The session's TCP MD5 password; pass a secret (`config.requireSecret`). Kept in a Secret, never in state as plain text. */
    password?: pulumi.Input<string>;
}

/** One ingress gateway. Keys and defaults are those of the stack config's `gateways[]`. */
export interface EdgeGatewayArgs {
    name: string;
    /** Its MetalLB IP (or one IPv4 and one IPv6), e.g. from another resource. */
    ip: pulumi.Input<string> | pulumi.Input<string>[];
    /** Hosts it serves; plain values, since they name its certificates, secrets and routes. */
    hosts: string[];
    httpsRedirect?: boolean;
    minTlsVersion?: "TLSV1_2" | "TLSV1_3";
    replicas?: number;
    autoscaling?: { minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage?: number };
    podAntiAffinity?: "none" | "preferred" | "required";
    resources?: ResourceRequirements;
    allowedSourceRanges?: string[];
    externalTrafficPolicy?: "Cluster" | "Local";
    routes?: EdgeRouteArgs[];
}

/**
 * Inputs of {@link Edge}: the stack config's keys (see the README's config reference), with
 * `pulumi.Input` where values may come from other resources.
 */
export interface EdgeArgs {
    metallb: {
        version?: string;
        repository?: string;
        namespace?: string;
        /**
         * `advertise`: how the pool is announced, as in the stack config's `metallb.pools[].advertise`
         * (absent: layer 2 from every node; when given, it lists every way, so `{ bgp: true }` is BGP alone).
         */
        pools: { name: string; addresses: string[]; autoAssign?: boolean; advertise?: PoolAdvertiseArgs }[];
        /** BGP: the local AS and the routers the speakers peer with (keys of the stack config's `metallb.bgp`). */
        bgp?: {
            localASN: number;
            routerID?: string;
            peers: EdgeBgpPeerArgs[];
        };
        /** Helm values merged over the program's for the metallb chart. */
        values?: pulumi.Input<ExtraValues>;
        /** Wait for MetalLB's webhook before creating the pools (default on); `image`: the kubectl image of that check. */
        webhookCheck?: { enabled?: boolean; image?: string };
    };
    istio?: {
        version?: string;
        repository?: string;
        namespace?: string;
        gatewayNamespace?: string;
        mtlsMode?: "STRICT" | "PERMISSIVE";
        meshNamespaces?: string[];
        istiod?: { replicas?: number; resources?: ResourceRequirements };
        /** Helm values merged over the program's, per Istio chart. */
        values?: { base?: pulumi.Input<ExtraValues>; istiod?: pulumi.Input<ExtraValues>; gateway?: pulumi.Input<ExtraValues> };
    };
    pki?: {
        caCommonName?: string;
        caValidityHours?: number;
        validityHours?: number;
        earlyRenewalHours?: number;
        keyAlgorithm?: EdgeSpec["pki"]["keyAlgorithm"];
        certificatePer?: "host" | "gateway";
        protect?: boolean;
        /** Generation of the generated CA that signs the leaves (default 1); see the CA rotation in docs/operations.md. */
        caGeneration?: number;
        /** Generations of the generated CA that exist and are trusted (default: caGeneration alone). */
        trustedCaGenerations?: number[];
        /**
         * Sign with an existing CA (certificate and key, e.g. from config secrets) instead of
         * generating one. `certificatePem` may be followed by the certificates that issued it (an
         * intermediate, then its root): the gateways serve the intermediates after each leaf.
         */
        bringYourOwnCa?: ExistingCa;
    };
    gateways: EdgeGatewayArgs[];
    samples?: boolean | { enabled?: boolean; namespace?: string };
    /** "istio" (default): Istio Gateway, VirtualServices and the gateway chart; "gateway-api": the Kubernetes Gateway API. */
    api?: "istio" | "gateway-api";
    /** The Gateway API CRDs, in gateway-api mode: installed (default) at a pinned release, or managed elsewhere. */
    gatewayApi?: { crds?: { manage?: boolean; version?: string; repository?: string } };
    /** Observability addons (Prometheus, Grafana, Kiali, tracing), served on one gateway; all off by default. */
    addons?: AddonsArgs;
    /**
     * What deleting keeps (default: both): CRDs (deleting one deletes every object of its kind in the
     * cluster) and `istio.meshNamespaces` (the applications' namespaces, with their workloads).
     */
    retainOnDelete?: { crds?: boolean; meshNamespaces?: boolean };
    /**
     * Keep the resources of stacks made by version 0.1 of this program, whose components sat at
     * the stack's root under the names metallb, istio, pki, samples and each gateway's name.
     */
    legacyNames?: boolean;
}

/** What a person needs to use one gateway. */
export interface GatewayOutputs {
    /** Primary IP (the first of `ips`). */
    ip: string;
    ips: string[];
    hosts: string[];
    urls: string[];
    /** Whether port 80 answers a redirect to HTTPS (what `npm run verify` expects). */
    httpsRedirect: boolean;
    /** Ready-made checks; save the CA first: `pulumi stack output caCertificatePem > ca.crt`. */
    curl: string[];
    /** Per host: the name to probe, whether routes serve it, its URL. */
    endpoints: { host: string; probeHost: string; routed: boolean; url: string }[];
}

const isKnown = (value: unknown): value is string => typeof value === "string";
const PLACEHOLDER_IP = "0.0.0.0";

/** The default Kubernetes provider (the stack's kubeconfig and context), as a key. */
const DEFAULT_PROVIDER = Symbol("default kubernetes provider");

/** Which Edge installed MetalLB and Istio with which Kubernetes provider, per program run (mock runs included). */
const installed = new WeakMap<object, Map<unknown, string>>();

/** The Kubernetes provider an Edge's resources would use: its `provider`/`providers` option, or the default one. */
function kubernetesProviderOf(opts: pulumi.ComponentResourceOptions | undefined): unknown {
    const isK8s = (p: unknown) => k8s.Provider.isInstance(p);
    if (opts?.provider && isK8s(opts.provider)) return opts.provider;
    const providers = opts?.providers;
    if (Array.isArray(providers)) return providers.find(isK8s) ?? DEFAULT_PROVIDER;
    if (providers && typeof providers === "object") return (providers as Record<string, unknown>).kubernetes ?? DEFAULT_PROVIDER;
    return DEFAULT_PROVIDER;
}

/**
 * Problems of a second Edge on one cluster: MetalLB's and Istio's charts install cluster-wide
 * objects under fixed names (CRDs, cluster roles, webhook configurations), so one cluster holds
 * one of each; a second Edge would fail on them half-way through `pulumi up`.
 */
function secondEdgeProblems(name: string, opts: pulumi.ComponentResourceOptions | undefined): string[] {
    const monitor = pulumi.runtime.getMonitor() as object | undefined;
    if (!monitor) return [];
    const byProvider = installed.get(monitor) ?? new Map<unknown, string>();
    installed.set(monitor, byProvider);
    const provider = kubernetesProviderOf(opts);
    const first = byProvider.get(provider);
    if (first !== undefined) {
        return [`Edge ${JSON.stringify(name)}: Edge ${JSON.stringify(first)} already installs MetalLB and Istio ${provider === DEFAULT_PROVIDER ? "with the default Kubernetes provider" : "with this Kubernetes provider"}, and a cluster holds one of each ` +
            `(their CRDs, cluster roles and webhooks are cluster-wide); add ${JSON.stringify(name)}'s gateways to the gateways of ${JSON.stringify(first)}, or give it a k8s.Provider for another cluster`];
    }
    byProvider.set(provider, name);
    return [];
}

/** Problems of a gateway's IPs as they resolved at deploy time: each one a string, one or two of them. */
function resolvedIpProblems(resolved: unknown[], g: number): string[] {
    const flat = resolved.length === 1 && Array.isArray(resolved[0]) ? (resolved[0] as unknown[]) : resolved;
    const bad = flat.findIndex((ip) => typeof ip !== "string");
    if (bad >= 0) {
        return [`gateways[${g}].ip: resolved at deploy time to ${JSON.stringify(flat[bad]) ?? "undefined"}${flat.length > 1 ? ` (item ${bad})` : ""}; expected an IP address, or one IPv4 and one IPv6 address`];
    }
    if (flat.length < 1 || flat.length > 2) {
        return [`gateways[${g}].ip: resolved at deploy time to ${JSON.stringify(flat)}; expected one IP address, or one IPv4 and one IPv6 address`];
    }
    return [];
}

/** A gateway's resolved IPs as a list of strings (an Output may resolve to the whole list). */
function normalizedIps(resolved: unknown[]): string[] {
    return (resolved.length === 1 && Array.isArray(resolved[0]) ? resolved[0] : resolved) as string[];
}

/** Chart values slots that may be Outputs: checked now when known, else when they arrive. */
type ValuesSlot = "metallb" | "base" | "istiod" | "gateway";

interface CheckedArgs {
    spec: EdgeSpec;
    /** Gateways whose IPs arrive at deploy time. */
    deferred: number[];
    /** Values slots checked when they arrive. */
    deferredValues: Set<ValuesSlot>;
}

/**
 * Where args hold an Output although the value must be known now (it names resources or decides
 * what routes point at): one problem each, naming the key. Outputs are allowed only where
 * {@link EdgeArgs} says `pulumi.Input`.
 */
function outputsWhereKnownValuesAreNeeded(args: EdgeArgs): string[] {
    const problems: string[] = [];
    const allowed = (key: string) => /^gateways\[\d+\]\.ip(\[\d+\])?$/.test(key) || /^pki\.bringYourOwnCa(\.|$)/.test(key) ||
        /^(metallb\.values|istio\.values\.(base|istiod|gateway))$/.test(key) || /^metallb\.bgp\.peers\[\d+\]\.password$/.test(key);
    const walk = (value: unknown, key: string) => {
        if (allowed(key)) return;
        if (!isKnownNow(value) && (pulumi.Output.isInstance(value) || value instanceof Promise)) {
            const why = /^addons\.\w+\.values$/.test(key)
                ? "they decide the Service names and ports the addon routes, data sources and links use"
                : "it names resources or decides what they refer to";
            problems.push(`${key}: is known only at deploy time (a pulumi Output or Promise), but ${why}; pass a plain value`);
            return;
        }
        if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${key}[${i}]`));
        else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) walk(v, key ? `${key}.${k}` : k);
    };
    walk(args, "");
    return problems;
}

/**
 * Checks args the way stack config is checked. IPs and chart values known only at deploy time are
 * checked then; meanwhile a placeholder stands in and problems about it are set aside.
 */
function checkArgs(name: string, args: EdgeArgs): CheckedArgs {
    const subject = `args of Edge ${name}`;
    const early = outputsWhereKnownValuesAreNeeded(args);
    if (early.length > 0) throw new ConfigError(early, subject);
    const deferred: number[] = [];
    const gateways = args.gateways.map((gw, g) => {
        const ips = Array.isArray(gw.ip) ? gw.ip : [gw.ip];
        if (ips.every(isKnown)) return gw;
        deferred.push(g);
        return { ...gw, ip: ips.map(() => PLACEHOLDER_IP) };
    });
    const deferredValues = new Set<ValuesSlot>();
    const slot = (which: ValuesSlot, value: unknown) => {
        // Gateway values are held against the gateways' IPs: with an IP still to come, so are they.
        if (value === undefined || (isKnownNow(value) && !(which === "gateway" && deferred.length > 0))) return value;
        deferredValues.add(which);
        return undefined;
    };
    const values = args.istio?.values;
    const raw = JSON.parse(JSON.stringify({
        ...args,
        legacyNames: undefined,
        metallb: {
            ...args.metallb,
            values: slot("metallb", args.metallb.values),
            // A peer's password is only stored (in its Secret): any value stands for it in the checks.
            bgp: args.metallb.bgp && {
                ...args.metallb.bgp,
                peers: args.metallb.bgp.peers?.map((p) => (p.password === undefined ? p : { ...p, password: DEFERRED_SECRET })),
            },
        },
        istio: args.istio && {
            ...args.istio,
            values: values && { base: slot("base", values.base), istiod: slot("istiod", values.istiod), gateway: slot("gateway", values.gateway) },
        },
        // CA material known now is checked now; material that arrives later (a secret Output) when it
        // arrives. Messages never print it.
        pki: args.pki && {
            ...args.pki,
            bringYourOwnCa: args.pki.bringYourOwnCa && Object.fromEntries(Object.entries(args.pki.bringYourOwnCa).map(([k, v]) => [k, typeof v === "string" ? v : DEFERRED_SECRET])),
        },
        gateways,
    }));
    const { spec, problems } = checkStackConfig(raw, { stack: pulumi.getStack() });
    const kept = problems.filter((p) => !deferred.some((g) => p.startsWith(`gateways[${g}].ip`)));
    // Gateway API mode installs no gateway chart: values for it are a mistake, known or not.
    if (spec?.api === "gateway-api" && deferredValues.has("gateway")) {
        kept.push(`istio.values.gateway: values of the gateway chart, which gateway-api mode does not install (istiod deploys the gateways); remove them, or keep api "istio"`);
    }
    if (spec?.api === "gateway-api" && spec.gatewayApi?.crds.manage) kept.push(...serverSideApplyProblems());
    if (kept.length > 0 || !spec) throw new ConfigError(kept, subject);
    spec.pki.bringYourOwnCa = args.pki?.bringYourOwnCa !== undefined;
    return { spec, deferred, deferredValues };
}

/**
 * The whole edge in one line: MetalLB, Istio, a private CA with a certificate per host, one
 * ingress gateway per entry of `gateways` on its own MetalLB IP, and the sample apps if asked.
 * Its args are checked like stack config before anything is registered.
 */
export class Edge extends pulumi.ComponentResource {
    readonly plan: EdgePlan;
    readonly metallb: MetalLb;
    readonly mesh: IstioMesh;
    readonly ca: CertificateAuthority;
    readonly ingressGateways: IngressGateway[];
    /** The gateways in gateway-api mode (empty in Istio mode, where ingressGateways has them). */
    readonly gatewayApiGateways: GatewayApiGateway[] = [];
    /** The Gateway API CRDs, when the edge installs them (gateway-api mode). */
    readonly gatewayApiCrds?: GatewayApiCrds;
    readonly samples?: SampleApps;
    /** Present when any addon is on. */
    readonly observability?: Observability;
    /** Per addon that is on: its https:// URL, host and gateway. */
    readonly addons: pulumi.Output<Record<string, { url: string; host: string; gateway: string }>>;
    /** Grafana's `admin` password (secret), when Grafana is on. */
    readonly grafanaAdminPassword?: pulumi.Output<string>;
    /** Per gateway: its IPs, hosts, https:// URLs and ready `curl --resolve` checks. */
    readonly gateways: pulumi.Output<Record<string, GatewayOutputs>>;
    /** The certificate of the CA that signs the leaves (public); with a brought chain, its root. */
    readonly caCertificatePem: pulumi.Output<string>;
    /** Every CA certificate clients should trust (PEM): during a CA rotation, both generations. */
    readonly caTrustBundle: pulumi.Output<string>;
    /** Lines for /etc/hosts (wildcard hosts cannot be listed there and are left out). */
    readonly etcHosts: pulumi.Output<string[]>;
    /** The same lines as one text, each ending in a newline: `pulumi stack output etcHostsFile | sudo tee -a /etc/hosts`. */
    readonly etcHostsFile: pulumi.Output<string>;
    readonly metallbNamespace: string;
    readonly gatewayNamespace: string;

    constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before anything is registered, this component included.
        const { spec, deferred, deferredValues } = checkArgs(name, args);
        const twice = secondEdgeProblems(name, opts);
        if (twice.length > 0) throw new ConfigError(twice, `args of Edge ${name}`);
        const provider = kubernetesProviderOf(opts);
        super(`${PACKAGE}:index:Edge`, name, {}, opts);
        const plan = planEdge(spec);
        this.plan = plan;
        const subject = `args of Edge ${name}`;
        for (const warning of edgeWarnings(spec)) pulumi.log.warn(warning, this);
        for (const warning of replacementWarnings(provider === DEFAULT_PROVIDER ? "default" : (provider as object))) pulumi.log.warn(warning, this);

        // IPs known only at deploy time get the same checks as config, when they are known: one
        // Output that every reader derives from, so that one mistake is reported once.
        const ipsOf = (g: number) => {
            const ip = args.gateways[g].ip;
            return Array.isArray(ip) ? ip : [ip];
        };
        const allIps: pulumi.Output<string[][]> | undefined = deferred.length === 0 ? undefined : checkedWhenKnown(
            pulumi.all(args.gateways.map((_, g) => pulumi.all(ipsOf(g) as pulumi.Input<unknown>[]))),
            (resolved) => {
                const shapes = resolved.flatMap((ips, g) => resolvedIpProblems(ips, g));
                if (shapes.length > 0) return shapes;
                const real: EdgeSpec = { ...spec, gateways: spec.gateways.map((gw, g) => ({ ...gw, ips: normalizedIps(resolved[g]) })) };
                return validateEdge(real).filter((p) => deferred.some((g) => p.startsWith(`gateways[${g}].ip`)));
            },
            subject,
            (resolved) => resolved.map(normalizedIps),
        );
        const realSpec = (ips: string[][]): EdgeSpec => ({ ...spec, gateways: spec.gateways.map((gw, g) => ({ ...gw, ips: ips[g] })) });
        // Chart values known only at deploy time: the checks known values had in checkArgs.
        const later = <T extends pulumi.Input<ExtraValues> | undefined>(which: ValuesSlot, value: T, problemsOf: (v: ExtraValues) => string[]) =>
            value === undefined || !deferredValues.has(which) ? value : checkedWhenKnown(value as pulumi.Input<ExtraValues>, problemsOf, subject);
        const metallbExtra = later("metallb", args.metallb.values, (v) => metallbValuesProblems(v));
        const baseExtra = later("base", args.istio?.values?.base, (v) => baseValuesProblems(spec, v));
        const istiodExtra = later("istiod", args.istio?.values?.istiod, (v) => istiodValuesProblems(spec, plan.istio.programIstiodValues, v));
        const gatewayValues = args.istio?.values?.gateway;
        const gatewayExtra = gatewayValues === undefined || !deferredValues.has("gateway") ? gatewayValues : checkedWhenKnown(
            pulumi.all([allIps ?? spec.gateways.map((gw) => gw.ips), gatewayValues]),
            ([ips, v]) => gatewayValuesProblems(realSpec(ips as string[][]), v as ExtraValues),
            subject,
            ([, v]) => v as ExtraValues,
        );

        // Stacks of version 0.1 had these components at the root under their bare names; their
        // children are named after them, so aliasing the component carries the children too.
        const child = (suffix: string, type: string): pulumi.ComponentResourceOptions => ({
            parent: this,
            ...(args.legacyNames ? { aliases: [pulumi.createUrn(suffix, `${PACKAGE}:${type}`, undefined, PROJECT, pulumi.getStack())] } : {}),
        });

        this.metallb = new MetalLb(`${name}-metallb`, {
            version: spec.metallb.version,
            repository: spec.metallb.repository,
            namespace: spec.metallb.namespace,
            pools: plan.metallb.pools,
            bgp: spec.metallb.bgp && {
                ...spec.metallb.bgp,
                peers: spec.metallb.bgp.peers.map(({ hasPassword, ...peer }, i) => ({
                    ...peer,
                    ...(hasPassword ? { password: args.metallb.bgp!.peers[i].password } : {}),
                })),
            },
            values: metallbExtra,
            retainCrds: plan.retainOnDelete.crds,
            webhookCheck: spec.metallb.webhookCheck,
        }, child("metallb", "metallb:MetalLb"));

        // Before istiod, which reads them when it starts.
        if (plan.gatewayApi?.crds) {
            this.gatewayApiCrds = new GatewayApiCrds(`${name}-gateway-api-crds`, {
                version: plan.gatewayApi.crds.version, repository: spec.gatewayApi!.crds.repository, retainOnDelete: plan.retainOnDelete.crds,
            }, { parent: this });
        }

        this.mesh = new IstioMesh(`${name}-istio`, {
            version: spec.istio.version,
            repository: spec.istio.repository,
            namespace: spec.istio.namespace,
            gatewayNamespace: spec.istio.gatewayNamespace,
            istiod: spec.istio.istiod,
            mtlsMode: spec.istio.mtlsMode,
            meshNamespaces: spec.istio.meshNamespaces,
            retainMeshNamespaces: plan.retainOnDelete.meshNamespaces,
            ...(plan.gatewayApi ? { prerequisites: this.gatewayApiCrds ? [this.gatewayApiCrds] : [] } : {}),
            // The tracing provider (addons) and gateway-api mode's TLS minimum; the user's values go over them.
            istiodValues: plan.istio.programIstiodValues,
            values: { base: baseExtra, istiod: istiodExtra },
        }, child("istio", "istio:IstioMesh"));

        this.ca = new CertificateAuthority(`${name}-pki`, {
            commonName: spec.pki.caCommonName,
            caValidityHours: spec.pki.caValidityHours,
            validityHours: spec.pki.validityHours,
            earlyRenewalHours: spec.pki.earlyRenewalHours,
            keyAlgorithm: spec.pki.keyAlgorithm,
            protect: spec.pki.protect,
            bringYourOwnCa: args.pki?.bringYourOwnCa,
            generations: { active: spec.pki.caGeneration, trusted: spec.pki.trustedCaGenerations ?? [spec.pki.caGeneration] },
            certificates: plan.certificates.map((c) => ({ id: c.id, hosts: c.hosts, secretName: c.secretName, secretNamespace: c.secretNamespace })),
            secretDependencies: [this.mesh.gatewayNamespace],
        }, child("pki", "pki:CertificateAuthority"));

        this.ingressGateways = plan.gatewayApi ? [] : plan.gateways.map((gw, g) => {
            const ids = new Set(gw.certificates.map((c) => c.id));
            return new IngressGateway(`${name}-${gw.componentName}`, {
                plan: gw,
                ips: allIps ? allIps.apply((ips) => ips[g]) : undefined,
                values: gatewayExtra,
                dependsOn: {
                    controlPlane: [this.mesh.istiod],
                    loadBalancer: this.metallb.ready,
                    credentials: this.ca.certificates.filter((c) => ids.has(c.spec.id)).map((c) => c.secret),
                    namespace: [this.mesh.gatewayNamespace],
                },
            }, child(gw.componentName, "gateway:IngressGateway"));
        });

        if (plan.samples) {
            this.samples = new SampleApps(`${name}-samples`, { namespace: plan.samples.namespace, dependsOn: [this.mesh.istiod] }, child("samples", "samples:SampleApps"));
        }

        // Addon hosts and routes are already in their gateway's plan; this installs the addons themselves.
        if (plan.addons) {
            this.observability = new Observability(`${name}-observability`, {
                plan: plan.addons,
                dependsOn: { controlPlane: [this.mesh.istiod], namespace: plan.addons.createNamespace ? [] : [this.mesh.namespace] },
            }, { parent: this });
            this.grafanaAdminPassword = this.observability.grafanaAdminPassword;
        }
        this.addons = pulumi.output(this.observability?.urls ?? {});

        if (plan.gatewayApi) {
            const created: Record<string, pulumi.Resource> = {
                [spec.istio.namespace]: this.mesh.namespace,
                [spec.istio.gatewayNamespace]: this.mesh.gatewayNamespace,
                ...Object.fromEntries(spec.istio.meshNamespaces.map((n, i) => [n, this.mesh.meshNamespaces[i]])),
                ...(this.samples ? { [plan.samples!.namespace]: this.samples.namespace } : {}),
                ...(plan.addons && this.observability?.namespace ? { [plan.addons.namespace]: this.observability.namespace } : {}),
            };
            this.gatewayApiGateways = plan.gateways.map((gw, g) => {
                const ids = new Set(gw.certificates.map((c) => c.id));
                return new GatewayApiGateway(`${name}-${gw.componentName}`, {
                    plan: gw,
                    objects: plan.gatewayApi!.gateways[g],
                    ips: allIps ? allIps.apply((ips) => ips[g]) : undefined,
                    dependsOn: {
                        crds: this.gatewayApiCrds ? [this.gatewayApiCrds] : [],
                        controlPlane: [this.mesh.istiod],
                        loadBalancer: this.metallb.ready,
                        credentials: this.ca.certificates.filter((c) => ids.has(c.spec.id)).map((c) => c.secret),
                        namespace: [this.mesh.gatewayNamespace],
                        namespaces: created,
                    },
                }, { parent: this });
            });
        }
        const gatewayParts: { ips: pulumi.Output<string[]>; endpoints: pulumi.Output<{ url: string; curl: string; host: string; probeHost: string; routed: boolean }[]> }[] =
            plan.gatewayApi ? this.gatewayApiGateways : this.ingressGateways;

        this.gateways = pulumi.all(gatewayParts.map((g) => pulumi.all([g.ips, g.endpoints]))).apply((all) =>
            Object.fromEntries(plan.gateways.map((gw, g) => {
                const [ips, endpoints] = all[g];
                return [gw.spec.name, {
                    ip: ips[0],
                    ips,
                    hosts: [...gw.spec.hosts],
                    urls: endpoints.map((e) => e.url),
                    httpsRedirect: gw.spec.httpsRedirect,
                    curl: endpoints.map((e) => e.curl),
                    endpoints: endpoints.map(({ host, probeHost, routed, url }) => ({ host, probeHost, routed, url })),
                }];
            })));
        this.caCertificatePem = this.ca.certificatePem;
        this.caTrustBundle = this.ca.trustBundle;
        this.etcHosts = pulumi.all(gatewayParts.map((g) => g.ips)).apply((all) =>
            etcHostsLines(all.map((ips, g) => ({ ips, hosts: plan.gateways[g].spec.hosts }))));
        this.etcHostsFile = this.etcHosts.apply((lines) => lines.map((l) => `${l}\n`).join(""));
        this.metallbNamespace = spec.metallb.namespace;
        this.gatewayNamespace = spec.istio.gatewayNamespace;

        this.registerOutputs({
            gateways: this.gateways, caCertificatePem: this.caCertificatePem, caTrustBundle: this.caTrustBundle, etcHosts: this.etcHosts, etcHostsFile: this.etcHostsFile,
            metallbNamespace: this.metallbNamespace, gatewayNamespace: this.gatewayNamespace,
            addons: this.addons, grafanaAdminPassword: this.grafanaAdminPassword,
        });
    }
}
