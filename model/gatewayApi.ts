// Gateway API mode (`api: gateway-api`): the same edge as Istio mode — the same gateways, IPs,
// hosts, certificates and routes — as Kubernetes Gateway API objects implemented by Istio
// (gatewayClassName "istio": istiod deploys each gateway's Deployment and Service itself).
// Pure: the objects are derived from the planned gateways, so both modes serve one plan.
import { CHARTS, GATEWAY_API_CRDS, gatewayApiManifestFile, isLocalRepository } from "./charts";
import { withAddonRoutes } from "./addons";
import { clusterLocalNamespace } from "./hosts";
import { certificateHostGroups, hostSlug, uniqueNames } from "./names";
import { routesByHost } from "./routes";
import type { EdgeSpec, GatewayApiSpec, GatewaySpec, RouteSpec } from "./types";
import { METALLB_IP_ANNOTATION, antiAffinity, isMap, serviceIpFamilies } from "./values";
import { compareVersions, parseVersion } from "./versions";

const show = (value: unknown) => JSON.stringify(value);

export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
/** The GatewayClass istiod creates and serves (controller istio.io/gateway-controller). */
export const ISTIO_GATEWAY_CLASS = "istio";
/** Versions of the objects the program writes: served by every CRD release it accepts (v1.2.0 on). */
export const GATEWAY_API_VERSIONS = { Gateway: "v1", HTTPRoute: "v1", ReferenceGrant: "v1beta1" } as const;

/** Limits of the v1.5.1 CRDs (maxItems) that decide how objects are split. */
export const GATEWAY_API_LIMITS = { listeners: 64, rulesPerRoute: 16, hostnamesPerRoute: 16 } as const;

// ---------------------------------------------------------------------------------------------
// Versions

/**
 * The Gateway API release each Istio minor version is built against (istio/istio go.mod at each
 * release). Istio reads CRDs of that release and older ones; a newer release may serve API
 * versions and fields it does not know.
 */
export const ISTIO_GATEWAY_API: Record<string, string> = {
    "1.22": "v1.1", "1.23": "v1.1", "1.24": "v1.2", "1.25": "v1.2", "1.26": "v1.3", "1.27": "v1.3",
    "1.28": "v1.4", "1.29": "v1.4", "1.30": "v1.5", "1.31": "v1.6",
};
/** The oldest CRD release whose standard channel has Gateway `spec.infrastructure` (the MetalLB IP and parametersRef). */
export const MIN_GATEWAY_API_CRDS = "v1.2.0";

const compare = compareVersions;

/** The Istio minor versions built against a Gateway API minor release ("v1.5" → ["1.30"]). */
function istioMinorsFor(apiMinor: string): string[] {
    return Object.entries(ISTIO_GATEWAY_API).filter(([, api]) => api === apiMinor).map(([istio]) => istio);
}

/**
 * Problems of Istio and CRD versions in Gateway API mode: CRDs older than the features the
 * program writes, an Istio too old for the CRDs, CRDs newer than the chosen Istio reads.
 */
