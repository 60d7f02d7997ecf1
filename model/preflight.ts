// What the charts need from a cluster, judged from facts read off it: errors with their fix,
// and warnings where the facts are unknown (k3s and microk8s keep kube-proxy's config elsewhere).
import { parse } from "yaml";

/** Oldest Kubernetes the charts' own `kubeVersion` fields accept (MetalLB's `>= 1.19.0-0`). */
export const CHARTS_MIN_KUBERNETES = "1.19.0";
/** Oldest Kubernetes the render tests prove the charts against. */
export const TESTED_MIN_KUBERNETES = "1.29.0";

/** Facts read off a cluster; `undefined` where they could not be read. */
export interface ClusterFacts {
    /** `config.conf` of ConfigMap kube-system/kube-proxy; `null` when that ConfigMap does not exist. */
    kubeProxyConfig?: string | null;
    /** Names of the DaemonSets in kube-system. */
    kubeSystemDaemonSets?: string[];
    /** The API server's version, e.g. "v1.31.2" or "v1.30.4+k3s1". */
    serverVersion?: string;
}

export interface PreflightResult {
    errors: string[];
    warnings: string[];
}

function versionTuple(text: string): number[] | undefined {
    const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
    return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : undefined;
}

function olderThan(a: number[], b: number[]): boolean {
    for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
    return false;
}

export function preflightFindings(facts: ClusterFacts): PreflightResult {
    const errors: string[] = [];
    const warnings: string[] = [];

    if (facts.kubeProxyConfig === null) {
        warnings.push("kube-proxy: no ConfigMap kube-system/kube-proxy (k3s, microk8s and kube-proxy-free CNIs keep it elsewhere), so its mode is unknown; if kube-proxy runs in IPVS mode, set strictARP: true or MetalLB's layer 2 answers for nothing");
    } else if (typeof facts.kubeProxyConfig === "string") {
        let config: any;
        try {
            config = parse(facts.kubeProxyConfig) ?? {};
        } catch {
            config = undefined;
        }
        if (!config) {
            warnings.push("kube-proxy: config.conf of ConfigMap kube-system/kube-proxy is not YAML; its mode is unknown");
        } else if (config.mode === "ipvs" && config.ipvs?.strictARP !== true) {
            errors.push("kube-proxy runs in IPVS mode without strictARP: MetalLB's layer 2 cannot answer ARP for the gateway IPs. Fix: `kubectl -n kube-system get configmap kube-proxy -o yaml | sed -e 's/strictARP: false/strictARP: true/' | kubectl apply -f -` then restart kube-proxy (`kubectl -n kube-system rollout restart daemonset kube-proxy`); or turn preflight off with `pulumi config set preflight false`");
        }
    }

    const serviceLb = (facts.kubeSystemDaemonSets ?? []).filter((name) => name.startsWith("svclb-"));
    if (serviceLb.length > 0) {
        errors.push(`k3s's built-in ServiceLB is running (${serviceLb.join(", ")} in kube-system) and competes with MetalLB for every LoadBalancer Service. Fix: start k3s with \`--disable servicelb\` (or add \`disable: [servicelb]\` to /etc/rancher/k3s/config.yaml) and restart it`);
    }

    if (facts.serverVersion !== undefined) {
        const version = versionTuple(facts.serverVersion);
        if (!version) {
            warnings.push(`Kubernetes version ${JSON.stringify(facts.serverVersion)} could not be read`);
        } else if (olderThan(version, versionTuple(CHARTS_MIN_KUBERNETES)!)) {
            errors.push(`Kubernetes ${facts.serverVersion} is older than the charts accept (${CHARTS_MIN_KUBERNETES}); upgrade the cluster`);
        } else if (olderThan(version, versionTuple(TESTED_MIN_KUBERNETES)!)) {
            warnings.push(`Kubernetes ${facts.serverVersion} is older than the oldest version this project's tests render the charts for (${TESTED_MIN_KUBERNETES})`);
        }
    }
    return { errors, warnings };
}
