// BGP in the edge: each peer's password from a config secret into a basic-auth Secret MetalLB reads,
// never in plain text anywhere; the order MetalLB needs (BFD profile and Secret before the peer, peers
// before the gateways' Services); Edge args that pass the password as an Output.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, edgeArgsFromStackConfig, encryptedConfigKeys, readStackConfig, stackSecretWarnings } from "../../config";
import type { EdgeArgs } from "../../components/edge";
import { T, argsFromSpec, evaluateEdge, gatewayCharts } from "../helpers/edge";
import { Evaluation, isSecretValue, reveal } from "../helpers/mocks";
import { flatStackConfig, stackConfig } from "../helpers/stacks";

/** Paths of every string containing `needle` outside values marked secret. */
function plainOccurrences(value: unknown, needle: string, at = ""): string[] {
    if (isSecretValue(value)) return [];
    if (typeof value === "string") return value.includes(needle) ? [at] : [];
    if (Array.isArray(value)) return value.flatMap((v, i) => plainOccurrences(v, needle, `${at}[${i}]`));
    if (typeof value === "object" && value !== null) return Object.entries(value).flatMap(([k, v]) => plainOccurrences(v, needle, `${at}.${k}`));
    return [];
}

/** The flat config Pulumi hands the program for metal, with passwords set (`pulumi config set --secret --path`; they arrive decrypted). */
function metalWithPasswords(passwords: string[]): Record<string, string> {
    const flat = flatStackConfig("metal");
    const metallb = JSON.parse(flat["istio-metallb-ingress:metallb"]);
    passwords.forEach((p, i) => { metallb.bgp.peers[i].password = p; });
    return { ...flat, "istio-metallb-ingress:metallb": JSON.stringify(metallb) };
}

describe("bgp: peer passwords from stack config", function () {
    this.timeout(30_000);
    const PASSWORDS = ["tor-a-s3cret", "tor-b-s3cret"];
    let ev: Evaluation<unknown>;
    before(async () => {
        const args = edgeArgsFromStackConfig(readStackConfig(metalWithPasswords(PASSWORDS))) as EdgeArgs;
        ev = await evaluateEdge(args);
    });

    it("keeps each in a kubernetes.io/basic-auth Secret under the key MetalLB reads, marked secret", () => {
        const secrets = ev.ofType(T.secret).filter((s) => s.inputs.type === "kubernetes.io/basic-auth");
        assert.deepStrictEqual(secrets.map((s) => [s.inputs.metadata.name, s.inputs.metadata.namespace]).sort(), [
            ["tor-a-bgp-password", "metallb-system"],
            ["tor-b-bgp-password", "metallb-system"],
        ]);
        for (const [i, secret] of secrets.entries()) {
            const data = secret.inputs.stringData;
            assert.ok(isSecretValue(data) || isSecretValue(data.password), `${secret.name}: marked secret`);
            assert.strictEqual(reveal(data).password, PASSWORDS[i]);
        }
    });

    it("shows the password nowhere in plain text: no input of any resource", () => {
        for (const password of PASSWORDS) {
            assert.deepStrictEqual(ev.resources.flatMap((r) => plainOccurrences(r.inputs, password, `${r.type} ${r.name}`)), []);
        }
        // And the walk finds it where it is, marked.
        assert.ok(ev.resources.some((r) => JSON.stringify(r.inputs).includes(PASSWORDS[0])));
    });

    it("points each BGPPeer at its Secret, created after the Secret and the BFD profile", () => {
        for (const peer of ev.ofType(T.bgpPeer)) {
            const name = peer.inputs.metadata.name;
            assert.deepStrictEqual(peer.inputs.spec.passwordSecret, { name: `${name}-bgp-password`, namespace: "metallb-system" });
            const secret = ev.ofType(T.secret).find((s) => s.inputs.metadata.name === `${name}-bgp-password`)!;
            const bfd = ev.ofType(T.bfdProfile).find((b) => b.inputs.metadata.name === peer.inputs.spec.bfdProfile)!;
            const deps = ev.transitiveDependencies(peer.urn);
            assert.ok(deps.has(secret.urn) && deps.has(bfd.urn), `${name}: after its Secret and BFD profile`);
        }
        for (const chart of gatewayCharts(ev)) {
            for (const peer of ev.ofType(T.bgpPeer)) assert.ok(ev.transitiveDependencies(chart.urn).has(peer.urn), `${chart.name} after ${peer.name}`);
        }
    });
});

