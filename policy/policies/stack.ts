// Rules that need the whole stack: which Gateway lands on which gateway pods, which secret a
// credentialName finds, which VirtualService binds where, which IP falls in which pool.
import { ReportViolation, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { AddressBlock, blockContains, blocksOverlap, parseAddressBlock, parseIp } from "../lib/addresses";
import { ISTIO_PROTOCOLS, bareHost, hostsIntersect, matchCovers, matchesOverlap, parsePortName, selects } from "../lib/istio";
import { GatewayObject, StackModel, StackResource, VirtualServiceObject, known } from "../lib/model";
import { METALLB_IP_ANNOTATIONS } from "./resource";

const model = (args: StackValidationArgs) => new StackModel(args.resources as StackResource[]);
/** `<namespace>/<name>` of a Gateway or VirtualService, for messages and references. */
const objectId = (o: { namespace: string; name?: string; resource: StackResource }) => `${o.namespace}/${o.name ?? o.resource.name}`;

/** A VirtualService's gateway reference made absolute: a bare name means the VirtualService's namespace. */
const resolveGatewayRef = (vs: VirtualServiceObject, ref: string) => (ref.includes("/") ? ref : `${vs.namespace}/${ref}`);

/**
 * The pods a Gateway lands on, as a key: the one workload it selects when the stack creates it,
 * else its selector (so that Gateways with the same selector are still grouped together).
 */
function landingKey(m: StackModel, gw: GatewayObject): string {
    const workloads = m.workloadsOf(gw);
    return workloads.length === 1 ? workloads[0].id : `selector ${JSON.stringify(gw.selector ?? {})}`;
}

export const servicePortNaming: StackValidationPolicy = {
    name: "istio-service-port-naming",
    description:
        "Ports of Services in mesh namespaces (labelled istio-injection=enabled or istio.io/rev, or listed in config meshNamespaces) and of gateway Services " +
        `are named <protocol>[-<suffix>] (protocol one of ${ISTIO_PROTOCOLS.join(", ")}) or set appProtocol; otherwise Istio treats them as plain TCP and HTTP routing, retries and metrics are lost. ` +
        'Fix: name the port, e.g. "http" or "grpc-api", or set appProtocol.',
    severity: "medium",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            meshNamespaces: { type: "array", items: { type: "string" }, default: [] },
            ignoredPortNames: { type: "array", items: { type: "string" }, default: ["status-port"] },
        },
    },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const config = args.getConfig<{ meshNamespaces?: string[]; ignoredPortNames?: string[] }>();
        const ignored = new Set(config.ignoredPortNames ?? ["status-port"]);
        const m = model(args);
        const meshNamespaces = new Set([...m.meshNamespaces, ...(config.meshNamespaces ?? [])]);
        for (const svc of m.services) {
            const isGatewayService = m.workloads.some((w) => w.namespace === svc.namespace && selects(svc.selector, w.labels));
            if (!isGatewayService && !meshNamespaces.has(svc.namespace)) continue;
            svc.ports.forEach((port, i) => {
                const name = known(() => port.name);
                if (known(() => port.appProtocol) || (name && ignored.has(name)) || parsePortName(name)) return;
                report(`Service ${svc.id} ports[${i}] (port ${known(() => port.port) ?? "?"}): ${name ? `name "${name}" is not <protocol>[-<suffix>]` : "the port has no name"} and no appProtocol is set; Istio will treat it as TCP. Name it e.g. "http${name ? `-${name.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}` : ""}" or set appProtocol.`, svc.resource.urn);
            });
        }
    },
};

export const gatewayPortNamesUnique: StackValidationPolicy = {
    name: "istio-gateway-port-names-unique",
    description:
        "Servers that land on the same gateway pods and port number have distinct port names, across all Gateway objects; otherwise Istio silently drops one of them. " +
        'Fix: give each server its own name, e.g. "https-primary" and "https-secondary".',
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const m = model(args);
        const seen = new Map<string, { gw: GatewayObject; index: number }>();
        for (const gw of m.gateways) {
            const landing = landingKey(m, gw);
            gw.servers.forEach((server, index) => {
                const number = known(() => server.port?.number);
                const name = known(() => server.port?.name);
                if (number === undefined || !name) return;
                const key = `${landing}|${number}|${name}`;
                const first = seen.get(key);
                if (first) {
                    report(`Gateway ${objectId(gw)} servers[${index}]: port name "${name}" on port ${number} is also used by Gateway ${objectId(first.gw)} servers[${first.index}] on the same gateway pods (${landing}); Istio keeps only one. Rename one of them.`, gw.resource.urn);
                } else {
                    seen.set(key, { gw, index });
                }
            });
        }
    },
};

