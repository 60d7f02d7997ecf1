// A typed view of the Kubernetes objects in a stack that the rules care about: Gateways,
// VirtualServices, workloads (pods of every kind, and gateway charts), Services, TLS secrets,
// MetalLB pools, namespaces and AuthorizationPolicies. Built once per stack and shared by the
// rules; lookups that would compare every pair go through indexes.
import { gatewayChartPodLabels } from "./istio";

/** What the rules read of a resource (a subset of @pulumi/policy's PolicyResource). */
export interface StackResource {
    type: string;
    props: Record<string, any>;
    urn: string;
    name: string;
    parent?: { urn: string };
}

const ISTIO_VERSIONS = "(v1|v1beta1|v1alpha3)";
export const GATEWAY_TYPE = new RegExp(`^kubernetes:networking\\.istio\\.io/${ISTIO_VERSIONS}:Gateway$`);
export const VIRTUAL_SERVICE_TYPE = new RegExp(`^kubernetes:networking\\.istio\\.io/${ISTIO_VERSIONS}:VirtualService$`);
export const AUTHORIZATION_POLICY_TYPE = /^kubernetes:security\.istio\.io\/(v1|v1beta1):AuthorizationPolicy$/;
export const POOL_TYPE = /^kubernetes:metallb\.io\/(v1beta1|v1beta2|v1):IPAddressPool$/;
export const SERVICE_TYPE = "kubernetes:core/v1:Service";
export const SECRET_TYPE = "kubernetes:core/v1:Secret";
export const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";
export const CONFIG_MAP_TYPE = "kubernetes:core/v1:ConfigMap";
/** cert-manager Certificates create the TLS secret they name in spec.secretName. */
export const CERTIFICATE_TYPE = /^kubernetes:cert-manager\.io\/v1:Certificate$/;
export const DEPLOYMENT_TYPE = /^kubernetes:apps\/v1:(Deployment|DaemonSet)$/;
/** Every kind that runs pods: a Pod's own labels, or the others' pod template labels. */
export const WORKLOAD_TYPE = /^kubernetes:(core\/v1:Pod|apps\/v1:(Deployment|StatefulSet|DaemonSet|ReplicaSet))$/;
/** Helm resources that may install Istio's `gateway` chart. */
export const HELM_TYPE = /^kubernetes:helm\.sh\/(v3|v4):(Chart|Release)$/;

/** Namespaces Istio's analyzers (`istioctl analyze`) leave out, and its injector ignores. */
export const ISTIO_IGNORED_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "local-path-storage"];

/**
 * Calls `read`, turning a value that is unknown during preview (the policy SDK throws
 * UnknownValueError when one is read) into `undefined`, so one unknown never stops a whole rule.
 */
export function known<T>(read: () => T): T | undefined {
    const value = probe(read);
    return value === UNKNOWN ? undefined : value;
}

/** Marks a value that is unknown until `pulumi up` (an output not yet computed in preview). */
export const UNKNOWN: unique symbol = Symbol("unknown");

/** Like {@link known}, but tells an unknown value apart from a missing one. */
export function probe<T>(read: () => T): T | typeof UNKNOWN {
    try {
        return read();
    } catch (err) {
        if ((err as Error)?.constructor?.name === "UnknownValueError" || (err as Error)?.name === "UnknownValueError") {
            return UNKNOWN;
        }
        throw err;
    }
}

/** Secret values reach policies wrapped (`{ value }`); the rules only need their shape. */
function unwrapSecret(value: any): any {
    return value && typeof value === "object" && value.constructor?.name === "Secret" && "value" in value ? value.value : value;
}

export function namespaceOf(props: Record<string, any>, fallback = "default"): string {
    return known(() => props.metadata?.namespace) ?? fallback;
}

export function nameOf(props: Record<string, any>): string | undefined {
    return known(() => props.metadata?.name);
}

/** `<namespace>/<name>` of an object, for messages and references. */
export const objectId = (o: { namespace: string; name?: string; resource: StackResource }) => `${o.namespace}/${o.name ?? o.resource.name}`;

const asArray = <T>(value: unknown): T[] => (Array.isArray(value) ? value : []);
const asRecord = (value: unknown): Record<string, any> => (value && typeof value === "object" && !Array.isArray(value) ? value as Record<string, any> : {});

export interface GatewayServer {
    port?: { number?: number; name?: string; protocol?: string; targetPort?: number };
    hosts?: string[];
    bind?: string;
    tls?: Record<string, any>;
}

