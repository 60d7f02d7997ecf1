// The plan: every object of the edge and its names, as a pure function of a validated spec.
// Components carry it out; tests read it directly.
import { CHARTS, ChartLocation, locateChart } from "./charts";
import { destinationHost, probeHosts } from "./hosts";
import {
    authorizationPolicyName, certificateHostGroups, gatewayObjectName, gatewayReleaseName, gatewaySelector, hostSlug, httpPortName, uniqueNames,
} from "./names";
import { routesByHost } from "./routes";
import type { EdgeSpec, GatewaySpec, PoolSpec, RouteSpec } from "./types";
import { gatewayChartValues, istioBaseValues, istiodValues, mergeIstiodValues, metallbValues } from "./values";
import { programIstiodValues } from "./istiod";
import { RETAIN_DEFAULTS, RetainSpec } from "./lifecycle";
import { LAYER2_EVERYWHERE, MetallbObjects, SHARED_L2_ADVERTISEMENT, metallbObjects, usesBgp } from "./metallb";
import { AddonsPlan, addonHosts, planAddons, withAddonRoutes } from "./addons";
import { GatewayApiPlan, planGatewayApi } from "./gatewayApi";

export interface PlannedRelease {
    /** Helm release name. */
    releaseName: string;
    namespace: string;
    location: ChartLocation;
    values: Record<string, unknown>;
}

export interface PlannedNamespace {
    name: string;
    labels: Record<string, string>;
    /** The config keys that put it in the plan. */
    roles: string[];
}

/** One certificate: the hosts it covers and the TLS secret that holds it. */
export interface PlannedCertificate {
    /** Unique among the leaves and never "ca": names the Pulumi resources (`<pki>-<id>-key`, …). */
    id: string;
    gateway: string;
    hosts: string[];
    secretName: string;
    secretNamespace: string;
    /** Name of the HTTPS server port on the Gateway that serves this certificate (unique per Gateway). */
    httpsPortName: string;
}

export interface GatewayServer {
    port: { number: number; name: string; protocol: string };
    hosts: string[];
    tls?: Record<string, unknown>;
}

export interface PlannedVirtualService {
    /** Child resource name, relative to the gateway component: `vs-<host slug>[-<hash>]`. */
    key: string;
    name: string;
    namespace: string;
    host: string;
    spec: {
        hosts: string[];
        gateways: string[];
        http: { name: string; match: { uri: Record<string, string> }[]; route: { destination: { host: string; port: { number: number } } }[] }[];
    };
    /** Created only once its Gateway exists (an addon UI's route). */
    afterGateway?: boolean;
}

/** What a person (and `npm run verify`) needs to reach one host. */
export interface PlannedEndpoint {
    host: string;
    /** The name to request: the host, or for a wildcard a name under it that no gateway lists. */
    probeHost: string;
    /** Whether any route serves this host; without one the gateway answers 404 (with the right certificate). */
    routed: boolean;
    url: string;
    curl: string;
}

export interface PlannedGateway {
    spec: GatewaySpec;
    /** Name of its component (the gateway name, unless that would meet another component's children). */
    componentName: string;
    namespace: string;
    release: PlannedRelease;
    gateway: { name: string; namespace: string; selector: Record<string, string>; servers: GatewayServer[] };
    authorizationPolicy?: { name: string; namespace: string; spec: Record<string, unknown> };
    virtualServices: PlannedVirtualService[];
    certificates: PlannedCertificate[];
    endpoints: PlannedEndpoint[];
}

