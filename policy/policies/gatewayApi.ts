// Rules for the Kubernetes Gateway API (gateway.networking.k8s.io) as Istio implements it:
// listeners, certificate references, route attachment, MetalLB addresses, and which routes a
// public gateway admits when the stack also has a restricted (internal) one.
import { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { Restrictions } from "../lib/exposure";
import {
    GATEWAY_API_GROUP, GatewayApiModel, K8sGateway, Listener, gatewayId, hostnamesIntersect, isGatewayParent, listenerAdmitsKind,
    listenerAdmitsNamespace, routeId, serviceAnnotationsOf,
} from "../lib/gatewayApi";
import { PoolSet } from "../lib/pools";
import { mayHoldTls, objectId } from "../lib/model";
import { METALLB_IP_ANNOTATIONS } from "./resource";
import { checkRequestedIps, model } from "./stack";

const api = (args: StackValidationArgs) => GatewayApiModel.of(model(args));
const listenerLabel = (l: Listener, i: number) => `listeners[${i}]${l.name ? ` (${l.name})` : ""}`;

export const gatewayApiListeners: StackValidationPolicy = {
    name: "gateway-api-listeners-unique",
    description:
        "Mirrors the Gateway API CRD validation (v1.5.1; the API server refuses the object at apply): listener names are unique within a Gateway, and so is each " +
        "combination of port, protocol and hostname. Fix: give every listener its own name, and split or merge listeners that repeat port, protocol and hostname.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        for (const gw of api(args).gateways) {
            const names = new Map<string, number>();
            const combos = new Map<string, number>();
            gw.listeners.forEach((l, i) => {
                const name = String(l.name ?? "");
                if (names.has(name)) {
                    report(`Gateway ${gatewayId(gw)} ${listenerLabel(l, i)}: listener name "${name}" is also used by listeners[${names.get(name)}]; listener names must be unique within the Gateway. Rename one.`, gw.resource.urn);
                } else {
                    names.set(name, i);
                }
                const combo = `${l.port}|${l.protocol}|${l.hostname ?? ""}`;
                if (combos.has(combo)) {
                    report(`Gateway ${gatewayId(gw)} ${listenerLabel(l, i)}: port ${l.port}, protocol ${l.protocol} and hostname ${l.hostname ?? "(none)"} repeat listeners[${combos.get(combo)}]; each combination must be unique. Merge them.`, gw.resource.urn);
                } else {
                    combos.set(combo, i);
                }
            });
        }
    },
};

export const gatewayApiCertificateRefs: StackValidationPolicy = {
    name: "gateway-api-certificate-refs",
    description:
        "Gateway API (Istio reports ResolvedRefs=False on the listener): every certificateRefs entry of a Terminate listener names a TLS Secret (type kubernetes.io/tls, " +
        "or keys tls.crt and tls.key; or a cert-manager Certificate's secretName) in the Gateway's namespace, or in another namespace whose ReferenceGrant allows " +
        "Gateways of the Gateway's namespace to refer to that Secret (RefNotPermitted otherwise). Judged when the stack creates TLS secrets. " +
        "Fix: create the Secret beside the Gateway, or add a ReferenceGrant in the Secret's namespace from {group: gateway.networking.k8s.io, kind: Gateway, namespace: <gateway ns>} to {group: \"\", kind: Secret}.",
    severity: "critical",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const m = model(args);
        const a = api(args);
        const judgeExistence = (m.secrets.some(mayHoldTls) || m.certificateSecrets.size > 0) && !m.secrets.some((s) => s.unknown);
        const secrets = new Map(m.secrets.map((s) => [`${s.namespace}/${s.name}`, s]));
        for (const gw of a.gateways) {
            gw.listeners.forEach((l, i) => {
                if ((l.tls?.mode ?? "Terminate") !== "Terminate") return;
                (Array.isArray(l.tls?.certificateRefs) ? l.tls!.certificateRefs! : []).forEach((ref, j) => {
                    if ((ref.group ?? "") !== "" || (ref.kind ?? "Secret") !== "Secret" || !ref.name) return; // implementation-specific kinds
                    const namespace = ref.namespace ?? gw.namespace;
                    const at = `Gateway ${gatewayId(gw)} ${listenerLabel(l, i)} certificateRefs[${j}]`;
                    if (!a.grantAllows({ group: GATEWAY_API_GROUP, kind: "Gateway", namespace: gw.namespace }, { group: "", kind: "Secret", namespace, name: ref.name })) {
                        report(`${at}: Secret ${namespace}/${ref.name} is in another namespace and no ReferenceGrant in ${namespace} allows Gateways of ${gw.namespace} to use it (RefNotPermitted). Add one, or move the Secret to ${gw.namespace}.`, gw.resource.urn);
                        return;
                    }
                    if (!judgeExistence) return;
                    const secret = secrets.get(`${namespace}/${ref.name}`);
                    if (!secret) {
                        if (m.certificateSecrets.has(`${namespace}/${ref.name}`)) return;
                        report(`${at}: Secret ${namespace}/${ref.name} is not in this stack (InvalidCertificateRef). Create the kubernetes.io/tls Secret in ${namespace}.`, gw.resource.urn);
                        return;
                    }
                    if (secret.type !== "kubernetes.io/tls" && !(secret.keys.includes("tls.crt") && secret.keys.includes("tls.key"))) {
                        report(`${at}: Secret ${namespace}/${ref.name} is of type ${secret.type ?? "Opaque"} without tls.crt/tls.key; make it type kubernetes.io/tls.`, gw.resource.urn);
                    }
                });
            });
        }
    },
};

