// Configs a user could write that used to pass validation and break at `pulumi up` or at run
// time: each is now one plain problem naming the key, the value and the fix.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, checkStackConfig, parseFlatConfig, parseStackConfig, readStackConfig } from "../../config";
import { oneProblem, problemsOf } from "../helpers/problems";
import { flatStackConfig, editedConfig } from "../helpers/stacks";


const dev = (edit: (raw: Record<string, any>) => void) => editedConfig("dev", edit);

describe("model: namespaces are planned once", () => {
    it("rejects istio.namespace equal to metallb.namespace", () =>
        oneProblem(dev((raw) => { raw.istio = { namespace: "metallb-system" }; }), /^istio\.namespace: "metallb-system" is already metallb\.namespace/));
    it("rejects a gateway namespace equal to the sample apps' namespace", () =>
        oneProblem(dev((raw) => { raw.istio = { gatewayNamespace: "samples" }; }), /^samples\.namespace: "samples" is already istio\.gatewayNamespace/));
    it("rejects a mesh namespace equal to the sample apps' namespace, and lets the samples move", () => {
        oneProblem(dev((raw) => { raw.istio = { meshNamespaces: ["samples"] }; }), /^samples\.namespace: "samples" is already istio\.meshNamespaces\[0\]/);
        const moved = parseStackConfig(dev((raw) => { raw.istio = { meshNamespaces: ["samples"] }; raw.samples = { namespace: "demo" }; }));
        assert.deepStrictEqual(moved.samples, { enabled: true, namespace: "demo" });
    });
    for (const ns of ["kube-system", "kube-public", "kube-node-lease", "default"]) {
        it(`rejects gateways in ${ns}`, () =>
            oneProblem(dev((raw) => { raw.istio = { gatewayNamespace: ns }; }), new RegExp(`^istio\\.gatewayNamespace: "${ns}" is a namespace every cluster already has`), /pick another/));
    }
    it("accepts gateways beside istiod (one Namespace object)", () => {
        assert.strictEqual(parseStackConfig(dev((raw) => { raw.istio = { gatewayNamespace: "istio-system" }; })).istio.gatewayNamespace, "istio-system");
    });
});

describe("model: hosts and destinations Istio would refuse or misread", () => {
    it("rejects a host without a dot, as Istio does on a Gateway", () =>
        oneProblem(dev((raw) => { raw.gateways[0].hosts[1] = "shop"; raw.gateways[0].routes.forEach((r: any) => delete r.hosts); }), /^gateways\[0\]\.hosts\[1\]: "shop"/, /no dot/, /"shop\.example\.com"/));
    it("rejects an IP address as a host", () =>
        oneProblem(dev((raw) => { raw.gateways[1].hosts[0] = "192.168.49.241"; }), /^gateways\[1\]\.hosts\[0\]: "192\.168\.49\.241" is an IP address/, /SNI/));
    it("rejects a destination written as <service>.<namespace>, which Istio does not expand", () =>
        oneProblem(dev((raw) => { raw.gateways[0].routes[1].destination.host = "httpbin.samples"; }),
            /^gateways\[0\]\.routes\[1\]\.destination\.host: "httpbin\.samples"/, /host "httpbin" with namespace "samples"/, /httpbin\.samples\.svc\.cluster\.local/));
    it("rejects a destination namespace that a full name in another namespace would make meaningless", () =>
        oneProblem(dev((raw) => { raw.gateways[0].routes[1].destination.host = "httpbin.other.svc.cluster.local"; }),
            /^gateways\[0\]\.routes\[1\]\.destination\.namespace: "samples" is ignored/, /namespace "other"/));
    it("accepts an external full name as a destination", () => {
        parseStackConfig(dev((raw) => { raw.gateways[0].routes[1].destination = { host: "api.partner.example.com", port: 443 }; }));
    });
    it("reports a route host listed twice as such, not as the route duplicating itself", () =>
        oneProblem(dev((raw) => { raw.gateways[0].routes[0].hosts = ["microk8s.local", "microk8s.local"]; }), /^gateways\[0\]\.routes\[0\]\.hosts\[1\]: "microk8s\.local" is listed twice in this route/));
});

describe("model: addresses written with spaces, and one message per mistake", () => {
    it("rejects spaces around a gateway IP (they would reach curl and /etc/hosts)", () =>
        oneProblem(dev((raw) => { raw.gateways[0].ip = " 192.168.49.240 "; }), /^gateways\[0\]\.ip: " 192\.168\.49\.240 " contains white space; write it as "192\.168\.49\.240"/));
    it("rejects spaces inside a pool CIDR (MetalLB refuses them)", () =>
        oneProblem(dev((raw) => { raw.metallb.pools[0].addresses = ["192.168.49.240 / 31"]; }), /^metallb\.pools\[0\]\.addresses\[0\]: .* contains white space/, /"192\.168\.49\.240\/31"/));
    it("a reversed pool range is one problem, not three", () =>
        oneProblem(dev((raw) => { raw.metallb.pools[0].addresses = ["192.168.49.241-192.168.49.240"]; }), /starts after it ends/));
    it("a too-long CA common name says the limit in plain words", () =>
        oneProblem(dev((raw) => { raw.pki.caCommonName = "c".repeat(70); }), /^pki\.caCommonName: .* is too long \(70 characters\); at most 64/));
    it("an IPv6 gateway IP with only IPv4 pools says which family is missing", () =>
        oneProblem(dev((raw) => { raw.gateways[1].ip = "fd00::1"; }), /^gateways\[1\]\.ip: "fd00::1" is an IPv6 address but no MetalLB pool holds IPv6 addresses/));
    it("a dual-stack gateway with two IPv4 addresses", () =>
        oneProblem(dev((raw) => { raw.gateways[1].ip = ["192.168.49.241", "192.168.49.242"]; }), /lists two ipv4 addresses; a dual-stack gateway takes one IPv4 and one IPv6/));
});

