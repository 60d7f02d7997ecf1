import * as assert from "assert";
import { ConfigError, DEFAULTS, parseStackConfig, rawConfigFrom, readStackConfig } from "../../config";
import { STACKS, editedConfig, flatStackConfig, rawStackConfig, stackConfig } from "../helpers/stacks";

/** Expects the config to be rejected with a problem matching every pattern. */
function rejects(raw: Record<string, any>, ...patterns: RegExp[]): string {
    let error: unknown;
    try {
        parseStackConfig(raw);
    } catch (err) {
        error = err;
    }
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
    const problem = error.problems.find((p) => patterns.every((re) => re.test(p)));
    assert.ok(problem, `no problem matches ${patterns.join(" and ")}; got:\n${error.message}`);
    return problem;
}

const route = (name: string, match: object, extra: object = {}) => ({
    name, match, destination: { host: "web", port: 8080 }, ...extra,
});

describe("config: the committed stacks", () => {
    for (const stack of STACKS) {
        it(`Pulumi.${stack}.yaml is valid`, () => {
            const config = stackConfig(stack);
            assert.deepStrictEqual(config.gateways.map((g) => g.name), ["primary", "secondary"]);
        });
    }

    it("fills every optional key with its documented default", () => {
        const config = parseStackConfig({
            metallb: { pools: [{ name: "lb", addresses: ["10.0.0.0/30"] }] },
            gateways: [{ name: "edge", ip: "10.0.0.1", hosts: ["a.example.com"], routes: [route("web", { prefix: "/" })] }],
        });
        assert.strictEqual(config.metallb.version, "0.16.1");
        assert.strictEqual(config.metallb.pools[0].autoAssign, true);
        assert.strictEqual(config.istio.version, "1.30.3");
        assert.strictEqual(config.istio.gatewayNamespace, "istio-ingress");
        assert.strictEqual(config.pki.certificatePer, "host");
        assert.strictEqual(config.pki.keyAlgorithm, "ECDSA-P256");
        assert.deepStrictEqual(config.samples, { enabled: false, namespace: "samples" });
        const gw = config.gateways[0];
        assert.strictEqual(gw.httpsRedirect, true);
        assert.strictEqual(gw.minTlsVersion, "TLSV1_2");
        assert.deepStrictEqual(gw.routes[0].hosts, ["a.example.com"], "a route without hosts applies to all the gateway's hosts");
        assert.strictEqual(gw.routes[0].destination.namespace, DEFAULTS.destinationNamespace);
        assert.deepStrictEqual(gw.routes[0].match, { kind: "prefix", path: "/" });
    });

    it("accepts IPv6 pools and gateway IPs", () => {
        const config = parseStackConfig({
            metallb: { pools: [{ name: "v6", addresses: ["fd00:10::/120"] }, { name: "v6b", addresses: ["fd00:20::1-fd00:20::9"] }] },
            gateways: [
                { name: "a", ip: "fd00:10::10", hosts: ["a.example.com"] },
                { name: "b", ip: "fd00:20::2", hosts: ["b.example.com"] },
            ],
        });
        assert.deepStrictEqual(config.gateways[1].ips, ["fd00:20::2"]);
    });

    it("reads Pulumi's flat config map: only this project's keys, JSON values decoded", () => {
        const raw = rawConfigFrom({
            "istio-metallb-ingress:samples": "true",
            "istio-metallb-ingress:pki": "{\"caCommonName\":\"x\"}",
            "istio-metallb-ingress:label": "plain text",
            "kubernetes:context": "kind-edge",
        });
        assert.deepStrictEqual(raw, { samples: true, pki: { caCommonName: "x" }, label: "plain text" });
    });

    it("lists every problem at once, not only the first", () => {
        let error: ConfigError | undefined;
        try {
            parseStackConfig(editedConfig("dev", (raw) => {
                raw.gateways[0].ip = "10.9.9.9";
                raw.gateways[1].hosts[0] = "Bad_Host";
            }));
        } catch (err) {
            error = err as ConfigError;
        }
        assert.ok(error);
        assert.strictEqual(error.problems.length, 2, error.message);
    });
});

