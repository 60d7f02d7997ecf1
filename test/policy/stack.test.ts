import * as assert from "assert";
import {
    conflictingGateways, credentialNameResolves, gatewayHostOverlap, gatewayPortNamesDistinct, hostIsolation, ipsInPools, selectorMatches, selectorSingleWorkload,
    servicePortNaming, unreachableRoutes, virtualServiceGatewaysResolve, virtualServiceSplitOverlap,
} from "../../policy/policies";
import { StackResource } from "../../policy/lib/model";
import { resource, runStackPolicy, unknownField } from "./harness";

// A small stack of two gateways installed from Istio's gateway chart, as our program builds it.
const chart = (gw: string, extra: object = {}) => resource("kubernetes:helm.sh/v4:Chart", {
    name: `istio-ingress-${gw}`, chart: "gateway", namespace: "istio-ingress",
    values: { labels: { istio: `ingress-${gw}` }, service: { annotations: { "metallb.io/loadBalancerIPs": gw === "a" ? "10.0.0.1" : "10.0.0.2" } }, ...extra },
});
const gatewayObject = (name: string, selector: object, servers: object[], namespace = "istio-ingress") =>
    resource("kubernetes:networking.istio.io/v1:Gateway", { metadata: { name, namespace }, spec: { selector, servers } });
const https = (name: string, hosts: string[], credentialName: string) =>
    ({ port: { number: 443, name, protocol: "HTTPS" }, hosts, tls: { mode: "SIMPLE", credentialName } });
const tlsSecret = (name: string, namespace = "istio-ingress") =>
    resource("kubernetes:core/v1:Secret", { metadata: { name, namespace }, type: "kubernetes.io/tls", stringData: { "tls.crt": "c", "tls.key": "k" } });
const vs = (name: string, hosts: string[], gateways: string[], http: object[], namespace = "istio-ingress") =>
    resource("kubernetes:networking.istio.io/v1:VirtualService", { metadata: { name, namespace }, spec: { hosts, gateways, http } });
const rule = (name: string, uri?: object) => ({ name, ...(uri ? { match: [{ uri }] } : {}), route: [{ destination: { host: "web" } }] });
const pool = (name: string, addresses: string[]) =>
    resource("kubernetes:metallb.io/v1beta1:IPAddressPool", { metadata: { name, namespace: "metallb-system" }, spec: { addresses } });

function goodStack(): StackResource[] {
    return [
        chart("a"), chart("b"),
        gatewayObject("a-gateway", { istio: "ingress-a" }, [https("https-a", ["a.example.com"], "a-tls")]),
        gatewayObject("b-gateway", { istio: "ingress-b" }, [https("https-b", ["b.example.com"], "b-tls")]),
        tlsSecret("a-tls"), tlsSecret("b-tls"),
        vs("a", ["a.example.com"], ["istio-ingress/a-gateway"], [rule("hello", { exact: "/hello" }), rule("api", { prefix: "/api" }), rule("all", { prefix: "/" })]),
        pool("gateways", ["10.0.0.1-10.0.0.2"]),
    ];
}

const every = [
    servicePortNaming, gatewayPortNamesDistinct, credentialNameResolves, selectorMatches, selectorSingleWorkload, conflictingGateways,
    virtualServiceGatewaysResolve, hostIsolation, gatewayHostOverlap, ipsInPools, unreachableRoutes, virtualServiceSplitOverlap,
];

describe("stack policies: a correct two-gateway stack passes all of them", () => {
    for (const policy of every) {
        it(policy.name, async () => assert.deepStrictEqual(await runStackPolicy(policy, goodStack()), []));
    }
});

