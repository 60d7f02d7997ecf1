// MetalLB's announcements from stack config: BGP peers, per-pool layer-2 and BGP announcement, the
// speaker implementation. Every mistake is one plain message naming the key, the value and the fix,
// before anything is registered; MetalLB v0.16.1's own webhook and reconcile rules are the reference.
import * as assert from "assert";
import { parseStackConfig } from "../../config";
import { metallbObjects, selectorProblems } from "../../model/metallb";
import { labelSelectorMatches } from "../../policy/lib/metallb";
import { planEdge } from "../../model/plan";
import { edgeWarnings } from "../../model/validate";
import { oneProblem, problemsOf } from "../helpers/problems";
import { editedConfig } from "../helpers/stacks";

const metal = (edit: (raw: Record<string, any>) => void = () => undefined) => editedConfig("metal", edit);
const dev = (edit: (raw: Record<string, any>) => void = () => undefined) => editedConfig("dev", edit);

const peer = (raw: Record<string, any>, i = 0) => raw.metallb.bgp.peers[i];
const gatewaysPool = (raw: Record<string, any>) => raw.metallb.pools[0];

describe("model: the metal stack's announcements", () => {
    it("announces the gateway pool over BGP to both routers with BFD, the other pool on eth1 only, and runs FRR-K8s", () => {
        const plan = planEdge(parseStackConfig(metal()));
        const { l2Advertisements, bgpAdvertisements, bgpPeers, bfdProfiles } = plan.metallb.objects;
        assert.deepStrictEqual(bgpAdvertisements.map((a) => a.spec.ipAddressPools), [["gateways"]]);
        assert.deepStrictEqual(l2Advertisements.map((a) => [a.spec.ipAddressPools, a.spec.interfaces]), [[["services"], ["eth1"]]]);
        assert.deepStrictEqual(bgpPeers.map((p) => [p.spec.peerAddress, p.spec.peerASN, p.spec.myASN, p.spec.bfdProfile]), [
            ["10.20.0.1", 64500, 64512, "tor-a-bfd"],
            ["10.20.0.2", 64500, 64512, "tor-b-bfd"],
        ]);
        assert.deepStrictEqual(bfdProfiles.map((b) => b.name), ["tor-a-bfd", "tor-b-bfd"]);
        assert.strictEqual(plan.metallb.bgp, true);
        assert.deepStrictEqual((plan.metallb.release.values as any).frrk8s, { enabled: true });
        assert.strictEqual(plan.metallb.l2Advertisement, undefined, "no pool is announced from every node and interface");
    });

    it("keeps layer-2 stacks as they were: one shared L2Advertisement named layer2 for every pool, no BGP, no FRR", () => {
        for (const stack of ["dev", "prod"]) {
            const plan = planEdge(parseStackConfig(editedConfig(stack, () => undefined)));
            assert.deepStrictEqual(plan.metallb.objects.l2Advertisements.map((a) => [a.key, a.name, a.spec]), [["l2", "layer2", { ipAddressPools: plan.metallb.pools.map((p) => p.name) }]]);
            assert.deepStrictEqual([plan.metallb.objects.bgpAdvertisements, plan.metallb.objects.bgpPeers], [[], []]);
            assert.deepStrictEqual((plan.metallb.release.values as any).frrk8s, { enabled: false });
        }
    });

    it("reads advertise as the list of every way a pool is announced: { bgp: true } is BGP alone, no advertise is layer 2", () => {
        const spec = parseStackConfig(metal((raw) => { raw.metallb.pools[1].advertise = { bgp: true }; delete raw.metallb.pools[0].advertise; }));
        assert.deepStrictEqual(Object.keys(spec.metallb.pools[1].advertise!), ["bgp"]);
        assert.deepStrictEqual(spec.metallb.pools[0].advertise, { l2: { interfaces: [], nodeSelectors: [] } });
        const both = parseStackConfig(metal((raw) => { raw.metallb.pools[0].advertise = { l2: true, bgp: true }; }));
        const objects = planEdge(both).metallb.objects;
        assert.ok(objects.l2Advertisements.some((a) => (a.spec.ipAddressPools as string[]).includes("gateways")));
        assert.ok(objects.bgpAdvertisements.some((a) => (a.spec.ipAddressPools as string[]).includes("gateways")));
    });

    it("writes every peer option and a passwordSecret in MetalLB's namespace, never the password", () => {
        const spec = parseStackConfig(metal((raw) => {
            Object.assign(peer(raw), { port: 1179, sourceAddress: "10.20.0.21", ebgpMultiHop: true, password: "s3cret", nodeSelectors: [{ matchLabels: { rack: "a" } }] });
            raw.metallb.bgp.routerID = "10.20.0.21";
        }));
        const [tor] = planEdge(spec).metallb.objects.bgpPeers;
        assert.deepStrictEqual(tor.spec, {
            myASN: 64512, peerASN: 64500, peerAddress: "10.20.0.1", peerPort: 1179, sourceAddress: "10.20.0.21", routerID: "10.20.0.21",
            holdTime: "9s", keepaliveTime: "3s", ebgpMultiHop: true, nodeSelectors: [{ matchLabels: { rack: "a" } }], bfdProfile: "tor-a-bfd",
            passwordSecret: { name: "tor-a-bgp-password", namespace: "metallb-system" },
        });
        assert.doesNotMatch(JSON.stringify(planEdge(spec)), /s3cret/, "the plan never holds the password");
    });

    it("gives every object a key of its own, whatever the peers and pools are called", () => {
        const pools = ["l2", "bgp", "peer", "x"].map((name) => ({ name, addresses: [], autoAssign: true, advertise: { l2: { interfaces: ["eth1"], nodeSelectors: [] }, bgp: { communities: [], peers: [], nodeSelectors: [] } } }));
        const peers = ["x", "password-x", "x-bfd", "bfd-x", "peer-x"].map((name) => ({ name, address: "10.0.0.1", asn: 1, ebgpMultiHop: false, nodeSelectors: [], bfd: {}, hasPassword: true }));
        const o = metallbObjects(pools, { localASN: 2, peers }, "metallb-system");
        const keys = [...o.l2Advertisements, ...o.bgpAdvertisements, ...o.bfdProfiles, ...o.passwordSecrets, ...o.bgpPeers].map((x) => x.key);
        assert.strictEqual(new Set(keys).size, keys.length, keys.join(" "));
        for (const kind of [o.l2Advertisements, o.bgpAdvertisements, o.bfdProfiles, o.passwordSecrets, o.bgpPeers]) {
            assert.strictEqual(new Set(kind.map((x) => x.name)).size, kind.length, "names are unique per kind");
        }
    });
});

