// The observability addons (Prometheus, Grafana, Kiali, Jaeger as "tracing") as pure functions of
// the validated edge: the hosts and routes they add to their gateway, the checks of their config,
// the values of their charts, the Jaeger objects and the mesh's tracing provider.
import { CHARTS, ChartLocation, locateChart } from "./charts";
import { hostsIntersect, servedHostProblem } from "./hosts";
import { mergeValues } from "./values";
import { ADDON_NAMES, AddonName, AddonsSpec, EdgeSpec, RouteSpec } from "./types";

const show = (value: unknown) => JSON.stringify(value);

/**
 * The Service (and port) each addon is reached on, in the addons namespace. The names are the
 * ones Istio's samples use and the policy pack's addon rule looks for.
 */
export const ADDON_BACKENDS: Record<AddonName, { service: string; port: number }> = {
    prometheus: { service: "prometheus", port: 9090 },
    grafana: { service: "grafana", port: 3000 },
    kiali: { service: "kiali", port: 20001 },
    tracing: { service: "tracing", port: 80 },
};

/** What `npm run verify` requests on each addon host, and what the answer must contain. */
export const ADDON_PROBES: Record<AddonName, { path: string; contains: string }> = {
    prometheus: { path: "/-/ready", contains: "Ready" },
    grafana: { path: "/login", contains: "Grafana" },
    kiali: { path: "/", contains: "Kiali" },
    tracing: { path: "/", contains: "Jaeger" },
};

/** Helm releases of the chart addons; the charts name their Services after them. */
export const ADDON_RELEASES = { prometheus: "prometheus", grafana: "grafana", kiali: "kiali" } as const;

/** Objects the program writes for the addons (besides the charts'). */
export const ADDON_OBJECTS = {
    grafanaAdminSecret: "grafana-admin",
    grafanaAdminUser: "admin",
    kialiSigningKeySecret: "kiali-signing-key",
    jaeger: "jaeger",
    jaegerCollector: "jaeger-collector",
    telemetry: "mesh-default",
    /** The mesh's name for the tracing backend (meshConfig.extensionProviders[].name). */
    tracingProvider: "jaeger",
} as const;

/** Pod label that keeps Istio's injector away from the addons, as in Istio's own samples. */
export const NO_SIDECAR = { "sidecar.istio.io/inject": "false" };

/** The addons switched on, in a fixed order. */
export function enabledAddons(spec: Pick<EdgeSpec, "addons">): AddonName[] {
    const addons = spec.addons;
    return addons ? ADDON_NAMES.filter((name) => addons[name].enabled) : [];
}

/** The addons switched on, with their hosts (only meaningful after validation). */
export function addonHosts(spec: Pick<EdgeSpec, "addons">): { name: AddonName; host: string }[] {
    return enabledAddons(spec).map((name) => ({ name, host: spec.addons![name].host! }));
}

/** One route per addon host: everything under "/" to the addon's Service. */
export function addonRoutes(addons: AddonsSpec, enabled: { name: AddonName; host: string }[]): RouteSpec[] {
    return enabled.map(({ name, host }) => ({
        name,
        hosts: [host],
        match: { kind: "prefix", path: "/" },
        destination: { host: ADDON_BACKENDS[name].service, port: ADDON_BACKENDS[name].port, namespace: addons.namespace },
    }));
}

/**
 * The edge with each addon host added to the addon gateway as one more host with its route, so
 * that certificates, Gateway servers and routes treat it like any configured host. The hosts come
 * after the configured ones, so the names of everything configured stay as they were.
 */
export function withAddonRoutes(spec: EdgeSpec): EdgeSpec {
    const enabled = addonHosts(spec);
    if (enabled.length === 0) return spec;
    const addons = spec.addons!;
    return {
        ...spec,
        gateways: spec.gateways.map((gw) => gw.name !== addons.gateway ? gw : {
            ...gw,
            hosts: [...gw.hosts, ...enabled.map((e) => e.host)],
            routes: [...gw.routes, ...addonRoutes(addons, enabled)],
        }),
    };
}

// ---------------------------------------------------------------------------------------------
// Checks

const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
const STORAGE_SIZE = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|K|M|G|T|P|E)?$/;
const STORAGE_CLASS = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Stacks whose name starts with "prod" are production stacks: no anonymous Kiali there. */
export const PRODUCTION_STACK = /^prod/i;

