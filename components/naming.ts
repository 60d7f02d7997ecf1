// Names and labels shared by components, tests and policies. Everything that one object refers
// to by name (secrets, Gateways, pools, pod labels) is derived here, in one place.
import type { GatewayConfig, RouteConfig } from "../config";

/** Type-token prefix of every component in this package. */
export const PACKAGE = "istio-metallb-ingress";

/** `*.apps.example.com` → `wildcard-apps-example-com`: a DNS-label-safe form of a host. */
export function hostSlug(host: string): string {
    return host.replace(/^\*\./, "wildcard.").replace(/\./g, "-");
}

/** Helm release of a gateway; the gateway chart names the Deployment and Service after it. */
export function gatewayReleaseName(gateway: string): string {
    return `istio-ingress-${gateway}`;
}

/**
 * Pod labels of a gateway, set explicitly (not derived by the chart from the release name) so
 * that each Gateway selector matches exactly one gateway's pods.
 */
export function gatewayPodLabels(gateway: string): Record<string, string> {
    return { istio: `ingress-${gateway}`, app: gatewayReleaseName(gateway) };
}

/** The selector a Gateway object uses: a subset of that gateway's pod labels. */
export function gatewaySelector(gateway: string): Record<string, string> {
    return { istio: gatewayPodLabels(gateway).istio };
}

export function gatewayObjectName(gateway: string): string {
    return `${gateway}-gateway`;
}

export function virtualServiceName(gateway: string, host: string): string {
    return `${gateway}-${hostSlug(host)}`;
}

export function httpPortName(gateway: string): string {
    return `http-${gateway}`;
}

/** One certificate: the hosts it covers and the TLS secret that holds it. */
export interface CertificatePlan {
    /** Unique, stable id, used for Pulumi resource names. */
    id: string;
    gateway: string;
    hosts: string[];
    secretName: string;
    /** Name of the HTTPS server port on the Gateway that serves this certificate. */
    httpsPortName: string;
}

/**
 * Certificates of one gateway: one per host (the default), or one per gateway holding all
 * of its hosts as SANs.
 */
export function planCertificates(gateway: Pick<GatewayConfig, "name" | "hosts">, per: "host" | "gateway"): CertificatePlan[] {
    if (per === "gateway") {
        return [{
            id: gateway.name,
            gateway: gateway.name,
            hosts: [...gateway.hosts],
            secretName: `${gateway.name}-tls`,
            httpsPortName: `https-${gateway.name}`,
        }];
    }
    return gateway.hosts.map((host) => ({
        id: `${gateway.name}-${hostSlug(host)}`,
        gateway: gateway.name,
        hosts: [host],
        secretName: `${gateway.name}-${hostSlug(host)}-tls`,
        httpsPortName: `https-${gateway.name}-${hostSlug(host)}`,
    }));
}

/**
 * Orders routes most specific first, the order in which Istio must see them because it takes
 * the first rule that matches: exact paths, then prefixes from longest to shortest.
 */
export function orderRoutes(routes: RouteConfig[]): RouteConfig[] {
    const rank = (r: RouteConfig) => (r.match.kind === "exact" ? 0 : 1);
    return [...routes].sort(
        (a, b) =>
            rank(a) - rank(b) ||
            b.match.path.length - a.match.path.length ||
            (a.match.path < b.match.path ? -1 : a.match.path > b.match.path ? 1 : 0),
    );
}

/** The routes of each host of a gateway, ordered; hosts without routes are left out. */
export function routesByHost(gateway: Pick<GatewayConfig, "hosts" | "routes">): { host: string; routes: RouteConfig[] }[] {
    return gateway.hosts
        .map((host) => ({ host, routes: orderRoutes(gateway.routes.filter((r) => r.hosts.includes(host))) }))
        .filter((entry) => entry.routes.length > 0);
}

/** In-cluster name of a route destination: short names resolve in the destination namespace. */
export function destinationHost(route: RouteConfig, clusterDomain = "cluster.local"): string {
    const { host, namespace } = route.destination;
    return host.includes(".") ? host : `${host}.${namespace}.svc.${clusterDomain}`;
}
