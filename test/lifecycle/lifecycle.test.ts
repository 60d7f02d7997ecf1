// The edge over its life: the program evaluated for each config of a sequence (fresh install →
// leaves renewed → host added → host removed → Istio patch upgrade → switch to gateway-api → back →
// destroy), every step judged with the engine's and the providers' rules (./rules.ts). What must
// hold at every step: no TLS Secret, Gateway, gateway Service or namespace with workloads deleted
// or replaced unless the step asks for it, and no CRD ever deleted.
import * as assert from "assert";
import { parseStackConfig } from "../../config";
import type { EdgeSpec } from "../../model/types";
import { evaluateEdge } from "../helpers/edge";
import type { ProviderOverride, RegisteredResource } from "../helpers/mocks";
import { editedConfig, flatStackConfig } from "../helpers/stacks";
import { CHART, ProviderConfig, ResourceChange, chartChildren, istioUpgradeConflict, planUpdate } from "./rules";

const TLS_SECRET = (r: RegisteredResource) => r.type === "kubernetes:core/v1:Secret" && r.inputs.type === "kubernetes.io/tls";
const GATEWAY = (r: RegisteredResource) => r.type === "kubernetes:networking.istio.io/v1:Gateway" || r.type === "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const NAMESPACE = (r: RegisteredResource) => r.type === "kubernetes:core/v1:Namespace";
const CRD = (r: RegisteredResource) => r.type === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition";
const GATEWAY_CHART = (r: RegisteredResource) => r.type === CHART && /^istio-ingress-/.test(r.inputs.name ?? "");

/** The provider config a committed stack file gives the default Kubernetes provider. */
function providerConfigOf(stack: string): ProviderConfig {
    const flat = flatStackConfig(stack);
    return { enableSecretMutable: flat["kubernetes:enableSecretMutable"] === "true", enableConfigMapMutable: flat["kubernetes:enableConfigMapMutable"] === "true" };
}

/** One step: a config, the provider's view of the world, and what it may delete or replace. */
interface Step {
    title: string;
    spec?: EdgeSpec;
    /** Certificates as the tls provider would issue them at this step (a renewal gives new PEMs). */
    issue?: ProviderOverride;
    /** Names of guarded objects (TLS Secrets, Gateways, namespaces, gateway charts) the step asks to delete. */
    mayDelete?: RegExp;
    /** Protected resources may block a destroy: the step expects exactly these blocks. */
    blocked?: RegExp;
    /** Names of guarded objects that must survive the step, whatever mayDelete says (the applications' namespaces). */
    mustKeep?: RegExp;
}

/** Failures of one step, as sentences: an empty list is a step that keeps the edge whole. */
function judge(step: Step, changes: ResourceChange[]): string[] {
    const failures: string[] = [];
    const name = (c: ResourceChange) => (c.after ?? c.before)!.inputs.metadata?.name ?? (c.after ?? c.before)!.inputs.name ?? (c.after ?? c.before)!.name;
    for (const c of changes) {
        const r = (c.after ?? c.before)!;
        if (c.change.kind === "blocked") {
            if (!step.blocked?.test(r.name)) failures.push(`${r.type} ${r.name}: ${c.change.because}`);
            continue;
        }
        if (CRD(r) && c.change.kind === "delete") failures.push(`CRD ${name(c)} is deleted: every object of its kind in the cluster goes with it`);
        const guarded = TLS_SECRET(r) || GATEWAY(r) || NAMESPACE(r);
        if (guarded && c.change.kind === "replace") failures.push(`${r.type} ${name(c)} is replaced${c.change.deleteFirst ? " (deleted, then created)" : ""}: ${c.change.because}`);
        if (guarded && c.change.kind === "delete" && (!step.mayDelete?.test(name(c)) || step.mustKeep?.test(name(c)))) failures.push(`${r.type} ${name(c)} is deleted`);
        if (r.type === CHART) {
            const children = chartChildren(c);
            if (children.crds === "deleted") failures.push(`chart ${r.inputs.name}: its CRDs are deleted`);
            if (GATEWAY_CHART(r) && children.objects === "replaced") failures.push(`gateway chart ${r.inputs.name}: its Service and Deployment are replaced (${children.because})`);
            if (GATEWAY_CHART(r) && children.objects === "deleted" && !step.mayDelete?.test(r.inputs.name)) failures.push(`gateway chart ${r.inputs.name}: its Service is deleted`);
            const conflict = istioUpgradeConflict(c);
            if (conflict) failures.push(conflict);
        }
    }
    return failures;
}