export function gatewayApiVersionProblems(spec: Pick<EdgeSpec, "istio">, crds: GatewayApiSpec["crds"]): string[] {
    const istio = parseVersion(spec.istio.version);
    const api = parseVersion(crds.version);
    if (!istio || !api) return [];
    const problems: string[] = [];
    const minimum = parseVersion(MIN_GATEWAY_API_CRDS)!;
    if (compare(api, minimum) < 0) {
        problems.push(`gatewayApi.crds.version: ${show(crds.version)} is too old: Gateway spec.infrastructure (where the MetalLB IP and the sizing overlays go) is in the standard channel from ${MIN_GATEWAY_API_CRDS} on; use ${show(GATEWAY_API_CRDS.version)}`);
        return problems;
    }
    const minor = `${istio[0]}.${istio[1]}`;
    const built = ISTIO_GATEWAY_API[minor];
    const oldestIstio = Object.keys(ISTIO_GATEWAY_API).find((m) => compare(parseVersion(ISTIO_GATEWAY_API[m])!, minimum) >= 0)!;
    // An Istio built against a release older than the program needs has no Gateway API mode here:
    // any CRD release it reads is one the program refuses.
    if (!built || compare(parseVersion(built)!, minimum) < 0) {
        // Newer than every Istio we know: nothing to hold it against. Older: no Gateway API mode.
        if (compare(istio, parseVersion(oldestIstio)!) < 0) {
            problems.push(`istio.version: ${show(spec.istio.version)} is too old for gateway-api mode, which needs Istio ${oldestIstio} or later (built against Gateway API ${MIN_GATEWAY_API_CRDS.replace(/\.0$/, "")}); use istio.version ${show(defaultIstio())}, or api "istio"`);
        }
        return problems;
    }
    const builtVersion = parseVersion(built)!;
    if (api[0] > builtVersion[0] || (api[0] === builtVersion[0] && api[1] > builtVersion[1])) {
        const apiMinor = `v${api[0]}.${api[1]}`;
        const istioForCrds = istioMinorsFor(apiMinor);
        const needs = istioForCrds.length > 0 ? `Istio ${istioForCrds[0]} or later` : "a newer Istio";
        if (crds.version === GATEWAY_API_CRDS.version) {
            problems.push(`istio.version: ${show(spec.istio.version)} is older than the Istio the Gateway API CRDs ${crds.version} need (${needs}, built against ${apiMinor}); use istio.version ${show(defaultIstio())}, or set gatewayApi.crds.version to a ${built} release Istio ${minor} reads`);
        } else {
            problems.push(`gatewayApi.crds.version: ${show(crds.version)} is newer than the Gateway API Istio ${spec.istio.version} reads (it is built against ${built}; ${apiMinor} needs ${needs}); use a ${built} release such as ${show(GATEWAY_API_CRDS.version.startsWith(`${built}.`) ? GATEWAY_API_CRDS.version : `${built}.0`)}, or raise istio.version`);
        }
    }
    return problems;
}

/** The pinned Istio version, for messages. */
const defaultIstio = (): string => CHARTS.istiod.version;

// ---------------------------------------------------------------------------------------------
// Paths: Istio's string prefix against Gateway API's PathPrefix (whole path segments)

/**
 * Why Gateway API refuses `path` as an Exact or PathPrefix value (the CRD's validation rules),
 * or undefined when it accepts it.
 */
export function gatewayApiPathProblem(path: string): string | undefined {
    if (path.length > 1024) return "is longer than 1024 characters";
    for (const bad of ["//", "/./", "/../", "%2f", "%2F", "#"]) if (path.includes(bad)) return `contains ${show(bad)}`;
    for (const bad of ["/..", "/."]) if (path.endsWith(bad)) return `ends with ${show(bad)}`;
    if (!/^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$/.test(path)) return "has characters a Gateway API path may not have (allowed: letters, digits, -/._~!$&'()*+,;=:@ and %XX escapes)";
    return undefined;
}

/** Istio's `prefix`: a plain string prefix. */
const istioMatches = (route: RouteSpec, path: string) => route.match.kind === "exact" ? path === route.match.path : path.startsWith(route.match.path);

/** Gateway API PathPrefix as Istio implements it: a trailing "/" is dropped, then whole segments match. */
function segmentPrefix(prefix: string): string {
    return prefix === "/" ? "/" : prefix.replace(/\/$/, "");
}
function gatewayMatches(route: RouteSpec, path: string): boolean {
    if (route.match.kind === "exact") return path === route.match.path;
    const p = segmentPrefix(route.match.path);
    return p === "/" || path === p || path.startsWith(`${p}/`);
}

/** The route Istio mode sends `path` to: the first match in plan order (exact, then longer prefixes). */
function istioRoute(routes: RouteSpec[], path: string): RouteSpec | undefined {
    return routes.find((r) => istioMatches(r, path));
}

/**
 * The route Gateway API mode sends `path` to: an Exact match, else the matching PathPrefix with
 * the most characters (after the trailing "/" is dropped); ties go to the earlier rule.
 */
