// The observability addons of the committed stacks under mocks: what the Observability component
// creates, how it is wired to istiod and the gateways, that its secrets never travel in plain text,
// and that the policy pack's addon rule sees its routes and finds them on the restricted gateway.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { addonPolicies } from "../../policy/policies";
import { StackResource } from "../../policy/lib/model";
import { EdgeOutputs, T, chartByRelease, evaluateEdge, evaluateStackEdge } from "../helpers/edge";
import { Evaluation, RegisteredResource, isSecretValue, resolve, reveal } from "../helpers/mocks";
import { istioObjectErrors } from "../helpers/schemas";
import { runPolicy } from "../policy/harness";

const TELEMETRY = "kubernetes:telemetry.istio.io/v1:Telemetry";
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword";
const OBSERVABILITY = "istio-metallb-ingress:addons:Observability";

const HOSTS = {
    dev: { prometheus: "prometheus.microk8s.local", grafana: "grafana.microk8s.local", kiali: "kiali.microk8s.local", tracing: "tracing.microk8s.local" },
    prod: { prometheus: "prometheus.internal.example.com", grafana: "grafana.internal.example.com", kiali: "kiali.internal.example.com", tracing: "tracing.internal.example.com" },
};

/** Where a plain (not secret-marked) value holds `needle`. */
function plainOccurrences(value: unknown, needle: string, path = ""): string[] {
    if (isSecretValue(value)) return [];
    if (typeof value === "string") return value.includes(needle) ? [path] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => plainOccurrences(v, needle, `${path}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => plainOccurrences(v, needle, `${path}.${k}`));
    return [];
}

for (const stack of ["dev", "prod"] as const) {
    describe(`observability addons of Pulumi.${stack}.yaml`, () => {
        let ev: Evaluation<EdgeOutputs>;
        before(async () => { ev = await evaluateStackEdge(stack); });
        const dependsOn = (r: RegisteredResource, on: RegisteredResource) => ev.transitiveDependencies(r.urn).has(on.urn);
        const named = (type: string, name: string) => ev.ofType(type).find((r) => r.inputs.metadata?.name === name)!;

        it("creates one Observability component in the edge with the three charts, pinned, beside istiod", () => {
            const [component] = ev.ofType(OBSERVABILITY);
            assert.strictEqual(component.name, "edge-observability");
            assert.strictEqual(ev.byUrn(component.parent).type, "istio-metallb-ingress:index:Edge");
            const charts = [["prometheus", "prometheus", "28.13.0", "https://prometheus-community.github.io/helm-charts"],
                ["grafana", "grafana", "9.2.2", "https://grafana.github.io/helm-charts"], ["kiali", "kiali-server", "2.26.0", "https://kiali.org/helm-charts"]];
            for (const [release, chart, version, repo] of charts) {
                const c = chartByRelease(ev, release);
                assert.deepStrictEqual([c.inputs.chart, c.inputs.version, c.inputs.repositoryOpts.repo, c.inputs.namespace, c.parent], [chart, version, repo, "istio-system", component.urn]);
            }
        });

        it("waits for istiod with every part of the addons, and routes each addon host only after its Gateway", () => {
            const istiod = chartByRelease(ev, "istiod");
            // Charts, Jaeger's ConfigMap, Deployment and Services, the Telemetry (the Secrets need only their namespace).
            const parts = ev.resources.filter((r) => r.parent === ev.ofType(OBSERVABILITY)[0].urn && r.type.startsWith("kubernetes:") && r.type !== T.secret);
            assert.strictEqual(parts.length, 8, parts.map((p) => p.name).join(", "));
            for (const part of parts) assert.ok(dependsOn(part, istiod), `${part.name} after istiod`);
            const gateway = named(T.gateway, "secondary-gateway");
            for (const host of Object.values(HOSTS[stack])) {
                const vs = ev.ofType(T.virtualService).filter((v) => v.inputs.spec.hosts.includes(host));
                assert.strictEqual(vs.length, 1, host);
                assert.deepStrictEqual(vs[0].inputs.spec.gateways, ["istio-ingress/secondary-gateway"]);
                assert.ok(vs[0].dependencies.includes(gateway.urn), `${vs[0].name} after the secondary Gateway`);
            }
        });

        it("serves each addon host on the secondary Gateway with its own certificate, and none on the primary", () => {
            const secondary = named(T.gateway, "secondary-gateway").inputs.spec.servers as any[];
            const primary = named(T.gateway, "primary-gateway").inputs.spec.servers as any[];
            for (const host of Object.values(HOSTS[stack])) {
                const https = secondary.filter((s) => s.port.number === 443 && s.hosts.includes(host));
                assert.strictEqual(https.length, 1, host);
                const secret = named(T.secret, https[0].tls.credentialName);
                assert.strictEqual(secret.inputs.type, "kubernetes.io/tls");
                const csr = ev.ofType(T.certRequest).find((r) => r.inputs.dnsNames.includes(host))!;
                assert.deepStrictEqual(csr.inputs.dnsNames, [host]);
                assert.ok(!primary.some((s) => s.hosts.includes(host)), `${host} on the primary gateway`);
            }
        });

        it("keeps the Grafana password and Kiali's signing key secret: in the Secrets, in the output, nowhere in plain text", async () => {
            const passwords = ev.ofType(RANDOM_PASSWORD);
            assert.deepStrictEqual(passwords.map((p) => [p.name, p.inputs.length, p.inputs.special]).sort(),
                [["edge-observability-grafana-admin-password", 32, false], ["edge-observability-kiali-signing-key", 32, false]]);
            const admin = named(T.secret, "grafana-admin");
            assert.ok(isSecretValue(admin.inputs.stringData));
            assert.deepStrictEqual(reveal(admin.inputs.stringData), { "admin-user": "admin", "admin-password": "mock-password-edge-observability-grafana-admin-password" });
            const signing = named(T.secret, "kiali-signing-key");
            assert.ok(isSecretValue(signing.inputs.stringData));
            assert.deepStrictEqual(reveal(signing.inputs.stringData), { key: "mock-password-edge-observability-kiali-signing-key" });
            assert.deepStrictEqual(ev.resources.flatMap((r) => plainOccurrences(r.inputs, "mock-password-", `${r.type} ${r.name}`)), []);
            // The chart gets the Secret's name only.
            assert.strictEqual(chartByRelease(ev, "grafana").inputs.values.admin.existingSecret, "grafana-admin");
            assert.ok(dependsOn(chartByRelease(ev, "grafana"), admin) && dependsOn(chartByRelease(ev, "kiali"), signing));
            const password = ev.result.edge.grafanaAdminPassword!;
            assert.strictEqual(await pulumi.isSecret(password), true);
            assert.strictEqual(await resolve(password), "mock-password-edge-observability-grafana-admin-password");
            const { gateways, etcHosts } = ev.result;
            const plain = JSON.stringify({ gateways, etcHosts, addons: await resolve(ev.result.edge.addons) });
            assert.ok(!plain.includes("mock-password-"));
        });

        it("exports each addon's URL on the secondary gateway", async () => {
            const addons = await resolve(ev.result.edge.addons);
            assert.deepStrictEqual(addons, Object.fromEntries(Object.entries(HOSTS[stack]).map(([name, host]) => [name, { url: `https://${host}/`, host, gateway: "secondary" }])));
            assert.deepStrictEqual(ev.result.gateways.secondary.hosts.slice(-4), Object.values(HOSTS[stack]));
        });

        it("runs Jaeger v2 behind the tracing and collector Services, and samples the mesh's requests to it", async () => {
            const jaeger = named(T.deployment, "jaeger");
            const pod = jaeger.inputs.spec.template;
            assert.strictEqual(pod.spec.containers[0].image, "docker.io/jaegertracing/jaeger:2.14.0");
            assert.strictEqual(pod.metadata.labels["sidecar.istio.io/inject"], "false");
            const config = JSON.parse(named(CONFIG_MAP, "jaeger").inputs.data["config.yaml"]);
            assert.strictEqual(config.extensions.jaeger_query.base_path, "/");
            const ports = (name: string) => named(T.service, name).inputs.spec.ports.map((p: any) => [p.name, p.port, p.targetPort]);
            assert.deepStrictEqual(ports("tracing"), [["http-query", 80, 16686], ["grpc-query", 16685, 16685]]);
            assert.deepStrictEqual(ports("jaeger-collector"), [["grpc-otel", 4317, 4317], ["http-otel", 4318, 4318]]);
            const containerPorts = pod.spec.containers[0].ports.map((p: any) => p.containerPort);
            for (const svc of ["tracing", "jaeger-collector"]) {
                for (const p of named(T.service, svc).inputs.spec.ports) assert.ok(containerPorts.includes(p.targetPort), `${svc}:${p.port}`);
            }
            const [telemetry] = ev.ofType(TELEMETRY);
            assert.deepStrictEqual([telemetry.inputs.metadata, telemetry.inputs.spec.tracing[0].randomSamplingPercentage], [{ name: "mesh-default", namespace: "istio-system" }, stack === "dev" ? 100 : 1]);
            assert.deepStrictEqual(await istioObjectErrors({ apiVersion: telemetry.inputs.apiVersion, kind: telemetry.inputs.kind, metadata: telemetry.inputs.metadata, spec: telemetry.inputs.spec } as any), []);
            const [provider] = chartByRelease(ev, "istiod").inputs.values.meshConfig.extensionProviders;
            assert.deepStrictEqual(provider, { name: telemetry.inputs.spec.tracing[0].providers[0].name, opentelemetry: { service: "jaeger-collector.istio-system.svc.cluster.local", port: 4317 } });
        });

        it("keeps Prometheus' samples on a volume in prod only, and Kiali behind token login", () => {
            const server = chartByRelease(ev, "prometheus").inputs.values.server;
            assert.deepStrictEqual(server.persistentVolume, stack === "prod" ? { enabled: true, size: "20Gi" } : { enabled: false });
            assert.strictEqual(server.retention, "15d");
            assert.strictEqual(chartByRelease(ev, "kiali").inputs.values.auth.strategy, "token");
        });
    });
}

