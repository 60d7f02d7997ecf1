// Rules that need the whole stack: which Gateway lands on which gateway pods, which secret a
// credentialName finds, which VirtualService binds where, which IP falls in which pool. Pairwise
// questions go through indexes (by workload, port and host), so the cost grows with the stack,
// not with its square.
import { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { parseAddressBlock, parseIp } from "../lib/addresses";
import { GatewayApiModel } from "../lib/gatewayApi";
import { HostIndex } from "../lib/hosts";
import {
    bareHost, canonicalJson, hostsIntersect, istioSelectorString, matchCovers, matchesOverlap, resolveGatewayReference, serverHostScope,
    servicePortProtocol, tcpMatchCovers, tlsMatchCovers,
} from "../lib/istio";
import {
    GatewayObject, GatewayServer, ISTIO_IGNORED_NAMESPACES, ModelOptions, SELECTION_CONFIG, SelectionConfig, StackModel, StackResource,
    VirtualServiceObject, known, mayHoldTls, objectId, probe,
} from "../lib/model";
import { PoolSet } from "../lib/pools";
import { METALLB_IP_ANNOTATIONS } from "./resource";

/** The stack's model, shared by the rules (objects in Istio-ignored namespaces left out unless asked). */
export const model = (args: StackValidationArgs, options: ModelOptions = { includeSystemNamespaces: true }) =>
    StackModel.of(args.resources as unknown as StackResource[], options);
const configOf = <T extends object>(args: StackValidationArgs) => (args.getConfig<T>() ?? {}) as T;
const analyzerModel = (args: StackValidationArgs) => model(args, { includeSystemNamespaces: !!configOf<SelectionConfig>(args).includeSystemNamespaces });

/**
 * The pods a Gateway lands on, as a key: the one gateway workload it selects when the stack
 * creates it, else its selector (so that Gateways with the same selector are still grouped).
 */
function landingKey(m: StackModel, gw: GatewayObject, scope: boolean): string {
    const workloads = m.workloadsOf(gw, scope);
    return workloads.length === 1 ? workloads[0].id : `selector ${canonicalJson(gw.selector ?? {})}`;
}

const MANAGED_GATEWAY_SERVICE = ["istio.io-gateway-controller", "istio.io-mesh-controller", "istio.io-eastwest-controller"];

export const servicePortNaming: StackValidationPolicy = {
    name: "istio-service-port-naming",
    description:
        "Mirrors istioctl analyze IST0118 (PortNameIsNotUnderNamingConvention, https://istio.io/latest/docs/reference/config/analysis/ist0118/): " +
        "every Service port tells Istio its protocol, by appProtocol or by a name <protocol>[-<suffix>] (the part before the first \"-\", any case: " +
        "http, http2, https, grpc, grpc-web, tcp, tls, mongo, mysql, redis, udp, http_proxy). Like Istio it checks Services in every namespace but " +
        `${ISTIO_IGNORED_NAMESPACES.join(", ")}, skips Istio's own (labelled istio or release=istio, which includes gateway chart Services) and Gateway-API-managed ones, ` +
        "UDP ports, and ports 25, 53, 3306, 27017. Istio rates it Info (it sniffs the protocol of such ports), so advisory by default. " +
        'Fix: name the port, e.g. "http" or "grpc-api", or set appProtocol.',
    severity: "low",
    enforcementLevel: "advisory",
    configSchema: {
        properties: {
            ignoredPortNames: { type: "array", items: { type: "string" }, default: [] },
            includeSystemNamespaces: SELECTION_CONFIG.includeSystemNamespaces,
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const config = configOf<{ ignoredPortNames?: string[] } & SelectionConfig>(args);
        const ignored = new Set(config.ignoredPortNames ?? []);
        const m = analyzerModel(args);
        for (const svc of m.services) {
            if (svc.fromChart || svc.type === "ExternalName") continue;
            if (svc.labels.istio !== undefined || svc.labels.release === "istio") continue;
            if (MANAGED_GATEWAY_SERVICE.includes(svc.labels["gateway.istio.io/managed"])) continue;
            svc.ports.forEach((port, i) => {
                const name = known(() => port.name);
                const protocol = probe(() => servicePortProtocol({ ...port }));
                if ((name && ignored.has(name)) || protocol !== undefined) return; // known, or decided at `pulumi up`
                report(`Service ${svc.id} ports[${i}] (port ${known(() => port.port) ?? "?"}): ${name ? `name "${name}" does not follow <protocol>[-<suffix>]` : "the port has no name"} and no appProtocol is set (IST0118). Name it e.g. "http${name ? `-${name.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}` : ""}" or set appProtocol.`, svc.resource.urn);
            });
        }
    },
};

export const gatewayPortNamesDistinct: StackValidationPolicy = {
    name: "istio-gateway-port-names-distinct",
    description:
        "Stricter than Istio (our naming convention): servers of different Gateway objects that land on the same gateway pods and port number have distinct port names. " +
        "Istio only requires unique names within one Gateway (see istio-gateway-port-names-unique); older Istio releases merged same-named servers across Gateways " +
        "(istio/istio#8073, #12500), and distinct names keep listener and route names, stats and logs unambiguous. Advisory by default. " +
        'Fix: name servers after their Gateway, e.g. "https-primary" and "https-secondary".',
    severity: "low",
    enforcementLevel: "advisory",
    configSchema: { properties: { scopeGatewayToNamespace: SELECTION_CONFIG.scopeGatewayToNamespace } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const scope = !!configOf<SelectionConfig>(args).scopeGatewayToNamespace;
        const m = model(args);
        const seen = new Map<string, { gw: GatewayObject; index: number }>();
        for (const gw of m.gateways) {
            const landing = landingKey(m, gw, scope);
            gw.servers.forEach((server, index) => {
                const number = known(() => server.port?.number);
                const name = known(() => server.port?.name);
                if (number === undefined || !name) return;
                const key = `${landing}|${number}|${name}`;
                const first = seen.get(key);
                if (first && first.gw !== gw) {
                    report(`Gateway ${objectId(gw)} servers[${index}]: port name "${name}" on port ${number} is also used by Gateway ${objectId(first.gw)} servers[${first.index}] on the same gateway pods (${landing}). Give each Gateway's servers their own names.`, gw.resource.urn);
                } else if (!first) {
                    seen.set(key, { gw, index });
                }
            });
        }
    },
};

export const credentialNameResolves: StackValidationPolicy = {
    name: "istio-gateway-credential-resolves",
    description:
        "Mirrors istioctl analyze IST0101 (ReferencedResourceNotFound, credentialName) and IST0161 (InvalidGatewayCredential), " +
        "https://istio.io/latest/docs/reference/config/analysis/ist0101/ and .../ist0161/: a Gateway server's tls.credentialName names a TLS secret " +
        "(type kubernetes.io/tls, or keys tls.crt/tls.key or cert/key; or a cert-manager Certificate's secretName) in the namespace of the gateway pods it lands on — " +
        "not the Gateway's namespace — when this stack creates those pods and some TLS secrets. Istio never reads secrets across namespaces " +
        "(\"failed to fetch key and certificate\"). Fix: create the secret in the gateway pods' namespace.",
    severity: "critical",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...SELECTION_CONFIG } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const scope = !!configOf<SelectionConfig>(args).scopeGatewayToNamespace;
        const m = analyzerModel(args);
        if (!m.secrets.some(mayHoldTls) && m.certificateSecrets.size === 0) return; // TLS material is managed elsewhere
        if (m.secrets.some((s) => s.unknown)) return; // a secret's name is decided at `pulumi up`
        const byName = new Map<string, typeof m.secrets>();
        for (const s of m.secrets) {
            const list = byName.get(s.name ?? "");
            if (list) list.push(s);
            else byName.set(s.name ?? "", [s]);
        }
        for (const gw of m.gateways) {
            if (gw.selectorUnknown) continue;
            const workloads = m.workloadsOf(gw, scope);
            const namespaces = [...new Set(workloads.map((w) => w.namespace))];
            if (namespaces.length !== 1) continue; // no pods in the stack, or ambiguous: istio-gateway-selector-*
            const podNamespace = namespaces[0];
            const pods = workloads.map((w) => w.id).join(", ");
            gw.servers.forEach((server, i) => {
                const credential = known(() => server.tls?.credentialName);
                if (!credential || typeof credential !== "string") return;
                const candidates = byName.get(credential) ?? [];
                const inPlace = candidates.find((s) => s.namespace === podNamespace);
                if (!inPlace) {
                    if (m.certificateSecrets.has(`${podNamespace}/${credential}`)) return;
                    const elsewhere = candidates.map((s) => s.namespace).join(", ");
                    report(`Gateway ${objectId(gw)} servers[${i}]: credentialName "${credential}" has no secret in namespace ${podNamespace}, where its gateway pods (${pods}) run${elsewhere ? `; one exists in ${elsewhere}, which Istio cannot read from there` : ""} (IST0101). Create the TLS secret in ${podNamespace}.`, gw.resource.urn);
                    return;
                }
                const tlsKeys = (a: string, b: string) => inPlace.keys.includes(a) && inPlace.keys.includes(b);
                if (inPlace.type !== "kubernetes.io/tls" && !tlsKeys("tls.crt", "tls.key") && !tlsKeys("cert", "key")) {
                    report(`Gateway ${objectId(gw)} servers[${i}]: secret ${podNamespace}/${credential} is of type ${inPlace.type ?? "Opaque"} without tls.crt/tls.key (IST0161); make it type kubernetes.io/tls.`, gw.resource.urn);
                }
            });
        }
    },
};

