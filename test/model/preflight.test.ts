// Preflight: each cluster a user may point the program at, from facts (pure) and through a
// stand-in kubectl (how the facts are read).
import * as assert from "assert";
import { preflightFindings } from "../../model/preflight";
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
            facts: { serverVersion: "v1.30.4+k3s1", kubeProxyConfig: "mode: ipvs\n", kubeSystemDaemonSets: ["svclb-traefik"] },
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
