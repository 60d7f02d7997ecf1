// Checks of what the observability addons render to, against what the program means: every URL one
// addon gives another (Grafana's data source, Kiali's services, the mesh's tracing provider) and
// every addon route reaches a Service port that selects running pods; Prometheus keeps the pods
// Istio annotates, without the subcharts Istio does not need; credentials come from the program's
// Secrets; no addon pod gets a sidecar. Pure functions of a RenderSet, like ./checks.
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { parse } from "yaml";
import { parsePortName } from "../../policy/lib/istio";
import { RenderSet, describeWorkload, parseTypeToken, releaseLabel, workloadsOf } from "./checks";
import type { K8sObject, RenderedRelease } from "./render";

const show = (v: unknown) => JSON.stringify(v);

/** A Service as rendered by a chart or registered by the program. */
interface ServiceView {
    name: string;
    namespace: string;
    selector: Record<string, string>;
    ports: { name?: string; port: number; appProtocol?: string }[];
    from: string;
}

function servicesOf(set: RenderSet): ServiceView[] {
    const rendered = set.releases.flatMap((r) => r.objects.filter((o) => o.kind === "Service").map((o) => ({
        name: o.metadata.name, namespace: o.metadata.namespace ?? r.release.namespace,
        selector: o.spec?.selector ?? {}, ports: o.spec?.ports ?? [], from: releaseLabel(r),
    })));
    const own = set.resources.filter((r) => r.type === "kubernetes:core/v1:Service").map((r) => ({
        name: r.inputs.metadata?.name, namespace: r.inputs.metadata?.namespace ?? "default",
        selector: r.inputs.spec?.selector ?? {}, ports: r.inputs.spec?.ports ?? [], from: "program",
    }));
    return [...rendered, ...own];
}

/** `http://svc.ns:port/…`, `svc.ns.svc.cluster.local:port`, or a bare host with a port → Service, namespace, port. */
export function parseServiceUrl(url: string, defaultNamespace: string): { service: string; namespace: string; port: number } | undefined {
    const m = /^(?:[a-z]+:\/\/)?([a-z0-9-]+)(?:\.([a-z0-9-]+))?(?:\.svc(?:\.cluster\.local)?)?:([0-9]+)(?:\/.*)?$/.exec(url);
    return m ? { service: m[1], namespace: m[2] ?? defaultNamespace, port: Number(m[3]) } : undefined;
}

/** Why `target` is not a Service port with pods behind it, or undefined when it is. */
function unreachable(set: RenderSet, services: ServiceView[], target: { service: string; namespace: string; port: number }): string | undefined {
    const svc = services.find((s) => s.name === target.service && s.namespace === target.namespace);
    if (!svc) return `no Service ${target.namespace}/${target.service} is created`;
    const port = svc.ports.find((p) => p.port === target.port);
    if (!port) return `Service ${target.namespace}/${target.service} (${svc.from}) has no port ${target.port} (ports: ${svc.ports.map((p) => p.port).join(", ")})`;
    if (!port.appProtocol && !parsePortName(port.name ?? "")) {
        return `Service ${target.namespace}/${target.service} port ${target.port} is named ${show(port.name)}, which Istio does not read as a protocol, and has no appProtocol`;
    }
    const selected = workloadsOf(set).filter((w) => w.namespace === svc.namespace && Object.keys(svc.selector).length > 0
        && Object.entries(svc.selector).every(([k, v]) => w.podLabels[k] === v));
    if (selected.length === 0) return `Service ${target.namespace}/${target.service} (${svc.from}) selects no pods (selector ${show(svc.selector)})`;
    return undefined;
}

const release = (set: RenderSet, chart: string) => set.releases.find((r) => r.chart.name === chart && !r.error);
const configMap = (r: RenderedRelease | undefined, name: string) => r?.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === name);