export const selectorMatches: StackValidationPolicy = {
    name: "istio-gateway-selector-matches",
    description:
        "Mirrors istioctl analyze IST0101 (ReferencedResourceNotFound, selector), https://istio.io/latest/docs/reference/config/analysis/ist0101/: " +
        "each Gateway's selector matches the labels of some workload — a Pod's labels, or the pod template of a Deployment, StatefulSet, DaemonSet or ReplicaSet, " +
        "or an Istio gateway chart (helm v3/v4 Chart, v3 Release) — in any namespace, as istiod selects by default (config scopeGatewayToNamespace for istiod's " +
        "PILOT_SCOPE_GATEWAY_TO_NAMESPACE=true). istioctl sees the whole cluster and this pack only the stack, so the rule judges stacks that create gateway pods " +
        "(or when config workloadsInStack is true); a stack creating none uses gateways installed elsewhere. Fix: select on the labels of the gateway's pods.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            ...SELECTION_CONFIG,
            workloadsInStack: { type: "boolean", default: false, description: "Judge even a stack that creates no gateway pods: all gateway pods are in this stack." },
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const config = configOf<SelectionConfig & { workloadsInStack?: boolean }>(args);
        const m = analyzerModel(args);
        if (m.allWorkloads.some((w) => w.labelsUnknown)) return; // decided at `pulumi up`
        const gatewayPods = m.workloads.length > 0 ||
            m.gateways.some((gw) => !gw.selectorUnknown && Object.keys(gw.selector ?? {}).length > 0 && m.select(gw.selector).length > 0);
        if (!gatewayPods && !config.workloadsInStack) return; // the gateways are installed elsewhere
        for (const gw of m.gateways) {
            if (gw.selectorUnknown || Object.keys(gw.selector ?? {}).length === 0) continue;
            const namespace = config.scopeGatewayToNamespace ? gw.namespace : undefined;
            if (m.select(gw.selector, { namespace }).length > 0) continue;
            const gatewayList = m.workloads.map((w) => `${w.id} ${JSON.stringify(w.labels)}`).join("; ");
            report(`Gateway ${objectId(gw)}: selector ${JSON.stringify(gw.selector)} matches no workload${namespace ? ` in namespace ${namespace}` : ""} in this stack (IST0101); its servers reach no pods${gatewayList ? `. Gateway workloads: ${gatewayList}` : ""}.`, gw.resource.urn);
        }
    },
};