/** Evaluations are pure functions of the spec and the certificates issued: sequences share them. */
const evaluations = new Map<string, Promise<RegisteredResource[]>>();
function evaluated(spec: EdgeSpec, issue?: ProviderOverride): Promise<RegisteredResource[]> {
    const key = `${issue === renewed ? "renewed" : issue ? "other" : "first"}:${JSON.stringify(spec)}`;
    if (issue && issue !== renewed) return evaluateEdge(spec, issue).then((ev) => ev.resources);
    if (!evaluations.has(key)) evaluations.set(key, evaluateEdge(spec, issue).then((ev) => ev.resources));
    return evaluations.get(key)!;
}

/** Runs a sequence of steps from nothing, judging each against the one before. */
async function runSequence(stack: string, steps: Step[], config = providerConfigOf(stack)): Promise<Map<string, { changes: ResourceChange[]; failures: string[] }>> {
    const results = new Map<string, { changes: ResourceChange[]; failures: string[] }>();
    let previous: RegisteredResource[] = [];
    for (const step of steps) {
        const current = step.spec ? await evaluated(step.spec, step.issue) : [];
        const changes = planUpdate(previous, current, config);
        results.set(step.title, { changes, failures: judge(step, changes) });
        previous = current;
    }
    return results;
}

const renewed: ProviderOverride = (type, name) =>
    type === "tls:index/locallySignedCert:LocallySignedCert" ? { certPem: `-----BEGIN CERTIFICATE-----\nrenewed-${name}\n-----END CERTIFICATE-----\n` } : undefined;

const dev = (edit: (raw: Record<string, any>) => void = () => undefined) => parseStackConfig(editedConfig("dev", edit));
/** prod's application namespaces (istio.meshNamespaces): the stack made them, the workloads in them are not its own. */
const MESH = /^(api|web|admin|tools)$/;
const withHost = (raw: Record<string, any>) => { raw.gateways[0].hosts.push("shop.microk8s.local"); };

/** The dev stack's life, in order. */
const devLife = (): Step[] => [
    { title: "fresh install", spec: dev() },
    { title: "every leaf renewed", spec: dev(), issue: renewed },
    { title: "a host added", spec: dev(withHost), issue: renewed },
    { title: "the host removed again", spec: dev(), issue: renewed, mayDelete: /^primary-shop-microk8s-local-tls$/ },
    { title: "an Istio patch upgrade", spec: dev((raw) => { raw.istio = { version: "1.30.4" }; }), issue: renewed },
    {
        title: "a switch to gateway-api",
        spec: dev((raw) => { raw.istio = { version: "1.30.4" }; raw.api = "gateway-api"; }),
        issue: renewed,
        // The Istio Gateways and gateway charts give way to the Gateway API's (documented: the IPs move over).
        mayDelete: /^(primary|secondary)-gateway$|^istio-ingress-(primary|secondary)$/,
    },
    { title: "back to istio", spec: dev((raw) => { raw.istio = { version: "1.30.4" }; }), issue: renewed, mayDelete: /^(primary|secondary)$/ },
    // The stack's own namespaces and everything in them go; CRDs and application namespaces stay.
    { title: "pulumi destroy", mayDelete: /./ },
];

