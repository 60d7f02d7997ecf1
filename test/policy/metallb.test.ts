// MetalLB announcement and BGP rules (MetalLB v0.16.1): pools no advertisement selects, Service IPs
// in such pools, BGPPeer AS numbers and passwords; and the other rules stay quiet on BGP objects.
import * as assert from "assert";
import {
    allPolicies, credentialNameResolves, gatewayApiCertificateRefs, metallbBgpPeerAsn, metallbBgpPeerPasswordSecret, metallbBgpPeerPasswordSecretValid,
    metallbPoolAnnounced, metallbServiceIpAnnounced,
} from "../../policy/policies";
import { StackResource } from "../../policy/lib/model";
import { resource, runPolicy, runResourcePolicy, runStackPolicy, unknownField } from "./harness";

const NS = "metallb-system";
const pool = (name: string, addresses: string[], labels?: Record<string, string>, namespace = NS) =>
    resource("kubernetes:metallb.io/v1beta1:IPAddressPool", { metadata: { name, namespace, ...(labels ? { labels } : {}) }, spec: { addresses } });
const l2 = (name: string, spec: object = {}, namespace = NS) =>
    resource("kubernetes:metallb.io/v1beta1:L2Advertisement", { metadata: { name, namespace }, spec });
const bgpAdv = (name: string, spec: object = {}) =>
    resource("kubernetes:metallb.io/v1beta1:BGPAdvertisement", { metadata: { name, namespace: NS }, spec });
const service = (name: string, annotations: Record<string, string>, spec: object = {}, parent?: StackResource) =>
    resource("kubernetes:core/v1:Service", { metadata: { name, namespace: "apps", annotations }, spec: { type: "LoadBalancer", ports: [{ name: "http", port: 80 }], ...spec } }, parent);
const peer = (spec: object, version = "v1beta2", name = "tor") =>
    resource(`kubernetes:metallb.io/${version}:BGPPeer`, { metadata: { name, namespace: NS }, spec });
const secret = (name: string, props: object, namespace = NS) => resource("kubernetes:core/v1:Secret", { metadata: { name, namespace }, ...props });
const ip = (address: string) => ({ "metallb.io/loadBalancerIPs": address });

/** Two pools, "public" announced on layer 2 by name, "private" by nothing. */
const twoPools = () => [pool("public", ["10.0.0.0/29"]), pool("private", ["10.0.1.0/29"], { tier: "private" }), l2("layer2", { ipAddressPools: ["public"] })];