function gatewayRoute(routes: RouteSpec[], path: string): RouteSpec | undefined {
    const exact = routes.find((r) => r.match.kind === "exact" && r.match.path === path);
    if (exact) return exact;
    let best: RouteSpec | undefined;
    for (const r of routes) {
        if (r.match.kind !== "prefix" || !gatewayMatches(r, path)) continue;
        if (!best || segmentPrefix(r.match.path).length > segmentPrefix(best.match.path).length) best = r;
    }
    return best;
}

const destinationOf = (r: RouteSpec | undefined) => r ? `${r.destination.host}|${r.destination.namespace}|${r.destination.port}` : "";

/**
 * The paths on which Istio's and Gateway API's matching can differ for these routes: each path,
 * it without and with a trailing "/", and each followed by a character no configured path uses
 * (so it stands for every continuation the configured paths do not name).
 */
function probePaths(routes: RouteSpec[]): string[] {
    const used = new Set(routes.flatMap((r) => [...r.match.path]));
    const extra = ["x", "z", "q", "0", "~", "!"].find((c) => !used.has(c)) ?? "x";
    const paths = new Set<string>(["/", `/${extra}`]);
    for (const r of routes) {
        const p = r.match.path;
        const bare = segmentPrefix(p);
        for (const base of [p, bare, bare === "/" ? "/" : `${bare}/`]) {
            paths.add(base);
            paths.add(`${base}${extra}`);
        }
    }
    return [...paths];
}

/**
 * Routes of one host whose meaning would change under Gateway API's PathPrefix: a request Istio
 * mode sends to one destination that Gateway API mode would send to another, or to none.
 * A request Istio mode answers with 404 (no route) that a PathPrefix written with a trailing "/"
 * now serves — "/v1/" also matches "/v1" — is the one widening accepted: no route loses traffic.
 */
export function pathPrefixProblems(gw: GatewaySpec, g: number): string[] {
    const problems = new Map<number, string>();
    const label = (r: RouteSpec) => `route ${show(r.name)}`;
    for (const { host, routes } of routesByHost(gw)) {
        if (!routes.some((r) => r.match.kind === "prefix" && r.match.path !== "/")) continue;
        for (const path of probePaths(routes)) {
            const before = istioRoute(routes, path);
            const after = gatewayRoute(routes, path);
            if (!before || destinationOf(before) === destinationOf(after)) continue;
            const index = (r: RouteSpec) => gw.routes.indexOf(r);
            const where = after ? `to ${label(after)}` : "nowhere (404)";
            if (!gatewayMatches(before, path)) {
                // Istio's string prefix reaches further than whole segments do.
                problems.set(index(before), `gateways[${g}].routes[${index(before)}].match.prefix: ${show(before.match.path)} matches ${show(path)} on host ${show(host)} in Istio mode (a plain string prefix), ` +
                    `but Gateway API's PathPrefix matches whole path segments only (${show(segmentPrefix(before.match.path))}, ${show(`${segmentPrefix(before.match.path)}/…`)}), so in gateway-api mode ${show(path)} would go ${where}; ` +
                    `add a route for the longer paths it should keep (e.g. { "prefix": ${show(path)} }) or make the prefix end at a segment ("${segmentPrefix(before.match.path)}/"), or keep api "istio"`);
            } else if (after && after.match.kind === "prefix" && !istioMatches(after, path)) {
                // A prefix written with a trailing "/" also matches the path without it.
                problems.set(index(after), `gateways[${g}].routes[${index(after)}].match.prefix: ${show(after.match.path)} also matches ${show(path)} under Gateway API's PathPrefix (a trailing "/" is ignored), ` +
                    `which Istio mode sends to ${label(before)} on host ${show(host)}; add { "exact": ${show(path)} } to ${label(before)}'s destination, or keep api "istio"`);
            } else if (after) {
                problems.set(index(after), `gateways[${g}].routes[${index(after)}].match.prefix: ${show(after.match.path)} and ${label(before)}'s ${show(before.match.path)} are the same PathPrefix in Gateway API (a trailing "/" is ignored) but go to different destinations on host ${show(host)}; ` +
                    `give them one destination or distinct paths, or keep api "istio"`);
            }
        }
    }
    return [...problems.entries()].sort(([a], [b]) => a - b).map(([, p]) => p);
}

