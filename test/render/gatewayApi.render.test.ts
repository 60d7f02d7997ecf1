// The committed stacks in gateway-api mode rendered with the real charts: no gateway chart, istiod
// with the mesh-wide TLS minimum, and every Gateway API object covered by a CRD of the pinned
// release manifest (found through $INGRESS_CHARTS_DIR, like the charts).
import * as assert from "assert";
import { RenderSet, allProblems, assertNoProblems, crdCoverageProblems, customResourceTypes, parseTypeToken, renderForTest } from ".";
import { evaluateGatewayApiStack } from "../helpers/gatewayApi";

for (const stack of ["dev", "prod"] as const) {
    describe(`helm render of Pulumi.${stack}.yaml in gateway-api mode`, function () {
        let set: RenderSet;
        before(async function () {
            set = await renderForTest(await evaluateGatewayApiStack(stack), this);
        });

        it("passes every render check, with no gateway chart and the Gateway API kinds found in the CRD manifest", () => {
            assertNoProblems(allProblems(set));
            assert.ok(!set.releases.some((r) => r.chart.name === "gateway"));
            const kinds = [...customResourceTypes(set.resources).keys()].filter((t) => parseTypeToken(t)!.group === "gateway.networking.k8s.io");
            assert.deepStrictEqual(kinds.map((t) => parseTypeToken(t)!.kind).sort(), ["Gateway", "HTTPRoute", "ReferenceGrant"]);
            const istiod = set.releases.find((r) => r.chart.name === "istiod")!;
            const mesh = istiod.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "istio")!;
            assert.match(mesh.data.mesh, /tlsDefaults:\s+minProtocolVersion: TLSV1_[23]/);
        });

        it("the coverage check misses the Gateway API kinds without the manifest", () => {
            const problems = crdCoverageProblems({ ...set, extraCrds: [] });
            assert.strictEqual(problems.length, 3, problems.join("\n"));
            assert.ok(problems.every((p) => /no CRD for it in the Gateway API manifest/.test(p)));
        });
    });
}