describe("config: bad input is rejected with the key, the value and what is valid", () => {
    const cases: { title: string; edit: (raw: any) => void; expect: RegExp[] }[] = [
        {
            title: "a malformed CIDR",
            edit: (raw) => { raw.metallb.pools[1].addresses[0] = "192.168.49.0/33"; },
            expect: [/^metallb\.pools\[1\]\.addresses\[0\]:/, /"192\.168\.49\.0\/33"/, /more than the 32 bits/, /expected a CIDR/],
        },
        {
            title: "a CIDR with host bits set",
            edit: (raw) => { raw.metallb.pools[1].addresses[0] = "192.168.49.250/28"; },
            expect: [/^metallb\.pools\[1\]\.addresses\[0\]:/, /host bits set; the network address is 192\.168\.49\.240\/28/],
        },
        {
            title: "a range that runs backwards",
            edit: (raw) => { raw.metallb.pools[1].addresses[0] = "192.168.49.250-192.168.49.242"; },
            expect: [/^metallb\.pools\[1\]\.addresses\[0\]:/, /starts after it ends/, /or a range such as/],
        },
        {
            title: "a range with a bad address",
            edit: (raw) => { raw.metallb.pools[1].addresses[0] = "192.168.49.242-192.168.49.300"; },
            expect: [/^metallb\.pools\[1\]\.addresses\[0\]:/, /invalid address "192\.168\.49\.300"/],
        },
        {
            title: "a range mixing IPv4 and IPv6",
            edit: (raw) => { raw.metallb.pools[1].addresses[0] = "192.168.49.242-fd00::1"; },
            expect: [/^metallb\.pools\[1\]\.addresses\[0\]:/, /mixes an IPv4 and an IPv6/],
        },
        {
            title: "overlapping pools",
            edit: (raw) => { raw.metallb.pools[1].addresses[0] = "192.168.49.241-192.168.49.250"; },
            expect: [/^metallb\.pools\[1\]\.addresses:/, /overlaps "192\.168\.49\.240-192\.168\.49\.241" of pool "gateways"/, /must not overlap/],
        },
        {
            title: "two pools with one name",
            edit: (raw) => { raw.metallb.pools[1].name = "gateways"; },
            expect: [/^metallb\.pools\[1\]\.name:/, /"gateways" is already used by metallb\.pools\[0\]/],
        },
        {
            title: "no pools",
            edit: (raw) => { raw.metallb.pools = []; },
            expect: [/^metallb\.pools:/, /at least 1/],
        },
        {
            title: "a gateway IP outside every pool",
            edit: (raw) => { raw.gateways[1].ip = "192.168.50.7"; },
            expect: [/^gateways\[1\]\.ip:/, /"192\.168\.50\.7" is not inside any MetalLB pool/, /gateways \(192\.168\.49\.240-192\.168\.49\.241\)/],
        },
        {
            title: "a gateway IP inside two pools",
            edit: (raw) => { raw.metallb.pools.push({ name: "extra", addresses: ["192.168.49.241/32"] }); },
            expect: [/^gateways\[1\]\.ip:/, /inside 2 pools \(gateways, extra\)/, /exactly one/],
        },
        {
            title: "a gateway IP that is not an IP",
            edit: (raw) => { raw.gateways[0].ip = "192.168.49"; },
            expect: [/^gateways\[0\]\.ip:/, /"192\.168\.49" is not an IP address/, /IPv4 or IPv6/],
        },
        {
            title: "two gateways on one IP",
            edit: (raw) => { raw.gateways[1].ip = "192.168.49.240"; },
            expect: [/^gateways\[1\]\.ip:/, /already the IP of gateways\[0\]/],
        },
        {
            title: "a host that is not a DNS name",
            edit: (raw) => { raw.gateways[0].hosts[1] = "micro_k8s.local"; },
            expect: [/^gateways\[0\]\.hosts\[1\]:/, /"micro_k8s\.local" is not a valid host/, /lower-case DNS name/],
        },
        {
            title: "an upper-case host",
            edit: (raw) => { raw.gateways[0].hosts[1] = "MicroK8s.local"; },
            expect: [/^gateways\[0\]\.hosts\[1\]:/, /"MicroK8s\.local" has upper-case letters; write it in lower case, "microk8s\.local"/],
        },
        {
            title: "a bare * host",
            edit: (raw) => { raw.gateways[1].hosts[0] = "*"; },
            expect: [/^gateways\[1\]\.hosts\[0\]:/, /"\*" is not a valid host/, /wildcard subdomain/],
        },
        {
            title: "the same host on two gateways",
            edit: (raw) => { raw.gateways[1].hosts.push("microk8s-alt.local"); },
            expect: [/^gateways\[1\]\.hosts\[1\]:/, /"microk8s-alt\.local" is also served by gateways\[0\] \(primary\)/, /one gateway only/],
        },
        {
            title: "a wildcard on one gateway covering a host of another",
            edit: (raw) => { raw.gateways[1].hosts.push("*.local"); },
            expect: [/^gateways\[1\]\.hosts\[1\]:/, /"\*\.local" is also served by gateways\[0\]/],
        },
        {
            title: "a host longer than a DNS name may be, with the limit",
            edit: (raw) => { raw.gateways[1].hosts[0] = `${"a".repeat(60)}.${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.${"e".repeat(60)}.local`; },
            expect: [/^gateways\[1\]\.hosts\[0\]:/, /310 characters long/, /at most 253/],
        },
        {
            title: "a host listed twice on one gateway",
            edit: (raw) => { raw.gateways[0].hosts.push("microk8s.local"); },
            expect: [/^gateways\[0\]\.hosts\[2\]:/, /listed twice/],
        },
        {
            title: "a route whose match has neither exact nor prefix",
            edit: (raw) => { raw.gateways[0].routes[0].match = {}; },
            expect: [/^gateways\[0\]\.routes\[0\]\.match:/, /exactly one of "exact" or "prefix" \(it sets neither\)/],
        },
        {
            title: "a route whose match has both exact and prefix",
            edit: (raw) => { raw.gateways[0].routes[0].match = { exact: "/hello", prefix: "/hello" }; },
            expect: [/^gateways\[0\]\.routes\[0\]\.match:/, /\(it sets both\)/],
        },
        {
            title: "a route path that is not absolute",
            edit: (raw) => { raw.gateways[0].routes[0].match = { exact: "hello" }; },
            expect: [/^gateways\[0\]\.routes\[0\]\.match\.exact:/, /"hello" is not a valid path/, /"\/hello"/],
        },
        {
            title: "a route host that is not one of its gateway's hosts",
            edit: (raw) => { raw.gateways[1].routes[0].hosts = ["microk8s.local"]; },
            expect: [/^gateways\[1\]\.routes\[0\]\.hosts\[0\]:/, /"microk8s\.local" is not one of this gateway's hosts/, /valid: "microk8s-secondary\.local"/],
        },
        {
            title: "two routes with the same match on the same host",
            edit: (raw) => { raw.gateways[0].routes.push(route("again", { exact: "/hello" }, { hosts: ["microk8s-alt.local"] })); },
            expect: [/^gateways\[0\]\.routes\[2\]\.match:/, /on host "microk8s-alt\.local" duplicates gateways\[0\]\.routes\[0\]/],
        },
        {
            title: "two routes with one name",
            edit: (raw) => { raw.gateways[0].routes[1].name = "hello"; },
            expect: [/^gateways\[0\]\.routes\[1\]\.name:/, /"hello" is already used/],
        },
        {
            title: "a destination port out of range",
            edit: (raw) => { raw.gateways[0].routes[0].destination.port = 70000; },
            expect: [/^gateways\[0\]\.routes\[0\]\.destination\.port:/, /70000 is out of range; valid: 1 to 65535/],
        },
        {
            title: "a destination port that is not a number",
            edit: (raw) => { raw.gateways[0].routes[0].destination.port = "http"; },
            expect: [/^gateways\[0\]\.routes\[0\]\.destination\.port:/, /"http" is not valid; expected integer/],
        },
        {
            title: "a destination host that is not a DNS name",
            edit: (raw) => { raw.gateways[0].routes[0].destination.host = "hello world"; },
            expect: [/^gateways\[0\]\.routes\[0\]\.destination\.host:/, /"hello world" is not a valid host/],
        },
        {
            title: "a duplicate gateway name",
            edit: (raw) => { raw.gateways[1].name = "primary"; },
            expect: [/^gateways\[1\]\.name:/, /"primary" is already used by gateways\[0\]/],
        },
        {
            title: "a gateway name that is not a DNS label",
            edit: (raw) => { raw.gateways[1].name = "Secondary_GW"; },
            expect: [/^gateways\[1\]\.name:/, /"Secondary_GW" is not valid/, /lower-case DNS label/],
        },
        {
            title: "an unknown top-level key (typo)",
            edit: (raw) => { raw.gateway = raw.gateways; },
            expect: [/^gateway:/, /unknown key "gateway" \(did you mean "gateways"\?\)/, /valid keys here: metallb, istio, pki, gateways, /],
        },
        {
            title: "an unknown nested key (typo)",
            edit: (raw) => { raw.gateways[0].httpRedirect = false; },
            expect: [/^gateways\[0\]\.httpRedirect:/, /unknown key "httpRedirect" \(did you mean "httpsRedirect"\?\)/],
        },
        {
            title: "an unknown key with nothing close to it",
            edit: (raw) => { raw.pki.colour = "blue"; },
            expect: [/^pki\.colour: unknown key "colour"; valid keys here: caCommonName/],
        },
        {
            title: "a missing required key",
            edit: (raw) => { delete raw.gateways[0].ip; },
            expect: [/^gateways\[0\]\.ip:/, /required but missing/],
        },
        {
            title: "a missing metallb section",
            edit: (raw) => { delete raw.metallb; },
            expect: [/^metallb:/, /required but missing/],
        },
        {
            title: "an unpinned chart version",
            edit: (raw) => { raw.istio = { version: "latest" }; },
            expect: [/^istio\.version:/, /"latest" is not valid/, /exact chart version/],
        },
        {
            title: "an unknown key algorithm",
            edit: (raw) => { raw.pki.keyAlgorithm = "DSA"; },
            expect: [/^pki\.keyAlgorithm:/, /"DSA" is not valid; valid values: "ECDSA-P256", "ECDSA-P384", "RSA-2048"/],
        },
        {
            title: "early renewal not shorter than the validity",
            edit: (raw) => { raw.pki.validityHours = 100; raw.pki.earlyRenewalHours = 100; },
            expect: [/^pki\.earlyRenewalHours:/, /100 must be less than pki\.validityHours \(100\)/],
        },
        {
            title: "a leaf outliving its CA",
            edit: (raw) => { raw.pki.caValidityHours = 1000; raw.pki.validityHours = 2000; raw.pki.earlyRenewalHours = 10; },
            expect: [/^pki\.validityHours:/, /2000 exceeds pki\.caValidityHours \(1000\)/],
        },
        {
            title: "a samples flag that is not a boolean",
            edit: (raw) => { raw.samples = "yes"; },
            expect: [/^samples:/, /"yes" is not valid; expected true, or \{ enabled, namespace \}/],
        },
        {
            title: "a bad resource quantity",
            edit: (raw) => { raw.gateways[0].resources = { requests: { cpu: "lots", memory: "1Gi" } }; },
            expect: [/^gateways\[0\]\.resources\.requests\.cpu:/, /"lots" is not valid/, /CPU quantity/],
        },
        {
            title: "a gateway namespace equal to MetalLB's",
            edit: (raw) => { raw.istio = { gatewayNamespace: "metallb-system" }; },
            expect: [/^istio\.gatewayNamespace:/, /"metallb-system" is already metallb\.namespace/, /privileged/],
        },
        {
            title: "an allowed source range that is a plain address",
            edit: (raw) => { raw.gateways[1].allowedSourceRanges = ["10.1.2.3"]; },
            expect: [/^gateways\[1\]\.allowedSourceRanges\[0\]:/, /"10\.1\.2\.3" is not a CIDR/, /"10\.1\.2\.3\/32"/],
        },
        {
            title: "a malformed allowed source range",
            edit: (raw) => { raw.gateways[1].allowedSourceRanges = ["10.0.0.0/8", "192.168.0.0/40"]; },
            expect: [/^gateways\[1\]\.allowedSourceRanges\[1\]:/, /more than the 32 bits/],
        },
        {
            title: "source ranges with a traffic policy that hides client addresses",
            edit: (raw) => { raw.gateways[1].allowedSourceRanges = ["10.0.0.0/8"]; raw.gateways[1].externalTrafficPolicy = "Cluster"; },
            expect: [/^gateways\[1\]\.externalTrafficPolicy:/, /"Cluster" hides the client address/, /use "Local"/],
        },
        {
            title: "an unknown external traffic policy",
            edit: (raw) => { raw.gateways[0].externalTrafficPolicy = "local"; },
            expect: [/^gateways\[0\]\.externalTrafficPolicy:/, /"local" is not valid; valid values: "Cluster", "Local"/],
        },
        {
            title: "autoscaling with min above max",
            edit: (raw) => { raw.gateways[0].autoscaling = { minReplicas: 5, maxReplicas: 2 }; },
            expect: [/^gateways\[0\]\.autoscaling\.minReplicas:/, /5 is more than maxReplicas \(2\)/],
        },
        {
            title: "autoscaling together with a fixed replica count",
            edit: (raw) => { raw.gateways[0].autoscaling = { minReplicas: 2, maxReplicas: 4 }; raw.gateways[0].replicas = 3; },
            expect: [/^gateways\[0\]\.replicas:/, /3 conflicts with gateways\[0\]\.autoscaling/],
        },
        {
            title: "autoscaling without maxReplicas",
            edit: (raw) => { raw.gateways[0].autoscaling = { minReplicas: 2 }; },
            expect: [/^gateways\[0\]\.autoscaling\.maxReplicas:/, /required but missing/],
        },
        {
            title: "a CPU target out of range",
            edit: (raw) => { raw.gateways[0].autoscaling = { minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 150 }; },
            expect: [/^gateways\[0\]\.autoscaling\.targetCPUUtilizationPercentage:/, /150 is out of range; valid: 10 to 100/],
        },
        {
            title: "zero replicas",
            edit: (raw) => { raw.gateways[0].replicas = 0; },
            expect: [/^gateways\[0\]\.replicas:/, /0 is out of range; valid: 1 to 100/],
        },
        {
            title: "a gateway memory limit below its request",
            edit: (raw) => { raw.gateways[0].resources = { requests: { cpu: "100m", memory: "1Gi" }, limits: { cpu: "1", memory: "512Mi" } }; },
            expect: [/^gateways\[0\]\.resources\.limits\.memory:/, /"512Mi" is less than requests\.memory \("1Gi"\)/],
        },
        {
            title: "an istiod CPU limit below its request",
            edit: (raw) => { raw.istio = { istiod: { resources: { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "500m", memory: "2Gi" } } } }; },
            expect: [/^istio\.istiod\.resources\.limits\.cpu:/, /"500m" is less than requests\.cpu \("1"\)/],
        },
        {
            title: "an unknown anti-affinity mode",
            edit: (raw) => { raw.gateways[0].podAntiAffinity = "soft"; },
            expect: [/^gateways\[0\]\.podAntiAffinity:/, /"soft" is not valid; valid values: "none", "preferred", "required"/],
        },
        {
            title: "an unknown mTLS mode",
            edit: (raw) => { raw.istio = { mtlsMode: "DISABLE" }; },
            expect: [/^istio\.mtlsMode:/, /"DISABLE" is not valid; valid values: "STRICT", "PERMISSIVE"/],
        },
        {
            title: "a mesh namespace that the program already owns",
            edit: (raw) => { raw.istio = { meshNamespaces: ["apps", "istio-ingress"] }; },
            expect: [/^istio\.meshNamespaces\[1\]:/, /"istio-ingress" is already istio\.gatewayNamespace/],
        },
        {
            title: "a mesh namespace listed twice",
            edit: (raw) => { raw.istio = { meshNamespaces: ["apps", "apps"] }; },
            expect: [/^istio\.meshNamespaces\[1\]:/, /"apps" is listed twice/],
        },
        {
            title: "a mesh namespace that is not a DNS label",
            edit: (raw) => { raw.istio = { meshNamespaces: ["Apps_1"] }; },
            expect: [/^istio\.meshNamespaces\[0\]:/, /"Apps_1" is not valid; expected a Kubernetes namespace name/],
        },
        {
            title: "a protect flag that is not a boolean",
            edit: (raw) => { raw.pki.protect = "yes"; },
            expect: [/^pki\.protect:/, /"yes" is not valid; expected boolean/],
        },
        {
            title: "a chart repository that is not a URL",
            edit: (raw) => { raw.metallb.repository = "metallb.github.io/metallb"; },
            expect: [/^metallb\.repository:/, /is not valid; expected a Helm repository URL/],
        },
        {
            title: "a CA validity of zero hours",
            edit: (raw) => { raw.pki.caValidityHours = 0; },
            expect: [/^pki\.caValidityHours:/, /0 is out of range; valid: 1 to 876000/],
        },
        {
            title: "a gateway without hosts",
            edit: (raw) => { raw.gateways[1].hosts = []; },
            expect: [/^gateways\[1\]\.hosts:/, /must list at least 1 item/],
        },
        {
            title: "a destination namespace that is not a namespace name",
            edit: (raw) => { raw.gateways[1].routes[0].destination.namespace = "Samples"; },
            expect: [/^gateways\[1\]\.routes\[0\]\.destination\.namespace:/, /"Samples" is not valid/],
        },
    ];

    it("covers at least 40 distinct bad configurations", () => {
        assert.ok(cases.length >= 40, `${cases.length} cases`);
        assert.strictEqual(new Set(cases.map((c) => c.title)).size, cases.length);
    });

    for (const c of cases) {
        it(`rejects ${c.title}`, () => {
            rejects(editedConfig("dev", c.edit), ...c.expect);
        });
    }

    it("the dev stack itself passes (so each case above fails for its own edit)", () => {
        assert.doesNotThrow(() => parseStackConfig(rawStackConfig("dev")));
    });
});

