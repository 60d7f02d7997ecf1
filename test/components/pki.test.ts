// The CA in the edge: a CA brought from stack config (the key a config secret) or as Edge args,
// its chain served in tls.crt; and a rotation of the generated CA, one config change per step.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { X509Certificate } from "crypto";
import { checkStackConfig, edgeArgsFromStackConfig, parseStackConfig, readStackConfig } from "../../config";
import { EdgeArgs } from "../../components/edge";
import { T, argsFromSpec, evaluateEdge } from "../helpers/edge";
import { isSecretValue, resolve, reveal } from "../helpers/mocks";
import { editedConfig, flatStackConfig, stackConfig } from "../helpers/stacks";
import { makeCert, rootCa } from "../helpers/pki";

describe("pki: a CA brought from stack config", () => {
    const root = rootCa();
    /** The flat config Pulumi hands the program: secrets arrive decrypted, as plain text. */
    const flat = (byo: Record<string, string>) => ({ ...flatStackConfig("dev"), "istio-metallb-ingress:pki": JSON.stringify({ caCommonName: "myCA.local", bringYourOwnCa: byo }) });

    it("works as the docs say (`pulumi config set --secret --path pki.bringYourOwnCa.privateKeyPem`), and hands the key on as a secret", () => {
        const raw = readStackConfig(flat({ certificatePem: root.cert, privateKeyPem: root.key }));
        assert.deepStrictEqual(checkStackConfig(raw).problems, []);
        assert.strictEqual(parseStackConfig(raw).pki.bringYourOwnCa, true);
        const args = edgeArgsFromStackConfig(raw);
        assert.ok(pulumi.Output.isInstance(args.pki.bringYourOwnCa.privateKeyPem));
        assert.strictEqual(args.pki.bringYourOwnCa.certificatePem, root.cert);
    });

    it("says what is wrong with brought material before anything is registered, without printing it", () => {
        const leaf = makeCert({ ca: false, commonName: "not-a-ca.example.com" });
        const problems = checkStackConfig(readStackConfig(flat({ certificatePem: leaf.cert, privateKeyPem: leaf.key }))).problems;
        assert.deepStrictEqual(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /^pki\.bringYourOwnCa\.certificatePem: the certificate for "CN=not-a-ca\.example\.com" is not a CA/);
        const other = rootCa({ key: 1 });
        const mismatch = checkStackConfig(readStackConfig(flat({ certificatePem: root.cert, privateKeyPem: other.key }))).problems;
        assert.match(mismatch.join("\n"), /^pki\.bringYourOwnCa\.privateKeyPem: the key does not belong to the CA certificate/);
        assert.ok(!mismatch.join("\n").includes(other.key.split("\n")[1]));
    });
});

describe("pki: a brought intermediate CA in the edge", () => {
    const root = rootCa();
    const intermediate = makeCert({ commonName: "Edge Issuing CA", key: 1, issuer: root, keyUsage: { keyCertSign: true } });

    it("serves each leaf with the intermediate in tls.crt, and gives clients the root to trust", async () => {
        const args: EdgeArgs = argsFromSpec(stackConfig("dev"));
        args.pki = { ...args.pki, bringYourOwnCa: { certificatePem: intermediate.cert + root.cert, privateKeyPem: pulumi.secret(intermediate.key) } };
        const ev = await evaluateEdge(args);
        assert.strictEqual(ev.ofType(T.selfSigned).length, 0);
        const secret = ev.ofType(T.secret).find((s) => s.inputs.metadata.name === "primary-microk8s-local-tls")!;
        const served: string = reveal(secret.inputs.stringData)["tls.crt"];
        const blocks = served.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!;
        assert.strictEqual(blocks.length, 2, "the leaf, then the intermediate");
        assert.match(blocks[0], /mock-leaf/);
        assert.strictEqual(new X509Certificate(blocks[1]).subject, "CN=Edge Issuing CA");
        assert.ok(isSecretValue(secret.inputs.stringData) || isSecretValue(secret.inputs.stringData["tls.key"]));
        // Leaves are signed by the intermediate (the first of the bundle): its certificate and key.
        const leafCert = ev.ofType(T.leafCert)[0];
        assert.strictEqual(new X509Certificate(reveal(leafCert.inputs.caCertPem)).subject, "CN=Edge Issuing CA");
        assert.strictEqual(new X509Certificate(await resolve(ev.result.edge.caCertificatePem)).subject, "CN=Test Root CA");
        assert.strictEqual(await resolve(ev.result.edge.caTrustBundle), await resolve(ev.result.edge.caCertificatePem));
    });
});

