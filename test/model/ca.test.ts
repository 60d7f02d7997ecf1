// A CA brought instead of generated: one message per real cause, made with real certificates, and
// never a word of the key; chains served as the leaf plus intermediates; expiry warnings in time.
import * as assert from "assert";
import * as forge from "node-forge";
import { caChain, caMaterialProblems, caMaterialWarnings, expiryWarnings, keyUsage } from "../../model/ca";
import { X509Certificate } from "crypto";
import { makeCert, rootCa } from "../helpers/pki";

const now = new Date();
const hours = (h: number) => new Date(now.getTime() + h * 3_600_000);

/** The one problem of the material, which must match every pattern and hold no key material. */
function oneProblem(cert: string, key: string, patterns: RegExp[], validityHours = 2160): string {
    const problems = caMaterialProblems(cert, key, { validityHours, now });
    assert.strictEqual(problems.length, 1, problems.join("\n"));
    for (const re of patterns) assert.match(problems[0], re);
    // Formats may be named ("-----BEGIN PRIVATE KEY-----…"); contents (base64 DER starts "MII") never.
    assert.doesNotMatch(problems[0], /MII[A-Za-z0-9+/]{8}/, "no key or certificate content in a message");
    return problems[0];
}

describe("model: a brought CA, one message per cause", () => {
    const root = rootCa();

    it("accepts a root CA and its key", () => {
        assert.deepStrictEqual(caMaterialProblems(root.cert, root.key, { validityHours: 2160, now }), []);
    });

    it("refuses a certificate that is not a CA", () => {
        const leaf = makeCert({ commonName: "www.example.com", ca: false, keyUsage: { digitalSignature: true } });
        oneProblem(leaf.cert, leaf.key, [/^pki\.bringYourOwnCa\.certificatePem: the certificate for "CN=www\.example\.com" is not a CA \(its basicConstraints lacks CA:TRUE\)/]);
    });

    it("refuses a CA that may not sign certificates (CA:TRUE without keyCertSign), and says so, not 'CA:FALSE'", () => {
        const signer = makeCert({ commonName: "CRL Signer", keyUsage: { cRLSign: true, digitalSignature: true } });
        assert.deepStrictEqual(keyUsage(new X509Certificate(signer.cert)), { keyCertSign: false, cRLSign: true });
        const message = oneProblem(signer.cert, signer.key, [/may not sign certificates \(its keyUsage lacks keyCertSign\)/]);
        assert.doesNotMatch(message, /CA:FALSE|CA:TRUE/);
    });

    it("refuses an expired CA, and one not valid yet", () => {
        const expired = rootCa({ notBefore: hours(-48), notAfter: hours(-1) });
        oneProblem(expired.cert, expired.key, [/the CA certificate "CN=Test Root CA" expired on /]);
        const future = rootCa({ notBefore: hours(24), notAfter: hours(48) });
        oneProblem(future.cert, future.key, [/is not valid before /]);
    });

    it("refuses a CA that expires before the leaves it would sign, and its suggestion passes", () => {
        const short = rootCa({ notAfter: hours(1000) });
        const message = oneProblem(short.cert, short.key, [/expires on .*, before the leaves it signs now would \(pki\.validityHours 2160 ends /, /set pki\.validityHours to at most (\d+)/]);
        const limit = Number(/at most (\d+)/.exec(message)![1]);
        assert.ok(limit >= 998 && limit <= 1000, String(limit));
        assert.deepStrictEqual(caMaterialProblems(short.cert, short.key, { validityHours: limit, now }), []);
    });

    it("refuses a key of another CA, and names which certificate of a bundle the key belongs to", () => {
        const other = rootCa({ key: 1, commonName: "Other CA" });
        oneProblem(root.cert, other.key, [/^pki\.bringYourOwnCa\.privateKeyPem: the key does not belong to the CA certificate "CN=Test Root CA"/]);
        const intermediate = makeCert({ commonName: "Test Issuing CA", key: 1, issuer: root, keyUsage: { keyCertSign: true } });
        // Root first, then the intermediate, with the intermediate's key: the order is wrong.
        const problems = caMaterialProblems(root.cert + intermediate.cert, intermediate.key, { now });
        assert.match(problems[0], /the key belongs to certificate 2 of the bundle \("CN=Test Issuing CA"\), not to the first; put the CA that signs the leaves first/);
    });

    it("tells swapped, missing, encrypted and malformed material apart", () => {
        oneProblem(root.key, root.cert, [/^pki\.bringYourOwnCa: certificatePem holds a private key and privateKeyPem a certificate; the two are swapped/]);
        oneProblem(root.cert, "", [/^pki\.bringYourOwnCa\.privateKeyPem: is empty; set the CA's private key as a secret: pulumi config set --secret --path pki\.bringYourOwnCa\.privateKeyPem/]);
        oneProblem("", root.key, [/^pki\.bringYourOwnCa\.certificatePem: is empty/]);
        oneProblem(root.cert, root.cert, [/^pki\.bringYourOwnCa\.privateKeyPem: holds a certificate, not a private key/]);
        oneProblem(root.key, root.key, [/^pki\.bringYourOwnCa\.certificatePem: holds a private key, not a certificate/]);
        const encrypted = forge.pki.encryptRsaPrivateKey(root.keys.privateKey, "passphrase");
        oneProblem(root.cert, encrypted, [/is encrypted with a passphrase; decrypt it \(openssl pkey/]);
        oneProblem(root.cert, "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", [/^pki\.bringYourOwnCa\.privateKeyPem: is not a PEM private key/]);
        oneProblem("-----BEGIN CERTIFICATE-----\nnot a cert\n-----END CERTIFICATE-----\n", root.key, [/^pki\.bringYourOwnCa\.certificatePem: is not a PEM certificate/]);
    });
});

describe("model: a brought intermediate CA and its chain", () => {
    const root = rootCa();
    const intermediate = makeCert({ commonName: "Test Issuing CA", key: 1, issuer: root, keyUsage: { keyCertSign: true } });

    it("accepts an intermediate with its root, serves the intermediate after each leaf, and has clients trust the root", () => {
        const bundle = intermediate.cert + root.cert;
        assert.deepStrictEqual(caMaterialProblems(bundle, intermediate.key, { validityHours: 2160, now }), []);
        const chain = caChain(bundle);
        assert.deepStrictEqual(chain.intermediates.map((p) => new X509Certificate(p).subject), ["CN=Test Issuing CA"]);
        assert.strictEqual(new X509Certificate(chain.trust).subject, "CN=Test Root CA");
        assert.deepStrictEqual(caMaterialWarnings(bundle), []);
    });

    it("accepts an intermediate alone, warning that clients need its root", () => {
        assert.deepStrictEqual(caMaterialProblems(intermediate.cert, intermediate.key, { now }), []);
        const [warning] = caMaterialWarnings(intermediate.cert);
        assert.match(warning, /ends at "CN=Test Issuing CA", which is not a root \(self-signed\)/);
        assert.strictEqual(new X509Certificate(caChain(intermediate.cert).trust).subject, "CN=Test Issuing CA");
    });

    it("refuses a bundle whose next certificate did not issue the one before", () => {
        const stranger = rootCa({ key: 2, commonName: "Stranger CA" });
        const problems = caMaterialProblems(intermediate.cert + stranger.cert, intermediate.key, { now });
        assert.strictEqual(problems.length, 1, problems.join("\n"));
        assert.match(problems[0], /certificate 2 of the bundle \("CN=Stranger CA"\) did not issue certificate 1/);
    });
});

describe("model: certificates close to their end", () => {
    it("warns of a leaf inside its renewal window and of a CA within 90 days, and of nothing else", () => {
        const soon = rootCa({ notAfter: hours(24 * 60) });
        const later = rootCa({ notAfter: hours(24 * 200) });
        const leafSoon = makeCert({ ca: false, notAfter: hours(100) });
        const leafLater = makeCert({ ca: false, notAfter: hours(2000) });
        const warnings = expiryWarnings([
            { what: "CA generation 1", pem: soon.cert, ca: true, fix: "rotate it" },
            { what: "CA generation 2", pem: later.cert, ca: true, fix: "rotate it" },
            { what: "leaf a", pem: leafSoon.cert, ca: false, renewalHours: 720, fix: "run pulumi up" },
            { what: "leaf b", pem: leafLater.cert, ca: false, renewalHours: 720, fix: "run pulumi up" },
            { what: "mock", pem: "-----BEGIN CERTIFICATE-----\nmock\n-----END CERTIFICATE-----\n", ca: true, fix: "" },
        ], now);
        assert.strictEqual(warnings.length, 2, warnings.join("\n"));
        assert.match(warnings[0], /^CA generation 1 expires on .* \(in 5[89] days\); rotate it$/);
        assert.match(warnings[1], /^leaf a expires on .* \(in 4 days\); run pulumi up$/);
    });
});