/** The program's resources as the policy host would hand them to the pack. */
function policyResources(ev: Evaluation<unknown>): StackResource[] {
    return ev.resources.map((r) => ({ type: r.type, props: reveal(r.inputs), urn: r.urn, name: r.name, ...(r.parent ? { parent: { urn: r.parent } } : {}) }));
}

describe("observability addons and the policy pack's addon rule", () => {
    it("sees the addon routes (default namespace and names) and finds them only on the restricted gateway", async () => {
        const resources = policyResources(await evaluateStackEdge("prod"));
        for (const policy of addonPolicies) assert.deepStrictEqual(await runPolicy(policy, resources), [], policy.name);
        // The same route bound to the public gateway is what the mandatory rule exists for.
        const grafana = resources.find((r) => r.type === T.virtualService && r.props.spec.hosts.includes("grafana.internal.example.com"))!;
        grafana.props.spec.gateways = ["istio-ingress/primary-gateway"];
        const [violation, ...more] = await runPolicy(addonPolicies[0], resources);
        assert.match(violation, /publishes addon istio-system\/grafana on gateway istio-ingress\/primary-gateway, which admits any client address/);
        assert.deepStrictEqual(more, []);
    });
});

describe("observability addons are off by default", () => {
    it("creates no addon resources and exports no addon URL or password without addons", async () => {
        const ev = await evaluateEdge({
            metallb: { pools: [{ name: "lb", addresses: ["10.0.0.0/29"] }] },
            gateways: [{ name: "secondary", ip: "10.0.0.1", hosts: ["admin.example.com"] }],
        });
        assert.deepStrictEqual([ev.ofType(OBSERVABILITY).length, ev.ofType(TELEMETRY).length, ev.ofType(RANDOM_PASSWORD).length, ev.ofType(T.chart).length], [0, 0, 0, 4]);
        assert.deepStrictEqual(await resolve(ev.result.edge.addons), {});
        assert.strictEqual(ev.result.edge.grafanaAdminPassword, undefined);
        assert.strictEqual(chartByRelease(ev, "istiod").inputs.values.meshConfig, undefined);
    });
});
