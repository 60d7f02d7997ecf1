// Addon UIs (Grafana, Kiali, Prometheus, tracing and its collector) reachable only through
// gateways restricted to non-public client ranges.
import * as assert from "assert";
import { toYaml } from "../../model/gatewayApi";
import { Restrictions, overlaySourceRanges } from "../../policy/lib/exposure";
import { GatewayApiModel } from "../../policy/lib/gatewayApi";
import { addonExposureRestricted, addonExposureUnrestricted } from "../../policy/policies";
import { StackModel, StackResource } from "../../policy/lib/model";
import { resource, runStackPolicy, unknownField } from "./harness";

const chart = (gw: string, service: object = {}) => resource("kubernetes:helm.sh/v4:Chart", {
    name: `istio-ingress-${gw}`, chart: "gateway", namespace: "istio-ingress", values: { labels: { istio: `ingress-${gw}` }, service },
});
const gateway = (name: string, selector: object, hosts: string[]) => resource("kubernetes:networking.istio.io/v1:Gateway", {
    metadata: { name, namespace: "istio-ingress" }, spec: { selector, servers: [{ port: { number: 80, name: `http-${name}`, protocol: "HTTP" }, hosts }] },
});
const vs = (name: string, namespace: string, gateways: string[], host: string, destination: string) => resource("kubernetes:networking.istio.io/v1:VirtualService", {
    metadata: { name, namespace }, spec: { hosts: [host], gateways, http: [{ route: [{ destination: { host: destination } }] }] },
});
const allowFrom = (selector: object) => resource("kubernetes:security.istio.io/v1:AuthorizationPolicy", {
    metadata: { name: "internal-sources", namespace: "istio-ingress" },
    spec: { action: "ALLOW", selector: { matchLabels: selector }, rules: [{ from: [{ source: { remoteIpBlocks: ["10.0.0.0/8"] } }] }] },
});
const addonService = (name: string, namespace = "istio-system") =>
    resource("kubernetes:core/v1:Service", { metadata: { name, namespace }, spec: { ports: [{ name: "http", port: 3000 }] } });

/** A public and an internal gateway; the internal one admits only 10.0.0.0/8; Grafana is on it. */
function stack(): StackResource[] {
    return [
        chart("public"), chart("internal"),
        gateway("public", { istio: "ingress-public" }, ["www.example.com"]),
        gateway("internal", { istio: "ingress-internal" }, ["grafana.internal.example.com", "kiali.internal.example.com"]),
        allowFrom({ istio: "ingress-internal" }), addonService("grafana"), addonService("kiali"),
        vs("grafana", "istio-system", ["istio-ingress/internal"], "grafana.internal.example.com", "grafana"),
        vs("kiali", "istio-ingress", ["istio-ingress/internal"], "kiali.internal.example.com", "kiali.istio-system.svc.cluster.local"),
        vs("www", "istio-ingress", ["istio-ingress/public"], "www.example.com", "web.apps.svc.cluster.local"),
    ];
}

