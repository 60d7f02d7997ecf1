// Rules that judge one object at a time.
import { ReportViolation, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import {
    ISTIO_PROTOCOLS, bareHost, fqdnError, gatewayServerHostError, hostsIntersect, isDns1123Label, isGatewayServerProtocol,
    namedProtocolsFor, parsePortName, wildcardDomainError,
} from "../lib/istio";
import { GATEWAY_TYPE, GatewayServer, StackModel, UNKNOWN, VIRTUAL_SERVICE_TYPE, known, nameOf, namespaceOf, probe } from "../lib/model";
import { METALLB_IP_ANNOTATIONS } from "../lib/metallb";

const serverLabel = (server: GatewayServer, i: number) =>
    `servers[${i}] (port ${known(() => server.port?.number) ?? "?"}${known(() => server.port?.name) ? ` "${server.port!.name}"` : ""})`;

/**
 * A validation that runs `check` on every server of an Istio Gateway (any served apiVersion);
 * `at` names the Gateway and the server for messages.
 */
function eachGatewayServer(check: (server: GatewayServer, at: string, index: number, report: ReportViolation) => void): ResourceValidation {
    return (args: ResourceValidationArgs, report: ReportViolation) => {
        if (!GATEWAY_TYPE.test(args.type)) return;
        const where = `Gateway ${namespaceOf(args.props)}/${nameOf(args.props) ?? args.name}`;
        const servers: GatewayServer[] = known(() => args.props.spec?.servers) ?? [];
        servers.forEach((server, i) => check(server, `${where} ${serverLabel(server, i)}`, i, report));
    };
}

export const gatewayPortNaming: ResourceValidationPolicy = {
    name: "istio-gateway-port-naming",
    description:
        "Stricter than Istio (a naming convention): every Gateway server port name has the form <protocol> or <protocol>-<suffix> (protocol one of " +
        `${ISTIO_PROTOCOLS.join(", ")}), matching the server's protocol. Istio takes a Gateway server's protocol from port.protocol, not from the name ` +
        "(protocol detection by name applies to Services), so a mismatched name misleads readers and dashboards but breaks no traffic; " +
        "a missing name is refused by Istio's webhook and reported by istio-gateway-validation. Advisory by default. " +
        'Fix: rename the port, e.g. "http2foo" → "http2-foo", "web" → "http-web", "https_admin" → "https-admin".',
    severity: "low",
    enforcementLevel: "advisory",
    validateResource: eachGatewayServer((server, at, _i, report) => {
        const name = probe(() => server.port?.name);
        const protocol = known(() => server.port?.protocol);
        if (name === UNKNOWN) return; // decided at `pulumi up`
        if (typeof name !== "string" || name.length === 0) return; // istio-gateway-validation
        const parsed = parsePortName(name);
        if (!parsed) {
            report(`${at}: port name "${name}" is not <protocol>[-<suffix>] with protocol one of ${ISTIO_PROTOCOLS.join(", ")} and a lower-case DNS-label suffix. Rename it, e.g. "${suggestName(name, protocol)}".`);
            return;
        }
        if (typeof protocol === "string" && !namedProtocolsFor(protocol).includes(parsed.protocol)) {
            report(`${at}: port name "${name}" announces ${parsed.protocol} but the server's protocol is ${protocol}. Rename it to "${namedProtocolsFor(protocol)[0] ?? protocol.toLowerCase()}${parsed.suffix ? `-${parsed.suffix}` : ""}".`);
        }
    }),
};

function suggestName(name: string, protocol: string | undefined): string {
    const cleaned = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
    const prefix = ISTIO_PROTOCOLS.find((p) => cleaned.startsWith(p));
    if (prefix) return `${prefix}-${cleaned.slice(prefix.length).replace(/^-+/, "") || "port"}`;
    return `${(protocol ?? "http").toLowerCase()}-${cleaned || "port"}`;
}

const WEAK_TLS = ["TLSV1_0", "TLSV1_1"];

export const gatewayTls: ResourceValidationPolicy = {
    name: "istio-gateway-tls",
    description:
        "Mirrors Istio's Gateway validation webhook (the object is refused at apply): an HTTPS or TLS server has a tls block; a plain-text server has none " +
        "(an HTTP server may only carry tls.httpsRedirect); SIMPLE, MUTUAL and OPTIONAL_MUTUAL name their certificate (credentialName(s), tlsCertificates, or " +
        "serverCertificate and privateKey) from one source only; MUTUAL and OPTIONAL_MUTUAL without a credentialName need caCertificates; ISTIO_MUTUAL carries no certificate. " +
        "Fix: add tls { mode: SIMPLE, credentialName } to HTTPS servers and keep exactly one certificate source.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: eachGatewayServer((server, at, _i, report) => {
        const protocol = known(() => server.port?.protocol)?.toUpperCase();
        const tls = known(() => server.tls);
        if (protocol === undefined || !isGatewayServerProtocol(protocol)) return; // istio-gateway-validation
        const isTls = protocol === "HTTPS" || protocol === "TLS";
        if (isTls && !tls) {
            report(`${at}: server must have TLS settings for HTTPS/TLS protocols (Istio's webhook refuses it); add tls with mode SIMPLE and a credentialName, or PASSTHROUGH.`);
            return;
        }
        if (!tls) return;
        const mode = known(() => tls.mode) ?? "PASSTHROUGH";
        const has = (key: string) => { const v = known(() => tls[key]); return Array.isArray(v) ? v.length > 0 : !!v; };
        if (!isTls) {
            const passthrough = mode === "PASSTHROUGH" || mode === "AUTO_PASSTHROUGH";
            if (protocol.startsWith("HTTP") || protocol.startsWith("GRPC")) {
                if (!passthrough || has("caCertificates") || has("privateKey") || has("serverCertificate")) {
                    report(`${at}: server cannot have TLS settings for plain text HTTP ports (Istio's webhook refuses it); keep only tls.httpsRedirect, or use protocol HTTPS.`);
                }
            } else {
                report(`${at}: server cannot have TLS settings for non HTTPS/TLS ports (Istio's webhook refuses it); remove tls or use protocol TLS.`);
            }
            return;
        }
        if (mode === "ISTIO_MUTUAL") {
            const extra = ["serverCertificate", "privateKey", "caCertificates", "tlsCertificates", "credentialName", "credentialNames"].filter(has);
            if (extra.length > 0) report(`${at}: ISTIO_MUTUAL TLS cannot have associated ${extra.join(", ")} (Istio's webhook refuses it); remove them.`);
            return;
        }
        const sources = [has("serverCertificate") && has("privateKey"), has("credentialName"), has("credentialNames"), has("tlsCertificates")].filter(Boolean).length;
        if (sources > 1) {
            report(`${at}: only one of credentialName, credentialNames, serverCertificate/privateKey, tlsCertificates should be specified (Istio's webhook refuses it).`);
        }
        if (["SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL"].includes(mode) && !has("credentialName") && !has("credentialNames")) {
            const label = mode === "SIMPLE" ? "SIMPLE TLS" : "MUTUAL TLS";
            const certs: any[] = has("tlsCertificates") ? known(() => tls.tlsCertificates) ?? [] : [{ serverCertificate: known(() => tls.serverCertificate), privateKey: known(() => tls.privateKey) }];
            if (certs.some((c) => !c?.serverCertificate || !c?.privateKey)) {
                report(`${at}: tls.mode ${mode}: ${label} requires a server certificate and a private key; set tls.credentialName (a kubernetes.io/tls secret in the gateway pods' namespace).`);
            }
            if (mode !== "SIMPLE" && !has("caCertificates")) {
                report(`${at}: tls.mode ${mode}: ${label} requires a client CA bundle (caCertificates), or a credentialName whose secret carries ca.crt.`);
            }
        }
    }),
};