export const selectorSingleWorkload: StackValidationPolicy = {
    name: "istio-gateway-selector-single-workload",
    description:
        "Stricter than Istio (our isolation convention): each Gateway's selector matches at most one gateway workload created in this stack (a gateway Deployment or Pod, " +
        "or an Istio gateway chart). Istio applies a Gateway to every gateway it selects, which is valid, but with isolated gateways it makes one gateway serve another's hosts " +
        "(istio/istio#30717). Advisory by default. Fix: give every gateway unique labels (the chart's values.labels) and select on them.",
    severity: "medium",
    enforcementLevel: "advisory",
    configSchema: { properties: { scopeGatewayToNamespace: SELECTION_CONFIG.scopeGatewayToNamespace } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const scope = !!configOf<SelectionConfig>(args).scopeGatewayToNamespace;
        const m = model(args);
        for (const gw of m.gateways) {
            if (gw.selectorUnknown) continue; // decided at `pulumi up`
            const matched = m.workloadsOf(gw, scope);
            if (matched.length > 1) {
                report(`Gateway ${objectId(gw)}: selector ${JSON.stringify(gw.selector ?? {})} matches ${matched.length} gateway workloads (${matched.map((w) => w.id).join(", ")}); select exactly one, on a label unique to it.`, gw.resource.urn);
            }
        }
    },
};

/**
 * Where a Gateway's servers land, for IST0145 and the overlap rule: the workloads of the stack its
 * selector picks (in its namespace with scopeGatewayToNamespace), else its selector itself, so that
 * Gateways with identical selectors meet even when their pods are installed elsewhere.
 */
function landingsOf(m: StackModel, gw: GatewayObject, scope: boolean): string[] {
    const workloads = m.select(gw.selector, { namespace: scope ? gw.namespace : undefined });
    return workloads.length > 0 ? workloads.map((w) => w.id)
        : [`selector ${canonicalJson(gw.selector ?? {})}${scope ? ` in ${gw.namespace}` : ""}`];
}

/**
 * IST0145's selector rule (conflictinggateway.go): equal selector strings meet; different ones only
 * when one string contains the other and some pod matches both (the caller's shared landing).
 * So {istio=gw} meets {app=edge,istio=gw} on a pod with both labels, {a=1,c=1} never meets {a=1,b=1,c=1}.
 */
