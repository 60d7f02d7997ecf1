// What docs/getting-started.md says the dev stack asks of a cluster, summed from what is really
// deployed: the rendered charts' containers, the program's own Deployments, and the sidecar istiod
// injects into each pod of an injected namespace (its chart's sidecar requests).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { RenderSet, renderForTest } from ".";
import { parseQuantity } from "../../model/validate";
import { ROOT } from "../helpers/stacks";
import { evaluateStack } from "./program";

function requestsOf(set: RenderSet): { cpu: number; memory: number } {
    let cpu = 0;
    let memory = 0;
    const add = (replicas: number, containers: any[] = []) => {
        for (const c of containers) {
            cpu += replicas * (parseQuantity(String(c.resources?.requests?.cpu ?? "0")) || 0);
            memory += replicas * (parseQuantity(String(c.resources?.requests?.memory ?? "0")) || 0);
        }
    };
    for (const release of set.releases) {
        for (const o of release.objects) if (["Deployment", "StatefulSet", "DaemonSet"].includes(o.kind)) add(o.spec.replicas ?? 1, o.spec.template.spec.containers);
    }
    // The sidecar of each injected pod: istiod's chart's proxy requests (values global.proxy.resources).
    const istiod = set.releases.find((r) => r.release.release === "istiod")!;
    const injector = istiod.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "istio-sidecar-injector")!;
    const proxy = JSON.parse((injector as any).data.values).global.proxy.resources.requests;
    const injected = new Set(set.resources.filter((r) => r.type === "kubernetes:core/v1:Namespace" && r.inputs.metadata?.labels?.["istio-injection"] === "enabled").map((r) => r.inputs.metadata.name));
    for (const r of set.resources) {
        if (r.type !== "kubernetes:apps/v1:Deployment") continue;
        const spec = r.inputs.spec;
        add(spec.replicas ?? 1, spec.template.spec.containers);
        if (injected.has(r.inputs.metadata.namespace) && spec.template.metadata?.labels?.["sidecar.istio.io/inject"] !== "false") add(spec.replicas ?? 1, [{ resources: { requests: proxy } }]);
    }
    return { cpu, memory };
}

describe("helm render: what the dev stack asks of a cluster", function () {
    it("requests what docs/getting-started.md says", async function () {
        const set = await renderForTest(await evaluateStack("dev"), this);
        const { cpu, memory } = requestsOf(set);
        const doc = fs.readFileSync(path.join(ROOT, "docs", "getting-started.md"), "utf8");
        const said = /requests (\d+)m CPU and (\d+) MiB of memory/.exec(doc);
        assert.ok(said, "the sentence with the figure is there");
        assert.deepStrictEqual([Number(said![1]), Number(said![2])], [Math.round(cpu * 1000), Math.round(memory / 2 ** 20)]);
    });
});
