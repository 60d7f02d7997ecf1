// Kubernetes Gateway API objects of a stack (gateway.networking.k8s.io Gateway, HTTPRoute,
// ReferenceGrant) and the Gateway API rules about them: hostname intersection, which listeners
// admit a route, which cross-namespace references a ReferenceGrant allows.
import { hostsIntersect } from "./istio";
import { StackModel, StackResource, known, nameOf, namespaceOf } from "./model";

export const GATEWAY_API_GROUP = "gateway.networking.k8s.io";
export const K8S_GATEWAY_TYPE = /^kubernetes:gateway\.networking\.k8s\.io\/(v1|v1beta1):Gateway$/;
export const HTTP_ROUTE_TYPE = /^kubernetes:gateway\.networking\.k8s\.io\/(v1|v1beta1):HTTPRoute$/;
export const REFERENCE_GRANT_TYPE = /^kubernetes:gateway\.networking\.k8s\.io\/(v1|v1beta1|v1alpha2):ReferenceGrant$/;

const asArray = <T>(value: unknown): T[] => (Array.isArray(value) ? value : []);
const asRecord = (value: unknown): Record<string, any> => (value && typeof value === "object" && !Array.isArray(value) ? value as Record<string, any> : {});

export interface Listener {
    name?: string;
    port?: number;
    protocol?: string;
    hostname?: string;
    tls?: { mode?: string; certificateRefs?: { group?: string; kind?: string; name?: string; namespace?: string }[] };
    allowedRoutes?: {
        namespaces?: { from?: string; selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } };
        kinds?: { group?: string; kind?: string }[];
    };
}

export interface K8sGateway {
    resource: StackResource;
    namespace: string;
    name?: string;
    className?: string;
    listeners: Listener[];
    addresses: { type?: string; value?: string }[];
    infrastructure: { labels?: Record<string, string>; annotations?: Record<string, string>; parametersRef?: { group?: string; kind?: string; name?: string } } | undefined;
    annotations: Record<string, string>;
}

export interface ParentRef {
    group?: string;
    kind?: string;
    namespace?: string;
    name?: string;
    sectionName?: string;
    port?: number;
}

export interface HttpRouteObject {
    resource: StackResource;
    namespace: string;
    name?: string;
    parentRefs: ParentRef[];
    hostnames: string[];
    rules: { backendRefs?: { group?: string; kind?: string; name?: string; namespace?: string; port?: number }[] }[];
}

export interface ReferenceGrantObject {
    namespace: string;
    from: { group?: string; kind?: string; namespace?: string }[];
    to: { group?: string; kind?: string; name?: string }[];
}

const cache = new WeakMap<StackModel, GatewayApiModel>();

export class GatewayApiModel {
    readonly gateways: K8sGateway[];
    readonly routes: HttpRouteObject[];
    readonly grants: ReferenceGrantObject[];
    private readonly byId: Map<string, K8sGateway>;
    private readonly grantsByNamespace = new Map<string, ReferenceGrantObject[]>();

    static of(model: StackModel): GatewayApiModel {
        let api = cache.get(model);
        if (!api) {
            api = new GatewayApiModel(model.resources);
            cache.set(model, api);
        }
        return api;
    }

    constructor(resources: StackResource[]) {
        this.gateways = resources.filter((r) => K8S_GATEWAY_TYPE.test(r.type)).map((r) => {
            const spec = asRecord(known(() => r.props.spec));
            return {
                resource: r,
                namespace: namespaceOf(r.props),
                name: nameOf(r.props),
                className: typeof spec.gatewayClassName === "string" ? spec.gatewayClassName : undefined,
                listeners: asArray<Listener>(spec.listeners),
                addresses: asArray<any>(spec.addresses),
                infrastructure: spec.infrastructure ? asRecord(spec.infrastructure) : undefined,
                annotations: asRecord(known(() => r.props.metadata?.annotations)),
            };
        });
        this.byId = new Map(this.gateways.map((g) => [`${g.namespace}/${g.name ?? g.resource.name}`, g]));
        this.routes = resources.filter((r) => HTTP_ROUTE_TYPE.test(r.type)).map((r) => {
            const spec = asRecord(known(() => r.props.spec));
            return {
                resource: r,
                namespace: namespaceOf(r.props),
                name: nameOf(r.props),
                parentRefs: asArray<ParentRef>(spec.parentRefs),
                hostnames: asArray<string>(spec.hostnames),
                rules: asArray<any>(spec.rules),
            };
        });
        this.grants = resources.filter((r) => REFERENCE_GRANT_TYPE.test(r.type)).map((r) => {
            const spec = asRecord(known(() => r.props.spec));
            return { namespace: namespaceOf(r.props), from: asArray<any>(spec.from), to: asArray<any>(spec.to) };
        });
        for (const g of this.grants) {
            const list = this.grantsByNamespace.get(g.namespace);
            if (list) list.push(g);
            else this.grantsByNamespace.set(g.namespace, [g]);
        }
    }