describe("policy istio-service-port-naming (IST0118)", () => {
    it("fails ports Istio cannot read a protocol from, in any namespace; passes appProtocol, any-case prefixes and well-known ports", async () => {
        const svc = resource("kubernetes:core/v1:Service", { metadata: { name: "web", namespace: "apps" }, spec: { ports: [
            { port: 80 }, { name: "metrics", port: 9090 }, { name: "grpc-api", port: 9000 }, { name: "db", port: 5432, appProtocol: "postgresql" },
            { name: "HTTP-Admin", port: 8080 }, { name: "web", port: 8081, appProtocol: "http" }, { name: "smtp", port: 25 }, { name: "dns", port: 5353, protocol: "UDP" },
            { name: "h2c", port: 8082, appProtocol: "kubernetes.io/h2c" },
        ] } });
        const violations = await runStackPolicy(servicePortNaming, [svc]);
        assert.strictEqual(violations.length, 3, violations.join("\n"));
        assert.match(violations[0], /Service apps\/web ports\[0\] \(port 80\): the port has no name and no appProtocol is set \(IST0118\)/);
        assert.match(violations[1], /ports\[1\] \(port 9090\): name "metrics" does not follow <protocol>\[-<suffix>\].*e\.g\. "http-metrics"/);
        assert.match(violations[2], /ports\[3\] \(port 5432\)/);
    });

    it("skips what Istio skips: kube-system and the other ignored namespaces (unless included), Istio's own Services", async () => {
        const svc = (namespace: string, labels: object = {}) =>
            resource("kubernetes:core/v1:Service", { metadata: { name: "web", namespace, labels }, spec: { ports: [{ port: 80 }] } });
        const stack = [svc("kube-system"), svc("local-path-storage"), svc("istio-system", { istio: "pilot" }), svc("istio-system", { release: "istio" })];
        assert.deepStrictEqual(await runStackPolicy(servicePortNaming, stack), []);
        assert.strictEqual((await runStackPolicy(servicePortNaming, stack, { includeSystemNamespaces: true })).length, 2);
    });

    it("is advisory (Istio rates IST0118 Info) and skips gateway chart Services (labelled istio)", async () => {
        assert.strictEqual(servicePortNaming.enforcementLevel, "advisory");
        const bad = chart("a", { service: { ports: [{ name: "status-port", port: 15021 }, { name: "web", port: 80 }] } });
        assert.deepStrictEqual(await runStackPolicy(servicePortNaming, [bad]), []);
    });
});

describe("policy istio-gateway-port-names-distinct (stricter than Istio)", () => {
    it("is advisory, and flags two Gateways on the same gateway pods using one port name on one port", async () => {
        assert.strictEqual(gatewayPortNamesDistinct.enforcementLevel, "advisory");
        const stack = [...goodStack(), gatewayObject("a-extra", { istio: "ingress-a" }, [https("https-a", ["c.example.com"], "a-tls")])];
        const [v] = await runStackPolicy(gatewayPortNamesDistinct, stack);
        assert.match(v, /Gateway istio-ingress\/a-extra servers\[0\]: port name "https-a" on port 443 is also used by Gateway istio-ingress\/a-gateway servers\[0\] on the same gateway pods \(istio-ingress\/istio-ingress-a\)/);
    });

    it("passes the same name on different gateway pods", async () => {
        const stack = [...goodStack(), gatewayObject("b-extra", { istio: "ingress-b" }, [https("https-a", ["d.example.com"], "b-tls")])];
        assert.deepStrictEqual(await runStackPolicy(gatewayPortNamesDistinct, stack), []);
    });
});

describe("policy istio-gateway-credential-resolves", () => {
    it("fails a credentialName whose secret is in the Gateway's namespace instead of the pods'", async () => {
        const stack = goodStack().filter((r) => r.props.metadata?.name !== "b-tls");
        stack.push(tlsSecret("b-tls", "apps"));
        const [v] = await runStackPolicy(credentialNameResolves, stack);
        assert.match(v, /Gateway istio-ingress\/b-gateway servers\[0\]: credentialName "b-tls" has no secret in namespace istio-ingress, where its gateway pods \(istio-ingress\/istio-ingress-b\) run; one exists in apps/);
    });

    it("fails an Opaque secret without TLS keys", async () => {
        const stack = goodStack().map((r) => r.props.metadata?.name === "a-tls"
            ? resource("kubernetes:core/v1:Secret", { metadata: { name: "a-tls", namespace: "istio-ingress" }, type: "Opaque", stringData: { pem: "x" } })
            : r);
        const [v] = await runStackPolicy(credentialNameResolves, stack);
        assert.match(v, /secret istio-ingress\/a-tls is of type Opaque without tls\.crt\/tls\.key/);
    });

    it("sees through helm.v4.Chart children: a rendered Deployment is the workload", async () => {
        const parent = resource("kubernetes:helm.sh/v4:Chart", { name: "gw", chart: "gateway", namespace: "edge", values: {} });
        const deployment = resource("kubernetes:apps/v1:Deployment", {
            metadata: { name: "gw", namespace: "edge" },
            spec: { template: { metadata: { labels: { istio: "gw" }, annotations: { "inject.istio.io/templates": "gateway" } } } },
        }, parent);
        const gw = gatewayObject("g", { istio: "gw" }, [https("https", ["x.example.com"], "x-tls")], "apps");
        const [v] = await runStackPolicy(credentialNameResolves, [parent, deployment, gw, tlsSecret("x-tls", "apps")]);
        assert.match(v, /credentialName "x-tls" has no secret in namespace edge, where its gateway pods \(edge\/gw\) run; one exists in apps/);
    });
});

