// Istio's rules, as plain functions: port naming, host matching, HTTP match coverage and the
// pod labels the `gateway` chart gives its pods.

/** Protocols Istio recognises in a port name (`<protocol>` or `<protocol>-<suffix>`). */
export const ISTIO_PROTOCOLS = ["grpc-web", "http2", "https", "http", "grpc", "tcp", "tls", "mongo", "mysql", "redis", "udp"];

const SUFFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Splits a port name into Istio protocol and suffix; undefined when Istio would not recognise
 * it (and so treat the port as plain TCP). `http2foo` is invalid, `http2-foo` is valid.
 */
export function parsePortName(name: unknown): { protocol: string; suffix?: string } | undefined {
    if (typeof name !== "string") return undefined;
    // Longest protocol first, so "grpc-web-x" is grpc-web with suffix x, not grpc with "web-x".
    for (const protocol of ISTIO_PROTOCOLS) {
        if (name === protocol) return { protocol };
        if (name.startsWith(`${protocol}-`)) {
            const suffix = name.slice(protocol.length + 1);
            if (SUFFIX.test(suffix)) return { protocol, suffix };
        }
    }
    return undefined;
}

/** Protocol families a Gateway server's port name may announce for its `protocol`. */
const NAME_PROTOCOLS_FOR_SERVER: Record<string, string[]> = {
    HTTP: ["http", "http2"],
    HTTP2: ["http2", "http"],
    HTTPS: ["https"],
    GRPC: ["grpc", "http2"],
    "GRPC-WEB": ["grpc-web"],
    TCP: ["tcp"],
    TLS: ["tls"],
    MONGO: ["mongo"],
    MYSQL: ["mysql"],
    REDIS: ["redis"],
    UDP: ["udp"],
};

export function namedProtocolsFor(serverProtocol: string): string[] {
    return NAME_PROTOCOLS_FOR_SERVER[serverProtocol.toUpperCase()] ?? [];
}

/** Strips the `<namespace>/` part a Gateway server host may carry (`*\/host`, `./host`, `ns/host`). */
export function bareHost(host: string): string {
    const slash = host.indexOf("/");
    return slash >= 0 ? host.slice(slash + 1) : host;
}

/** True when two hosts (each possibly `*`, or a `*.` wildcard) can match the same name. */
export function hostsIntersect(a: string, b: string): boolean {
    if (a === "*" || b === "*") return true;
    const covers = (wild: string, name: string) =>
        wild.startsWith("*.") && name.endsWith(wild.slice(1)) && name.length > wild.length - 1;
    return a === b || covers(a, b) || covers(b, a);
}

/** One condition of an HTTP route's `match` list, as Istio's HTTPMatchRequest. */
export interface HttpMatch {
    uri?: { exact?: string; prefix?: string; regex?: string };
    [other: string]: unknown;
}

