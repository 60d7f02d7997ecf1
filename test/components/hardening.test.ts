import * as assert from "assert";
import { parseStackConfig } from "../../config";
import { Evaluation, RegisteredResource, isSecretValue, resolve, reveal } from "../helpers/mocks";
import { EdgeOutputs, T, chartByRelease, evaluateEdge, evaluateStackEdge, gatewayChartPodLabels, gatewayCharts, selects } from "../helpers/edge";
import { STACKS, editedConfig, stackConfig } from "../helpers/stacks";


/** Strings holding private key material that reach the engine without a secret marker. */
function plainPrivateKeys(value: unknown, path = ""): string[] {
    if (isSecretValue(value)) return [];
    if (typeof value === "string") return /PRIVATE KEY/.test(value) ? [path] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => plainPrivateKeys(v, `${path}[${i}]`));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => plainPrivateKeys(v, `${path}.${k}`));
    return [];
}

/** Longest chain of dependencies (in resources) through the graph the engine would see. */
function longestChain(ev: Evaluation<unknown>): number {
    const memo = new Map<string, number>();
    const depth = (urn: string): number => {
        if (!memo.has(urn)) {
            memo.set(urn, 0);
            const deps = ev.resources.find((r) => r.urn === urn)?.dependencies ?? [];
            memo.set(urn, 1 + Math.max(0, ...deps.map(depth)));
        }
        return memo.get(urn)!;
    };
    return Math.max(...ev.resources.map((r) => depth(r.urn)));
}

/** Resources a component created, directly or through child components. */
function descendants(ev: Evaluation<unknown>, component: RegisteredResource): RegisteredResource[] {
    const out: RegisteredResource[] = [];
    const walk = (urn: string) => ev.resources.filter((r) => r.parent === urn).forEach((r) => { out.push(r); walk(r.urn); });
    walk(component.urn);
    return out;
}

const component = (ev: Evaluation<unknown>, type: string, name: string) => ev.resources.find((r) => r.type === type && r.name === name)!;

/** A config with `n` gateways, each on its own IP with one host and one route. */
function gatewaysConfig(n: number) {
    return parseStackConfig({
        metallb: { pools: [{ name: "lb", addresses: ["10.0.0.0/24"], autoAssign: false }] },
        gateways: Array.from({ length: n }, (_, i) => ({
            name: `gw${i}`, ip: `10.0.0.${i + 1}`, hosts: [`h${i}.example.com`],
            routes: [{ name: "web", match: { prefix: "/" }, destination: { host: "web", port: 80 } }],
        })),
    });
}