describe("policy istio-gateway-selector-single-workload (stricter than Istio)", () => {
    it("is advisory; a selector matching nothing is istio-gateway-selector-matches' (IST0101)", async () => {
        assert.strictEqual(selectorSingleWorkload.enforcementLevel, "advisory");
        const stack = [...goodStack(), gatewayObject("typo", { istio: "ingressgateway" }, [])];
        assert.deepStrictEqual(await runStackPolicy(selectorSingleWorkload, stack), []);
        const [v] = await runStackPolicy(selectorMatches, stack);
        assert.match(v, /Gateway istio-ingress\/typo: selector \{"istio":"ingressgateway"\} matches no workload in this stack \(IST0101\).*istio-ingress\/istio-ingress-a/);
    });

    it("fails a selector that matches two gateways (the chart's shared default labels)", async () => {
        const shared = (gw: string) => resource("kubernetes:helm.sh/v3:Release", { name: `gw-${gw}`, chart: "gateway", namespace: "istio-ingress", values: { labels: { istio: "ingressgateway" } } });
        const stack = [shared("a"), shared("b"), gatewayObject("g", { istio: "ingressgateway" }, [])];
        const [v] = await runStackPolicy(selectorSingleWorkload, stack);
        assert.match(v, /matches 2 gateway workloads \(istio-ingress\/gw-a, istio-ingress\/gw-b\)/);
    });

    it("derives the chart's labels from the release name when values.labels is absent", async () => {
        const plain = resource("kubernetes:helm.sh/v4:Chart", { name: "istio-ingressgateway", chart: "gateway", namespace: "istio-system", values: {} });
        const gw = gatewayObject("g", { istio: "ingressgateway" }, []);
        assert.deepStrictEqual(await runStackPolicy(selectorSingleWorkload, [plain, gw]), []);
        assert.deepStrictEqual(await runStackPolicy(selectorMatches, [plain, gw]), []);
    });
});

describe("policy istio-virtualservice-gateway-resolves", () => {
    it("fails a reference to a missing Gateway, and a bare name resolved in the wrong namespace", async () => {
        const stack = [...goodStack(), vs("web", ["a.example.com"], ["a-gateway"], [rule("all")], "apps"), vs("x", ["a.example.com"], ["istio-ingress/nope"], [rule("all")])];
        const violations = await runStackPolicy(virtualServiceGatewaysResolve, stack);
        assert.strictEqual(violations.length, 2, violations.join("\n"));
        assert.match(violations[0], /VirtualService apps\/web: gateway "a-gateway" resolves to apps\/a-gateway, which is not a Gateway in this stack; did you mean istio-ingress\/a-gateway\? \(IST0101\)/);
        assert.match(violations[1], /VirtualService istio-ingress\/x: gateway "istio-ingress\/nope" resolves to istio-ingress\/nope/);
    });

    it("fails hosts no bound Gateway serves (IST0132); allows mesh and configured external gateways", async () => {
        const stack = [...goodStack(), vs("b", ["b.example.com"], ["istio-ingress/a-gateway"], [rule("all")]),
            vs("c", ["c.example.com"], ["mesh", "istio-system/shared"], [rule("all")])];
        const violations = await runStackPolicy(virtualServiceGatewaysResolve, stack, { externalGateways: ["istio-system/shared"] });
        assert.deepStrictEqual(violations, ["VirtualService istio-ingress/b: host(s) b.example.com are served by none of its gateways (istio-ingress/a-gateway) for namespace istio-ingress (IST0132); requests for them get 404. Use a host a bound gateway serves, or add it to a Gateway server."]);
    });
});

describe("policy istio-gateway-host-isolation (stricter than Istio)", () => {
    it("fails one host on two gateways, also through a wildcard", async () => {
        assert.strictEqual(hostIsolation.enforcementLevel, "advisory");
        const stack = [...goodStack(), gatewayObject("b-more", { istio: "ingress-b" }, [https("https-b-more", ["*.example.com"], "b-tls")])];
        const [v] = await runStackPolicy(hostIsolation, stack);
        assert.match(v, /Gateway istio-ingress\/b-more: host "\*\.example\.com" is also served by Gateway istio-ingress\/a-gateway as "a\.example\.com"/);
    });

    it("passes one host on two Gateway objects of the same gateway pods", async () => {
        const stack = [...goodStack(), gatewayObject("a-more", { istio: "ingress-a" }, [{ port: { number: 80, name: "http-a", protocol: "HTTP" }, hosts: ["a.example.com"] }])];
        assert.deepStrictEqual(await runStackPolicy(hostIsolation, stack), []);
    });
});