const selectorsMeet = (a: string, b: string) => a === b || a.includes(b) || b.includes(a);

/** A server's host entries when all are known (an unknown one is decided at `pulumi up`). */
function hostEntries(server: GatewayServer): string[] {
    const hosts = known(() => { const h = server.hosts; return Array.isArray(h) ? [...h] : []; }) ?? [];
    return hosts.filter((h): h is string => typeof h === "string");
}

export const conflictingGateways: StackValidationPolicy = {
    name: "istio-gateway-conflicts",
    description:
        "Mirrors istioctl analyze IST0145 (ConflictingGateways, Istio 1.30), https://istio.io/latest/docs/reference/config/analysis/ist0145/: two Gateway objects with " +
        "the same selector (its labels compared as Istio does: identical selectors always meet; different ones only when one's k=v string contains the other's and a workload " +
        "of this stack carries both) have no servers on the same port number and bind with the same host entry. Like Istio's check (model.CheckDuplicates) hosts are compared " +
        "as exact, case-sensitive strings, namespace part included (\"ns/a.example.com\" is not \"a.example.com\"); port name, protocol and TLS settings do not matter. " +
        "Each Gateway involved gets its own finding. Wildcard and other semantic overlaps are reported by istio-gateway-host-overlap (advisory). " +
        "Fix: put the host in one Gateway, or use a different port or gateway workload for one of them.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: { ...SELECTION_CONFIG } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const scope = !!configOf<SelectionConfig>(args).scopeGatewayToNamespace;
        const m = analyzerModel(args);
        // landing, port number, bind and exact host entry → the Gateways with such a server.
        const served = new Map<string, Set<GatewayObject>>();
        const keyOf = (landing: string, port: unknown, bind: string, host: string) => JSON.stringify([landing, String(port), bind, host]);
        const judged: { gw: GatewayObject; landings: string[]; selector: string }[] = [];
        for (const gw of m.gateways) {
            if (gw.selectorUnknown) continue; // decided at `pulumi up`
            const landings = landingsOf(m, gw, scope);
            judged.push({ gw, landings, selector: istioSelectorString(gw.selector) });
            for (const server of gw.servers) {
                const port = known(() => server.port?.number);
                if (port === undefined) continue;
                const bind = known(() => server.bind) ?? "";
                for (const host of hostEntries(server)) {
                    for (const landing of landings) {
                        const key = keyOf(landing, port, bind, host);
                        const set = served.get(key);
                        if (set) set.add(gw);
                        else served.set(key, new Set([gw]));
                    }
                }
            }
        }
        const selectorOf = new Map(judged.map((j) => [j.gw, j.selector]));
        // Istio analyses every Gateway against all others, so each one of a conflict gets its own message, per server.
        for (const { gw, landings, selector } of judged) {
            gw.servers.forEach((server, i) => {
                const port = known(() => server.port?.number);
                if (port === undefined) return;
                const bind = known(() => server.bind) ?? "";
                const others = new Set<string>(), where = new Set<string>(), hosts = new Set<string>();
                for (const host of hostEntries(server)) {
                    for (const landing of landings) {
                        for (const other of served.get(keyOf(landing, port, bind, host)) ?? []) {
                            if (other === gw || !selectorsMeet(selector, selectorOf.get(other)!)) continue;
                            others.add(objectId(other));
                            where.add(landing);
                            hosts.add(host);
                        }
                    }
                }
                if (others.size === 0) return;
                const list = [...others].sort();
                report(`Gateway ${objectId(gw)} servers[${i}]: conflicts with Gateway${list.length > 1 ? "s" : ""} ${list.join(", ")} (IST0145): same gateway workload (${[...where].join(", ")}), ` +
                    `port ${port}${bind ? `, bind ${bind}` : ""} and host${hosts.size > 1 ? "s" : ""} ${[...hosts].map((h) => JSON.stringify(h)).join(", ")}. ` +
                    "Istio reports this as an error; for TLS servers istiod keeps only the one created first. Put the host in one Gateway, or use a different port or gateway workload for one of them.", gw.resource.urn);
            });
        }
    },
};