/** Every in-cluster URL one part gives another, from what the charts rendered. */
export function wiredUrls(set: RenderSet): { what: string; url: string; namespace: string }[] {
    const out: { what: string; url: string; namespace: string }[] = [];
    const grafana = release(set, "grafana");
    const sources = configMap(grafana, grafana?.release.release ?? "")?.data?.["datasources.yaml"];
    for (const ds of (sources ? parse(sources)?.datasources ?? [] : [])) {
        out.push({ what: `Grafana data source ${show(ds.name)}`, url: ds.url, namespace: grafana!.release.namespace });
    }
    const kiali = release(set, "kiali-server");
    const config = configMap(kiali, "kiali")?.data?.["config.yaml"];
    if (config) {
        const services = parse(config)?.external_services ?? {};
        if (services.prometheus?.url) out.push({ what: "Kiali external_services.prometheus.url", url: services.prometheus.url, namespace: kiali!.release.namespace });
        for (const key of ["grafana", "tracing"]) {
            if (services[key]?.enabled) out.push({ what: `Kiali external_services.${key}.internal_url`, url: services[key].internal_url, namespace: kiali!.release.namespace });
        }
    }
    const istiod = release(set, "istiod");
    const mesh = configMap(istiod, "istio")?.data?.mesh;
    for (const p of (mesh ? parse(mesh)?.extensionProviders ?? [] : [])) {
        const backend = p.opentelemetry ?? p.zipkin;
        if (backend) out.push({ what: `mesh extension provider ${show(p.name)}`, url: `${backend.service}:${backend.port}`, namespace: istiod!.release.namespace });
    }
    return out;
}

/** Every URL one addon gives another reaches a Service port with pods behind it. */
export function addonUrlProblems(set: RenderSet): string[] {
    const services = servicesOf(set);
    return wiredUrls(set).flatMap(({ what, url, namespace }) => {
        const target = parseServiceUrl(String(url), namespace);
        if (!target) return [`${what}: ${show(url)} is not an in-cluster Service URL`];
        const problem = unreachable(set, services, target);
        return problem ? [`${what}: ${show(url)}: ${problem}`] : [];
    });
}

/** Every route of the program's VirtualServices into a namespace where Services are created reaches one of them. */
export function routeBackendProblems(set: RenderSet): string[] {
    const services = servicesOf(set);
    const namespaces = new Set(services.map((s) => s.namespace));
    return set.resources.filter((r) => parseTypeToken(r.type)?.kind === "VirtualService").flatMap((vs) =>
        (vs.inputs.spec?.http ?? []).flatMap((rule: any) => (rule.route ?? []).flatMap((route: any) => {
            const target = parseServiceUrl(`${route.destination.host}:${route.destination.port?.number}`, vs.inputs.metadata?.namespace);
            if (!target || !namespaces.has(target.namespace)) return [];
            const problem = unreachable(set, services, target);
            return problem ? [`VirtualService ${vs.inputs.metadata?.name} route ${show(rule.name)}: ${problem}`] : [];
        })));
}

const SUBCHARTS = ["alertmanager", "kube-state-metrics", "prometheus-node-exporter", "prometheus-pushgateway"];

/** Prometheus scrapes the pods Istio annotates, keeps samples as configured, and renders no subchart it was told to leave out. */
export function prometheusProblems(set: RenderSet): string[] {
    const prom = release(set, "prometheus");
    if (!prom) return [];
    const id = releaseLabel(prom);
    const values = prom.release.values;
    const problems: string[] = [];
    const server = prom.objects.find((o) => o.kind === "ConfigMap" && o.data?.["prometheus.yml"]);
    const jobs: any[] = server ? parse(server.data["prometheus.yml"])?.scrape_configs ?? [] : [];
    const pods = jobs.find((j) => (j.kubernetes_sd_configs ?? []).some((sd: any) => sd.role === "pod")
        && (j.relabel_configs ?? []).some((rc: any) => rc.action === "keep" && (rc.source_labels ?? []).includes("__meta_kubernetes_pod_annotation_prometheus_io_scrape")));
    if (!pods) problems.push(`${id}: no scrape job keeps pods annotated prometheus.io/scrape (istiod, gateways, sidecars)`);
    for (const sub of SUBCHARTS) {
        const on = values[sub]?.enabled === true;
        const objects = prom.objects.filter((o) => ["Deployment", "DaemonSet", "StatefulSet"].includes(o.kind) && (o.metadata.labels?.["app.kubernetes.io/name"] === sub || o.metadata.name.includes(sub.replace(/^prometheus-/, ""))));
        if (!on && objects.length > 0) problems.push(`${id}: ${sub} is off but renders ${objects.map((o) => `${o.kind} ${o.metadata.name}`).join(", ")}`);
    }
    const container = prom.objects.filter((o) => o.kind === "Deployment" || o.kind === "StatefulSet")
        .flatMap((o) => o.spec?.template?.spec?.containers ?? []).find((c: any) => (c.args ?? []).some((a: string) => a.startsWith("--config.file=")));
    const retention = (container?.args ?? []).find((a: string) => a.startsWith("--storage.tsdb.retention.time="));
    if (retention !== `--storage.tsdb.retention.time=${values.server?.retention}`) problems.push(`${id}: retention flag ${show(retention)}, passed ${show(values.server?.retention)}`);
    const claims = prom.objects.filter((o) => o.kind === "PersistentVolumeClaim");
    const pv = values.server?.persistentVolume ?? {};
    if (pv.enabled && !claims.some((c) => c.spec?.resources?.requests?.storage === pv.size)) problems.push(`${id}: a ${pv.size} volume was asked for, but no PersistentVolumeClaim of that size is rendered`);
    if (!pv.enabled && claims.length > 0) problems.push(`${id}: no volume was asked for, but it renders ${claims.map((c) => c.metadata.name).join(", ")}`);
    return problems;
}