describe("config: values as Pulumi stores them", () => {
    const flat = (extra: Record<string, string>) => ({ ...flatStackConfig("dev"), ...extra });

    it("takes numbers and booleans that `pulumi config set --path` stored as text, where the schema wants them", () => {
        const raw = editedConfig("dev", (r) => {
            r.addons.tracing.sampling = "0.5";
            r.gateways[0].replicas = "2";
            r.gateways[0].httpsRedirect = "false";
            r.metallb.pools[0].autoAssign = "false";
        });
        const spec = parseStackConfig(raw);
        assert.deepStrictEqual([spec.addons!.tracing.sampling, spec.gateways[0].replicas, spec.gateways[0].httpsRedirect, spec.metallb.pools[0].autoAssign], [0.5, 2, false, false]);
        // Text that is no number is still refused, and named as it was written.
        rejects(editedConfig("dev", (r) => { r.addons.tracing.sampling = "half"; }), /^addons\.tracing\.sampling: "half" is not valid; expected number/);
        rejects(editedConfig("dev", (r) => { r.gateways[0].replicas = "1.5"; }), /^gateways\[0\]\.replicas: "1\.5" is not valid; expected integer/);
    });

    it("keeps a render folder named with digits a folder name, and a preflight switch written as text a switch", () => {
        const raw = readStackConfig(flat({ "istio-metallb-ingress:renderDirectory": "2026", "istio-metallb-ingress:preflight": "false" }));
        assert.strictEqual(raw.renderDirectory, "2026");
        assert.strictEqual(raw.preflight, false);
    });
});

