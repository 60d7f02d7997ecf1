// Preflight: each cluster a user may point the program at, from facts (pure) and through a
// stand-in kubectl (how the facts are read).
import * as assert from "assert";
import { bgpNodeFindings, preflightFindings, preflightNeeds } from "../../model/preflight";
import { parseStackConfig } from "../../config";
import { editedConfig } from "../helpers/stacks";
import { readClusterFacts } from "../../cluster/preflight";
import { fakeKubectl } from "../helpers/kubectl";

describe("preflight: what the charts need from the cluster", () => {
    it("stops on kube-proxy in IPVS mode without strictARP, with the fix", () => {
        const { errors } = preflightFindings({ kubeProxyConfig: "mode: ipvs\nipvs:\n  strictARP: false\n", kubeSystemDaemonSets: [], serverVersion: "v1.31.0" });
        assert.strictEqual(errors.length, 1);
        assert.match(errors[0], /IPVS mode without strictARP/);
        assert.match(errors[0], /strictARP: true/);
    });
    it("accepts IPVS with strictARP, and iptables or the default mode", () => {
        for (const conf of ["mode: ipvs\nipvs:\n  strictARP: true\n", "mode: iptables\n", "mode: \"\"\n", "mode: nftables\n"]) {
            assert.deepStrictEqual(preflightFindings({ kubeProxyConfig: conf, kubeSystemDaemonSets: [], serverVersion: "v1.31.0" }), { errors: [], warnings: [] }, conf);
        }
    });
    it("warns, without failing, when kube-proxy's ConfigMap does not exist (k3s, microk8s)", () => {
        const { errors, warnings } = preflightFindings({ kubeProxyConfig: null, kubeSystemDaemonSets: [], serverVersion: "v1.30.4+k3s1" });
        assert.deepStrictEqual(errors, []);
        assert.match(warnings.join("\n"), /mode is unknown/);
    });
    it("stops on k3s's ServiceLB", () => {
        const { errors } = preflightFindings({ kubeSystemDaemonSets: ["svclb-traefik-1a2b3c", "kube-proxy"], serverVersion: "v1.30.4+k3s1" });
        assert.match(errors.join("\n"), /ServiceLB is running \(svclb-traefik-1a2b3c/);
        assert.match(errors.join("\n"), /--disable servicelb/);
    });
    it("stops below the charts' kubeVersion and warns below the tested range", () => {
        assert.match(preflightFindings({ serverVersion: "v1.18.20" }).errors.join(), /older than the charts accept \(1\.19\.0\)/);
        const old = preflightFindings({ serverVersion: "v1.27.3" });
        assert.deepStrictEqual(old.errors, []);
        assert.match(old.warnings.join(), /older than the oldest version/);
    });
    it("says nothing of what it could not read", () => {
        assert.deepStrictEqual(preflightFindings({}), { errors: [], warnings: [] });
    });
});

describe("preflight: reading the cluster with kubectl", () => {
    it("reads version, kube-proxy's config.conf and kube-system's DaemonSets", () => {
        const kubectl = fakeKubectl({ version: "v1.30.4+k3s1", kubeProxyConfig: "mode: ipvs\n", daemonSets: ["svclb-traefik"] });
        assert.deepStrictEqual(readClusterFacts({ kubectl, context: "edge" }), {
            facts: { serverVersion: "v1.30.4+k3s1", kubeProxyConfig: "mode: ipvs\n", kubeSystemDaemonSets: ["svclb-traefik"], crds: [], nodeLabels: [{ "kubernetes.io/hostname": "node-1" }], nodeInternalIps: [["172.18.0.2"]] },
            notes: [],
        });
    });
    it("tells a missing ConfigMap (null) from an unreadable cluster (skipped, with a note)", () => {
        assert.strictEqual(readClusterFacts({ kubectl: fakeKubectl({ kubeProxyConfig: null }) }).facts.kubeProxyConfig, null);
        const down = readClusterFacts({ kubectl: fakeKubectl({ unreachable: true }) });
        assert.deepStrictEqual(down.facts, {});
        assert.match(down.notes.join(), /could not be read \(The connection to the server localhost:8080 was refused\)/);
        assert.match(readClusterFacts({ kubectl: "/nonexistent/kubectl" }).notes.join(), /not found/);
    });
});

describe("preflight: what is already in the cluster", () => {
    const helmCrd = (name: string, release: string, namespace: string) => ({ name, annotations: { "meta.helm.sh/release-name": release, "meta.helm.sh/release-namespace": namespace }, labels: {}, managers: ["helm"] });
    const pulumiCrd = (name: string) => ({ name, annotations: {}, labels: {}, managers: ["pulumi-kubernetes-1a2b3c4d"] });

    it("stops on a MetalLB or Istio that another tool installed, naming it and the fix", () => {
        const { errors } = preflightFindings({ crds: [helmCrd("ipaddresspools.metallb.io", "metallb", "metallb-system"), { name: "gateways.networking.istio.io", annotations: {}, labels: { "operator.istio.io/component": "Base" }, managers: ["istio-operator"] }] });
        assert.strictEqual(errors.length, 2, errors.join("\n"));
        assert.match(errors[0], /^MetalLB is already installed in this cluster \(CRD ipaddresspools\.metallb\.io, by the Helm release "metallb" in "metallb-system"\)/);
        assert.match(errors[0], /`helm uninstall metallb -n metallb-system`/);
        assert.match(errors[0], /pulumi config set kubernetes:upsertExistingObjects true/);
        assert.match(errors[1], /^Istio is already installed in this cluster \(CRD gateways\.networking\.istio\.io, by istioctl\)/);
        assert.match(errors[1], /istioctl uninstall --purge/);
    });

    it("names minikube's and microk8s's own addons and how to turn them off", () => {
        const addon = { name: "ipaddresspools.metallb.io", annotations: {}, labels: {}, managers: ["kubectl-client-side-apply"] };
        const minikube = preflightFindings({ crds: [addon], nodeLabels: [{ "minikube.k8s.io/name": "minikube" }] }).errors[0];
        assert.match(minikube, /`minikube addons disable metallb`/);
        assert.match(minikube, /by another tool \(field managers: kubectl-client-side-apply\)/);
        const microk8s = preflightFindings({ crds: [{ ...addon, name: "gateways.networking.istio.io" }], nodeLabels: [{ "microk8s.io/cluster": "true" }] }).errors[0];
        assert.match(microk8s, /`microk8s disable istio`/);
    });

    it("says nothing of its own earlier install (a Pulumi field manager), so a second pulumi up passes", () => {
        assert.deepStrictEqual(preflightFindings({ crds: [pulumiCrd("ipaddresspools.metallb.io"), pulumiCrd("gateways.networking.istio.io"), pulumiCrd("gateways.gateway.networking.k8s.io")] }, { manageGatewayApiCrds: true, gatewayApiVersion: "v1.5.1" }), { errors: [], warnings: [] });
    });

    it("stops on Gateway API CRDs of another owner when it would install them, with the settings that adopt them", () => {
        const theirs = { name: "gateways.gateway.networking.k8s.io", annotations: { "gateway.networking.k8s.io/bundle-version": "v1.4.0", "gateway.networking.k8s.io/channel": "experimental" }, labels: {}, managers: ["kubectl-client-side-apply"] };
        const [error] = preflightFindings({ crds: [theirs] }, { manageGatewayApiCrds: true, gatewayApiVersion: "v1.5.1" }).errors;
        assert.match(error, /^the Gateway API CRDs are already installed \(v1\.4\.0, experimental channel, by another tool/);
        assert.match(error, /pulumi config set --path gatewayApi\.crds\.manage false` and `pulumi config set --path gatewayApi\.crds\.version v1\.4\.0`/);
        // Managed elsewhere: fine when there, a stop when missing, a word when the version differs from the config's.
        assert.deepStrictEqual(preflightFindings({ crds: [theirs] }, { manageGatewayApiCrds: false, gatewayApiVersion: "v1.4.0" }), { errors: [], warnings: [] });
        assert.match(preflightFindings({ crds: [] }, { manageGatewayApiCrds: false, gatewayApiVersion: "v1.5.1" }).errors.join(), /gatewayApi\.crds\.manage is false, but the cluster has no Gateway API CRDs/);
        assert.match(preflightFindings({ crds: [theirs] }, { manageGatewayApiCrds: false, gatewayApiVersion: "v1.5.1" }).warnings.join(), /are v1\.4\.0, and gatewayApi\.crds\.version says v1\.5\.1/);
    });

    it("stops on a volume no StorageClass would provide", () => {
        assert.match(preflightFindings({ storageClasses: [{ name: "slow", isDefault: false }] }, { storageClass: "" }).errors.join(), /cluster's default StorageClass, and this cluster has none \(StorageClasses: "slow"\), so the claim would stay Pending/);
        assert.match(preflightFindings({ storageClasses: [] }, { storageClass: "fast" }).errors.join(), /storageClass: "fast" is not a StorageClass of this cluster \(it has: none\)/);
        assert.deepStrictEqual(preflightFindings({ storageClasses: [{ name: "standard", isDefault: true }] }, { storageClass: "" }).errors, []);
    });

    it("knows what the committed stacks ask for: prod's Prometheus volume, gateway-api mode's CRDs", async () => {
        const { preflightNeeds } = await import("../../model/preflight");
        const { stackConfig } = await import("../helpers/stacks");
        assert.deepStrictEqual(preflightNeeds(stackConfig("prod")), { storageClass: "" });
        assert.deepStrictEqual(preflightNeeds(stackConfig("dev")), {});
    });
});

describe("preflight: the cluster the stack's provider points at", () => {
    const fs = require("fs") as typeof import("fs");
    const os = require("os") as typeof import("os");
    const path = require("path") as typeof import("path");

    it("passes kubernetes:kubeconfig (a path, or the file's contents), kubernetes:context and kubernetes:cluster to kubectl", () => {
        const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kubectl-log-")), "calls");
        const kubectl = fakeKubectl({ log });
        readClusterFacts({ kubectl, kubeconfig: "/home/me/.kube/edge.yaml", context: "edge", cluster: "edge-cluster" });
        const calls = fs.readFileSync(log, "utf8").trim().split("\n");
        assert.ok(calls.length >= 5);
        for (const call of calls) assert.match(call, /^--kubeconfig \/home\/me\/\.kube\/edge\.yaml --context edge --cluster edge-cluster /);
        fs.writeFileSync(log, "");
        readClusterFacts({ kubectl, kubeconfig: "apiVersion: v1\nkind: Config\nclusters: []\n" });
        const file = /--kubeconfig (\S+)/.exec(fs.readFileSync(log, "utf8"))![1];
        assert.ok(!fs.existsSync(file), "the contents went into a temporary file, removed after");
    });

    it("reads the CRDs that tell an earlier install, the nodes, and the StorageClasses when asked", () => {
        const kubectl = fakeKubectl({
            crds: [{ metadata: { name: "ipaddresspools.metallb.io", annotations: { "meta.helm.sh/release-name": "metallb", "meta.helm.sh/release-namespace": "metallb-system" }, managedFields: [{ manager: "helm" }] } }],
            nodeLabels: [{ "minikube.k8s.io/name": "minikube" }],
            storageClasses: [{ name: "standard", isDefault: true }],
        });
        const { facts } = readClusterFacts({ kubectl, storageClasses: true });
        assert.deepStrictEqual(facts.crds, [{ name: "ipaddresspools.metallb.io", annotations: { "meta.helm.sh/release-name": "metallb", "meta.helm.sh/release-namespace": "metallb-system" }, labels: {}, managers: ["helm"] }]);
        assert.deepStrictEqual(facts.nodeLabels, [{ "minikube.k8s.io/name": "minikube" }]);
        assert.deepStrictEqual(facts.nodeInternalIps, [["172.18.0.2"]], "InternalIP addresses only, not the hostname");
        assert.deepStrictEqual(facts.storageClasses, [{ name: "standard", isDefault: true }]);
        assert.strictEqual(readClusterFacts({ kubectl }).facts.storageClasses, undefined, "read only when the config asks for a volume");
    });
});

describe("preflight: BGP against the cluster's nodes", () => {
    const metalNeeds = () => preflightNeeds(parseStackConfig(editedConfig("metal", () => undefined)));
    const nodes = (ips: string[][], labels: Record<string, string>[] = ips.map((_, i) => ({ "kubernetes.io/hostname": `n${i}` }))) => ({ nodeLabels: labels, nodeInternalIps: ips });

    it("passes the metal stack on IPv4 nodes", () => {
        assert.deepStrictEqual(bgpNodeFindings(nodes([["10.20.0.21"], ["10.20.0.22"]]), metalNeeds()), { errors: [], warnings: [] });
    });

    it("refuses a peer of a family no node that would peer with it has", () => {
        const needs = preflightNeeds(parseStackConfig(editedConfig("metal", (raw) => { raw.metallb.bgp.peers[1].address = "fd00:20::2"; })));
        const { errors } = bgpNodeFindings(nodes([["10.20.0.21"], ["10.20.0.22"]]), needs);
        assert.deepStrictEqual(errors.length, 1, errors.join("\n"));
        assert.match(errors[0], /^metallb\.bgp\.peers\[1\]\.address: "fd00:20::2" is IPv6, and the nodes that would peer with it have IPv4 InternalIP addresses, so no BGP session can come up/);
        // Dual-stack nodes have both.
        assert.deepStrictEqual(bgpNodeFindings(nodes([["10.20.0.21", "fd00:20::21"]]), needs).errors, []);
    });

    it("warns of a node selector that picks no node (labels misspelt, or nodes not labelled yet)", () => {
        const needs = preflightNeeds(parseStackConfig(editedConfig("metal", (raw) => { raw.metallb.bgp.peers[0].nodeSelectors = [{ matchLabels: { rack: "a" } }]; })));
        const labelled = nodes([["10.20.0.21"], ["10.20.0.22"]], [{ rack: "a" }, { rack: "b" }]);
        assert.deepStrictEqual(bgpNodeFindings(labelled, needs).warnings, []);
        const unlabelled = bgpNodeFindings(nodes([["10.20.0.21"], ["10.20.0.22"]]), needs);
        assert.deepStrictEqual(unlabelled.warnings, ["metallb.bgp.peers[0].nodeSelectors: picks none of the cluster's 2 node(s), so nothing is announced from there (check the labels: kubectl get nodes --show-labels)"]);
        assert.deepStrictEqual(unlabelled.errors, [], "a peer that no node peers with has no family to miss");
    });

    it("says nothing when the nodes could not be read", () => {
        assert.deepStrictEqual(bgpNodeFindings({}, metalNeeds()), { errors: [], warnings: [] });
    });

    it("is part of the preflight the program runs", () => {
        const needs = preflightNeeds(parseStackConfig(editedConfig("metal", (raw) => { raw.metallb.bgp.peers[1].address = "fd00:20::2"; })));
        assert.ok(preflightFindings(nodes([["10.20.0.21"]]), needs).errors.some((e) => /peers\[1\]\.address/.test(e)));
    });
});
