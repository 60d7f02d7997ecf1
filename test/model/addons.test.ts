// The observability addons in the pure model: defaults (off unless configured), their hosts
// planned as hosts of their gateway, the values handed to their charts, and every bad input as
// one problem naming the key, the value and the fix, before anything is created.
import * as assert from "assert";
import { ConfigError, checkStackConfig, parseStackConfig, withDefaults } from "../../config";
import { Edge } from "../../components/edge";
import { planEdge } from "../../model/plan";
import { withAddonRoutes } from "../../model/addons";
import { addonProblems } from "../../model/addonChecks";
import type { EdgeSpec } from "../../model/types";
import { argsFromSpec } from "../helpers/edge";
import { evaluate } from "../helpers/mocks";
import { editedConfig, stackConfig } from "../helpers/stacks";

const minimal = (extra: Record<string, unknown> = {}) => ({
    metallb: { pools: [{ name: "lb", addresses: ["10.0.0.0/29"] }] },
    gateways: [{ name: "secondary", ip: "10.0.0.1", hosts: ["admin.example.com"], allowedSourceRanges: ["10.0.0.0/8"] }],
    ...extra,
});

/** The problems of a raw config, for the stack named `stack`. */
function problemsOf(raw: Record<string, any>, stack?: string): string[] {
    return checkStackConfig(raw, { stack }).problems;
}

/** Exactly one problem, matching every pattern. */
function oneProblem(raw: Record<string, any>, patterns: RegExp[], stack?: string): void {
    const problems = problemsOf(raw, stack);
    assert.strictEqual(problems.length, 1, `one mistake, one message; got:\n${problems.join("\n")}`);
    for (const re of patterns) assert.match(problems[0], re);
}

const dev = (edit: (raw: Record<string, any>) => void) => editedConfig("dev", edit);
const prod = (edit: (raw: Record<string, any>) => void) => editedConfig("prod", edit);

describe("model: addons are off unless configured", () => {
    it("turns nothing on without addons, or with an empty block, and plans nothing for them", () => {
        for (const raw of [minimal(), minimal({ addons: {} }), minimal({ addons: { grafana: { enabled: false, host: "g.example.com" } } })]) {
            const spec = parseStackConfig(raw);
            assert.deepStrictEqual([spec.addons!.prometheus.enabled, spec.addons!.grafana.enabled, spec.addons!.kiali.enabled, spec.addons!.tracing.enabled], [false, false, false, false]);
            const plan = planEdge(spec);
            assert.strictEqual(plan.addons, undefined);
            assert.deepStrictEqual(plan.gateways[0].spec.hosts, ["admin.example.com"]);
            assert.strictEqual(withAddonRoutes(spec), spec);
        }
    });

    it("turns an addon on when its block is given, with the pinned defaults", () => {
        const spec = withDefaults(minimal({ addons: { grafana: { host: "grafana.example.com" } } }));
        assert.deepStrictEqual(spec.addons!.grafana, {
            enabled: true, host: "grafana.example.com", version: "9.2.2", repository: "https://grafana.github.io/helm-charts",
            values: {}, dashboards: true, dashboardRevision: 300,
        });
        assert.deepStrictEqual([spec.addons!.gateway, spec.addons!.namespace, spec.addons!.prometheus.enabled], ["secondary", "istio-system", false]);
        // Grafana alone needs a Prometheus: its own, given as a data source.
        assert.match(problemsOf(minimal({ addons: { grafana: { host: "grafana.example.com" } } })).join("\n"), /^addons\.grafana\.enabled: true needs Prometheus/);
    });

    it("places the addons beside istiod by default, wherever istiod is", () => {
        const spec = parseStackConfig(minimal({ istio: { namespace: "mesh-system" }, addons: { prometheus: { host: "p.example.com" } } }));
        assert.strictEqual(spec.addons!.namespace, "mesh-system");
        assert.strictEqual(planEdge(spec).addons!.createNamespace, false);
    });
});