describe("bgp: secrets that deserve a word (never printed)", () => {
    const raw = (passwords: string[]) => readStackConfig(metalWithPasswords(passwords));
    const encrypted = (keys: string[]) => encryptedConfigKeys("istio-metallb-ingress", { PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(keys) });

    it("a password written in the stack file as plain text, with the command that encrypts it", () => {
        const warnings = stackSecretWarnings(raw(["pw-a", "pw-b"]), encrypted(["istio-metallb-ingress:pki"]));
        assert.deepStrictEqual(warnings, [0, 1].map((i) => `metallb.bgp.peers[${i}].password is plain text in the stack file; encrypt it: pulumi config set --secret --path 'metallb.bgp.peers[${i}].password' <password>`));
        // Encrypted (the metallb key holds a secure value): nothing to say. The CLI silent: nothing claimed.
        assert.deepStrictEqual(stackSecretWarnings(raw(["pw-a", "pw-b"]), encrypted(["istio-metallb-ingress:metallb"])), []);
        assert.deepStrictEqual(stackSecretWarnings(raw(["pw-a", "pw-b"]), encryptedConfigKeys("istio-metallb-ingress", {})), []);
    });

    it("a password FRR cannot use: longer than a TCP MD5 key, or with a line break", () => {
        const long = "x".repeat(81);
        const warnings = stackSecretWarnings(raw([long, "pw\n"]), encrypted(["istio-metallb-ingress:metallb"]));
        assert.strictEqual(warnings.length, 2);
        assert.match(warnings[0], /^metallb\.bgp\.peers\[0\]\.password: 81 characters, and a BGP \(TCP MD5\) password has at most 80/);
        assert.match(warnings[1], /^metallb\.bgp\.peers\[1\]\.password: holds a line break/);
        assert.ok(!warnings.join().includes(long) && !warnings.join().includes("pw\n"));
        assert.deepStrictEqual(stackSecretWarnings(raw(["x".repeat(80), "pw"]), encrypted(["istio-metallb-ingress:metallb"])), []);
    });
});

describe("bgp: Edge args", function () {
    this.timeout(30_000);
    const metalArgs = (): EdgeArgs => argsFromSpec(stackConfig("metal"));

    it("takes a peer's password as an Output (a secret from elsewhere)", async () => {
        const args = metalArgs();
        args.metallb.bgp!.peers[1].password = pulumi.secret(pulumi.output("from-a-vault"));
        const ev = await evaluateEdge(args);
        const secret = ev.ofType(T.secret).find((s) => s.inputs.metadata.name === "tor-b-bgp-password")!;
        assert.strictEqual(reveal(secret.inputs.stringData).password, "from-a-vault");
        assert.ok(!ev.ofType(T.secret).some((s) => s.inputs.metadata.name === "tor-a-bgp-password"), "no password, no Secret");
    });

    it("keeps a password given as a plain string secret all the same", async () => {
        const args = metalArgs();
        args.metallb.bgp!.peers[0].password = "plain-in-args";
        const ev = await evaluateEdge(args);
        assert.deepStrictEqual(ev.resources.flatMap((r) => plainOccurrences(r.inputs, "plain-in-args", `${r.type} ${r.name}`)), []);
        const secret = ev.ofType(T.secret).find((s) => s.inputs.metadata.name === "tor-a-bgp-password")!;
        assert.strictEqual(reveal(secret.inputs.stringData).password, "plain-in-args");
    });

    it("refuses an Output where the value names or shapes objects (a peer's AS number), naming the key", async () => {
        const args = metalArgs();
        (args.metallb.bgp!.peers[0] as any).asn = pulumi.output(64500);
        await assert.rejects(evaluateEdge(args), (err: unknown) => err instanceof ConfigError && /metallb\.bgp\.peers\[0\]\.asn: is known only at deploy time/.test(err.problems.join("\n")));
    });

    it("checks args like stack config: an advertisement's aggregation length that does not fit", async () => {
        const args = metalArgs();
        args.metallb.pools[0].advertise = { bgp: { aggregationLength: 24 } };
        await assert.rejects(evaluateEdge(args), /metallb\.pools\[0\]\.advertise\.bgp\.aggregationLength: 24 is shorter than the \/32/);
    });
});