export const credentialNameResolves: StackValidationPolicy = {
    name: "istio-gateway-credential-resolves",
    description:
        "A Gateway server's tls.credentialName names a TLS secret (type kubernetes.io/tls, or keys tls.crt/tls.key or cert/key) in the namespace of the gateway pods it lands on — " +
        "not the Gateway's namespace — when this stack creates those pods. Istio never reads secrets across namespaces (\"failed to fetch key and certificate\"). Fix: create the secret in the gateway pods' namespace.",
    severity: "critical",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const m = model(args);
        for (const gw of m.gateways) {
            const workloads = m.workloadsOf(gw);
            if (workloads.length !== 1) continue; // decided by istio-gateway-selector-single-workload
            const podNamespace = workloads[0].namespace;
            gw.servers.forEach((server, i) => {
                const credential = known(() => server.tls?.credentialName);
                if (!credential) return;
                const candidates = m.secrets.filter((s) => s.name === credential);
                const inPlace = candidates.find((s) => s.namespace === podNamespace);
                if (!inPlace && m.secrets.some((s) => s.unknown)) return; // a secret's name is decided at `pulumi up`
                if (!inPlace) {
                    const elsewhere = candidates.map((s) => s.namespace).join(", ");
                    report(`Gateway ${objectId(gw)} servers[${i}]: credentialName "${credential}" has no secret in namespace ${podNamespace}, where its gateway pods (${workloads[0].id}) run${elsewhere ? `; one exists in ${elsewhere}, which Istio cannot read from there` : ""}. Create the TLS secret in ${podNamespace}.`, gw.resource.urn);
                    return;
                }
                const tlsKeys = (a: string, b: string) => inPlace.keys.includes(a) && inPlace.keys.includes(b);
                if (inPlace.type !== "kubernetes.io/tls" && !tlsKeys("tls.crt", "tls.key") && !tlsKeys("cert", "key")) {
                    report(`Gateway ${objectId(gw)} servers[${i}]: secret ${podNamespace}/${credential} is of type ${inPlace.type ?? "Opaque"} without tls.crt/tls.key; make it type kubernetes.io/tls.`, gw.resource.urn);
                }
            });
        }
    },
};

export const selectorSingleWorkload: StackValidationPolicy = {
    name: "istio-gateway-selector-single-workload",
    description:
        "Each Gateway's selector matches the pod labels of exactly one gateway workload created in this stack (a gateway Deployment or an Istio gateway chart). " +
        "Matching none makes its routes go nowhere (IST0101); matching two makes one gateway serve the other's hosts. Fix: give every gateway unique labels (the chart's values.labels) and select on them.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const m = model(args);
        if (m.workloads.length === 0) return; // the gateways are installed elsewhere
        const labelsUnknown = m.workloads.some((w) => w.labelsUnknown);
        for (const gw of m.gateways) {
            if (gw.selectorUnknown) continue; // decided at `pulumi up`
            const matched = m.workloadsOf(gw);
            const selector = JSON.stringify(gw.selector ?? {});
            if (matched.length === 0 && !labelsUnknown) {
                report(`Gateway ${objectId(gw)}: selector ${selector} matches no gateway workload in this stack; known gateways: ${m.workloads.map((w) => `${w.id} ${JSON.stringify(w.labels)}`).join("; ")}.`, gw.resource.urn);
            } else if (matched.length > 1) {
                report(`Gateway ${objectId(gw)}: selector ${selector} matches ${matched.length} gateway workloads (${matched.map((w) => w.id).join(", ")}); it must match exactly one. Select on a label unique to one gateway.`, gw.resource.urn);
            }
        }
    },
};

