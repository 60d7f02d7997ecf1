// Addon UIs (Grafana, Kiali, Prometheus, tracing) reachable only through restricted gateways.
import * as assert from "assert";
import { addonExposureRestricted, addonExposureUnrestricted } from "../../policy/policies";
import { StackResource } from "../../policy/lib/model";
import { resource, runStackPolicy } from "./harness";

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