describe("hardening: the internal gateway is really internal", () => {
    let ev: Evaluation<EdgeOutputs>;
    before(async () => { ev = await evaluateStackEdge("prod"); });

    it("restricts the secondary gateway's Service to private ranges and keeps client IPs (Local)", () => {
        const ranges = stackConfig("prod").gateways[1].allowedSourceRanges;
        assert.deepStrictEqual(ranges, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]);
        const service = chartByRelease(ev, "istio-ingress-secondary").inputs.values.service;
        assert.deepStrictEqual(service.loadBalancerSourceRanges, ranges);
        assert.strictEqual(service.externalTrafficPolicy, "Local");
        const primary = chartByRelease(ev, "istio-ingress-primary").inputs.values.service;
        assert.strictEqual(primary.loadBalancerSourceRanges, undefined);
        assert.strictEqual(primary.externalTrafficPolicy, "Cluster");
    });

    it("enforces the same ranges with an AuthorizationPolicy on the secondary gateway's pods only", () => {
        const policies = ev.ofType(T.authorizationPolicy);
        assert.strictEqual(policies.length, 1);
        const [policy] = policies;
        assert.strictEqual(policy.inputs.spec.action, "ALLOW");
        assert.deepStrictEqual(policy.inputs.spec.rules, [{ from: [{ source: { remoteIpBlocks: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"] } }] }]);
        const selected = gatewayCharts(ev).filter((c) => selects(policy.inputs.spec.selector.matchLabels, gatewayChartPodLabels(c)));
        assert.deepStrictEqual(selected.map((c) => c.inputs.name), ["istio-ingress-secondary"]);
        assert.strictEqual(policy.inputs.metadata.namespace, selected[0].inputs.namespace);
    });
});

describe("hardening: mesh security", () => {
    it("sets mesh-wide mTLS: STRICT in prod, PERMISSIVE in dev, in Istio's root namespace", async () => {
        for (const [stack, mode] of [["prod", "STRICT"], ["dev", "PERMISSIVE"]]) {
            const ev = await evaluateStackEdge(stack);
            const [pa] = ev.ofType(T.peerAuthentication);
            assert.deepStrictEqual([pa.inputs.metadata.name, pa.inputs.metadata.namespace, pa.inputs.spec.mtls.mode], ["default", "istio-system", mode]);
            assert.ok(ev.transitiveDependencies(pa.urn).has(chartByRelease(ev, "istiod").urn));
        }
    });

    it("labels the configured application namespaces for sidecar injection", async () => {
        const ev = await evaluateStackEdge("prod");
        const labelled = ev.ofType(T.namespace).filter((n) => n.inputs.metadata.labels?.["istio-injection"] === "enabled").map((n) => n.inputs.metadata.name);
        assert.deepStrictEqual(labelled.sort(), ["admin", "api", "tools", "web"]);
    });
});

describe("hardening: PKI safety", () => {
    it("protects the CA key and certificate in prod, and nothing else", async () => {
        const ev = await evaluateStackEdge("prod");
        const protectedNames = ev.resources.filter((r) => r.protect).map((r) => r.name).sort();
        assert.deepStrictEqual(protectedNames, ["edge-pki-ca-cert", "edge-pki-ca-key"]);
        const dev = await evaluateStackEdge("dev");
        assert.deepStrictEqual(dev.resources.filter((r) => r.protect), []);
    });

    it("renews a leaf in its early-renewal window without touching the CA or the Gateway", async () => {
        const config = stackConfig("prod");
        const renewed = "edge-pki-primary-www-example-com-cert";
        const before = await evaluateEdge(config);
        // The provider re-issues a leaf whose renewal window is reached: a new certificate.
        const after = await evaluateEdge(config, (type, name) => type === T.leafCert && name === renewed
            ? { certPem: "-----BEGIN CERTIFICATE-----\nrenewed\n-----END CERTIFICATE-----\n" } : undefined);
        const inputs = (ev: Evaluation<unknown>) => new Map(ev.resources.map((r) => [r.urn, JSON.stringify(reveal(r.inputs))]));
        const [a, b] = [inputs(before), inputs(after)];
        const changed = [...a.keys()].filter((urn) => a.get(urn) !== b.get(urn)).map((urn) => before.byUrn(urn));
        assert.deepStrictEqual(changed.map((r) => [r.type, r.inputs.metadata?.name]), [[T.secret, "primary-www-example-com-tls"]]);
        const leaf = before.ofType(T.leafCert).find((c) => c.name === renewed)!;
        assert.ok(leaf.inputs.earlyRenewalHours > 0 && leaf.inputs.earlyRenewalHours < leaf.inputs.validityPeriodHours);
        const [ca] = before.ofType(T.selfSigned);
        assert.strictEqual(ca.inputs.earlyRenewalHours, undefined, "the CA is never renewed automatically");
        for (const r of [...before.ofType(T.selfSigned), ...before.ofType(T.privateKey).filter((k) => k.name === "edge-pki-ca-key")]) {
            assert.ok(![...before.transitiveDependencies(r.urn)].some((urn) => before.byUrn(urn).type === T.leafCert), `${r.name} must not depend on a leaf`);
        }
    });

    it("uses ECDSA P-256 by default and accepts RSA of 2048 bits or more only", async () => {
        assert.strictEqual(parseStackConfig({ metallb: { pools: [{ name: "p", addresses: ["10.0.0.0/30"] }] }, gateways: [{ name: "g", ip: "10.0.0.1", hosts: ["a.example.com"] }] }).pki.keyAlgorithm, "ECDSA-P256");
        assert.throws(() => parseStackConfig(editedConfig("dev", (raw) => { raw.pki.keyAlgorithm = "RSA-1024"; })), /pki\.keyAlgorithm: "RSA-1024" is not valid/);
    });

    for (const stack of STACKS) {
        it(`keeps every private key secret in ${stack}: no plain output, no plain resource input`, async () => {
            const ev = await evaluateStackEdge(stack);
            const { gateways, etcHosts, caCertificatePem } = ev.result;
            const outputs = { gateways, etcHosts, caCertificatePem: await resolve(caCertificatePem) };
            assert.deepStrictEqual(plainPrivateKeys(JSON.parse(JSON.stringify(outputs))), []);
            const leaks = ev.resources.flatMap((r) => plainPrivateKeys(r.inputs, `${r.type} ${r.name}`));
            assert.deepStrictEqual(leaks, []);
            // And the walk does find key material where it is (marked secret).
            const secrets = ev.ofType(T.secret).filter((s) => s.inputs.type === "kubernetes.io/tls");
            assert.ok(secrets.length > 0 && secrets.every((s) => /PRIVATE KEY/.test(reveal(s.inputs.stringData)["tls.key"])));
        });
    }

    it("the secret walk itself reports a plain private key", () => {
        assert.deepStrictEqual(plainPrivateKeys({ a: [{ b: "-----BEGIN PRIVATE KEY-----" }] }), [".a[0].b"]);
    });
});

describe("hardening: gateways in prod", () => {
    it("sizes, spreads and protects the gateways from config", async () => {
        const ev = await evaluateStackEdge("prod");
        const primary = chartByRelease(ev, "istio-ingress-primary").inputs.values;
        assert.deepStrictEqual(primary.autoscaling, { enabled: true, minReplicas: 3, maxReplicas: 10, targetCPUUtilizationPercentage: 75 });
        assert.strictEqual(primary.replicaCount, 3);
        assert.deepStrictEqual(primary.podDisruptionBudget, { minAvailable: 1 });
        assert.ok(primary.resources.limits && primary.resources.requests);
        const preferred = primary.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm;
        assert.strictEqual(preferred.topologyKey, "kubernetes.io/hostname");
        assert.ok(selects(preferred.labelSelector.matchLabels, gatewayChartPodLabels(chartByRelease(ev, "istio-ingress-primary"))));
        const secondary = chartByRelease(ev, "istio-ingress-secondary").inputs.values;
        assert.deepStrictEqual(secondary.autoscaling, { enabled: false });
        assert.strictEqual(secondary.replicaCount, 2);
        assert.ok(secondary.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution);
    });
});

describe("hardening: a minimal, parallel resource graph", () => {
    let ev: Evaluation<EdgeOutputs>;
    before(async () => { ev = await evaluateStackEdge("prod"); });

    it("installs MetalLB and Istio in parallel", () => {
        const metallb = descendants(ev, component(ev, "istio-metallb-ingress:metallb:MetalLb", "edge-metallb"));
        const istio = descendants(ev, component(ev, "istio-metallb-ingress:istio:IstioMesh", "edge-istio"));
        const urns = (rs: RegisteredResource[]) => new Set(rs.map((r) => r.urn));
        for (const r of metallb) assert.ok(![...ev.transitiveDependencies(r.urn)].some((u) => urns(istio).has(u)), `${r.name} waits for Istio`);
        for (const r of istio) assert.ok(![...ev.transitiveDependencies(r.urn)].some((u) => urns(metallb).has(u)), `${r.name} waits for MetalLB`);
    });

    it("issues certificates in parallel with the charts", () => {
        for (const r of ev.resources.filter((x) => x.type.startsWith("tls:"))) {
            assert.ok(![...ev.transitiveDependencies(r.urn)].some((u) => ev.byUrn(u).type === T.chart), `${r.name} waits for a chart`);
        }
    });

    it("keeps the gateways independent of each other", async () => {
        const wide = await evaluateEdge(gatewaysConfig(6));
        const gateways = wide.ofType("istio-metallb-ingress:gateway:IngressGateway");
        assert.strictEqual(gateways.length, 6);
        for (const gw of gateways) {
            const others = new Set(gateways.filter((g) => g !== gw).flatMap((g) => [g.urn, ...descendants(wide, g).map((d) => d.urn)]));
            for (const r of descendants(wide, gw)) {
                assert.ok(![...wide.transitiveDependencies(r.urn)].some((u) => others.has(u)), `${r.name} waits for another gateway`);
            }
        }
    });

    it("does not lengthen the longest dependency chain as gateways are added", async () => {
        const small = longestChain(await evaluateEdge(gatewaysConfig(2)));
        const large = longestChain(await evaluateEdge(gatewaysConfig(12)));
        assert.strictEqual(large, small);
        // namespace → metallb chart → webhook check Job → pools → L2Advertisement → gateway chart; the
        // leaf chain key → csr → cert → secret → Gateway is shorter.
        assert.ok(small <= 6, `longest chain ${small}`);
    });
});

describe("hardening: determinism", () => {
    it("evaluating the same config twice gives byte-identical resource inputs", async () => {
        const snapshot = async () => {
            const ev = await evaluateEdge(stackConfig("prod"));
            return JSON.stringify(ev.resources.map((r) => [r.type, r.name, r.parent, [...r.dependencies].sort(), reveal(r.inputs)])
                .sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`)));
        };
        const [first, second] = [await snapshot(), await snapshot()];
        assert.ok(first.length > 10000);
        assert.strictEqual(first, second);
    });
});
