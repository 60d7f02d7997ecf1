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

/**
 * True when match `a` accepts every request that match `b` accepts, so that a rule with `b`
 * placed after a rule with `a` can never be reached. An absent match accepts everything.
 * Conservative: conditions other than the URI (headers, method, …) on `a` mean "not covering".
 */
export function matchCovers(a: HttpMatch | undefined, b: HttpMatch | undefined): boolean {
    if (a && Object.keys(a).some((k) => k !== "uri" && k !== "name")) return false;
    const au = a?.uri;
    if (!au || (au.exact === undefined && au.prefix === undefined && au.regex === undefined)) return true;
    const bu = b?.uri;
    if (!bu) return false;
    if (au.exact !== undefined) return bu.exact === au.exact;
    if (au.prefix !== undefined) {
        const path = bu.exact ?? bu.prefix;
        return path !== undefined && path.startsWith(au.prefix);
    }
    return au.regex === bu.regex;
}

/** True when some request could satisfy both matches. */
export function matchesOverlap(a: HttpMatch | undefined, b: HttpMatch | undefined): boolean {
    return matchCovers(a, b) || matchCovers(b, a) || (a?.uri?.regex !== undefined || b?.uri?.regex !== undefined);
}

/**
 * Pod labels of Istio's `gateway` chart: `app` = the gateway name (value `name`, else the release
 * name) and `istio` = that name without a leading "istio-", each overridden by value `labels`.
 */
export function gatewayChartPodLabels(releaseName: string, values: Record<string, any> | undefined): Record<string, string> {
    const name: string = values?.name || releaseName;
    return { app: name, istio: name.replace(/^istio-/, ""), ...(values?.labels ?? {}) };
}

export function selects(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
    return !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);
}
