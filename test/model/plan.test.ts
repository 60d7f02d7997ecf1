// The plan, tested directly: names unique by construction, every collision a user can write,
// namespaces planned once, probes for wildcards, routes in Istio's order. No Pulumi here.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackConfig } from "../../config";
import { EdgePlan, planEdge } from "../../model/plan";
import { uniqueNames } from "../../model/names";
import { STACKS, stackConfig } from "../helpers/stacks";

const pools = { pools: [{ name: "lb", addresses: ["10.0.0.0/24"] }] };
const gateway = (name: string, ip: string, hosts: string[], extra: object = {}) => ({ name, ip, hosts, ...extra });
const plan = (raw: Record<string, unknown>) => planEdge(parseStackConfig({ metallb: pools, ...raw }));

/** Every name the plan gives out, by the scope in which it must be unique. */
function nameScopes(p: EdgePlan): Record<string, string[]> {
    return {
        "certificate ids": ["ca", ...p.certificates.map((c) => c.id)],
        "secret names": p.certificates.map((c) => `${c.secretNamespace}/${c.secretName}`),
        "VirtualService names": p.gateways.flatMap((g) => g.virtualServices.map((v) => `${v.namespace}/${v.name}`)),
        "VirtualService resource names": p.gateways.flatMap((g) => g.virtualServices.map((v) => `${g.componentName}-${v.key}`)),
        "gateway components": ["metallb", "istio", "pki", "samples", ...p.gateways.map((g) => g.componentName)],
        ...Object.fromEntries(p.gateways.map((g) => [`port names of ${g.gateway.name}`, g.gateway.servers.map((s) => s.port.name)])),
    };
}

function assertUnique(p: EdgePlan): void {
    for (const [scope, names] of Object.entries(nameScopes(p))) {
        const dupes = names.filter((n, i) => names.indexOf(n) !== i);
        assert.deepStrictEqual(dupes, [], `${scope} collide`);
    }
}