describe("model: BGP mistakes, each one plain message before anything is registered", () => {
    it("an AS number out of range, naming the private ranges", () => {
        oneProblem(metal((raw) => { raw.metallb.bgp.localASN = 0; }), /^metallb\.bgp\.localASN: 0 is not an AS number; valid: 1 to 4294967295 \(private ranges: 64512–65534, 4200000000–4294967294; MetalLB refuses 0\)$/);
        oneProblem(metal((raw) => { peer(raw, 1).asn = 4294967296; }), /^metallb\.bgp\.peers\[1\]\.asn: 4294967296 is not an AS number/);
    });

    it("a peer address or router ID that is not an IP", () => {
        oneProblem(metal((raw) => { peer(raw).address = "tor-a.example.com"; }), /^metallb\.bgp\.peers\[0\]\.address: "tor-a\.example\.com" is not an IP address; .*e\.g\. "10\.20\.0\.1"/);
        oneProblem(metal((raw) => { raw.metallb.bgp.routerID = "fd00::1"; }), /^metallb\.bgp\.routerID: "fd00::1" is not an IPv4 address/);
        oneProblem(metal((raw) => { peer(raw).sourceAddress = "eth0"; }), /^metallb\.bgp\.peers\[0\]\.sourceAddress: "eth0" is not an IP address/);
    });

    it("two peers of one name, or of one address on the same nodes", () => {
        oneProblem(metal((raw) => { peer(raw, 1).name = "tor-a"; }), /^metallb\.bgp\.peers\[1\]\.name: "tor-a" is already used by metallb\.bgp\.peers\[0\]/);
        oneProblem(metal((raw) => { peer(raw, 1).address = "10.20.0.1"; }), /^metallb\.bgp\.peers\[1\]\.address: "10\.20\.0\.1" is already the address of metallb\.bgp\.peers\[0\] on the same nodes/);
        // On nodes that do not meet (one rack each), FRR may peer with the same address from each.
        parseStackConfig(metal((raw) => {
            peer(raw, 1).address = "10.20.0.1";
            peer(raw).nodeSelectors = [{ matchLabels: { rack: "a" } }];
            peer(raw, 1).nodeSelectors = [{ matchLabels: { rack: "b" } }];
        }));
    });

    it("eBGP multi-hop on an iBGP peer, as MetalLB's webhook refuses it", () => {
        oneProblem(metal((raw) => { Object.assign(peer(raw), { asn: 64512, ebgpMultiHop: true }); }), /^metallb\.bgp\.peers\[0\]\.ebgpMultiHop: true on a peer in the local AS \(64512, iBGP\)/);
        parseStackConfig(metal((raw) => { peer(raw).ebgpMultiHop = true; })); // eBGP: fine
    });

    it("hold and keepalive times MetalLB refuses", () => {
        oneProblem(metal((raw) => { peer(raw).holdTime = "2s"; }), /^metallb\.bgp\.peers\[0\]\.holdTime: "2s" must be 0 or at least 3s/);
        oneProblem(metal((raw) => { peer(raw).keepaliveTime = "10s"; }), /^metallb\.bgp\.peers\[0\]\.keepaliveTime: "10s" is longer than holdTime "9s"/);
        oneProblem(metal((raw) => { peer(raw).holdTime = "nine seconds"; }), /^metallb\.bgp\.peers\[0\]\.holdTime: .*duration such as "90s"/);
        // One given, MetalLB derives the other: a keepalive alone under 1s makes a hold time under 3s.
        oneProblem(metal((raw) => { delete peer(raw).holdTime; peer(raw).keepaliveTime = "900ms"; }), /^metallb\.bgp\.peers\[0\]\.keepaliveTime: "900ms" alone makes the hold time three times it, under 3s/);
        parseStackConfig(metal((raw) => { delete peer(raw).holdTime; peer(raw).keepaliveTime = "1s"; }));
        parseStackConfig(metal((raw) => { peer(raw).holdTime = "0s"; delete peer(raw).keepaliveTime; }));
        parseStackConfig(metal((raw) => { peer(raw).holdTime = "1m30s"; peer(raw).keepaliveTime = "30s"; }));
    });

    it("a port MetalLB's schema refuses", () => {
        oneProblem(metal((raw) => { peer(raw).port = 17900; }), /^metallb\.bgp\.peers\[0\]\.port: 17900 /);
    });

    it("communities in the wrong format, or twice", () => {
        oneProblem(metal((raw) => { gatewaysPool(raw).advertise.bgp.communities = ["64512:70000"]; }),
            /^metallb\.pools\[0\]\.advertise\.bgp\.communities\[0\]: "64512:70000" is not a BGP community; expected "NN:NN" \(two numbers up to 65535/);
        oneProblem(metal((raw) => { gatewaysPool(raw).advertise.bgp.communities = ["no-export"]; }), /communities\[0\]: "no-export" is not a BGP community/);
        oneProblem(metal((raw) => { gatewaysPool(raw).advertise.bgp.communities = ["64512:100", "64512:100"]; }), /communities: "64512:100" is listed twice/);
        parseStackConfig(metal((raw) => { gatewaysPool(raw).advertise.bgp.communities = ["65535:65281", "large:64512:1:4294967295"]; }));
    });

    it("an aggregation length that does not fit the pool's prefixes", () => {
        oneProblem(metal((raw) => { gatewaysPool(raw).advertise.bgp.aggregationLength = 24; }),
            /^metallb\.pools\[0\]\.advertise\.bgp\.aggregationLength: 24 is shorter than the \/32 of "10\.30\.0\.10\/32" in pool "gateways", so it would announce addresses outside the pool \(MetalLB refuses it\); use 32 or more$/);
        // A range splits into CIDRs as MetalLB splits it (.200/29, .208/28, .224/28, .240/29, .248/31,
        // .250/32), and its broadest, /28, is what the length must reach (config.go lowestMask).
        const services = (agg: number) => metal((raw) => { raw.metallb.pools[1].advertise = { bgp: { aggregationLength: agg } }; });
        parseStackConfig(services(28));
        oneProblem(services(27), /aggregationLength: 27 is shorter than the \/28 of "192\.168\.100\.200-192\.168\.100\.250"/);
        oneProblem(metal((raw) => { gatewaysPool(raw).advertise.bgp.aggregationLength = 33; }), /^metallb\.pools\[0\]\.advertise\.bgp\.aggregationLength: 33 /);
    });

    it("node selectors that are not label selectors", () => {
        oneProblem(metal((raw) => { peer(raw).nodeSelectors = [{ matchLabels: { "rack a": "1" } }]; }), /^metallb\.bgp\.peers\[0\]\.nodeSelectors\[0\]\.matchLabels: "rack a" is not a label key/);
        oneProblem(metal((raw) => { gatewaysPool(raw).advertise.bgp.nodeSelectors = [{ matchExpressions: [{ key: "edge", operator: "In" }] }]; }),
            /^metallb\.pools\[0\]\.advertise\.bgp\.nodeSelectors\[0\]\.matchExpressions\[0\]: operator In needs values/);
        oneProblem(metal((raw) => { raw.metallb.pools[1].advertise.l2.nodeSelectors = [{ matchLabels: { zone: "a b" } }]; }), /matchLabels\["zone"\]: "a b" is not a label value/);
        oneProblem(metal((raw) => { peer(raw).nodeSelectors = [{ matchExpressions: [{ key: "edge", operator: "Equals", values: ["x"] }] }]; }), /operator/);
    });

    it("a pool announced over BGP without peers", () => {
        oneProblem(dev((raw) => { raw.metallb.pools[1].advertise = { bgp: true }; }),
            /^metallb\.pools\[1\]\.advertise\.bgp: announces pool "services" over BGP, but metallb\.bgp sets no local AS and no peers; add metallb\.bgp/);
    });

    it("a gateway IP in a pool nothing announces: refused, since no client would reach it", () => {
        // Both gateways share the pool: one problem each.
        assert.match(problemsOf(metal((raw) => { gatewaysPool(raw).advertise = {}; }))[0], /^gateways\[0\]\.ip: "10\.30\.0\.10" is in pool "gateways", which nothing announces .*announce the pool \(advertise\.l2 or advertise\.bgp\) or move the gateway's IP$/);
        const problems = problemsOf(metal((raw) => { gatewaysPool(raw).advertise = { l2: false, bgp: false }; }));
        assert.deepStrictEqual(problems.map((p) => p.split(":")[0]), ["gateways[0].ip", "gateways[1].ip"]);
    });

    it("a pool of other Services nothing announces: allowed (Calico may announce it), with a warning", () => {
        const spec = parseStackConfig(metal((raw) => { raw.metallb.pools[1].advertise = {}; }));
        assert.ok(edgeWarnings(spec).some((w) => /^metallb pool "services" is announced by nothing .*as Calico can/.test(w)), edgeWarnings(spec).join("\n"));
    });

    it("a pool's IPv6 addresses announced only to IPv4 peers", () => {
        oneProblem(metal((raw) => { raw.metallb.pools[1].addresses.push("fd00:30::/120"); raw.metallb.pools[1].advertise = { bgp: true }; }),
            /^metallb\.pools\[1\]\.advertise\.bgp: pool "services" holds IPv6 addresses, and none of the peers it is announced to is IPv6/);
    });

    it("features the native speaker refuses, when metallb.values select it", () => {
        const problems = problemsOf(metal((raw) => { raw.metallb.values = { frrk8s: { enabled: false } }; }));
        assert.deepStrictEqual(problems.map((p) => p.split(":")[0]).sort(), [
            "metallb.bgp.peers[0].bfd", "metallb.bgp.peers[0].keepaliveTime", "metallb.bgp.peers[1].bfd", "metallb.bgp.peers[1].keepaliveTime",
        ]);
        assert.match(problems[0], /needs MetalLB's FRR-based speaker, and metallb\.values turns it off/);
    });

    it("never prints a peer's password, even when it is what is wrong", () => {
        oneProblem(metal((raw) => { peer(raw).password = ""; }), /^metallb\.bgp\.peers\[0\]\.password: must not be empty$/);
        const message = oneProblem(metal((raw) => { peer(raw).password = ["hunter2"]; }), /^metallb\.bgp\.peers\[0\]\.password: /);
        assert.match(message, /\(secret value\)/);
        assert.doesNotMatch(message, /hunter2/);
        assert.doesNotMatch(problemsOf(metal((raw) => { peer(raw).password = "hunter2"; peer(raw).asn = 0; })).join("\n"), /hunter2/);
    });
});

describe("model: what works but deserves a word", () => {
    const warningsOf = (raw: Record<string, any>) => edgeWarnings(parseStackConfig(raw));

    it("an advertisement naming a peer that is not configured", () => {
        assert.ok(warningsOf(metal((raw) => { gatewaysPool(raw).advertise.bgp.peers = ["tor-c"]; })).some((w) => /^metallb\.pools\[0\]\.advertise\.bgp\.peers\[0\]: "tor-c" is no peer/.test(w)));
    });

    it("an interface name Linux cannot have (MetalLB takes it and announces nothing there)", () => {
        const warnings = warningsOf(metal((raw) => { raw.metallb.pools[1].advertise.l2.interfaces = ["enp0s31f6.100-long"]; }));
        assert.ok(warnings.some((w) => /^metallb\.pools\[1\]\.advertise\.l2\.interfaces\[0\]: "enp0s31f6\.100-long" cannot be a Linux interface name/.test(w)), warnings.join("\n"));
        assert.deepStrictEqual(warningsOf(metal()), [], "the committed stack deserves none");
    });

    it("Local traffic over BGP with pods that may share a node", () => {
        const warnings = warningsOf(metal((raw) => { raw.gateways[0].podAntiAffinity = "preferred"; }));
        assert.ok(warnings.some((w) => /^gateways\[0\] \(primary\): with externalTrafficPolicy Local over BGP, routers spread connections per node, not per pod/.test(w)), warnings.join("\n"));
    });

    it("FRR mode, deprecated since MetalLB 0.16.0", () => {
        assert.ok(warningsOf(metal((raw) => { raw.metallb.values = { frrk8s: { enabled: false }, speaker: { frr: { enabled: true } } }; })).some((w) => /deprecated since 0\.16\.0/.test(w)));
    });
});

describe("model: label selectors as Kubernetes reads them", () => {
    const selectorMatches = (selector: Record<string, unknown>, labels: Record<string, string>) => labelSelectorMatches(selector, labels) === true;
    const node = { "kubernetes.io/hostname": "n1", rack: "a", "node-role.kubernetes.io/edge": "" };
    it("matchLabels and every operator", () => {
        assert.ok(selectorMatches({ matchLabels: { rack: "a" } }, node));
        assert.ok(!selectorMatches({ matchLabels: { rack: "b" } }, node));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "rack", operator: "In", values: ["a", "b"] }] }, node));
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "rack", operator: "NotIn", values: ["a"] }] }, node));
        assert.ok(selectorMatches({ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, node), "NotIn holds for a missing label");
        assert.ok(selectorMatches({ matchExpressions: [{ key: "node-role.kubernetes.io/edge", operator: "Exists" }] }, node));
        assert.ok(!selectorMatches({ matchExpressions: [{ key: "rack", operator: "DoesNotExist" }] }, node));
        assert.ok(selectorMatches({}, node), "an empty selector picks everything");
    });
    it("accepts what Kubernetes accepts: prefixed keys, empty values, an empty selector", () => {
        assert.deepStrictEqual(selectorProblems([{ matchLabels: { "topology.kubernetes.io/zone": "rack-1", "node-role.kubernetes.io/edge": "" } }, {}], "k"), []);
    });
});
