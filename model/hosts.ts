// Host names as the edge uses them: what a gateway may serve, which name probes a wildcard, and
// how a route destination resolves inside the cluster.
import { domainToASCII } from "url";
import { hostsIntersect } from "../policy/lib/istio";
import type { GatewaySpec, RouteSpec } from "./types";

export { hostsIntersect };

/** Longest DNS name (RFC 1035); Istio and Kubernetes refuse longer ones. */
export const MAX_HOST_LENGTH = 253;

// RFC 1123 labels, lower case.
const LABEL = "[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?";
const DNS_NAME = new RegExp(`^${LABEL}(\\.${LABEL})*$`);
const IPV4_LIKE = /^[0-9.]+$/;

/**
 * A name that is valid written another way, with that way: a trailing dot (TLS clients send SNI
 * without it, so it would match no request), upper case (names are case-insensitive, and the
 * certificates and Kubernetes names made from them are lower case), or non-ASCII letters
 * (Istio's webhook refuses them; DNS and certificates carry the punycode form). Deliberately
 * stricter than Istio, which accepts the first two.
 */
function spellingProblem(host: string): string | undefined {
    if (host.length > 1 && host.endsWith(".") && !host.endsWith("..")) {
        return `ends with a dot; write ${JSON.stringify(host.slice(0, -1))} (TLS clients send the name without it, so it would match no request)`;
    }
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\x7f]/.test(host)) {
        const wildcard = host.startsWith("*.");
        const ascii = domainToASCII(wildcard ? host.slice(2) : host);
        return ascii
            ? `has non-ASCII letters, which Istio refuses; write its punycode form ${JSON.stringify(`${wildcard ? "*." : ""}${ascii.toLowerCase()}`)}`
            : "has non-ASCII letters and no punycode form; use an ASCII DNS name";
    }
    if (/[A-Z]/.test(host) && DNS_NAME.test((host.startsWith("*.") ? host.slice(2) : host).toLowerCase())) {
        return `has upper-case letters; write it in lower case, ${JSON.stringify(host.toLowerCase())} (names are case-insensitive, and the certificates and Kubernetes names made from it are lower case)`;
    }
    return undefined;
}

/**
 * Why `host` cannot be served by a gateway, or undefined when it can. A served host is a
 * lower-case DNS name with at least one dot (Istio refuses short names on a Gateway), optionally
 * behind one leading "*." wildcard label; never an IP address (clients send no SNI for an IP and
 * our certificates carry no IP SAN).
 */
export function servedHostProblem(host: string): string | undefined {
    const spelling = spellingProblem(host);
    if (spelling) return spelling;
    if (host.length > MAX_HOST_LENGTH) return `is not a valid host: ${host.length} characters long, and a DNS name has at most ${MAX_HOST_LENGTH}`;
    if (IPV4_LIKE.test(host) || host.includes(":")) return "is an IP address, not a host; clients send no SNI for an IP, so serve a DNS name that resolves to the gateway's IP";
    const bare = host.startsWith("*.") ? host.slice(2) : host;
    if (!DNS_NAME.test(bare)) return 'is not a valid host; expected a lower-case DNS name such as "app.example.com" or a wildcard subdomain such as "*.apps.example.com"';
    if (!host.startsWith("*.") && !bare.includes(".")) return `is not a valid host for a gateway: it has no dot, and Istio refuses short names on a Gateway; use a full name such as "${host}.example.com"`;
    return undefined;
}

/** Why `host` is not a valid route destination, or undefined when it is. */
export function destinationHostProblem(host: string): string | undefined {
    const spelling = spellingProblem(host);
    if (spelling) return spelling;
    if (host.length > MAX_HOST_LENGTH) return `is not a valid host: ${host.length} characters long, and a DNS name has at most ${MAX_HOST_LENGTH}`;
    if (!DNS_NAME.test(host)) return 'is not a valid host; expected a lower-case DNS name such as "web" or "web.apps.svc.cluster.local"';
    return undefined;
}

/**
 * Istio expands only names without a dot (`web` → `web.<namespace>.svc.cluster.local`); the
 * Kubernetes DNS short forms `web.apps` and `web.apps.svc` are used as written and match no
 * Service. Returns the full name the user probably meant, or undefined for any other host.
 */
export function unexpandedServiceName(host: string, knownNamespaces: Set<string>): string | undefined {
    const labels = host.split(".");
    if (labels.length === 3 && labels[2] === "svc") return `${labels[0]}.${labels[1]}.svc.cluster.local`;
    if (labels.length === 2 && knownNamespaces.has(labels[1])) return `${labels[0]}.${labels[1]}.svc.cluster.local`;
    return undefined;
}

/** The namespace a cluster-local full name (`<svc>.<ns>.svc.<domain>`) points at, if it is one. */
export function clusterLocalNamespace(host: string): string | undefined {
    const match = /^[^.]+\.([^.]+)\.svc\.[^.]+(\.[^.]+)*$/.exec(host);
    return match ? match[1] : undefined;
}

/** In-cluster name of a route destination: short names resolve in the destination namespace. */
export function destinationHost(route: Pick<RouteSpec, "destination">, clusterDomain = "cluster.local"): string {
    const { host, namespace } = route.destination;
    return host.includes(".") ? host : `${host}.${namespace}.svc.${clusterDomain}`;
}

/**
 * A name to request for each served host: the host itself, or for a wildcard a name under it that
 * is not an explicit host of any gateway (so a probe reaches the wildcard's certificate and routes,
 * not another host's).
 */
export function probeHosts(gateways: Pick<GatewaySpec, "hosts">[]): Map<string, string> {
    const explicit = new Set(gateways.flatMap((g) => g.hosts).filter((h) => !h.startsWith("*.")));
    const probes = new Map<string, string>();
    for (const host of gateways.flatMap((g) => g.hosts)) {
        if (!host.startsWith("*.")) {
            probes.set(host, host);
            continue;
        }
        const parent = host.slice(2);
        let candidate = `demo.${parent}`;
        for (let i = 1; explicit.has(candidate); i++) candidate = `demo-${i}.${parent}`;
        probes.set(host, candidate);
    }
    return probes;
}