export const gatewayTlsHardening: ResourceValidationPolicy = {
    name: "istio-gateway-tls-hardening",
    description:
        "Stricter than Istio: HTTPS and TLS servers state tls.mode (left out it means PASSTHROUGH, which ignores any certificate: Istio only warns), " +
        "and minProtocolVersion is not below TLSV1_2 (Istio accepts TLSV1_0 and TLSV1_1). Advisory by default. " +
        "Fix: set tls.mode explicitly, and minProtocolVersion TLSV1_2 or TLSV1_3.",
    severity: "medium",
    enforcementLevel: "advisory",
    validateResource: eachGatewayServer((server, at, _i, report) => {
        const protocol = known(() => server.port?.protocol)?.toUpperCase();
        const tls = known(() => server.tls);
        if ((protocol === "HTTPS" || protocol === "TLS") && tls && !known(() => tls.mode)) {
            report(`${at}: tls.mode is not set, so it is PASSTHROUGH and any certificate is ignored; set mode SIMPLE to terminate TLS, or PASSTHROUGH explicitly.`);
        }
        const min = known(() => tls?.minProtocolVersion);
        if (typeof min === "string" && WEAK_TLS.includes(min)) {
            report(`${at}: tls.minProtocolVersion ${min} allows broken TLS versions; set TLSV1_2 or TLSV1_3.`);
        }
    }),
};

