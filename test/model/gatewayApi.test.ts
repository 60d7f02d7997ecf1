// Gateway API mode, pure: config checks (versions, PathPrefix meaning, limits) with their messages,
// and the planned objects (listeners, routes and their order, redirects, grants, overlays).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { ConfigError, checkStackConfig, parseStackConfig } from "../../config";
import { planEdge } from "../../model/plan";
import { gatewayApiOverlays, planGatewayApi, toYaml } from "../../model/gatewayApi";
import { gatewayApiStackConfig } from "../helpers/gatewayApi";
import { editedConfig } from "../helpers/stacks";

const pools = { pools: [{ name: "lb", addresses: ["10.0.0.0/28"] }] };
const route = (name: string, match: object, host = "web", extra: object = {}) => ({ name, match, destination: { host, port: 8080, namespace: "apps" }, ...extra });
const edge = (gateway: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    api: "gateway-api", metallb: pools, istio: { meshNamespaces: ["apps"] },
    gateways: [{ name: "edge", ip: "10.0.0.1", hosts: ["a.example.com"], ...gateway }], ...extra,
});

/** The problems of a config (which must be rejected). */
function problemsOf(raw: Record<string, unknown>): string[] {
    const { problems } = checkStackConfig(raw);
    assert.ok(problems.length > 0, "expected the config to be rejected");
    return problems;
}