describe("model: names cannot collide", () => {
    const cases: { title: string; raw: Record<string, unknown> }[] = [
        {
            title: "gateway a + host b-x.example.com vs gateway a-b + host x.example.com",
            raw: { gateways: [gateway("a", "10.0.0.1", ["b-x.example.com"]), gateway("a-b", "10.0.0.2", ["x.example.com"])] },
        },
        {
            title: "hosts a-b.x.example.com and a.b-x.example.com on one gateway",
            raw: { gateways: [gateway("g", "10.0.0.1", ["a-b.x.example.com", "a.b-x.example.com"], { routes: [{ name: "r", match: { prefix: "/" }, destination: { host: "web", port: 80 } }] })] },
        },
        {
            title: "*.x.example.com vs wildcard.x.example.com (one gateway: a wildcard and an explicit host under it)",
            raw: { gateways: [gateway("g", "10.0.0.1", ["*.x.example.com", "wildcard.x.example.com"], { routes: [{ name: "r", match: { prefix: "/" }, destination: { host: "web", port: 80 } }] })] },
        },
        {
            title: "a gateway named ca with one certificate per gateway",
            raw: { pki: { certificatePer: "gateway" }, gateways: [gateway("ca", "10.0.0.1", ["a.example.com"])] },
        },
        {
            title: "certificatePer gateway with hosts a-b.example.com and a.b.example.com",
            raw: {
                pki: { certificatePer: "gateway" },
                gateways: [gateway("g", "10.0.0.1", ["a-b.example.com", "a.b.example.com"], { routes: [{ name: "r", match: { prefix: "/" }, destination: { host: "web", port: 80 } }] })],
            },
        },
        {
            title: "gateway a + host b-vs-c.example.com vs gateway a-vs-b + host c.example.com",
            raw: {
                gateways: [
                    gateway("a", "10.0.0.1", ["b-vs-c.example.com"], { routes: [{ name: "r", match: { prefix: "/" }, destination: { host: "web", port: 80 } }] }),
                    gateway("a-vs-b", "10.0.0.2", ["c.example.com"], { routes: [{ name: "r", match: { prefix: "/" }, destination: { host: "web", port: 80 } }] }),
                ],
            },
        },
        {
            title: "a gateway named metallb (its chart would meet MetalLB's)",
            raw: { gateways: [gateway("metallb", "10.0.0.1", ["a.example.com"])] },
        },
    ];
    for (const c of cases) {
        it(`gives distinct names: ${c.title}`, () => assertUnique(plan(c.raw)));
    }

    it("the uniqueness check itself sees a collision (readable names alone would meet)", () => {
        const readable = uniqueNames([{ identity: "1", readable: "x" }, { identity: "2", readable: "x" }]);
        assert.notStrictEqual(readable[0], readable[1]);
        assert.match(readable[0], /^x-[0-9a-f]{6}$/);
        // A fixed name keeps its form; the other gives way.
        assert.deepStrictEqual(uniqueNames([{ identity: "ca", readable: "ca", fixed: true }, { identity: "gw", readable: "ca" }])[0], "ca");
    });

    it("keeps the names of every config that worked before (both committed stacks)", () => {
        for (const stack of STACKS) {
            const p = planEdge(stackConfig(stack));
            for (const c of p.certificates) assert.doesNotMatch(c.secretName, /-[0-9a-f]{6}-tls$/, c.secretName);
            assert.deepStrictEqual(p.gateways.map((g) => g.componentName), ["primary", "secondary"]);
        }
        const dev = planEdge(stackConfig("dev"));
        // The configured hosts keep their names; the addon hosts' certificates come after them.
        assert.deepStrictEqual(dev.certificates.slice(0, 3).map((c) => [c.id, c.secretName]), [
            ["primary-microk8s-local", "primary-microk8s-local-tls"],
            ["primary-microk8s-alt-local", "primary-microk8s-alt-local-tls"],
            ["secondary-microk8s-secondary-local", "secondary-microk8s-secondary-local-tls"],
        ]);
    });

    it("is stable: the same config plans the same names", () => {
        const raw = { gateways: [gateway("a", "10.0.0.1", ["b-x.example.com"]), gateway("a-b", "10.0.0.2", ["x.example.com"])] };
        assert.deepStrictEqual(plan(raw), plan(JSON.parse(JSON.stringify(raw))));
    });

    it("keeps derived names within Kubernetes' 253 characters for the longest valid host", () => {
        const label = (c: string) => c.repeat(63);
        const host = `${label("a")}.${label("b")}.${label("c")}.${"d".repeat(61)}`;
        assert.strictEqual(host.length, 253);
        const p = plan({ gateways: [gateway("g".repeat(39), "10.0.0.1", [host], { routes: [{ name: "r", match: { prefix: "/" }, destination: { host: "web", port: 80 } }] })] });
        for (const name of [p.certificates[0].secretName, p.gateways[0].virtualServices[0].name]) assert.ok(name.length <= 253, `${name.length}`);
    });
});