describe("model: the addon hosts are hosts of the addon gateway", () => {
    const spec = stackConfig("dev");
    const plan = planEdge(spec);
    const [primary, secondary] = plan.gateways;
    const addonHosts = ["prometheus.microk8s.local", "grafana.microk8s.local", "kiali.microk8s.local", "tracing.microk8s.local"];

    it("adds them after the configured hosts of the secondary gateway only, each with its certificate and HTTPS server", () => {
        assert.deepStrictEqual(secondary.spec.hosts, ["microk8s-secondary.local", ...addonHosts]);
        assert.deepStrictEqual(primary.spec.hosts, spec.gateways[0].hosts);
        for (const host of addonHosts) {
            const cert = secondary.certificates.filter((c) => c.hosts.includes(host));
            assert.strictEqual(cert.length, 1, host);
            assert.ok(secondary.gateway.servers.some((s) => s.port.number === 443 && s.hosts.includes(host) && s.tls?.credentialName === cert[0].secretName));
            assert.ok(!primary.gateway.servers.some((s) => s.hosts.includes(host)), `${host} must not be on the primary gateway`);
        }
    });

    it("routes each to its addon's Service in the addons namespace, bound to the secondary Gateway only, after it", () => {
        const expected: Record<string, [string, number]> = {
            "prometheus.microk8s.local": ["prometheus", 9090], "grafana.microk8s.local": ["grafana", 3000],
            "kiali.microk8s.local": ["kiali", 20001], "tracing.microk8s.local": ["tracing", 80],
        };
        for (const host of addonHosts) {
            const vs = secondary.virtualServices.find((v) => v.host === host)!;
            assert.deepStrictEqual(vs.spec.gateways, ["istio-ingress/secondary-gateway"]);
            assert.deepStrictEqual(vs.spec.http.map((r) => [r.match, r.route[0].destination]), [[
                [{ uri: { prefix: "/" } }],
                { host: `${expected[host][0]}.istio-system.svc.cluster.local`, port: { number: expected[host][1] } },
            ]]);
            assert.strictEqual(vs.afterGateway, true);
        }
        assert.ok(secondary.virtualServices.filter((v) => !addonHosts.includes(v.host)).every((v) => !v.afterGateway));
        assert.ok(!primary.virtualServices.some((v) => addonHosts.includes(v.host)));
        assert.deepStrictEqual(secondary.endpoints.slice(1).map((e) => e.url), addonHosts.map((h) => `https://${h}/`));
        assert.ok(plan.etcHosts.includes(`192.168.49.241 microk8s-secondary.local ${addonHosts.join(" ")}`));
    });

    it("registers the tracing backend with istiod, and samples the configured share of requests", () => {
        assert.deepStrictEqual((plan.istio.istiod.values.meshConfig as any).extensionProviders, [
            { name: "jaeger", opentelemetry: { service: "jaeger-collector.istio-system.svc.cluster.local", port: 4317 } },
        ]);
        assert.deepStrictEqual(plan.addons!.tracing!.telemetry, {
            name: "mesh-default", namespace: "istio-system",
            spec: { tracing: [{ providers: [{ name: "jaeger" }], randomSamplingPercentage: 100 }] },
        });
        assert.strictEqual((planEdge(stackConfig("prod")).addons!.tracing!.telemetry.spec.tracing as any)[0].randomSamplingPercentage, 1);
        // Without tracing, istiod's values are exactly the configured ones.
        const noTracing = planEdge(parseStackConfig(dev((raw) => { raw.addons.tracing.enabled = false; })));
        assert.strictEqual((noTracing.istio.istiod.values as any).meshConfig, undefined);
        assert.strictEqual(noTracing.addons!.tracing, undefined);
    });

    it("gives a namespace of the addons' own a Namespace, and leaves istiod's alone", () => {
        assert.ok(!plan.namespaces.some((n) => n.roles.includes("addons.namespace")));
        const own = planEdge(parseStackConfig(dev((raw) => { raw.addons.namespace = "observability"; })));
        assert.deepStrictEqual(own.namespaces.find((n) => n.roles.includes("addons.namespace")), { name: "observability", roles: ["addons.namespace"], labels: {} });
        assert.ok(own.gateways[1].virtualServices.some((v) => v.spec.http[0].route[0].destination.host === "grafana.observability.svc.cluster.local"));
    });

    it("hands the charts Istio's settings: Prometheus server only, Grafana on Prometheus, Kiali wired to all three", () => {
        const a = plan.addons!;
        const prom = a.prometheus!.release.values as any;
        assert.deepStrictEqual(["alertmanager", "kube-state-metrics", "prometheus-node-exporter", "prometheus-pushgateway"].map((k) => prom[k].enabled), [false, false, false, false]);
        assert.deepStrictEqual([prom.server.retention, prom.server.persistentVolume, prom.server.service.servicePort], ["15d", { enabled: false }, 9090]);
        const prodProm = planEdge(stackConfig("prod")).addons!.prometheus!.release.values as any;
        assert.deepStrictEqual(prodProm.server.persistentVolume, { enabled: true, size: "20Gi" });

        const grafana = a.grafana!.release.values as any;
        assert.deepStrictEqual(grafana.admin, { existingSecret: "grafana-admin", userKey: "admin-user", passwordKey: "admin-password" });
        assert.strictEqual(grafana.adminPassword, undefined);
        assert.strictEqual(grafana["grafana.ini"]["auth.anonymous"].enabled, false);
        const [ds] = grafana.datasources["datasources.yaml"].datasources;
        assert.deepStrictEqual([ds.type, ds.url, ds.isDefault], ["prometheus", "http://prometheus.istio-system:9090", true]);
        assert.deepStrictEqual(Object.values(grafana.dashboards.istio).map((d: any) => d.gnetId).sort(), [11829, 7630, 7636, 7639, 7645]);

        const kiali = a.kiali!.release.values as any;
        assert.strictEqual(kiali.auth.strategy, "token");
        assert.deepStrictEqual(kiali.external_services.prometheus, { url: "http://prometheus.istio-system:9090" });
        assert.deepStrictEqual(kiali.external_services.grafana, { enabled: true, internal_url: "http://grafana.istio-system:3000", external_url: "https://grafana.microk8s.local" });
        assert.deepStrictEqual(kiali.external_services.tracing, {
            enabled: true, provider: "jaeger", use_grpc: true, internal_url: "http://tracing.istio-system:16685", external_url: "https://tracing.microk8s.local",
        });
        assert.strictEqual(kiali.login_token.signing_key, "secret:kiali-signing-key:key");
        // User values go over ours, key by key.
        const extra = planEdge(parseStackConfig(dev((raw) => { raw.addons.prometheus.values = { alertmanager: { enabled: true }, server: { retention: "1d" } }; })));
        const merged = extra.addons!.prometheus!.release.values as any;
        assert.deepStrictEqual([merged.alertmanager.enabled, merged.server.retention, merged.server.fullnameOverride], [true, "1d", "prometheus"]);
    });

    it("installs from the configured repository: a local folder of packaged charts", () => {
        const local = planEdge({ ...stackConfig("dev"), addons: { ...stackConfig("dev").addons!, kiali: { ...stackConfig("dev").addons!.kiali, repository: "./charts" } } });
        assert.deepStrictEqual(local.addons!.kiali!.release.location, { kind: "file", path: "./charts/kiali-server-2.26.0.tgz", version: "2.26.0" });
        assert.deepStrictEqual(plan.addons!.grafana!.release.location, { kind: "repository", chart: "grafana", version: "9.2.2", repository: "https://grafana.github.io/helm-charts" });
    });
});

