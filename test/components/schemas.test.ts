import * as assert from "assert";
import { parseStackConfig } from "../../config";
import { EdgeOutputs, T, evaluateEdge, evaluateStackEdge, gatewayCharts, chartByRelease } from "../helpers/edge";
import { Evaluation } from "../helpers/mocks";
import { chartValuesErrors, istioObjectErrors, metallbObjectErrors } from "../helpers/schemas";
import { editedConfig } from "../helpers/stacks";

// Each variant is evaluated once; its tests only read it.
const variants: Record<string, () => Promise<Evaluation<EdgeOutputs>>> = {
    dev: () => evaluateStackEdge("dev"),
    prod: () => evaluateStackEdge("prod"),
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

        it("every MetalLB IPAddressPool and L2Advertisement matches MetalLB's CRD schema", async () => {
            const ev = await evaluateOnce();
            const objects = [...ev.ofType(T.pool), ...ev.ofType(T.l2)];
            assert.ok(objects.length >= 2);
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