describe("gateway-api mode: config checks", () => {
    it("accepts both committed stacks, and makes istio the default", () => {
        for (const stack of ["dev", "prod"]) assert.strictEqual(gatewayApiStackConfig(stack).api, "gateway-api");
        assert.strictEqual(parseStackConfig({ metallb: pools, gateways: [{ name: "g", ip: "10.0.0.1", hosts: ["a.example.com"] }] }).api, "istio");
        assert.throws(() => parseStackConfig({ ...edge({}), api: "gateway" }), /api: "gateway" is not valid; valid values: "istio", "gateway-api"/);
    });

    it("rejects a prefix whose string match reaches past a path segment (/api meant to match /apiv2)", () => {
        const [problem, ...rest] = problemsOf(edge({ routes: [route("api", { prefix: "/api" }, "api"), route("web", { prefix: "/" })] }));
        assert.deepStrictEqual(rest, []);
        assert.match(problem, /^gateways\[0\]\.routes\[0\]\.match\.prefix: "\/api" matches "\/apix" on host "a\.example\.com" in Istio mode/);
        assert.match(problem, /whole path segments only .*"\/apix" would go to route "web"; add a route .*\{ "prefix": "\/apix" \}.* or keep api "istio"/);
        // The same route with nothing behind it: the longer paths would get 404.
        assert.match(problemsOf(edge({ routes: [route("api", { prefix: "/api" }, "api")] }))[0], /would go nowhere \(404\)/);
    });

    it("rejects a trailing-slash prefix that would take its bare path from another route, and accepts it where Istio answers 404", () => {
        const [problem] = problemsOf(edge({ routes: [route("v1", { prefix: "/v1/" }, "api"), route("web", { prefix: "/" })] }));
        assert.match(problem, /^gateways\[0\]\.routes\[0\]\.match\.prefix: "\/v1\/" also matches "\/v1" under Gateway API's PathPrefix .* which Istio mode sends to route "web".*add \{ "exact": "\/v1" \}/);
        // Fixed as the message says: the same meaning in both modes.
        assert.doesNotThrow(() => parseStackConfig(edge({ routes: [route("v1", { prefix: "/v1/" }, "api"), route("v1-bare", { exact: "/v1" }), route("web", { prefix: "/" })] })));
        assert.doesNotThrow(() => parseStackConfig(edge({ routes: [route("v1", { prefix: "/v1/" }, "api")] })));
        // Segment-shaped prefixes, exact matches and "/" mean the same in both modes.
        assert.doesNotThrow(() => parseStackConfig(edge({ routes: [route("a", { exact: "/api" }), route("b", { prefix: "/api/v2/" }, "root"), route("c", { prefix: "/" }, "root")] })));
    });

    it("rejects paths Gateway API refuses, destinations that are not Services, too many hosts and gateway chart values", () => {
        const problems = problemsOf(edge({
            hosts: Array.from({ length: 64 }, (_, i) => `h${i}.example.com`),
            routes: [route("dots", { prefix: "/a//b/" }), route("ext", { prefix: "/ext/" }, "api.example.com")],
        }, { istio: { meshNamespaces: ["apps"], values: { gateway: { replicaCount: 2 } } } }));
        assert.strictEqual(problems.length, 4, problems.join("\n"));
        assert.match(problems[0], /^istio\.values\.gateway: \["replicaCount"\] are values of the gateway chart, which gateway-api mode does not install/);
        assert.match(problems[1], /^gateways\[0\]\.hosts: 64 hosts make 65 listeners \(one for HTTP and one per certificate, here one per host\), but a Gateway has at most 64/);
        assert.match(problems[2], /^gateways\[0\]\.routes\[0\]\.match\.prefix: "\/a\/\/b\/" contains "\/\/", which Gateway API refuses/);
        assert.match(problems[3], /^gateways\[0\]\.routes\[1\]\.destination\.host: "api\.example\.com" is not a Kubernetes Service; gateway-api mode routes to Services only/);
        assert.match(problemsOf(edge({ name: "1st" })).join("\n"), /^gateways\[0\]\.name: "1st" starts with a digit; in gateway-api mode istiod names the gateway's Service "1st-istio"/);
    });

    it("names the key, the value and the fix for versions: Istio too old for the CRDs, CRDs Istio does not read, CRDs too old", () => {
        assert.match(problemsOf(edge({}, { istio: { version: "1.29.2" } })).join("\n"),
            /istio\.version: "1\.29\.2" is older than the Istio the Gateway API CRDs v1\.5\.1 need \(Istio 1\.30 or later.*use istio\.version "1\.30\.3", or set gatewayApi\.crds\.version to a v1\.4 release/);
        assert.match(problemsOf(edge({}, { gatewayApi: { crds: { version: "v1.6.0" } } })).join("\n"),
            /gatewayApi\.crds\.version: "v1\.6\.0" is newer than the Gateway API Istio 1\.30\.3 reads \(it is built against v1\.5.*use a v1\.5 release such as "v1\.5\.1"/);
        assert.match(problemsOf(edge({}, { gatewayApi: { crds: { version: "v1.1.0" } } })).join("\n"), /gatewayApi\.crds\.version: "v1\.1\.0" is too old: Gateway spec\.infrastructure/);
        // Istio 1.22 is built against v1.1, older than the v1.2.0 the program needs: no CRD release fits it.
        assert.match(problemsOf(edge({}, { istio: { version: "1.22.0" }, gatewayApi: { crds: { version: "v1.2.0" } } })).join("\n"), /istio\.version: "1\.22\.0" is too old for gateway-api mode, which needs Istio 1\.24 or later/);
        assert.match(problemsOf(edge({}, { gatewayApi: { crds: { version: "1.5.1" } } })).join("\n"), /gatewayApi\.crds\.version: "1\.5\.1" is not valid; expected an exact Gateway API release such as "v1\.5\.1"/);
        // Istio mode ignores the Gateway API settings; an older pair that matches is fine.
        assert.doesNotThrow(() => parseStackConfig({ ...edge({}, { istio: { version: "1.29.2" } }), api: "istio" }));
        assert.doesNotThrow(() => parseStackConfig(edge({}, { istio: { version: "1.29.2" }, gatewayApi: { crds: { version: "v1.4.1" } } })));
    });

    it("wants the manifest in a local repository folder, and not when the CRDs are managed elsewhere", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-api-"));
        try {
            const local = edge({}, { gatewayApi: { crds: { repository: dir } } });
            assert.match(problemsOf(local).join("\n"), /^gatewayApi\.crds\.repository: ".*" has no gateway-api-v1\.5\.1-standard-install\.yaml .* download https:\/\/github\.com\/kubernetes-sigs\/gateway-api\/releases\/download\/v1\.5\.1\/standard-install\.yaml there/);
            assert.doesNotThrow(() => parseStackConfig(edge({}, { gatewayApi: { crds: { repository: dir, manage: false } } })));
            fs.writeFileSync(path.join(dir, "gateway-api-v1.5.1-standard-install.yaml"), "");
            const plan = planEdge(parseStackConfig(local));
            assert.strictEqual(plan.gatewayApi!.crds!.file, `${dir}/gateway-api-v1.5.1-standard-install.yaml`);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("gateway-api mode: the plan", () => {
    const prod = planEdge(gatewayApiStackConfig("prod"));

    it("is absent in Istio mode, and plans one Gateway per planned gateway in gateway-api mode", () => {
        assert.strictEqual(planEdge(parseStackConfig({ ...edge({}), api: "istio" })).gatewayApi, undefined);
        assert.deepStrictEqual(prod.gatewayApi!.gateways.map((g) => g.name), prod.gateways.map((g) => g.spec.name));
        assert.strictEqual(prod.gatewayApi!.crds!.file, "https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.5.1/standard-install.yaml");
    });

    it("gives every planned host an HTTPS listener with its certificate, and orders each host's rules as the VirtualService does", () => {
        for (const [g, planned] of prod.gateways.entries()) {
            const objects = prod.gatewayApi!.gateways[g];
            const https = objects.gateway.listeners.filter((l) => l.protocol === "HTTPS");
            assert.deepStrictEqual(https.map((l) => l.hostname), planned.spec.hosts);
            for (const l of https) {
                const cert = planned.certificates.find((c) => c.hosts.includes(l.hostname!))!;
                assert.deepStrictEqual(l.tls!.certificateRefs, [{ group: "", kind: "Secret", name: cert.secretName }]);
            }
            for (const vs of planned.virtualServices) {
                const routes = objects.routes.filter((r) => r.host === vs.host);
                const rules = routes.flatMap((r) => r.spec.rules) as any[];
                assert.deepStrictEqual(rules.map((r) => [r.matches[0].path.type, r.matches[0].path.value]),
                    vs.spec.http.map((h) => [h.match[0].uri.exact !== undefined ? "Exact" : "PathPrefix", h.match[0].uri.exact ?? h.match[0].uri.prefix]));
                assert.deepStrictEqual(routes.flatMap((r) => r.spec.parentRefs.map((p) => p.sectionName)), [https.find((l) => l.hostname === vs.host)!.name]);
            }
        }
    });

    it("splits a host's routes over HTTPRoutes of at most 16 rules, keeping their order", () => {
        const many = Array.from({ length: 20 }, (_, i) => route(`r${i}`, { exact: `/p${String(i).padStart(2, "0")}` }));
        const plan = planEdge(parseStackConfig(edge({ routes: [...many, route("root", { prefix: "/" })] })));
        const routes = plan.gatewayApi!.gateways[0].routes.filter((r) => r.host);
        assert.deepStrictEqual(routes.map((r) => [r.name, r.spec.rules.length]), [["edge-a-example-com", 16], ["edge-a-example-com-2", 5]]);
        const values = routes.flatMap((r) => r.spec.rules as any[]).map((r) => r.matches[0].path.value);
        assert.deepStrictEqual(values, [...many.map((r: any) => r.match.exact), "/"]);
    });

    it("redirects HTTP with a 301 on the http listener, or serves the routes there too when the redirect is off", () => {
        const on = prod.gatewayApi!.gateways[0].routes.find((r) => !r.host)!;
        assert.deepStrictEqual(on.spec.parentRefs.map((p) => p.sectionName), ["http"]);
        assert.deepStrictEqual(on.spec.rules, [{ filters: [{ type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } }] }]);
        assert.deepStrictEqual(on.spec.hostnames, prod.gateways[0].spec.hosts);
        const off = planEdge(parseStackConfig(edge({ httpsRedirect: false, routes: [route("web", { prefix: "/" })] }))).gatewayApi!.gateways[0];
        assert.ok(off.routes.every((r) => r.host));
        assert.deepStrictEqual(off.routes[0].spec.parentRefs.map((p) => p.sectionName), ["https-a-example-com", "http"]);
    });

    it("grants HTTPRoutes of the gateway namespace the Services they name in other namespaces, and nothing for same-namespace backends", () => {
        const grants = prod.gatewayApi!.gateways.flatMap((g) => g.referenceGrants);
        assert.deepStrictEqual(grants.map((g) => [g.namespace, g.spec.to.map((t) => t.name)]), [
            ["api", ["api"]], ["web", ["frontend"]], ["admin", ["admin-console"]], ["istio-system", ["grafana", "kiali", "prometheus", "tracing"]], ["tools", ["tools-portal"]],
        ]);
        assert.ok(grants.every((g) => g.spec.from[0].namespace === "istio-ingress" && g.spec.from[0].kind === "HTTPRoute"));
        const local = planEdge(parseStackConfig(edge({ routes: [route("web", { prefix: "/" }, "web", { destination: { host: "web", port: 80, namespace: "istio-ingress" } })] })));
        assert.deepStrictEqual(local.gatewayApi!.gateways[0].referenceGrants, []);
    });

    it("puts the strictest minimum TLS version mesh-wide (Istio has no per-listener setting)", () => {
        assert.strictEqual(prod.gatewayApi!.minTlsVersion, "TLSV1_3");
        assert.deepStrictEqual(prod.istio.istiod.values.meshConfig, { ...(prod.istio.istiod.values.meshConfig as object), tlsDefaults: { minProtocolVersion: "TLSV1_3" } });
        assert.strictEqual(planGatewayApi(parseStackConfig(edge({})), planEdge(parseStackConfig(edge({}))).gateways).minTlsVersion, "TLSV1_2");
    });

    it("writes the sizing overlays as YAML that reads back as the intended patches", () => {
        const spec = gatewayApiStackConfig("prod");
        const [primary, secondary] = spec.gateways;
        const p = Object.fromEntries(Object.entries(gatewayApiOverlays(primary, primary.ips, "primary")).map(([k, v]) => [k, parse(v)]));
        assert.deepStrictEqual(Object.keys(p).sort(), ["deployment", "horizontalPodAutoscaler", "podDisruptionBudget", "service"]);
        assert.strictEqual(p.deployment.spec.replicas, undefined, "an HPA owns the replica count");
        assert.deepStrictEqual(p.horizontalPodAutoscaler.spec.metrics[0].resource.target, { type: "Utilization", averageUtilization: 75 });
        assert.deepStrictEqual(p.deployment.spec.template.spec.containers, [{ name: "istio-proxy", resources: primary.resources }]);
        const s = Object.fromEntries(Object.entries(gatewayApiOverlays(secondary, secondary.ips, "secondary")).map(([k, v]) => [k, parse(v)]));
        assert.strictEqual(s.deployment.spec.replicas, 2);
        assert.strictEqual(s.horizontalPodAutoscaler, undefined);
        assert.deepStrictEqual(s.service.spec, { externalTrafficPolicy: "Local", ipFamilies: ["IPv4"], ipFamilyPolicy: "SingleStack", loadBalancerSourceRanges: secondary.allowedSourceRanges });
        assert.deepStrictEqual(s.deployment.spec.template.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector,
            { matchLabels: { "gateway.networking.k8s.io/gateway-name": "secondary" } });
        const odd = { "a b": [[1, "x"], [], {}], "c/d.e": { f: [{ g: true, h: null }] }, i: "say \"hi\": #1" };
        assert.deepStrictEqual(parse(toYaml(odd)), odd);
    });

    it("reports one mistake once: a meaning-changing prefix, or a path with white space, is one problem", () => {
        assert.throws(() => parseStackConfig(edge({ routes: [route("api", { prefix: "/api" })] })), (err: unknown) => err instanceof ConfigError && err.problems.length === 1);
        assert.throws(() => parseStackConfig(edge({ routes: [route("sp", { exact: "/a b" })] })), (err: unknown) => err instanceof ConfigError && err.problems.length === 1);
    });
});

describe("model: Gateway API listener limit with addons", () => {
    it("counts the addon hosts of the addon gateway as listeners too", () => {
        const raw = editedConfig("dev", (r) => { r.api = "gateway-api"; });
        const secondary = raw.gateways.find((g: any) => g.name === "secondary");
        const fill = (n: number) => Array.from({ length: n }, (_, i) => `h${i}.internal.example.com`);
        // 1 configured host + 4 addon hosts + 58 more = 63 HTTPS listeners + 1 HTTP: at the limit.
        secondary.hosts = [...secondary.hosts, ...fill(58)];
        assert.doesNotThrow(() => parseStackConfig(raw));
        secondary.hosts.push("one-more.internal.example.com");
        const problems = problemsOf(raw);
        assert.match(problems.join("\n"), /^gateways\[1\]\.hosts: 64 hosts \(addons included\) make 65 listeners/m);
    });

    it("counts listeners as the plan writes them, and its hint (one certificate per gateway) is a config that passes", () => {
        const raw = editedConfig("dev", (r) => { r.api = "gateway-api"; });
        raw.gateways[1].hosts = [...raw.gateways[1].hosts, ...Array.from({ length: 70 }, (_, i) => `h${i}.internal.example.com`)];
        assert.match(problemsOf(raw).join("\n"), /make 76 listeners/);
        raw.pki = { ...raw.pki, certificatePer: "gateway" };
        assert.deepStrictEqual(checkStackConfig(raw).problems, [], "the suggested fix must itself pass");
        for (const per of ["host", "gateway"] as const) {
            const plan = planEdge(parseStackConfig(editedConfig("dev", (r) => { r.api = "gateway-api"; r.pki = { ...r.pki, certificatePer: per }; })));
            plan.gatewayApi!.gateways.forEach((gw, g) => {
                const hosts = plan.gateways[g].spec.hosts;
                const https = gw.gateway.listeners.filter((l) => l.protocol === "HTTPS");
                // What the check counts (one per certificate) is what is written.
                assert.strictEqual(https.length, per === "host" ? hosts.length : 1, `${per}: ${gw.name}`);
                assert.strictEqual(https.length, plan.gateways[g].certificates.length);
                // Every host's routes reach a listener that serves its certificate.
                for (const route of gw.routes.filter((r) => r.host)) {
                    const listener = https.find((l) => l.name === route.spec.parentRefs[0].sectionName)!;
                    const cert = plan.gateways[g].certificates.find((c) => c.secretName === listener.tls!.certificateRefs[0].name)!;
                    assert.ok(cert.hosts.includes(route.host!), `${route.host} on ${listener.name}`);
                    assert.strictEqual(listener.hostname, cert.hosts.length === 1 ? route.host : undefined);
                }
            });
        }
    });
});

describe("config: air-gapped folders in gateway-api mode", () => {
    it("needs no gateway chart in the folder, since istiod deploys the gateways", () => {
        const base = fs.mkdtempSync(path.join(os.tmpdir(), "airgap-ga-"));
        for (const file of ["metallb-0.16.1.tgz", "base-1.30.3.tgz", "istiod-1.30.3.tgz", "gateway-api-v1.5.1-standard-install.yaml"]) fs.writeFileSync(path.join(base, file), "");
        const raw = (api: string) => ({
            api, gatewayApi: { crds: { repository: base } },
            metallb: { ...pools, repository: base }, istio: { repository: base },
            gateways: [{ name: "g", ip: "10.0.0.1", hosts: ["a.example.com"] }],
        });
        assert.doesNotThrow(() => parseStackConfig(raw("gateway-api")));
        assert.throws(() => parseStackConfig({ ...raw("istio"), gatewayApi: undefined }), /istio\.repository: .* has no gateway-1\.30\.3\.tgz/);
    });
});