// ---------------------------------------------------------------------------------------------
// Destinations

/** The Service a route goes to: a short name in its namespace, or a cluster-local full name. */
export function backendOf(route: Pick<RouteSpec, "destination">): { name: string; namespace: string; port: number } | undefined {
    const { host, namespace, port } = route.destination;
    if (!host.includes(".")) return { name: host, namespace, port };
    const full = clusterLocalNamespace(host);
    return full ? { name: host.split(".")[0], namespace: full, port } : undefined;
}

/** Every problem of an edge in Gateway API mode (empty in Istio mode). */
export function gatewayApiProblems(spec: EdgeSpec): string[] {
    if ((spec.api ?? "istio") !== "gateway-api") return [];
    const crds = spec.gatewayApi?.crds ?? { manage: true, version: GATEWAY_API_CRDS.version, repository: GATEWAY_API_CRDS.repository };
    const problems = gatewayApiVersionProblems(spec, crds);
    if (Object.keys(spec.istio.values.gateway).length > 0) {
        problems.push(`istio.values.gateway: ${show(Object.keys(spec.istio.values.gateway))} are values of the gateway chart, which gateway-api mode does not install (istiod deploys the gateways); remove them, or keep api "istio"`);
    }
    const servedHosts = new Map(withAddonRoutes(spec).gateways.map((gw) => [gw.name, gw.hosts]));
    spec.gateways.forEach((gw, g) => {
        if (/^[0-9]/.test(gw.name)) {
            problems.push(`gateways[${g}].name: ${show(gw.name)} starts with a digit; in gateway-api mode istiod names the gateway's Service ${show(`${gw.name}-${ISTIO_GATEWAY_CLASS}`)}, and a Service name must start with a letter; rename the gateway, e.g. ${show(`gw-${gw.name}`)}`);
        }
        // Addon hosts become listeners of the addon gateway too: counted as listenersOf writes them.
        const served = servedHosts.get(gw.name) ?? gw.hosts;
        const listeners = 1 + certificateHostGroups(served, spec.pki.certificatePer).length;
        if (listeners > GATEWAY_API_LIMITS.listeners) {
            problems.push(`gateways[${g}].hosts: ${served.length} hosts${served.length > gw.hosts.length ? ` (addons included)` : ""} make ${listeners} listeners (one for HTTP and one per certificate, here one per host), but a Gateway has at most ${GATEWAY_API_LIMITS.listeners}; ` +
                `spread the hosts over more gateways, set pki.certificatePer to "gateway" (one certificate, one HTTPS listener for all of a gateway's hosts), or keep api "istio"`);
        }
        gw.routes.forEach((route, r) => {
            // A path that is no path at all is already reported once (model/validate.ts).
            const problem = /^\/[^\s?#]*$/.test(route.match.path) ? gatewayApiPathProblem(route.match.path) : undefined;
            if (problem) {
                problems.push(`gateways[${g}].routes[${r}].match.${route.match.kind}: ${show(route.match.path)} ${problem}, which Gateway API refuses; write the path without it, or keep api "istio"`);
            }
            if (!backendOf(route)) {
                problems.push(`gateways[${g}].routes[${r}].destination.host: ${show(route.destination.host)} is not a Kubernetes Service; gateway-api mode routes to Services only (a name such as "web" with its namespace, or "web.apps.svc.cluster.local"); keep api "istio" for other destinations`);
            }
        });
        problems.push(...pathPrefixProblems(gw, g));
    });
    return problems;
}

// ---------------------------------------------------------------------------------------------
// The plan

/** Names of a gateway's Gateway API objects, and of what istiod deploys for it. */
export const gatewayApiNames = {
    gateway: (gateway: string) => gateway,
    /** istiod's Deployment, Service, ServiceAccount, HPA and PDB: `<gateway>-<class>`. */
    deployment: (gateway: string) => `${gateway}-${ISTIO_GATEWAY_CLASS}`,
    options: (gateway: string) => `${gateway}-${ISTIO_GATEWAY_CLASS}-options`,
    authorizationPolicy: (gateway: string) => `${gateway}-${ISTIO_GATEWAY_CLASS}-allowed-sources`,
    referenceGrant: (gateway: string, gatewayNamespace: string) => `${gateway}-routes-from-${gatewayNamespace}`,
    httpListener: "http",
};

export interface PlannedListener {
    name: string;
    port: number;
    protocol: "HTTP" | "HTTPS";
    hostname?: string;
    tls?: { mode: "Terminate"; certificateRefs: { group: ""; kind: "Secret"; name: string }[] };
    allowedRoutes: { namespaces: { from: "Same" }; kinds: { group: string; kind: "HTTPRoute" }[] };
}

export interface PlannedHttpRoute {
    /** Child resource name, relative to the gateway component. */
    key: string;
    name: string;
    namespace: string;
    /** The host it routes (undefined for the HTTP → HTTPS redirect). */
    host?: string;
    spec: {
        parentRefs: { group: string; kind: "Gateway"; name: string; namespace: string; sectionName: string }[];
        hostnames: string[];
        rules: Record<string, unknown>[];
    };
}

export interface PlannedReferenceGrant {
    key: string;
    name: string;
    namespace: string;
    spec: { from: { group: string; kind: "HTTPRoute"; namespace: string }[]; to: { group: ""; kind: "Service"; name: string }[] };
}

export interface PlannedGatewayApiGateway {
    /** The configured gateway's name (also the Gateway's). */
    name: string;
    namespace: string;
    gateway: { name: string; namespace: string; listeners: PlannedListener[] };
    /** The Deployment and Service istiod deploys for the Gateway. */
    deploymentName: string;
    /** ConfigMap of Istio overlays (referred to by spec.infrastructure.parametersRef). */
    options: { name: string; namespace: string };
    authorizationPolicy?: { name: string; namespace: string; spec: Record<string, unknown> };
    routes: PlannedHttpRoute[];
    referenceGrants: PlannedReferenceGrant[];
}

/** What the Gateway API objects are planned from: a planned gateway's spec and certificates (plan.ts's PlannedGateway). */
export interface GatewayPlanSource {
    spec: GatewaySpec;
    certificates: { hosts: string[]; secretName: string }[];
}

export interface GatewayApiPlan {
    /** The CRD manifest to install; undefined when the CRDs are managed elsewhere. */
    crds?: { version: string; channel: string; file: string };
    /** The CRD release the cluster has (installed here or elsewhere). */
    crdVersion: string;
    /** istiod values: Istio applies a Gateway API listener's minimum TLS version mesh-wide. */
    istiodValues: Record<string, unknown>;
    /** The minimum TLS version of every gateway: the strictest configured (there is no per-listener setting). */
    minTlsVersion: GatewaySpec["minTlsVersion"];
    /** One per planned gateway, in the same order. */
    gateways: PlannedGatewayApiGateway[];
}

/** The minimum TLS version of every Gateway API listener: the strictest configured (Istio has no per-listener setting). */
export function gatewayApiMinTls(spec: Pick<EdgeSpec, "gateways">): GatewaySpec["minTlsVersion"] {
    return spec.gateways.some((g) => g.minTlsVersion === "TLSV1_3") ? "TLSV1_3" : "TLSV1_2";
}

/** istiod values gateway-api mode needs: Istio applies the listeners' minimum TLS version mesh-wide. */
export function gatewayApiIstiodValues(spec: Pick<EdgeSpec, "gateways">): Record<string, unknown> {
    return { meshConfig: { tlsDefaults: { minProtocolVersion: gatewayApiMinTls(spec) } } };
}

/** Where the CRD manifest comes from: `<repository>/<version>/standard-install.yaml`, or the file in a local folder. */
export function gatewayApiManifestLocation(crds: GatewayApiSpec["crds"], channel: string = GATEWAY_API_CRDS.channel): string {
    const repository = crds.repository.replace(/\/+$/, "");
    return isLocalRepository(crds.repository)
        ? `${repository}/${gatewayApiManifestFile(crds.version, channel)}`
        : `${repository}/${crds.version}/${channel}-install.yaml`;
}

const chunks = <T>(items: T[], size: number): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * The listeners of one Gateway: `http` on 80, and one HTTPS listener per certificate (the
 * grouping of {@link certificateHostGroups}): with the host as its hostname when the certificate
 * is for one host, without a hostname (every host of the Gateway) when it is the gateway's one
 * certificate. The limit check counts the same groups.
 */
function listenersOf(planned: GatewayPlanSource): { listeners: PlannedListener[]; byHost: Map<string, string> } {
    const kinds = [{ group: GATEWAY_API_GROUP, kind: "HTTPRoute" as const }];
    // Our routes live in the gateway namespace, so listeners admit routes from there only.
    const allowedRoutes = { namespaces: { from: "Same" as const }, kinds };
    const certs = planned.certificates.filter((c) => c.hosts.some((h) => planned.spec.hosts.includes(h)));
    const names = uniqueNames([
        { identity: "listener http", readable: gatewayApiNames.httpListener, fixed: true },
        ...certs.map((cert) => cert.hosts.length === 1
            ? { identity: `host ${cert.hosts[0]}`, readable: `https-${hostSlug(cert.hosts[0])}` }
            : { identity: `certificate ${cert.secretName}`, readable: "https" }),
    ]).slice(1);
    const listeners: PlannedListener[] = [
        { name: gatewayApiNames.httpListener, port: 80, protocol: "HTTP", allowedRoutes },
        ...certs.map((cert, i): PlannedListener => ({
            name: names[i],
            port: 443,
            protocol: "HTTPS",
            ...(cert.hosts.length === 1 ? { hostname: cert.hosts[0] } : {}),
            tls: { mode: "Terminate", certificateRefs: [{ group: "", kind: "Secret", name: cert.secretName }] },
            allowedRoutes,
        })),
    ];
    const byHost = new Map(certs.flatMap((cert, i) => cert.hosts.map((host): [string, string] => [host, names[i]])));
    return { listeners, byHost };
}

function rulesOf(routes: RouteSpec[]): Record<string, unknown>[] {
    return routes.map((route) => {
        const backend = backendOf(route)!;
        return {
            matches: [{ path: { type: route.match.kind === "exact" ? "Exact" : "PathPrefix", value: route.match.path } }],
            backendRefs: [{ group: "", kind: "Service", name: backend.name, namespace: backend.namespace, port: backend.port }],
        };
    });
}

/**
 * The Gateway API objects of every planned gateway: a Gateway per gateway (HTTP listener, one
 * HTTPS listener per host with its certificate), HTTPRoutes per host (at most 16 rules each, the
 * order of the VirtualServices'), an HTTP → HTTPS redirect, ReferenceGrants for routes to other
 * namespaces. Hosts, routes and certificates are the planned gateways' own.
 */
export function planGatewayApi(spec: EdgeSpec, gateways: GatewayPlanSource[]): GatewayApiPlan {
    const crds = spec.gatewayApi?.crds ?? { manage: true, version: GATEWAY_API_CRDS.version, repository: GATEWAY_API_CRDS.repository };
    const ns = spec.istio.gatewayNamespace;

    const routeRequests = gateways.flatMap((planned, g) => {
        const byHost = routesByHost(planned.spec).filter((e) => e.routes.length > 0);
        const perHost = byHost.flatMap((e) => chunks(e.routes, GATEWAY_API_LIMITS.rulesPerRoute).map((part, c) => ({
            g, host: e.host, routes: part, identity: `gateway ${planned.spec.name}, host ${e.host}, part ${c}`,
            readable: `${planned.spec.name}-${hostSlug(e.host)}${c > 0 ? `-${c + 1}` : ""}`,
        })));
        const redirects = planned.spec.httpsRedirect
            ? chunks(planned.spec.hosts, GATEWAY_API_LIMITS.hostnamesPerRoute).map((hosts, c) => ({
                g, host: undefined as string | undefined, hosts, routes: [] as RouteSpec[], identity: `gateway ${planned.spec.name}, redirect ${c}`,
                readable: `${planned.spec.name}-https-redirect${c > 0 ? `-${c + 1}` : ""}`,
            }))
            : [];
        return [...perHost.map((p) => ({ ...p, hosts: [p.host] as string[] })), ...redirects];
    });
    // HTTPRoutes of every gateway share the gateway namespace: one name space for all of them.
    const routeNames = uniqueNames(routeRequests.map((r) => ({ identity: r.identity, readable: r.readable })));

    const planned = gateways.map((gw, g): PlannedGatewayApiGateway => {
        const name = gatewayApiNames.gateway(gw.spec.name);
        const { listeners, byHost } = listenersOf(gw);
        const parent = (sectionName: string) => ({ group: GATEWAY_API_GROUP, kind: "Gateway" as const, name, namespace: ns, sectionName });
        const routes = routeRequests.map((r, i) => ({ r, name: routeNames[i] })).filter(({ r }) => r.g === g).map(({ r, name: routeName }): PlannedHttpRoute => {
            if (r.host === undefined) {
                return {
                    key: `httproute-${routeName}`, name: routeName, namespace: ns,
                    spec: {
                        parentRefs: [parent(gatewayApiNames.httpListener)],
                        hostnames: r.hosts,
                        rules: [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }],
                    },
                };
            }
            // Without the redirect, port 80 serves the same routes as 443 (as Istio mode's HTTP server does).
            const sections = [byHost.get(r.host)!, ...(gw.spec.httpsRedirect ? [] : [gatewayApiNames.httpListener])];
            return {
                key: `httproute-${routeName}`, name: routeName, namespace: ns, host: r.host,
                spec: { parentRefs: sections.map(parent), hostnames: [r.host], rules: rulesOf(r.routes) },
            };
        });
        // Backends in other namespaces need their namespace's consent: one grant per namespace, naming the Services.
        const services = new Map<string, Set<string>>();
        for (const route of gw.spec.routes) {
            const backend = backendOf(route);
            if (!backend || backend.namespace === ns) continue;
            services.set(backend.namespace, (services.get(backend.namespace) ?? new Set()).add(backend.name));
        }
        const grantName = gatewayApiNames.referenceGrant(gw.spec.name, ns);
        const referenceGrants = [...services.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([namespace, names]): PlannedReferenceGrant => ({
            key: `grant-${namespace}`,
            name: grantName,
            namespace,
            spec: {
                from: [{ group: GATEWAY_API_GROUP, kind: "HTTPRoute", namespace: ns }],
                to: [...names].sort().map((service) => ({ group: "" as const, kind: "Service" as const, name: service })),
            },
        }));
        return {
            name,
            namespace: ns,
            gateway: { name, namespace: ns, listeners },
            deploymentName: gatewayApiNames.deployment(name),
            options: { name: gatewayApiNames.options(gw.spec.name), namespace: ns },
            // Attached to the Gateway itself: istiod applies it to the pods it deploys for it.
            authorizationPolicy: gw.spec.allowedSourceRanges ? {
                name: gatewayApiNames.authorizationPolicy(gw.spec.name),
                namespace: ns,
                spec: {
                    targetRefs: [{ group: GATEWAY_API_GROUP, kind: "Gateway", name }],
                    action: "ALLOW",
                    rules: [{ from: [{ source: { remoteIpBlocks: gw.spec.allowedSourceRanges } }] }],
                },
            } : undefined,
            routes,
            referenceGrants,
        };
    });

    const minTlsVersion = gatewayApiMinTls(spec);
    return {
        crds: crds.manage ? { version: crds.version, channel: GATEWAY_API_CRDS.channel, file: gatewayApiManifestLocation(crds) } : undefined,
        crdVersion: crds.version,
        istiodValues: gatewayApiIstiodValues(spec),
        minTlsVersion,
        gateways: planned,
    };
}

