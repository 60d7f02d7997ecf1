// Checks of the observability addons: their hosts, their settings, and one rule for exposure. An
// addon UI is served only on a gateway whose client ranges are all non-public, over HTTPS only,
// unless the stack opts in with `addons.allowPublicAccess`. Settings are read from the values
// the charts will get (the user's merged over the program's), so an escape hatch cannot turn a
// login off behind the program's back.
import { AddressBlock, NON_PUBLIC_RANGES, isNonPublicBlock, parseAddressBlock } from "../policy/lib/addresses";
import { ADDON_OBJECTS, addonBackends, enabledAddons } from "./addons";
import { clusterLocalNamespace, hostsIntersect, servedHostProblem } from "./hosts";
import type { AddonName, AddonsSpec, EdgeSpec, GatewaySpec } from "./types";
import { isMap } from "./values";

const show = (value: unknown) => JSON.stringify(value);
const truthy = (v: unknown) => v === true || v === "true";

const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const STORAGE_SIZE = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|K|M|G|T|P|E)?$/;
const STORAGE_CLASS = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const SERVICE_NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Stacks whose name starts with "prod" are production stacks: no anonymous Kiali there. */
export const PRODUCTION_STACK = /^prod/i;

/** The Kiali login strategy the chart will get, and the key that decided it. */
export function effectiveKialiAuth(addons: AddonsSpec): { strategy: string; key: string; viewOnly: boolean } {
    const fromValues = addons.kiali.values.auth;
    const strategy = isMap(fromValues) && fromValues.strategy !== undefined ? String(fromValues.strategy) : addons.kiali.auth;
    const key = isMap(fromValues) && fromValues.strategy !== undefined ? "addons.kiali.values.auth.strategy" : "addons.kiali.auth";
    const deployment = addons.kiali.values.deployment;
    const viewOnly = isMap(deployment) && deployment.view_only_mode !== undefined ? truthy(deployment.view_only_mode) : strategy === "anonymous";
    return { strategy, key, viewOnly };
}

/**
 * Whether Grafana will let visitors in without logging in, read from its values the way Grafana
 * reads its configuration: the `[auth.anonymous]` section of grafana.ini, or the environment
 * variable GF_AUTH_ANONYMOUS_ENABLED, which overrides the file.
 */
export function effectiveGrafanaAnonymous(addons: AddonsSpec): { anonymous: boolean; key: string; role: string } {
    const values = addons.grafana.values;
    const section = isMap(values["grafana.ini"]) ? values["grafana.ini"]["auth.anonymous"] : undefined;
    const env = isMap(values.env) ? values.env : {};
    const role = String(env.GF_AUTH_ANONYMOUS_ORG_ROLE ?? (isMap(section) ? section.org_role : undefined) ?? "Viewer");
    if (env.GF_AUTH_ANONYMOUS_ENABLED !== undefined) {
        return { anonymous: truthy(env.GF_AUTH_ANONYMOUS_ENABLED), key: "addons.grafana.values.env.GF_AUTH_ANONYMOUS_ENABLED", role };
    }
    return { anonymous: isMap(section) && truthy(section.enabled), key: 'addons.grafana.values.grafana.ini["auth.anonymous"].enabled', role };
}

/** Why a gateway's clients are not all on non-public networks, or undefined when they are. */
function publicExposure(gw: GatewaySpec, g: number): string | undefined {
    if (!gw.allowedSourceRanges) return `gateways[${g}] (${gw.name}) has no allowedSourceRanges, so it admits every client address`;
    const blocks: { text: string; block?: AddressBlock }[] = gw.allowedSourceRanges.map((text) => {
        try {
            return { text, block: parseAddressBlock(text) };
        } catch {
            return { text };
        }
    });
    // An unreadable range is reported by the gateway's own checks.
    const open = blocks.find((b) => b.block && !isNonPublicBlock(b.block));
    if (!open) return undefined;
    const i = gw.allowedSourceRanges.indexOf(open.text);
    return `gateways[${g}].allowedSourceRanges[${i}]: ${show(open.text)} includes public internet addresses`;
}

