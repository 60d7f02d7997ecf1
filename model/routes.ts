// Route order: Istio takes the first rule that matches, so the plan orders each host's routes
// most specific first.
import type { GatewaySpec, RouteSpec } from "./types";

/** Exact paths first, then prefixes from longest to shortest; ties by path, for a stable order. */
export function orderRoutes(routes: RouteSpec[]): RouteSpec[] {
    const rank = (r: RouteSpec) => (r.match.kind === "exact" ? 0 : 1);
    return [...routes].sort(
        (a, b) =>
            rank(a) - rank(b) ||
            b.match.path.length - a.match.path.length ||
            (a.match.path < b.match.path ? -1 : a.match.path > b.match.path ? 1 : 0),
    );
}

/** The ordered routes of each host of a gateway (an empty list for a host without routes). */
export function routesByHost(gateway: Pick<GatewaySpec, "hosts" | "routes">): { host: string; routes: RouteSpec[] }[] {
    return gateway.hosts.map((host) => ({ host, routes: orderRoutes(gateway.routes.filter((r) => r.hosts.includes(host))) }));
}
