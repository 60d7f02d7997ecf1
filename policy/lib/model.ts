// A typed view of the Kubernetes objects in a stack that the rules care about: Gateways,
// VirtualServices, gateway workloads, Services, TLS secrets, MetalLB pools and namespaces.
import { gatewayChartPodLabels, selects } from "./istio";

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
export const POOL_TYPE = /^kubernetes:metallb\.io\/(v1beta1|v1beta2|v1):IPAddressPool$/;
export const SERVICE_TYPE = "kubernetes:core/v1:Service";
export const SECRET_TYPE = "kubernetes:core/v1:Secret";
export const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";
export const DEPLOYMENT_TYPE = /^kubernetes:apps\/v1:(Deployment|DaemonSet)$/;
/** Helm resources that may install Istio's `gateway` chart. */
export const HELM_TYPE = /^kubernetes:helm\.sh\/(v3|v4):(Chart|Release)$/;

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

export interface GatewayServer {
    port?: { number?: number; name?: string; protocol?: string };
    hosts?: string[];
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
}

export interface VirtualServiceObject {
    resource: StackResource;
    namespace: string;
    name?: string;
    hosts: string[];
    gateways: string[];
    http: { name?: string; match?: any[] }[];
}

/** Pods that serve as an Istio gateway: from a Deployment, or from a gateway chart's values. */
export interface GatewayWorkload {
    id: string;
    resource: StackResource;
    namespace: string;
    labels: Record<string, string>;
    /** Its labels are not known until `pulumi up`. */
    labelsUnknown: boolean;
}

/** A LoadBalancer Service, or the Service a gateway chart will create from its values. */
export interface LoadBalancerService {
    resource: StackResource;
    id: string;
    namespace: string;
    type?: string;
    annotations: Record<string, string>;
    loadBalancerIP?: string;
    selector?: Record<string, string>;
    ports: { name?: string; appProtocol?: string; port?: number }[];
}

function isGatewayChart(r: StackResource): boolean {
    const chart = known(() => r.props.chart);
    return HELM_TYPE.test(r.type) && typeof chart === "string" && /(^|\/)gateway$/.test(chart);
}

export class StackModel {
    readonly gateways: GatewayObject[];
    readonly virtualServices: VirtualServiceObject[];
    readonly workloads: GatewayWorkload[];
    readonly services: LoadBalancerService[];
    readonly secrets: { resource: StackResource; namespace: string; name?: string; type?: string; keys: string[]; unknown: boolean }[];
    readonly pools: { resource: StackResource; name?: string; addresses: string[]; unknown: boolean }[];
    readonly meshNamespaces: Set<string>;