export const virtualServiceGatewaysResolve: StackValidationPolicy = {
    name: "istio-virtualservice-gateway-resolves",
    description:
        'Every gateway a VirtualService binds to ("<namespace>/<name>", or a bare name meaning the VirtualService\'s own namespace; "mesh" is allowed) is a Gateway in this stack ' +
        "(or listed in config externalGateways), and the VirtualService's hosts intersect that Gateway's hosts; otherwise every request gets 404. Fix: write the reference as <namespace>/<name> and use a host the Gateway serves.",
    severity: "high",
    enforcementLevel: "mandatory",
    configSchema: { properties: { externalGateways: { type: "array", items: { type: "string" }, default: [] } } },
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const external = new Set(args.getConfig<{ externalGateways?: string[] }>().externalGateways ?? []);
        const m = model(args);
        for (const vs of m.virtualServices) {
            const id = objectId(vs);
            for (const ref of vs.gateways) {
                if (ref === "mesh") continue;
                const full = resolveGatewayRef(vs, ref);
                if (external.has(full)) continue;
                const target = m.gateways.find((gw) => objectId(gw) === full);
                if (!target) {
                    const sameName = m.gateways.filter((gw) => gw.name === full.split("/")[1]).map(objectId);
                    report(`VirtualService ${id}: gateway "${ref}" resolves to ${full}, which is not a Gateway in this stack${sameName.length ? `; did you mean ${sameName.join(" or ")}?` : ""}. Write it as <namespace>/<name>, or list it in externalGateways.`, vs.resource.urn);
                    continue;
                }
                const gatewayHosts = target.servers.flatMap((s) => (known(() => s.hosts) ?? []).map(bareHost));
                const misses = vs.hosts.filter((h) => !gatewayHosts.some((g) => hostsIntersect(g, h)));
                if (misses.length > 0) {
                    report(`VirtualService ${id}: host(s) ${misses.join(", ")} are not served by Gateway ${full} (hosts: ${gatewayHosts.join(", ")}); requests for them get 404.`, vs.resource.urn);
                }
            }
        }
    },
};

export const hostIsolation: StackValidationPolicy = {
    name: "istio-gateway-host-isolation",
    description:
        "No host is served by two different gateways (Gateways landing on different gateway pods), including through a wildcard. Otherwise the gateways are not isolated: " +
        "a host meant for the internal gateway answers on the public one. Fix: serve each host from one gateway only.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const m = model(args);
        const served: { host: string; landing: string; gw: GatewayObject }[] = [];
        for (const gw of m.gateways) {
            const landing = landingKey(m, gw);
            const hosts = new Set(gw.servers.flatMap((s) => (known(() => s.hosts) ?? []).map(bareHost)));
            for (const host of hosts) {
                if (host === "*") continue; // reported by istio-gateway-no-wildcard-host
                const clash = served.find((o) => o.landing !== landing && hostsIntersect(o.host, host));
                if (clash) {
                    report(`Gateway ${objectId(gw)}: host "${host}" is also served by Gateway ${objectId(clash.gw)} as "${clash.host}" on other gateway pods (${clash.landing} vs ${landing}); serve it from one gateway only.`, gw.resource.urn);
                }
                served.push({ host, landing, gw });
            }
        }
    },
};

export const ipsInPools: StackValidationPolicy = {
    name: "metallb-ip-in-pool",
    description:
        "Every LoadBalancer IP a Service requests (metallb.io/loadBalancerIPs, or spec.loadBalancerIP) lies in exactly one MetalLB IPAddressPool of this stack, " +
        "and pools do not overlap; otherwise the Service stays at EXTERNAL-IP <pending>. Fix: request an address inside one pool, or add a pool holding it.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const m = model(args);
        if (m.pools.length === 0) return; // pools are managed elsewhere
        const pools = m.pools.map((p) => ({
            pool: p,
            blocks: p.addresses.flatMap((text): AddressBlock[] => {
                try {
                    return [parseAddressBlock(text)];
                } catch (err) {
                    report(`IPAddressPool ${p.name}: address "${text}" ${(err as Error).message}.`, p.resource.urn);
                    return [];
                }
            }),
        }));
        for (let i = 0; i < pools.length; i++) {
            for (let j = i + 1; j < pools.length; j++) {
                const a = pools[i].blocks.find((x) => pools[j].blocks.some((y) => blocksOverlap(x, y)));
                if (a) {
                    report(`IPAddressPools ${pools[i].pool.name} and ${pools[j].pool.name} overlap (${a.text}); give each address to one pool.`, pools[j].pool.resource.urn);
                }
            }
        }
        // With a pool's addresses unknown until `pulumi up`, where an IP falls cannot be decided yet.
        const poolsKnown = m.pools.every((p) => !p.unknown);
        for (const svc of poolsKnown ? m.services : []) {
            const annotation = METALLB_IP_ANNOTATIONS.map((a) => svc.annotations[a]).find((v) => v !== undefined);
            const requested = [...(annotation ? String(annotation).split(",") : []), ...(svc.loadBalancerIP ? [svc.loadBalancerIP] : [])]
                .map((s) => s.trim()).filter((s) => s.length > 0);
            const poolName = svc.annotations["metallb.io/address-pool"] ?? svc.annotations["metallb.universe.tf/address-pool"];
            for (const text of requested) {
                const ip = parseIp(text);
                if (!ip) {
                    report(`Service ${svc.id}: requested IP "${text}" is not an IP address.`, svc.resource.urn);
                    continue;
                }
                const holders = pools.filter((p) => p.blocks.some((b) => blockContains(b, ip)));
                const all = pools.map((p) => `${p.pool.name} (${p.pool.addresses.join(", ")})`).join("; ");
                if (holders.length === 0) {
                    report(`Service ${svc.id}: requested IP ${text} is in no IPAddressPool (pools: ${all}); it would stay <pending>.`, svc.resource.urn);
                } else if (holders.length > 1) {
                    report(`Service ${svc.id}: requested IP ${text} is in ${holders.length} pools (${holders.map((h) => h.pool.name).join(", ")}); it must be in exactly one.`, svc.resource.urn);
                } else if (poolName && holders[0].pool.name !== poolName) {
                    report(`Service ${svc.id}: requested IP ${text} is in pool ${holders[0].pool.name}, but the Service asks for pool ${poolName}.`, svc.resource.urn);
                }
            }
        }
    },
};

