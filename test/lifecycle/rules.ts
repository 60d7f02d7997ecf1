// What a `pulumi up` does when the program's resources change from one evaluation to the next: the
// engine's and the providers' rules, written from their sources, not from what this program does.
//
// - Engine (pulumi/pulumi v3.248.0, pkg/resource/deploy/step_generator.go): resources are matched by
//   URN or by one of their aliases; an old resource with no match is deleted, unless it was
//   `retainOnDelete` (the delete step skips the provider's Delete) or `protect`ed (the update fails).
//   A replacement deletes first when the provider says so (DiffResponse.DeleteBeforeReplace).
// - pulumi-kubernetes (provider/pkg/provider/diff.go `forceNew`, `forceNewProperties`, provider.go
//   Diff; helper notes in docs/design.md): a change under `.metadata.name` or `.metadata.namespace`
//   replaces any object; per kind, the table below; a Secret's `.type`, `.data`, `.stringData` and a
//   ConfigMap's `.data`, `.binaryData` replace unless the provider sets enableSecretMutable /
//   enableConfigMapMutable (and the object is not `immutable`). A replaced object whose name is
//   fixed (set, not autonamed) and stays the same is deleted before it is created again.
// - Chart v4 (provider/pkg/provider/helm/v4/chart.go): a chart's objects are its children, named
//   after the release; an object annotated `helm.sh/resource-policy: keep` is `retainOnDelete`.
//   Under mocks a chart has no children, so its objects are judged through the chart's inputs.
// - pulumi-tls (terraform-provider-tls, every argument of private_key, self_signed_cert, cert_request
//   and locally_signed_cert is RequiresReplace) and pulumi-random (random_password: every argument
//   RequiresReplace): any input change replaces.
// - Istio's charts (base/istiod @1.30.3): without base.validationFailurePolicy the validating
//   webhooks are written `failurePolicy: Ignore`, istiod rewrites them to Fail and owns the field,
//   and the next chart upgrade conflicts with it (istio/istio#45204): the upgrade fails.
import type { RegisteredResource } from "../helpers/mocks";

export interface ProviderConfig {
    enableSecretMutable: boolean;
    enableConfigMapMutable: boolean;
}

export type Change =
    | { kind: "create" }
    | { kind: "update" }
    /** Delete first when the name is fixed: the object is missing for a moment. */
    | { kind: "replace"; deleteFirst: boolean; because: string }
    | { kind: "delete" }
    /** Gone from the stack, left in the cluster. */
    | { kind: "retain" }
    /** The update stops: a protected resource would be deleted or replaced. */
    | { kind: "blocked"; because: string }
    | { kind: "same" };

/** Replace-on-change paths per `<group>/<kind>` (diff.go), beyond `.metadata.name`/`.metadata.namespace`. */
const FORCE_NEW: Record<string, string[]> = {
    "apps/Deployment": [".spec.selector"],
    "apps/DaemonSet": [".spec.selector"],
    "apps/StatefulSet": [".spec.podManagementPolicy", ".spec.revisionHistoryLimit", ".spec.selector", ".spec.serviceName", ".spec.volumeClaimTemplates"],
    "batch/Job": [".spec.completions", ".spec.parallelism", ".spec.selector", ".spec.template"],
    "core/PersistentVolumeClaim": [".spec.accessModes", ".spec.selector", ".spec.storageClassName", ".spec.volumeName"],
    "core/Service": [".spec.clusterIP"],
    "rbac.authorization.k8s.io/RoleBinding": [".roleRef"],
    "rbac.authorization.k8s.io/ClusterRoleBinding": [".roleRef"],
    "storage.k8s.io/StorageClass": [".parameters", ".provisioner"],
};

/** `kubernetes:apps/v1:Deployment` → { group: "apps", kind: "Deployment" }; undefined for other packages. */
export function k8sKind(type: string): { group: string; kind: string } | undefined {
    const m = /^kubernetes:([^:]+):(.+)$/.exec(type);
    if (!m || m[1].startsWith("helm.sh") || m[1].startsWith("yaml")) return undefined;
    const apiVersion = m[1];
    return { group: apiVersion.includes("/") ? apiVersion.split("/")[0] : "core", kind: m[2] };
}

const get = (obj: unknown, path: string): unknown => path.split(".").filter(Boolean).reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), obj);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The replace-on-change paths that differ between two inputs of one Kubernetes object, or none. */
export function k8sReplacePaths(type: string, before: Record<string, any>, after: Record<string, any>, config: ProviderConfig): string[] {
    const kind = k8sKind(type)!;
    const paths = [".metadata.name", ".metadata.namespace", ...(FORCE_NEW[`${kind.group}/${kind.kind}`] ?? [])];
    if (kind.group === "core" && kind.kind === "Secret") {
        paths.push(".type");
        if (!config.enableSecretMutable || after.immutable === true) paths.push(".data", ".stringData");
    }
    if (kind.group === "core" && kind.kind === "ConfigMap" && (!config.enableConfigMapMutable || after.immutable === true)) {
        paths.push(".data", ".binaryData");
    }
    return paths.filter((p) => !same(get(before, p), get(after, p)));
}