describe("policy metallb-ip-in-pool", () => {
    it("fails a requested IP outside every pool", async () => {
        const stack = goodStack().map((r) => r.props.chart === "gateway" && r.props.name === "istio-ingress-b"
            ? chart("b", { service: { annotations: { "metallb.io/loadBalancerIPs": "10.0.9.9" } } }) : r);
        const [v] = await runStackPolicy(ipsInPools, stack);
        assert.match(v, /Service istio-ingress\/istio-ingress-b \(gateway chart\): requested IP 10\.0\.9\.9 is in no IPAddressPool \(pools: gateways \(10\.0\.0\.1-10\.0\.0\.2\)\)/);
    });

    it("fails overlapping pools and an IP inside two of them", async () => {
        const violations = await runStackPolicy(ipsInPools, [...goodStack(), pool("more", ["10.0.0.0/30"])]);
        assert.ok(violations.some((v) => /IPAddressPools gateways and more overlap/.test(v)), violations.join("\n"));
        assert.ok(violations.some((v) => /requested IP 10\.0\.0\.1 is in 2 pools \(gateways, more\)/.test(v)), violations.join("\n"));
    });

    it("fails an IP outside the pool the Service names", async () => {
        const svc = resource("kubernetes:core/v1:Service", { metadata: { name: "web", namespace: "apps", annotations: {
            "metallb.io/loadBalancerIPs": "10.0.0.1", "metallb.io/address-pool": "public" } }, spec: { type: "LoadBalancer" } });
        const [v] = await runStackPolicy(ipsInPools, [pool("gateways", ["10.0.0.0/30"]), pool("public", ["10.1.0.0/30"]), svc]);
        assert.match(v, /requested IP 10\.0\.0\.1 is in pool gateways, but the Service asks for pool public/);
    });

    it("reads IPv6 and the deprecated spec.loadBalancerIP too", async () => {
        const svc = resource("kubernetes:core/v1:Service", { metadata: { name: "v6", namespace: "apps" }, spec: { type: "LoadBalancer", loadBalancerIP: "fd00::1:1" } });
        const [v] = await runStackPolicy(ipsInPools, [pool("v6", ["fd00::/120"]), svc]);
        assert.match(v, /requested IP fd00::1:1 is in no IPAddressPool/);
    });
});

describe("policy istio-virtualservice-unreachable-routes", () => {
    it("fails a rule after a catch-all, after a covering prefix, and a duplicate match", async () => {
        const bad = vs("bad", ["a.example.com"], ["istio-ingress/a-gateway"], [
            rule("api", { prefix: "/api" }), rule("api-v1", { prefix: "/api/v1" }), rule("dup", { prefix: "/api" }),
            rule("all"), rule("hello", { exact: "/hello" }),
        ]);
        const violations = await runStackPolicy(unreachableRoutes, [bad]);
        assert.deepStrictEqual(violations.map((v) => v.match(/http\[(\d+)\] \((\S+)\) can never match: http\[(\d+)\]/)!.slice(1).join(" ")), [
            "1 api-v1 0", "2 dup 0", "4 hello 3",
        ]);
    });

    it("passes a rule with extra conditions before a plain one", async () => {
        const ok = vs("ok", ["a.example.com"], ["istio-ingress/a-gateway"], [
            { name: "canary", match: [{ uri: { prefix: "/" }, headers: { canary: { exact: "1" } } }], route: [] }, rule("all"),
        ]);
        assert.deepStrictEqual(await runStackPolicy(unreachableRoutes, [ok]), []);
    });

    it("fails overlapping matches split across VirtualServices of one gateway host (istio-virtualservice-split-overlap, advisory)", async () => {
        assert.strictEqual(virtualServiceSplitOverlap.enforcementLevel, "advisory");
        const stack = [...goodStack(), vs("a-more", ["a.example.com"], ["istio-ingress/a-gateway"], [rule("hello2", { exact: "/hello" })])];
        assert.deepStrictEqual(await runStackPolicy(unreachableRoutes, stack), []);
        const [v] = await runStackPolicy(virtualServiceSplitOverlap, stack);
        assert.match(v, /VirtualServices istio-ingress\/a and istio-ingress\/a-more both route host "a\.example\.com" on gateway istio-ingress\/a-gateway with overlapping matches/);
    });
});

describe("stack policies with values unknown during preview", () => {
    for (const policy of every) {
        it(`${policy.name} neither crashes nor reports on an unknown spec`, async () => {
            const stack = goodStack().map((r) => (/Gateway$|VirtualService$|IPAddressPool$/.test(r.type) ? { ...r, props: unknownField(r.props, "spec") } : r));
            assert.deepStrictEqual(await runStackPolicy(policy, stack), []);
        });

        it(`${policy.name} neither crashes nor reports on unknown secret names and chart values`, async () => {
            const stack = goodStack().map((r) => r.type.endsWith(":Secret") ? { ...r, props: unknownField(r.props, "metadata") }
                : r.type.endsWith(":Chart") ? { ...r, props: unknownField(r.props, "values") } : r);
            assert.deepStrictEqual(await runStackPolicy(policy, stack), []);
        });
    }
});