export const gatewayHostOverlap: StackValidationPolicy = {
    name: "istio-gateway-host-overlap",
    description:
        "Stricter than Istio: IST0145 (istio-gateway-conflicts, https://istio.io/latest/docs/reference/config/analysis/ist0145/) only reports the identical host string, " +
        "so this reports the other overlaps between servers of different Gateway " +
        "objects landing on the same gateway workload, port number and bind: a wildcard (\"*\", \"*/*\", \"*.example.com\") and a name it matches, or one name written two ways " +
        "(\"*/a.example.com\" and \"a.example.com\", another case, or selectors IST0145 does not compare). Namespace parts (ns/) are ignored: they choose which VirtualServices " +
        "bind, not which server takes a connection. Istio accepts these, but the Gateways are not independent: for TLS, Envoy picks one server per connection by SNI (the " +
        "most specific name), so the other Gateway's server never sees those names; for plain HTTP, the servers are merged into one route table where both Gateways' " +
        "VirtualServices mix. Advisory by default. Fix: serve overlapping hosts from one Gateway, or make them disjoint.",
    severity: "medium",
    enforcementLevel: "advisory",
    configSchema: { properties: { scopeGatewayToNamespace: SELECTION_CONFIG.scopeGatewayToNamespace } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const scope = !!configOf<SelectionConfig>(args).scopeGatewayToNamespace;
        const m = model(args);
        type Served = { gw: GatewayObject; entry: string; selector: string };
        // landing|port|bind → hosts (bare, lower case: DNS names are case-insensitive), keyed by Gateway.
        const buckets = new Map<string, HostIndex<Served>>();
        const reported = new Set<string>();
        for (const gw of m.gateways) {
            if (gw.selectorUnknown) continue;
            const id = objectId(gw);
            const selector = istioSelectorString(gw.selector);
            const landings = landingsOf(m, gw, scope);
            gw.servers.forEach((server, i) => {
                const port = known(() => server.port?.number);
                if (port === undefined) return;
                const bind = known(() => server.bind) ?? "";
                for (const entry of hostEntries(server)) {
                    const host = bareHost(entry).toLowerCase();
                    for (const landing of landings) {
                        const key = JSON.stringify([landing, String(port), bind]);
                        let index = buckets.get(key);
                        if (!index) {
                            index = new HostIndex<Served>();
                            buckets.set(key, index);
                        }
                        const clash = index.findIntersecting(host, id);
                        // The identical entry on meeting selectors is IST0145's (mandatory) finding.
                        const ist0145 = clash && clash.value.entry === entry && selectorsMeet(selector, clash.value.selector);
                        const once = clash && `${id}|${i}|${objectId(clash.value.gw)}`;
                        if (clash && once && !ist0145 && !reported.has(once)) {
                            reported.add(once);
                            report(`Gateway ${objectId(gw)} servers[${i}]: host "${entry}" overlaps "${clash.value.entry}" of Gateway ${objectId(clash.value.gw)} on the same gateway workload (${landing}) and port ${port}; ` +
                                "Istio accepts it (IST0145 compares exact strings only), but for TLS one server takes those names by SNI and for plain HTTP the two Gateways' routes mix. " +
                                "Serve the hosts from one Gateway, or make them disjoint.", gw.resource.urn);
                        }
                        index.add(host, id, { gw, entry, selector });
                    }
                }
            });
        }
    },
};

/** Where each VirtualService `gateways` entry leads. */
type Binding =
    | { kind: "mesh" }
    | { kind: "istio"; gateway: GatewayObject; full: string }
    | { kind: "k8s"; full: string; hostnames: (string | undefined)[] }
    | { kind: "external"; full: string }
    | { kind: "internal"; full: string }
    | { kind: "missing"; full: string };

function bindingsOf(vs: VirtualServiceObject, gatewaysById: Map<string, GatewayObject>, api: GatewayApiModel, external: Set<string>): { ref: string; binding: Binding }[] {
    return vs.gateways.map((ref) => {
        if (ref === "mesh") return { ref, binding: { kind: "mesh" } as Binding };
        const full = resolveGatewayReference(ref, vs.namespace);
        if (full.includes("~")) return { ref, binding: { kind: "internal", full } as Binding };
        const gateway = gatewaysById.get(full);
        if (gateway) return { ref, binding: { kind: "istio", gateway, full } as Binding };
        const [ns, name] = [full.slice(0, full.indexOf("/")), full.slice(full.indexOf("/") + 1)];
        const k8s = api.gateway(ns, name);
        if (k8s) return { ref, binding: { kind: "k8s", full, hostnames: k8s.listeners.map((l) => l.hostname) } as Binding };
        return { ref, binding: { kind: external.has(full) ? "external" : "missing", full } as Binding };
    });
}