export const httpRouteParents: StackValidationPolicy = {
    name: "gateway-api-httproute-parents",
    description:
        "Gateway API route attachment (the route gets Accepted=False): every HTTPRoute parentRef naming a Gateway (namespace defaults to the route's) resolves to a " +
        "Gateway of this stack, or one listed in config externalGateways; with sectionName, to a listener of that name (and port, when set); some listener so chosen " +
        "admits the route — its allowedRoutes.kinds include HTTPRoute (by default HTTP and HTTPS listeners do) and allowedRoutes.namespaces (Same by default, All, " +
        "Selector, None) admits the route's namespace — and, when the route lists hostnames, one of them intersects such a listener's hostname (wildcards as the " +
        "Gateway API defines them). A stack that creates no Gateway API Gateway attaches routes to gateways managed elsewhere and is not judged. " +
        "Fix: point parentRefs at an existing Gateway and listener, admit the route's namespace, and use a hostname the listener serves.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: { externalGateways: { type: "array", items: { type: "string" }, default: [] } } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const external = new Set((args.getConfig<{ externalGateways?: string[] }>() ?? {}).externalGateways ?? []);
        const m = model(args);
        const a = api(args);
        if (a.gateways.length === 0) return;
        for (const route of a.routes) {
            route.parentRefs.forEach((ref, i) => {
                if (!isGatewayParent(ref) || !ref.name) return;
                const namespace = ref.namespace ?? route.namespace;
                const at = `HTTPRoute ${routeId(route)} parentRefs[${i}]`;
                const gw = a.gateway(namespace, ref.name);
                if (!gw) {
                    if (external.has(`${namespace}/${ref.name}`)) return;
                    report(`${at}: Gateway ${namespace}/${ref.name} is not in this stack; the route attaches to nothing. Fix the name or namespace, or list it in externalGateways.`, route.resource.urn);
                    return;
                }
                let listeners = gw.listeners;
                if (ref.sectionName !== undefined) {
                    listeners = listeners.filter((l) => l.name === ref.sectionName);
                    if (listeners.length === 0) {
                        report(`${at}: Gateway ${gatewayId(gw)} has no listener named "${ref.sectionName}" (listeners: ${gw.listeners.map((l) => l.name).join(", ")}).`, route.resource.urn);
                        return;
                    }
                }
                if (ref.port !== undefined) {
                    listeners = listeners.filter((l) => l.port === ref.port);
                    if (listeners.length === 0) {
                        report(`${at}: Gateway ${gatewayId(gw)} has no listener${ref.sectionName ? ` "${ref.sectionName}"` : ""} on port ${ref.port}.`, route.resource.urn);
                        return;
                    }
                }
                const admission = listeners.map((l) => listenerAdmitsKind(l, "HTTPRoute") ? listenerAdmitsNamespace(l, gw.namespace, route.namespace, m.namespaceLabels) : false);
                if (admission.some((x) => x === undefined)) return; // a Selector over a namespace outside the stack
                const admitting = listeners.filter((_, k) => admission[k]);
                if (admitting.length === 0) {
                    const why = listeners.map((l) => `${l.name}: ${listenerAdmitsKind(l, "HTTPRoute") ? `namespaces from ${l.allowedRoutes?.namespaces?.from ?? "Same"}` : `protocol ${l.protocol} / kinds exclude HTTPRoute`}`).join("; ");
                    report(`${at}: no listener of Gateway ${gatewayId(gw)}${ref.sectionName ? ` named "${ref.sectionName}"` : ""} admits an HTTPRoute from namespace ${route.namespace} (NotAllowedByListeners; ${why}). Set allowedRoutes.namespaces on the listener, or move the route.`, route.resource.urn);
                    return;
                }
                if (route.hostnames.length > 0 && !admitting.some((l) => route.hostnames.some((h) => hostnamesIntersect(l.hostname, h)))) {
                    report(`${at}: none of the route's hostnames (${route.hostnames.join(", ")}) matches the hostname of ${admitting.map((l) => `listener ${l.name} (${l.hostname})`).join(", ")} (NoMatchingListenerHostname); the route is not attached. Use a hostname within the listener's.`, route.resource.urn);
                }
            });
        }
    },
};

