// The observability addons (Prometheus, Grafana, Kiali, Jaeger as "tracing") as pure functions of
// the validated edge: the hosts and routes they add to their gateway, the checks of their config,
// the values of their charts, the Jaeger objects and the mesh's tracing provider.
import { CHARTS, ChartLocation, locateChart } from "./charts";
import { isMap, mergeValues } from "./values";
import { ADDON_NAMES, AddonName, AddonsSpec, EdgeSpec, RouteSpec } from "./types";

/** The Service of an addon and its port. */
export interface AddonBackend {
    service: string;
    port: number;
}

/**
 * The Service (and port) each addon is reached on, in the addons namespace, unless its values
 * rename it (see {@link addonBackends}). The names are the ones Istio's samples use and the
 * policy pack's addon rule looks for.
 */
export const ADDON_BACKENDS: Record<AddonName, AddonBackend> = {
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

/** Helm's `trunc 63 | trimSuffix "-"` of a generated name. */
const helmName = (name: string) => name.slice(0, 63).replace(/-$/, "");
const at = (values: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (isMap(v) ? v[k] : undefined), values);

/**
 * Each addon's Service name and port as its chart will render them with the user's values merged
 * over the program's: routes, data sources and Kiali's links follow a renamed Service or a moved
 * port instead of pointing at the old one. The names follow each chart's own helpers
 * (prometheus `prometheus.server.fullname`, grafana `grafana.fullname`, kiali-server
 * `kiali-server.fullname`, for the releases the program installs).
 */
export function addonBackends(addons: AddonsSpec): Record<AddonName, AddonBackend> {
    const p = addons.prometheus.values;
    const g = addons.grafana.values;
    const k = addons.kiali.values;
    const portOr = (value: unknown, fallback: number) => (value === undefined ? fallback : (value as number));
    const prometheusName = (): string => {
        const override = at(p, "server", "fullnameOverride");
        if (override === undefined) return ADDON_BACKENDS.prometheus.service;
        if (override) return helmName(String(override));
        const name = String(at(p, "nameOverride") || CHARTS.prometheus.chart);
        const server = String(at(p, "server", "name") ?? "server");
        const release = ADDON_RELEASES.prometheus;
        return helmName(release.includes(name) ? `${release}-${server}` : `${release}-${name}-${server}`);
    };
    const grafanaName = (): string => {
        const override = at(g, "fullnameOverride");
        if (override) return helmName(String(override));
        const name = String(at(g, "nameOverride") || CHARTS.grafana.chart);
        const release = ADDON_RELEASES.grafana;
        return helmName(release.includes(name) ? release : `${release}-${name}`);
    };
    return {
        prometheus: { service: prometheusName(), port: portOr(at(p, "server", "service", "servicePort"), ADDON_BACKENDS.prometheus.port) },
        grafana: { service: grafanaName(), port: portOr(at(g, "service", "port"), ADDON_BACKENDS.grafana.port) },
        kiali: { service: helmName(String(at(k, "deployment", "instance_name") ?? ADDON_BACKENDS.kiali.service)), port: portOr(at(k, "server", "port"), ADDON_BACKENDS.kiali.port) },
        // The program writes the tracing Service itself: no values rename it.
        tracing: ADDON_BACKENDS.tracing,
    };
}

/** One route per addon host: everything under "/" to the addon's Service. */
export function addonRoutes(addons: AddonsSpec, enabled: { name: AddonName; host: string }[]): RouteSpec[] {
    const backends = addonBackends(addons);
    return enabled.map(({ name, host }) => ({
        name,
        hosts: [host],
        match: { kind: "prefix", path: "/" },
        destination: { host: backends[name].service, port: backends[name].port, namespace: addons.namespace },
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
    const prometheus = addonBackends(addons).prometheus;
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
            prometheus: { url: internalUrl(prometheus.service, addons.namespace, prometheus.port) },
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
    const backends = addonBackends(addons);
    const planned = new Map(enabled.map(({ name, host }): [AddonName, PlannedAddon] => {
        const { service, port } = backends[name];
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
            release: release("grafana", CHARTS.grafana.chart, grafanaValues(addons, { self: grafana.url, prometheus: planned.get("prometheus")?.internalUrl ?? internalUrl(backends.prometheus.service, ns, backends.prometheus.port) })),
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