describe("policy metallb-pool-announced", () => {
    it("is advisory (MetalLB accepts the pool; Calico setups rely on it)", () => assert.strictEqual(metallbPoolAnnounced.enforcementLevel, "advisory"));

    it("passes pools selected by name, by label selector, through a BGPAdvertisement, or by an advertisement without pool selectors", async () => {
        const stack = [
            pool("a", ["10.0.0.0/30"]), pool("b", ["10.0.0.4/30"], { tier: "edge" }), pool("c", ["10.0.0.8/30"], { zone: "z1" }), pool("d", ["10.0.0.12/30"]),
            l2("by-name", { ipAddressPools: ["a"] }),
            l2("by-label", { ipAddressPoolSelectors: [{ matchLabels: { tier: "edge" } }] }),
            bgpAdv("by-expression", { ipAddressPoolSelectors: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["z1", "z2"] }] }], peers: ["tor"] }),
        ];
        assert.deepStrictEqual((await runStackPolicy(metallbPoolAnnounced, stack)).map((v) => v.split(":")[0]), ["IPAddressPool metallb-system/d"]);
        assert.deepStrictEqual(await runStackPolicy(metallbPoolAnnounced, [...stack, bgpAdv("all", { aggregationLength: 32 })]), []);
        assert.deepStrictEqual(await runStackPolicy(metallbPoolAnnounced, [...stack, l2("empty-lists", { ipAddressPools: [], ipAddressPoolSelectors: [] })]), []);
        assert.deepStrictEqual(await runStackPolicy(metallbPoolAnnounced, [...stack, l2("match-all", { ipAddressPoolSelectors: [{}] })]), []);
    });

    it("fails a pool no advertisement selects, naming the pool and the advertisements", async () => {
        const [v, ...rest] = await runStackPolicy(metallbPoolAnnounced, twoPools());
        assert.deepStrictEqual(rest, []);
        assert.match(v, /^IPAddressPool metallb-system\/private: no L2Advertisement or BGPAdvertisement of this stack selects it \(L2Advertisement metallb-system\/layer2: ipAddressPools public\), so its addresses \(10\.0\.1\.0\/29\) are handed out to Services but never announced/);
        assert.match(v, /Add "private" to an advertisement's spec\.ipAddressPools/);
    });

    it("reports every pool once when the stack has no advertisement at all", async () => {
        const violations = await runStackPolicy(metallbPoolAnnounced, [pool("a", ["10.0.0.1-10.0.0.2"]), pool("b", ["fd00::/120"])]);
        assert.strictEqual(violations.length, 2, violations.join("\n"));
        assert.match(violations[0], /^IPAddressPool metallb-system\/a: this stack has no L2Advertisement or BGPAdvertisement, so its addresses \(10\.0\.0\.1-10\.0\.0\.2\) are handed out to Services but never announced/);
        assert.match(violations[1], /^IPAddressPool metallb-system\/b:/);
    });

    it("reads selectors as Kubernetes does: NotIn and DoesNotExist match a missing label, all terms must hold, selectors of one list add up", async () => {
        const stack = [pool("x", ["10.0.0.0/30"], { tier: "edge" }), pool("y", ["10.0.0.4/30"])];
        const names = async (selectors: object[]) => (await runStackPolicy(metallbPoolAnnounced, [...stack, l2("sel", { ipAddressPoolSelectors: selectors })]))
            .map((v) => /IPAddressPool metallb-system\/(\w+)/.exec(v)![1]);
        assert.deepStrictEqual(await names([{ matchExpressions: [{ key: "tier", operator: "NotIn", values: ["edge"] }] }]), ["x"]);
        assert.deepStrictEqual(await names([{ matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }]), ["x"]);
        assert.deepStrictEqual(await names([{ matchExpressions: [{ key: "tier", operator: "Exists" }] }]), ["y"]);
        assert.deepStrictEqual(await names([{ matchLabels: { tier: "edge" }, matchExpressions: [{ key: "zone", operator: "Exists" }] }]), ["x", "y"]);
        assert.deepStrictEqual(await names([{ matchLabels: { tier: "edge" } }, { matchExpressions: [{ key: "tier", operator: "DoesNotExist" }] }]), []);
        // A selector Kubernetes would not parse decides nothing.
        assert.deepStrictEqual(await names([{ matchExpressions: [{ key: "tier", operator: "In", values: [] }] }]), []);
    });

    it("counts only advertisements of the pool's namespace (MetalLB reads its own)", async () => {
        const [v] = await runStackPolicy(metallbPoolAnnounced, [pool("a", ["10.0.0.0/30"]), l2("elsewhere", {}, "other")]);
        assert.match(v, /IPAddressPool metallb-system\/a: no L2Advertisement/);
    });

    it("skips pools listed in externallyAnnouncedPools", async () => {
        assert.deepStrictEqual(await runStackPolicy(metallbPoolAnnounced, twoPools(), { externallyAnnouncedPools: ["private"] }), []);
    });

    it("does not report what is unknown during preview: an advertisement's spec or pool lists, a pool's name or labels", async () => {
        const [publicPool, privatePool, adv] = twoPools();
        const cases: StackResource[][] = [
            [publicPool, privatePool, { ...adv, props: unknownField(adv.props, "spec") }],
            [publicPool, privatePool, adv, l2("l", unknownField({ ipAddressPools: ["public"] }, "ipAddressPoolSelectors"))],
            [publicPool, privatePool, { ...adv, props: { ...adv.props, spec: unknownField({}, "ipAddressPools") } }],
            [publicPool, { ...privatePool, props: { ...privatePool.props, metadata: unknownField(privatePool.props.metadata, "name") } }, adv],
            [publicPool, { ...privatePool, props: { ...privatePool.props, metadata: unknownField(privatePool.props.metadata, "labels") } }, l2("sel", { ipAddressPoolSelectors: [{ matchLabels: { tier: "private" } }] }), adv],
        ];
        for (const stack of cases) assert.deepStrictEqual(await runStackPolicy(metallbPoolAnnounced, stack), []);
    });
});