export const gatewayApiMetallbAddress: StackValidationPolicy = {
    name: "gateway-api-metallb-address",
    description:
        "Mirrors MetalLB and Istio's Gateway deployment: a Gateway that pins its IP with the MetalLB annotation metallb.io/loadBalancerIPs (in spec.infrastructure.annotations, " +
        "or — class istio, infrastructure unset — in its own annotations, which Istio copies to the Service) sets no spec.addresses: with one IPAddress Istio writes " +
        "spec.loadBalancerIP and MetalLB refuses a Service carrying both; with a Hostname or several addresses Istio deploys no Service at all. " +
        "The requested IP (annotation, or the single spec.addresses IPAddress) lies in exactly one IPAddressPool of the stack (when the stack has pools). " +
        "Fix: pin the IP one way only (preferably the annotation) and pick it from one pool.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const m = model(args);
        const pools = m.pools.length > 0 && !m.pools.some((p) => p.unknown) ? new PoolSet(m.pools) : undefined;
        for (const gw of api(args).gateways) {
            const annotations = serviceAnnotationsOf(gw);
            const key = METALLB_IP_ANNOTATIONS.find((k) => annotations[k] !== undefined);
            const at = `Gateway ${gatewayId(gw)}`;
            if (key && gw.addresses.length > 0) {
                report(`${at}: sets both the ${key} annotation ("${annotations[key]}") and spec.addresses (${gw.addresses.map((x) => x.value).join(", ")}); MetalLB refuses a Service with both an IP annotation and spec.loadBalancerIP, and with a Hostname or several addresses Istio deploys no Service. Keep only the annotation.`, gw.resource.urn);
                continue;
            }
            const serviceType = gw.className === "istio" ? gw.annotations["networking.istio.io/service-type"] ?? "LoadBalancer" : "LoadBalancer";
            if (!pools || serviceType !== "LoadBalancer") continue;
            const single = gw.addresses.length === 1 && (gw.addresses[0].type ?? "IPAddress") === "IPAddress" ? [String(gw.addresses[0].value ?? "")] : [];
            const requested = key ? String(annotations[key]).split(",") : single;
            const poolName = annotations["metallb.io/address-pool"] ?? annotations["metallb.universe.tf/address-pool"];
            for (const problem of checkRequestedIps(requested, poolName, pools)) report(`${at}: ${problem}`, gw.resource.urn);
        }
    },
};

/** Listeners of a Gateway that admit routes from every namespace. */
const admitsAll = (gw: K8sGateway) => gw.listeners.filter((l) => l.allowedRoutes?.namespaces?.from === "All");

export const publicGatewayAdmitsAll: StackValidationPolicy = {
    name: "gateway-api-public-listener-admits-all",
    description:
        "Stricter than Istio and the Gateway API (a convention for stacks with an internal gateway): when some Gateway of the stack is restricted to non-public client ranges — an " +
        "AuthorizationPolicy whose targetRefs name it, or loadBalancerSourceRanges on its Service; 0.0.0.0/0 or a public range does not count — no unrestricted Gateway has a listener with allowedRoutes.namespaces.from: All. " +
        "Such a listener lets an HTTPRoute in any namespace, including those of internal apps, attach to the public gateway, so an internal app can be published by a " +
        "parentRef typo; nothing is broken until someone does, hence advisory by default. Fix: use from: Same, or Selector on a label only public namespaces carry.",
    severity: "medium",
    enforcementLevel: "advisory",
    configSchema: { properties: { rootNamespace: { type: "string", default: "istio-system" } } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const m = model(args);
        const a = api(args);
        if (m.authorizationPolicies.some((p) => p.specUnknown)) return; // restrictions are decided at `pulumi up`
        const restrictions = Restrictions.of(m, { rootNamespace: (args.getConfig<{ rootNamespace?: string }>() ?? {}).rootNamespace });
        const restricted = [
            ...a.gateways.filter((g) => restrictions.k8sGateway(g).restricted).map(gatewayId),
            ...m.gateways.filter((g) => restrictions.istioGateway(g).restricted).map((g) => `${objectId(g)} (Istio Gateway)`),
        ];
        if (restricted.length === 0) return;
        for (const gw of a.gateways) {
            if (restrictions.k8sGateway(gw).restricted) continue;
            for (const l of admitsAll(gw)) {
                report(`Gateway ${gatewayId(gw)} listener ${l.name}: allowedRoutes.namespaces.from is All while ${restricted.join(", ")} is restricted; routes from any namespace, including internal apps', can attach to this unrestricted gateway. Use from: Same or a Selector.`, gw.resource.urn);
            }
        }
    },
};

export const gatewayApiPolicies: StackValidationPolicy[] = [
    gatewayApiListeners, gatewayApiCertificateRefs, httpRouteParents, gatewayApiMetallbAddress, publicGatewayAdmitsAll,
];