export interface GatewayObject {
    resource: StackResource;
    namespace: string;
    name?: string;
    selector?: Record<string, string>;
    /** The selector is not known until `pulumi up`: rules about it cannot decide yet. */
    selectorUnknown: boolean;
    servers: GatewayServer[];
    /** The servers are not known until `pulumi up`. */
    serversUnknown: boolean;
}

export interface VirtualServiceObject {
    resource: StackResource;
    namespace: string;
    name?: string;
    hosts: string[];
    gateways: string[];
    http: { name?: string; match?: any[]; route?: any[] }[];
    tls: { match?: any[]; route?: any[] }[];
    tcp: { match?: any[]; route?: any[] }[];
}

/** Pods: a Pod, the pod template of a Deployment/StatefulSet/DaemonSet/ReplicaSet, or a gateway chart's. */
export interface Workload {
    id: string;
    resource: StackResource;
    kind: string;
    namespace: string;
    labels: Record<string, string>;
    /** Its labels are not known until `pulumi up`. */
    labelsUnknown: boolean;
    /** An Istio gateway (pods rendered with the gateway injection template, or a gateway chart). */
    gateway: boolean;
}
/** Kept for the older name. */
export type GatewayWorkload = Workload;

/** A Service, or the Service a gateway chart will create from its values. */
export interface LoadBalancerService {
    resource: StackResource;
    id: string;
    namespace: string;
    type?: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    loadBalancerIP?: string;
    loadBalancerSourceRanges: string[];
    /** The source ranges are not known until `pulumi up`. */
    sourceRangesUnknown: boolean;
    selector?: Record<string, string>;
    ports: { name?: string; appProtocol?: string; port?: number; protocol?: string }[];
    /** Synthesised from a gateway chart's values. */
    fromChart: boolean;
}

export interface AuthorizationPolicyObject {
    resource: StackResource;
    namespace: string;
    name?: string;
    action: string;
    /** spec.selector.matchLabels; undefined when absent (the policy applies namespace-wide). */
    selector?: Record<string, string>;
    targetRefs: { group?: string; kind?: string; name?: string; namespace?: string }[];
    /** Some rule restricts the client address (remoteIpBlocks, ipBlocks or their not- forms). */
    restrictsSourceAddresses: boolean;
    /** spec.rules as written (lib/exposure.ts reads which client ranges they admit). */
    rules: any[];
    /** The spec is not known until `pulumi up`. */
    specUnknown: boolean;
}

function isGatewayChart(r: StackResource): boolean {
    const chart = known(() => r.props.chart);
    return HELM_TYPE.test(r.type) && typeof chart === "string" && /(^|\/)gateway$/.test(chart);
}

/**
 * Pods of an Istio gateway: rendered with the gateway injection template (Istio's gateway
 * chart), managed by istiod for a Gateway API Gateway, or running the proxy as a router.
 */
function isGatewayPod(metadata: Record<string, any>, podSpec: Record<string, any>): boolean {
    const templates = known(() => metadata.annotations?.["inject.istio.io/templates"]);
    const labels = known(() => metadata.labels) ?? {};
    const containers = asArray<any>(known(() => podSpec.containers));
    return (typeof templates === "string" && templates.split(",").map((t) => t.trim()).includes("gateway")) ||
        labels["gateway.istio.io/managed"] !== undefined ||
        containers.some((c) => (typeof c?.image === "string" && /(^|\/)proxyv2(:|@|$)/.test(c.image)) ||
            (Array.isArray(c?.args) && c.args.includes("router")));
}

function ipConditions(spec: Record<string, any>): boolean {
    const keys = ["remoteIpBlocks", "ipBlocks", "notRemoteIpBlocks", "notIpBlocks"];
    return asArray<any>(spec.rules).some((rule) => asArray<any>(rule?.from).some((f) =>
        keys.some((k) => asArray(f?.source?.[k]).length > 0)));
}

/**
 * Secret types that never hold a TLS certificate (a BGP peer's basic-auth password, registry
 * credentials, tokens): such Secrets do not show that the stack manages its TLS material.
 */
export const NON_TLS_SECRET_TYPES = [
    "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth", "kubernetes.io/dockerconfigjson", "kubernetes.io/dockercfg",
    "kubernetes.io/service-account-token", "bootstrap.kubernetes.io/token",
];

/** Whether a Secret of the stack may be TLS material (its type allows a certificate). */
export const mayHoldTls = (secret: { type?: string }) => !NON_TLS_SECRET_TYPES.includes(secret.type ?? "");

