// Reads the facts preflight needs off the cluster Pulumi deploys to, with kubectl (the tool every
// user of this program has). Anything that cannot be read stays unknown: a warning, never a guess.
import { execFileSync } from "child_process";
import type { ClusterFacts } from "../model/preflight";

export interface ReadOptions {
    /** kubectl to run (default: $INGRESS_KUBECTL, else "kubectl" on the PATH). */
    kubectl?: string;
    /** kubeconfig context (the stack's `kubernetes:context`), if set. */
    context?: string;
}

export interface ReadResult {
    facts: ClusterFacts;
    /** Why some facts are unknown. */
    notes: string[];
}

type Outcome = { json: any } | { notFound: true } | { failed: string };

function kubectl(options: ReadOptions, args: string[]): Outcome {
    const binary = options.kubectl ?? process.env.INGRESS_KUBECTL ?? "kubectl";
    try {
        const out = execFileSync(binary, [...(options.context ? ["--context", options.context] : []), ...args, "-o", "json"], {
            encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 20_000,
        });
        return { json: JSON.parse(out) };
    } catch (err) {
        const e = err as NodeJS.ErrnoException & { stderr?: string };
        if (e.code === "ENOENT") return { failed: `${binary} not found` };
        if (/NotFound|not found/.test(e.stderr ?? "")) return { notFound: true };
        return { failed: (e.stderr ?? e.message).trim().split("\n")[0] };
    }
}

export function readClusterFacts(options: ReadOptions = {}): ReadResult {
    const facts: ClusterFacts = {};
    const notes: string[] = [];

    const version = kubectl(options, ["version"]);
    if ("json" in version) facts.serverVersion = version.json?.serverVersion?.gitVersion;
    else if ("failed" in version) {
        // Without an answer from the API server nothing else can be read either.
        notes.push(`the cluster could not be read (${version.failed}); preflight checks skipped`);
        return { facts, notes };
    }

    const proxy = kubectl(options, ["-n", "kube-system", "get", "configmap", "kube-proxy"]);
    if ("json" in proxy) facts.kubeProxyConfig = proxy.json?.data?.["config.conf"] ?? null;
    else if ("notFound" in proxy) facts.kubeProxyConfig = null;
    else notes.push(`ConfigMap kube-system/kube-proxy could not be read (${proxy.failed})`);

    const daemonSets = kubectl(options, ["-n", "kube-system", "get", "daemonsets"]);
    if ("json" in daemonSets) facts.kubeSystemDaemonSets = (daemonSets.json?.items ?? []).map((d: any) => d.metadata?.name).filter(Boolean);
    else if ("failed" in daemonSets) notes.push(`DaemonSets of kube-system could not be read (${daemonSets.failed})`);

    return { facts, notes };
}
