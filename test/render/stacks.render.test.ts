// The committed stacks rendered with the real charts, every check of ./checks on each; then one
// mistake at a time in the dev stack, to show the checks catch it on the real charts too.
import * as assert from "assert";
import {
    CHART_TYPE, ProgramEvaluation, ProgramResource, RenderSet, assertNoProblems, crdCoverageProblems, gatewayServiceProblems,
    gatewaySelectorProblems, metallbProblems, parseTypeToken, renderForTest, renderProblems, resourceProblems, sizingProblemsOf, unusedValueProblems,
} from ".";
import { evaluateStack } from "./program";
import { STACKS } from "../helpers/stacks";

for (const stack of STACKS) {
    describe(`helm render of Pulumi.${stack}.yaml`, function () {
        let set: RenderSet;
        before(async function () {
            set = await renderForTest(await evaluateStack(stack), this);
        });

        it("renders every chart with the values as passed (values schemas, kubeVersion)", () => assertNoProblems(renderProblems(set)));
        it("sets no value a chart ignores", () => assertNoProblems(unusedValueProblems(set)));
        it("selects exactly one gateway's pods with each Istio Gateway", () => assertNoProblems(gatewaySelectorProblems(set)));
        it("exposes each gateway on a MetalLB LoadBalancer Service with every Gateway port", () => assertNoProblems(gatewayServiceProblems(set)));
        it("sizes istiod and the gateways as configured (replicas, HPA, PDB, anti-affinity)", () => assertNoProblems(sizingProblemsOf(set)));
        it("gives no container requests above its limits", () => assertNoProblems(resourceProblems(set)));
        it("installs MetalLB's CRDs, speaker and controller, with FRR-K8s exactly when BGP is configured", () => assertNoProblems(metallbProblems(set)));
        it("installs a served CRD version for every custom resource the program creates", () => assertNoProblems(crdCoverageProblems(set)));
    });
}

/** The evaluation with the inputs of the first resource `pick` accepts changed by `edit`. */
function withEdit(ev: ProgramEvaluation, pick: (r: ProgramResource) => boolean, edit: (inputs: Record<string, any>) => void): ProgramEvaluation {
    const target = ev.resources.find(pick);
    assert.ok(target, "no resource to edit");
    return {
        resources: ev.resources.map((r) => {
            if (r !== target) return r;
            const inputs = structuredClone(r.inputs);
            edit(inputs);
            return { ...r, inputs };
        }),
    };
}

const isGatewayChart = (r: ProgramResource) => r.type === CHART_TYPE && /(^|\/)gateway(-[^/]*\.tgz)?$/.test(String(r.inputs.chart));
const isIstioGateway = (r: ProgramResource) => parseTypeToken(r.type)?.group === "networking.istio.io" && parseTypeToken(r.type)?.kind === "Gateway";

describe("helm render: the checks catch mistakes on the real charts (dev stack)", function () {
    let dev: ProgramEvaluation;
    const render = async (ctx: Mocha.Context, ev: ProgramEvaluation) => renderForTest(ev, ctx);
    before(async () => {
        dev = await evaluateStack("dev");
    });

    it("a value key the gateway chart does not know", async function () {
        const set = await render(this, withEdit(dev, isGatewayChart, (i) => (i.values.service.externalTraficPolicy = "Local")));
        assert.match(unusedValueProblems(set).join("\n"), /value service\.externalTraficPolicy is not used by the chart/);
    });

    it("a value the chart's values schema rejects", async function () {
        const set = await render(this, withEdit(dev, isGatewayChart, (i) => (i.values.replicaCount = "two")));
        assert.match(renderProblems(set).join("\n"), /helm template failed: .*replicaCount/s);
    });

    it("a Gateway selector that matches no gateway pods", async function () {
        const set = await render(this, withEdit(dev, isIstioGateway, (i) => (i.spec.selector = { istio: "no-such-gateway" })));
        assert.match(gatewaySelectorProblems(set).join("\n"), /selector \{"istio":"no-such-gateway"\} matches the pods of no gateway/);
    });

    it("a Gateway port the gateway Service does not expose", async function () {
        const ports = [{ name: "status-port", port: 15021, protocol: "TCP", targetPort: 15021 }, { name: "http2", port: 80, protocol: "TCP", targetPort: 80 }];
        const set = await render(this, withEdit(dev, isGatewayChart, (i) => (i.values.service = { ...i.values.service, ports })));
        assert.match(gatewayServiceProblems(set).join("\n"), /does not expose port 443 of Gateway/);
    });

    it("a pod security context that drops the chart's unprivileged-port sysctl", async function () {
        const set = await render(this, withEdit(dev, isGatewayChart, (i) => (i.values.securityContext = { runAsNonRoot: true })));
        assert.match(gatewayServiceProblems(set).join("\n"), /makes Envoy listen on 443, which .* may not bind/);
    });
});