describe("policy metallb-service-ip-announced", () => {
    it("is mandatory; passes a Service whose IP is in an announced pool", async () => {
        assert.strictEqual(metallbServiceIpAnnounced.enforcementLevel, "mandatory");
        assert.deepStrictEqual(await runStackPolicy(metallbServiceIpAnnounced, [...twoPools(), service("web", ip("10.0.0.3"))]), []);
    });

    it("fails an IP in a pool nothing announces, naming the Service, the IP and the pool", async () => {
        const [v] = await runStackPolicy(metallbServiceIpAnnounced, [...twoPools(), service("web", ip("10.0.0.3,10.0.1.2"))]);
        assert.match(v, /^Service apps\/web: requested IP 10\.0\.1\.2 is in IPAddressPool metallb-system\/private, which no L2Advertisement or BGPAdvertisement of this stack announces; MetalLB would assign it and no node would answer for it, so it is unreachable/);
        assert.match(v, /request an address of an announced pool \(public \(10\.0\.0\.0\/29\)\)/);
    });

    it("reads the old annotation spelling, spec.loadBalancerIP, gateway chart values and a chart's rendered Service", async () => {
        const chart = resource("kubernetes:helm.sh/v4:Chart", { name: "istio-ingress-edge", chart: "gateway", namespace: "istio-ingress", values: { service: { annotations: ip("10.0.1.3") } } });
        const appChart = resource("kubernetes:helm.sh/v4:Chart", { name: "app", chart: "oci://example/app", namespace: "apps" });
        const stack = [
            ...twoPools(), chart, appChart,
            service("old", { "metallb.universe.tf/loadBalancerIPs": "10.0.1.1" }),
            service("spec", {}, { loadBalancerIP: "10.0.1.2" }),
            service("rendered", ip("10.0.1.4"), {}, appChart),
        ];
        const violations = await runStackPolicy(metallbServiceIpAnnounced, stack);
        assert.deepStrictEqual(violations.map((v) => /^Service (.+?): requested IP (\S+)/.exec(v)!.slice(1).join(" ")), [
            "apps/old 10.0.1.1", "apps/spec 10.0.1.2", "apps/rendered 10.0.1.4", "istio-ingress/istio-ingress-edge (gateway chart) 10.0.1.3",
        ]);
    });

    it("fails a Service asking for an unannounced pool by metallb.io/address-pool", async () => {
        const [v] = await runStackPolicy(metallbServiceIpAnnounced, [...twoPools(), service("web", { "metallb.io/address-pool": "private" })]);
        assert.match(v, /^Service apps\/web: asks for IPAddressPool metallb-system\/private \(address-pool annotation\), which no L2Advertisement or BGPAdvertisement of this stack announces/);
    });

    it("leaves other Services and other problems alone: not LoadBalancer, an IP in no pool (metallb-ip-in-pool), a pool the stack lacks", async () => {
        const stack = [...twoPools(), service("cluster", ip("10.0.1.1"), { type: "ClusterIP" }), service("nowhere", ip("10.9.9.9")), service("named", { "metallb.io/address-pool": "gone" })];
        assert.deepStrictEqual(await runStackPolicy(metallbServiceIpAnnounced, stack), []);
    });

    it("judges a stack without advertisements only with advertisementsInStack; skips externallyAnnouncedPools", async () => {
        const stack = [pool("private", ["10.0.1.0/29"]), service("web", ip("10.0.1.2"))];
        assert.deepStrictEqual(await runStackPolicy(metallbServiceIpAnnounced, stack), []);
        assert.strictEqual((await runStackPolicy(metallbServiceIpAnnounced, stack, { advertisementsInStack: true })).length, 1);
        assert.deepStrictEqual(await runStackPolicy(metallbServiceIpAnnounced, [...twoPools(), service("web", ip("10.0.1.2"))], { externallyAnnouncedPools: ["private"] }), []);
    });

    it("does not report what is unknown during preview: the annotations' values, a pool's addresses, an advertisement", async () => {
        const [publicPool, privatePool, adv] = twoPools();
        const web = service("web", ip("10.0.1.2"));
        const cases: StackResource[][] = [
            [publicPool, privatePool, adv, { ...web, props: { ...web.props, metadata: { ...web.props.metadata, annotations: unknownField({}, "metallb.io/loadBalancerIPs") } } }],
            [publicPool, privatePool, adv, { ...web, props: { ...web.props, spec: unknownField(web.props.spec, "type") } }],
            [publicPool, { ...privatePool, props: unknownField(privatePool.props, "spec") }, adv, web],
            [publicPool, privatePool, { ...adv, props: unknownField(adv.props, "spec") }, web],
        ];
        for (const stack of cases) assert.deepStrictEqual(await runStackPolicy(metallbServiceIpAnnounced, stack), []);
    });
});