describe("model: the plan", () => {
    it("plans one Namespace object when gateways live beside istiod", () => {
        const p = plan({ istio: { gatewayNamespace: "istio-system" }, gateways: [gateway("g", "10.0.0.1", ["a.example.com"])] });
        assert.deepStrictEqual(p.namespaces.filter((n) => n.name === "istio-system").map((n) => n.roles), [["istio.namespace", "istio.gatewayNamespace"]]);
        const names = p.namespaces.map((n) => n.name);
        assert.strictEqual(new Set(names).size, names.length);
    });

    it("probes a wildcard with a name no gateway lists, and marks hosts without routes", () => {
        const p = plan({
            gateways: [
                gateway("a", "10.0.0.1", ["*.x.example.com", "demo.x.example.com"], {
                    routes: [{ name: "r", hosts: ["demo.x.example.com"], match: { prefix: "/" }, destination: { host: "web", port: 80 } }],
                }),
            ],
        });
        const [wild, demo] = p.gateways[0].endpoints;
        assert.strictEqual(wild.probeHost, "demo-1.x.example.com");
        assert.strictEqual(wild.routed, false);
        assert.strictEqual(demo.probeHost, "demo.x.example.com");
        assert.strictEqual(demo.routed, true);
        assert.deepStrictEqual(p.gateways[0].virtualServices.map((v) => v.host), ["demo.x.example.com"], "no VirtualService for a host without routes");
    });

    it("orders each host's routes exact first, then longer prefixes", () => {
        const route = (name: string, match: object) => ({ name, match, destination: { host: "web", port: 80 } });
        const p = plan({ gateways: [gateway("g", "10.0.0.1", ["a.example.com"], { routes: [route("all", { prefix: "/" }), route("api", { prefix: "/api/" }), route("x", { exact: "/x" })] })] });
        assert.deepStrictEqual(p.gateways[0].virtualServices[0].spec.http.map((h) => h.name), ["x", "api", "all"]);
    });

    it("a dual-stack gateway gets both families, RequireDualStack, and both IPs in the MetalLB annotation", () => {
        const p = planEdge(parseStackConfig({
            metallb: { pools: [{ name: "v4", addresses: ["10.0.0.0/24"] }, { name: "v6", addresses: ["fd00::/120"] }] },
            gateways: [gateway("g", ["10.0.0.1", "fd00::1"] as never, ["a.example.com"]), gateway("h", "fd00::2", ["b.example.com"])],
        }));
        const [dual, v6] = p.gateways.map((g) => (g.release.values as any).service);
        assert.deepStrictEqual([dual.ipFamilies, dual.ipFamilyPolicy], [["IPv4", "IPv6"], "RequireDualStack"]);
        assert.strictEqual(dual.annotations["metallb.io/loadBalancerIPs"], "10.0.0.1,fd00::1");
        assert.deepStrictEqual([v6.ipFamilies, v6.ipFamilyPolicy], [["IPv6"], "SingleStack"]);
        assert.match(p.gateways[1].endpoints[0].url, /^https:\/\/b\.example\.com\//);
        assert.deepStrictEqual(p.etcHosts, ["10.0.0.1 a.example.com", "fd00::1 a.example.com", "fd00::2 b.example.com"]);
    });

    it("installs charts from a local folder as <folder>/<chart>-<version>.tgz, and from oci:// registries", () => {
        // The folder must hold the chart file: the one check that reads the disk.
        const base = fs.mkdtempSync(path.join(os.tmpdir(), "airgap-"));
        fs.mkdirSync(path.join(base, "charts"));
        fs.writeFileSync(path.join(base, "charts", "metallb-0.16.1.tgz"), "");
        const local = planEdge(parseStackConfig({ metallb: { ...pools, repository: "./charts" }, gateways: [gateway("g", "10.0.0.1", ["a.example.com"])] }, { baseDir: base }));
        assert.deepStrictEqual(local.metallb.release.location, { kind: "file", path: "./charts/metallb-0.16.1.tgz", version: "0.16.1" });
        assert.throws(() => parseStackConfig({ metallb: { ...pools, repository: "./elsewhere" }, gateways: [gateway("g", "10.0.0.1", ["a.example.com"])] }, { baseDir: base }),
            /metallb\.repository: "\.\/elsewhere" has no metallb-0\.16\.1\.tgz .*the folder does not exist/);
        const oci = plan({ istio: { repository: "oci://registry.example.com/istio/" }, gateways: [gateway("g", "10.0.0.1", ["a.example.com"])] });
        assert.deepStrictEqual(oci.istio.istiod.location, { kind: "oci", chart: "oci://registry.example.com/istio/istiod", version: "1.30.3" });
    });
});