export const unreachableRoutes: StackValidationPolicy = {
    name: "istio-virtualservice-unreachable-routes",
    description:
        "No VirtualService rule is shadowed by an earlier rule (a duplicate match, or anything after a catch-all or a covering prefix), and no two VirtualServices bound to " +
        "the same gateway and host have overlapping matches, since Istio defines no order between them. Fix: order rules most specific first (exact, then longer prefixes), " +
        "and keep all routes of one host on one gateway in one VirtualService.",
    severity: "medium",
    enforcementLevel: "mandatory",
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
        const m = model(args);
        const matchesOf = (rule: { match?: any[] }) => (known(() => rule.match) ?? []).length > 0 ? known(() => rule.match)! : [undefined];
        for (const vs of m.virtualServices) {
            const id = objectId(vs);
            vs.http.forEach((rule, j) => {
                for (let i = 0; i < j; i++) {
                    const earlier = vs.http[i];
                    if (matchesOf(rule).every((b: any) => matchesOf(earlier).some((a: any) => matchCovers(a, b)))) {
                        report(`VirtualService ${id}: http[${j}]${rule.name ? ` (${rule.name})` : ""} can never match: http[${i}]${earlier.name ? ` (${earlier.name})` : ""} before it takes all its requests. Move the more specific rule first.`, vs.resource.urn);
                        break;
                    }
                }
            });
        }
        // Overlaps between VirtualServices that share a gateway and a host.
        const bound = m.virtualServices.flatMap((vs) => vs.gateways.filter((g) => g !== "mesh").map((g) => ({
            vs, gateway: resolveGatewayRef(vs, g),
        })));
        for (let x = 0; x < bound.length; x++) {
            for (let y = x + 1; y < bound.length; y++) {
                const a = bound[x], b = bound[y];
                if (a.gateway !== b.gateway || a.vs === b.vs) continue;
                const host = a.vs.hosts.find((h) => b.vs.hosts.some((k) => hostsIntersect(h, k)));
                if (!host) continue;
                const overlap = a.vs.http.some((ra) => b.vs.http.some((rb) =>
                    matchesOf(ra).some((ma: any) => matchesOf(rb).some((mb: any) => matchesOverlap(ma, mb)))));
                if (overlap) {
                    report(`VirtualServices ${objectId(a.vs)} and ${objectId(b.vs)} both route host "${host}" on gateway ${a.gateway} with overlapping matches; Istio does not define which wins. Merge them into one VirtualService, most specific rule first.`, b.vs.resource.urn);
                }
            }
        }
    },
};

export const stackPolicies: StackValidationPolicy[] = [
    servicePortNaming, gatewayPortNamesUnique, credentialNameResolves, selectorSingleWorkload,
    virtualServiceGatewaysResolve, hostIsolation, ipsInPools, unreachableRoutes,
];