/** No pod of an addon gets a sidecar, as in Istio's samples. */
export function addonSidecarProblems(set: RenderSet, namespace: string): string[] {
    const addonCharts = new Set(["prometheus", "grafana", "kiali-server"]);
    return workloadsOf(set)
        .filter((w) => (w.release ? addonCharts.has(w.release.chart.name) : w.namespace === namespace))
        .filter((w) => w.podLabels["sidecar.istio.io/inject"] !== "false")
        .map((w) => `${describeWorkload(w)}: its pods are not labelled sidecar.istio.io/inject: "false"`);
}

function programSecret(set: RenderSet, namespace: string, name: string) {
    return set.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata?.name === name && r.inputs.metadata?.namespace === namespace);
}

/** The keys of a program Secret's data (its stringData reaches the engine wrapped as a secret). */
const secretKeys = (secret: { inputs: Record<string, any> }): string[] => {
    const data = secret.inputs.stringData ?? secret.inputs.data ?? {};
    return Object.keys(data[rpc.specialSigKey] === rpc.specialSecretSig ? data.value ?? {} : data);
};

/** Credentials come from the program's Secrets: Grafana's admin and Kiali's signing key; Grafana admits no anonymous user. */
export function addonCredentialProblems(set: RenderSet): string[] {
    const problems: string[] = [];
    const grafana = release(set, "grafana");
    if (grafana) {
        const id = releaseLabel(grafana);
        const env = grafana.objects.filter((o) => o.kind === "Deployment").flatMap((o) => o.spec.template.spec.containers).flatMap((c: any) => c.env ?? []);
        for (const name of ["GF_SECURITY_ADMIN_USER", "GF_SECURITY_ADMIN_PASSWORD"]) {
            const ref = env.find((e: any) => e.name === name)?.valueFrom?.secretKeyRef;
            const secret = ref && programSecret(set, grafana.release.namespace, ref.name);
            if (!ref) problems.push(`${id}: ${name} does not come from a Secret`);
            else if (!secret) problems.push(`${id}: ${name} comes from Secret ${ref.name}, which the program does not create`);
            else if (!secretKeys(secret).includes(ref.key)) problems.push(`${id}: ${name} reads key ${ref.key} of Secret ${ref.name}, which has ${secretKeys(secret).join(", ")}`);
        }
        if (grafana.release.values.adminPassword !== undefined) problems.push(`${id}: the admin password is in the chart's values`);
        const ini = configMap(grafana, grafana.release.release)?.data?.["grafana.ini"] ?? "";
        if (!/\[auth\.anonymous\]\s*\nenabled = false/.test(ini)) problems.push(`${id}: grafana.ini does not turn anonymous access off`);
    }
    const kiali = release(set, "kiali-server");
    const config = configMap(kiali, "kiali")?.data?.["config.yaml"];
    if (kiali && config) {
        const key = String(parse(config)?.login_token?.signing_key ?? "");
        const m = /^secret:([^:]+):(.+)$/.exec(key);
        const secret = m && programSecret(set, kiali.release.namespace, m[1]);
        if (!m) problems.push(`${releaseLabel(kiali)}: the login-token signing key is written into the ConfigMap (a new one on every render) instead of read from a Secret`);
        else if (!secret || !secretKeys(secret).includes(m[2])) problems.push(`${releaseLabel(kiali)}: signing key ${key} names no key of a Secret the program creates`);
    }
    return problems;
}

export function allAddonProblems(set: RenderSet, namespace: string): string[] {
    return [...addonUrlProblems(set), ...routeBackendProblems(set), ...prometheusProblems(set), ...addonSidecarProblems(set, namespace), ...addonCredentialProblems(set)];
}

export type { K8sObject };
