// Every built-in Kubernetes object the program registers (Namespaces, Secrets, ServiceAccounts,
// ConfigMaps, Services, Roles, RoleBindings, the webhook Job, the sample Deployments, the Gateway API
// CRDs and admission policy, …) against the Kubernetes 1.35 OpenAPI spec, as the API server's strict
// field validation would see it: a misspelt or misplaced field is a test failure, not a field the
// server drops or refuses at deploy time.
import * as assert from "assert";
import { EdgeOutputs, evaluateStackEdge } from "../helpers/edge";
import { evaluateGatewayApiStack } from "../helpers/gatewayApi";
import { builtinApiVersionKind, builtinObjectErrors } from "../helpers/k8sSchemas";
import { Evaluation, reveal } from "../helpers/mocks";
import { STACKS } from "../helpers/stacks";

interface Variant {
    evaluate: () => Promise<Evaluation<EdgeOutputs>>;
    /** Fewest built-in objects it registers (so that the check cannot pass on nothing). */
    atLeast: number;
    /** Kinds ("<apiVersion>/<kind>") it must register, each checked. */
    kinds: string[];
}

// What every stack registers: the namespaces, the CA and TLS Secrets, and the MetalLB webhook check.
const COMMON = ["v1/Namespace", "v1/Secret", "v1/ServiceAccount", "v1/ConfigMap", "rbac.authorization.k8s.io/v1/Role", "rbac.authorization.k8s.io/v1/RoleBinding", "batch/v1/Job"];
// dev and prod have the observability addons (Pulumi.<stack>.yaml `addons`): their Secrets, ConfigMaps,
// the Jaeger Service and Deployment; dev also the sample apps' Services and Deployments.
const WITH_ADDONS = [...COMMON, "v1/Service", "apps/v1/Deployment"];

const variants: Record<string, Variant> = {
    ...Object.fromEntries(STACKS.map((stack): [string, Variant] => [stack, {
        evaluate: () => evaluateStackEdge(stack),
        atLeast: 10,
        kinds: stack === "dev" || stack === "prod" ? WITH_ADDONS : COMMON,
    }])),
    // Gateway API mode adds the CRD manifest (CRDs, a ValidatingAdmissionPolicy and its binding) and
    // a ConfigMap of Istio's per-Gateway options.
    "dev in gateway-api mode": {
        evaluate: () => evaluateGatewayApiStack("dev"),
        atLeast: 30,
        kinds: [...WITH_ADDONS, "apiextensions.k8s.io/v1/CustomResourceDefinition",
            "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy", "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding"],
    },
};

for (const [title, variant] of Object.entries(variants)) {
    describe(`built-in objects validate against the Kubernetes 1.35 OpenAPI spec (${title})`, () => {
        it("every registered object of a built-in API group has only known fields, the required ones, of the right types", async () => {
            const ev = await variant.evaluate();
            const objects = ev.resources.flatMap((r) => {
                const gvk = builtinApiVersionKind(r.type);
                // The recorded inputs are what the provider sends, secret markers aside.
                return gvk ? [{ name: r.name, key: `${gvk.apiVersion}/${gvk.kind}`, object: { ...reveal(r.inputs), ...gvk } }] : [];
            });
            assert.ok(objects.length >= variant.atLeast, `only ${objects.length} built-in objects`);
            const kinds = new Set(objects.map((o) => o.key));
            for (const kind of variant.kinds) assert.ok(kinds.has(kind), `no ${kind} checked`);
            const problems = objects.flatMap((o) => builtinObjectErrors(o.object).map((e) => `${o.name} (${o.key}): ${e}`));
            assert.deepStrictEqual(problems, []);
        });
    });
}