export const gatewayNoWildcardHost: ResourceValidationPolicy = {
    name: "istio-gateway-no-wildcard-host",
    description:
        'Stricter than Istio (which accepts "*"): Gateway servers list their hosts instead of "*" (or "ns/*"): a catch-all host answers for any name pointed at the IP and takes requests meant for other gateways. ' +
        'Fix: list the hosts, or a wildcard subdomain such as "*.apps.example.com". Advisory by default; set it to mandatory in policy config.',
    severity: "medium",
    enforcementLevel: "advisory",
    validateResource: eachGatewayServer((server, at, _i, report) => {
        for (const host of known(() => server.hosts) ?? []) {
            if (bareHost(host) === "*") {
                report(`${at}: host "${host}" matches every name; list the hosts this gateway serves.`);
            }
        }
    }),
};

export const gatewayValidation: ResourceValidationPolicy = {
    name: "istio-gateway-validation",
    description:
        "Mirrors Istio's Gateway validation webhook (the object is refused at apply, so `pulumi up` fails late; " +
        "https://istio.io/latest/docs/reference/config/networking/gateway/): the Gateway's name is a DNS-1123 label " +
        "(no dots); it has at least one server; every server has at least one host and a port with a name, a known protocol and a number from 1 to 65535, and no targetPort; " +
        'every host is "*", a name with a dot (optionally a "*." wildcard), or an IP address, optionally prefixed "<namespace>/", "./" or "*/" — short names such as ' +
        '"localhost" or "shop" are refused ("short names (non FQDN) are not allowed"), as are partial wildcards like "*shop.example.com". ' +
        "Duplicate port names within one Gateway are reported by istio-gateway-port-names-unique. Fix: use fully qualified host names and complete ports.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (!GATEWAY_TYPE.test(args.type)) return;
        const name = nameOf(args.props);
        const where = `Gateway ${namespaceOf(args.props)}/${name ?? args.name}`;
        if (typeof name === "string" && !isDns1123Label(name)) {
            report(`${where}: invalid gateway name "${name}": Istio's webhook requires a DNS-1123 label (lower-case letters, digits and "-", no dots). Rename it.`);
        }
        const servers = probe(() => args.props.spec?.servers);
        if (servers === UNKNOWN) return;
        if (!Array.isArray(servers) || servers.length === 0) {
            report(`${where}: gateway must have at least one server (Istio's webhook refuses it).`);
            return;
        }
        servers.forEach((server: GatewayServer, i: number) => {
            const at = `${where} ${serverLabel(server, i)}`;
            const hosts = probe(() => server.hosts);
            if (hosts !== UNKNOWN) {
                if (!Array.isArray(hosts) || hosts.length === 0) report(`${at}: server config must contain at least one host (Istio's webhook refuses it).`);
                for (const host of Array.isArray(hosts) ? hosts : []) {
                    if (typeof host !== "string") continue;
                    const error = gatewayServerHostError(host);
                    if (error) report(`${at}: host "${host}": ${error} (Istio's webhook refuses it). Use a fully qualified name such as "${bareHost(host) === "" ? "app" : bareHost(host).replace(/^\*+/, "")}.example.com", or "*".`);
                }
            }
            const port = probe(() => server.port);
            if (port === UNKNOWN) return;
            if (!port) {
                report(`${at}: port is required (Istio's webhook refuses it).`);
                return;
            }
            const name = probe(() => port.name), protocol = probe(() => port.protocol), number = probe(() => port.number);
            const bind = known(() => server.bind);
            if (name !== UNKNOWN && (typeof name !== "string" || name.length === 0)) {
                report(`${at}: port name must be set (Istio's webhook refuses it). Name it "<protocol>[-<suffix>]", e.g. "${String(protocol ?? "http").toLowerCase()}-${i}".`);
            }
            if (protocol !== UNKNOWN && !isGatewayServerProtocol(protocol)) {
                report(`${at}: invalid protocol "${protocol ?? ""}" (Istio's webhook refuses it); use one of HTTP, HTTPS, HTTP2, GRPC, GRPC-WEB, TCP, TLS, MONGO, MYSQL, REDIS.`);
            }
            const unix = typeof bind === "string" && bind.startsWith("unix://");
            if (number !== UNKNOWN && !(unix && !number) && !(typeof number === "number" && Number.isInteger(number) && number > 0 && number <= 65535)) {
                report(`${at}: port number ${number ?? "(none)"} is not in 1..65535 (Istio's webhook refuses it).`);
            }
            if (known(() => (port as any).targetPort)) report(`${at}: targetPort has no impact on Gateways (Istio's webhook refuses it); remove it.`);
        });
    },
};