export const virtualServiceGatewaysResolve: StackValidationPolicy = {
    name: "istio-virtualservice-gateway-resolves",
    description:
        "Mirrors istioctl analyze IST0101 (ReferencedResourceNotFound, gateway) and IST0132 (VirtualServiceHostNotFoundInGateway), " +
        "https://istio.io/latest/docs/reference/config/analysis/ist0101/ and .../ist0132/: every gateway a VirtualService binds to (\"<namespace>/<name>\"; a bare name, " +
        "\"./name\" or the legacy \"name.namespace\" resolve as istiod does; \"mesh\" is the sidecars, not a Gateway) is an Istio Gateway of this stack, a Kubernetes Gateway API " +
        "Gateway of this stack with that namespace/name, or listed in config externalGateways; and each VirtualService host is served by at least one bound gateway " +
        "(a server host matching it, wildcards included, whose namespace part — \"ns/\", \"./\", \"*/\" — admits the VirtualService's namespace; a listener hostname for a " +
        "Gateway API Gateway). Hosts are not checked when \"mesh\" is bound or a bound gateway is external. istioctl also warns about a bound Gateway that matches none of the " +
        "hosts although another does; that changes no routing, so it is not reported. Fix: write the reference as <namespace>/<name> and use a host a bound gateway serves.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            externalGateways: { type: "array", items: { type: "string" }, default: [] },
            includeSystemNamespaces: SELECTION_CONFIG.includeSystemNamespaces,
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const external = new Set(configOf<{ externalGateways?: string[] }>(args).externalGateways ?? []);
        const m = analyzerModel(args);
        const api = GatewayApiModel.of(model(args));
        const gatewaysById = new Map(m.gateways.map((g) => [objectId(g), g]));
        const gatewaysByName = new Map<string, string[]>();
        for (const g of m.gateways) gatewaysByName.set(g.name ?? "", [...(gatewaysByName.get(g.name ?? "") ?? []), objectId(g)]);
        // Per Gateway: namespace part of its server hosts → index of the hosts (built on first use).
        const hostIndexes = new Map<GatewayObject, Map<string, HostIndex<true>>>();
        const indexOf = (gw: GatewayObject) => {
            let byNamespace = hostIndexes.get(gw);
            if (!byNamespace) {
                byNamespace = new Map();
                for (const server of gw.servers) {
                    for (const entry of known(() => server.hosts) ?? []) {
                        if (typeof entry !== "string") continue;
                        const { namespace, host } = serverHostScope(entry, gw.namespace);
                        let index = byNamespace.get(namespace);
                        if (!index) {
                            index = new HostIndex<true>();
                            byNamespace.set(namespace, index);
                        }
                        index.add(host, "", true);
                    }
                }
                hostIndexes.set(gw, byNamespace);
            }
            return byNamespace;
        };
        for (const vs of m.virtualServices) {
            const id = objectId(vs);
            const bindings = bindingsOf(vs, gatewaysById, api, external);
            for (const { ref, binding } of bindings) {
                if (binding.kind !== "missing") continue;
                const sameName = gatewaysByName.get(binding.full.split("/")[1]) ?? [];
                report(`VirtualService ${id}: gateway "${ref}" resolves to ${binding.full}, which is not a Gateway in this stack${sameName.length ? `; did you mean ${sameName.join(" or ")}?` : ""} (IST0101). Write it as <namespace>/<name>, or list it in externalGateways.`, vs.resource.urn);
            }
            if (vs.hosts.length === 0 || bindings.length === 0) continue; // delegate, or mesh only
            if (bindings.some(({ binding }) => (binding.kind !== "istio" && binding.kind !== "k8s") ||
                (binding.kind === "istio" && binding.gateway.serversUnknown))) continue;
            const served = (host: string) => bindings.some(({ binding }) => {
                if (binding.kind === "k8s") return binding.hostnames.some((h) => !h || hostsIntersect(h, host));
                if (binding.kind !== "istio") return false;
                const byNamespace = indexOf(binding.gateway);
                return [byNamespace.get("*"), byNamespace.get(vs.namespace)].some((index) => index?.findIntersecting(host) !== undefined);
            });
            const misses = vs.hosts.filter((h) => typeof h === "string" && !served(h));
            if (misses.length > 0) {
                const gateways = bindings.map(({ binding }) => (binding as { full: string }).full).join(", ");
                report(`VirtualService ${id}: host(s) ${misses.join(", ")} are served by none of its gateways (${gateways}) for namespace ${vs.namespace} (IST0132); requests for them get 404. Use a host a bound gateway serves, or add it to a Gateway server.`, vs.resource.urn);
            }
        }
    },
};