/** Options of a model: the namespaces Istio's analyzers skip are left out unless included. */
export interface ModelOptions {
    includeSystemNamespaces?: boolean;
}

const cache = new WeakMap<object, Map<string, StackModel>>();

export class StackModel {
    readonly gateways: GatewayObject[];
    readonly virtualServices: VirtualServiceObject[];
    /** Every workload of the stack, gateway or not. */
    readonly allWorkloads: Workload[];
    /** The gateway workloads (what older rules called workloads). */
    readonly workloads: Workload[];
    readonly services: LoadBalancerService[];
    readonly secrets: { resource: StackResource; namespace: string; name?: string; type?: string; keys: string[]; unknown: boolean }[];
    /** `<namespace>/<secretName>` of secrets cert-manager Certificates will create. */
    readonly certificateSecrets: Set<string>;
    readonly pools: { resource: StackResource; name?: string; addresses: string[]; unknown: boolean }[];
    readonly meshNamespaces: Set<string>;
    /** Labels of the Namespaces the stack creates (with Kubernetes' own kubernetes.io/metadata.name). */
    readonly namespaceLabels: Map<string, Record<string, string>>;
    readonly authorizationPolicies: AuthorizationPolicyObject[];
    readonly configMaps: Map<string, Record<string, string>>;
    /** `<namespace>/<name>` of ConfigMaps whose data is not known until `pulumi up`. */
    readonly unknownConfigMaps: Set<string>;
    private readonly labelIndex = new Map<string, Workload[]>();

    /** The model of a stack, built once per resource list and options. */
    static of(resources: readonly StackResource[], options: ModelOptions = {}): StackModel {
        let byOptions = cache.get(resources);
        if (!byOptions) {
            byOptions = new Map();
            cache.set(resources, byOptions);
        }
        const key = options.includeSystemNamespaces ? "all" : "analyzer";
        let model = byOptions.get(key);
        if (!model) {
            const ignored = new Set(options.includeSystemNamespaces ? [] : ISTIO_IGNORED_NAMESPACES);
            model = new StackModel(ignored.size === 0 ? [...resources]
                : resources.filter((r) => !ignored.has(known(() => r.props.metadata?.namespace) ?? known(() => HELM_TYPE.test(r.type) ? r.props.namespace : undefined) ?? "")));
            byOptions.set(key, model);
        }
        return model;
    }