const NON_PUBLIC_LIST = NON_PUBLIC_RANGES.map((r) => r.cidr).join(", ");

/**
 * Problems of the addons config (empty when there are none or it can be planned). Checked against
 * the gateways as configured, before the addon hosts are added to one of them.
 */
export function addonProblems(spec: EdgeSpec): string[] {
    const addons = spec.addons;
    const enabled = enabledAddons(spec);
    if (!addons || enabled.length === 0) return [];
    const problems: string[] = [];
    const optIn = addons.allowPublicAccess === true;

    const g = spec.gateways.findIndex((gw) => gw.name === addons.gateway);
    const gateway = g >= 0 ? spec.gateways[g] : undefined;
    let exposed: string | undefined;
    if (!gateway) {
        problems.push(`addons.gateway: ${show(addons.gateway)} is not a configured gateway; valid: ${spec.gateways.map((gw) => show(gw.name)).join(", ")}`);
    } else {
        exposed = publicExposure(gateway, g);
        if (exposed && !optIn) {
            problems.push(`addons.gateway: ${show(addons.gateway)} serves the addon UIs, but ${exposed}; Prometheus and the tracing UI have no login. ` +
                `Restrict gateways[${g}].allowedSourceRanges to non-public ranges (inside ${NON_PUBLIC_LIST}), serve the addons on such a gateway, ` +
                `or set addons.allowPublicAccess: true to accept that anyone who reaches the gateway reads them`);
        }
        if (!gateway.httpsRedirect && !optIn) {
            problems.push(`gateways[${g}].httpsRedirect: false serves the addon UIs (addons.gateway: ${show(addons.gateway)}) over plain HTTP on port 80, credentials and tokens included; ` +
                `set it to true (the default), serve the addons on another gateway, or set addons.allowPublicAccess: true to accept the risk`);
        }
    }

    problems.push(...hostProblems(spec, addons, enabled, g));
    problems.push(...settingProblems(addons));

    const kiali = effectiveKialiAuth(addons);
    const grafana = effectiveGrafanaAnonymous(addons);
    // Public and anonymous with write access: no opt-in covers handing the mesh's controls to anyone.
    if (gateway && exposed) {
        if (addons.kiali.enabled && kiali.strategy === "anonymous") {
            problems.push(`${kiali.key}: "anonymous" lets every client of gateways[${g}] (${addons.gateway}) ${kiali.viewOnly ? "read the mesh" : "read and change the mesh"} without logging in, and ${exposed}; ` +
                `use "token", or restrict gateways[${g}].allowedSourceRanges to non-public ranges`);
        }
        if (addons.grafana.enabled && grafana.anonymous && grafana.role !== "Viewer") {
            problems.push(`${grafana.key}: anonymous access with role ${show(grafana.role)} lets every client of gateways[${g}] (${addons.gateway}) edit Grafana without logging in, and ${exposed}; ` +
                `turn anonymous access off, give it the role "Viewer", or restrict gateways[${g}].allowedSourceRanges to non-public ranges`);
        }
    }

    problems.push(...addonRouteProblems(spec, addons, enabled, optIn));
    return problems;
}

function hostProblems(spec: EdgeSpec, addons: AddonsSpec, enabled: AddonName[], g: number): string[] {
    const problems: string[] = [];
    const taken = new Map<string, AddonName>();
    for (const name of enabled) {
        const at = `addons.${name}.host`;
        const host = addons[name].host;
        if (host === undefined || host === "") {
            problems.push(`${at}: is required when addons.${name}.enabled is true; set a host of its own, e.g. ${show(`${name}.example.internal`)}, or set addons.${name}.enabled to false`);
            continue;
        }
        if (host.startsWith("*.")) {
            problems.push(`${at}: ${show(host)} is a wildcard; an addon is served on one host of its own, e.g. ${show(`${name}.${host.slice(2)}`)}`);
            continue;
        }
        const problem = servedHostProblem(host);
        if (problem) {
            problems.push(`${at}: ${show(host)} ${problem}`);
            continue;
        }
        const other = taken.get(host);
        if (other) {
            problems.push(`${at}: ${show(host)} is already the host of addons.${other}; each addon needs a host of its own`);
            continue;
        }
        taken.set(host, name);
        spec.gateways.forEach((gw, i) => {
            const clash = gw.hosts.find((h) => hostsIntersect(h, host));
            if (!clash) return;
            const routed = gw.routes.filter((r) => r.hosts.includes(clash)).map((r) => r.name);
            const as = clash === host ? "" : ` as ${show(clash)}`;
            problems.push(i === g
                ? `${at}: ${show(host)} is already served by gateways[${i}] (${gw.name})${as}${routed.length ? ` with routes ${routed.map(show).join(", ")}` : ""}; ` +
                    `an addon host gets its certificate and route from addons, so remove it from gateways[${i}].hosts or choose another host`
                : `${at}: ${show(host)} is served by gateways[${i}] (${gw.name})${as}, and an addon host may be served only by the addon gateway (addons.gateway: ${show(addons.gateway)}); choose a host no other gateway serves`);
        });
    }
    return problems;
}