// ---------------------------------------------------------------------------------------------
// What depends on the IPs (known, for args, only at deploy time)

/** The Gateway's spec for its IPs: MetalLB's annotation through spec.infrastructure, never spec.addresses. */
export function gatewayApiGatewaySpec(planned: PlannedGatewayApiGateway, ips: string[]): Record<string, unknown> {
    return {
        gatewayClassName: ISTIO_GATEWAY_CLASS,
        listeners: planned.gateway.listeners,
        infrastructure: {
            // spec.addresses would become spec.loadBalancerIP, which MetalLB refuses beside its annotation.
            annotations: { [METALLB_IP_ANNOTATION]: ips.join(",") },
            parametersRef: { group: "", kind: "ConfigMap", name: planned.options.name },
        },
    };
}

/** The pod label istiod gives a Gateway's pods (and selects them by). */
export const GATEWAY_NAME_LABEL = `${GATEWAY_API_GROUP}/gateway-name`;

/**
 * Istio's overlays (strategic merge patches, as YAML) for what istiod deploys: the Service's
 * traffic policy, IP families and source ranges; replicas, resources and anti-affinity of the
 * Deployment; an HPA and a PDB only when asked for (istiod renders those two only from an overlay).
 */
export function gatewayApiOverlays(gw: GatewaySpec, ips: string[], gatewayName: string): Record<string, string> {
    const selector = { [GATEWAY_NAME_LABEL]: gatewayName };
    const affinity = antiAffinity(gw.podAntiAffinity, selector);
    const data: Record<string, unknown> = {
        service: {
            spec: {
                externalTrafficPolicy: gw.externalTrafficPolicy,
                ...serviceIpFamilies(ips),
                ...(gw.allowedSourceRanges ? { loadBalancerSourceRanges: gw.allowedSourceRanges } : {}),
            },
        },
        deployment: {
            spec: {
                // An HPA owns the replica count when autoscaling.
                ...(gw.autoscaling ? {} : { replicas: gw.replicas }),
                template: {
                    spec: {
                        ...(Object.keys(affinity).length > 0 ? { affinity } : {}),
                        containers: [{ name: "istio-proxy", resources: gw.resources }],
                    },
                },
            },
        },
        ...(gw.autoscaling ? {
            horizontalPodAutoscaler: {
                spec: {
                    minReplicas: gw.autoscaling.minReplicas,
                    maxReplicas: gw.autoscaling.maxReplicas,
                    metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: gw.autoscaling.targetCPUUtilizationPercentage } } }],
                },
            },
        } : {}),
        ...(gw.replicas > 1 ? { podDisruptionBudget: { spec: { minAvailable: 1 } } } : {}),
    };
    return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, toYaml(value)]));
}