describe("the built-in schema check itself catches mistakes", () => {
    const job = (container: Record<string, unknown>) => ({
        apiVersion: "batch/v1", kind: "Job", metadata: { name: "j", namespace: "n" },
        spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", ...container }] } } },
    });

    it("takes only the type tokens of built-in groups", () => {
        assert.deepStrictEqual(builtinApiVersionKind("kubernetes:core/v1:Secret"), { apiVersion: "v1", kind: "Secret" });
        assert.deepStrictEqual(builtinApiVersionKind("kubernetes:batch/v1:Job"), { apiVersion: "batch/v1", kind: "Job" });
        assert.deepStrictEqual(builtinApiVersionKind("kubernetes:rbac.authorization.k8s.io/v1:Role"), { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role" });
        for (const type of ["kubernetes:helm.sh/v4:Chart", "kubernetes:yaml/v2:ConfigFile", "kubernetes:metallb.io/v1beta1:IPAddressPool",
            "kubernetes:networking.istio.io/v1:Gateway", "kubernetes:gateway.networking.k8s.io/v1:Gateway", "kubernetes:security.istio.io/v1:AuthorizationPolicy",
            "kubernetes:telemetry.istio.io/v1:Telemetry", "tls:index/privateKey:PrivateKey", "random:index/randomPassword:RandomPassword"]) {
            assert.strictEqual(builtinApiVersionKind(type), undefined, type);
        }
    });

    it("a valid Job passes (the cases below are each one mistake away from it)", () => {
        assert.deepStrictEqual(builtinObjectErrors(job({ imagePullPolicy: "IfNotPresent", resources: { requests: { cpu: "10m", memory: 33554432 } } })), []);
    });

    it("a Secret with a misspelt field (strinData)", () => {
        const errors = builtinObjectErrors({ apiVersion: "v1", kind: "Secret", metadata: { name: "s", namespace: "n" }, strinData: { a: "b" } });
        assert.match(errors.join("\n"), /^\/ must NOT have additional properties \{"additionalProperty":"strinData"\}$/);
    });

    it("a misspelt metadata field (metadata is as strict as the rest)", () => {
        const errors = builtinObjectErrors({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namepsace: "n" }, data: {} });
        assert.match(errors.join("\n"), /^\/metadata must NOT have additional properties \{"additionalProperty":"namepsace"\}$/);
    });

    it("a Job whose container has imagePullPolicy: 5", () => {
        assert.match(builtinObjectErrors(job({ imagePullPolicy: 5 })).join("\n"), /^\/spec\/template\/spec\/containers\/0\/imagePullPolicy must be string/);
    });

    it("a container without its required name", () => {
        const errors = builtinObjectErrors({ ...job({}), spec: { template: { spec: { containers: [{ image: "busybox" }] } } } });
        assert.match(errors.join("\n"), /^\/spec\/template\/spec\/containers\/0 must have required property 'name'/);
    });

    it("a resource quantity that does not parse", () => {
        assert.match(builtinObjectErrors(job({ resources: { limits: { cpu: "100 m" } } })).join("\n"), /resources\/limits\/cpu must match pattern/);
    });

    it("a Service port given as a string (port is an integer; targetPort, an IntOrString, may be a name)", () => {
        const service = (port: unknown, targetPort: unknown) => ({
            apiVersion: "v1", kind: "Service", metadata: { name: "s", namespace: "n" }, spec: { ports: [{ name: "https", port, targetPort }] },
        });
        assert.deepStrictEqual(builtinObjectErrors(service(443, "https")), []);
        assert.deepStrictEqual(builtinObjectErrors(service(443, 8443)), []);
        assert.deepStrictEqual(builtinObjectErrors(service("443", 8443)), ['/spec/ports/0/port must be integer {"type":"integer"}']);
        assert.match(builtinObjectErrors(service(443, 8443.5)).join("\n"), /targetPort must be integer,string/);
    });

    it("a Namespace without a metadata name passes: the spec requires neither metadata nor name (the API server's name check is not in the schema)", () => {
        assert.deepStrictEqual(builtinObjectErrors({ apiVersion: "v1", kind: "Namespace" }), []);
        assert.deepStrictEqual(builtinObjectErrors({ apiVersion: "v1", kind: "Namespace", metadata: { labels: { a: "b" } } }), []);
    });

    it("a RoleBinding without its required roleRef", () => {
        const errors = builtinObjectErrors({ apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "b", namespace: "n" }, subjects: [] });
        assert.deepStrictEqual(errors, ['/ must have required property \'roleRef\' {"missingProperty":"roleRef"}']);
    });

    it("a CRD whose schema has a misspelt keyword (JSONSchemaProps is strict too)", () => {
        const crd = (openAPIV3Schema: unknown) => ({
            apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "widgets.example.com" },
            spec: { group: "example.com", scope: "Namespaced", names: { kind: "Widget", plural: "widgets" }, versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema } }] },
        });
        assert.deepStrictEqual(builtinObjectErrors(crd({ type: "object", properties: { spec: { type: "object", additionalProperties: false } } })), []);
        assert.match(builtinObjectErrors(crd({ type: "object", propertis: {} })).join("\n"), /openAPIV3Schema must NOT have additional properties \{"additionalProperty":"propertis"\}/);
    });

    it("a kind the spec does not have", () => {
        assert.deepStrictEqual(builtinObjectErrors({ apiVersion: "policy/v1beta1", kind: "PodSecurityPolicy" }), ["no Kubernetes schema for policy/v1beta1/PodSecurityPolicy"]);
    });
});