export const gatewayPortNamesUnique: ResourceValidationPolicy = {
    name: "istio-gateway-port-names-unique",
    description:
        "Mirrors Istio's Gateway validation webhook: server port names are unique within one Gateway (\"port names in servers must be unique\"); " +
        "the object is refused at apply. Servers of different Gateway objects may share a name (see istio-gateway-port-names-distinct for our naming convention). " +
        'Fix: give each server of the Gateway its own name, e.g. "https-a" and "https-b".',
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (!GATEWAY_TYPE.test(args.type)) return;
        const servers: GatewayServer[] = known(() => args.props.spec?.servers) ?? [];
        const seen = new Map<string, number>();
        servers.forEach((server, i) => {
            const name = probe(() => server?.port?.name);
            if (name === UNKNOWN || typeof name !== "string" || name === "") return;
            const first = seen.get(name);
            if (first !== undefined) {
                report(`Gateway ${namespaceOf(args.props)}/${nameOf(args.props) ?? args.name} servers[${i}]: port name "${name}" is also used by servers[${first}] of this Gateway; Istio's webhook refuses duplicate port names within a Gateway. Rename one of them.`);
            } else {
                seen.set(name, i);
            }
        });
    },
};

export const virtualServiceValidation: ResourceValidationPolicy = {
    name: "istio-virtualservice-validation",
    description:
        "Mirrors Istio's VirtualService validation webhook (the object is refused at apply; " +
        "https://istio.io/latest/docs/reference/config/networking/virtual-service/): it has http, tcp or tls routes; a delegate (no hosts) binds no gateways; " +
        'every gateways entry is "<namespace>/<name>" of DNS-1123 labels ("./name" is refused) or a valid name; every host is a valid name (a leading wildcard ' +
        'label allowed) or an IP; "*" is refused when the VirtualService applies to the mesh only; no two hosts overlap ("*.example.com" and "a.example.com"). ' +
        "Fix: write gateways as <namespace>/<name>, use distinct fully qualified hosts.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        if (!VIRTUAL_SERVICE_TYPE.test(args.type)) return;
        const spec = probe(() => args.props.spec);
        if (spec === UNKNOWN || !spec) return;
        const where = `VirtualService ${namespaceOf(args.props)}/${nameOf(args.props) ?? args.name}`;
        const hosts = probe(() => spec.hosts), gateways = probe(() => spec.gateways);
        const routes = ["http", "tcp", "tls"].map((k) => probe(() => spec[k]));
        if (routes.every((r) => r !== UNKNOWN && (!Array.isArray(r) || r.length === 0))) {
            report(`${where}: http, tcp or tls must be provided in virtual service (Istio's webhook refuses it).`);
        }
        if (hosts === UNKNOWN || gateways === UNKNOWN) return;
        const hostList: string[] = Array.isArray(hosts) ? hosts.filter((h) => typeof h === "string") : [];
        const gatewayList: string[] = Array.isArray(gateways) ? gateways.filter((g) => typeof g === "string") : [];
        if (hostList.length === 0 && gatewayList.length > 0) {
            report(`${where}: delegate virtual service must have no gateways specified (Istio's webhook refuses it); add hosts, or drop gateways.`);
        }
        for (const ref of gatewayList) {
            const error = gatewayNameError(ref);
            if (error) report(`${where}: gateway "${ref}": ${error} (Istio's webhook refuses it). Write it as <namespace>/<name>.`);
        }
        const appliesToGateway = gatewayList.some((g) => g !== "mesh");
        let allValid = true;
        for (const host of hostList) {
            const error = wildcardDomainError(host);
            if (error && !/^[\d.]+$|:/.test(host)) {
                report(`${where}: host "${host}": ${error} (Istio's webhook refuses it).`);
                allValid = false;
            } else if (!appliesToGateway && host === "*") {
                report(`${where}: wildcard host * is not allowed for virtual services bound to the mesh gateway (Istio's webhook refuses it).`);
                allValid = false;
            }
        }
        if (allValid && hostList.length > 1) {
            for (let i = 0; i < hostList.length; i++) {
                for (let j = i + 1; j < hostList.length; j++) {
                    if (hostsIntersect(hostList[i], hostList[j])) {
                        report(`${where}: duplicate hosts in virtual service: ${hostList[i]} & ${hostList[j]} (Istio's webhook refuses it); keep one.`);
                    }
                }
            }
        }
    },
};