/** JSON of a value with object keys sorted, so that equal matches give equal text. */
export function canonicalJson(value: unknown): string {
    if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
    if (value && typeof value === "object") {
        return `{${Object.keys(value).sort().filter((k) => (value as any)[k] !== undefined)
            .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as any)[k])}`).join(",")}}`;
    }
    return JSON.stringify(value) ?? "null";
}

const withoutName = (m: object | undefined) => {
    if (!m) return {};
    const { name: _name, ...rest } = m as Record<string, unknown>;
    return rest;
};

/**
 * True when match `a` accepts every request that match `b` accepts, so that a rule with `b`
 * placed after a rule with `a` can never be reached. An absent match accepts everything.
 * Conservative: two identical matches (names aside) cover each other, as in Istio's own check;
 * otherwise conditions other than the URI on `a` (headers, method, …) mean "not covering".
 */
export function matchCovers(a: HttpMatch | undefined, b: HttpMatch | undefined): boolean {
    const ra = withoutName(a), rb = withoutName(b);
    if (Object.keys(ra).length === 0) return true;
    if (canonicalJson(ra) === canonicalJson(rb)) return true;
    if (Object.keys(ra).some((k) => k !== "uri")) return false;
    const au = a?.uri;
    if (!au || (au.exact === undefined && au.prefix === undefined && au.regex === undefined)) return true;
    const bu = b?.uri;
    // b matching regardless of case takes requests a case-sensitive a does not.
    if (!bu || (b as any).ignoreUriCase === true) return false;
    if (au.exact !== undefined) return bu.exact === au.exact;
    if (au.prefix !== undefined) {
        const path = bu.exact ?? bu.prefix;
        return path !== undefined && path.startsWith(au.prefix);
    }
    return au.regex === bu.regex && bu.exact === undefined && bu.prefix === undefined;
}

/** True when some request certainly satisfies both matches (one covers the other). */
export function matchesOverlap(a: HttpMatch | undefined, b: HttpMatch | undefined): boolean {
    return matchCovers(a, b) || matchCovers(b, a);
}

/** Keys of Istio's TLSMatchAttributes and L4MatchAttributes this pack can reason about. */
const TLS_MATCH_KEYS = new Set(["sniHosts", "port", "destinationSubnets", "sourceLabels", "gateways", "sourceNamespace"]);
const TCP_MATCH_KEYS = new Set(["port", "destinationSubnets", "sourceLabels", "gateways", "sourceNamespace"]);

/** Every name `b` lists is matched by one of `a`'s (Istio host matching, `*` and `*.` wildcards). */
function hostsCover(a: string[], b: string[]): boolean {
    const covers = (wide: string, narrow: string) =>
        wide === "*" || wide === narrow || (wide.startsWith("*.") && narrow.endsWith(wide.slice(1)) && narrow.length > wide.length - 1);
    return b.length > 0 && b.every((n) => a.some((w) => covers(w, n)));
}

/** Every subnet (CIDR or plain IP) `b` lists lies inside one of `a`'s; false when unsure. */
function subnetsCover(a: string[], b: string[], parse: (s: string) => { first: bigint; last: bigint; family: string } | undefined): boolean {
    const pa = a.map(parse), pb = b.map(parse);
    if (pa.some((x) => !x) || pb.some((x) => !x) || pb.length === 0) return false;
    return pb.every((y) => pa.some((x) => x!.family === y!.family && x!.first <= y!.first && y!.last <= x!.last));
}

/**
 * True when the L4/TLS match `a` accepts every connection `b` accepts. Each condition `a` sets
 * must be at least as wide as `b`'s: sniHosts cover, same port, subnets inside, sourceLabels a
 * subset, gateways a superset, same sourceNamespace. A condition this pack does not know on `a`
 * means "not covering"; an absent match accepts everything.
 */
function l4MatchCovers(a: Record<string, any> | undefined, b: Record<string, any> | undefined, keys: Set<string>,
    parseSubnet: (s: string) => { first: bigint; last: bigint; family: string } | undefined): boolean {
    if (!a || Object.keys(a).length === 0) return true;
    if (b && canonicalJson(a) === canonicalJson(b)) return true;
    const bb = b ?? {};
    for (const [key, value] of Object.entries(a)) {
        if (value === undefined || (Array.isArray(value) && value.length === 0)) continue;
        if (!keys.has(key)) return false;
        const other = bb[key];
        switch (key) {
            case "sniHosts":
                if (!Array.isArray(other) || !hostsCover(value, other)) return false;
                break;
            case "port":
            case "sourceNamespace":
                if (other !== value) return false;
                break;
            case "destinationSubnets":
                if (!Array.isArray(other) || !subnetsCover(value, other, parseSubnet)) return false;
                break;
            case "sourceLabels":
                if (!other || typeof other !== "object" || !Object.entries(value).every(([k, v]) => other[k] === v)) return false;
                break;
            case "gateways":
                if (!Array.isArray(other) || other.length === 0 || !other.every((g: string) => value.includes(g))) return false;
                break;
        }
    }
    return true;
}

/** Istio TLSMatchAttributes coverage (see {@link l4MatchCovers}). */
export function tlsMatchCovers(a: Record<string, any> | undefined, b: Record<string, any> | undefined,
    parseSubnet: (s: string) => { first: bigint; last: bigint; family: string } | undefined): boolean {
    return l4MatchCovers(a, b, TLS_MATCH_KEYS, parseSubnet);
}

/** Istio L4MatchAttributes (tcp routes) coverage (see {@link l4MatchCovers}). */
export function tcpMatchCovers(a: Record<string, any> | undefined, b: Record<string, any> | undefined,
    parseSubnet: (s: string) => { first: bigint; last: bigint; family: string } | undefined): boolean {
    return l4MatchCovers(a, b, TCP_MATCH_KEYS, parseSubnet);
}

/**
 * Pod labels of Istio's `gateway` chart: `app` = the gateway name (value `name`, else the release
 * name) and `istio` = that name without a leading "istio-", each overridden by value `labels`.
 */
export function gatewayChartPodLabels(releaseName: string, values: Record<string, any> | undefined): Record<string, string> {
    const name: string = values?.name || releaseName;
    return { app: name, istio: name.replace(/^istio-/, ""), ...(values?.labels ?? {}) };
}

/**
 * A Gateway selector as Istio's analyzers print and compare it (labels.SelectorFromSet(…).String()):
 * `k=v` pairs sorted by key, joined by ","; "" for an empty selector.
 */
export function istioSelectorString(selector: Record<string, string> | undefined): string {
    return Object.keys(selector ?? {}).sort().map((k) => `${k}=${selector![k]}`).join(",");
}

export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    return !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Ports Istio treats as TCP when their name says nothing (SMTP, DNS, MySQL, MongoDB). */
const WELL_KNOWN_TCP_PORTS = new Set([25, 53, 3306, 27017]);
/** Protocol words Istio's protocol parser knows (compared case-insensitively). */
const PROTOCOL_WORDS = new Set(["tcp", "udp", "grpc", "grpc-web", "http", "http_proxy", "http2", "https", "tls", "mongo", "redis", "mysql"]);

/**
 * The protocol Istio derives for a Service port (IST0118 semantics): UDP ports are UDP; else
 * appProtocol when set (including kubernetes.io/h2c, ws, wss), else the port name's part before
 * the first "-" (case-insensitive; "grpc-web" first); else TCP on a few well-known ports.
 * Undefined when Istio cannot tell, which istioctl reports as IST0118.
 */
export function servicePortProtocol(port: { name?: unknown; appProtocol?: unknown; protocol?: unknown; port?: unknown }): string | undefined {
    if (port.protocol === "UDP") return "udp";
    if (port.protocol === "SCTP") return "sctp";
    let name = typeof port.name === "string" ? port.name : "";
    if (typeof port.appProtocol === "string") {
        const special: Record<string, string> = { "kubernetes.io/h2c": "http2", "kubernetes.io/ws": "http", "kubernetes.io/wss": "https" };
        if (special[port.appProtocol]) return special[port.appProtocol];
        name = port.appProtocol;
    }
    const lower = name.toLowerCase();
    if (lower.startsWith("grpc-web")) return "grpc-web";
    const word = lower.split("-")[0];
    if (PROTOCOL_WORDS.has(word)) return word;
    return typeof port.port === "number" && WELL_KNOWN_TCP_PORTS.has(port.port) ? "tcp" : undefined;
}

/** True when Istio's Gateway validation accepts `protocol` for a server port. */
export function isGatewayServerProtocol(protocol: unknown): boolean {
    return typeof protocol === "string" && PROTOCOL_WORDS.has(protocol.toLowerCase());
}

const DNS1123_LABEL = /^[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?$/;
const WILDCARD_LABEL = /^(\*|(\*|\*-)?[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;

/** A DNS-1123 label as Istio checks it: letters, digits and "-", at most 63 characters. */
export function isDns1123Label(value: string): boolean {
    return value.length <= 63 && DNS1123_LABEL.test(value);
}

function isIpAddress(text: string): boolean {
    if (/^\d{1,3}(\.\d{1,3}){3}$/.test(text)) return text.split(".").every((p) => Number(p) <= 255);
    return text.includes(":") && /^[0-9a-fA-F:.]+$/.test(text);
}

function dns1123LabelsError(domain: string): string | undefined {
    const parts = domain.split(".");
    const tld = parts[parts.length - 1];
    if (tld !== "" && /^\d+$/.test(tld)) return `domain name "${domain}" invalid (top level domain "${tld}" cannot be all-numeric)`;
    for (let i = 0; i < parts.length; i++) {
        if (i === parts.length - 1 && parts[i] === "") return undefined; // "istio.io." is allowed
        if (!isDns1123Label(parts[i])) return `domain name "${domain}" invalid (label "${parts[i]}" invalid)`;
    }
    return undefined;
}

function preconditionsError(name: string): string | undefined {
    if (name.length > 255) return `domain name "${name}" too long (max 255)`;
    if (name.length === 0) return "empty domain name not allowed";
    return undefined;
}

/** Istio's check of a host that may start with a wildcard label; undefined when valid. */
export function wildcardDomainError(domain: string): string | undefined {
    const pre = preconditionsError(domain);
    if (pre) return pre;
    const dot = domain.indexOf(".");
    const first = dot < 0 ? domain : domain.slice(0, dot);
    if (!WILDCARD_LABEL.test(first) || first.length > 63) return `domain name "${domain}" invalid (label "${first}" invalid)`;
    return dot < 0 ? undefined : dns1123LabelsError(domain.slice(dot + 1));
}

/** Istio's check of a fully qualified name (no wildcard); undefined when valid. */
export function fqdnError(name: string): string | undefined {
    return preconditionsError(name) ?? dns1123LabelsError(name);
}

/**
 * Why Istio's validation webhook refuses a Gateway server host, or undefined when it accepts it.
 * Accepted: `host`, `ns/host`, `./host`, `*\/host`, where host is `*`, or a name with a dot (a
 * `*.` wildcard first label allowed), or an IP address; ns is a DNS-1123 label.
 */
export function gatewayServerHostError(hostEntry: string): string | undefined {
    const slash = hostEntry.indexOf("/");
    let host = hostEntry;
    if (slash >= 0) {
        const ns = hostEntry.slice(0, slash);
        host = hostEntry.slice(slash + 1);
        if (ns.length === 0 || host.length === 0) return "config namespace and dnsName in host entry cannot be empty";
        if (ns !== "*" && ns !== "." && !isDns1123Label(ns)) return `invalid namespace value "${ns}" in gateway`;
    }
    if (host !== "*" && !host.includes(".")) return "short names (non FQDN) are not allowed";
    if (wildcardDomainError(host) && !isIpAddress(host)) return wildcardDomainError(host);
    if (host.includes("*") && host.length !== 1 && !host.startsWith("*.")) return `partial wildcard "${host}" not allowed`;
    return undefined;
}

/**
 * Where a VirtualService `gateways` entry points, as `<namespace>/<name>` (Istio's own
 * resolution: a bare name is in the VirtualService's namespace, `./name` too, and the legacy
 * `name.namespace[.svc.…]` form names the namespace after the first dot).
 */
export function resolveGatewayReference(ref: string, vsNamespace: string): string {
    const slash = ref.indexOf("/");
    if (slash >= 0) return ref.startsWith("./") ? `${vsNamespace}/${ref.slice(2)}` : ref;
    const dot = ref.indexOf(".");
    if (dot < 0) return `${vsNamespace}/${ref}`;
    const rest = ref.slice(dot + 1);
    const next = rest.indexOf(".");
    return `${next < 0 ? rest : rest.slice(0, next)}/${ref.slice(0, dot)}`;
}

/**
 * A Gateway server host entry split into the namespaces of VirtualServices it admits and the
 * host: `ns/h` → ns, `./h` → the Gateway's own namespace, `*\/h` and a bare `h` → any ("*").
 */
export function serverHostScope(hostEntry: string, gatewayNamespace: string): { namespace: string; host: string } {
    const slash = hostEntry.indexOf("/");
    if (slash < 0) return { namespace: "*", host: hostEntry };
    const ns = hostEntry.slice(0, slash);
    return { namespace: ns === "." ? gatewayNamespace : ns, host: hostEntry.slice(slash + 1) };
}