describe("policy metallb-bgppeer-asn", () => {
    const problems = async (spec: object, version = "v1beta2") => runResourcePolicy(metallbBgpPeerAsn, peer(spec, version));

    it("passes valid peers: peerASN, dynamicASN, 32-bit ASNs, v1beta1", async () => {
        assert.strictEqual(metallbBgpPeerAsn.enforcementLevel, "mandatory");
        for (const spec of [
            { myASN: 64512, peerASN: 64513, peerAddress: "10.0.0.1" },
            { myASN: 64512, dynamicASN: "external", peerAddress: "10.0.0.1" },
            { myASN: 4200000000, peerASN: 4294967295, localASN: 65001, peerAddress: "10.0.0.1" },
            { myASN: 64512, peerASN: 64512, peerAddress: "10.0.0.1" },
        ]) assert.deepStrictEqual(await problems(spec), [], JSON.stringify(spec));
        assert.deepStrictEqual(await problems({ myASN: 64512, peerASN: 65000, peerAddress: "10.0.0.1" }, "v1beta1"), []);
    });

    it("fails myASN missing or 0, naming the value and the valid ranges", async () => {
        const [missing] = await problems({ peerASN: 64513, peerAddress: "10.0.0.1" });
        assert.match(missing, /^BGPPeer metallb-system\/tor: myASN is missing; MetalLB refuses the peer \("missing local ASN"\) \(AS numbers: valid: 1–4294967295; private: 64512–65534 and 4200000000–4294967294\)\.$/);
        const [zero] = await problems({ myASN: 0, peerASN: 64513, peerAddress: "10.0.0.1" });
        assert.match(zero, /myASN is 0; MetalLB refuses the peer \("missing local ASN"\)/);
    });

    it("fails peerASN missing or 0 without dynamicASN, both set, an invalid dynamicASN, and v1beta1 without peerASN", async () => {
        assert.match((await problems({ myASN: 64512, peerASN: 0, peerAddress: "10.0.0.1" }))[0], /peerASN is 0; MetalLB refuses the peer \("missing peer ASN and dynamicASN"; set peerASN, or dynamicASN internal or external\)/);
        assert.match((await problems({ myASN: 64512, peerAddress: "10.0.0.1" }))[0], /peerASN is missing; MetalLB refuses the peer \("missing peer ASN and dynamicASN"/);
        assert.match((await problems({ myASN: 64512, peerASN: 64513, dynamicASN: "internal", peerAddress: "10.0.0.1" }))[0],
            /both peerASN \(64513\) and dynamicASN \(internal\) are set; MetalLB refuses the peer \("both peer ASN and dynamicASN specified"\)/);
        assert.match((await problems({ myASN: 64512, dynamicASN: "ibgp", peerAddress: "10.0.0.1" }))[0], /dynamicASN "ibgp" is neither "internal" nor "external"/);
        assert.match((await problems({ myASN: 64512, peerASN: 64513, dynamicASN: "" }))[0], /dynamicASN "" is neither "internal" nor "external"; the API server refuses it/);
        // v1beta1 has no dynamicASN (the API server prunes it), so peerASN is still missing.
        assert.match((await problems({ myASN: 64512, dynamicASN: "external", peerAddress: "10.0.0.1" }, "v1beta1"))[0], /peerASN is missing; .*metallb\.io\/v1beta1 requires peerASN/);
    });

    it("fails AS numbers above 4294967295, negative or not integers, localASN 0, and ebgpMultiHop on an iBGP peer", async () => {
        assert.match((await problems({ myASN: 4294967296, peerASN: 64513 }))[0], /myASN 4294967296 is outside 0–4294967295; the API server refuses it \(AS numbers: valid: 1–4294967295/);
        assert.match((await problems({ myASN: 64512, peerASN: -1 }))[0], /peerASN -1 is outside 0–4294967295/);
        assert.match((await problems({ myASN: "64512", peerASN: 64513 }))[0], /myASN "64512" is not an integer/);
        assert.match((await problems({ myASN: 64512, peerASN: 64513, localASN: 0 }))[0], /localASN is 0; the API server refuses it \(the schema's minimum is 1\)/);
        assert.match((await problems({ myASN: 64512, peerASN: 64512, ebgpMultiHop: true }))[0], /ebgpMultiHop is set on an iBGP peer \(peerASN equals myASN, 64512\)/);
    });

    it("does not judge values unknown during preview, nor other kinds", async () => {
        const p = peer({ myASN: 64512, peerASN: 0 });
        assert.deepStrictEqual(await runResourcePolicy(metallbBgpPeerAsn, { ...p, props: unknownField(p.props, "spec") }), []);
        assert.deepStrictEqual(await runResourcePolicy(metallbBgpPeerAsn, peer(unknownField({ peerASN: 64513 }, "myASN"))), []);
        assert.deepStrictEqual(await runResourcePolicy(metallbBgpPeerAsn, peer(unknownField({ myASN: 64512 }, "peerASN"))), []);
        assert.deepStrictEqual(await runResourcePolicy(metallbBgpPeerAsn, peer(unknownField({ myASN: 64512, peerASN: 64513 }, "dynamicASN"))), []);
        assert.deepStrictEqual(await runResourcePolicy(metallbBgpPeerAsn, resource("kubernetes:metallb.io/v1beta1:BGPAdvertisement", { metadata: { name: "a" }, spec: {} })), []);
    });
});

describe("policy metallb-bgppeer-password-secret", () => {
    it("is mandatory; fails a plain-text spec.password and points to passwordSecret", async () => {
        assert.strictEqual(metallbBgpPeerPasswordSecret.enforcementLevel, "mandatory");
        const [v] = await runResourcePolicy(metallbBgpPeerPasswordSecret, peer({ myASN: 64512, peerASN: 64513, password: "hunter2" }));
        assert.match(v, /^BGPPeer metallb-system\/tor: spec\.password holds the BGP session password in plain text, visible in the object \(kubectl get -o yaml\) and in the stack's state/);
        assert.match(v, /set spec\.passwordSecret to a Secret of type kubernetes\.io\/basic-auth in MetalLB's namespace with the key "password"/);
        assert.ok(!v.includes("hunter2"), "the message does not repeat the password");
    });

    it("says MetalLB refuses password and passwordSecret together; tells v1beta1 peers to move to v1beta2", async () => {
        const [both] = await runResourcePolicy(metallbBgpPeerPasswordSecret, peer({ password: "x", passwordSecret: { name: "tor-bgp", namespace: NS } }));
        assert.match(both, /It also sets passwordSecret \(tor-bgp\), and MetalLB refuses a peer with both/);
        const [old] = await runResourcePolicy(metallbBgpPeerPasswordSecret, peer({ password: "x" }, "v1beta1"));
        assert.match(old, /metallb\.io\/v1beta1 has no passwordSecret: move the peer to metallb\.io\/v1beta2/);
    });

    it("passes passwordSecret alone, no password, and a password unknown during preview", async () => {
        for (const spec of [{ passwordSecret: { name: "tor-bgp", namespace: NS } }, { myASN: 1 }, unknownField({ myASN: 1 }, "password")]) {
            assert.deepStrictEqual(await runResourcePolicy(metallbBgpPeerPasswordSecret, peer(spec)), []);
        }
    });
});

describe("policy metallb-bgppeer-password-secret-valid", () => {
    const ref = peer({ myASN: 64512, peerASN: 64513, peerAddress: "10.0.0.1", passwordSecret: { name: "tor-bgp", namespace: NS } });
    const basicAuth = (props: object = {}, namespace = NS) => secret("tor-bgp", { type: "kubernetes.io/basic-auth", stringData: { password: "x" }, ...props }, namespace);

    it("is mandatory; passes a basic-auth Secret with a password key (stringData or data), and a Secret the stack does not create", async () => {
        assert.strictEqual(metallbBgpPeerPasswordSecretValid.enforcementLevel, "mandatory");
        assert.deepStrictEqual(await runStackPolicy(metallbBgpPeerPasswordSecretValid, [ref, basicAuth()]), []);
        assert.deepStrictEqual(await runStackPolicy(metallbBgpPeerPasswordSecretValid, [ref, basicAuth({ stringData: undefined, data: { password: "eA==" } })]), []);
        assert.deepStrictEqual(await runStackPolicy(metallbBgpPeerPasswordSecretValid, [ref, secret("other", { type: "Opaque" })]), []);
    });

    it("fails a Secret of another type, or without a password key", async () => {
        const [opaque] = await runStackPolicy(metallbBgpPeerPasswordSecretValid, [ref, basicAuth({ type: undefined })]);
        assert.match(opaque, /^BGPPeer metallb-system\/tor: passwordSecret names Secret metallb-system\/tor-bgp, which is of type Opaque \(no type set\), not kubernetes\.io\/basic-auth \("secret type mismatch"\); MetalLB refuses it only when it reconciles/);
        const [keyless] = await runStackPolicy(metallbBgpPeerPasswordSecretValid, [ref, basicAuth({ stringData: { username: "u" } })]);
        assert.match(keyless, /which has no "password" key \(keys: username\) \("password not specified in the secret"\)/);
    });

    it("fails a Secret created in another namespace than MetalLB's (MetalLB ignores passwordSecret.namespace)", async () => {
        const elsewhere = peer({ myASN: 64512, peerASN: 64513, passwordSecret: { name: "tor-bgp", namespace: "network" } });
        const [v] = await runStackPolicy(metallbBgpPeerPasswordSecretValid, [elsewhere, basicAuth({}, "network")]);
        assert.match(v, /passwordSecret names Secret tor-bgp, which this stack creates in network, but MetalLB reads Secrets only from its own namespace \(the BGPPeer's, metallb-system\)/);
    });

    it("does not report what is unknown during preview: the Secret's type, data, name", async () => {
        const s = basicAuth({ type: "Opaque", stringData: { username: "u" } });
        for (const props of [unknownField({ ...s.props, stringData: { password: "x" } }, "type"), unknownField({ ...s.props, type: "kubernetes.io/basic-auth" }, "stringData")]) {
            assert.deepStrictEqual(await runStackPolicy(metallbBgpPeerPasswordSecretValid, [ref, { ...s, props }]), []);
        }
        const moved = basicAuth({}, "network");
        assert.deepStrictEqual(await runStackPolicy(metallbBgpPeerPasswordSecretValid, [ref, moved, { ...s, props: unknownField(s.props, "metadata") }]), []);
    });
});

describe("the pack's other rules on BGP objects", () => {
    /** A BGP edge: a pool announced over BGP, a peer with a BFD profile, a community, a basic-auth password Secret, a gateway whose TLS secret is managed elsewhere. */
    const bgpStack = () => [
        pool("gateways", ["10.0.0.1-10.0.0.2"]),
        bgpAdv("gateways", { ipAddressPools: ["gateways"], aggregationLength: 32, communities: ["65535:65282", "no-export"], peers: ["tor"], localPref: 100 }),
        resource("kubernetes:metallb.io/v1beta1:Community", { metadata: { name: "communities", namespace: NS }, spec: { communities: [{ name: "no-export", value: "65535:65281" }] } }),
        resource("kubernetes:metallb.io/v1beta1:BFDProfile", { metadata: { name: "tor-bfd", namespace: NS }, spec: { receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3 } }),
        peer({ myASN: 64512, peerASN: 64513, peerAddress: "10.0.0.254", bfdProfile: "tor-bfd", holdTime: "90s", keepaliveTime: "30s", passwordSecret: { name: "tor-bgp", namespace: NS }, nodeSelectors: [{ matchLabels: { edge: "true" } }] }),
        peer({ myASN: 64512, peerASN: 64514, peerAddress: "10.0.0.253" }, "v1beta1", "legacy"),
        secret("tor-bgp", { type: "kubernetes.io/basic-auth", stringData: { password: "x" } }),
        resource("kubernetes:helm.sh/v4:Chart", { name: "istio-ingress-edge", chart: "gateway", namespace: "istio-ingress", values: { labels: { istio: "ingress-edge" }, service: { annotations: ip("10.0.0.1") } } }),
        resource("kubernetes:networking.istio.io/v1:Gateway", { metadata: { name: "edge", namespace: "istio-ingress" }, spec: { selector: { istio: "ingress-edge" }, servers: [
            { port: { number: 443, name: "https", protocol: "HTTPS" }, hosts: ["a.example.com"], tls: { mode: "SIMPLE", credentialName: "edge-tls", minProtocolVersion: "TLSV1_2" } },
        ] } }),
        resource("kubernetes:gateway.networking.k8s.io/v1:Gateway", { metadata: { name: "api", namespace: "istio-ingress" }, spec: { gatewayClassName: "istio", listeners: [
            { name: "https", port: 443, protocol: "HTTPS", hostname: "api.example.com", tls: { mode: "Terminate", certificateRefs: [{ name: "api-tls" }] } },
        ] } }),
    ];

    it("no rule of the pack reports anything", async () => {
        const found: string[] = [];
        for (const policy of allPolicies) found.push(...(await runPolicy(policy, bgpStack())).map((f) => `${policy.name}: ${f}`));
        assert.deepStrictEqual(found, []);
    });

    it("a basic-auth password Secret does not make the TLS rules judge secrets managed elsewhere", async () => {
        assert.deepStrictEqual(await runStackPolicy(credentialNameResolves, bgpStack()), []);
        assert.deepStrictEqual(await runStackPolicy(gatewayApiCertificateRefs, bgpStack()), []);
        // An Opaque secret still counts, as before.
        const withOpaque = [...bgpStack(), secret("misc", { type: "Opaque", stringData: { a: "b" } }, "istio-ingress")];
        assert.match((await runStackPolicy(credentialNameResolves, withOpaque))[0], /credentialName "edge-tls" has no secret in namespace istio-ingress/);
    });
});
