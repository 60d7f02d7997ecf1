// Every BGP implementation the config can select (model/metallb.ts bgpImplementation), rendered with
// the real MetalLB chart: the values the program passes for it make the chart run that one, and the
// combinations the program refuses as "the chart refuses" are refused by the chart.
import * as assert from "assert";
import { parseStackConfig } from "../../config";
import { bgpImplementation } from "../../model/metallb";
import { metallbValues } from "../../model/values";
import { editedConfig } from "../helpers/stacks";
import { CHART_TYPE, ProgramEvaluation, RenderSet, assertNoProblems, metallbProblems, renderForTest } from ".";
import { evaluateStack } from "./program";

/** The metal stack's MetalLB release and objects only, its chart values those the program makes of `extra`. */
function metallbOnly(ev: ProgramEvaluation, extra: Record<string, unknown>): ProgramEvaluation {
    return {
        resources: ev.resources
            .filter((r) => (r.type === CHART_TYPE && r.inputs.name === "metallb") || r.type.startsWith("kubernetes:metallb.io/"))
            .map((r) => (r.type === CHART_TYPE ? { ...r, inputs: { ...r.inputs, values: metallbValues(extra, true) } } : r)),
    };
}

/** The metal stack with these metallb.values, as the program checks it (native refuses BFD and keepalives, so they go). */
function metalWith(values: Record<string, unknown>, withoutFrrOnly = false) {
    return parseStackConfig(editedConfig("metal", (raw) => {
        raw.metallb.values = values;
        if (withoutFrrOnly) for (const peer of raw.metallb.bgp.peers) { delete peer.bfd; delete peer.keepaliveTime; }
    }));
}

const MODES: { title: string; values: Record<string, unknown>; implementation: string; withoutFrrOnly?: boolean }[] = [
    { title: "FRR-K8s, bundled (the program's choice)", values: {}, implementation: "frr-k8s" },
    { title: "an external frr-k8s in its own namespace", values: { frrk8s: { external: true, namespace: "frr-k8s-system" } }, implementation: "frr-k8s-external" },
    { title: "FRR mode (deprecated)", values: { frrk8s: { enabled: false }, speaker: { frr: { enabled: true } } }, implementation: "frr" },
    { title: "the native speaker, without BFD or keepalives", values: { frrk8s: { enabled: false } }, implementation: "native", withoutFrrOnly: true },
];

describe("helm render: every BGP implementation the config can select (metal stack)", function () {
    let metal: ProgramEvaluation;
    before(async () => { metal = await evaluateStack("metal"); });

    for (const mode of MODES) {
        it(`${mode.title}: the program accepts it and the chart runs it`, async function () {
            const spec = metalWith(mode.values, mode.withoutFrrOnly);
            assert.strictEqual(bgpImplementation(true, spec.metallb.values), mode.implementation);
            const set: RenderSet = await renderForTest(metallbOnly(metal, mode.values), this);
            assertNoProblems(set.releases.flatMap((r) => (r.error ? [r.error] : [])));
            assertNoProblems(metallbProblems(set));
        });
    }

    it("the native speaker with BFD is refused by the program, before the chart", () => {
        assert.throws(() => metalWith({ frrk8s: { enabled: false } }), /metallb\.bgp\.peers\[0\]\.bfd: BFD needs MetalLB's FRR-based speaker/);
    });

    for (const [title, values, program] of [
        ["FRR mode beside FRR-K8s", { frrk8s: { enabled: true }, speaker: { frr: { enabled: true } } }, /speaker\.frr\.enabled: true beside metallb\.values\.frrk8s\.enabled: true/],
        ["bundled and external frr-k8s at once", { frrk8s: { enabled: true, external: true, namespace: "frr-k8s-system" } }, /frrk8s\.enabled: true beside metallb\.values\.frrk8s\.external: true/],
    ] as const) {
        it(`${title}: refused by the program, as the chart refuses it`, async function () {
            assert.throws(() => metalWith(values as Record<string, unknown>), program);
            // The values as given, merged over the program's: the chart's own refusal.
            const set = await renderForTest(metallbOnly(metal, values as Record<string, unknown>), this);
            assert.match(set.releases.map((r) => r.error ?? "").join("\n"), /mutually exclusive/);
        });
    }
});
