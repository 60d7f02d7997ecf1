// The observability addons of the committed stacks rendered with the real charts: URLs between them
// resolve to rendered Services and ports, routes reach their pods, Prometheus and the credentials
// are as meant; then one mistake at a time, to show each check catches it.
import * as assert from "assert";
import { CHART_TYPE, ProgramEvaluation, RenderSet, assertNoProblems, renderForTest, unusedValueProblems } from ".";
import {
    addonCredentialProblems, addonSidecarProblems, addonUrlProblems, parseServiceUrl, prometheusProblems, routeBackendProblems, wiredUrls,
} from "./addons";
import type { K8sObject } from "./render";
import { evaluateStack } from "./program";

for (const stack of ["dev", "prod"] as const) {
    describe(`helm render: the addons of Pulumi.${stack}.yaml`, function () {
        let set: RenderSet;
        before(async function () {
            set = await renderForTest(await evaluateStack(stack), this);
        });

        it("renders the prometheus, grafana and kiali-server charts as passed", () => {
            const addons = set.releases.filter((r) => ["prometheus", "grafana", "kiali-server"].includes(r.chart.name));
            assert.deepStrictEqual(addons.map((r) => [r.release.release, r.chart.version, r.error]).sort(),
                [["grafana", "9.2.2", undefined], ["kiali", "2.26.0", undefined], ["prometheus", "28.13.0", undefined]]);
        });

        it("points Grafana's data source, Kiali's services and the mesh's tracing provider at rendered Service ports with pods", () => {
            assert.deepStrictEqual(wiredUrls(set).map((w) => w.url), [
                "http://prometheus.istio-system:9090",
                "http://prometheus.istio-system:9090", "http://grafana.istio-system:3000", "http://tracing.istio-system:16685",
                "jaeger-collector.istio-system.svc.cluster.local:4317",
            ]);
            assertNoProblems(addonUrlProblems(set));
        });

        it("routes each addon host to a Service port that selects the addon's pods", () => assertNoProblems(routeBackendProblems(set)));
        it("Prometheus keeps Istio's annotated pods, retention and storage as configured, no subcharts", () => assertNoProblems(prometheusProblems(set)));
        it("keeps sidecars off the addons' pods", () => assertNoProblems(addonSidecarProblems(set, "istio-system")));
        it("takes Grafana's admin and Kiali's signing key from the program's Secrets; no anonymous Grafana", () => assertNoProblems(addonCredentialProblems(set)));
    });
}

/** A copy of a set with one rendered object (or program resource) changed; the rest shared. */
function editRendered(set: RenderSet, chart: string, pick: (o: K8sObject) => boolean, edit: (o: any) => void): RenderSet {
    return {
        ...set,
        releases: set.releases.map((r) => {
            if (r.chart.name !== chart) return r;
            const objects = r.objects.map((o) => {
                if (!pick(o)) return o;
                const copy = structuredClone(o);
                edit(copy);
                return copy;
            });
            return { ...r, objects };
        }),
    };
}