export interface EdgePlan {
    namespaces: PlannedNamespace[];
    metallb: {
        namespace: string;
        release: PlannedRelease;
        pools: { name: string; addresses: string[]; autoAssign: boolean; advertise: NonNullable<PoolSpec["advertise"]> }[];
        /** The shared L2Advertisement, when any pool is announced on layer 2 from every node. */
        l2Advertisement?: { name: string; pools: string[] };
        /** Every announcement object and BGP peer (model/metallb.ts). */
        objects: MetallbObjects;
        /** Whether the speakers run BGP (FRR-K8s). */
        bgp: boolean;
    };
    istio: {
        namespace: string;
        gatewayNamespace: string;
        base: PlannedRelease;
        istiod: PlannedRelease;
        mtlsMode: string;
        /** istiod values the program needs (tracing provider, gateway-api TLS minimum); the user's are merged over them. */
        programIstiodValues: Record<string, unknown>;
    };
    certificates: PlannedCertificate[];
    gateways: PlannedGateway[];
    samples?: { namespace: string };
    /** Lines for /etc/hosts (wildcard hosts cannot be listed there and are left out). */
    etcHosts: string[];
    /** The observability addons, when any is on (their hosts and routes are in their gateway's plan). */
    addons?: AddonsPlan;
    /** The Gateway API objects that build the gateways, when `api` is "gateway-api". */
    gatewayApi?: GatewayApiPlan;
    /** What deleting keeps: CRDs, and the mesh namespaces with their workloads. */
    retainOnDelete: RetainSpec;
}

/** Components at the top of an edge whose children a gateway component's names must not meet. */
const FIXED_COMPONENTS = ["metallb", "istio", "pki", "samples"];

function certificateRequests(spec: EdgeSpec) {
    return spec.gateways.flatMap((gw) => certificateHostGroups(gw.hosts, spec.pki.certificatePer).map((hosts) => spec.pki.certificatePer === "gateway"
        ? { gw, hosts, readableId: gw.name, identity: `gateway ${gw.name}` }
        : { gw, hosts, readableId: `${gw.name}-${hostSlug(hosts[0])}`, identity: `gateway ${gw.name}, host ${hosts[0]}` }));
}

/**
 * Every name the plan gives out, made unique: component names, certificate ids and secrets,
 * HTTPS port names per Gateway, VirtualService names and child keys.
 */
function planNames(spec: EdgeSpec) {
    // Only stacks with addons have the "observability" component: names of stacks without stay as they were.
    const fixed = [...FIXED_COMPONENTS, ...(addonHosts(spec).length > 0 ? ["observability"] : [])];
    const components = uniqueNames([
        ...fixed.map((c) => ({ identity: `component ${c}`, readable: c, fixed: true })),
        ...spec.gateways.map((gw) => ({ identity: `gateway ${gw.name}`, readable: gw.name })),
    ]).slice(fixed.length);

    const certs = certificateRequests(spec);
    // The CA's own resources are "<pki>-ca-key" and "<pki>-ca-cert": a leaf may not take id "ca".
    const ids = uniqueNames([
        { identity: "the CA", readable: "ca", fixed: true },
        ...certs.map((c) => ({ identity: c.identity, readable: c.readableId })),
    ]).slice(1);
    const secretNames = uniqueNames(certs.map((c) => ({ identity: c.identity, readable: `${c.readableId}-tls` })));
    const httpsPortNames = new Map<string, string>();
    for (const gw of spec.gateways) {
        const mine = certs.map((c, i) => ({ c, i })).filter(({ c }) => c.gw === gw);
        // Unique within one Gateway, as Istio requires.
        const names = uniqueNames(mine.map(({ c }) => ({
            identity: c.identity,
            readable: spec.pki.certificatePer === "gateway" ? `https-${gw.name}` : `https-${gw.name}-${hostSlug(c.hosts[0])}`,
        })));
        mine.forEach(({ i }, k) => httpsPortNames.set(String(i), names[k]));
    }

    const hostEntries = spec.gateways.flatMap((gw, g) => gw.hosts.map((host) => ({ g, gw, host, identity: `gateway ${gw.name}, host ${host}` })));
    const vsNames = uniqueNames(hostEntries.map((e) => ({ identity: e.identity, readable: `${e.gw.name}-${hostSlug(e.host)}` })));
    // Pulumi names of VirtualServices share one type across gateways: "<component>-vs-<slug>".
    const vsResourceNames = uniqueNames(hostEntries.map((e) => ({ identity: e.identity, readable: `${components[e.g]}-vs-${hostSlug(e.host)}` })));
    const vsByHost = new Map(hostEntries.map((e, i) => [e.identity, {
        name: vsNames[i],
        key: vsResourceNames[i].slice(components[e.g].length + 1),
    }]));

    return { components, certs, ids, secretNames, httpsPortNames, vsByHost };
}

function release(releaseName: string, namespace: string, repository: string, chart: string, version: string, values: Record<string, unknown>): PlannedRelease {
    return { releaseName, namespace, location: locateChart(repository, chart, version), values };
}

