// Observability addon UIs (Prometheus, Grafana, Kiali, the Jaeger `tracing` Service and its
// `jaeger-collector`) are exposed only through gateways restricted to non-public client ranges
// (lib/exposure.ts: 0.0.0.0/0 or a public range restricts nothing). Two policies share one check: when the
// stack restricts some gateway, exposing an addon on an unrestricted one is certainly a mistake
// (mandatory); when it restricts none, it may be deliberate (advisory).
import { PolicyConfigSchema, ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { Restrictions } from "../lib/exposure";
import { GatewayApiModel, gatewayId, isGatewayParent, routeId } from "../lib/gatewayApi";
import { resolveGatewayReference } from "../lib/istio";
import { SELECTION_CONFIG, known, objectId } from "../lib/model";
import { model } from "./stack";

interface AddonConfig {
    namespace?: string;
    services?: string[];
    rootNamespace?: string;
    scopeGatewayToNamespace?: boolean;
}

// jaeger-collector takes spans (OTLP, no login) beside the tracing UI: publishing it lets anyone write traces.
const DEFAULT_ADDONS = ["grafana", "kiali", "prometheus", "tracing", "jaeger-collector"];

const ADDON_CONFIG_SCHEMA: PolicyConfigSchema = {
    properties: {
        namespace: { type: "string", default: "istio-system", description: "Namespace of the addon Services." },
        services: { type: "array", items: { type: "string" }, default: DEFAULT_ADDONS, description: "Names (or app / app.kubernetes.io/name labels) of the addon Services." },
        rootNamespace: { type: "string", default: "istio-system", description: "istiod's root namespace: AuthorizationPolicies there apply mesh-wide." },
        scopeGatewayToNamespace: SELECTION_CONFIG.scopeGatewayToNamespace,
    },
};

/** The Service a destination host names: short names resolve in the referring namespace. */
function serviceOfHost(host: string, namespace: string): { name: string; namespace: string } | undefined {
    const parts = host.split(".");
    if (parts.length === 1) return { name: host, namespace };
    if (parts.length === 2 || parts[2] === "svc") return { name: parts[0], namespace: parts[1] };
    return undefined;
}

interface Exposure {
    /** The VirtualService or HTTPRoute, for messages. */
    what: string;
    urn: string;
    addon: string;
    /** Gateways it is published on, each with whether it is restricted (undefined: cannot tell), and why ranges it lists do not count. */
    gateways: { id: string; restricted: boolean | undefined; why?: string }[];
}

function exposures(args: StackValidationArgs): { list: Exposure[]; anyRestricted: boolean } {
    const config = (args.getConfig<AddonConfig>() ?? {}) as AddonConfig;
    const addonNamespace = config.namespace ?? "istio-system";
    const m = model(args);
    const api = GatewayApiModel.of(m);
    const restrictions = Restrictions.of(m, { rootNamespace: config.rootNamespace, scopeGatewayToNamespace: config.scopeGatewayToNamespace });
    const names = new Set(config.services ?? DEFAULT_ADDONS);
    for (const svc of m.services) {
        if (svc.namespace !== addonNamespace || svc.fromChart) continue;
        const label = svc.labels["app.kubernetes.io/name"] ?? svc.labels.app;
        if (label && (config.services ?? DEFAULT_ADDONS).includes(label)) names.add(svc.id.slice(svc.namespace.length + 1));
    }
    const isAddon = (target: { name: string; namespace: string } | undefined) => !!target && target.namespace === addonNamespace && names.has(target.name);
    const istioById = new Map(m.gateways.map((g) => [objectId(g), g]));
    const list: Exposure[] = [];

    for (const vs of m.virtualServices) {
        const destinations = [...vs.http, ...vs.tls, ...vs.tcp].flatMap((rule) => (known(() => rule?.route) ?? []) as any[])
            .map((r) => known(() => r?.destination?.host)).filter((h): h is string => typeof h === "string");
        const addon = destinations.map((h) => serviceOfHost(h, vs.namespace)).find(isAddon);
        if (!addon) continue;
        const gateways = vs.gateways.filter((g) => g !== "mesh").map((ref) => {
            const full = resolveGatewayReference(ref, vs.namespace);
            const istio = istioById.get(full);
            const slash = full.indexOf("/");
            const k8s = istio ? undefined : api.gateway(full.slice(0, slash), full.slice(slash + 1));
            const r = istio ? restrictions.istioGateway(istio) : k8s ? restrictions.k8sGateway(k8s) : undefined;
            return { id: full, restricted: r?.decidable ? r.restricted : undefined, why: r?.why };
        });
        list.push({ what: `VirtualService ${objectId(vs)}`, urn: vs.resource.urn, addon: `${addon.namespace}/${addon.name}`, gateways });
    }

    for (const route of api.routes) {
        const backends = route.rules.flatMap((rule) => (Array.isArray(rule?.backendRefs) ? rule.backendRefs : []))
            .filter((b) => (b.group ?? "") === "" && (b.kind ?? "Service") === "Service" && typeof b.name === "string")
            .map((b) => ({ name: b.name!, namespace: b.namespace ?? route.namespace }));
        const addon = backends.find(isAddon);
        if (!addon) continue;
        const gateways = route.parentRefs.filter((p) => isGatewayParent(p) && p.name).map((p) => {
            const gw = api.gateway(p.namespace ?? route.namespace, p.name!);
            const r = gw ? restrictions.k8sGateway(gw) : undefined;
            return { id: gw ? gatewayId(gw) : `${p.namespace ?? route.namespace}/${p.name}`, restricted: r?.decidable ? r.restricted : undefined, why: r?.why };
        });
        list.push({ what: `HTTPRoute ${routeId(route)}`, urn: route.resource.urn, addon: `${addon.namespace}/${addon.name}`, gateways });
    }
    return { list, anyRestricted: list.length > 0 && restrictions.anyRestricted() };
}

function check(whenSomeRestricted: boolean) {
    return (args: StackValidationArgs, report: ReportViolation) => {
        if (model(args).authorizationPolicies.some((p) => p.specUnknown)) return; // restrictions are decided at `pulumi up`
        const { list, anyRestricted } = exposures(args);
        if (anyRestricted !== whenSomeRestricted) return;
        for (const e of list) {
            for (const gw of e.gateways.filter((g) => g.restricted === false)) {
                const admits = gw.why ? `public client addresses (${gw.why})` : "any client address";
                report(`${e.what} publishes addon ${e.addon} on gateway ${gw.id}, which admits ${admits}${whenSomeRestricted ? " while other gateways of this stack are restricted" : ""}. ` +
                    "Bind it only to a gateway restricted to non-public ranges by loadBalancerSourceRanges or an AuthorizationPolicy with remoteIpBlocks (targetRefs for a Gateway API Gateway).", e.urn);
            }
        }
    };
}

const COMMON =
    "Addon UIs (Services named grafana, kiali, prometheus, tracing, and the tracing collector jaeger-collector — or labelled so — in the addons namespace, config " +
    "namespace/services) are reachable only through gateways restricted to non-public client ranges: every VirtualService routing to one (destination host as a short " +
    "name resolved in the VirtualService's namespace, <svc>.<ns> or <svc>.<ns>.svc.cluster.local) or HTTPRoute with one as backendRef binds only gateways whose pods " +
    "have a LoadBalancer Service with loadBalancerSourceRanges, or AuthorizationPolicies selecting them (ALLOW policies whose every rule requires remoteIpBlocks or " +
    "ipBlocks, or a DENY policy with notRemoteIpBlocks), or — Gateway API — such AuthorizationPolicies whose targetRefs name the Gateway, or source ranges on its " +
    "Service (parametersRef ConfigMap overlay). A range restricts only when it lies inside private (RFC 1918), carrier-grade NAT, loopback, link-local or IPv6 unique " +
    "local ranges: 0.0.0.0/0, ::/0 or a public block restrict nothing, and the message names it. Gateways whose pods the stack does not create are not judged. " +
    "Not an Istio check: a security convention of this pack. ";

export const addonExposureRestricted: StackValidationPolicy = {
    name: "addon-ui-restricted-gateways",
    description: COMMON +
        "This policy applies when the stack restricts at least one gateway: exposing an addon on an unrestricted one is then certainly a mistake, so it is mandatory " +
        "(addon-ui-no-restricted-gateway covers stacks without one). Fix: bind the addon's routes to the internal (restricted) gateway only.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: ADDON_CONFIG_SCHEMA,
    validateStack: check(true),
};

export const addonExposureUnrestricted: StackValidationPolicy = {
    name: "addon-ui-no-restricted-gateway",
    description: COMMON +
        "This policy applies when the stack restricts no gateway at all: the exposure may be deliberate (a lab cluster), so it is advisory. " +
        "Fix: restrict the gateway that serves the addons with loadBalancerSourceRanges or an AuthorizationPolicy.",
    severity: "medium",
    enforcementLevel: "advisory",
    configSchema: ADDON_CONFIG_SCHEMA,
    validateStack: check(false),
};

export const addonPolicies: StackValidationPolicy[] = [addonExposureRestricted, addonExposureUnrestricted];