/** Whether a Kubernetes object's name is fixed (set, not generated): a replacement then deletes first. */
const fixedName = (inputs: Record<string, any>) => typeof inputs.metadata?.name === "string" && inputs.metadata?.annotations?.["pulumi.com/autonamed"] !== "true";

/** The change of one resource between two evaluations (either side absent for create/delete). */
export function changeOf(before: RegisteredResource | undefined, after: RegisteredResource | undefined, config: ProviderConfig): Change {
    if (!before) return { kind: "create" };
    if (!after) {
        if (before.retainOnDelete) return { kind: "retain" };
        if (before.protect) return { kind: "blocked", because: `${before.name} is protected` };
        return { kind: "delete" };
    }
    if (same(before.inputs, after.inputs)) return { kind: "same" };
    if (!after.custom) return { kind: "update" };
    let replace: string[] = [];
    if (k8sKind(after.type)) replace = k8sReplacePaths(after.type, before.inputs, after.inputs, config);
    else if (/^(tls|random):/.test(after.type)) replace = ["(any input: tls and random replace on every change)"];
    if (replace.length === 0) return { kind: "update" };
    if (before.protect) return { kind: "blocked", because: `${before.name} is protected and would be replaced (${replace.join(", ")})` };
    return { kind: "replace", deleteFirst: !!k8sKind(after.type) && fixedName(after.inputs) && same(before.inputs.metadata?.name, after.inputs.metadata?.name) && same(before.inputs.metadata?.namespace, after.inputs.metadata?.namespace), because: replace.join(", ") };
}

/** One resource's change in a step, keyed by the URN it has after the step (or had before). */
export interface ResourceChange {
    urn: string;
    before?: RegisteredResource;
    after?: RegisteredResource;
    change: Change;
}

/** Every resource's change from `before` to `after` (resources matched by URN or alias). */
export function planUpdate(before: readonly RegisteredResource[], after: readonly RegisteredResource[], config: ProviderConfig): ResourceChange[] {
    const old = new Map(before.map((r) => [r.urn, r]));
    const matched = new Set<string>();
    const changes: ResourceChange[] = after.map((r) => {
        const previous = old.get(r.urn) ?? r.aliases.map((a) => old.get(a)).find((x) => !!x);
        if (previous) matched.add(previous.urn);
        return { urn: r.urn, before: previous, after: r, change: changeOf(previous, r, config) };
    });
    for (const r of before) if (!matched.has(r.urn)) changes.push({ urn: r.urn, before: r, change: changeOf(r, undefined, config) });
    return changes;
}

// ---------------------------------------------------------------------------------------------
// Chart v4 children, judged through the chart's inputs (under mocks a chart has none)

export const CHART = "kubernetes:helm.sh/v4:Chart";

/** What Chart v4 does to a chart's objects in a step: renamed (replaced), deleted, or updated in place. */
export function chartChildren(change: ResourceChange): { objects: "same" | "updated" | "replaced" | "deleted" | "created"; crds: "kept" | "deleted" | "none"; because?: string } {
    const { before, after } = change;
    const crdsKept = (r: RegisteredResource) => r.inputs.name === "istio-base" || /resource-policy: keep/.test(JSON.stringify(r.inputs.postRenderer ?? ""));
    const hasCrds = (r: RegisteredResource) => ["istio-base", "metallb"].includes(r.inputs.name) || r.inputs.values?.crds?.enabled === true;
    if (!after) return { objects: "deleted", crds: hasCrds(before!) ? (crdsKept(before!) ? "kept" : "deleted") : "none" };
    if (!before) return { objects: "created", crds: "none" };
    // Child names come from the release and namespace: a new one is every object replaced.
    if (before.inputs.name !== after.inputs.name || before.inputs.namespace !== after.inputs.namespace) {
        return { objects: "replaced", crds: hasCrds(before) ? (crdsKept(before) ? "kept" : "deleted") : "none", because: "release name or namespace changed" };
    }
    // The gateway chart's pod labels are its Deployment's selector, which replaces on change.
    if (!same(before.inputs.values?.labels, after.inputs.values?.labels)) return { objects: "replaced", crds: "none", because: "pod labels (the Deployment's selector) changed" };
    return { objects: same(before.inputs, after.inputs) ? "same" : "updated", crds: "none" };
}

/** An Istio chart upgrade over webhooks that istiod owns: Chart v4 writes Ignore where istiod wrote Fail. */
export function istioUpgradeConflict(change: ResourceChange): string | undefined {
    const { before, after } = change;
    if (!before || !after || !["istio-base", "istiod"].includes(after.inputs.name) || before.inputs.version === after.inputs.version) return undefined;
    if (after.inputs.values?.base?.validationFailurePolicy === "Fail") return undefined;
    return `${after.inputs.name} ${before.inputs.version} → ${after.inputs.version}: the chart writes its validating webhook with failurePolicy Ignore, which istiod rewrote to Fail and owns; the upgrade conflicts (istio/istio#45204)`;
}