describe("lifecycle: the dev stack from a fresh cluster to pulumi destroy", function () {
    this.timeout(60_000);
    let results: Awaited<ReturnType<typeof runSequence>>;
    before(async () => { results = await runSequence("dev", devLife()); });

    for (const step of devLife()) {
        it(`${step.title}: keeps the edge whole`, () => assert.deepStrictEqual(results.get(step.title)!.failures, []));
    }

    it("renews a leaf by updating its TLS Secret in place, and replaces only the certificate itself", () => {
        const { changes } = results.get("every leaf renewed")!;
        const secrets = changes.filter((c) => c.after && TLS_SECRET(c.after));
        assert.ok(secrets.length >= 7);
        for (const c of secrets) assert.strictEqual(c.change.kind, "update", c.after!.inputs.metadata.name);
        const touched = changes.filter((c) => c.change.kind !== "same").map((c) => c.after!.type);
        assert.deepStrictEqual([...new Set(touched)].sort(), ["kubernetes:core/v1:Secret"], "a renewal changes the Secrets' data and nothing else the program writes");
    });

    it("adds a host with its own key, certificate and Secret, and updates its Gateway in place", () => {
        const { changes } = results.get("a host added")!;
        const created = changes.filter((c) => c.change.kind === "create").map((c) => c.after!.name);
        assert.ok(created.some((n) => /primary-shop-microk8s-local-secret$/.test(n)), created.join(", "));
        const gateway = changes.find((c) => c.after && GATEWAY(c.after) && c.after.inputs.metadata.name === "primary-gateway")!;
        assert.strictEqual(gateway.change.kind, "update");
    });

    it("upgrades Istio by updating its charts in place", () => {
        const charts = results.get("an Istio patch upgrade")!.changes.filter((c) => c.after?.type === CHART && /^istio/.test(c.after.inputs.name));
        assert.ok(charts.length >= 4);
        for (const c of charts) assert.deepStrictEqual([c.after!.inputs.name, chartChildren(c).objects], [c.after!.inputs.name, "updated"]);
    });

    it("keeps the Gateway API CRDs when the edge goes back to istio, and every CRD and the mesh namespaces on destroy", () => {
        const back = results.get("back to istio")!.changes.filter((c) => c.before && CRD(c.before));
        assert.ok(back.length >= 8);
        for (const c of back) assert.strictEqual(c.change.kind, "retain", c.before!.inputs.metadata.name);
        const destroy = results.get("pulumi destroy")!.changes;
        const charts = destroy.filter((c) => c.before?.type === CHART && ["metallb", "istio-base"].includes(c.before.inputs.name));
        for (const c of charts) assert.strictEqual(chartChildren(c).crds, "kept", c.before!.inputs.name);
    });
});

describe("lifecycle: the prod stack", function () {
    this.timeout(60_000);
    const prod = (edit: (raw: Record<string, any>) => void = () => undefined) => parseStackConfig(editedConfig("prod", edit));
    const steps = (): Step[] => [
        { title: "fresh install", spec: prod() },
        { title: "every leaf renewed", spec: prod(), issue: renewed },
        { title: "a CA rotation: the new CA trusted", spec: prod((raw) => { raw.pki.trustedCaGenerations = [1, 2]; }), issue: renewed },
        { title: "a CA rotation: the leaves move", spec: prod((raw) => { raw.pki.trustedCaGenerations = [1, 2]; raw.pki.caGeneration = 2; }), issue: renewed },
        { title: "a CA rotation: the old CA retired", spec: prod((raw) => { raw.pki.trustedCaGenerations = [2]; raw.pki.caGeneration = 2; }), issue: renewed },
        {
            title: "a mesh namespace leaves the list",
            spec: prod((raw) => { raw.pki.trustedCaGenerations = [2]; raw.pki.caGeneration = 2; raw.istio.meshNamespaces = ["api", "web", "admin"]; }),
            issue: renewed,
        },
        // The protected CA stops a destroy, as documented: unprotect it first (docs/operations.md).
        { title: "pulumi destroy", mayDelete: /./, mustKeep: MESH, blocked: /^edge-pki-ca\.2-(key|cert)$/ },
    ];
    let results: Awaited<ReturnType<typeof runSequence>>;
    before(async () => { results = await runSequence("prod", steps()); });

    for (const step of steps()) it(`${step.title}: keeps the edge whole`, () => assert.deepStrictEqual(results.get(step.title)!.failures, []));

    it("leaves an application namespace in the cluster when it leaves the list, and every one on destroy", () => {
        const left = results.get("a mesh namespace leaves the list")!.changes.filter((c) => c.before && NAMESPACE(c.before) && c.before.inputs.metadata.name === "tools");
        assert.deepStrictEqual(left.map((c) => c.change.kind), ["retain"]);
        const destroyed = results.get("pulumi destroy")!.changes.filter((c) => c.before && NAMESPACE(c.before) && MESH.test(c.before.inputs.metadata.name));
        assert.deepStrictEqual(destroyed.map((c) => c.change.kind), ["retain", "retain", "retain"]);
    });

    it("rotates the CA without touching a TLS Secret's identity, and retires the old CA without a protection error", () => {
        const move = results.get("a CA rotation: the leaves move")!.changes;
        assert.ok(move.filter((c) => c.after && TLS_SECRET(c.after)).every((c) => ["update", "same"].includes(c.change.kind)));
        const retire = results.get("a CA rotation: the old CA retired")!.changes.filter((c) => c.before && /^edge-pki-ca-(key|cert)$/.test(c.before.name));
        assert.deepStrictEqual(retire.map((c) => c.change.kind), ["delete", "delete"]);
    });
});

