// What the charts need from a cluster, judged from facts read off it: errors with their fix,
// and warnings where the facts are unknown (k3s and microk8s keep kube-proxy's config elsewhere).
import { parse } from "yaml";
import { parseIp } from "../policy/lib/addresses";
import { labelSelectorMatches } from "../policy/lib/metallb";
import type { LabelSelector } from "./types";

/** Oldest Kubernetes the charts' own `kubeVersion` fields accept (MetalLB's `>= 1.19.0-0`). */
export const CHARTS_MIN_KUBERNETES = "1.19.0";
/** Oldest Kubernetes the render tests prove the charts against. */
export const TESTED_MIN_KUBERNETES = "1.29.0";

/** A CRD found in the cluster, with what tells who installed it. */
export interface CrdFact {
    name: string;
    annotations: Record<string, string>;
    labels: Record<string, string>;
    /** Field managers of its managedFields ("pulumi-kubernetes-1a2b3c4d", "helm", "kubectl-client-side-apply", …). */
    managers: string[];
}

/** Facts read off a cluster; `undefined` where they could not be read. */
export interface ClusterFacts {
    /** The CRDs preflight asked for that exist (those that do not are absent). */
    crds?: CrdFact[];
    /** StorageClasses, read when the config asks for a volume. */
    storageClasses?: { name: string; isDefault: boolean }[];
    /** Labels of the nodes: which distribution this is (minikube, microk8s, k3s, kind), which nodes a selector picks. */
    nodeLabels?: Record<string, string>[];
    /** Each node's InternalIP addresses, in the order of nodeLabels: the address families BGP sessions can use. */
    nodeInternalIps?: string[][];
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

/** The CRDs whose presence says MetalLB, Istio or the Gateway API are installed already. */
export const MARKER_CRDS = {
    metallb: "ipaddresspools.metallb.io",
    istio: "gateways.networking.istio.io",
    gatewayApi: "gateways.gateway.networking.k8s.io",
} as const;

/** A field manager of pulumi-kubernetes (its server-side apply manager, or its client-side one). */
const PULUMI_MANAGER = /^pulumi-kubernetes(-[0-9a-f]{8})?$/;

/** Who installed an object, as far as its metadata tells. */
function ownerOf(crd: CrdFact): string {
    const release = crd.annotations["meta.helm.sh/release-name"];
    if (release) return `the Helm release ${JSON.stringify(release)} in ${JSON.stringify(crd.annotations["meta.helm.sh/release-namespace"] ?? "?")}`;
    if (crd.labels["addonmanager.kubernetes.io/mode"] || Object.keys(crd.labels).some((k) => k.startsWith("kubernetes.io/minikube-addons"))) return "a minikube addon";
    if (crd.labels["install.operator.istio.io/owning-resource"] || crd.labels["operator.istio.io/component"]) return "istioctl";
    const others = crd.managers.filter((m) => !PULUMI_MANAGER.test(m));
    return others.length > 0 ? `another tool (field managers: ${others.join(", ")})` : "another tool";
}

/** The distribution the nodes say this is, for the fix of an addon of its own. */
function distributionOf(facts: ClusterFacts): "minikube" | "microk8s" | "k3s" | "kind" | undefined {
    const labels = facts.nodeLabels ?? [];
    if (labels.some((l) => Object.keys(l).some((k) => k.startsWith("minikube.k8s.io/")))) return "minikube";
    if (labels.some((l) => l["microk8s.io/cluster"] !== undefined)) return "microk8s";
    if (labels.some((l) => l["node.kubernetes.io/instance-type"] === "k3s" || Object.keys(l).some((k) => k.startsWith("k3s.io/")))) return "k3s";
    if (labels.some((l) => (l["kubernetes.io/hostname"] ?? "").startsWith("kind-"))) return "kind";
    return undefined;
}

/** The parts of a validated edge preflight reads. */
interface PreflightSpec {
    api?: string;
    gatewayApi?: { crds: { manage: boolean; version: string } };
    addons?: { prometheus: { enabled: boolean; storage?: { storageClass: string } } };
    metallb?: {
        pools: { advertise?: { l2?: { nodeSelectors: LabelSelector[] }; bgp?: { nodeSelectors: LabelSelector[] } } }[];
        bgp?: { peers: { address: string; nodeSelectors: LabelSelector[] }[] };
    };
}

/** What a validated edge asks of the cluster that preflight can check. */
export function preflightNeeds(spec: PreflightSpec): PreflightNeeds {
    const gatewayApi = spec.api === "gateway-api" && spec.gatewayApi ? { manageGatewayApiCrds: spec.gatewayApi.crds.manage, gatewayApiVersion: spec.gatewayApi.crds.version } : {};
    const prometheus = spec.addons?.prometheus;
    const selectors: { key: string; selectors: LabelSelector[] }[] = [];
    spec.metallb?.pools.forEach((pool, i) => {
        for (const mode of ["l2", "bgp"] as const) {
            const chosen = pool.advertise?.[mode]?.nodeSelectors ?? [];
            if (chosen.length > 0) selectors.push({ key: `metallb.pools[${i}].advertise.${mode}.nodeSelectors`, selectors: chosen });
        }
    });
    const peers = (spec.metallb?.bgp?.peers ?? []).map((p, i) => ({ key: `metallb.bgp.peers[${i}]`, address: p.address, nodeSelectors: p.nodeSelectors }));
    peers.forEach((p) => { if (p.nodeSelectors.length > 0) selectors.push({ key: `${p.key}.nodeSelectors`, selectors: p.nodeSelectors }); });
    return {
        ...gatewayApi,
        ...(prometheus?.enabled && prometheus.storage ? { storageClass: prometheus.storage.storageClass } : {}),
        ...(peers.length > 0 ? { bgpPeers: peers } : {}),
        ...(selectors.length > 0 ? { nodeSelectors: selectors } : {}),
    };
}

/** What the config asks of the cluster that preflight can check. */
export interface PreflightNeeds {
    /** Gateway API mode with the CRDs installed by the program (true), or by someone else (false); undefined in Istio mode. */
    manageGatewayApiCrds?: boolean;
    gatewayApiVersion?: string;
    /** A PersistentVolumeClaim's storage class: "" means the cluster's default. */
    storageClass?: string;
    /** BGP peers: each needs nodes with an address of its family. */
    bgpPeers?: { key: string; address: string; nodeSelectors: LabelSelector[] }[];
    /** MetalLB node selectors of the config: each should pick a node. */
    nodeSelectors?: { key: string; selectors: LabelSelector[] }[];
}

/**
 * BGP against the nodes: a peer is reached from nodes with an address of its family (FRR opens
 * the session from one), and a node selector that picks no node announces from nowhere.
 */
export function bgpNodeFindings(facts: ClusterFacts, needs: PreflightNeeds): PreflightResult {
    const errors: string[] = [];
    const warnings: string[] = [];
    const labels = facts.nodeLabels;
    if (!labels) return { errors, warnings };
    const picks = (selectors: LabelSelector[]) => labels.map((_, n) => n).filter((n) => selectors.length === 0 || selectors.some((s) => labelSelectorMatches(s, labels[n]) === true));
    const familyName = (f: string) => (f === "ipv4" ? "IPv4" : "IPv6");
    for (const peer of needs.bgpPeers ?? []) {
        const family = parseIp(peer.address)?.family;
        if (!family || !facts.nodeInternalIps) continue;
        const nodes = picks(peer.nodeSelectors);
        const families = new Set(nodes.flatMap((n) => (facts.nodeInternalIps![n] ?? []).map((a) => parseIp(a)?.family)));
        if (nodes.length > 0 && !families.has(family)) {
            const have = [...families].filter(Boolean).map((f) => familyName(f!)).join(" and ") || "no";
            errors.push(`${peer.key}.address: ${JSON.stringify(peer.address)} is ${familyName(family)}, and the nodes that would peer with it have ${have} InternalIP addresses, so no BGP session can come up: give the peer's ${familyName([...families][0] ?? "ipv4")} address, or make the cluster dual-stack`);
        }
    }
    for (const need of needs.nodeSelectors ?? []) {
        if (picks(need.selectors).length === 0) {
            warnings.push(`${need.key}: picks none of the cluster's ${labels.length} node(s), so nothing is announced from there (check the labels: kubectl get nodes --show-labels)`);
        }
    }
    return { errors, warnings };
}

/**
 * What is already in the cluster that would make `pulumi up` fail half-way with "already exists":
 * another install of MetalLB or Istio (an earlier one, minikube's or microk8s's addon), Gateway API
 * CRDs of another release or owner; and a volume no StorageClass would provide.
 */
export function existingInstallFindings(facts: ClusterFacts, needs: PreflightNeeds = {}): PreflightResult {
    const errors: string[] = [];
    const warnings: string[] = [];
    const crd = (name: string) => facts.crds?.find((c) => c.name === name);
    const foreign = (c: CrdFact | undefined) => !!c && !c.managers.some((m) => PULUMI_MANAGER.test(m));
    const distribution = distributionOf(facts);
    const adopt = "or let this stack take the existing objects over: `pulumi config set kubernetes:upsertExistingObjects true` (they are then this stack's, and `pulumi destroy` removes them)";

    const metallb = crd(MARKER_CRDS.metallb);
    if (foreign(metallb)) {
        const remove = distribution === "minikube" ? "`minikube addons disable metallb`" : distribution === "microk8s" ? "`microk8s disable metallb`"
            : metallb!.annotations["meta.helm.sh/release-name"] ? `\`helm uninstall ${metallb!.annotations["meta.helm.sh/release-name"]} -n ${metallb!.annotations["meta.helm.sh/release-namespace"]}\`` : "removing it";
        errors.push(`MetalLB is already installed in this cluster (CRD ${MARKER_CRDS.metallb}, by ${ownerOf(metallb!)}), and this stack installs its own: \`pulumi up\` would stop on "already exists". Fix: remove it (${remove}), ${adopt}`);
    }
    const istio = crd(MARKER_CRDS.istio);
    if (foreign(istio)) {
        const remove = distribution === "minikube" ? "`minikube addons disable istio` and `minikube addons disable istio-provisioner`" : distribution === "microk8s" ? "`microk8s disable istio`"
            : istio!.annotations["meta.helm.sh/release-name"] ? `\`helm uninstall ${istio!.annotations["meta.helm.sh/release-name"]} -n ${istio!.annotations["meta.helm.sh/release-namespace"]}\` (and its istiod release)` : "`istioctl uninstall --purge`";
        errors.push(`Istio is already installed in this cluster (CRD ${MARKER_CRDS.istio}, by ${ownerOf(istio!)}), and this stack installs its own: \`pulumi up\` would stop on "already exists". Fix: remove it (${remove}), ${adopt}`);
    }
    const gatewayApi = crd(MARKER_CRDS.gatewayApi);
    if (needs.manageGatewayApiCrds === true && foreign(gatewayApi)) {
        const version = gatewayApi!.annotations["gateway.networking.k8s.io/bundle-version"];
        const channel = gatewayApi!.annotations["gateway.networking.k8s.io/channel"];
        errors.push(`the Gateway API CRDs are already installed (${version ?? "unknown release"}${channel ? `, ${channel} channel` : ""}, by ${ownerOf(gatewayApi!)}), and this stack would install ${needs.gatewayApiVersion ?? "its own"}: ` +
            `use them as they are with \`pulumi config set --path gatewayApi.crds.manage false\`${version ? ` and \`pulumi config set --path gatewayApi.crds.version ${version}\`` : ""}, remove them, ${adopt}`);
    }
    if (needs.manageGatewayApiCrds === false && facts.crds !== undefined && !gatewayApi) {
        errors.push(`gatewayApi.crds.manage is false, but the cluster has no Gateway API CRDs (no ${MARKER_CRDS.gatewayApi}), so istiod would serve no Gateway: install them (\`kubectl apply --server-side -f <release>/standard-install.yaml\`), or set gatewayApi.crds.manage to true`);
    } else if (needs.manageGatewayApiCrds === false && gatewayApi && needs.gatewayApiVersion) {
        const version = gatewayApi.annotations["gateway.networking.k8s.io/bundle-version"];
        if (version && version !== needs.gatewayApiVersion) {
            warnings.push(`the cluster's Gateway API CRDs are ${version}, and gatewayApi.crds.version says ${needs.gatewayApiVersion}; set it to ${version} so that the version checks hold what runs`);
        }
    }

    if (needs.storageClass !== undefined && facts.storageClasses !== undefined) {
        const names = facts.storageClasses.map((c) => c.name);
        const list = names.length > 0 ? names.map((n) => JSON.stringify(n)).join(", ") : "none";
        if (needs.storageClass === "" && !facts.storageClasses.some((c) => c.isDefault)) {
            errors.push(`addons.prometheus.storage asks for a volume of the cluster's default StorageClass, and this cluster has none (StorageClasses: ${list}), so the claim would stay Pending: set addons.prometheus.storage.storageClass to one of them, ` +
                `install a provisioner (e.g. rancher's local-path-provisioner) and mark it default, or drop addons.prometheus.storage`);
        } else if (needs.storageClass !== "" && needs.storageClass !== "-" && !names.includes(needs.storageClass)) {
            errors.push(`addons.prometheus.storage.storageClass: ${JSON.stringify(needs.storageClass)} is not a StorageClass of this cluster (it has: ${list}), so the claim would stay Pending; use one of them`);
        }
    }
    return { errors, warnings };
}

export function preflightFindings(facts: ClusterFacts, needs?: PreflightNeeds): PreflightResult {
    const { errors, warnings } = existingInstallFindings(facts, needs);
    const bgp = bgpNodeFindings(facts, needs ?? {});
    errors.push(...bgp.errors);
    warnings.push(...bgp.warnings);

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
