// Every built-in Kubernetes object the committed stacks' charts render (Deployments, DaemonSets,
// Services, RBAC, webhook configurations, HPAs, PDBs, CRDs, …) and, in gateway-api mode, the Gateway
// API CRD manifest, against the Kubernetes 1.35 OpenAPI spec with strict field validation: what Pulumi
// would send the API server for each release. The CRDs' openAPIV3Schema is not among what is checked
// here: the render parser drops it (see parseManifests); the program's own CRDs are checked with it
// in test/components/builtinSchemas.test.ts.
import * as assert from "assert";
import { RenderSet, renderForTest } from ".";
import { evaluateStackEdge } from "../helpers/edge";
import { evaluateGatewayApiStack } from "../helpers/gatewayApi";
import { builtinObjectErrors, isBuiltinGroup } from "../helpers/k8sSchemas";
import { STACKS } from "../helpers/stacks";
import type { K8sObject, ProgramEvaluation } from "./render";

const groupOf = (apiVersion: string) => (apiVersion.includes("/") ? apiVersion.split("/")[0] : "");

/** Rendered objects of a built-in group with where they come from (release, or the Gateway API manifest). */
function builtinObjectsOf(set: RenderSet): { from: string; object: K8sObject }[] {
    return [
        ...set.releases.flatMap((r) => r.objects.map((object) => ({ from: `release ${r.release.release} (${r.chart.name} ${r.chart.version})`, object }))),
        ...set.extraCrds.map((object) => ({ from: "Gateway API manifest", object })),
    ].filter((o) => typeof o.object.apiVersion === "string" && isBuiltinGroup(groupOf(o.object.apiVersion)));
}

const variants: Record<string, { evaluate: () => Promise<ProgramEvaluation>; kinds: string[] }> = {
    ...Object.fromEntries(STACKS.map((stack) => [`Pulumi.${stack}.yaml`, {
        evaluate: () => evaluateStackEdge(stack),
        // Every stack installs Istio (base, istiod) and MetalLB.
        kinds: ["apiextensions.k8s.io/v1/CustomResourceDefinition", "apps/v1/Deployment", "apps/v1/DaemonSet", "v1/Service", "v1/ServiceAccount", "v1/ConfigMap",
            "rbac.authorization.k8s.io/v1/ClusterRole", "rbac.authorization.k8s.io/v1/ClusterRoleBinding", "admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration"],
    }])),
    "Pulumi.dev.yaml in gateway-api mode": {
        evaluate: () => evaluateGatewayApiStack("dev"),
        kinds: ["apiextensions.k8s.io/v1/CustomResourceDefinition", "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy", "apps/v1/Deployment", "v1/Service"],
    },
};

for (const [title, variant] of Object.entries(variants)) {
    describe(`helm render of ${title}: rendered built-in objects validate against the Kubernetes 1.35 OpenAPI spec`, function () {
        let set: RenderSet;
        before(async function () {
            set = await renderForTest(await variant.evaluate(), this);
        });

        it("every rendered object of a built-in API group has only known fields, the required ones, of the right types", () => {
            assert.deepStrictEqual(set.releases.filter((r) => r.error).map((r) => `${r.release.release}: ${r.error}`), []);
            const objects = builtinObjectsOf(set);
            assert.ok(objects.length >= 60, `only ${objects.length} built-in objects rendered`);
            const kinds = new Set(objects.map((o) => `${o.object.apiVersion}/${o.object.kind}`));
            for (const kind of variant.kinds) assert.ok(kinds.has(kind), `no ${kind} rendered`);
            const problems = objects.flatMap(({ from, object }) =>
                builtinObjectErrors(object).map((e) => `${from}: ${object.apiVersion}/${object.kind} ${object.metadata?.namespace ?? ""}/${object.metadata?.name}: ${e}`));
            assert.deepStrictEqual(problems, []);
        });
    });
}