    constructor(readonly resources: StackResource[]) {
        const childrenOf = (r: StackResource) => resources.filter((c) => c.parent?.urn === r.urn);

        this.gateways = resources.filter((r) => GATEWAY_TYPE.test(r.type)).map((r) => {
            const selector = probe(() => r.props.spec?.selector);
            return {
                resource: r,
                namespace: namespaceOf(r.props),
                name: nameOf(r.props),
                selector: selector === UNKNOWN ? undefined : selector,
                selectorUnknown: selector === UNKNOWN,
                servers: known(() => r.props.spec?.servers) ?? [],
            };
        });

        this.virtualServices = resources.filter((r) => VIRTUAL_SERVICE_TYPE.test(r.type)).map((r) => ({
            resource: r,
            namespace: namespaceOf(r.props),
            name: nameOf(r.props),
            hosts: known(() => r.props.spec?.hosts) ?? [],
            gateways: known(() => r.props.spec?.gateways) ?? [],
            http: known(() => r.props.spec?.http) ?? [],
        }));

        const deployments = resources.filter((r) => DEPLOYMENT_TYPE.test(r.type)).map((r) => ({
            resource: r,
            namespace: namespaceOf(r.props),
            labels: probe(() => r.props.spec?.template?.metadata?.labels ?? {}) as Record<string, string> | typeof UNKNOWN,
            gatewayTemplate: known(() => r.props.spec?.template?.metadata?.annotations?.["inject.istio.io/templates"]) === "gateway",
        }));
        // A gateway chart installed with helm.v4.Chart appears both as the chart and as its
        // rendered children; the children are the truth when present.
        const gatewayCharts = resources.filter(isGatewayChart).filter((chart) => childrenOf(chart).length === 0);
        this.workloads = [
            ...deployments.filter((d) => d.gatewayTemplate).map((d) => ({
                id: `${d.namespace}/${nameOf(d.resource.props) ?? d.resource.name}`,
                resource: d.resource,
                namespace: d.namespace,
                labels: d.labels === UNKNOWN ? {} : d.labels,
                labelsUnknown: d.labels === UNKNOWN,
            })),
            ...gatewayCharts.map((chart) => {
                const release = known(() => chart.props.name) ?? chart.name;
                const namespace = known(() => chart.props.namespace) ?? "default";
                const values = probe(() => chart.props.values);
                return {
                    id: `${namespace}/${release}`,
                    resource: chart,
                    namespace,
                    labels: gatewayChartPodLabels(release, values === UNKNOWN ? undefined : values),
                    labelsUnknown: values === UNKNOWN,
                };
            }),
        ];

        this.services = [
            ...resources.filter((r) => r.type === SERVICE_TYPE).map((r) => ({
                resource: r,
                id: `${namespaceOf(r.props)}/${nameOf(r.props) ?? r.name}`,
                namespace: namespaceOf(r.props),
                type: known(() => r.props.spec?.type),
                annotations: known(() => r.props.metadata?.annotations) ?? {},
                loadBalancerIP: known(() => r.props.spec?.loadBalancerIP),
                selector: known(() => r.props.spec?.selector),
                ports: known(() => r.props.spec?.ports) ?? [],
            })),
            ...gatewayCharts.map((chart) => {
                const values = known(() => chart.props.values) ?? {};
                const release = known(() => chart.props.name) ?? chart.name;
                const namespace = known(() => chart.props.namespace) ?? "default";
                const service = values.service ?? {};
                return {
                    resource: chart,
                    id: `${namespace}/${values.name || release} (gateway chart)`,
                    namespace,
                    // The chart's defaults: a LoadBalancer Service with ports status-port, http2, https.
                    type: service.type ?? "LoadBalancer",
                    annotations: service.annotations ?? {},
                    loadBalancerIP: service.loadBalancerIP || undefined,
                    selector: gatewayChartPodLabels(release, values),
                    ports: service.ports ?? [{ name: "status-port", port: 15021 }, { name: "http2", port: 80 }, { name: "https", port: 443 }],
                };
            }),
        ];

        this.secrets = resources.filter((r) => r.type === SECRET_TYPE).map((r) => ({
            resource: r,
            namespace: namespaceOf(r.props),
            name: nameOf(r.props),
            unknown: probe(() => r.props.metadata?.name) === UNKNOWN || probe(() => r.props.metadata?.namespace) === UNKNOWN,
            type: known(() => r.props.type),
            keys: [...Object.keys(unwrapSecret(known(() => r.props.data)) ?? {}), ...Object.keys(unwrapSecret(known(() => r.props.stringData)) ?? {})],
        }));

        this.pools = resources.filter((r) => POOL_TYPE.test(r.type)).map((r) => {
            const addresses = probe(() => r.props.spec?.addresses);
            return {
                resource: r,
                name: nameOf(r.props),
                addresses: addresses === UNKNOWN ? [] : (addresses ?? []) as string[],
                unknown: addresses === UNKNOWN,
            };
        });

        this.meshNamespaces = new Set(resources
            .filter((r) => r.type === NAMESPACE_TYPE)
            .filter((r) => {
                const labels = known(() => r.props.metadata?.labels) ?? {};
                return labels["istio-injection"] === "enabled" || labels["istio.io/rev"] !== undefined;
            })
            .map((r) => nameOf(r.props))
            .filter((n): n is string => typeof n === "string"));
    }

    /** The gateway workloads a Gateway's selector lands on. */
    workloadsOf(gateway: GatewayObject): GatewayWorkload[] {
        return this.workloads.filter((w) => selects(gateway.selector, w.labels));
    }
}