export const hostIsolation: StackValidationPolicy = {
    name: "istio-gateway-host-isolation",
    description:
        "Stricter than Istio (our isolation convention): no host is served by two different gateways (Gateways landing on different gateway pods), including through a " +
        "wildcard. Istio allows it, but then the gateways are not isolated: a host meant for the internal gateway answers on the public one. Advisory by default. " +
        "Fix: serve each host from one gateway only.",
    severity: "medium",
    enforcementLevel: "advisory",
    configSchema: { properties: { scopeGatewayToNamespace: SELECTION_CONFIG.scopeGatewayToNamespace } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const scope = !!configOf<SelectionConfig>(args).scopeGatewayToNamespace;
        const m = model(args);
        const served = new HostIndex<{ host: string; gw: GatewayObject }>();
        for (const gw of m.gateways) {
            const landing = landingKey(m, gw, scope);
            const hosts = new Set(gw.servers.flatMap((s) => (known(() => s.hosts) ?? []).filter((h) => typeof h === "string").map(bareHost)));
            for (const host of hosts) {
                if (host === "*") continue; // reported by istio-gateway-no-wildcard-host
                const clash = served.findIntersecting(host, landing);
                if (clash) {
                    report(`Gateway ${objectId(gw)}: host "${host}" is also served by Gateway ${objectId(clash.value.gw)} as "${clash.value.host}" on other gateway pods (${clash.key} vs ${landing}); serve it from one gateway only.`, gw.resource.urn);
                }
            }
            for (const host of hosts) if (host !== "*") served.add(host, landing, { host, gw });
        }
    },
};

export const ipsInPools: StackValidationPolicy = {
    name: "metallb-ip-in-pool",
    description:
        "Mirrors MetalLB: every LoadBalancer IP a Service requests (metallb.io/loadBalancerIPs, or spec.loadBalancerIP) lies in exactly one MetalLB IPAddressPool of this stack, " +
        "and pools do not overlap (MetalLB refuses overlapping pools); otherwise the Service stays at EXTERNAL-IP <pending>. Fix: request an address inside one pool, or add a pool holding it.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const m = model(args);
        if (m.pools.length === 0) return; // pools are managed elsewhere
        const pools = new PoolSet(m.pools);
        for (const bad of pools.invalid) report(`IPAddressPool ${bad.pool.name}: address "${bad.text}" ${bad.reason}.`, bad.pool.resource.urn);
        for (const o of pools.overlaps()) {
            report(`IPAddressPools ${o.a.name} and ${o.b.name} overlap (${o.block.text}); give each address to one pool.`, o.b.resource.urn);
        }
        // With a pool's addresses unknown until `pulumi up`, where an IP falls cannot be decided yet.
        if (m.pools.some((p) => p.unknown)) return;
        for (const svc of m.services) {
            const annotation = METALLB_IP_ANNOTATIONS.map((a) => svc.annotations[a]).find((v) => v !== undefined);
            const requested = [...(annotation ? String(annotation).split(",") : []), ...(svc.loadBalancerIP ? [svc.loadBalancerIP] : [])];
            const poolName = svc.annotations["metallb.io/address-pool"] ?? svc.annotations["metallb.universe.tf/address-pool"];
            for (const problem of checkRequestedIps(requested, poolName, pools)) report(`Service ${svc.id}: ${problem}`, svc.resource.urn);
        }
    },
};

/** What is wrong with the IPs a Service (or a Gateway) asks MetalLB for, one sentence each. */
export function checkRequestedIps(requested: string[], poolName: string | undefined, pools: PoolSet<{ name?: string; addresses: string[] }>): string[] {
    const problems: string[] = [];
    const all = () => pools.pools.map((p) => `${p.name} (${p.addresses.join(", ")})`).join("; ");
    for (const text of requested.map((s) => s.trim()).filter((s) => s.length > 0)) {
        const ip = parseIp(text);
        if (!ip) {
            problems.push(`requested IP "${text}" is not an IP address.`);
            continue;
        }
        const holders = pools.holders(ip);
        if (holders.length === 0) {
            problems.push(`requested IP ${text} is in no IPAddressPool (pools: ${all()}); it would stay <pending>.`);
        } else if (holders.length > 1) {
            problems.push(`requested IP ${text} is in ${holders.length} pools (${holders.map((h) => h.name).join(", ")}); it must be in exactly one.`);
        } else if (poolName && holders[0].name !== poolName) {
            problems.push(`requested IP ${text} is in pool ${holders[0].name}, but the Service asks for pool ${poolName}.`);
        }
    }
    return problems;
}

const parseSubnet = (s: string) => {
    try {
        return parseAddressBlock(s.includes("/") || s.includes("-") ? s : `${s}/${s.includes(":") ? 128 : 32}`);
    } catch {
        return undefined;
    }
};

/** Rules of one route list that can never match, with the earlier rule that takes their traffic. */
function shadowed<R extends { match?: any[]; name?: string }>(rules: R[], coversOrThrows: (a: any, b: any) => boolean): { later: number; earlier: number }[] {
    // A match holding a value unknown until `pulumi up` covers nothing yet.
    const covers = (a: any, b: any) => probe(() => coversOrThrows(a, b)) === true;
    const out: { later: number; earlier: number }[] = [];
    const matchesOf = (rule: R) => {
        const list = known(() => rule?.match);
        return Array.isArray(list) && list.length > 0 ? list : [undefined];
    };
    rules.forEach((rule, j) => {
        let earlier: number | undefined;
        const reachable = matchesOf(rule).some((b) => {
            for (let i = 0; i < j; i++) {
                if (matchesOf(rules[i]).some((a) => covers(a, b))) {
                    earlier ??= i;
                    return false;
                }
            }
            return true;
        });
        if (!reachable && earlier !== undefined) out.push({ later: j, earlier });
    });
    return out;
}

