// BGP over the edge's life: the layer-2 stacks of version 1.0.0 (before BGP existed) lose nothing,
// and a running layer-2 edge moved to BGP and back replaces nothing that carries traffic. Judged with
// the engine's and the providers' rules (./rules.ts).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseStackConfig } from "../../config";
import { evaluateEdge } from "../helpers/edge";
import type { RegisteredResource } from "../helpers/mocks";
import { editedConfig } from "../helpers/stacks";
import { CHART, ProviderConfig, ResourceChange, chartChildren, planUpdate } from "./rules";

const MUTABLE: ProviderConfig = { enableSecretMutable: true, enableConfigMapMutable: true };

/**
 * What version 1.0.0 registered for dev and prod, evaluated under the same mocks: every URN, and the
 * MetalLB component's resources with their inputs (test/fixtures/lifecycle/README.md).
 */
const BASELINE: Record<string, { urns: string[]; metallb: (Omit<RegisteredResource, "custom" | "parent" | "dependencies" | "provider">)[] }> =
    JSON.parse(fs.readFileSync(path.join(__dirname, "..", "fixtures", "lifecycle", "l2-stacks-1.0.0.json"), "utf8"));

describe("lifecycle: layer-2 stacks after BGP arrived", function () {
    this.timeout(60_000);
    for (const stack of ["dev", "prod"]) {
        it(`${stack}: the same resources as version 1.0.0, and MetalLB's unchanged (nothing replaced, deleted or updated)`, async () => {
            const now = (await evaluateEdge(parseStackConfig(editedConfig(stack, () => undefined)))).resources;
            assert.deepStrictEqual(now.map((r) => r.urn).sort(), BASELINE[stack].urns);
            const before = BASELINE[stack].metallb.map((r) => ({ ...r, custom: true, parent: "", dependencies: [], provider: "" }));
            const changes = planUpdate(before, now.filter((r) => r.urn.includes("edge-metallb")), MUTABLE);
            assert.deepStrictEqual(changes.filter((c) => c.change.kind !== "same").map((c) => `${c.urn}: ${c.change.kind}`), []);
        });
    }
});

describe("lifecycle: a layer-2 edge moved to BGP, and back", function () {
    this.timeout(60_000);
    const toBgp = (raw: Record<string, any>) => {
        raw.metallb.pools[0].advertise = { bgp: true };
        raw.metallb.bgp = { localASN: 64512, peers: [{ name: "tor-a", address: "10.20.0.1", asn: 64500, bfd: true, password: "s3cret" }] };
    };
    let steps: { title: string; changes: ResourceChange[] }[];
    before(async () => {
        const specs = [
            { title: "prod over layer 2", spec: parseStackConfig(editedConfig("prod", () => undefined)) },
            { title: "the gateway pool over BGP", spec: parseStackConfig(editedConfig("prod", toBgp)) },
            { title: "back to layer 2", spec: parseStackConfig(editedConfig("prod", () => undefined)) },
        ];
        let previous: RegisteredResource[] = [];
        steps = [];
        for (const { title, spec } of specs) {
            const now = (await evaluateEdge(spec)).resources;
            steps.push({ title, changes: planUpdate(previous, now, MUTABLE) });
            previous = now;
        }
    });
    const step = (title: string) => steps.find((s) => s.title === title)!.changes;
    const kinds = (changes: ResourceChange[]) => changes.filter((c) => c.change.kind !== "same").map((c) => `${(c.after ?? c.before)!.name}: ${c.change.kind}`).sort();

    it("moving to BGP creates the peer, its BFD profile, its Secret and the advertisement; updates the L2 one and the chart; replaces nothing", () => {
        assert.deepStrictEqual(kinds(step("the gateway pool over BGP")), [
            "edge-metallb-bfd-tor-a: create",
            "edge-metallb-bgp-gateways: create",
            "edge-metallb-chart: update",
            "edge-metallb-l2: update",
            "edge-metallb-password-tor-a: create",
            "edge-metallb-peer-tor-a: create",
        ]);
    });

    it("the MetalLB chart gains FRR-K8s in place, its CRDs kept; the gateway charts (their Services) are untouched", () => {
        const changes = step("the gateway pool over BGP");
        const metallb = changes.find((c) => c.after?.type === CHART && c.after.inputs.name === "metallb")!;
        assert.deepStrictEqual([metallb.before!.inputs.values.frrk8s.enabled, metallb.after!.inputs.values.frrk8s.enabled], [false, true]);
        assert.strictEqual(chartChildren(metallb).objects, "updated");
        for (const c of changes.filter((c) => c.after?.type === CHART && /^istio-ingress-/.test(c.after.inputs.name))) assert.strictEqual(c.change.kind, "same", c.after!.inputs.name);
    });

    it("the shared L2Advertisement keeps its name and drops the pool now announced over BGP", () => {
        const l2 = step("the gateway pool over BGP").find((c) => c.after?.name === "edge-metallb-l2")!;
        assert.deepStrictEqual([l2.before!.inputs.metadata.name, l2.after!.inputs.metadata.name], ["layer2", "layer2"]);
        assert.deepStrictEqual(l2.after!.inputs.spec.ipAddressPools, ["services"]);
    });

    it("back to layer 2 deletes exactly what BGP added and restores the rest in place", () => {
        assert.deepStrictEqual(kinds(step("back to layer 2")), [
            "edge-metallb-bfd-tor-a: delete",
            "edge-metallb-bgp-gateways: delete",
            "edge-metallb-chart: update",
            "edge-metallb-l2: update",
            "edge-metallb-password-tor-a: delete",
            "edge-metallb-peer-tor-a: delete",
        ]);
    });
});