describe("pki: rotating the generated CA, one config change per step", () => {
    const prodWith = (pki: Record<string, unknown>) => parseStackConfig(editedConfig("prod", (raw) => { raw.pki = { ...raw.pki, ...pki }; }));
    const cas = async (pki: Record<string, unknown>) => {
        const ev = await evaluateEdge(prodWith(pki));
        const certs = ev.ofType(T.selfSigned);
        const byName = (name: string) => certs.find((c) => c.name === name);
        const leaf = ev.ofType(T.leafCert)[0];
        return { ev, certs, byName, leafCa: reveal(leaf.inputs.caCertPem), bundle: await resolve(ev.result.edge.caTrustBundle), pem: await resolve(ev.result.edge.caCertificatePem) };
    };

    it("step 0: one CA, under the name it always had, protected in prod", async () => {
        const s = await cas({});
        assert.deepStrictEqual(s.certs.map((c) => c.name), ["edge-pki-ca-cert"]);
        assert.strictEqual(s.byName("edge-pki-ca-cert")!.protect, true);
        assert.strictEqual(s.bundle, s.pem);
    });

    it("step 1 (trustedCaGenerations [1, 2]): a second CA, trusted beside the first, signing nothing yet", async () => {
        const s = await cas({ trustedCaGenerations: [1, 2] });
        assert.deepStrictEqual(s.certs.map((c) => c.name).sort(), ["edge-pki-ca-cert", "edge-pki-ca.2-cert"]);
        assert.match(s.leafCa, /mock-ca-edge-pki-ca-cert\n/, "the leaves stay with CA 1");
        assert.strictEqual(s.pem, s.leafCa);
        assert.ok(s.bundle.startsWith(s.pem) && s.bundle.includes("mock-ca-edge-pki-ca.2-cert"), "the bundle holds both, the signing CA first");
        assert.strictEqual(s.byName("edge-pki-ca.2-cert")!.inputs.subject.commonName, "Example Corp Ingress CA G2");
        assert.deepStrictEqual([s.byName("edge-pki-ca-cert")!.protect, s.byName("edge-pki-ca.2-cert")!.protect], [true, true]);
    });

    it("step 2 (caGeneration 2): the leaves move to CA 2; CA 1 stays trusted and is no longer protected, so it can retire", async () => {
        const s = await cas({ trustedCaGenerations: [1, 2], caGeneration: 2 });
        assert.match(s.leafCa, /mock-ca-edge-pki-ca\.2-cert\n/);
        assert.ok(s.bundle.startsWith(s.pem) && s.bundle.includes("mock-ca-edge-pki-ca-cert\n"));
        assert.deepStrictEqual([s.byName("edge-pki-ca-cert")!.protect, s.byName("edge-pki-ca.2-cert")!.protect], [false, true]);
    });

    it("step 3 (trustedCaGenerations [2]): CA 1 is gone, CA 2 alone is trusted and protected", async () => {
        const s = await cas({ trustedCaGenerations: [2], caGeneration: 2 });
        assert.deepStrictEqual(s.certs.map((c) => c.name), ["edge-pki-ca.2-cert"]);
        assert.strictEqual(s.bundle, s.pem);
        assert.strictEqual(s.byName("edge-pki-ca.2-cert")!.protect, true);
    });

    it("refuses a step that would break clients: a signing CA they do not trust, a jump of two", () => {
        const problems = (pki: Record<string, unknown>) => checkStackConfig(editedConfig("prod", (raw) => { raw.pki = { ...raw.pki, ...pki }; })).problems;
        assert.match(problems({ caGeneration: 2 }).join("\n"), /^pki\.caGeneration: 2 needs pki\.trustedCaGenerations to say which CAs clients trust/);
        assert.match(problems({ caGeneration: 2, trustedCaGenerations: [1] }).join("\n"), /^pki\.trustedCaGenerations: \[1\] does not hold pki\.caGeneration \(2\), so clients would not trust the CA that signs the leaves; add 2: \[1,2\]/);
        assert.match(problems({ trustedCaGenerations: [1, 3] }).join("\n"), /holds a generation more than one past pki\.caGeneration \(1\)/);
        assert.deepStrictEqual(problems({ caGeneration: 2, trustedCaGenerations: [1, 2] }), []);
    });
});

describe("pki: warnings before a certificate runs out", () => {
    it("warns at preview and up of a CA within 90 days of its end and of a leaf inside its renewal window, with what to do", async () => {
        const soonCa = rootCa({ notAfter: new Date(Date.now() + 30 * 86_400_000) });
        const soonLeaf = makeCert({ ca: false, commonName: "microk8s.local", notAfter: new Date(Date.now() + 10 * 86_400_000) });
        const ev = await evaluateEdge(stackConfig("dev"), (type, name) => {
            if (type === "tls:index/selfSignedCert:SelfSignedCert") return { certPem: soonCa.cert };
            if (type === "tls:index/locallySignedCert:LocallySignedCert" && name === "edge-pki-primary-microk8s-local-cert") return { certPem: soonLeaf.cert };
            return undefined;
        });
        assert.strictEqual(ev.warnings.length, 2, ev.warnings.join("\n"));
        assert.match(ev.warnings[0], /^CA generation 1 expires on .* \(in 29 days\); rotate it before then \(docs\/operations\.md#rotating-the-ca\): first `pulumi config set --path 'pki\.trustedCaGenerations\[1\]' 2`/);
        assert.match(ev.warnings[1], /^the certificate of microk8s\.local \(primary-microk8s-local-tls\) expires on .* \(in 9 days\); the next `pulumi up` issues a new one/);
        // Certificates far from their end: not a word.
        assert.deepStrictEqual((await evaluateEdge(stackConfig("dev"))).warnings, []);
    });
});
