// The pack against Istio's documented semantics: for each behaviour, one object set Istio accepts
// (no finding) and one it rejects or reports (a finding), for every served networking.istio.io
// version. Sources: istioctl analyze messages IST0101, IST0118, IST0130, IST0132, IST0145 and the
// Gateway / VirtualService validation webhook.
import * as assert from "assert";
import {
    conflictingGateways, gatewayHostOverlap, gatewayPortNamesDistinct, gatewayPortNamesUnique, gatewayValidation, selectorMatches, unreachableRoutes,
    virtualServiceGatewaysResolve, virtualServiceValidation,
} from "../../policy/policies";
import { StackResource } from "../../policy/lib/model";
import { resource, runResourcePolicy, runStackPolicy, unknownField } from "./harness";

const VERSIONS = ["v1", "v1beta1", "v1alpha3"];

/** A gateway Deployment as Istio's gateway chart renders it. */
const gatewayDeployment = (name: string, labels: Record<string, string>, namespace = "istio-ingress") =>
    resource("kubernetes:apps/v1:Deployment", {
        metadata: { name, namespace },
        spec: { template: { metadata: { labels, annotations: { "inject.istio.io/templates": "gateway" } } } },
    });

for (const version of VERSIONS) {
    const gateway = (name: string, selector: object, servers: object[], namespace = "istio-ingress") =>
        resource(`kubernetes:networking.istio.io/${version}:Gateway`, { metadata: { name, namespace }, spec: { selector, servers } });
    const http = (name: string, hosts: string[], number = 80, extra: object = {}) => ({ port: { number, name, protocol: "HTTP" }, hosts, ...extra });
    const virtualService = (name: string, namespace: string, spec: object) =>
        resource(`kubernetes:networking.istio.io/${version}:VirtualService`, { metadata: { name, namespace }, spec });
    const route = { route: [{ destination: { host: "web.apps.svc.cluster.local" } }] };

    describe(`Istio semantics, networking.istio.io/${version}`, () => {
        describe("port names: unique within one Gateway only", () => {
            it("accepts two Gateways of the same gateway pods reusing a name (Istio does; the convention rule is advisory)", async () => {
                const stack = [gatewayDeployment("gw", { istio: "gw" }),
                    gateway("a", { istio: "gw" }, [http("http", ["a.example.com"])]), gateway("b", { istio: "gw" }, [http("http", ["b.example.com"])])];
                for (const r of stack) assert.deepStrictEqual(await runResourcePolicy(gatewayPortNamesUnique, r), []);
                assert.strictEqual(gatewayPortNamesDistinct.enforcementLevel, "advisory");
            });

            it("flags a name used twice inside one Gateway, with the webhook's reason", async () => {
                const gw = gateway("a", { istio: "gw" }, [http("http", ["a.example.com"]), http("http", ["b.example.com"], 8080)]);
                const [v] = await runResourcePolicy(gatewayPortNamesUnique, gw);
                assert.match(v, /servers\[1\]: port name "http" is also used by servers\[0\] of this Gateway; Istio's webhook refuses duplicate port names/);
            });
        });

        describe("VirtualService hosts over the union of its gateways (IST0132) and references (IST0101)", () => {
            const base = (): StackResource[] => [
                gatewayDeployment("gw", { istio: "gw" }),
                gateway("a", { istio: "gw" }, [http("http-a", ["a.example.com"])]),
                gateway("b", { istio: "gw" }, [http("http-b", ["*.b.example.com"], 8080)]),
                gateway("scoped", { istio: "gw" }, [http("http-s", ["apps/s.example.com", "./own.example.com", "*/any.example.com"], 9090)]),
            ];

            it("accepts hosts each served by one of the bound Gateways, wildcards included", async () => {
                const stack = [...base(), virtualService("v", "apps", { hosts: ["a.example.com", "x.b.example.com"], gateways: ["istio-ingress/a", "istio-ingress/b"], http: [route] })];
                assert.deepStrictEqual(await runStackPolicy(virtualServiceGatewaysResolve, stack), []);
            });

            it("flags a host no bound Gateway serves", async () => {
                const stack = [...base(), virtualService("v", "apps", { hosts: ["a.example.com", "c.example.com"], gateways: ["istio-ingress/a", "istio-ingress/b"], http: [route] })];
                const [v] = await runStackPolicy(virtualServiceGatewaysResolve, stack);
                assert.match(v, /host\(s\) c\.example\.com are served by none of its gateways \(istio-ingress\/a, istio-ingress\/b\).*\(IST0132\)/);
            });

            it("applies the namespace part of server hosts: ns/, ./ and */", async () => {
                const ok = [...base(),
                    virtualService("in-apps", "apps", { hosts: ["s.example.com", "any.example.com"], gateways: ["istio-ingress/scoped"], http: [route] }),
                    virtualService("own", "istio-ingress", { hosts: ["own.example.com"], gateways: ["scoped"], http: [route] })];
                assert.deepStrictEqual(await runStackPolicy(virtualServiceGatewaysResolve, ok), []);
                const bad = [...base(),
                    virtualService("elsewhere", "web", { hosts: ["s.example.com"], gateways: ["istio-ingress/scoped"], http: [route] }),
                    virtualService("not-own", "apps", { hosts: ["own.example.com"], gateways: ["istio-ingress/scoped"], http: [route] })];
                const violations = await runStackPolicy(virtualServiceGatewaysResolve, bad);
                assert.strictEqual(violations.length, 2, violations.join("\n"));
                assert.match(violations[0], /web\/elsewhere: host\(s\) s\.example\.com .* for namespace web/);
                assert.match(violations[1], /apps\/not-own: host\(s\) own\.example\.com/);
            });

            it("treats mesh as the sidecars and a Gateway API Gateway's <ns>/<name> as a gateway", async () => {
                const k8sGateway = resource("kubernetes:gateway.networking.k8s.io/v1:Gateway", {
                    metadata: { name: "edge", namespace: "gw-api" },
                    spec: { gatewayClassName: "istio", listeners: [{ name: "http", port: 80, protocol: "HTTP", hostname: "*.k8s.example.com" }] },
                });
                const ok = [...base(), k8sGateway,
                    virtualService("m", "apps", { hosts: ["web.apps.svc.cluster.local"], gateways: ["mesh"], http: [route] }),
                    virtualService("k", "apps", { hosts: ["x.k8s.example.com"], gateways: ["gw-api/edge"], http: [route] })];
                assert.deepStrictEqual(await runStackPolicy(virtualServiceGatewaysResolve, ok), []);
                const bad = [...base(), k8sGateway, virtualService("k", "apps", { hosts: ["x.other.example.com"], gateways: ["gw-api/edge", "gw-api/missing"], http: [route] })];
                const violations = await runStackPolicy(virtualServiceGatewaysResolve, bad);
                assert.strictEqual(violations.length, 1, violations.join("\n"));
                assert.match(violations[0], /gateway "gw-api\/missing" resolves to gw-api\/missing, which is not a Gateway in this stack \(IST0101\)/);
            });
        });

        describe("conflicting Gateways (IST0145, as Istio 1.30.3's analyzer) and the advisory host overlap", () => {
            const pods = () => [gatewayDeployment("gw", { istio: "gw", app: "edge" }), gatewayDeployment("other", { istio: "other" })];
            const tcp = (name: string, hosts: string[], number = 80) => ({ port: { number, name, protocol: "TCP" }, hosts });
            const both = async (stack: StackResource[], config: Record<string, unknown> = {}) =>
                ({ ist0145: await runStackPolicy(conflictingGateways, stack, config), overlap: await runStackPolicy(gatewayHostOverlap, stack, config) });

            it("accepts the same host on different port numbers, different selectors, or different binds", async () => {
                const stack = [...pods(),
                    gateway("a", { istio: "gw" }, [http("http", ["foo.example.com"])]),
                    gateway("b", { istio: "other" }, [http("http", ["foo.example.com"])]),
                    gateway("c", { istio: "gw" }, [http("http", ["foo.example.com"], 8080)]),
                    gateway("d", { istio: "gw" }, [http("http", ["foo.example.com"], 80, { bind: "10.0.0.1" })])];
                assert.deepStrictEqual(await both(stack), { ist0145: [], overlap: [] });
            });

            it("flags the identical host on the same selector and port number on each Gateway, whatever the protocol (Istio's own testdata: TCP and HTTP)", async () => {
                assert.strictEqual(conflictingGateways.enforcementLevel, "mandatory");
                const stack = [...pods(),
                    gateway("alpha", { istio: "gw" }, [http("http", ["foo.example.com"])]),
                    gateway("beta", { istio: "gw" }, [tcp("tcp", ["foo.example.com", "other.example.com"])])];
                const { ist0145, overlap } = await both(stack);
                assert.strictEqual(ist0145.length, 2, ist0145.join("\n"));
                assert.match(ist0145[0], /^Gateway istio-ingress\/alpha servers\[0\]: conflicts with Gateway istio-ingress\/beta \(IST0145\): same gateway workload \(istio-ingress\/gw\), port 80 and host "foo\.example\.com"\..*Put the host in one Gateway/);
                assert.match(ist0145[1], /^Gateway istio-ingress\/beta servers\[0\]: conflicts with Gateway istio-ingress\/alpha \(IST0145\): .*host "foo\.example\.com"\./);
                assert.deepStrictEqual(overlap, [], "the identical host is IST0145's finding only");
            });

            it("names every other Gateway, sorted, in one finding per server, as istioctl does", async () => {
                const stack = [...pods(), ...["c", "a", "b"].map((n) => gateway(n, { istio: "gw" }, [http("http", ["foo.example.com"])]))];
                const ist0145 = await runStackPolicy(conflictingGateways, stack);
                assert.strictEqual(ist0145.length, 3, ist0145.join("\n"));
                assert.match(ist0145[0], /^Gateway istio-ingress\/c servers\[0\]: conflicts with Gateways istio-ingress\/a, istio-ingress\/b \(IST0145\)/);
            });

            it("reports a wildcard and a name it matches only as the advisory overlap (*/* and testing-01.com on plain HTTP)", async () => {
                assert.strictEqual(gatewayHostOverlap.enforcementLevel, "advisory");
                assert.match(gatewayHostOverlap.description, /^Stricter than Istio/);
                const stack = [...pods(),
                    gateway("a", { istio: "gw" }, [http("http", ["*/*"])]),
                    gateway("b", { istio: "gw" }, [http("http", ["testing-01.com"])]),
                    gateway("c", { istio: "gw" }, [http("http", ["*.example.com"], 8080)]),
                    gateway("d", { istio: "gw" }, [http("http", ["a.example.com"], 8080)])];
                const { ist0145, overlap } = await both(stack);
                assert.deepStrictEqual(ist0145, []);
                // c (port 8080) does not meet a (port 80).
                assert.strictEqual(overlap.length, 2, overlap.join("\n"));
                assert.match(overlap[0], /^Gateway istio-ingress\/b servers\[0\]: host "testing-01\.com" overlaps "\*\/\*" of Gateway istio-ingress\/a on the same gateway workload \(istio-ingress\/gw\) and port 80; Istio accepts it/);
                assert.match(overlap[1], /^Gateway istio-ingress\/d servers\[0\]: host "a\.example\.com" overlaps "\*\.example\.com" of Gateway istio-ingress\/c .* port 8080/);
            });

            it("compares host strings exactly: */h, ns/h and h are different hosts to IST0145 (the overlap rule reports them)", async () => {
                const stack = [...pods(),
                    gateway("a", { istio: "gw" }, [http("http", ["*/foo.example.com"])]),
                    gateway("b", { istio: "gw" }, [http("http", ["foo.example.com"])]),
                    gateway("c", { istio: "gw" }, [http("http", ["apps/Foo.example.com"])])];
                const { ist0145, overlap } = await both(stack);
                assert.deepStrictEqual(ist0145, []);
                assert.strictEqual(overlap.length, 2, overlap.join("\n"));
                assert.match(overlap[0], /istio-ingress\/b servers\[0\]: host "foo\.example\.com" overlaps "\*\/foo\.example\.com"/);
                assert.match(overlap[1], /istio-ingress\/c servers\[0\]: host "apps\/Foo\.example\.com" overlaps/);
            });

            it("follows Istio's selector rule: a contained selector meets on pods with both labels, others never", async () => {
                const stack = [...pods(), gatewayDeployment("abc", { a: "1", b: "1", c: "1" }),
                    // "istio=gw" is contained in "app=edge,istio=gw" and istio-ingress/gw carries both: IST0145.
                    gateway("alpha", { istio: "gw" }, [http("http", ["foo.example.com"])]),
                    gateway("beta", { istio: "gw", app: "edge" }, [http("http", ["foo.example.com"])]),
                    // "istio=gw" is contained in "istio=gw2", but no workload carries both: nothing.
                    gateway("gamma", { istio: "gw2" }, [http("http", ["foo.example.com"])]),
                    // "a=1,c=1" is not contained in "a=1,b=1,c=1": Istio does not compare them, though both pick istio-ingress/abc.
                    gateway("x", { a: "1", c: "1" }, [http("http", ["bar.example.com"])]),
                    gateway("y", { a: "1", b: "1", c: "1" }, [http("http", ["bar.example.com"])])];
                const { ist0145, overlap } = await both(stack);
                assert.strictEqual(ist0145.length, 2, ist0145.join("\n"));
                assert.match(ist0145[0], /istio-ingress\/alpha servers\[0\]: conflicts with Gateway istio-ingress\/beta \(IST0145\)/);
                assert.match(ist0145[1], /istio-ingress\/beta servers\[0\]: conflicts with Gateway istio-ingress\/alpha \(IST0145\)/);
                assert.strictEqual(overlap.length, 1, overlap.join("\n"));
                assert.match(overlap[0], /istio-ingress\/y servers\[0\]: host "bar\.example\.com" overlaps "bar\.example\.com" of Gateway istio-ingress\/x on the same gateway workload \(istio-ingress\/abc\)/);
            });

            it("flags identical selectors even when the stack creates no gateway pods; stays silent on unknown selectors", async () => {
                const stack = [gateway("a", { istio: "shared" }, [http("http", ["foo.example.com"])]), gateway("b", { istio: "shared" }, [http("http", ["foo.example.com"])])];
                const ist0145 = await runStackPolicy(conflictingGateways, stack);
                assert.strictEqual(ist0145.length, 2, ist0145.join("\n"));
                assert.match(ist0145[0], /same gateway workload \(selector \{"istio":"shared"\}\)/);
                const unknown = [stack[0], { ...stack[1], props: unknownField(stack[1].props, "spec") }];
                assert.deepStrictEqual(await both(unknown), { ist0145: [], overlap: [] });
            });

            it("keeps its configuration: kube-system is skipped unless included; scopeGatewayToNamespace separates namespaces", async () => {
                const system = [gateway("a", { istio: "shared" }, [http("http", ["foo.example.com"])], "kube-system"),
                    gateway("b", { istio: "shared" }, [http("http", ["foo.example.com"])], "kube-system")];
                assert.deepStrictEqual(await runStackPolicy(conflictingGateways, system), []);
                assert.strictEqual((await runStackPolicy(conflictingGateways, system, { includeSystemNamespaces: true })).length, 2);
                const spread = [gatewayDeployment("gw-a", { istio: "gw" }, "ns-a"), gatewayDeployment("gw-b", { istio: "gw" }, "ns-b"),
                    gateway("a", { istio: "gw" }, [http("http", ["foo.example.com"])], "ns-a"), gateway("b", { istio: "gw" }, [http("http", ["foo.example.com"])], "ns-b")];
                assert.strictEqual((await runStackPolicy(conflictingGateways, spread)).length, 2);
                assert.deepStrictEqual(await both(spread, { scopeGatewayToNamespace: true }), { ist0145: [], overlap: [] });
            });
        });

        describe("Gateway selectors match a workload (IST0101)", () => {
            const workloads = [
                resource("kubernetes:core/v1:Pod", { metadata: { name: "pod-gw", namespace: "edge", labels: { istio: "pod-gw" }, annotations: { "inject.istio.io/templates": "gateway" } } }),
                resource("kubernetes:apps/v1:StatefulSet", { metadata: { name: "sts", namespace: "edge" }, spec: { template: { metadata: { labels: { istio: "sts" } } } } }),
                resource("kubernetes:apps/v1:DaemonSet", { metadata: { name: "ds", namespace: "edge" }, spec: { template: { metadata: { labels: { istio: "ds" } } } } }),
                resource("kubernetes:apps/v1:ReplicaSet", { metadata: { name: "rs", namespace: "edge" }, spec: { template: { metadata: { labels: { istio: "rs" } } } } }),
            ];

            it("accepts selectors of Pods, StatefulSets, DaemonSets and ReplicaSets, in any namespace", async () => {
                const stack = [...workloads, ...["pod-gw", "sts", "ds", "rs"].map((l) => gateway(`g-${l}`, { istio: l }, [http("http", ["a.example.com"])], "apps"))];
                assert.deepStrictEqual(await runStackPolicy(selectorMatches, stack), []);
            });

            it("flags a selector matching none; with PILOT_SCOPE_GATEWAY_TO_NAMESPACE, one matching pods of another namespace", async () => {
                const stack = [...workloads, gateway("typo", { istio: "pod-gateway" }, [http("http", ["a.example.com"])], "edge"),
                    gateway("far", { istio: "sts" }, [http("http", ["b.example.com"])], "apps")];
                const [v, ...rest] = await runStackPolicy(selectorMatches, stack);
                assert.deepStrictEqual(rest, []);
                assert.match(v, /Gateway edge\/typo: selector \{"istio":"pod-gateway"\} matches no workload in this stack \(IST0101\)/);
                const scoped = await runStackPolicy(selectorMatches, stack, { scopeGatewayToNamespace: true });
                assert.strictEqual(scoped.length, 2);
                assert.match(scoped[1], /Gateway apps\/far: .* matches no workload in namespace apps/);
            });

            it("judges a stack whose only gateway is a helm.v3.Release (no Deployment at all)", async () => {
                const release = resource("kubernetes:helm.sh/v3:Release", { name: "istio-ingressgateway", chart: "gateway", namespace: "istio-system", values: {} });
                const ok = gateway("ok", { istio: "ingressgateway" }, [http("http", ["a.example.com"])], "apps");
                const typo = gateway("typo", { istio: "ingress-gateway" }, [http("http", ["a.example.com"])], "apps");
                assert.deepStrictEqual(await runStackPolicy(selectorMatches, [release, ok]), []);
                assert.strictEqual((await runStackPolicy(selectorMatches, [release, ok, typo])).length, 1);
            });

            it("is silent when the stack creates no gateway pods, unless configured to judge", async () => {
                const stack = [gateway("shared", { istio: "ingressgateway" }, [http("http", ["a.example.com"])], "apps")];
                assert.deepStrictEqual(await runStackPolicy(selectorMatches, stack), []);
                assert.strictEqual((await runStackPolicy(selectorMatches, stack, { workloadsInStack: true })).length, 1);
            });
        });

        describe("unreachable tls and tcp routes (IST0130)", () => {
            const tls = (sniHosts: string[], extra: object = {}) => ({ match: [{ sniHosts, ...extra }], route: [{ destination: { host: "x" } }] });
            const tcp = (match?: object) => ({ ...(match ? { match: [match] } : {}), route: [{ destination: { host: "x" } }] });
            const vsOf = (spec: object) => [virtualService("r", "apps", { hosts: ["a.example.com"], gateways: ["mesh"], ...spec })];

            it("accepts specific tls and tcp matches before wider ones", async () => {
                const ok = vsOf({
                    tls: [tls(["a.example.com"], { port: 443 }), tls(["*.example.com"], { port: 443 }), tls(["a.example.com"], { port: 8443 })],
                    tcp: [tcp({ port: 5432, sourceLabels: { app: "db" } }), tcp({ port: 5432 }), tcp({ destinationSubnets: ["10.0.0.0/24"] }), tcp()],
                });
                assert.deepStrictEqual(await runStackPolicy(unreachableRoutes, ok), []);
            });

            it("flags a tls match a wider earlier one takes, a duplicate, and tcp rules after a catch-all or a wider subnet", async () => {
                const bad = vsOf({
                    tls: [tls(["*.example.com"]), tls(["a.example.com"], { port: 443 }), tls(["*.example.com"])],
                    tcp: [tcp({ destinationSubnets: ["10.0.0.0/16"] }), tcp({ destinationSubnets: ["10.0.1.0/24"], port: 5432 }), tcp(), tcp({ port: 1 })],
                });
                const violations = await runStackPolicy(unreachableRoutes, bad);
                assert.deepStrictEqual(violations.map((v) => v.match(/: (\w+\[\d+\]) can never match: (\w+\[\d+\])/)!.slice(1).join(" < ")), [
                    "tls[1] < tls[0]", "tls[2] < tls[0]", "tcp[1] < tcp[0]", "tcp[3] < tcp[2]",
                ]);
            });
        });

        describe("Istio's validation webhook", () => {
            it("accepts hosts *, ns/*, ./name, */name, a wildcard name and an IP", async () => {
                const gw = gateway("edge", { istio: "gw" }, [http("http", ["*", "apps/*", "./a.example.com", "*/b.example.com", "*.c.example.com", "10.0.0.1"])]);
                assert.deepStrictEqual(await runResourcePolicy(gatewayValidation, gw), []);
            });

            it("flags short hosts (localhost, shop), a partial wildcard, a bad namespace and a dotted Gateway name", async () => {
                const gw = resource(`kubernetes:networking.istio.io/${version}:Gateway`, {
                    metadata: { name: "edge.v2", namespace: "istio-ingress" },
                    spec: { selector: { istio: "gw" }, servers: [http("http", ["localhost", "apps/shop", "*shop.example.com", "Bad_NS/a.example.com"])] },
                });
                const violations = await runResourcePolicy(gatewayValidation, gw);
                assert.strictEqual(violations.length, 5, violations.join("\n"));
                assert.match(violations[0], /invalid gateway name "edge\.v2"/);
                assert.match(violations[1], /host "localhost": short names \(non FQDN\) are not allowed/);
                assert.match(violations[2], /host "apps\/shop": short names \(non FQDN\) are not allowed/);
                assert.match(violations[3], /host "\*shop\.example\.com": partial wildcard|host "\*shop\.example\.com": domain name/);
                assert.match(violations[4], /invalid namespace value "Bad_NS" in gateway/);
            });

            it("flags VirtualService references Istio refuses and overlapping hosts; accepts valid ones", async () => {
                const ok = virtualService("ok", "apps", { hosts: ["a.example.com", "b.example.com"], gateways: ["istio-ingress/edge", "mesh", "edge"], http: [route] });
                assert.deepStrictEqual(await runResourcePolicy(virtualServiceValidation, ok), []);
                const bad = virtualService("bad", "apps", { hosts: ["*.example.com", "a.example.com"], gateways: ["./edge"], http: [route] });
                const violations = await runResourcePolicy(virtualServiceValidation, bad);
                assert.strictEqual(violations.length, 2, violations.join("\n"));
                assert.match(violations[0], /gateway "\.\/edge": invalid value for namespace: "\."/);
                assert.match(violations[1], /duplicate hosts in virtual service: \*\.example\.com & a\.example\.com/);
            });
        });

        describe("namespaces istioctl analyze skips", () => {
            it("ignores kube-system objects unless includeSystemNamespaces is set", async () => {
                const stack = [gatewayDeployment("gw", { istio: "gw" }),
                    gateway("typo", { istio: "nothing" }, [http("http", ["a.example.com"])], "kube-system"),
                    virtualService("v", "kube-public", { hosts: ["a.example.com"], gateways: ["missing"], http: [route] })];
                assert.deepStrictEqual(await runStackPolicy(selectorMatches, stack), []);
                assert.deepStrictEqual(await runStackPolicy(virtualServiceGatewaysResolve, stack), []);
                assert.strictEqual((await runStackPolicy(selectorMatches, stack, { includeSystemNamespaces: true })).length, 1);
                assert.strictEqual((await runStackPolicy(virtualServiceGatewaysResolve, stack, { includeSystemNamespaces: true })).length, 1);
            });
        });
    });
}