describe("lifecycle: the suite's rules catch what breaks a running edge", function () {
    this.timeout(60_000);

    it("without enableSecretMutable, a renewal deletes and re-creates every TLS Secret", async () => {
        const results = await runSequence("dev", devLife().slice(0, 2), { enableSecretMutable: false, enableConfigMapMutable: true });
        const failures = results.get("every leaf renewed")!.failures;
        assert.ok(failures.length >= 7, failures.join("\n"));
        assert.match(failures[0], /Secret .* is replaced \(deleted, then created\): \.data, \.stringData|Secret .* is replaced \(deleted, then created\): \.stringData/);
    });

    it("without retainOnDelete on the mesh namespaces, pulumi destroy deletes the applications with them", async () => {
        const steps: Step[] = [
            { title: "fresh install", spec: parseStackConfig(editedConfig("prod", (raw) => { raw.retainOnDelete = { meshNamespaces: false }; raw.pki.protect = false; })) },
            { title: "pulumi destroy", mayDelete: /./, mustKeep: MESH },
        ];
        const failures = (await runSequence("prod", steps)).get("pulumi destroy")!.failures;
        assert.deepStrictEqual(failures.sort(), ["admin", "api", "tools", "web"].map((n) => `kubernetes:core/v1:Namespace ${n} is deleted`));
    });

    it("without retainOnDelete on the Gateway API CRDs, going back to istio deletes them", async () => {
        const life = devLife();
        const forgetful = (raw: Record<string, any>) => { raw.retainOnDelete = { crds: false }; };
        const steps: Step[] = [
            { ...life[0], spec: dev((raw) => { raw.api = "gateway-api"; forgetful(raw); }) },
            { title: "back to istio", spec: dev(forgetful), mayDelete: /^(primary|secondary)$/ },
        ];
        const failures = (await runSequence("dev", steps)).get("back to istio")!.failures;
        assert.ok(failures.some((f) => /^CRD gateways\.gateway\.networking\.k8s\.io is deleted/.test(f)), failures.join("\n"));
    });

    it("without the webhook policy in Istio's values, the patch upgrade conflicts with istiod", async () => {
        // As if the program did not set it: the charts' inputs without base.validationFailurePolicy.
        const unset = (resources: RegisteredResource[]) => resources.map((r) => {
            if (r.type !== CHART || !["istio-base", "istiod"].includes(r.inputs.name)) return r;
            const inputs = structuredClone(r.inputs);
            delete inputs.values.base;
            return { ...r, inputs };
        });
        // The dev life's own evaluations (shared): its fresh install, and its upgrade step.
        const before = unset(await evaluated(dev()));
        const after = unset(await evaluated(dev((raw) => { raw.istio = { version: "1.30.4" }; }), renewed));
        const failures = judge({ title: "upgrade" }, planUpdate(before, after, providerConfigOf("dev")));
        assert.deepStrictEqual(failures.map((f) => f.split(":")[0]), ["istio-base 1.30.3 → 1.30.4", "istiod 1.30.3 → 1.30.4"]);
        assert.match(failures[1], /writes its validating webhook with failurePolicy Ignore, which istiod rewrote to Fail and owns; the upgrade conflicts/);
    });
});