    constructor(readonly resources: StackResource[]) {
        const parents = new Set(resources.map((r) => r.parent?.urn).filter((u): u is string => !!u));

        this.gateways = resources.filter((r) => GATEWAY_TYPE.test(r.type)).map((r) => {
            const selector = probe(() => r.props.spec?.selector);
            const servers = probe(() => r.props.spec?.servers);
            return {
                resource: r,
                namespace: namespaceOf(r.props),
                name: nameOf(r.props),
                selector: selector === UNKNOWN ? undefined : selector,
                selectorUnknown: selector === UNKNOWN,
                servers: servers === UNKNOWN ? [] : asArray<GatewayServer>(servers),
                serversUnknown: servers === UNKNOWN,
            };
        });

        this.virtualServices = resources.filter((r) => VIRTUAL_SERVICE_TYPE.test(r.type)).map((r) => ({
            resource: r,
            namespace: namespaceOf(r.props),
            name: nameOf(r.props),
            hosts: asArray<string>(known(() => r.props.spec?.hosts)),
            gateways: asArray<string>(known(() => r.props.spec?.gateways)),
            http: asArray<any>(known(() => r.props.spec?.http)),
            tls: asArray<any>(known(() => r.props.spec?.tls)),
            tcp: asArray<any>(known(() => r.props.spec?.tcp)),
        }));

        // A gateway chart installed with helm.v4.Chart appears both as the chart and as its
        // rendered children; the children are the truth when present.
        const gatewayCharts = resources.filter(isGatewayChart).filter((chart) => !parents.has(chart.urn));
        this.allWorkloads = [
            ...resources.filter((r) => WORKLOAD_TYPE.test(r.type)).map((r) => {
                const kind = r.type.split(":").pop()!;
                const metadata = kind === "Pod" ? known(() => r.props.metadata) : known(() => r.props.spec?.template?.metadata);
                const podSpec = kind === "Pod" ? known(() => r.props.spec) : known(() => r.props.spec?.template?.spec);
                const labels = probe(() => (kind === "Pod" ? r.props.metadata?.labels : r.props.spec?.template?.metadata?.labels) ?? {});
                const namespace = namespaceOf(r.props);
                return {
                    id: `${namespace}/${nameOf(r.props) ?? r.name}`,
                    resource: r,
                    kind,
                    namespace,
                    labels: labels === UNKNOWN ? {} : asRecord(labels),
                    labelsUnknown: labels === UNKNOWN,
                    gateway: isGatewayPod(asRecord(metadata), asRecord(podSpec)),
                };
            }),
            ...gatewayCharts.map((chart) => {
                const release = known(() => chart.props.name) ?? chart.name;
                const namespace = known(() => chart.props.namespace) ?? "default";
                const values = probe(() => chart.props.values);
                return {
                    id: `${namespace}/${release}`,
                    resource: chart,
                    kind: "gateway chart",
                    namespace,
                    labels: gatewayChartPodLabels(release, values === UNKNOWN ? undefined : values),
                    labelsUnknown: values === UNKNOWN,
                    gateway: true,
                };
            }),
        ];
        this.workloads = this.allWorkloads.filter((w) => w.gateway);
        for (const w of this.allWorkloads) {
            for (const [k, v] of Object.entries(w.labels)) {
                const key = `${k}=${v}`;
                const list = this.labelIndex.get(key);
                if (list) list.push(w);
                else this.labelIndex.set(key, [w]);
            }
        }

        this.services = [
            ...resources.filter((r) => r.type === SERVICE_TYPE).map((r) => {
                // Copied, so that an unknown element shows here rather than in a rule.
                const ranges = probe(() => { const v = r.props.spec?.loadBalancerSourceRanges; return Array.isArray(v) ? [...v] : []; });
                return {
                    resource: r,
                    id: `${namespaceOf(r.props)}/${nameOf(r.props) ?? r.name}`,
                    namespace: namespaceOf(r.props),
                    type: known(() => r.props.spec?.type),
                    labels: asRecord(known(() => r.props.metadata?.labels)),
                    annotations: asRecord(known(() => r.props.metadata?.annotations)),
                    loadBalancerIP: known(() => r.props.spec?.loadBalancerIP),
                    loadBalancerSourceRanges: ranges === UNKNOWN ? [] : ranges,
                    sourceRangesUnknown: ranges === UNKNOWN,
                    selector: known(() => r.props.spec?.selector),
                    ports: asArray<any>(known(() => r.props.spec?.ports)),
                    fromChart: false,
                };
            }),
            ...gatewayCharts.map((chart) => {
                const values = asRecord(known(() => chart.props.values));
                const release = known(() => chart.props.name) ?? chart.name;
                const namespace = known(() => chart.props.namespace) ?? "default";
                const service = asRecord(values.service);
                const podLabels = gatewayChartPodLabels(release, values);
                return {
                    resource: chart,
                    id: `${namespace}/${values.name || release} (gateway chart)`,
                    namespace,
                    // The chart's defaults: a LoadBalancer Service with ports status-port, http2, https.
                    type: service.type ?? "LoadBalancer",
                    labels: podLabels,
                    annotations: asRecord(service.annotations),
                    loadBalancerIP: service.loadBalancerIP || undefined,
                    loadBalancerSourceRanges: asArray<string>(service.loadBalancerSourceRanges),
                    // Unknown values make the chart's workload labelsUnknown, which rules check first.
                    sourceRangesUnknown: false,
                    selector: podLabels,
                    ports: Array.isArray(service.ports) ? service.ports
                        : [{ name: "status-port", port: 15021 }, { name: "http2", port: 80 }, { name: "https", port: 443 }],
                    fromChart: true,
                };
            }),
        ];

        this.secrets = resources.filter((r) => r.type === SECRET_TYPE).map((r) => ({
            resource: r,
            namespace: namespaceOf(r.props),
            name: nameOf(r.props),
            unknown: probe(() => r.props.metadata?.name) === UNKNOWN || probe(() => r.props.metadata?.namespace) === UNKNOWN,
            type: known(() => r.props.type),
            keys: [...Object.keys(asRecord(unwrapSecret(known(() => r.props.data)))), ...Object.keys(asRecord(unwrapSecret(known(() => r.props.stringData))))],
        }));
        this.certificateSecrets = new Set(resources.filter((r) => CERTIFICATE_TYPE.test(r.type))
            .map((r) => `${namespaceOf(r.props)}/${known(() => r.props.spec?.secretName)}`));

        this.pools = resources.filter((r) => POOL_TYPE.test(r.type)).map((r) => {
            const addresses = probe(() => r.props.spec?.addresses);
            return {
                resource: r,
                name: nameOf(r.props),
                addresses: addresses === UNKNOWN ? [] : asArray<string>(addresses),
                unknown: addresses === UNKNOWN,
            };
        });

        this.namespaceLabels = new Map();
        for (const r of resources.filter((x) => x.type === NAMESPACE_TYPE)) {
            const name = nameOf(r.props);
            if (typeof name === "string") {
                this.namespaceLabels.set(name, { ...asRecord(known(() => r.props.metadata?.labels)), "kubernetes.io/metadata.name": name });
            }
        }
        this.meshNamespaces = new Set([...this.namespaceLabels].filter(([, labels]) =>
            labels["istio-injection"] === "enabled" || labels["istio.io/rev"] !== undefined).map(([name]) => name));

        this.authorizationPolicies = resources.filter((r) => AUTHORIZATION_POLICY_TYPE.test(r.type)).map((r) => {
            const raw = probe(() => r.props.spec);
            const spec = asRecord(raw === UNKNOWN ? undefined : raw);
            return {
                specUnknown: raw === UNKNOWN,
                resource: r,
                namespace: namespaceOf(r.props),
                name: nameOf(r.props),
                action: typeof spec.action === "string" ? spec.action : "ALLOW",
                selector: spec.selector ? asRecord(spec.selector.matchLabels) : undefined,
                targetRefs: [...asArray<any>(spec.targetRefs), ...(spec.targetRef ? [spec.targetRef] : [])],
                restrictsSourceAddresses: ipConditions(spec),
                rules: asArray<any>(spec.rules),
            };
        });

        this.configMaps = new Map(resources.filter((r) => r.type === CONFIG_MAP_TYPE)
            .map((r) => [`${namespaceOf(r.props)}/${nameOf(r.props) ?? r.name}`, asRecord(known(() => r.props.data))]));
        this.unknownConfigMaps = new Set(resources.filter((r) => r.type === CONFIG_MAP_TYPE && probe(() => r.props.data) === UNKNOWN)
            .map((r) => `${namespaceOf(r.props)}/${nameOf(r.props) ?? r.name}`));
    }

