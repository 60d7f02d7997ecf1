// The policy pack on what `pulumi preview` hands it for a helm.v4.Chart: the chart's rendered
// objects as its children, beside the program's own resources. Rendered with the real charts.
import * as assert from "assert";
import { allPolicies } from "../../policy/policies";
import { StackResource } from "../../policy/lib/model";
import { evaluateStackEdge } from "../helpers/edge";
import { evaluateGatewayApiStack } from "../helpers/gatewayApi";
import { Evaluation, reveal } from "../helpers/mocks";
import { runPolicy } from "../policy/harness";
import { CHART_TYPE, K8sObject, renderForTest } from ".";

/** `kubernetes:<group>/<version>:<Kind>`, as the Kubernetes provider names a type. */
function typeToken(object: K8sObject): string {
    const apiVersion = String(object.apiVersion);
    return `kubernetes:${apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`}:${object.kind}`;
}

async function stackAsPreviewSeesIt(ev: Evaluation<unknown>, test: Mocha.Context): Promise<StackResource[]> {
    const set = await renderForTest(ev, test);
    const own: StackResource[] = ev.resources.map((r) => ({
        type: r.type, props: reveal(r.inputs), urn: r.urn, name: r.name, ...(r.parent ? { parent: { urn: r.parent } } : {}),
    }));
    const children = set.releases.flatMap((rendered) => {
        const chart = ev.resources.find((r) => r.type === CHART_TYPE && r.name === rendered.release.resource)!;
        return rendered.objects.map((object, i) => ({
            type: typeToken(object),
            props: object as Record<string, any>,
            urn: `${chart.urn}$${typeToken(object)}::${rendered.release.release}-${i}`,
            name: `${rendered.release.release}-${i}`,
            parent: { urn: chart.urn },
        }));
    });
    return [...own, ...children];
}

async function violations(resources: StackResource[]): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const policy of allPolicies) {
        const found = await runPolicy(policy, resources);
        if (found.length > 0) out[policy.name] = found;
    }
    return out;
}

describe("policy pack on the rendered charts", function () {
    for (const [label, evaluate] of [
        ["Pulumi.dev.yaml", () => evaluateStackEdge("dev")],
        ["Pulumi.prod.yaml", () => evaluateStackEdge("prod")],
        ["Pulumi.dev.yaml in gateway-api mode", () => evaluateGatewayApiStack("dev")],
    ] as const) {
        it(`${label}: no mandatory finding with every chart's rendered objects, and only the one known advisory`, async function () {
            const resources = await stackAsPreviewSeesIt(await evaluate(), this);
            assert.ok(resources.some((r) => r.parent && r.type === "kubernetes:apps/v1:Deployment"), "rendered Deployments are in the stack");
            const found = await violations(resources);
            const mandatory = Object.keys(found).filter((name) => allPolicies.find((p) => p.name === name)!.enforcementLevel === "mandatory");
            assert.deepStrictEqual(mandatory, [], JSON.stringify(found, null, 2));
            // MetalLB's chart leaves its webhook Service's port unnamed; istioctl analyze reports the
            // same (IST0118, outside system namespaces), and nothing routes to it through the mesh.
            assert.deepStrictEqual(Object.keys(found), ["istio-service-port-naming"]);
            assert.strictEqual(found["istio-service-port-naming"].length, 1);
            assert.match(found["istio-service-port-naming"][0], /^Service metallb-system\/metallb-webhook-service ports\[0\] \(port 443\): the port has no name/);
        });
    }

    it("a rendered gateway Deployment relabelled away from its Gateway's selector is caught", async function () {
        const resources = await stackAsPreviewSeesIt(await evaluateStackEdge("dev"), this);
        const deployment = resources.find((r) => r.parent && r.type === "kubernetes:apps/v1:Deployment" && r.props.metadata?.name === "istio-ingress-primary")!;
        const relabelled = resources.map((r) => r !== deployment ? r : {
            ...r, props: { ...r.props, spec: { ...r.props.spec, template: { ...r.props.spec.template, metadata: { ...r.props.spec.template.metadata, labels: { app: "other" } } } } },
        });
        const found = await violations(relabelled);
        assert.ok(Object.keys(found).some((p) => /selector/.test(p)), JSON.stringify(found));
    });
});
