// A stand-in kubectl for preflight tests: answers `version`, `get configmap kube-proxy`,
// `get daemonsets`, `get customresourcedefinitions`, `get nodes` and `get storageclasses` from a
// description of a cluster, as the real one prints them with -o json, and logs its arguments.
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
    /** CRDs that exist, as the API server returns them (metadata only is enough). */
    crds?: { metadata: Record<string, unknown> }[];
    /** Labels of each node. */
    nodeLabels?: Record<string, string>[];
    /** Each node's InternalIP addresses (in the order of nodeLabels; default one IPv4 address each). */
    nodeInternalIps?: string[][];
    storageClasses?: { name: string; isDefault?: boolean }[];
    /** A file each call appends its arguments to (one line per call). */
    log?: string;
}

/** Writes an executable stand-in kubectl and returns its path. */
export function fakeKubectl(cluster: FakeCluster): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kubectl-"));
    const answers = {
        version: JSON.stringify({ serverVersion: { gitVersion: cluster.version ?? "v1.31.2" } }),
        configmap: cluster.kubeProxyConfig === null ? null : JSON.stringify({ data: { "config.conf": cluster.kubeProxyConfig ?? "mode: iptables\n" } }),
        daemonsets: JSON.stringify({ items: (cluster.daemonSets ?? ["kube-proxy", "kindnet"]).map((name) => ({ metadata: { name } })) }),
        crds: JSON.stringify({ kind: "List", items: cluster.crds ?? [] }),
        nodes: JSON.stringify({ items: (cluster.nodeLabels ?? [{ "kubernetes.io/hostname": "node-1" }]).map((labels, n) => ({
            metadata: { labels },
            status: { addresses: [{ type: "Hostname", address: `node-${n + 1}` }, ...(cluster.nodeInternalIps?.[n] ?? [`172.18.0.${n + 2}`]).map((address) => ({ type: "InternalIP", address }))] },
        })) }),
        storageclasses: JSON.stringify({ items: (cluster.storageClasses ?? []).map((c) => ({ metadata: { name: c.name, annotations: c.isDefault ? { "storageclass.kubernetes.io/is-default-class": "true" } : {} } })) }),
    };
    // A shell script: it is run three times per program evaluation, and shell starts faster than node.
    const file = path.join(dir, "kubectl");
    const quote = (text: string) => `'${text.replace(/'/g, "'\\''")}'`;
    fs.writeFileSync(file, [
        "#!/bin/sh",
        cluster.log ? `echo "$*" >> ${quote(cluster.log)}` : "",
        cluster.unreachable ? 'echo "The connection to the server localhost:8080 was refused" >&2; exit 1' : "",
        'case " $* " in',
        `  *" version "*) printf '%s\\n' ${quote(answers.version)} ;;`,
        answers.configmap === null
            ? `  *" configmap "*) echo 'Error from server (NotFound): configmaps "kube-proxy" not found' >&2; exit 1 ;;`
            : `  *" configmap "*) printf '%s\\n' ${quote(answers.configmap)} ;;`,
        `  *" daemonsets "*) printf '%s\\n' ${quote(answers.daemonsets)} ;;`,
        `  *" customresourcedefinitions "*) printf '%s\\n' ${quote(answers.crds)} ;;`,
        `  *" nodes "*) printf '%s\\n' ${quote(answers.nodes)} ;;`,
        `  *" storageclasses "*) printf '%s\\n' ${quote(answers.storageclasses)} ;;`,
        "  *) exit 2 ;;",
        "esac",
        "",
    ].join("\n"));
    fs.chmodSync(file, 0o755);
    return file;
}