describe("model: bad addon config, one message each, before anything is created", () => {
    const cases: { title: string; raw: Record<string, any>; expect: RegExp[]; stack?: string }[] = [
        {
            title: "an addon enabled without a host",
            raw: dev((raw) => { delete raw.addons.grafana.host; }),
            expect: [/^addons\.grafana\.host: is required when addons\.grafana\.enabled is true/, /set addons\.grafana\.enabled to false/],
        },
        {
            title: "an addon host the addon gateway already serves with a route",
            raw: dev((raw) => { raw.addons.kiali.host = "microk8s-secondary.local"; }),
            expect: [/^addons\.kiali\.host: "microk8s-secondary\.local" is already served by gateways\[1\] \(secondary\) with routes "hello"/, /remove it from gateways\[1\]\.hosts or choose another host/],
        },
        {
            title: "an addon host another gateway serves",
            raw: dev((raw) => { raw.addons.grafana.host = "microk8s-alt.local"; }),
            expect: [/^addons\.grafana\.host: "microk8s-alt\.local" is served by gateways\[0\] \(primary\)/, /only by the addon gateway \(addons\.gateway: "secondary"\)/],
        },
        {
            title: "an addon host under a wildcard the addon gateway serves",
            raw: prod((raw) => { raw.addons.grafana.host = "grafana.tools.internal.example.com"; }),
            expect: [/^addons\.grafana\.host: "grafana\.tools\.internal\.example\.com" is already served by gateways\[1\] \(secondary\) as "\*\.tools\.internal\.example\.com" with routes "tools"/],
        },
        {
            title: "two addons on one host",
            raw: dev((raw) => { raw.addons.kiali.host = "grafana.microk8s.local"; }),
            expect: [/^addons\.kiali\.host: "grafana\.microk8s\.local" is already the host of addons\.grafana/],
        },
        {
            title: "a wildcard addon host",
            raw: dev((raw) => { raw.addons.tracing.host = "*.microk8s.local"; }),
            expect: [/^addons\.tracing\.host: "\*\.microk8s\.local" is a wildcard/, /"tracing\.microk8s\.local"/],
        },
        {
            title: "an addon gateway that does not exist",
            raw: dev((raw) => { raw.addons.gateway = "internal"; }),
            expect: [/^addons\.gateway: "internal" is not a configured gateway; valid: "primary", "secondary"/],
        },
        {
            title: "the addons on a gateway without source ranges",
            raw: prod((raw) => { raw.addons.gateway = "primary"; }),
            expect: [/^addons\.gateway: "primary" serves the addon UIs, but gateways\[0\] \(primary\) has no allowedSourceRanges, so it admits every client address/, /Prometheus and the tracing UI have no login/, /addons\.allowPublicAccess: true/],
        },
        {
            title: "the addons on a gateway whose ranges are the whole internet",
            raw: dev((raw) => { raw.gateways[1].allowedSourceRanges = ["0.0.0.0/0", "::/0"]; }),
            expect: [/^addons\.gateway: "secondary" serves the addon UIs, but gateways\[1\]\.allowedSourceRanges\[0\]: "0\.0\.0\.0\/0" includes public internet addresses/],
        },
        {
            title: "the addons on a gateway open to a public office range",
            raw: dev((raw) => { raw.gateways[1].allowedSourceRanges = ["10.0.0.0/8", "203.0.113.0/29"]; }),
            expect: [/gateways\[1\]\.allowedSourceRanges\[1\]: "203\.0\.113\.0\/29" includes public internet addresses/, /inside 10\.0\.0\.0\/8, 172\.16\.0\.0\/12, 192\.168\.0\.0\/16, 100\.64\.0\.0\/10/],
        },
        {
            title: "the addons on a gateway whose range only looks private (172.0.0.0/8 holds public addresses)",
            raw: dev((raw) => { raw.gateways[1].allowedSourceRanges = ["172.0.0.0/8"]; }),
            expect: [/allowedSourceRanges\[0\]: "172\.0\.0\.0\/8" includes public internet addresses/],
        },
        {
            title: "the addons over plain HTTP (httpsRedirect off on the addon gateway)",
            raw: dev((raw) => { raw.gateways[1].httpsRedirect = false; }),
            expect: [/^gateways\[1\]\.httpsRedirect: false serves the addon UIs \(addons\.gateway: "secondary"\) over plain HTTP on port 80/, /set it to true/, /addons\.allowPublicAccess: true/],
        },
        {
            title: "anonymous Kiali through its chart values on a production stack",
            raw: prod((raw) => { raw.addons.kiali.values = { auth: { strategy: "anonymous" } }; }),
            stack: "prod",
            expect: [/^addons\.kiali\.values\.auth\.strategy: "anonymous" is refused on production stack "prod"/],
        },
        {
            title: "anonymous Kiali through its chart values on a public gateway, even with the opt-in",
            raw: dev((raw) => { delete raw.gateways[1].allowedSourceRanges; raw.addons.allowPublicAccess = true; raw.addons.kiali.values = { auth: { strategy: "anonymous" } }; }),
            expect: [/^addons\.kiali\.values\.auth\.strategy: "anonymous" lets every client of gateways\[1\] \(secondary\) read the mesh without logging in/, /use "token"/],
        },
        {
            title: "anonymous Grafana admins (grafana.ini) on a public gateway, even with the opt-in",
            raw: dev((raw) => {
                delete raw.gateways[1].allowedSourceRanges;
                raw.addons.allowPublicAccess = true;
                raw.addons.grafana.values = { "grafana.ini": { "auth.anonymous": { enabled: true, org_role: "Admin" } } };
            }),
            expect: [/^addons\.grafana\.values\.grafana\.ini\["auth\.anonymous"\]\.enabled: anonymous access with role "Admin" lets every client/, /give it the role "Viewer"/],
        },
        {
            title: "anonymous Grafana editors (environment) on a production stack",
            raw: prod((raw) => { raw.addons.grafana.values = { env: { GF_AUTH_ANONYMOUS_ENABLED: "true", GF_AUTH_ANONYMOUS_ORG_ROLE: "Editor" } }; }),
            stack: "prod",
            expect: [/^addons\.grafana\.values\.env\.GF_AUTH_ANONYMOUS_ENABLED: anonymous access with role "Editor" is refused on production stack "prod"/],
        },
        {
            title: "a route of the public gateway to Grafana's Service",
            raw: dev((raw) => { raw.gateways[0].routes.push({ name: "dash", match: { prefix: "/grafana" }, destination: { host: "grafana", port: 3000, namespace: "istio-system" } }); }),
            expect: [/^gateways\[0\]\.routes\[2\]\.destination: "grafana" in namespace "istio-system" is a Service of the grafana addon, which is served only on the addon gateway \(addons\.gateway: "secondary"\) at https:\/\/grafana\.microk8s\.local\//],
        },
        {
            title: "a route of the public gateway to the tracing collector, by its full name",
            raw: dev((raw) => { raw.gateways[0].routes.push({ name: "otlp", match: { prefix: "/v1/traces" }, destination: { host: "jaeger-collector.istio-system.svc.cluster.local", port: 4318 } }); }),
            expect: [/^gateways\[0\]\.routes\[2\]\.destination: "jaeger-collector\.istio-system\.svc\.cluster\.local" in namespace "istio-system" is a Service of the tracing addon/],
        },
        {
            title: "a Grafana admin Secret other than the program's",
            raw: dev((raw) => { raw.addons.grafana.values = { admin: { existingSecret: "my-grafana" } }; }),
            expect: [/^addons\.grafana\.values\.admin\.existingSecret: "my-grafana" replaces the Secret "grafana-admin"/, /grafanaAdminPassword/],
        },
        {
            title: "Kiali moved off the root of its host",
            raw: dev((raw) => { raw.addons.kiali.values = { server: { web_root: "/kiali" } }; }),
            expect: [/^addons\.kiali\.values\.server\.web_root: "\/kiali" moves Kiali off the root of its host/],
        },
        {
            title: "a Grafana Service renamed to something that is no Service name",
            raw: dev((raw) => { raw.addons.grafana.values = { fullnameOverride: "Grafana_UI" }; }),
            expect: [/^addons\.grafana\.values\.fullnameOverride: gives the grafana Service the name "Grafana_UI", which is not a Service name/],
        },
        {
            title: "a tracing image with its tag",
            raw: dev((raw) => { raw.addons.tracing.image = "docker.io/jaegertracing/jaeger:2.14.0"; }),
            expect: [/^addons\.tracing\.image: "docker\.io\/jaegertracing\/jaeger:2\.14\.0" has a tag/, /write the repository alone \("docker\.io\/jaegertracing\/jaeger"\)/],
        },
        {
            title: "a retention that is not a duration",
            raw: prod((raw) => { raw.addons.prometheus.retention = "15 days"; }),
            expect: [/^addons\.prometheus\.retention: "15 days" is not valid; expected a Prometheus duration such as "15d"/],
        },
        {
            title: "a storage size that is not a quantity",
            raw: prod((raw) => { raw.addons.prometheus.storage.size = "20GB"; }),
            expect: [/^addons\.prometheus\.storage\.size: "20GB" is not valid; expected a Kubernetes quantity such as "20Gi"/],
        },
        {
            title: "a zero storage size",
            raw: prod((raw) => { raw.addons.prometheus.storage.size = "0Gi"; }),
            expect: [/^addons\.prometheus\.storage\.size: "0Gi" is not a Kubernetes quantity/],
        },
        {
            title: "a storage class that is not a name",
            raw: prod((raw) => { raw.addons.prometheus.storage.storageClass = "Fast SSD"; }),
            expect: [/^addons\.prometheus\.storage\.storageClass: "Fast SSD" is not a StorageClass name/],
        },
        {
            title: "a sampling percentage above 100",
            raw: dev((raw) => { raw.addons.tracing.sampling = 150; }),
            expect: [/^addons\.tracing\.sampling: 150 is out of range; valid: 0 to 100/],
        },
        {
            title: "Kiali without Prometheus",
            raw: dev((raw) => { raw.addons.prometheus.enabled = false; raw.addons.grafana.enabled = false; }),
            expect: [/^addons\.kiali\.enabled: true needs Prometheus, and addons\.prometheus is off/, /external_services\.prometheus\.url/],
        },
        {
            title: "anonymous Kiali on an unrestricted gateway, even with the opt-in",
            raw: dev((raw) => { delete raw.gateways[1].allowedSourceRanges; raw.addons.allowPublicAccess = true; raw.addons.kiali.auth = "anonymous"; }),
            expect: [/^addons\.kiali\.auth: "anonymous" lets every client of gateways\[1\] \(secondary\) read the mesh/, /use "token"/],
        },
        {
            title: "anonymous Kiali on a production stack",
            raw: prod((raw) => { raw.addons.kiali.auth = "anonymous"; }),
            stack: "prod",
            expect: [/^addons\.kiali\.auth: "anonymous" is refused on production stack "prod"/],
        },
        {
            title: "an addons namespace every cluster has",
            raw: dev((raw) => { raw.addons.namespace = "kube-system"; }),
            expect: [/^addons\.namespace: "kube-system" is a namespace every cluster already has/],
        },
        {
            title: "an addons namespace that is another role's",
            raw: dev((raw) => { raw.addons.namespace = "samples"; }),
            expect: [/addons\.namespace: "samples" is already samples\.namespace|samples\.namespace: "samples" is already addons\.namespace/],
        },
        {
            title: "a misspelt addon key",
            raw: dev((raw) => { raw.addons.grafana.hots = raw.addons.grafana.host; }),
            expect: [/^addons\.grafana\.hots: unknown key "hots" \(did you mean "host"\?\)/],
        },
        {
            title: "an addon chart missing from a local chart folder",
            raw: dev((raw) => { raw.addons.grafana.repository = "./no-such-folder"; }),
            expect: [/^addons\.grafana\.repository: "\.\/no-such-folder" has no grafana-9\.2\.2\.tgz/, /helm pull grafana --version 9\.2\.2/],
        },
        {
            title: "an image tag that is not pinned",
            raw: dev((raw) => { raw.addons.tracing.version = "latest"; }),
            expect: [/^addons\.tracing\.version: "latest" is not valid; expected an exact image tag/],
        },
    ];
    for (const c of cases) it(`rejects ${c.title}`, () => oneProblem(c.raw, c.expect, c.stack));

    it("accepts anonymous Kiali behind a restricted gateway on a stack not named prod…", () => {
        assert.deepStrictEqual(problemsOf(prod((raw) => { raw.addons.kiali.auth = "anonymous"; }), "staging"), []);
    });

    it("counts exactly the non-public ranges as restricted, in both families", () => {
        for (const range of ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "10.1.2.3/32"]) {
            assert.deepStrictEqual(problemsOf(dev((raw) => { raw.gateways[1].allowedSourceRanges = [range]; })), [], range);
        }
        const dual = (ranges: string[]) => dev((raw) => {
            raw.metallb.pools.push({ name: "v6", addresses: ["fd00:49::/120"], autoAssign: false });
            raw.gateways[1].ip = ["192.168.49.241", "fd00:49::f1"];
            raw.gateways[1].allowedSourceRanges = ranges;
        });
        assert.deepStrictEqual(problemsOf(dual(["192.168.0.0/16", "fc00::/7"])), []);
        assert.deepStrictEqual(problemsOf(dual(["192.168.0.0/16", "fe80::/10"])), []);
        assert.match(problemsOf(dual(["192.168.0.0/16", "2001:db8::/32"])).join("\n"), /allowedSourceRanges\[1\]: "2001:db8::\/32" includes public internet addresses/);
    });

    it("serves the addons anywhere once the stack opts in with addons.allowPublicAccess, and nowhere else", () => {
        const open = (optIn: boolean) => dev((raw) => {
            delete raw.gateways[1].allowedSourceRanges;
            raw.gateways[1].httpsRedirect = false;
            raw.gateways[0].routes.push({ name: "dash", match: { prefix: "/dash" }, destination: { host: "grafana", port: 3000, namespace: "istio-system" } });
            if (optIn) raw.addons.allowPublicAccess = true;
        });
        assert.strictEqual(problemsOf(open(false)).length, 3);
        assert.deepStrictEqual(problemsOf(open(true)), []);
        // A Service of the same name in another namespace is not an addon's.
        assert.deepStrictEqual(problemsOf(dev((raw) => {
            raw.gateways[0].routes.push({ name: "dash", match: { prefix: "/dash" }, destination: { host: "grafana", port: 3000, namespace: "samples" } });
        })), []);
        // Anonymous Grafana viewers are read-only: like Prometheus, the opt-in covers them.
        assert.deepStrictEqual(problemsOf(dev((raw) => {
            delete raw.gateways[1].allowedSourceRanges;
            raw.addons.allowPublicAccess = true;
            raw.addons.grafana.values = { "grafana.ini": { "auth.anonymous": { enabled: true } } };
        })), []);
    });

    it("follows a renamed addon Service or a moved port into its route, Grafana's data source and Kiali's links", () => {
        const plan = planEdge(parseStackConfig(dev((raw) => {
            raw.addons.grafana.values = { service: { port: 80 }, fullnameOverride: "dashboards" };
            raw.addons.prometheus.values = { server: { fullnameOverride: "prom", service: { servicePort: 9091 } } };
            raw.addons.kiali.values = { deployment: { instance_name: "mesh-ui" }, server: { port: 8080 } };
        })));
        const destination = (host: string) => plan.gateways[1].virtualServices.find((v) => v.host === host)!.spec.http[0].route[0].destination;
        assert.deepStrictEqual(destination("grafana.microk8s.local"), { host: "dashboards.istio-system.svc.cluster.local", port: { number: 80 } });
        assert.deepStrictEqual(destination("prometheus.microk8s.local"), { host: "prom.istio-system.svc.cluster.local", port: { number: 9091 } });
        assert.deepStrictEqual(destination("kiali.microk8s.local"), { host: "mesh-ui.istio-system.svc.cluster.local", port: { number: 8080 } });
        const grafana = plan.addons!.grafana!.release.values as any;
        assert.strictEqual(grafana.datasources["datasources.yaml"].datasources[0].url, "http://prom.istio-system:9091");
        const kiali = plan.addons!.kiali!.release.values as any;
        assert.strictEqual(kiali.external_services.prometheus.url, "http://prom.istio-system:9091");
        assert.strictEqual(kiali.external_services.grafana.internal_url, "http://dashboards.istio-system:80");
        // An empty override falls back to the chart's own name for the server.
        const fallback = planEdge(parseStackConfig(dev((raw) => { raw.addons.prometheus.values = { server: { fullnameOverride: "" } }; })));
        assert.strictEqual(fallback.addons!.addons.find((a) => a.name === "prometheus")!.service, "prometheus-server");
    });

    it("accepts a tracing image from a registry with a port, which is no tag", () => {
        assert.deepStrictEqual(problemsOf(dev((raw) => { raw.addons.tracing.image = "registry.local:5000/mirror/jaeger"; })), []);
    });

    it("checks a spec that bypassed the schema too (retention 0d, storage 20 GB)", () => {
        const spec: EdgeSpec = stackConfig("prod");
        const bad: EdgeSpec = { ...spec, addons: { ...spec.addons!, prometheus: { ...spec.addons!.prometheus, retention: "0d", storage: { size: "20 GB", storageClass: "" } } } };
        assert.deepStrictEqual(addonProblems(bad), [
            'addons.prometheus.retention: "0d" is not a Prometheus duration; expected e.g. "15d", "12h" or "1w"',
            'addons.prometheus.storage.size: "20 GB" is not a Kubernetes quantity; expected e.g. "20Gi" or "500Mi"',
        ]);
    });

    it("an Edge with a bad addon registers nothing, itself included, and says why", async () => {
        const spec = stackConfig("dev");
        const ev = await evaluate(() => {
            try {
                return new Edge("edge", argsFromSpec({ ...spec, addons: { ...spec.addons!, gateway: "internal" } }));
            } catch (err) {
                return err;
            }
        });
        assert.ok(ev.result instanceof ConfigError);
        assert.match((ev.result as Error).message, /args of Edge edge[\s\S]*addons\.gateway: "internal" is not a configured gateway/);
        assert.strictEqual(ev.resources.length, 0);
    });
});