describe("policies addon-ui-restricted-gateways and addon-ui-no-restricted-gateway", () => {
    it("pass addons exposed only on the restricted gateway", async () => {
        assert.deepStrictEqual(await runStackPolicy(addonExposureRestricted, stack()), []);
        assert.deepStrictEqual(await runStackPolicy(addonExposureUnrestricted, stack()), []);
    });

    it("flag, as mandatory, an addon on the public gateway while another gateway is restricted (short name, FQDN)", async () => {
        assert.strictEqual(addonExposureRestricted.enforcementLevel, "mandatory");
        const bad = [...stack(),
            vs("grafana-public", "istio-system", ["istio-ingress/public"], "grafana.example.com", "grafana"),
            vs("tracing-public", "apps", ["istio-ingress/public", "istio-ingress/internal"], "tracing.example.com", "tracing.istio-system.svc.cluster.local")];
        const violations = await runStackPolicy(addonExposureRestricted, bad);
        assert.strictEqual(violations.length, 2, violations.join("\n"));
        assert.match(violations[0], /VirtualService istio-system\/grafana-public publishes addon istio-system\/grafana on gateway istio-ingress\/public, which admits any client address while other gateways of this stack are restricted/);
        assert.match(violations[1], /VirtualService apps\/tracing-public publishes addon istio-system\/tracing on gateway istio-ingress\/public/);
        assert.deepStrictEqual(await runStackPolicy(addonExposureUnrestricted, bad), []);
    });

    it("counts loadBalancerSourceRanges as a restriction, and honours a configured addons namespace and names", async () => {
        const ranges = stack().filter((r) => !r.type.endsWith(":AuthorizationPolicy")).map((r) =>
            r.props.name === "istio-ingress-internal" ? chart("internal", { loadBalancerSourceRanges: ["10.0.0.0/8"] }) : r);
        assert.deepStrictEqual(await runStackPolicy(addonExposureRestricted, ranges), []);
        const custom = [...ranges, vs("metrics", "monitoring", ["istio-ingress/public"], "m.example.com", "vmui")];
        assert.deepStrictEqual(await runStackPolicy(addonExposureRestricted, custom), []);
        assert.strictEqual((await runStackPolicy(addonExposureRestricted, custom, { namespace: "monitoring", services: ["vmui"] })).length, 1);
    });

    it("report, as advisory, an addon on an unrestricted gateway when no gateway is restricted", async () => {
        assert.strictEqual(addonExposureUnrestricted.enforcementLevel, "advisory");
        const open = stack().filter((r) => !r.type.endsWith(":AuthorizationPolicy"));
        assert.deepStrictEqual(await runStackPolicy(addonExposureRestricted, open), []);
        assert.strictEqual((await runStackPolicy(addonExposureUnrestricted, open)).length, 2);
    });

    it("judge HTTPRoutes: a Gateway API Gateway is restricted by an AuthorizationPolicy whose targetRefs name it", async () => {
        const gw = (name: string) => resource("kubernetes:gateway.networking.k8s.io/v1:Gateway", {
            metadata: { name, namespace: "gateways" }, spec: { gatewayClassName: "istio", listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }] },
        });
        const route = (name: string, parent: string) => resource("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", {
            metadata: { name, namespace: "istio-system" }, spec: { parentRefs: [{ name: parent, namespace: "gateways" }], rules: [{ backendRefs: [{ name: "kiali", port: 20001 }] }] },
        });
        const policy = resource("kubernetes:security.istio.io/v1:AuthorizationPolicy", {
            metadata: { name: "internal", namespace: "gateways" }, spec: { targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "internal" }], rules: [{ from: [{ source: { remoteIpBlocks: ["10.0.0.0/8"] } }] }] },
        });
        assert.deepStrictEqual(await runStackPolicy(addonExposureRestricted, [gw("public"), gw("internal"), policy, route("kiali", "internal")]), []);
        const [v] = await runStackPolicy(addonExposureRestricted, [gw("public"), gw("internal"), policy, route("kiali", "public")]);
        assert.match(v, /HTTPRoute istio-system\/kiali publishes addon istio-system\/kiali on gateway gateways\/public/);
    });
});

describe("addon rules: jaeger-collector is an addon Service by default", () => {
    it("is in the default services list", () => {
        assert.ok((addonExposureRestricted.configSchema!.properties!.services as { default: string[] }).default.includes("jaeger-collector"));
    });

    it("flags a VirtualService or an HTTPRoute publishing the collector on an unrestricted gateway", async () => {
        const bad = [...stack(), addonService("jaeger-collector"),
            vs("collector", "apps", ["istio-ingress/public"], "otlp.example.com", "jaeger-collector.istio-system.svc.cluster.local")];
        const [v, ...rest] = await runStackPolicy(addonExposureRestricted, bad);
        assert.deepStrictEqual(rest, []);
        assert.match(v, /VirtualService apps\/collector publishes addon istio-system\/jaeger-collector on gateway istio-ingress\/public/);
        const k8s = (name: string) => resource("kubernetes:gateway.networking.k8s.io/v1:Gateway", {
            metadata: { name, namespace: "gateways" }, spec: { gatewayClassName: "istio", listeners: [{ name: "http", port: 80, protocol: "HTTP", allowedRoutes: { namespaces: { from: "All" } } }] },
        });
        const internalOnly = resource("kubernetes:security.istio.io/v1:AuthorizationPolicy", {
            metadata: { name: "internal", namespace: "gateways" }, spec: { targetRefs: [{ kind: "Gateway", group: "gateway.networking.k8s.io", name: "internal" }], rules: [{ from: [{ source: { remoteIpBlocks: ["10.0.0.0/8"] } }] }] },
        });
        const route = resource("kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", {
            metadata: { name: "otlp", namespace: "istio-system" }, spec: { parentRefs: [{ name: "public", namespace: "gateways" }], rules: [{ backendRefs: [{ name: "jaeger-collector", port: 4318 }] }] },
        });
        const [r] = await runStackPolicy(addonExposureRestricted, [k8s("public"), k8s("internal"), internalOnly, route]);
        assert.match(r, /HTTPRoute istio-system\/otlp publishes addon istio-system\/jaeger-collector on gateway gateways\/public/);
    });
});

