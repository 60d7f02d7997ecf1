// Reads the facts preflight needs off the cluster Pulumi deploys to, with kubectl (the tool every
// user of this program has), pointed where the stack's Kubernetes provider points: its
// `kubernetes:kubeconfig` (a path, or the file's contents), `kubernetes:context` and
// `kubernetes:cluster`, else kubectl's own defaults ($KUBECONFIG, ~/.kube/config). Anything that
// cannot be read stays unknown: a warning, never a guess.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ClusterFacts, CrdFact, MARKER_CRDS } from "../model/preflight";

export interface ReadOptions {
    /** kubectl to run (default: $INGRESS_KUBECTL, else "kubectl" on the PATH). */
    kubectl?: string;
    /** The stack's `kubernetes:kubeconfig`: a path, or a kubeconfig's contents. */
    kubeconfig?: string;
    /** The stack's `kubernetes:context`. */
    context?: string;
    /** The stack's `kubernetes:cluster`. */
    cluster?: string;
    /** Read the StorageClasses too (the config asks for a volume). */
    storageClasses?: boolean;
}

export interface ReadResult {
    facts: ClusterFacts;
    /** Why some facts are unknown. */
    notes: string[];
}

type Outcome = { json: any } | { notFound: true } | { failed: string };

/** kubectl's flags for the provider's settings; a kubeconfig given as contents goes into a private temporary file. */
export function kubectlTarget(options: ReadOptions): { flags: string[]; cleanup: () => void } {
    const flags: string[] = [];
    let cleanup = () => undefined as void;
    if (options.kubeconfig) {
        // The provider takes either: contents have a YAML key at the start of a line, a path has none.
        if (/^\s*(apiVersion|clusters|contexts|current-context|kind|users):/m.test(options.kubeconfig)) {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-"));
            const file = path.join(dir, "kubeconfig");
            fs.writeFileSync(file, options.kubeconfig, { mode: 0o600 });
            flags.push("--kubeconfig", file);
            cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
        } else {
            flags.push("--kubeconfig", options.kubeconfig.replace(/^~(?=\/)/, os.homedir()));
        }
    }
    if (options.context) flags.push("--context", options.context);
    if (options.cluster) flags.push("--cluster", options.cluster);
    return { flags, cleanup };
}

function kubectl(options: ReadOptions, target: string[], args: string[]): Outcome {
    const binary = options.kubectl ?? process.env.INGRESS_KUBECTL ?? "kubectl";
    try {
        const out = execFileSync(binary, [...target, ...args, "-o", "json"], {
            encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 20_000, maxBuffer: 64 * 1024 * 1024,
        });
        return { json: JSON.parse(out) };
    } catch (err) {
        const e = err as NodeJS.ErrnoException & { stderr?: string };
        if (e.code === "ENOENT") return { failed: `${binary} not found` };
        if (/NotFound|not found/.test(e.stderr ?? "")) return { notFound: true };
        return { failed: (e.stderr ?? e.message).trim().split("\n")[0] };
    }
}

function crdFact(item: any): CrdFact {
    return {
        name: item?.metadata?.name,
        annotations: item?.metadata?.annotations ?? {},
        labels: item?.metadata?.labels ?? {},
        managers: (item?.metadata?.managedFields ?? []).map((f: any) => f?.manager).filter((m: unknown): m is string => typeof m === "string"),
    };
}

export function readClusterFacts(options: ReadOptions = {}): ReadResult {
    const facts: ClusterFacts = {};
    const notes: string[] = [];
    const { flags, cleanup } = kubectlTarget(options);
    try {
        const version = kubectl(options, flags, ["version"]);
        if ("json" in version) facts.serverVersion = version.json?.serverVersion?.gitVersion;
        else if ("failed" in version) {
            // Without an answer from the API server nothing else can be read either.
            notes.push(`the cluster could not be read (${version.failed}); preflight checks skipped`);
            return { facts, notes };
        }

        const proxy = kubectl(options, flags, ["-n", "kube-system", "get", "configmap", "kube-proxy"]);
        if ("json" in proxy) facts.kubeProxyConfig = proxy.json?.data?.["config.conf"] ?? null;
        else if ("notFound" in proxy) facts.kubeProxyConfig = null;
        else notes.push(`ConfigMap kube-system/kube-proxy could not be read (${proxy.failed})`);

        const daemonSets = kubectl(options, flags, ["-n", "kube-system", "get", "daemonsets"]);
        if ("json" in daemonSets) facts.kubeSystemDaemonSets = (daemonSets.json?.items ?? []).map((d: any) => d.metadata?.name).filter(Boolean);
        else if ("failed" in daemonSets) notes.push(`DaemonSets of kube-system could not be read (${daemonSets.failed})`);

        const crds = kubectl(options, flags, ["get", "customresourcedefinitions", ...Object.values(MARKER_CRDS), "--ignore-not-found"]);
        if ("json" in crds) facts.crds = (crds.json?.items ?? (crds.json?.metadata?.name ? [crds.json] : [])).map(crdFact);
        else if ("notFound" in crds) facts.crds = [];
        else notes.push(`CRDs could not be read (${crds.failed}); an earlier install of MetalLB, Istio or the Gateway API goes unnoticed`);

        const nodes = kubectl(options, flags, ["get", "nodes"]);
        if ("json" in nodes) {
            facts.nodeLabels = (nodes.json?.items ?? []).map((n: any) => n.metadata?.labels ?? {});
            facts.nodeInternalIps = (nodes.json?.items ?? []).map((n: any) => (n.status?.addresses ?? []).filter((a: any) => a?.type === "InternalIP").map((a: any) => String(a.address)));
        }

        if (options.storageClasses) {
            const classes = kubectl(options, flags, ["get", "storageclasses"]);
            if ("json" in classes) {
                facts.storageClasses = (classes.json?.items ?? []).map((c: any) => ({
                    name: c.metadata?.name,
                    isDefault: c.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true",
                }));
            } else if ("failed" in classes) notes.push(`StorageClasses could not be read (${classes.failed})`);
        }
        return { facts, notes };
    } finally {
        cleanup();
    }
}