/**
 * Problems of the addons config (empty when there are none or it can be planned). Checked against
 * the gateways as configured, before the addon hosts are added to one of them.
 */
export function addonProblems(spec: EdgeSpec): string[] {
    const addons = spec.addons;
    const enabled = enabledAddons(spec);
    if (!addons || enabled.length === 0) return [];
    const problems: string[] = [];

    const g = spec.gateways.findIndex((gw) => gw.name === addons.gateway);
    if (g < 0) {
        problems.push(`addons.gateway: ${show(addons.gateway)} is not a configured gateway; valid: ${spec.gateways.map((gw) => show(gw.name)).join(", ")}`);
    } else if (!spec.gateways[g].allowedSourceRanges) {
        // The policy pack refuses this combination at `pulumi up` (addon-ui-restricted-gateways); say so first.
        const restricted = spec.gateways.findIndex((gw) => gw.allowedSourceRanges);
        if (restricted >= 0) {
            problems.push(`addons.gateway: ${show(addons.gateway)} admits any client address while gateways[${restricted}] (${spec.gateways[restricted].name}) is restricted by allowedSourceRanges; ` +
                `serve the addons on a restricted gateway (addons.gateway: ${show(spec.gateways[restricted].name)}) or set gateways[${g}].allowedSourceRanges`);
        }
    }

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

    if (addons.kiali.enabled && addons.kiali.auth === "anonymous" && g >= 0 && !spec.gateways[g].allowedSourceRanges) {
        problems.push(`addons.kiali.auth: "anonymous" lets every client of gateways[${g}] (${addons.gateway}) read the mesh without logging in, and that gateway admits any address; ` +
            `use "token", or restrict the gateway with gateways[${g}].allowedSourceRanges`);
    }
    return problems;
}

function ownPrometheus(addons: AddonsSpec, name: "kiali" | "grafana"): boolean {
    const values = addons[name].values as Record<string, any>;
    return name === "kiali" ? typeof values.external_services?.prometheus?.url === "string" : values.datasources !== undefined;
}

/** Problems that depend on the stack the edge is deployed as: no anonymous Kiali in production. */
export function addonStackProblems(spec: EdgeSpec, stack: string): string[] {
    const kiali = spec.addons?.kiali;
    if (!kiali?.enabled || kiali.auth !== "anonymous" || !PRODUCTION_STACK.test(stack)) return [];
    return [`addons.kiali.auth: "anonymous" is refused on production stack ${show(stack)} (a name starting with "prod"); use "token" (log in with a ServiceAccount token)`];
}

// ---------------------------------------------------------------------------------------------
// The plan

/** A Helm release of an addon (the shape of the plan's releases). */
export interface AddonRelease {
    releaseName: string;
    namespace: string;
    location: ChartLocation;
    values: Record<string, unknown>;
}

/** A Kubernetes object the program writes, as plain data. */
export interface PlainObject {
    metadata: { name: string; namespace: string; labels?: Record<string, string> };
    spec?: any;
    data?: Record<string, string>;
}

export interface PlannedAddon {
    name: AddonName;
    host: string;
    /** https:// URL of its UI on the addon gateway. */
    url: string;
    /** Its Service, in-cluster. */
    service: string;
    port: number;
    /** In-cluster URL (`http://<service>.<namespace>:<port>`). */
    internalUrl: string;
}

export interface AddonsPlan {
    gateway: string;
    namespace: string;
    /** The addons namespace is created by the addons (it is not istiod's). */
    createNamespace: boolean;
    /** istiod's namespace: the mesh-wide Telemetry goes there. */
    istioNamespace: string;
    addons: PlannedAddon[];
    prometheus?: { release: AddonRelease };
    grafana?: { release: AddonRelease; adminSecret: { name: string; namespace: string; user: string; userKey: string; passwordKey: string } };
    kiali?: { release: AddonRelease; signingKeySecret: { name: string; namespace: string; key: string } };
    tracing?: {
        configMap: PlainObject;
        deployment: PlainObject;
        services: PlainObject[];
        /** The mesh-wide Telemetry: the share of requests traced, sent to the tracing provider. */
        telemetry: { name: string; namespace: string; spec: Record<string, unknown> };
    };
    /** istiod values that register the tracing backend as a mesh extension provider (empty without tracing). */
    meshValues: Record<string, unknown>;
}

