// examples/use-as-library is a second Pulumi program that depends on this package by name, as a user
// writes it: a version range ("^1.0.0"), no path alias. `npm run check:package` (scripts/check-package.sh)
// proves the package as users get it: it installs the packed tarball into a temporary copy of the
// example and type-checks it there against the installed .d.ts files. Here, for speed, the example
// runs under mocks with the package name resolved to this checkout's source (components/index.ts),
// with its own config: a CA of the team's PKI (real PEM) and a gateway IP as an Output.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as forge from "node-forge";
import * as pulumi from "@pulumi/pulumi";
import { evaluate, resolve } from "./helpers/mocks";
import { T } from "./helpers/edge";
import { ROOT } from "./helpers/stacks";
import { caMaterialProblems } from "../model/ca";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const Module = require("module");

/** A CA as a company PKI would hand it over: certificate and key, PEM. */
function companyCa(): { cert: string; key: string } {
    const keys = forge.pki.rsa.generateKeyPair(1024);
    const cert = forge.pki.createCertificate();
    cert.publicKey = keys.publicKey;
    cert.serialNumber = "01";
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 2 * 365 * 86_400_000);
    const subject = [{ name: "commonName", value: "Shop Root CA" }];
    cert.setSubject(subject);
    cert.setIssuer(subject);
    cert.setExtensions([{ name: "basicConstraints", cA: true }, { name: "keyUsage", keyCertSign: true }]);
    cert.sign(keys.privateKey, forge.md.sha256.create());
    return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

/**
 * Runs the example's index.ts with the package name resolved to this checkout's source, not to an
 * installed copy (check:package covers that path).
 */
function runExample(config: Record<string, string>): () => unknown {
    return () => {
        pulumi.runtime.setAllConfig(config, ["edge:caPrivateKeyPem"]);
        const original = Module._resolveFilename;
        Module._resolveFilename = function (request: string, ...rest: unknown[]) {
            return original.call(this, request === "istio-metallb-ingress" ? path.join(ROOT, "components", "index.ts") : request, ...rest);
        };
        const entry = path.join(ROOT, "examples", "use-as-library", "index.ts");
        delete require.cache[entry];
        try {
            return require(entry);
        } catch (err) {
            return err;
        } finally {
            Module._resolveFilename = original;
        }
    };
}

describe("examples/use-as-library", () => {
    const ca = companyCa();

    it("is a Pulumi program of its own that depends on this package by name", () => {
        const dir = path.join(ROOT, "examples", "use-as-library");
        assert.match(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"), /^name: edge-from-library$/m);
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
        assert.match(fs.readFileSync(path.join(dir, "index.ts"), "utf8"), /from "istio-metallb-ingress"/);
        // A caret range on this package's major version, which this version satisfies.
        const ours = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version as string;
        const range = pkg.dependencies["istio-metallb-ingress"] as string;
        const wanted = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
        assert.ok(wanted, `the example depends on istio-metallb-ingress as "${range}", not as a user would ("^${ours}")`);
        const [major, minor, patch] = ours.split(/[.-]/).map(Number);
        const [wMajor, wMinor, wPatch] = wanted.slice(1).map(Number);
        assert.strictEqual(major, wMajor, `"${range}" does not accept ${ours}`);
        assert.ok(minor > wMinor || (minor === wMinor && patch >= wPatch), `"${range}" does not accept ${ours}`);
        // Nothing maps the name to the sources any more: the example type-checks only against an install.
        const tsconfig = fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8");
        assert.doesNotMatch(tsconfig, /"paths"/);
        assert.doesNotMatch(tsconfig, /"examples\/\*\*/, "the project's type check must not include the example");
        assert.ok(fs.existsSync(path.join(dir, "tsconfig.json")), "the example has its own tsconfig.json");
        assert.ok(pkg.devDependencies?.typescript && pkg.devDependencies?.["@types/node"], "the example brings its own TypeScript and Node types");
    });

    it("builds an edge with its own values: its CA signs the leaves, its IP and chart values arrive", async () => {
        const ev = await evaluate(runExample({ "edge:caCertificatePem": ca.cert, "edge:caPrivateKeyPem": ca.key, "edge:storefrontIp": "10.40.0.10" }));
        const exports = ev.result as Record<string, any>;
        assert.ok(!(exports instanceof Error), String(exports));
        const gateways = await resolve<Record<string, any>>(exports.gateways);
        assert.strictEqual(gateways.storefront.ip, "10.40.0.10");
        assert.strictEqual(await resolve(exports.caCertificatePem), ca.cert, "the team's CA, not a generated one");
        assert.strictEqual(ev.ofType(T.selfSigned).length, 0);
        const leaf = ev.ofType(T.leafCert)[0];
        assert.match(JSON.stringify(leaf.inputs.caPrivateKeyPem), /BEGIN RSA PRIVATE KEY/);
        const istiod = ev.ofType(T.chart).find((c) => c.inputs.name === "istiod")!;
        assert.strictEqual(istiod.inputs.values.pilot.env.PILOT_ENABLE_ALPHA_GATEWAY_API, "false");
        assert.strictEqual(istiod.inputs.values.pilot.replicaCount, 1, "our values stay under theirs");
        const chart = ev.ofType(T.chart).find((c) => c.inputs.name === "istio-ingress-storefront")!;
        assert.strictEqual(chart.inputs.values.service.annotations["metallb.io/loadBalancerIPs"], "10.40.0.10");
        assert.strictEqual(chart.inputs.namespace, "shop-ingress");
    });

    it("checks an IP that arrives at deploy time against the pools, with the config's message", async () => {
        const ev = await evaluate(runExample({ "edge:caCertificatePem": ca.cert, "edge:caPrivateKeyPem": ca.key, "edge:storefrontIp": "10.40.1.1" }));
        const exports = ev.result as Record<string, any>;
        await assert.rejects(resolve(exports.gateways), /gateways\[0\]\.ip: "10\.40\.1\.1" is not inside any MetalLB pool/);
    });

    it("refuses CA material that cannot sign, without printing its key", () => {
        const problems = caMaterialProblems(ca.cert.replace(/A/g, "B"), ca.key);
        assert.match(problems.join("\n"), /pki\.bringYourOwnCa\.certificatePem: is not a PEM certificate/);
        const other = companyCa();
        assert.match(caMaterialProblems(ca.cert, other.key).join("\n"), /privateKeyPem: the key does not belong to the CA certificate/);
        assert.deepStrictEqual(caMaterialProblems(ca.cert, ca.key), []);
        assert.ok(!problems.join("\n").includes("PRIVATE KEY"));
    });
});