/**
 * Plain data as block YAML (what the overlays are written in): maps and lists nest, strings are
 * double-quoted, keys stay plain when they can.
 */
export function toYaml(value: unknown, indent = 0): string {
    const pad = " ".repeat(indent);
    const scalar = (v: unknown) => (typeof v === "string" ? JSON.stringify(v) : String(v));
    const key = (k: string) => (/^[A-Za-z_][A-Za-z0-9_.\/-]*$/.test(k) ? k : JSON.stringify(k));
    const block = (v: unknown) => (isMap(v) && Object.keys(v).length > 0) || (Array.isArray(v) && v.length > 0);
    if (isMap(value)) {
        return Object.entries(value).map(([k, v]) => block(v)
            ? `${pad}${key(k)}:\n${toYaml(v, indent + 2)}`
            : `${pad}${key(k)}: ${isMap(v) ? "{}" : Array.isArray(v) ? "[]" : scalar(v)}\n`).join("");
    }
    if (Array.isArray(value)) {
        return value.map((item) => {
            if (!block(item)) return `${pad}- ${isMap(item) ? "{}" : Array.isArray(item) ? "[]" : scalar(item)}\n`;
            const inner = toYaml(item, indent + 2);
            return Array.isArray(item) ? `${pad}-\n${inner}` : `${pad}- ${inner.slice(indent + 2)}`;
        }).join("");
    }
    return `${pad}${scalar(value)}\n`;
}