function internalUrl(service: string, namespace: string, port: number): string {
    return `http://${service}.${namespace}:${port}`;
}

export function prometheusValues(addons: AddonsSpec, url: string): Record<string, unknown> {
    const p = addons.prometheus;
    return mergeValues({
        // Istio needs only the server: its targets announce themselves with prometheus.io/* pod annotations.
        alertmanager: { enabled: false },
        "kube-state-metrics": { enabled: false },
        "prometheus-node-exporter": { enabled: false },
        "prometheus-pushgateway": { enabled: false },
        server: {
            fullnameOverride: ADDON_BACKENDS.prometheus.service,
            podLabels: NO_SIDECAR,
            global: { scrape_interval: "15s" },
            retention: p.retention,
            baseURL: url,
            service: { servicePort: ADDON_BACKENDS.prometheus.port },
            persistentVolume: p.storage
                ? { enabled: true, size: p.storage.size, ...(p.storage.storageClass !== "" ? { storageClass: p.storage.storageClass } : {}) }
                : { enabled: false },
        },
    }, p.values);
}

/** grafana.com ids of Istio's dashboards (Mesh, Service, Workload, Performance, Control Plane). */
export const ISTIO_DASHBOARDS: Record<string, number> = {
    "istio-mesh": 7639,
    "istio-service": 7636,
    "istio-workload": 7630,
    "istio-performance": 11829,
    "istio-control-plane": 7645,
};

/** Name (and uid) of Grafana's Prometheus data source. */
export const GRAFANA_DATASOURCE = "Prometheus";

export function grafanaValues(addons: AddonsSpec, urls: { self: string; prometheus: string }): Record<string, unknown> {
    const g = addons.grafana;
    const provider = "istio";
    return mergeValues({
        // The chart names the port "service"; appProtocol tells Istio it is HTTP.
        service: { port: ADDON_BACKENDS.grafana.port, appProtocol: "http" },
        podLabels: NO_SIDECAR,
        testFramework: { enabled: false },
        admin: { existingSecret: ADDON_OBJECTS.grafanaAdminSecret, userKey: "admin-user", passwordKey: "admin-password" },
        "grafana.ini": {
            server: { domain: g.host, root_url: urls.self },
            "auth.anonymous": { enabled: false },
        },
        datasources: {
            "datasources.yaml": {
                apiVersion: 1,
                datasources: [{
                    name: GRAFANA_DATASOURCE, uid: GRAFANA_DATASOURCE, type: "prometheus", access: "proxy",
                    url: urls.prometheus, isDefault: true, editable: false,
                }],
            },
        },
        ...(g.dashboards ? {
            dashboardProviders: {
                "dashboardproviders.yaml": {
                    apiVersion: 1,
                    providers: [{
                        name: provider, orgId: 1, folder: "Istio", type: "file", disableDeletion: false, editable: false,
                        options: { path: `/var/lib/grafana/dashboards/${provider}` },
                    }],
                },
            },
            dashboards: {
                [provider]: Object.fromEntries(Object.entries(ISTIO_DASHBOARDS).map(([key, gnetId]) => [key, {
                    gnetId, revision: g.dashboardRevision,
                    // Exported dashboards name their data source ${DS_PROMETHEUS}; file provisioning does not fill it in.
                    datasource: [{ name: "DS_PROMETHEUS", value: GRAFANA_DATASOURCE }],
                }])),
            },
        } : {}),
    }, g.values);
}

export function kialiValues(addons: AddonsSpec, istioNamespace: string, planned: Map<AddonName, PlannedAddon>): Record<string, unknown> {
    const k = addons.kiali;
    const grafana = planned.get("grafana");
    const tracing = planned.get("tracing");
    return mergeValues({
        auth: { strategy: k.auth },
        deployment: { pod_labels: NO_SIDECAR, view_only_mode: k.auth === "anonymous" },
        istio_namespace: istioNamespace,
        // A fixed key from a Secret: the chart would otherwise put a new random key in its ConfigMap on every render.
        login_token: { signing_key: `secret:${ADDON_OBJECTS.kialiSigningKeySecret}:key` },
        server: { web_root: "/", web_fqdn: k.host, web_schema: "https" },
        external_services: {
            istio: { root_namespace: istioNamespace },
            prometheus: { url: internalUrl(ADDON_BACKENDS.prometheus.service, addons.namespace, ADDON_BACKENDS.prometheus.port) },
            grafana: grafana
                ? { enabled: true, internal_url: grafana.internalUrl, external_url: grafana.url.replace(/\/$/, "") }
                : { enabled: false },
            tracing: tracing
                ? { enabled: true, provider: "jaeger", use_grpc: true, internal_url: internalUrl(ADDON_BACKENDS.tracing.service, addons.namespace, JAEGER_PORTS.grpcQuery), external_url: tracing.url.replace(/\/$/, "") }
                : { enabled: false },
        },
    }, k.values);
}