    gateway(namespace: string, name: string): K8sGateway | undefined {
        return this.byId.get(`${namespace}/${name}`);
    }

    /**
     * Whether a ReferenceGrant in the target's namespace lets an object of (fromGroup, fromKind)
     * in fromNamespace refer to (toGroup, toKind, toName) there. Same-namespace references need none.
     */
    grantAllows(from: { group: string; kind: string; namespace: string }, to: { group: string; kind: string; namespace: string; name: string }): boolean {
        if (from.namespace === to.namespace) return true;
        return (this.grantsByNamespace.get(to.namespace) ?? []).some((g) =>
            g.from.some((f) => (f.group ?? "") === from.group && f.kind === from.kind && f.namespace === from.namespace) &&
            g.to.some((t) => (t.group ?? "") === to.group && t.kind === to.kind && (t.name === undefined || t.name === "" || t.name === to.name)));
    }
}

export const gatewayId = (g: K8sGateway) => `${g.namespace}/${g.name ?? g.resource.name}`;
export const routeId = (r: HttpRouteObject) => `${r.namespace}/${r.name ?? r.resource.name}`;

/** A parentRef that names a Gateway (group and kind default to the Gateway API's Gateway). */
export function isGatewayParent(ref: ParentRef): boolean {
    return (ref.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP && (ref.kind ?? "Gateway") === "Gateway";
}

/**
 * Gateway API hostname intersection: no listener hostname matches every route hostname; a
 * `*.` wildcard matches any number of labels in front of its suffix (not the suffix itself).
 */
export function hostnamesIntersect(listenerHostname: string | undefined, routeHostname: string): boolean {
    if (!listenerHostname) return true;
    return hostsIntersect(listenerHostname.toLowerCase(), routeHostname.toLowerCase());
}

/** Route kinds a listener admits when allowedRoutes.kinds is not set, by protocol. */
const DEFAULT_KINDS: Record<string, string[]> = {
    HTTP: ["HTTPRoute", "GRPCRoute"], HTTPS: ["HTTPRoute", "GRPCRoute"], TLS: ["TLSRoute"], TCP: ["TCPRoute"], UDP: ["UDPRoute"],
};

export function listenerAdmitsKind(listener: Listener, kind: string): boolean {
    const kinds = asArray<{ group?: string; kind?: string }>(listener.allowedRoutes?.kinds);
    if (kinds.length > 0) return kinds.some((k) => (k.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP && k.kind === kind);
    return (DEFAULT_KINDS[String(listener.protocol ?? "").toUpperCase()] ?? []).includes(kind);
}

/**
 * Whether a listener's allowedRoutes.namespaces admits routes from `routeNamespace`: Same (the
 * default), All, None, or Selector over the namespace's labels. Undefined when a Selector must
 * be judged on a namespace the stack does not create.
 */
export function listenerAdmitsNamespace(listener: Listener, gatewayNamespace: string, routeNamespace: string,
    namespaceLabels: Map<string, Record<string, string>>): boolean | undefined {
    const from = listener.allowedRoutes?.namespaces?.from ?? "Same";
    if (from === "All") return true;
    if (from === "Same") return routeNamespace === gatewayNamespace;
    if (from === "None") return false;
    if (from !== "Selector") return undefined;
    const labels = namespaceLabels.get(routeNamespace);
    if (!labels) return undefined;
    const selector = listener.allowedRoutes?.namespaces?.selector ?? {};
    return labelSelectorMatches(selector, labels);
}

export function labelSelectorMatches(selector: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] },
    labels: Record<string, string>): boolean {
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpressions = asArray<{ key: string; operator: string; values?: string[] }>(selector.matchExpressions).every((e) => {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        switch (e.operator) {
            case "In": return has && (e.values ?? []).includes(labels[e.key]);
            case "NotIn": return !has || !(e.values ?? []).includes(labels[e.key]);
            case "Exists": return has;
            case "DoesNotExist": return !has;
            default: return false;
        }
    });
    return byLabels && byExpressions;
}

/**
 * The annotations Istio puts on the Service it deploys for a Gateway: spec.infrastructure's
 * when it sets labels or annotations, else (class `istio`, copying on by default) the Gateway's own.
 */
export function serviceAnnotationsOf(gw: K8sGateway): Record<string, string> {
    const infra = gw.infrastructure;
    if (infra && (Object.keys(asRecord(infra.annotations)).length > 0 || Object.keys(asRecord(infra.labels)).length > 0)) {
        return asRecord(infra.annotations);
    }
    return gw.className === "istio" ? gw.annotations : {};
}