describe("config: stack files", () => {
    it("a misspelt project prefix is an error, not a silent fall-back to defaults", () => {
        const flat = flatStackConfig("dev");
        const pki = flat["istio-metallb-ingress:pki"];
        delete flat["istio-metallb-ingress:pki"];
        flat["istio-metallb-ingres:pki"] = pki;
        assert.throws(() => parseFlatConfig(flat), (err: Error) => /istio-metallb-ingres:pki: the prefix "istio-metallb-ingres" is not this project's; write "istio-metallb-ingress:pki"/.test(err.message));
        assert.throws(() => readStackConfig(flat), ConfigError);
        // Other projects' and providers' keys are theirs.
        assert.doesNotThrow(() => parseFlatConfig({ ...flatStackConfig("dev"), "kubernetes:context": "kind-edge" }));
    });

    it("config errors are pulumi.RunErrors, which pulumi up prints without a stack trace", () => {
        let error: unknown;
        try { parseStackConfig({ metallb: {}, gateways: [] }); } catch (err) { error = err; }
        assert.ok(pulumi.RunError.isInstance(error), "a RunError");
        assert.ok(!String((error as Error).message).includes("    at "), "the message carries no stack");
    });

    it("never prints the private key of a bring-your-own CA, even when its shape is wrong", () => {
        const problems = problemsOf(dev((raw) => { raw.pki.bringYourOwnCa = { certificatePem: "x", privateKeyPem: { secret: "12345678" } }; }));
        assert.ok(problems.some((p) => /^pki\.bringYourOwnCa\.privateKeyPem: \(secret value\) is not valid/.test(p)), problems.join("\n"));
        assert.ok(!problems.join("\n").includes("12345678"));
        const material = problemsOf(dev((raw) => { raw.pki.bringYourOwnCa = { certificatePem: "x", privateKeyPem: "12345678" }; }));
        assert.match(material.join("\n"), /^pki\.bringYourOwnCa\.certificatePem: is not a PEM certificate/m);
        assert.ok(!material.join("\n").includes("12345678"));
    });
});

describe("model: gateway resources against the chart's own defaults", () => {
    it("rejects requests above the gateway chart's default limits when no limits are set", () =>
        oneProblem(dev((raw) => { raw.gateways[0].resources = { requests: { cpu: "3", memory: "256Mi" } }; }),
            /^gateways\[0\]\.resources\.requests\.cpu: "3" is more than the gateway chart's default limit \(2000m\)/, /set gateways\[0\]\.resources\.limits\.cpu/));
    it("accepts the same requests with limits of their own", () => {
        parseStackConfig(dev((raw) => { raw.gateways[0].resources = { requests: { cpu: "3", memory: "2Gi" }, limits: { cpu: "4", memory: "2Gi" } }; }));
    });
});

describe("model: client ranges per address family", () => {
    const v6 = (ranges: string[], ip: string | string[] = "fd00:49::f1") => checkStackConfig({
        metallb: { pools: [{ name: "v4", addresses: ["10.0.0.0/29"] }, { name: "v6", addresses: ["fd00:49::/120"] }] },
        gateways: [{ name: "internal", ip, hosts: ["admin.example.com"], allowedSourceRanges: ranges }],
    }).problems;

    it("refuses an IPv6 gateway whose ranges are all IPv4: no client could connect", () => {
        const problems = v6(["10.0.0.0/8"]);
        assert.strictEqual(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^gateways\[0\]\.allowedSourceRanges: \["10\.0\.0\.0\/8"\] lists no IPv6 range, but gateways\[0\]\.ip "fd00:49::f1" is an IPv6 address/);
        assert.match(problems[0], /"fd00::\/8"/);
    });

    it("wants ranges for each family of a dual-stack gateway, and ignores ranges of a family it does not have", () => {
        const dual = v6(["10.0.0.0/8"], ["10.0.0.1", "fd00:49::f1"]);
        assert.strictEqual(dual.length, 1);
        assert.match(dual[0], /lists no IPv6 range, but gateways\[0\]\.ip\[1\] "fd00:49::f1"/);
        assert.deepStrictEqual(v6(["10.0.0.0/8", "fd00::/8"], ["10.0.0.1", "fd00:49::f1"]), []);
        assert.deepStrictEqual(v6(["10.0.0.0/8", "fd00::/8"], "10.0.0.1"), []);
    });
});