/** Settings of each addon, and values that would break what the program wires between them. */
function settingProblems(addons: AddonsSpec): string[] {
    const problems: string[] = [];
    const prometheus = addons.prometheus;
    if (prometheus.enabled) {
        if (!DURATION.test(prometheus.retention) || !/[1-9]/.test(prometheus.retention)) {
            problems.push(`addons.prometheus.retention: ${show(prometheus.retention)} is not a Prometheus duration; expected e.g. "15d", "12h" or "1w"`);
        }
        if (prometheus.storage) {
            if (!STORAGE_SIZE.test(prometheus.storage.size) || !/[1-9]/.test(prometheus.storage.size)) {
                problems.push(`addons.prometheus.storage.size: ${show(prometheus.storage.size)} is not a Kubernetes quantity; expected e.g. "20Gi" or "500Mi"`);
            }
            const sc = prometheus.storage.storageClass;
            if (sc !== "" && sc !== "-" && !STORAGE_CLASS.test(sc)) {
                problems.push(`addons.prometheus.storage.storageClass: ${show(sc)} is not a StorageClass name; expected a lower-case DNS name such as "local-path", "" for the cluster's default class, or "-" for none`);
            }
        }
    }

    // Kiali draws every graph from Prometheus, Grafana reads it as its data source.
    for (const name of ["kiali", "grafana"] as const) {
        if (addons[name].enabled && !prometheus.enabled && !ownPrometheus(addons, name)) {
            problems.push(`addons.${name}.enabled: true needs Prometheus, and addons.prometheus is off; enable addons.prometheus, or point ${name} at your own Prometheus in addons.${name}.values (${name === "kiali" ? "external_services.prometheus.url" : "datasources"})`);
        }
    }

    // Renamed Services and moved ports are followed (model/addons.ts addonBackends); they must still be a Service's.
    const backends = addonBackends(addons);
    const keys: Record<Exclude<AddonName, "tracing">, { name: string; port: string }> = {
        prometheus: { name: "addons.prometheus.values.server.fullnameOverride", port: "addons.prometheus.values.server.service.servicePort" },
        grafana: { name: "addons.grafana.values.fullnameOverride", port: "addons.grafana.values.service.port" },
        kiali: { name: "addons.kiali.values.deployment.instance_name", port: "addons.kiali.values.server.port" },
    };
    for (const name of ["prometheus", "grafana", "kiali"] as const) {
        if (!addons[name].enabled) continue;
        const { service, port } = backends[name];
        if (!SERVICE_NAME.test(service)) {
            problems.push(`${keys[name].name}: gives the ${name} Service the name ${show(service)}, which is not a Service name; expected a lower-case DNS label starting with a letter`);
        }
        if (!Number.isInteger(port) || port < 1 || port > 65535) {
            problems.push(`${keys[name].port}: ${show(port)} is not a Service port; expected an integer from 1 to 65535`);
        }
    }
    if (addons.grafana.enabled) {
        const admin = addons.grafana.values.admin;
        if (isMap(admin) && admin.existingSecret !== undefined && admin.existingSecret !== ADDON_OBJECTS.grafanaAdminSecret) {
            problems.push(`addons.grafana.values.admin.existingSecret: ${show(admin.existingSecret)} replaces the Secret ${show(ADDON_OBJECTS.grafanaAdminSecret)} that holds the password the stack exports as grafanaAdminPassword; remove it (the program generates and keeps the admin password)`);
        }
    }
    if (addons.kiali.enabled) {
        const server = addons.kiali.values.server;
        if (isMap(server) && server.web_root !== undefined && server.web_root !== "/") {
            problems.push(`addons.kiali.values.server.web_root: ${show(server.web_root)} moves Kiali off the root of its host, where the program routes and links it (https://${addons.kiali.host}/); remove it (Kiali has a host of its own)`);
        }
    }
    const image = addons.tracing.image;
    if (addons.tracing.enabled && /:[^/]*$/.test(image)) {
        const bare = image.replace(/:[^/]*$/, "");
        problems.push(`addons.tracing.image: ${show(image)} has a tag, and the program adds addons.tracing.version (${show(addons.tracing.version)}) as the tag; write the repository alone (${show(bare)}) and the tag in addons.tracing.version`);
    }
    return problems;
}