describe("config: hosts and addresses written another way get the way that works", () => {
    const host = (value: string) => editedConfig("dev", (r) => { r.gateways[0].hosts = [value]; r.gateways[0].routes = []; });

    it("a trailing dot: drop it", () => {
        rejects(host("microk8s.local."), /^gateways\[0\]\.hosts\[0\]: "microk8s\.local\." ends with a dot; write "microk8s\.local"/);
    });

    it("upper case: the lower-case name", () => {
        rejects(host("Shop.Example.com"), /^gateways\[0\]\.hosts\[0\]: "Shop\.Example\.com" has upper-case letters; write it in lower case, "shop\.example\.com"/);
    });

    it("non-ASCII letters: the punycode form, wildcards too", () => {
        rejects(host("bücher.example"), /^gateways\[0\]\.hosts\[0\]: "bücher\.example" has non-ASCII letters, which Istio refuses; write its punycode form "xn--bcher-kva\.example"/);
        rejects(host("*.bücher.example"), /"\*\.xn--bcher-kva\.example"/);
        // The suggested form passes.
        assert.doesNotThrow(() => parseStackConfig(host("xn--bcher-kva.example")));
    });

    it("two addresses in one string: the list form of a dual-stack gateway", () => {
        rejects(editedConfig("dev", (r) => { r.gateways[0].ip = "192.168.49.240,fd00:49::f0"; }),
            /^gateways\[0\]\.ip: "192\.168\.49\.240,fd00:49::f0" is not an IP address; a dual-stack gateway takes a list of one IPv4 and one IPv6 address, \["192\.168\.49\.240","fd00:49::f0"\]/,
            /pulumi config set --path 'gateways\[0\]\.ip\[0\]' 192\.168\.49\.240/);
    });
});
