// Which gateways of a stack only admit clients from listed address ranges ("restricted"):
// for an Istio gateway, its LoadBalancer Service's loadBalancerSourceRanges or an
// AuthorizationPolicy with client-address conditions that applies to its pods; for a Gateway API
// Gateway, an AuthorizationPolicy whose targetRefs name it, or source ranges on its Service.
import { GATEWAY_API_GROUP, GatewayApiModel, K8sGateway } from "./gatewayApi";
import { selects } from "./istio";
import { GatewayObject, StackModel, Workload } from "./model";

export interface Restriction {
    /** False when the stack does not hold what decides it (the gateway pods live elsewhere). */
    decidable: boolean;
    restricted: boolean;
    /** How it is restricted, for messages. */
    how?: string;
}

export interface RestrictionOptions {
    /** istiod's root namespace: AuthorizationPolicies there apply mesh-wide. */
    rootNamespace?: string;
    scopeGatewayToNamespace?: boolean;
}

const cache = new WeakMap<StackModel, Map<string, Restrictions>>();

export class Restrictions {
    private readonly servicesByNamespace = new Map<string, StackModel["services"]>();
    private readonly policiesByNamespace = new Map<string, StackModel["authorizationPolicies"]>();
    private readonly workloadCache = new Map<Workload, Restriction>();
    private readonly rootNamespace: string;

    static of(model: StackModel, options: RestrictionOptions = {}): Restrictions {
        const key = `${options.rootNamespace ?? "istio-system"}|${!!options.scopeGatewayToNamespace}`;
        let byKey = cache.get(model);
        if (!byKey) {
            byKey = new Map();
            cache.set(model, byKey);
        }
        let r = byKey.get(key);
        if (!r) {
            r = new Restrictions(model, options);
            byKey.set(key, r);
        }
        return r;
    }

    constructor(private readonly model: StackModel, private readonly options: RestrictionOptions = {}) {
        this.rootNamespace = options.rootNamespace ?? "istio-system";
        for (const s of model.services) push(this.servicesByNamespace, s.namespace, s);
        for (const p of model.authorizationPolicies) push(this.policiesByNamespace, p.namespace, p);
    }

    /** The restriction of the pods of one Istio gateway workload. */
    workload(w: Workload): Restriction {
        let cached = this.workloadCache.get(w);
        if (cached) return cached;
        const ranges = (this.servicesByNamespace.get(w.namespace) ?? []).find((s) =>
            s.loadBalancerSourceRanges.length > 0 && selects(s.selector, w.labels));
        const policy = [...(this.policiesByNamespace.get(w.namespace) ?? []), ...(w.namespace === this.rootNamespace ? [] : this.policiesByNamespace.get(this.rootNamespace) ?? [])]
            .find((p) => p.restrictsSourceAddresses && p.targetRefs.length === 0 && (p.selector === undefined || Object.keys(p.selector).length === 0 || selects(p.selector, w.labels)));
        cached = ranges ? { decidable: true, restricted: true, how: `Service ${ranges.id} loadBalancerSourceRanges` }
            : policy ? { decidable: true, restricted: true, how: `AuthorizationPolicy ${policy.namespace}/${policy.name ?? policy.resource.name}` }
                : { decidable: true, restricted: false };
        this.workloadCache.set(w, cached);
        return cached;
    }

    /** An Istio Gateway is restricted when every gateway workload it lands on is. */
    istioGateway(gw: GatewayObject): Restriction {
        const workloads = this.model.workloadsOf(gw, this.options.scopeGatewayToNamespace);
        if (gw.selectorUnknown || workloads.length === 0 || workloads.some((w) => w.labelsUnknown)) return { decidable: false, restricted: false };
        const each = workloads.map((w) => this.workload(w));
        const open = each.find((r) => !r.restricted);
        return open ? { decidable: true, restricted: false } : { decidable: true, restricted: true, how: each.map((r) => r.how).join(", ") };
    }

    /** A Gateway API Gateway is restricted by an AuthorizationPolicy targeting it, or source ranges on its Service. */
    k8sGateway(gw: K8sGateway): Restriction {
        const name = gw.name ?? gw.resource.name;
        const policy = (this.policiesByNamespace.get(gw.namespace) ?? []).find((p) =>
            p.targetRefs.some((t) => t.kind === "Gateway" && (t.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP && t.name === name));
        if (policy) return { decidable: true, restricted: true, how: `AuthorizationPolicy ${policy.namespace}/${policy.name ?? policy.resource.name}` };
        const ref = gw.infrastructure?.parametersRef;
        if (ref && ref.kind === "ConfigMap" && ref.name) {
            const data = this.model.configMaps.get(`${gw.namespace}/${ref.name}`) ?? {};
            if (/loadBalancerSourceRanges\s*:/.test(String(data.service ?? ""))) {
                return { decidable: true, restricted: true, how: `ConfigMap ${gw.namespace}/${ref.name} loadBalancerSourceRanges` };
            }
        }
        const svc = (this.servicesByNamespace.get(gw.namespace) ?? []).find((s) =>
            s.loadBalancerSourceRanges.length > 0 && s.selector?.["gateway.networking.k8s.io/gateway-name"] === name);
        if (svc) return { decidable: true, restricted: true, how: `Service ${svc.id} loadBalancerSourceRanges` };
        return { decidable: true, restricted: false };
    }

    /** Whether any gateway of the stack, of either API, is restricted. */
    anyRestricted(): boolean {
        return this.model.gateways.some((g) => this.istioGateway(g).restricted) ||
            GatewayApiModel.of(this.model).gateways.some((g) => this.k8sGateway(g).restricted);
    }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
    const list = map.get(key);
    if (list) list.push(value);
    else map.set(key, [value]);
}