export const unreachableRoutes: StackValidationPolicy = {
    name: "istio-virtualservice-unreachable-routes",
    description:
        "Mirrors Istio's IST0130 (VirtualServiceUnreachableRule) and IST0131 (VirtualServiceIneffectiveMatch), https://istio.io/latest/docs/reference/config/analysis/ist0130/: " +
        "no rule of a VirtualService's http, tls or tcp list is shadowed by earlier ones — a rule after one without matches, or whose every match an earlier match takes " +
        "(the same match; for http a covering URI prefix; for tls covering sniHosts; for tls and tcp the same or a wider port, destinationSubnets, sourceLabels, " +
        "gateways). It reports only what is certain: an earlier match with conditions it cannot compare never counts as covering. " +
        "Fix: order rules most specific first (exact, then longer prefixes) and keep one rule without matches, last.",
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: { properties: { includeSystemNamespaces: SELECTION_CONFIG.includeSystemNamespaces } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const m = analyzerModel(args);
        for (const vs of m.virtualServices) {
            const id = objectId(vs);
            const lists: [string, { match?: any[]; name?: string }[], (a: any, b: any) => boolean][] = [
                ["http", vs.http, matchCovers],
                ["tls", vs.tls, (a, b) => tlsMatchCovers(a, b, parseSubnet)],
                ["tcp", vs.tcp, (a, b) => tcpMatchCovers(a, b, parseSubnet)],
            ];
            for (const [kind, rules, covers] of lists) {
                for (const { later, earlier } of shadowed(rules, covers)) {
                    const label = (i: number) => `${kind}[${i}]${known(() => rules[i]?.name) ? ` (${rules[i].name})` : ""}`;
                    report(`VirtualService ${id}: ${label(later)} can never match: ${label(earlier)} before it takes all its ${kind === "http" ? "requests" : "connections"} (IST0130). Move the more specific rule first.`, vs.resource.urn);
                }
            }
        }
    },
};

export const virtualServiceSplitOverlap: StackValidationPolicy = {
    name: "istio-virtualservice-split-overlap",
    description:
        "Stricter than Istio (no analyzer checks it): two VirtualServices bound to the same gateway for the same host have no overlapping http matches. Istio merges " +
        "them in an order it does not define, so which one takes an overlapping request can change. Reports only certain overlaps (one match covers the other). " +
        "Advisory by default. Fix: keep all routes of one host on one gateway in one VirtualService, most specific rule first.",
    severity: "medium",
    enforcementLevel: "advisory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const m = model(args);
        const matchesOf = (rule: { match?: any[] }) => {
            const list = known(() => rule?.match);
            return Array.isArray(list) && list.length > 0 ? list : [undefined];
        };
        const buckets = new Map<string, VirtualServiceObject[]>();
        for (const vs of m.virtualServices) {
            const keys = new Set(vs.gateways.filter((g) => g !== "mesh").flatMap((g) =>
                vs.hosts.map((h) => `${resolveGatewayReference(g, vs.namespace)}|${h}`)));
            for (const key of keys) {
                const list = buckets.get(key);
                if (list) list.push(vs);
                else buckets.set(key, [vs]);
            }
        }
        const reported = new Set<string>();
        for (const [key, list] of buckets) {
            for (let x = 0; x < list.length; x++) {
                for (let y = x + 1; y < list.length; y++) {
                    const a = list[x], b = list[y];
                    const pair = `${objectId(a)}|${objectId(b)}`;
                    if (reported.has(pair)) continue;
                    const overlap = a.http.some((ra) => b.http.some((rb) =>
                        matchesOf(ra).some((ma) => matchesOf(rb).some((mb) => probe(() => matchesOverlap(ma, mb)) === true))));
                    if (!overlap) continue;
                    reported.add(pair);
                    const [gateway, host] = key.split("|");
                    report(`VirtualServices ${objectId(a)} and ${objectId(b)} both route host "${host}" on gateway ${gateway} with overlapping matches; Istio does not define which wins. Merge them into one VirtualService, most specific rule first.`, b.resource.urn);
                }
            }
        }
    },
};

export const stackPolicies: StackValidationPolicy[] = [
    credentialNameResolves, selectorMatches, conflictingGateways, virtualServiceGatewaysResolve, unreachableRoutes, ipsInPools,
    servicePortNaming, gatewayPortNamesDistinct, selectorSingleWorkload, hostIsolation, gatewayHostOverlap, virtualServiceSplitOverlap,
];