function ownPrometheus(addons: AddonsSpec, name: "kiali" | "grafana"): boolean {
    const values = addons[name].values as Record<string, any>;
    return name === "kiali" ? typeof values.external_services?.prometheus?.url === "string" : values.datasources !== undefined;
}

/** The Service a route sends to: a short name in its namespace, or a cluster-local full name. */
function routeService(destination: { host: string; namespace: string }): { name: string; namespace: string } | undefined {
    if (!destination.host.includes(".")) return { name: destination.host, namespace: destination.namespace };
    const ns = clusterLocalNamespace(destination.host);
    return ns ? { name: destination.host.split(".")[0], namespace: ns } : undefined;
}

/** User routes into an addon's Services from a gateway other than the addon gateway. */
function addonRouteProblems(spec: EdgeSpec, addons: AddonsSpec, enabled: AddonName[], optIn: boolean): string[] {
    if (optIn) return [];
    const backends = addonBackends(addons);
    const services = new Map<string, AddonName>(enabled.map((name) => [backends[name].service, name]));
    if (enabled.includes("tracing")) services.set(ADDON_OBJECTS.jaegerCollector, "tracing");
    const problems: string[] = [];
    spec.gateways.forEach((gw, g) => {
        if (gw.name === addons.gateway) return;
        gw.routes.forEach((route, r) => {
            const target = routeService(route.destination);
            const addon = target && target.namespace === addons.namespace ? services.get(target.name) : undefined;
            if (!addon) return;
            problems.push(`gateways[${g}].routes[${r}].destination: ${show(route.destination.host)} in namespace ${show(addons.namespace)} is a Service of the ${addon} addon, which is served only on the addon gateway (addons.gateway: ${show(addons.gateway)}) at https://${addons[addon].host}/; ` +
                `remove the route from gateways[${g}] (${gw.name}), or set addons.allowPublicAccess: true to accept exposing it there`);
        });
    });
    return problems;
}

/** Problems that depend on the stack the edge is deployed as: no anonymous Kiali or Grafana editors in production. */
export function addonStackProblems(spec: EdgeSpec, stack: string): string[] {
    const addons = spec.addons;
    if (!addons || !PRODUCTION_STACK.test(stack)) return [];
    const problems: string[] = [];
    const kiali = effectiveKialiAuth(addons);
    if (addons.kiali.enabled && kiali.strategy === "anonymous") {
        problems.push(`${kiali.key}: "anonymous" is refused on production stack ${show(stack)} (a name starting with "prod"); use "token" (log in with a ServiceAccount token)`);
    }
    const grafana = effectiveGrafanaAnonymous(addons);
    if (addons.grafana.enabled && grafana.anonymous && grafana.role !== "Viewer") {
        problems.push(`${grafana.key}: anonymous access with role ${show(grafana.role)} is refused on production stack ${show(stack)} (a name starting with "prod"); turn anonymous access off, or give it the role "Viewer"`);
    }
    return problems;
}
