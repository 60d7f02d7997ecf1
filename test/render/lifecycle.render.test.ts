// What the next `pulumi up` and `pulumi destroy` do to the rendered charts: CRDs marked "keep"
// (Chart v4 retains them), Istio's validating webhooks written as istiod leaves them (Fail), no
// field a controller rewrites after install in what Pulumi applies, and the webhook check probing
// exactly what MetalLB's webhook guards. With the real charts and helm.
import * as assert from "assert";
import { K8sObject, RenderSet, renderForTest, renderRelease } from ".";
import { KEEP_ANNOTATION, keepCrds, webhookCheckObjects } from "../../model/lifecycle";
import { evaluateStack } from "./program";

const byRelease = (set: RenderSet, release: string) => set.releases.find((r) => r.release.release === release)!;
const crds = (objects: K8sObject[]) => objects.filter((o) => o.kind === "CustomResourceDefinition");
const webhooksOf = (objects: K8sObject[]) => objects.filter((o) => /WebhookConfiguration$/.test(o.kind));

// dev on layer 2; metal with FRR-K8s, whose CRDs and webhook come with the MetalLB chart too.
for (const stack of ["dev", "metal"]) describe(`helm render of Pulumi.${stack}.yaml: what the next pulumi up and pulumi destroy do`, function () {
    let set: RenderSet;
    before(async function () {
        set = await renderForTest(await evaluateStack(stack), this);
    });

    it("marks every CRD of MetalLB and Istio 'keep', so that destroying the stack leaves them", () => {
        for (const release of ["metallb", "istio-base"]) {
            const found = crds(byRelease(set, release).objects);
            assert.ok(found.length >= (release === "metallb" ? 9 : 10), `${release}: ${found.length} CRDs`);
            if (stack === "metal" && release === "metallb") assert.ok(found.some((c) => c.metadata.name === "frrconfigurations.frrk8s.metallb.io"), "FRR-K8s' CRDs are among them");
            for (const crd of found) assert.strictEqual(crd.metadata.annotations?.[KEEP_ANNOTATION], "keep", `${release}: ${crd.metadata.name}`);
        }
    });

    it("changes nothing but the CRDs' annotations in MetalLB's chart (the post-renderer as Chart v4 runs it)", async () => {
        const kept = byRelease(set, "metallb");
        const plain = await renderRelease({ ...kept.release, postRenderer: undefined });
        assert.strictEqual(plain.objects.length, kept.objects.length);
        plain.objects.forEach((o, i) => {
            const k = kept.objects[i];
            if (o.kind !== "CustomResourceDefinition") return assert.deepStrictEqual(k, o, `${o.kind} ${o.metadata.name}`);
            const { [KEEP_ANNOTATION]: keep, ...rest } = k.metadata.annotations ?? {};
            assert.strictEqual(keep, "keep");
            assert.deepStrictEqual({ ...k, metadata: { ...k.metadata, annotations: rest } }, { ...o, metadata: { ...o.metadata, annotations: o.metadata.annotations ?? {} } });
        });
        // The same function, in process, on a CRD with annotations of its own and one without any.
        const text = "---\nkind: CustomResourceDefinition\nmetadata:\n  name: a\n---\nkind: CustomResourceDefinition\nmetadata:\n  annotations:\n    x: y\n  name: b\n---\nkind: ConfigMap\nmetadata:\n  name: c\n";
        assert.strictEqual(keepCrds(text), "---\nkind: CustomResourceDefinition\nmetadata:\n  annotations:\n    helm.sh/resource-policy: keep\n  name: a\n" +
            "---\nkind: CustomResourceDefinition\nmetadata:\n  annotations:\n    helm.sh/resource-policy: keep\n    x: y\n  name: b\n---\nkind: ConfigMap\nmetadata:\n  name: c\n");
    });

    it("writes Istio's validating webhooks with failurePolicy Fail, as istiod leaves them, so the next chart upgrade has nothing to take back", () => {
        const webhooks = ["istio-base", "istiod"].flatMap((r) => webhooksOf(byRelease(set, r).objects)).filter((w) => w.kind === "ValidatingWebhookConfiguration");
        assert.deepStrictEqual(webhooks.map((w) => w.metadata.name).sort(), ["istio-validator-istio-system", "istiod-default-validator"]);
        for (const w of webhooks) {
            for (const hook of (w as any).webhooks) assert.strictEqual(hook.failurePolicy, "Fail", `${w.metadata.name} ${hook.name}`);
        }
    });

    it("applies no caBundle, which the controllers patch in after install and would then be taken back", () => {
        for (const release of set.releases) {
            for (const w of webhooksOf(release.objects)) {
                for (const hook of (w as any).webhooks ?? []) assert.strictEqual(hook.clientConfig?.caBundle, undefined, `${release.release}: ${w.metadata.name}`);
            }
            for (const crd of crds(release.objects)) {
                assert.strictEqual((crd.spec as any).conversion?.webhook?.clientConfig?.caBundle, undefined, `${release.release}: ${crd.metadata.name}`);
            }
        }
    });

    it("probes MetalLB's webhook with an object it guards: a CREATE the webhook configuration's rules match, in MetalLB's namespace", () => {
        const metallb = byRelease(set, "metallb");
        const { probe, role } = webhookCheckObjects(metallb.release.namespace);
        const [group, version] = probe.apiVersion.split("/");
        const resource = `${probe.kind.toLowerCase()}s`;
        const guarding = webhooksOf(metallb.objects).flatMap((w) => (w as any).webhooks as any[]).filter((hook) => hook.rules.some((rule: any) =>
            rule.apiGroups.includes(group) && rule.apiVersions.includes(version) && rule.resources.includes(resource) && rule.operations.includes("CREATE")));
        assert.strictEqual(guarding.length, 1, `one webhook guards ${resource}`);
        assert.strictEqual(guarding[0].failurePolicy, "Fail", "a refusal while it is down, which the Job retries");
        assert.strictEqual(guarding[0].clientConfig.service.namespace, metallb.release.namespace);
        assert.deepStrictEqual(role.rules, [{ apiGroups: [group], resources: [resource], verbs: ["create"] }]);
    });
});