function virtualService(gw: GatewaySpec, namespace: string, host: string, routes: RouteSpec[], names: { name: string; key: string }): PlannedVirtualService {
    return {
        key: names.key,
        name: names.name,
        namespace,
        host,
        spec: {
            hosts: [host],
            gateways: [`${namespace}/${gatewayObjectName(gw.name)}`],
            http: routes.map((route) => ({
                name: route.name,
                match: [{ uri: { [route.match.kind]: route.match.path } }],
                route: [{ destination: { host: destinationHost(route), port: { number: route.destination.port } } }],
            })),
        },
    };
}

/** `host:port` for curl's --resolve and URLs: IPv6 addresses in brackets. */
export function addressForUrl(ip: string): string {
    return ip.includes(":") ? `[${ip}]` : ip;
}

/** A ready `curl` check of one endpoint on a gateway's IP, trusting only the edge's CA. */
export function curlCommand(endpoint: Pick<PlannedEndpoint, "probeHost" | "url">, ip: string): string {
    return `curl --resolve ${endpoint.probeHost}:443:${addressForUrl(ip)} --cacert ca.crt ${endpoint.url}`;
}

/** /etc/hosts lines: one per gateway IP with its hosts (wildcards cannot be listed there). */
export function etcHostsLines(gateways: { ips: string[]; hosts: string[] }[]): string[] {
    return gateways.flatMap((g) => g.ips.map((ip) => [ip, ...g.hosts.filter((h) => !h.startsWith("*."))]))
        .filter((line) => line.length > 1)
        .map((line) => line.join(" "));
}

function sharedL2(objects: MetallbObjects): { l2Advertisement?: { name: string; pools: string[] } } {
    const shared = objects.l2Advertisements.find((a) => a.name === SHARED_L2_ADVERTISEMENT);
    return shared ? { l2Advertisement: { name: shared.name, pools: shared.spec.ipAddressPools as string[] } } : {};
}

