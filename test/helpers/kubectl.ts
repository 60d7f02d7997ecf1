// A stand-in kubectl for preflight tests: answers `version`, `get configmap kube-proxy` and
// `get daemonsets` from a description of a cluster, as the real one prints them with -o json.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export interface FakeCluster {
    version?: string;
    /** config.conf of kube-system/kube-proxy; null = the ConfigMap does not exist. */
    kubeProxyConfig?: string | null;
    daemonSets?: string[];
    /** The API server does not answer. */
    unreachable?: boolean;
}

/** Writes an executable stand-in kubectl and returns its path. */
export function fakeKubectl(cluster: FakeCluster): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubectl-"));
    const answers = {
        version: JSON.stringify({ serverVersion: { gitVersion: cluster.version ?? "v1.31.2" } }),
        configmap: cluster.kubeProxyConfig === null ? null : JSON.stringify({ data: { "config.conf": cluster.kubeProxyConfig ?? "mode: iptables\n" } }),
        daemonsets: JSON.stringify({ items: (cluster.daemonSets ?? ["kube-proxy", "kindnet"]).map((name) => ({ metadata: { name } })) }),
    };
    // A shell script: it is run three times per program evaluation, and shell starts faster than node.
    const file = path.join(dir, "kubectl");
    const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;
    fs.writeFileSync(file, [
        "#!/bin/sh",
        cluster.unreachable ? 'echo "The connection to the server localhost:8080 was refused" >&2; exit 1' : "",
        'case " $* " in',
        `  *" version "*) printf '%s\\n' ${quote(answers.version)} ;;`,
        answers.configmap === null
            ? `  *" configmap "*) echo 'Error from server (NotFound): configmaps "kube-proxy" not found' >&2; exit 1 ;;`
            : `  *" configmap "*) printf '%s\\n' ${quote(answers.configmap)} ;;`,
        `  *" daemonsets "*) printf '%s\\n' ${quote(answers.daemonsets)} ;;`,
        "  *) exit 2 ;;",
        "esac",
        "",
    ].join("\n"));
    fs.chmodSync(file, 0o755);
    return file;
}