describe("helm render: the addon checks catch mistakes (dev stack)", function () {
    let dev: ProgramEvaluation;
    let set: RenderSet;
    before(async function () {
        dev = await evaluateStack("dev");
        set = await renderForTest(dev, this);
    });
    const cm = (name: string) => (o: K8sObject) => o.kind === "ConfigMap" && o.metadata.name === name;

    it("a data source on a port its Service does not have", () => {
        const bad = editRendered(set, "grafana", cm("grafana"), (o) => (o.data["datasources.yaml"] = o.data["datasources.yaml"].replace(":9090", ":80")));
        assert.match(addonUrlProblems(bad).join("\n"), /Grafana data source "Prometheus": "http:\/\/prometheus.istio-system:80": Service istio-system\/prometheus \(release prometheus.*\) has no port 80/);
    });

    it("a Kiali service URL naming a Service nobody creates", () => {
        const bad = editRendered(set, "kiali-server", cm("kiali"), (o) => (o.data["config.yaml"] = o.data["config.yaml"].replace("http://tracing.istio-system", "http://jaeger-query.istio-system")));
        assert.match(addonUrlProblems(bad).join("\n"), /Kiali external_services.tracing.internal_url: .*no Service istio-system\/jaeger-query is created/);
    });

    it("a Service whose selector matches no pods, and a port Istio cannot read the protocol of", () => {
        const selector = editRendered(set, "grafana", (o) => o.kind === "Service", (o) => (o.spec.selector = { app: "nothing" }));
        assert.match(routeBackendProblems(selector).join("\n"), /route "grafana": Service istio-system\/grafana .* selects no pods/);
        const unnamed = editRendered(set, "grafana", (o) => o.kind === "Service", (o) => delete o.spec.ports[0].appProtocol);
        assert.match(routeBackendProblems(unnamed).join("\n"), /port 3000 is named "service", which Istio does not read as a protocol/);
    });

    it("a Prometheus without the pod job, with a subchart it was told to leave out, or with another retention", () => {
        const noPods = editRendered(set, "prometheus", (o) => o.kind === "ConfigMap" && !!o.data?.["prometheus.yml"],
            (o) => (o.data["prometheus.yml"] = o.data["prometheus.yml"].replace(/__meta_kubernetes_pod_annotation_prometheus_io_scrape\n/g, "__meta_kubernetes_pod_label_x\n")));
        assert.match(prometheusProblems(noPods).join("\n"), /no scrape job keeps pods annotated prometheus.io\/scrape/);
        const prom = set.releases.find((r) => r.chart.name === "prometheus")!;
        const extra = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "prometheus-prometheus-node-exporter", labels: { "app.kubernetes.io/name": "prometheus-node-exporter" } }, spec: {} };
        const withSubchart = { ...set, releases: set.releases.map((r) => (r === prom ? { ...r, objects: [...r.objects, extra as K8sObject] } : r)) };
        assert.match(prometheusProblems(withSubchart).join("\n"), /prometheus-node-exporter is off but renders DaemonSet prometheus-prometheus-node-exporter/);
        const retention = { ...set, releases: set.releases.map((r) => (r === prom ? { ...r, release: { ...r.release, values: { ...r.release.values, server: { ...r.release.values.server, retention: "30d" } } } } : r)) };
        assert.match(prometheusProblems(retention).join("\n"), /retention flag "--storage.tsdb.retention.time=15d", passed "30d"/);
    });

    it("an addon pod that would get a sidecar", () => {
        const bad = editRendered(set, "kiali-server", (o) => o.kind === "Deployment", (o) => delete o.spec.template.metadata.labels["sidecar.istio.io/inject"]);
        assert.match(addonSidecarProblems(bad, "istio-system").join("\n"), /Deployment istio-system\/kiali .* not labelled sidecar.istio.io\/inject/);
    });

    it("credentials the program does not provide, and an anonymous Grafana", () => {
        const noSecret = { ...set, resources: set.resources.filter((r) => r.inputs.metadata?.name !== "grafana-admin") };
        assert.match(addonCredentialProblems(noSecret).join("\n"), /GF_SECURITY_ADMIN_PASSWORD comes from Secret grafana-admin, which the program does not create/);
        const anonymous = editRendered(set, "grafana", cm("grafana"), (o) => (o.data["grafana.ini"] = o.data["grafana.ini"].replace("[auth.anonymous]\nenabled = false", "[auth.anonymous]\nenabled = true")));
        assert.match(addonCredentialProblems(anonymous).join("\n"), /grafana.ini does not turn anonymous access off/);
        const literalKey = editRendered(set, "kiali-server", cm("kiali"), (o) => (o.data["config.yaml"] = o.data["config.yaml"].replace("secret:kiali-signing-key:key", "abcdefghijklmnopqrstuvwxyz012345")));
        assert.match(addonCredentialProblems(literalKey).join("\n"), /signing key is written into the ConfigMap/);
    });

    it("a value key the prometheus chart does not know (real chart)", async function () {
        const chart = dev.resources.find((r) => r.type === CHART_TYPE && r.inputs.name === "prometheus")!;
        const inputs = structuredClone(chart.inputs);
        inputs.values.server.retension = "30d";
        const bad = await renderForTest({ resources: dev.resources.map((r) => (r === chart ? { ...r, inputs } : r)) }, this);
        assert.match(unusedValueProblems(bad).join("\n"), /release prometheus \(prometheus-28.13.0\): value server\.retension is not used by the chart/);
    });

    it("reads in-cluster URLs the way the addons write them", () => {
        assert.deepStrictEqual(parseServiceUrl("http://grafana.istio-system:3000", "x"), { service: "grafana", namespace: "istio-system", port: 3000 });
        assert.deepStrictEqual(parseServiceUrl("jaeger-collector.obs.svc.cluster.local:4317", "x"), { service: "jaeger-collector", namespace: "obs", port: 4317 });
        assert.deepStrictEqual(parseServiceUrl("http://prometheus:9090/", "istio-system"), { service: "prometheus", namespace: "istio-system", port: 9090 });
        assert.strictEqual(parseServiceUrl("https://grafana.example.com/", "x"), undefined);
    });
});