describe("restricted gateways: every client range must exclude the public internet", () => {
    const RESTRICTED = ["10.0.0.0/8", "fd00::/8"];
    const PUBLIC: [string[], string][] = [
        [["0.0.0.0/0"], "0.0.0.0/0"], [["::/0"], "::/0"], [["8.8.8.0/29"], "8.8.8.0/29"], [["172.0.0.0/8"], "172.0.0.0/8"],
        [["10.0.0.0/8", "0.0.0.0/0"], "0.0.0.0/0"],
    ];
    const internalGw = () => gateway("internal", { istio: "ingress-internal" }, ["grafana.internal.example.com"]);
    const ofIstio = (resources: StackResource[]) => {
        const m = StackModel.of(resources, { includeSystemNamespaces: true });
        return Restrictions.of(m).istioGateway(m.gateways.find((g) => g.name === "internal")!);
    };
    const k8sGateway = (extra: object = {}) => resource("kubernetes:gateway.networking.k8s.io/v1:Gateway", {
        metadata: { name: "internal", namespace: "gateways" }, spec: { gatewayClassName: "istio", listeners: [{ name: "http", port: 80, protocol: "HTTP" }], ...extra },
    });
    const ofK8s = (resources: StackResource[]) => {
        const m = StackModel.of(resources, { includeSystemNamespaces: true });
        return Restrictions.of(m).k8sGateway(GatewayApiModel.of(m).gateway("gateways", "internal")!);
    };
    const allowPolicy = (namespace: string, source: object, target?: object) => resource("kubernetes:security.istio.io/v1:AuthorizationPolicy", {
        metadata: { name: "clients", namespace },
        spec: { action: "ALLOW", ...(target ? { targetRefs: [target] } : { selector: { matchLabels: { istio: "ingress-internal" } } }), rules: [{ from: [{ source }] }] },
    });
    const overlay = (ranges: string[]) => resource("kubernetes:core/v1:ConfigMap", {
        metadata: { name: "internal-options", namespace: "gateways" },
        // The program's own writer, so the pack reads what the program emits.
        data: { service: toYaml({ spec: { externalTrafficPolicy: "Local", loadBalancerSourceRanges: ranges } }) },
    });
    const mechanisms: [string, (ranges: string[]) => { restricted: boolean; why?: string }][] = [
        ["gateway chart service.loadBalancerSourceRanges", (r) => ofIstio([chart("internal", { loadBalancerSourceRanges: r }), internalGw()])],
        ["a Service selecting the gateway pods", (r) => ofIstio([chart("internal"), internalGw(), resource("kubernetes:core/v1:Service", {
            metadata: { name: "internal-lb", namespace: "istio-ingress" }, spec: { type: "LoadBalancer", selector: { istio: "ingress-internal" }, loadBalancerSourceRanges: r },
        })])],
        ["an ALLOW AuthorizationPolicy with remoteIpBlocks", (r) => ofIstio([chart("internal"), internalGw(), allowPolicy("istio-ingress", { remoteIpBlocks: r })])],
        ["an ALLOW AuthorizationPolicy with ipBlocks in the root namespace", (r) => ofIstio([chart("internal"), internalGw(), allowPolicy("istio-system", { ipBlocks: r })])],
        ["a Gateway API targetRefs AuthorizationPolicy", (r) => ofK8s([k8sGateway(), allowPolicy("gateways", { remoteIpBlocks: r }, { group: "gateway.networking.k8s.io", kind: "Gateway", name: "internal" })])],
        ["a Gateway API parametersRef ConfigMap overlay", (r) => ofK8s([k8sGateway({ infrastructure: { parametersRef: { group: "", kind: "ConfigMap", name: "internal-options" } } }), overlay(r)])],
    ];

    for (const [what, judge] of mechanisms) {
        it(`${what}: ${RESTRICTED.join(" + ")} restricts; ${PUBLIC.map(([r]) => r.join(" + ")).join(", ")} do not, naming the public range`, () => {
            assert.deepStrictEqual([judge(RESTRICTED).restricted, judge(RESTRICTED).why], [true, undefined]);
            for (const [ranges, open] of PUBLIC) {
                const r = judge(ranges);
                assert.strictEqual(r.restricted, false, ranges.join(", "));
                assert.ok(r.why?.includes(`${open} includes public internet addresses`), `${ranges.join(", ")}: ${r.why}`);
            }
        });
    }

    it("the addon rules say which range is public", async () => {
        const publicLb = stack().map((r) => r.props.name === "istio-ingress-public" ? chart("public", { loadBalancerSourceRanges: ["0.0.0.0/0"] }) : r);
        const [v] = await runStackPolicy(addonExposureRestricted, [...publicLb, vs("grafana-public", "istio-system", ["istio-ingress/public"], "grafana.example.com", "grafana")]);
        assert.match(v, /on gateway istio-ingress\/public, which admits public client addresses \(Service istio-ingress\/istio-ingress-public \(gateway chart\) loadBalancerSourceRanges: 0\.0\.0\.0\/0 includes public internet addresses\) while other gateways of this stack are restricted/);
        // 172.0.0.0/8 is wider than the private 172.16.0.0/12: no gateway is restricted, so the advisory rule reports.
        const wide = stack().filter((r) => !r.type.endsWith(":AuthorizationPolicy")).map((r) =>
            r.props.name === "istio-ingress-internal" ? chart("internal", { loadBalancerSourceRanges: ["172.0.0.0/8"] }) : r);
        assert.deepStrictEqual(await runStackPolicy(addonExposureRestricted, wide), []);
        const advisory = await runStackPolicy(addonExposureUnrestricted, wide);
        assert.strictEqual(advisory.length, 2, advisory.join("\n"));
        for (const a of advisory) assert.match(a, /which admits public client addresses \(.*172\.0\.0\.0\/8 includes public internet addresses\)/);
    });

    it("reads AuthorizationPolicies as Istio applies them: DENY with notRemoteIpBlocks restricts; ALLOW policies add up", () => {
        const policy = (spec: object, name = "p") => resource("kubernetes:security.istio.io/v1:AuthorizationPolicy", { metadata: { name, namespace: "istio-ingress" }, spec });
        const judge = (...policies: StackResource[]) => ofIstio([chart("internal"), internalGw(), ...policies]);
        const denyOutside = (ranges: string[], extra: object = {}) => policy({ action: "DENY", rules: [{ from: [{ source: { notRemoteIpBlocks: ranges } }], ...extra }] });
        assert.strictEqual(judge(denyOutside(RESTRICTED)).restricted, true);
        assert.strictEqual(judge(denyOutside(["0.0.0.0/0"])).restricted, false);
        assert.strictEqual(judge(denyOutside(["10.0.0.0/8"], { to: [{ operation: { paths: ["/admin"] } }] })).restricted, false, "denies only /admin");
        const allow = (source: object, name = "p") => policy({ action: "ALLOW", rules: [{ from: [{ source }] }] }, name);
        assert.strictEqual(judge(allow({ ipBlocks: ["10.1.2.3", "10.1.2.3/8"] })).restricted, true, "a single address, and host bits set");
        assert.strictEqual(judge(allow({ remoteIpBlocks: ["10.0.0.0/8"], ipBlocks: ["0.0.0.0/0"] })).restricted, true, "conditions of one source are ANDed");
        assert.strictEqual(judge(allow({ notRemoteIpBlocks: ["10.0.0.0/8"] })).restricted, false, "admits everything else");
        const jwt = judge(allow({ remoteIpBlocks: ["10.0.0.0/8"] }, "office"), allow({ requestPrincipals: ["*"] }, "tokens"));
        assert.strictEqual(jwt.restricted, false);
        assert.match(jwt.why!, /AuthorizationPolicy istio-ingress\/tokens rules\[0\]\.from\[0\] admits every client address/);
        assert.strictEqual(judge(policy({ action: "ALLOW", rules: [{ to: [{ operation: { paths: ["/"] } }] }] })).restricted, false, "a rule without from");
        assert.strictEqual(judge(policy({ action: "CUSTOM", provider: { name: "ext" }, rules: [{}] })).restricted, false);
    });

    it("cannot tell while policies, ranges or the overlay are unknown during preview", async () => {
        const unknownPolicy = { ...allowPolicy("istio-ingress", { remoteIpBlocks: ["0.0.0.0/0"] }) };
        unknownPolicy.props = unknownField(unknownPolicy.props, "spec");
        assert.strictEqual(ofIstio([chart("internal"), internalGw(), unknownPolicy]).decidable, false);
        const service = resource("kubernetes:core/v1:Service", { metadata: { name: "internal-lb", namespace: "istio-ingress" }, spec: { selector: { istio: "ingress-internal" } } });
        assert.strictEqual(ofIstio([chart("internal"), internalGw(), { ...service, props: unknownField(service.props, "spec") }]).decidable, false);
        const cm = overlay(["0.0.0.0/0"]);
        const withOverlay = k8sGateway({ infrastructure: { parametersRef: { group: "", kind: "ConfigMap", name: "internal-options" } } });
        assert.strictEqual(ofK8s([withOverlay, { ...cm, props: unknownField(cm.props, "data") }]).decidable, false);
        // And the rules stay silent: the public gateway's ranges are not known yet.
        const lb = { ...service, props: unknownField({ metadata: { name: "public-lb", namespace: "istio-ingress" }, spec: {} }, "spec") };
        const open = [...stack(), lb, vs("grafana-public", "istio-system", ["istio-ingress/public"], "grafana.example.com", "grafana")];
        assert.deepStrictEqual(await runStackPolicy(addonExposureRestricted, open), []);
    });

    it("reads the overlay's YAML in the forms the program and people write; anything else does not restrict", () => {
        assert.deepStrictEqual(overlaySourceRanges(toYaml({ spec: { loadBalancerSourceRanges: RESTRICTED } })), RESTRICTED);
        assert.deepStrictEqual(overlaySourceRanges("spec:\n  loadBalancerSourceRanges: [\"10.0.0.0/8\", 'fd00::/8']\n"), RESTRICTED);
        assert.deepStrictEqual(overlaySourceRanges("spec:\n  type: LoadBalancer\n  loadBalancerSourceRanges:\n  - 10.0.0.0/8  # office\n  - fd00::/8\n  ports: []\n"), RESTRICTED);
        assert.strictEqual(overlaySourceRanges("# loadBalancerSourceRanges: [10.0.0.0/8]\nspec:\n  type: LoadBalancer\n"), undefined);
        assert.strictEqual(overlaySourceRanges("spec: {loadBalancerSourceRanges: [10.0.0.0/8]}\n"), "unreadable");
        assert.strictEqual(overlaySourceRanges("spec:\n  loadBalancerSourceRanges: &ranges\n    - 10.0.0.0/8\n"), "unreadable");
        const flowMap = resource("kubernetes:core/v1:ConfigMap", { metadata: { name: "internal-options", namespace: "gateways" }, data: { service: "spec: {loadBalancerSourceRanges: [10.0.0.0/8]}" } });
        const r = ofK8s([k8sGateway({ infrastructure: { parametersRef: { group: "", kind: "ConfigMap", name: "internal-options" } } }), flowMap]);
        assert.deepStrictEqual([r.restricted, r.why], [false, "ConfigMap gateways/internal-options service overlay sets loadBalancerSourceRanges in YAML this pack does not read"]);
    });
});