/** Why Istio's webhook refuses a VirtualService gateways entry, or undefined. */
function gatewayNameError(ref: string): string | undefined {
    const slash = ref.indexOf("/");
    if (slash < 0) return fqdnError(ref);
    const ns = ref.slice(0, slash), name = ref.slice(slash + 1);
    if (ns === "" || name === "") return "config namespace and gateway name cannot be empty";
    if (!isDns1123Label(ns)) return `invalid value for namespace: "${ns}"`;
    if (!isDns1123Label(name)) return `invalid value for gateway name: "${name}"`;
    return undefined;
}

const DEPRECATED_ISTIO_API = /^kubernetes:networking\.istio\.io\/(v1beta1|v1alpha3):|^kubernetes:security\.istio\.io\/v1beta1:/;

export const istioDeprecatedApiVersion: ResourceValidationPolicy = {
    name: "istio-deprecated-api-version",
    description:
        "Stricter than Istio: Istio objects use the v1 API (networking.istio.io/v1, security.istio.io/v1). v1beta1 and v1alpha3 are still served by Istio " +
        "and work the same, so this is advisory by default. Fix: change apiVersion to v1.",
    severity: "low",
    enforcementLevel: "advisory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        const m = DEPRECATED_ISTIO_API.exec(args.type);
        if (!m) return;
        const kind = args.type.split(":").pop();
        report(`${kind} ${namespaceOf(args.props)}/${nameOf(args.props) ?? args.name}: ${args.type.split(":")[1]} is an older API version; use v1.`);
    },
};

export { METALLB_IP_ANNOTATIONS };

function loadBalancerServices(args: ResourceValidationArgs) {
    return new StackModel([{ type: args.type, props: args.props, urn: args.urn, name: args.name }]).services;
}

export const metallbIpRequest: ResourceValidationPolicy = {
    name: "metallb-ip-request",
    description:
        "Mirrors MetalLB's controller: a Service asks MetalLB for an IP in one way only, the metallb.io/loadBalancerIPs annotation. MetalLB refuses a Service that also sets spec.loadBalancerIP " +
        "(deprecated in Kubernetes). Fix: remove spec.loadBalancerIP (for Istio's gateway chart: values.service.loadBalancerIP) and keep the annotation.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        for (const svc of loadBalancerServices(args)) {
            const annotation = METALLB_IP_ANNOTATIONS.find((a) => svc.annotations[a] !== undefined);
            if (annotation && svc.loadBalancerIP) {
                report(`Service ${svc.id}: sets both the ${annotation} annotation ("${svc.annotations[annotation]}") and spec.loadBalancerIP ("${svc.loadBalancerIP}"); MetalLB rejects it. Remove spec.loadBalancerIP.`);
            }
        }
    },
};

export const metallbDeprecatedAnnotations: ResourceValidationPolicy = {
    name: "metallb-deprecated-annotations",
    description:
        "Stricter than MetalLB: its metallb.universe.tf/* Service annotations are deprecated but still read, so advisory by default. Fix: use the metallb.io/* spelling, e.g. metallb.io/loadBalancerIPs, metallb.io/address-pool.",
    severity: "low",
    enforcementLevel: "advisory",
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
        for (const svc of loadBalancerServices(args)) {
            for (const key of Object.keys(svc.annotations).filter((k) => k.startsWith("metallb.universe.tf/"))) {
                report(`Service ${svc.id}: annotation ${key} is deprecated; use ${key.replace("metallb.universe.tf/", "metallb.io/")}.`);
            }
        }
    },
};

export const resourcePolicies: ResourceValidationPolicy[] = [
    gatewayValidation, gatewayPortNamesUnique, virtualServiceValidation, gatewayTls, gatewayPortNaming, gatewayTlsHardening,
    gatewayNoWildcardHost, istioDeprecatedApiVersion, metallbIpRequest, metallbDeprecatedAnnotations,
];
