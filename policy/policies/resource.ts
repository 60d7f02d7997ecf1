// Rules that judge one object at a time.
import { ReportViolation, ResourceValidation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { ISTIO_PROTOCOLS, bareHost, namedProtocolsFor, parsePortName } from "../lib/istio";
import { GATEWAY_TYPE, GatewayServer, StackModel, UNKNOWN, known, nameOf, namespaceOf, probe } from "../lib/model";

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
        "Every Gateway server port has a name of the form <protocol> or <protocol>-<suffix> (protocol one of " +
        `${ISTIO_PROTOCOLS.join(", ")}), matching the server's protocol. Fix: rename the port, e.g. "http2foo" → "http2-foo", "web" → "http-web", "https_admin" → "https-admin".`,
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: eachGatewayServer((server, at, i, report) => {
        const name = probe(() => server.port?.name);
        const protocol = known(() => server.port?.protocol);
        if (name === UNKNOWN) return; // decided at `pulumi up`
        if (typeof name !== "string" || name.length === 0) {
            report(`${at}: the port has no name. Name it "<protocol>[-<suffix>]", e.g. "${(protocol ?? "http").toLowerCase()}-${i}".`);
            return;
        }
        const parsed = parsePortName(name);
        if (!parsed) {
            report(`${at}: port name "${name}" is not <protocol>[-<suffix>] with protocol one of ${ISTIO_PROTOCOLS.join(", ")} and a lower-case DNS-label suffix; Istio would treat it as plain TCP. Rename it, e.g. "${suggestName(name, protocol)}".`);
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
        "HTTPS and TLS servers declare tls.mode; SIMPLE and MUTUAL servers name a credentialName (a TLS secret in the gateway pods' namespace); " +
        "an HTTPS server is never PASSTHROUGH (use protocol TLS for that); minProtocolVersion is at least TLSV1_2. Fix: add the tls block, or raise minProtocolVersion to TLSV1_2.",
    severity: "high",
    enforcementLevel: "mandatory",
    validateResource: eachGatewayServer((server, at, _i, report) => {
        const protocol = known(() => server.port?.protocol)?.toUpperCase();
        const tls = known(() => server.tls);
        if (protocol === "HTTPS" || protocol === "TLS") {
            const mode = known(() => tls?.mode);
            if (!tls || !mode) {
                report(`${at}: a ${protocol} server needs tls.mode (SIMPLE with a credentialName for HTTPS; PASSTHROUGH or AUTO_PASSTHROUGH for TLS).`);
                return;
            }
            if (["SIMPLE", "MUTUAL", "OPTIONAL_MUTUAL"].includes(mode) && !known(() => tls.credentialName) &&
                !(known(() => tls.serverCertificate) && known(() => tls.privateKey)) && !known(() => tls.credentialNames)) {
                report(`${at}: tls.mode ${mode} needs tls.credentialName (a kubernetes.io/tls secret in the gateway pods' namespace) or serverCertificate and privateKey.`);
            }
            if (protocol === "HTTPS" && (mode === "PASSTHROUGH" || mode === "AUTO_PASSTHROUGH")) {
                report(`${at}: tls.mode ${mode} on an HTTPS server: the gateway cannot route HTTP it does not decrypt. Use protocol TLS for passthrough, or mode SIMPLE.`);
            }
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
        'Gateway servers list their hosts instead of "*": a catch-all host answers for any name pointed at the IP and takes requests meant for other gateways. ' +
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

export const METALLB_IP_ANNOTATIONS = ["metallb.io/loadBalancerIPs", "metallb.universe.tf/loadBalancerIPs"];

function loadBalancerServices(args: ResourceValidationArgs) {
    return new StackModel([{ type: args.type, props: args.props, urn: args.urn, name: args.name }]).services;
}

export const metallbIpRequest: ResourceValidationPolicy = {
    name: "metallb-ip-request",
    description:
        "A Service asks MetalLB for an IP in one way only: the metallb.io/loadBalancerIPs annotation. MetalLB rejects a Service that also sets spec.loadBalancerIP " +
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
        "MetalLB's metallb.universe.tf/* Service annotations are deprecated (still read today). Fix: use the metallb.io/* spelling, e.g. metallb.io/loadBalancerIPs, metallb.io/address-pool.",
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
    gatewayPortNaming, gatewayTls, gatewayNoWildcardHost, metallbIpRequest, metallbDeprecatedAnnotations,
];