    /**
     * The workloads a label selector picks: every key=value of the selector among the pod labels.
     * An empty or absent selector picks every workload (Istio applies such a Gateway to all
     * gateways). `namespace` restricts the pick to one namespace (istiod's
     * PILOT_SCOPE_GATEWAY_TO_NAMESPACE); `gatewaysOnly` to gateway workloads.
     */
    select(selector: Record<string, string> | undefined, options: { namespace?: string; gatewaysOnly?: boolean } = {}): Workload[] {
        const entries = Object.entries(selector ?? {});
        let candidates: Workload[];
        if (entries.length === 0) {
            candidates = options.gatewaysOnly ? this.workloads : this.allWorkloads;
        } else {
            // Start from the rarest key=value, then check the rest.
            let smallest: Workload[] | undefined;
            for (const [k, v] of entries) {
                const list = this.labelIndex.get(`${k}=${v}`) ?? [];
                if (!smallest || list.length < smallest.length) smallest = list;
            }
            candidates = smallest!.filter((w) => entries.every(([k, v]) => w.labels[k] === v));
        }
        return candidates.filter((w) => (!options.gatewaysOnly || w.gateway) && (options.namespace === undefined || w.namespace === options.namespace));
    }

    /** The gateway workloads a Gateway's selector lands on. */
    workloadsOf(gateway: GatewayObject, scopeToNamespace = false): Workload[] {
        return this.select(gateway.selector, { gatewaysOnly: true, namespace: scopeToNamespace ? gateway.namespace : undefined });
    }

    /** Whether the stack holds TLS material `<namespace>/<name>` may name (a Secret or a cert-manager Certificate). */
    hasTlsSourceFor(namespace: string, name: string): boolean {
        return this.certificateSecrets.has(`${namespace}/${name}`) || this.secrets.some((s) => s.namespace === namespace && s.name === name);
    }
}

/** The Istio-gateway part of policy config shared by the rules that follow Gateway selectors. */
export const SELECTION_CONFIG = {
    scopeGatewayToNamespace: {
        type: "boolean",
        default: false,
        description: "Set when istiod runs with PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true: a Gateway then only selects gateway pods in its own namespace.",
    },
    includeSystemNamespaces: {
        type: "boolean",
        default: false,
        description: `Also judge objects in ${ISTIO_IGNORED_NAMESPACES.join(", ")}, which istioctl analyze skips.`,
    },
} as const;

export interface SelectionConfig {
    scopeGatewayToNamespace?: boolean;
    includeSystemNamespaces?: boolean;
}