/** Jaeger's ports: query UI and gRPC API, OTLP receivers, health. */
export const JAEGER_PORTS = { ui: 16686, grpcQuery: 16685, otlpGrpc: 4317, otlpHttp: 4318, health: 13133, metrics: 8888 } as const;

/** Jaeger v2's configuration (JSON is YAML): Istio's all-in-one sample with the UI at "/" for host routing. */
export function jaegerConfig(): Record<string, unknown> {
    return {
        service: {
            extensions: ["jaeger_storage", "jaeger_query", "healthcheckv2"],
            pipelines: { traces: { receivers: ["otlp"], processors: ["batch"], exporters: ["jaeger_storage_exporter"] } },
            telemetry: {
                resource: { "service.name": "jaeger" },
                metrics: { level: "detailed", readers: [{ pull: { exporter: { prometheus: { host: "0.0.0.0", port: JAEGER_PORTS.metrics } } } }] },
                logs: { level: "info" },
            },
        },
        extensions: {
            jaeger_query: { base_path: "/", storage: { traces: "badger_storage" } },
            jaeger_storage: {
                backends: { badger_storage: { badger: { ephemeral: false, directories: { keys: "/badger/key", values: "/badger/data/" } } } },
            },
            healthcheckv2: { use_v2: true, http: { endpoint: `0.0.0.0:${JAEGER_PORTS.health}` } },
        },
        receivers: {
            otlp: { protocols: { grpc: { endpoint: `0.0.0.0:${JAEGER_PORTS.otlpGrpc}` }, http: { endpoint: `0.0.0.0:${JAEGER_PORTS.otlpHttp}` } } },
        },
        processors: { batch: {} },
        exporters: { jaeger_storage_exporter: { trace_storage: "badger_storage" } },
    };
}

function tracingObjects(addons: AddonsSpec, istioNamespace: string): NonNullable<AddonsPlan["tracing"]> {
    const ns = addons.namespace;
    const labels = { app: "jaeger" };
    const health = { httpGet: { path: "/status", port: JAEGER_PORTS.health } };
    return {
        configMap: { metadata: { name: ADDON_OBJECTS.jaeger, namespace: ns, labels }, data: { "config.yaml": JSON.stringify(jaegerConfig(), null, 2) } },
        deployment: {
            metadata: { name: ADDON_OBJECTS.jaeger, namespace: ns, labels },
            spec: {
                replicas: 1,
                selector: { matchLabels: labels },
                template: {
                    metadata: {
                        labels: { ...labels, ...NO_SIDECAR },
                        annotations: { "prometheus.io/scrape": "true", "prometheus.io/port": String(JAEGER_PORTS.metrics) },
                    },
                    spec: {
                        containers: [{
                            name: "jaeger",
                            image: `${addons.tracing.image}:${addons.tracing.version}`,
                            args: ["--config", "/jaeger-configuration/config.yaml"],
                            ports: [
                                { name: "http-query", containerPort: JAEGER_PORTS.ui },
                                { name: "grpc-query", containerPort: JAEGER_PORTS.grpcQuery },
                                { name: "grpc-otel", containerPort: JAEGER_PORTS.otlpGrpc },
                                { name: "http-otel", containerPort: JAEGER_PORTS.otlpHttp },
                            ],
                            livenessProbe: health,
                            readinessProbe: health,
                            resources: { requests: { cpu: "10m", memory: "64Mi" } },
                            volumeMounts: [{ name: "data", mountPath: "/badger" }, { name: "configuration", mountPath: "/jaeger-configuration" }],
                        }],
                        // Traces live as long as the pod: the all-in-one backend of Istio's samples.
                        volumes: [{ name: "data", emptyDir: {} }, { name: "configuration", configMap: { name: ADDON_OBJECTS.jaeger } }],
                    },
                },
            },
        },
        services: [
            {
                metadata: { name: ADDON_BACKENDS.tracing.service, namespace: ns, labels },
                spec: {
                    selector: labels,
                    ports: [
                        { name: "http-query", port: ADDON_BACKENDS.tracing.port, targetPort: JAEGER_PORTS.ui, protocol: "TCP" },
                        { name: "grpc-query", port: JAEGER_PORTS.grpcQuery, targetPort: JAEGER_PORTS.grpcQuery, protocol: "TCP" },
                    ],
                },
            },
            {
                metadata: { name: ADDON_OBJECTS.jaegerCollector, namespace: ns, labels },
                spec: {
                    selector: labels,
                    ports: [
                        { name: "grpc-otel", port: JAEGER_PORTS.otlpGrpc, targetPort: JAEGER_PORTS.otlpGrpc, protocol: "TCP" },
                        { name: "http-otel", port: JAEGER_PORTS.otlpHttp, targetPort: JAEGER_PORTS.otlpHttp, protocol: "TCP" },
                    ],
                },
            },
        ],
        telemetry: {
            name: ADDON_OBJECTS.telemetry,
            namespace: istioNamespace,
            spec: { tracing: [{ providers: [{ name: ADDON_OBJECTS.tracingProvider }], randomSamplingPercentage: addons.tracing.sampling }] },
        },
    };
}

