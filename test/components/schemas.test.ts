import * as assert from "assert";
import { parseStackConfig } from "../../config";
import { EdgeOutputs, T, evaluateEdge, evaluateStackEdge, gatewayCharts, chartByRelease } from "../helpers/edge";
import { Evaluation } from "../helpers/mocks";
import { chartValuesErrors, istioObjectErrors, metallbObjectErrors } from "../helpers/schemas";
import { STACKS, editedConfig } from "../helpers/stacks";

/** dev with BGP beside layer 2, every peer and announcement option set (and a password). */
function everyBgpOption(raw: Record<string, any>): void {
    raw.metallb.pools[0].advertise = {
        l2: { interfaces: ["eth1"], nodeSelectors: [{ matchLabels: { "kubernetes.io/os": "linux" } }] },
        bgp: { aggregationLength: 32, communities: ["64512:100", "large:64512:1:2"], localPref: 200, peers: ["tor-a"], nodeSelectors: [{ matchExpressions: [{ key: "node-role.kubernetes.io/edge", operator: "Exists" }] }] },
    };
    raw.metallb.pools[1].advertise = { bgp: true };
    raw.metallb.bgp = {
        localASN: 64512,
        routerID: "192.168.49.2",
        peers: [
            { name: "tor-a", address: "192.168.49.1", asn: 64500, port: 1179, sourceAddress: "192.168.49.2", holdTime: "90s", keepaliveTime: "30s", ebgpMultiHop: true, password: "s3cret", bfd: { receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3, echoMode: false, passiveMode: false, minimumTtl: 254 }, nodeSelectors: [{ matchLabels: { rack: "a" } }] },
            { name: "tor-b", address: "192.168.49.254", asn: 64512, bfd: true },
        ],
    };
}

// Each variant is evaluated once; its tests only read it.
const variants: Record<string, () => Promise<Evaluation<EdgeOutputs>>> = {
    ...Object.fromEntries(STACKS.map((stack) => [stack, () => evaluateStackEdge(stack)])),
    // Every BGP object and option the config can write, on top of dev's layer-2 pools.
    "dev, every pool over BGP too, peers with every option": () => evaluateEdge(parseStackConfig(editedConfig("dev", everyBgpOption))),
    "dev, one certificate per gateway, no redirect": () => evaluateEdge(parseStackConfig(editedConfig("dev", (raw) => {
        raw.pki.certificatePer = "gateway";
        raw.gateways[0].httpsRedirect = false;
    }))),
};

for (const [title, evaluateVariant] of Object.entries(variants)) {
    describe(`emitted objects validate against upstream schemas (${title})`, () => {
        let evaluation: Promise<Evaluation<EdgeOutputs>> | undefined;
        const evaluateOnce = () => (evaluation ??= evaluateVariant());
        it("every Istio object (Gateway, VirtualService, AuthorizationPolicy, PeerAuthentication) matches Istio's CRD schema", async () => {
            const ev = await evaluateOnce();
            const objects = ev.resources.filter((r) => /^kubernetes:[a-z]+\.istio\.io\//.test(r.type));
            assert.ok(objects.length >= 5);
            assert.ok(objects.some((o) => o.type === T.peerAuthentication));
            for (const object of objects) {
                assert.deepStrictEqual(await istioObjectErrors(object.inputs as any), [], object.name);
            }
        });

        it("every MetalLB object (pools, advertisements, BGP peers, BFD profiles) matches MetalLB's CRD schema", async () => {
            const ev = await evaluateOnce();
            const objects = ev.resources.filter((r) => r.type.startsWith("kubernetes:metallb.io/"));
            assert.ok(objects.length >= 3);
            // The BGP variant writes every kind MetalLB's BGP mode has (Community aliases excepted: communities are written out).
            if (/BGP/.test(title)) {
                assert.deepStrictEqual([...new Set(objects.map((o) => o.inputs.kind))].sort(), ["BFDProfile", "BGPAdvertisement", "BGPPeer", "IPAddressPool", "L2Advertisement"]);
            }
            for (const object of objects) {
                assert.deepStrictEqual(metallbObjectErrors(object.inputs as any), [], object.name);
            }
        });

        it("chart values match the gateway and MetalLB charts' values.schema.json", async () => {
            const ev = await evaluateOnce();
            for (const chart of gatewayCharts(ev)) {
                assert.deepStrictEqual(chartValuesErrors("gateway", chart.inputs.values), [], chart.name);
            }
            assert.deepStrictEqual(chartValuesErrors("metallb", chartByRelease(ev, "metallb").inputs.values), []);
        });
    });
}

describe("the schema checks themselves catch mistakes", () => {
    it("an Istio Gateway with a string port number is invalid", async () => {
        const errors = await istioObjectErrors({
            apiVersion: "networking.istio.io/v1", kind: "Gateway",
            spec: { servers: [{ port: { number: "443", name: "https", protocol: "HTTPS" }, hosts: ["a.example.com"] }] },
        } as any);
        assert.match(errors.join(), /number must be integer/);
    });

    it("a MetalLB pool with a misspelt field is invalid", () => {
        const errors = metallbObjectErrors({
            apiVersion: "metallb.io/v1beta1", kind: "IPAddressPool",
            metadata: { name: "p", namespace: "metallb-system" }, spec: { addresses: ["10.0.0.0/30"], autoassign: false },
        } as any);
        assert.match(errors.join(), /must NOT have additional properties.*autoassign/);
    });

    it("gateway chart values with an unknown key are invalid", () => {
        assert.match(chartValuesErrors("gateway", { replicas: 2 }).join(), /additional properties.*replicas/);
    });
});
