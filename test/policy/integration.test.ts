import * as assert from "assert";
import { allPolicies } from "../../policy/policies";
import { StackResource } from "../../policy/lib/model";
import { T, evaluateStackEdge } from "../helpers/edge";
import { GA, evaluateGatewayApiStack } from "../helpers/gatewayApi";
import { STACKS } from "../helpers/stacks";
import { reveal } from "../helpers/mocks";
import { runPolicy } from "./harness";

/** The program's resources as the policy host would hand them to the pack. */
async function programResources(stack: string, api: "istio" | "gateway-api" = "istio"): Promise<StackResource[]> {
    const ev = await (api === "gateway-api" ? evaluateGatewayApiStack(stack) : evaluateStackEdge(stack));
    return ev.resources.map((r) => ({
        type: r.type, props: reveal(r.inputs), urn: r.urn, name: r.name,
        ...(r.parent ? { parent: { urn: r.parent } } : {}),
    }));
}

async function violationsByPolicy(resources: StackResource[]): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (const policy of allPolicies) {
        const found = await runPolicy(policy, resources);
        if (found.length > 0) out[policy.name] = found;
    }
    return out;
}

const find = (resources: StackResource[], type: string, name: string) => {
    const r = resources.find((x) => x.type === type && x.props.metadata?.name === name);
    if (!r) throw new Error(`no ${type} ${name}`);
    return r;
};

describe("the policy pack judges our own program", () => {
    for (const stack of STACKS) {
        it(`Pulumi.${stack}.yaml violates no policy (mandatory or advisory)`, async () => {
            const resources = await programResources(stack);
            assert.ok(resources.some((r) => r.type === T.gateway));
            assert.deepStrictEqual(await violationsByPolicy(resources), {});
        });
    }

    it("a port renamed to http2foo is caught by istio-gateway-port-naming", async () => {
        const resources = await programResources("dev");
        find(resources, T.gateway, "primary-gateway").props.spec.servers[0].port.name = "http2foo";
        const violations = await violationsByPolicy(resources);
        assert.deepStrictEqual(Object.keys(violations), ["istio-gateway-port-naming"]);
        assert.match(violations["istio-gateway-port-naming"][0], /port name "http2foo" is not <protocol>\[-<suffix>\]/);
    });

    it("a TLS secret moved to another namespace is caught by istio-gateway-credential-resolves", async () => {
        const resources = await programResources("dev");
        find(resources, T.secret, "secondary-microk8s-secondary-local-tls").props.metadata.namespace = "samples";
        const violations = await violationsByPolicy(resources);
        assert.deepStrictEqual(Object.keys(violations), ["istio-gateway-credential-resolves"]);
        assert.match(violations["istio-gateway-credential-resolves"][0],
            /credentialName "secondary-microk8s-secondary-local-tls" has no secret in namespace istio-ingress.*one exists in samples/);
    });

    it("a VirtualService pointed at a missing Gateway is caught by istio-virtualservice-gateway-resolves", async () => {
        const resources = await programResources("prod");
        find(resources, T.virtualService, "primary-www-example-com").props.spec.gateways = ["istio-ingress/primary"];
        const violations = await violationsByPolicy(resources);
        assert.deepStrictEqual(Object.keys(violations), ["istio-virtualservice-gateway-resolves"]);
        assert.match(violations["istio-virtualservice-gateway-resolves"][0], /gateway "istio-ingress\/primary" resolves to istio-ingress\/primary, which is not a Gateway/);
    });

    it("two gateways sharing the chart's default labels are caught by istio-gateway-selector-single-workload", async () => {
        const resources = await programResources("dev");
        for (const r of resources.filter((x) => x.type === T.chart && x.props.chart === "gateway")) {
            r.props.values.labels = { istio: "ingressgateway" };
        }
        for (const r of resources.filter((x) => x.type === T.gateway)) r.props.spec.selector = { istio: "ingressgateway" };
        const violations = await violationsByPolicy(resources);
        assert.ok(violations["istio-gateway-selector-single-workload"]?.length === 2, JSON.stringify(violations, null, 1));
    });
});

describe("the policy pack judges our own program in gateway-api mode", () => {
    for (const stack of ["dev", "prod"]) {
        it(`Pulumi.${stack}.yaml with api gateway-api violates no policy (mandatory or advisory)`, async () => {
            const resources = await programResources(stack, "gateway-api");
            assert.ok(resources.some((r) => r.type === GA.gateway) && resources.some((r) => r.type === GA.httpRoute));
            assert.deepStrictEqual(await violationsByPolicy(resources), {});
        });
    }

    it("a certificateRefs entry naming a missing Secret is caught by gateway-api-certificate-refs", async () => {
        const resources = await programResources("dev", "gateway-api");
        find(resources, GA.gateway, "primary").props.spec.listeners[1].tls.certificateRefs[0].name = "no-such-tls";
        const violations = await violationsByPolicy(resources);
        assert.deepStrictEqual(Object.keys(violations), ["gateway-api-certificate-refs"]);
        assert.match(violations["gateway-api-certificate-refs"][0], /Gateway istio-ingress\/primary listeners\[1\] \(https-microk8s-local\) certificateRefs\[0\]: Secret istio-ingress\/no-such-tls is not in this stack/);
    });

    it("an HTTPRoute whose parentRef names no Gateway is caught by gateway-api-httproute-parents", async () => {
        const resources = await programResources("dev", "gateway-api");
        find(resources, GA.httpRoute, "secondary-microk8s-secondary-local").props.spec.parentRefs[0].name = "secondry";
        const violations = await violationsByPolicy(resources);
        assert.deepStrictEqual(Object.keys(violations), ["gateway-api-httproute-parents"]);
        assert.match(violations["gateway-api-httproute-parents"][0], /HTTPRoute istio-ingress\/secondary-microk8s-secondary-local parentRefs\[0\]: Gateway istio-ingress\/secondry is not in this stack/);
    });

    it("two listeners of one Gateway with the same name are caught by gateway-api-listeners-unique", async () => {
        const resources = await programResources("dev", "gateway-api");
        const listeners = find(resources, GA.gateway, "primary").props.spec.listeners;
        listeners[2].name = listeners[1].name;
        const violations = await violationsByPolicy(resources);
        // The route bound to the renamed listener now dangles too.
        assert.deepStrictEqual(Object.keys(violations).sort(), ["gateway-api-httproute-parents", "gateway-api-listeners-unique"]);
        assert.match(violations["gateway-api-httproute-parents"][0], /has no listener named "https-microk8s-alt-local"/);
        assert.match(violations["gateway-api-listeners-unique"][0], /Gateway istio-ingress\/primary listeners\[2\] \(https-microk8s-local\): listener name "https-microk8s-local" is also used by listeners\[1\]/);
    });
});