/** istiod values that make the tracing backend a mesh extension provider (OTLP over gRPC). */
export function meshTracingValues(addons: AddonsSpec): Record<string, unknown> {
    return {
        meshConfig: {
            extensionProviders: [{
                name: ADDON_OBJECTS.tracingProvider,
                opentelemetry: { service: `${ADDON_OBJECTS.jaegerCollector}.${addons.namespace}.svc.cluster.local`, port: JAEGER_PORTS.otlpGrpc },
            }],
        },
    };
}

/** Everything the addons install. The spec must have passed validation; undefined when all are off. */
export function planAddons(spec: EdgeSpec): AddonsPlan | undefined {
    const addons = spec.addons;
    const enabled = addonHosts(spec);
    if (!addons || enabled.length === 0) return undefined;
    const ns = addons.namespace;
    const planned = new Map(enabled.map(({ name, host }): [AddonName, PlannedAddon] => {
        const { service, port } = ADDON_BACKENDS[name];
        return [name, { name, host, url: `https://${host}/`, service, port, internalUrl: internalUrl(service, ns, port) }];
    }));
    const release = (name: keyof typeof ADDON_RELEASES, chart: string, values: Record<string, unknown>): AddonRelease => ({
        releaseName: ADDON_RELEASES[name],
        namespace: ns,
        location: locateChart(addons[name].repository, chart, addons[name].version),
        values,
    });
    const prometheus = planned.get("prometheus");
    const grafana = planned.get("grafana");
    return {
        gateway: addons.gateway,
        namespace: ns,
        createNamespace: ns !== spec.istio.namespace,
        istioNamespace: spec.istio.namespace,
        addons: [...planned.values()],
        prometheus: prometheus && { release: release("prometheus", CHARTS.prometheus.chart, prometheusValues(addons, prometheus.url)) },
        grafana: grafana && {
            release: release("grafana", CHARTS.grafana.chart, grafanaValues(addons, { self: grafana.url, prometheus: planned.get("prometheus")?.internalUrl ?? internalUrl(ADDON_BACKENDS.prometheus.service, ns, ADDON_BACKENDS.prometheus.port) })),
            adminSecret: { name: ADDON_OBJECTS.grafanaAdminSecret, namespace: ns, user: ADDON_OBJECTS.grafanaAdminUser, userKey: "admin-user", passwordKey: "admin-password" },
        },
        kiali: planned.has("kiali") ? {
            release: release("kiali", CHARTS.kiali.chart, kialiValues(addons, spec.istio.namespace, planned)),
            signingKeySecret: { name: ADDON_OBJECTS.kialiSigningKeySecret, namespace: ns, key: "key" },
        } : undefined,
        tracing: planned.has("tracing") ? tracingObjects(addons, spec.istio.namespace) : undefined,
        meshValues: planned.has("tracing") ? meshTracingValues(addons) : {},
    };
}