/** Turns a validated edge into the plan of every object. The spec must have passed validateEdge. */
export function planEdge(configured: EdgeSpec): EdgePlan {
    // Addon hosts are planned as hosts (and routes) of their gateway, like any configured host.
    const spec = withAddonRoutes(configured);
    const addons = planAddons(spec);
    const addonHostSet = new Set(addons?.addons.map((a) => a.host));
    const names = planNames(spec);
    const ns = spec.istio.gatewayNamespace;
    const probes = probeHosts(spec.gateways);

    const certificates: PlannedCertificate[] = names.certs.map((c, i) => ({
        id: names.ids[i],
        gateway: c.gw.name,
        hosts: c.hosts,
        secretName: names.secretNames[i],
        secretNamespace: ns,
        httpsPortName: names.httpsPortNames.get(String(i))!,
    }));

    const gateways = spec.gateways.map((gw, g): PlannedGateway => {
        const certs = certificates.filter((c) => c.gateway === gw.name);
        const servers: GatewayServer[] = [
            {
                port: { number: 80, name: httpPortName(gw.name), protocol: "HTTP" },
                hosts: [...gw.hosts],
                ...(gw.httpsRedirect ? { tls: { httpsRedirect: true } } : {}),
            },
            ...certs.map((cert) => ({
                port: { number: 443, name: cert.httpsPortName, protocol: "HTTPS" },
                hosts: [...cert.hosts],
                tls: { mode: "SIMPLE", credentialName: cert.secretName, minProtocolVersion: gw.minTlsVersion },
            })),
        ];
        const hostRoutes = routesByHost(gw);
        return {
            spec: gw,
            componentName: names.components[g],
            namespace: ns,
            release: release(gatewayReleaseName(gw.name), ns, spec.istio.repository, CHARTS.istioGateway.chart, spec.istio.version,
                gatewayChartValues(gw, spec.istio.values.gateway)),
            gateway: { name: gatewayObjectName(gw.name), namespace: ns, selector: gatewaySelector(gw.name), servers },
            // Source ranges twice: the Service's loadBalancerSourceRanges (where the load balancer
            // honours it) and an ALLOW policy on the gateway pods, which holds even where it does not.
            authorizationPolicy: gw.allowedSourceRanges ? {
                name: authorizationPolicyName(gw.name),
                namespace: ns,
                spec: {
                    selector: { matchLabels: gatewaySelector(gw.name) },
                    action: "ALLOW",
                    rules: [{ from: [{ source: { remoteIpBlocks: gw.allowedSourceRanges } }] }],
                },
            } : undefined,
            virtualServices: hostRoutes.filter((e) => e.routes.length > 0)
                .map((e) => virtualService(gw, ns, e.host, e.routes, names.vsByHost.get(`gateway ${gw.name}, host ${e.host}`)!))
                .map((vs) => (addonHostSet.has(vs.host) ? { ...vs, afterGateway: true } : vs)),
            certificates: certs,
            endpoints: hostRoutes.map(({ host, routes }) => {
                const probeHost = probes.get(host)!;
                const url = `https://${probeHost}${routes[0]?.match.path ?? "/"}`;
                return { host, probeHost, routed: routes.length > 0, url, curl: curlCommand({ probeHost, url }, gw.ips[0]) };
            }),
        };
    });

    const metallb = metallbObjects(spec.metallb.pools, spec.metallb.bgp, spec.metallb.namespace);

    // Gateway API mode builds the same planned gateways (hosts, routes, certificates) with other objects.
    const gatewayApi = spec.api === "gateway-api" ? planGatewayApi(spec, gateways) : undefined;

    const namespaces: PlannedNamespace[] = [
        {
            name: spec.metallb.namespace,
            roles: ["metallb.namespace"],
            // The speaker needs host networking and NET_RAW.
            labels: {
                "pod-security.kubernetes.io/enforce": "privileged",
                "pod-security.kubernetes.io/audit": "privileged",
                "pod-security.kubernetes.io/warn": "privileged",
            },
        },
        {
            name: spec.istio.namespace,
            roles: ["istio.namespace", ...(ns === spec.istio.namespace ? ["istio.gatewayNamespace"] : [])],
            labels: {},
        },
        ...(ns === spec.istio.namespace ? [] : [{ name: ns, roles: ["istio.gatewayNamespace"], labels: {} }]),
        ...spec.istio.meshNamespaces.map((name) => ({ name, roles: ["istio.meshNamespaces"], labels: { "istio-injection": "enabled" } })),
        ...(spec.samples.enabled ? [{ name: spec.samples.namespace, roles: ["samples.namespace"], labels: { "istio-injection": "enabled" } }] : []),
        ...(addons?.createNamespace ? [{ name: addons.namespace, roles: ["addons.namespace"], labels: {} }] : []),
    ];

    return {
        namespaces,
        metallb: {
            namespace: spec.metallb.namespace,
            release: release("metallb", spec.metallb.namespace, spec.metallb.repository, CHARTS.metallb.chart, spec.metallb.version, metallbValues(spec.metallb.values, usesBgp(spec))),
            pools: spec.metallb.pools.map((p) => ({ name: p.name, addresses: [...p.addresses], autoAssign: p.autoAssign, advertise: p.advertise ?? LAYER2_EVERYWHERE })),
            ...sharedL2(metallb),
            objects: metallb,
            bgp: usesBgp(spec),
        },
        istio: {
            namespace: spec.istio.namespace,
            gatewayNamespace: ns,
            base: release("istio-base", spec.istio.namespace, spec.istio.repository, CHARTS.istioBase.chart, spec.istio.version, istioBaseValues(spec.istio, spec.istio.values.base)),
            istiod: release("istiod", spec.istio.namespace, spec.istio.repository, CHARTS.istiod.chart, spec.istio.version,
                istiodValues(spec.istio, mergeIstiodValues(programIstiodValues(spec), spec.istio.values.istiod))),
            mtlsMode: spec.istio.mtlsMode,
            programIstiodValues: programIstiodValues(spec),
        },
        certificates,
        gateways,
        samples: spec.samples.enabled ? { namespace: spec.samples.namespace } : undefined,
        etcHosts: etcHostsLines(gateways.map((g) => g.spec)),
        retainOnDelete: { ...RETAIN_DEFAULTS, ...(spec.retainOnDelete ?? {}) },
        ...(addons ? { addons } : {}),
        ...(gatewayApi ? { gatewayApi } : {}),
    };
}
