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
    const file = path.join(dir, "kubectl");
    fs.writeFileSync(file, `#!/usr/bin/env node
const args = process.argv.slice(2).filter((a, i, all) => a !== "--context" && all[i - 1] !== "--context");
const answers = ${JSON.stringify(answers)};
if (${cluster.unreachable ? "true" : "false"}) { process.stderr.write("The connection to the server localhost:8080 was refused\\n"); process.exit(1); }
if (args[0] === "version") { console.log(answers.version); process.exit(0); }
if (args.includes("configmap")) {
    if (answers.configmap === null) { process.stderr.write('Error from server (NotFound): configmaps "kube-proxy" not found\\n'); process.exit(1); }
    console.log(answers.configmap); process.exit(0);
}
if (args.includes("daemonsets")) { console.log(answers.daemonsets); process.exit(0); }
process.exit(2);
`);
    fs.chmodSync(file, 0o755);
    return file;
}
