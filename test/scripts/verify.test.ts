import * as assert from "assert";
import * as crypto from "crypto";
import { EventEmitter } from "events";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import * as forge from "node-forge";
import { CheckResult, EdgeStackOutputs, USAGE, VerifyDeps, VerifyOptions, cli, formatTable, parseArgs, planChecks, trustedCertificates, verifyEdge } from "../../scripts/verify";
import {
    DEFAULT_FORWARD_IMAGE, forwarderRunArgs, isShellSafeAddress, judgeRoute, nextHops, parseRouterOutput, publishedPort, reachabilityLine, routeCommand, routerCommandFor,
} from "../../scripts/verify-network";

// A CA and certificates made here, and local HTTPS servers on loopback addresses standing in for
// the gateways. No cluster, no network beyond 127.0.0.0/8 and ::1.

interface KeyPair { pem: string; privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey }

function keyPair(): KeyPair {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", {
        modulusLength: 2048,
        publicKeyEncoding: { type: "spki", format: "pem" },
        privateKeyEncoding: { type: "pkcs1", format: "pem" },
    });
    return { pem: privateKey, privateKey: forge.pki.privateKeyFromPem(privateKey), publicKey: forge.pki.publicKeyFromPem(publicKey) };
}

interface Ca { key: KeyPair; cert: forge.pki.Certificate; pem: string }
let serial = 1;

function certificate(subjectCn: string, key: KeyPair, issuer: { key: KeyPair; cert?: forge.pki.Certificate }, opts: { ca?: boolean; hosts?: string[]; expired?: boolean }): forge.pki.Certificate {
    const cert = forge.pki.createCertificate();
    cert.publicKey = key.publicKey;
    cert.serialNumber = String(serial++).padStart(2, "0");
    const now = Date.now();
    cert.validity.notBefore = new Date(now - (opts.expired ? 48 : 1) * 3600_000);
    cert.validity.notAfter = new Date(now + (opts.expired ? -24 : 24) * 3600_000);
    cert.setSubject([{ name: "commonName", value: subjectCn }]);
    cert.setIssuer(issuer.cert ? issuer.cert.subject.attributes : [{ name: "commonName", value: subjectCn }]);
    cert.setExtensions(opts.ca
        ? [{ name: "basicConstraints", cA: true, critical: true }, { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true }]
        : [{ name: "basicConstraints", cA: false }, { name: "keyUsage", digitalSignature: true, keyEncipherment: true }, { name: "extKeyUsage", serverAuth: true },
            { name: "subjectAltName", altNames: (opts.hosts ?? []).map((value) => ({ type: 2, value })) }]);
    cert.sign(issuer.key.privateKey, forge.md.sha256.create());
    return cert;
}

function makeCa(name: string): Ca {
    const key = keyPair();
    const cert = certificate(name, key, { key }, { ca: true });
    return { key, cert, pem: forge.pki.certificateToPem(cert) };
}

const leafKey = keyPair();
const ca = makeCa("verify test CA");
const otherCa = makeCa("some other CA");

// Signing with forge is slow; each distinct certificate is made once for the whole file.
const leaves = new Map<string, tls.SecureContext>();

function leaf(host: string, issuer: Ca = ca, expired = false): tls.SecureContext {
    const key = `${host} ${issuer.pem} ${expired}`;
    if (!leaves.has(key)) {
        const cert = certificate(host, leafKey, issuer, { hosts: [host], expired });
        leaves.set(key, tls.createSecureContext({ key: leafKey.pem, cert: forge.pki.certificateToPem(cert) }));
    }
    return leaves.get(key)!;
}

/** One address of a stand-in gateway (a dual-stack gateway is two of these). */
interface FakeGateway {
    ip: string;
    /** host → certificate served for that SNI; hosts not listed get a TLS handshake failure. */
    certificates: Record<string, tls.SecureContext>;
    /** hosts with a route (200); other Host headers get 404, as Istio's "404 NR". */
    routes: string[];
    redirect: boolean;
    /** Host → status answered over HTTPS instead of 200/404. */
    statuses?: Record<string, number>;
    /** `<host><path>` → a page answered with 200 (an addon's own page). */
    pages?: Record<string, string>;
}

async function listen(server: http.Server | https.Server, ip: string, port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, ip, () => resolve());
    });
    return (server.address() as AddressInfo).port;
}

/** Starts the fake gateways on one HTTPS port and one HTTP port; returns the ports and a stop function. */
async function startGateways(gateways: FakeGateway[], delayMs: Record<string, number> = {}): Promise<{ httpsPort: number; httpPort: number; stop: () => Promise<void> }> {
    const servers: (http.Server | https.Server)[] = [];
    let httpsPort = 0;
    let httpPort = 0;
    const pendingStarts: Promise<void>[] = [];
    for (const gw of gateways) {
        const secure = https.createServer({
            SNICallback: (servername, cb) => gw.certificates[servername]
                ? cb(null, gw.certificates[servername])
                : cb(new Error(`no certificate for ${servername}`)),
        }, (req, res) => {
            const host = (req.headers.host ?? "").split(":")[0];
            const page = gw.routes.includes(host) ? gw.pages?.[`${host}${req.url}`] : undefined;
            if (page !== undefined) return void res.writeHead(200).end(page);
            res.writeHead(gw.statuses?.[host] ?? (gw.routes.includes(host) ? 200 : 404)).end(gw.routes.includes(host) ? "hello" : "");
        });
        const plain = http.createServer((req, res) => {
            const host = (req.headers.host ?? "").split(":")[0];
            if (gw.redirect) res.writeHead(301, { location: `https://${host}${req.url}` }).end();
            else res.writeHead(200).end("plain http");
        });
        servers.push(secure, plain);
        const start = async () => {
            httpsPort = await listen(secure, gw.ip, httpsPort);
            httpPort = await listen(plain, gw.ip, httpPort);
        };
        if (delayMs[gw.ip]) {
            // Starts later, on the ports the others already use: a gateway still settling.
            pendingStarts.push(new Promise((r) => setTimeout(r, delayMs[gw.ip])).then(start));
        } else {
            await start();
        }
    }
    return {
        httpsPort, httpPort,
        stop: async () => {
            await Promise.all(pendingStarts);
            await Promise.all(servers.map((s) => new Promise<void>((r) => (s.listening ? s.close(() => r()) : r()))));
        },
    };
}

const PRIMARY = "127.0.0.2";
const SECONDARY = "127.0.0.3";
const PRIMARY_V6 = "::1";

function healthy(): FakeGateway[] {
    return [
        { ip: PRIMARY, certificates: { "a.test": leaf("a.test"), "alt.test": leaf("alt.test") }, routes: ["a.test", "alt.test"], redirect: true },
        { ip: SECONDARY, certificates: { "s.test": leaf("s.test") }, routes: ["s.test"], redirect: true },
    ];
}

type Endpoint = { host: string; probeHost?: string; routed?: boolean; path: string };

/** Stack outputs in the current shape: `ips` and one endpoint per host, `urls` derived from them. */
function gatewayOutput(ips: string[], endpoints: Endpoint[], httpsRedirect = true): EdgeStackOutputs["gateways"][string] {
    const full = endpoints.map((e) => {
        const probeHost = e.probeHost ?? e.host;
        return { host: e.host, probeHost, routed: e.routed ?? true, url: `https://${probeHost}${e.path}` };
    });
    return { ip: ips[0], ips, hosts: full.map((e) => e.host), urls: full.map((e) => e.url), httpsRedirect, endpoints: full };
}

const outputs: EdgeStackOutputs = {
    caCertificatePem: ca.pem,
    gateways: {
        primary: gatewayOutput([PRIMARY], [{ host: "a.test", path: "/hello" }, { host: "alt.test", path: "/" }]),
        secondary: gatewayOutput([SECONDARY], [{ host: "s.test", path: "/hello" }]),
    },
};

/** The same outputs as stacks wrote them before `ips` and `endpoints`. */
function legacy(current: EdgeStackOutputs): EdgeStackOutputs {
    return {
        ...current,
        gateways: Object.fromEntries(Object.entries(current.gateways).map(([name, { ip, hosts, urls, httpsRedirect }]) => [name, { ip, hosts, urls, httpsRedirect }])),
    };
}

// Failing checks retry until the deadline, so it is kept short; loopback answers in milliseconds.
const FAST = { deadlineMs: 300, intervalMs: 50, requestTimeoutMs: 1000 };

async function run(gateways: FakeGateway[], overrides: Partial<VerifyOptions> = {}, delayMs: Record<string, number> = {}, edge: EdgeStackOutputs = outputs): Promise<CheckResult[]> {
    const env = await startGateways(gateways, delayMs);
    try {
        return await verifyEdge(edge, { ...FAST, httpsPort: env.httpsPort, httpPort: env.httpPort, ...overrides });
    } finally {
        await env.stop();
    }
}

const failures = (results: CheckResult[]) => results.filter((r) => !r.passed).map((r) => `${r.check.kind} ${r.check.host}@${r.check.targetGateway}`);
const failuresAt = (results: CheckResult[]) => results.filter((r) => !r.passed).map((r) => `${r.check.kind} ${r.check.host}@${r.check.targetGateway} ${r.check.targetIp}`);
const resultOf = (results: CheckResult[], kind: string, host: string, target: string, ip?: string) =>
    results.find((r) => r.check.kind === kind && r.check.host === host && r.check.targetGateway === target && (ip === undefined || r.check.targetIp === ip))!;

/** Why `::1` cannot be used here, or undefined when it can. */
async function ipv6LoopbackUnavailable(): Promise<string | undefined> {
    const server = net.createServer();
    try {
        await new Promise<void>((resolve, reject) => {
            server.once("error", reject);
            server.listen(0, PRIMARY_V6, () => resolve());
        });
        return undefined;
    } catch (error) {
        return `cannot bind ${PRIMARY_V6} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    } finally {
        if (server.listening) await new Promise<void>((r) => server.close(() => r()));
    }
}

describe("npm run verify (against local stand-in gateways on loopback)", function () {
    this.timeout(15000);

    it("passes a correct edge: HTTPS with trusted certificates, redirects, isolation", async () => {
        const results = await run(healthy());
        assert.strictEqual(results.length, 9, "3 hosts × (https, redirect, isolation on the other gateway)");
        assert.deepStrictEqual(failures(results), []);
        const ok = resultOf(results, "https", "a.test", "primary");
        assert.strictEqual(ok.status, 200);
        assert.ok(ok.certificateExpires && Date.parse(ok.certificateExpires) > Date.now());
        assert.match(resultOf(results, "redirect", "s.test", "secondary").detail, /→ https:\/\/s\.test\/hello/);
        assert.match(resultOf(results, "isolation", "s.test", "primary").detail, /^refused:/);
    });

    it("fails isolation when a gateway also serves the other gateway's host", async () => {
        const gateways = healthy();
        gateways[1].certificates["a.test"] = leaf("a.test");
        gateways[1].routes.push("a.test");
        const results = await run(gateways);
        assert.deepStrictEqual(failures(results), ["isolation a.test@secondary"]);
        assert.match(resultOf(results, "isolation", "a.test", "secondary").detail, /LEAK: gateway secondary served a\.test with HTTP 200/);
    });

    it("counts a 404 from the other gateway as isolation", async () => {
        const gateways = healthy();
        gateways[1].certificates["a.test"] = leaf("a.test"); // answers TLS for it, but has no route
        const results = await run(gateways);
        assert.deepStrictEqual(failures(results), []);
        assert.strictEqual(resultOf(results, "isolation", "a.test", "secondary").detail, "refused: HTTP 404");
    });

    it("fails an expired certificate", async () => {
        const gateways = healthy();
        gateways[0].certificates["alt.test"] = leaf("alt.test", ca, true);
        const results = await run(gateways);
        assert.deepStrictEqual(failures(results), ["https alt.test@primary"]);
        assert.match(resultOf(results, "https", "alt.test", "primary").detail, /CERT_HAS_EXPIRED/);
    });

    it("fails a certificate from another CA", async () => {
        const gateways = healthy();
        gateways[1].certificates["s.test"] = leaf("s.test", otherCa);
        const results = await run(gateways);
        // Secondary never answers its own host correctly, so isolation on it stays unproven.
        assert.deepStrictEqual(failures(results).sort(), ["https s.test@secondary", "isolation a.test@secondary", "isolation alt.test@secondary"]);
        assert.match(resultOf(results, "https", "s.test", "secondary").detail, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/);
        assert.match(resultOf(results, "isolation", "a.test", "secondary").detail, /inconclusive/);
    });

    it("fails a certificate for another name (SNI host not in its SANs)", async () => {
        const gateways = healthy();
        gateways[0].certificates["a.test"] = leaf("alt.test");
        const results = await run(gateways);
        assert.deepStrictEqual(failures(results), ["https a.test@primary"]);
        assert.match(resultOf(results, "https", "a.test", "primary").detail, /ERR_TLS_CERT_ALTNAME_INVALID/);
    });

    it("fails a missing HTTP → HTTPS redirect", async () => {
        const gateways = healthy();
        gateways[0].redirect = false;
        const results = await run(gateways);
        assert.deepStrictEqual(failures(results), ["redirect a.test@primary", "redirect alt.test@primary"]);
        assert.match(resultOf(results, "redirect", "a.test", "primary").detail, /expected a redirect to https:\/\/a\.test…, got HTTP 200/);
    });

    it("does not expect a redirect from a gateway configured without one", async () => {
        const gateways = healthy();
        gateways[0].redirect = false;
        const env = await startGateways(gateways);
        try {
            const noRedirect = { ...outputs, gateways: { ...outputs.gateways, primary: { ...outputs.gateways.primary, httpsRedirect: false } } };
            const results = await verifyEdge(noRedirect, { ...FAST, httpsPort: env.httpsPort, httpPort: env.httpPort });
            assert.strictEqual(results.filter((r) => r.check.kind === "redirect").length, 1);
            assert.deepStrictEqual(failures(results), []);
        } finally {
            await env.stop();
        }
    });

    it("retries while a gateway settles, and passes once it answers", async () => {
        const results = await run(healthy(), { deadlineMs: 3000 }, { [SECONDARY]: 400 });
        assert.deepStrictEqual(failures(results), []);
        assert.ok(resultOf(results, "https", "s.test", "secondary").attempts >= 2);
    });

    it("gives up at the deadline when a gateway never answers, without calling isolation proven", async () => {
        const started = Date.now();
        const results = await run([healthy()[0]], { deadlineMs: 800 });
        const elapsed = Date.now() - started;
        assert.ok(elapsed < 800 + 1000 + 500, `bounded wait, took ${elapsed} ms`);
        assert.deepStrictEqual(failures(results).sort(), ["https s.test@secondary", "isolation a.test@secondary", "isolation alt.test@secondary", "redirect s.test@secondary"]);
        assert.ok(resultOf(results, "https", "s.test", "secondary").attempts >= 2);
        assert.match(resultOf(results, "https", "s.test", "secondary").detail, /ECONNREFUSED/);
    });

    it("prints one table row per check with result, status, latency and expiry", async () => {
        const results = await run(healthy());
        const lines = formatTable(results).split("\n");
        assert.strictEqual(lines.length, results.length + 1);
        assert.match(lines[0], /^CHECK\s+HOST\s+GATEWAY\s+TARGET\s+RESULT\s+STATUS\s+LATENCY\s+CERT EXPIRES\s+DETAIL$/);
        assert.ok(lines.some((l) => /^https\s+a\.test\s+primary\s+primary 127\.0\.0\.2:\d+\s+PASS\s+200\s+\d+ ms\s+\d{4}-/.test(l)), lines.join("\n"));
    });

    it("passes a host without routes on Envoy's 404 over trusted TLS, and still fails a routed host's 404", async () => {
        const edge: EdgeStackOutputs = {
            ...outputs,
            gateways: {
                ...outputs.gateways,
                primary: gatewayOutput([PRIMARY], [{ host: "a.test", path: "/hello" }, { host: "alt.test", path: "/", routed: false }, { host: "up.test", path: "/", routed: false }]),
            },
        };
        const gateways = healthy();
        gateways[0].routes = ["a.test"]; // alt.test: certificate, no route → 404
        gateways[0].certificates["up.test"] = leaf("up.test");
        gateways[0].statuses = { "up.test": 302 }; // an unrouted host answering < 400 is fine too
        const results = await run(gateways, {}, {}, edge);
        assert.deepStrictEqual(failures(results), []);
        const unrouted = resultOf(results, "https", "alt.test", "primary");
        assert.strictEqual(unrouted.status, 404);
        assert.match(unrouted.detail, /trusted certificate for the host; HTTP 404 \(no routes\)/);
        assert.strictEqual(resultOf(results, "https", "up.test", "primary").status, 302);
        // Isolation is judged as before: the 404 comes from alt.test's own gateway, not another.
        assert.match(resultOf(results, "isolation", "alt.test", "secondary").detail, /^refused:/);

        // The same 404 from a host marked routed is still a failure.
        const routed = await run(gateways, {}, {}, outputs);
        assert.deepStrictEqual(failures(routed), ["https alt.test@primary"]);
        assert.strictEqual(resultOf(routed, "https", "alt.test", "primary").detail, "HTTP 404");
    });

    it("fails a host without routes whose 404 comes without the right certificate, or that answers 5xx", async () => {
        const edge: EdgeStackOutputs = {
            ...outputs,
            gateways: {
                ...outputs.gateways,
                primary: gatewayOutput([PRIMARY], [
                    { host: "a.test", path: "/hello" },
                    { host: "alt.test", path: "/", routed: false },
                    { host: "foreign.test", path: "/", routed: false },
                    { host: "busy.test", path: "/", routed: false },
                ]),
            },
        };
        const gateways = healthy();
        gateways[0].routes = ["a.test"];
        gateways[0].certificates["alt.test"] = leaf("a.test"); // valid, but for another name
        gateways[0].certificates["foreign.test"] = leaf("foreign.test", otherCa);
        gateways[0].certificates["busy.test"] = leaf("busy.test");
        gateways[0].statuses = { "busy.test": 503 };
        const results = await run(gateways, {}, {}, edge);
        assert.deepStrictEqual(failures(results), ["https alt.test@primary", "https foreign.test@primary", "https busy.test@primary"]);
        assert.match(resultOf(results, "https", "alt.test", "primary").detail, /ERR_TLS_CERT_ALTNAME_INVALID/);
        assert.match(resultOf(results, "https", "foreign.test", "primary").detail, /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/);
        const busy = resultOf(results, "https", "busy.test", "primary");
        assert.strictEqual(busy.detail, "HTTP 503");
        assert.ok(busy.attempts >= 2, "a 5xx is retried, not settled");
    });

    it("probes a wildcard host by its probeHost for https, redirect and isolation", async () => {
        // `demo.w.test` is an explicit host of secondary, so the wildcard's probe name is another one.
        const edge: EdgeStackOutputs = {
            caCertificatePem: ca.pem,
            gateways: {
                primary: gatewayOutput([PRIMARY], [{ host: "a.test", path: "/hello" }, { host: "*.w.test", probeHost: "demo-1.w.test", path: "/" }]),
                secondary: gatewayOutput([SECONDARY], [{ host: "s.test", path: "/hello" }, { host: "demo.w.test", path: "/" }]),
            },
        };
        const gateways: FakeGateway[] = [
            { ip: PRIMARY, certificates: { "a.test": leaf("a.test"), "demo-1.w.test": leaf("*.w.test") }, routes: ["a.test", "demo-1.w.test"], redirect: true },
            { ip: SECONDARY, certificates: { "s.test": leaf("s.test"), "demo.w.test": leaf("demo.w.test") }, routes: ["s.test", "demo.w.test"], redirect: true },
        ];
        const results = await run(gateways, {}, {}, edge);
        assert.deepStrictEqual(failures(results), []);
        const wildcard = results.filter((r) => r.check.host === "*.w.test");
        assert.deepStrictEqual(wildcard.map((r) => `${r.check.kind} ${r.check.probeHost}@${r.check.targetGateway}`),
            ["https demo-1.w.test@primary", "redirect demo-1.w.test@primary", "isolation demo-1.w.test@secondary"]);
        assert.match(resultOf(results, "redirect", "*.w.test", "primary").detail, /→ https:\/\/demo-1\.w\.test\//);
        assert.ok(formatTable(results).split("\n").some((l) => /^https\s+\*\.w\.test \(demo-1\.w\.test\)\s+primary\s/.test(l)));
    });

    it("still verifies outputs of older stacks (no ips, no endpoints): hosts from urls, all routed", async () => {
        const old = legacy(outputs);
        assert.deepStrictEqual(planChecks(old), planChecks(outputs), "the same checks as from the current outputs");
        const results = await run(healthy(), {}, {}, old);
        assert.strictEqual(results.length, 9);
        assert.deepStrictEqual(failures(results), []);
        // Without `endpoints` nothing is known to be unrouted, so a 404 fails as before.
        const gateways = healthy();
        gateways[1].routes = [];
        const unrouted = await run(gateways, {}, {}, old);
        assert.deepStrictEqual(failures(unrouted).sort(), ["https s.test@secondary", "isolation a.test@secondary", "isolation alt.test@secondary"]);
        assert.strictEqual(resultOf(unrouted, "https", "s.test", "secondary").detail, "HTTP 404");
    });

    it("checks a dual-stack gateway on its IPv4 and its IPv6 address", async function () {
        const unavailable = await ipv6LoopbackUnavailable();
        if (unavailable) {
            this.test!.title += ` — skipped: ${unavailable}`;
            this.skip();
        }
        const edge: EdgeStackOutputs = {
            ...outputs,
            gateways: { ...outputs.gateways, primary: gatewayOutput([PRIMARY, PRIMARY_V6], [{ host: "a.test", path: "/hello" }, { host: "alt.test", path: "/" }]) },
        };
        const dualStack = (v6: Partial<FakeGateway> = {}): FakeGateway[] => {
            const [primary, secondary] = healthy();
            return [primary, { ...primary, ip: PRIMARY_V6, ...v6 }, secondary];
        };
        const results = await run(dualStack(), {}, {}, edge);
        // Per primary host: https and redirect on 2 addresses, isolation on secondary's 1;
        // s.test: https, redirect, and isolation on both of primary's addresses.
        assert.strictEqual(results.length, 2 * 5 + 4);
        assert.deepStrictEqual(failuresAt(results), []);
        for (const kind of ["https", "redirect"]) assert.ok(resultOf(results, kind, "a.test", "primary", PRIMARY_V6), `${kind} on ${PRIMARY_V6}`);
        assert.match(resultOf(results, "isolation", "s.test", "primary", PRIMARY_V6).detail, /^refused:/);
        const table = formatTable(results).split("\n");
        assert.ok(table.some((l) => /^https\s+a\.test\s+primary\s+primary \[::1\]:\d+\s+PASS\s+200\s/.test(l)), table.join("\n"));

        // Only the IPv6 side serves a certificate from another CA: only its checks fail.
        const broken = await run(dualStack({ certificates: { "a.test": leaf("a.test", otherCa), "alt.test": leaf("alt.test") } }), {}, {}, edge);
        assert.deepStrictEqual(failuresAt(broken), [`https a.test@primary ${PRIMARY_V6}`]);
    });

    it("checks an addon's own page on its gateway, and that the public gateway does not serve its host", async () => {
        const edge: EdgeStackOutputs = {
            ...outputs,
            gateways: { ...outputs.gateways, secondary: gatewayOutput([SECONDARY], [{ host: "s.test", path: "/hello" }, { host: "grafana.test", path: "/" }]) },
            addons: { grafana: { url: "https://grafana.test/", host: "grafana.test", gateway: "secondary" } },
        };
        const withGrafana = (page: string): FakeGateway[] => {
            const [primary, secondary] = healthy();
            return [primary, {
                ...secondary, certificates: { ...secondary.certificates, "grafana.test": leaf("grafana.test") },
                routes: [...secondary.routes, "grafana.test"], pages: { "grafana.test/login": page },
            }];
        };
        const results = await run(withGrafana("<title>Grafana</title>"), {}, {}, edge);
        assert.deepStrictEqual(failures(results), []);
        const addon = resultOf(results, "addon", "grafana.test", "secondary");
        assert.deepStrictEqual([addon.check.path, addon.status, addon.detail], ["/login", 200, '/login answers with "Grafana"']);
        assert.match(resultOf(results, "isolation", "grafana.test", "primary").detail, /^refused:/);

        // Some other app answering on the host, and the public gateway serving it too: both fail.
        const [primary, secondary] = withGrafana("hello");
        const leaky = { ...primary, certificates: { ...primary.certificates, "grafana.test": leaf("grafana.test") }, routes: [...primary.routes, "grafana.test"] };
        const broken = await run([leaky, secondary], { deadlineMs: 300 }, {}, edge);
        assert.deepStrictEqual(failures(broken).sort(), ["addon grafana.test@secondary", "isolation grafana.test@primary"]);
        assert.match(resultOf(broken, "addon", "grafana.test", "secondary").detail, /expected HTTP 200 from \/login with "Grafana", got HTTP 200 without it/);
    });
});

// ---------------------------------------------------------------------------------------------
// The command itself: flags, outputs, the Pulumi CLI missing, docker forwarding and routes, with a
// stand-in `docker` ($VERIFY_DOCKER): `run` starts a detached node TCP proxy from a free loopback
// port to the `tcp-connect:` target, `port` prints that port, `rm -f` kills it, `ps` lists by label,
// `exec <c> ip route show <ip>` prints $FAKE_ROUTES[ip], `exec <c> socat … tcp-connect:<t>,…`
// connects to the target. Every call is logged to calls.log, every removal to removed.log.

/** Whether a process runs (a zombie no one reaped yet counts as gone). */
function processAlive(pid: number): boolean {
    try {
        process.kill(pid, 0);
    } catch {
        return false;
    }
    try {
        return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return true;
    }
}

const PROXY = `
const net = require("net"), fs = require("fs");
const [host, port, file] = process.argv.slice(1);
const server = net.createServer((client) => {
    const upstream = net.connect(Number(port), host);
    client.pipe(upstream).pipe(client);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
});
server.listen(0, "127.0.0.1", () => { fs.writeFileSync(file + ".tmp", String(server.address().port)); fs.renameSync(file + ".tmp", file); });
setTimeout(() => process.exit(0), 20000); // never outlives a broken test for long
`;

// bash, not node: it starts in milliseconds; only the proxies are node.
const FAKE_DOCKER = `#!/usr/bin/env bash
state="$FAKE_DOCKER_STATE"
echo "$*" >> "$state/calls.log"
last="\${@: -1}"
# The docker network's addresses, as the stand-in gateways on loopback answer them: FAKE_NETWORK="ip=loopback …".
target() {
    local a="\${1#tcp-connect:}"; a="\${a%%,*}"; port="\${a##*:}"; host="\${a%:*}"; host="\${host#[}"; host="\${host%]}"
    for pair in \${FAKE_NETWORK:-}; do [ "\${pair%%=*}" = "$host" ] && host="\${pair#*=}"; done
}
case "$1" in
run)
    args=("$@")
    for ((i = 0; i < \${#args[@]}; i++)); do
        case "\${args[i]}" in -p) published="\${args[i+1]##*:}" ;; --label) label="\${args[i+1]}" ;; --network) network="\${args[i+1]}" ;; esac
    done
    target "$last"
    if [ "$host" = "\${FAKE_FAIL_RUN:-}" ]; then echo "docker: Error response from daemon: network $network not found." >&2; exit 125; fi
    id="fake$$"
    "$FAKE_NODE" -e "$FAKE_PROXY" "$host" "$port" "$state/$id.port" </dev/null >/dev/null 2>&1 &
    echo $! > "$state/$id.pid"; echo "$published" > "$state/$id.published"; echo "$label" > "$state/$id.label"
    for _ in $(seq 300); do [ -s "$state/$id.port" ] && break; sleep 0.01; done
    [ -s "$state/$id.port" ] || { echo "proxy did not start" >&2; exit 1; }
    echo "$id" ;;
port)
    [ "$3" = "$(cat "$state/$2.published")/tcp" ] || { echo "Error: No public port '$3' published for $2" >&2; exit 1; }
    echo "127.0.0.1:$(cat "$state/$2.port")" ;;
rm)
    shift
    for id in "$@"; do
        [ "$id" = -f ] || [ ! -f "$state/$id.pid" ] && continue
        kill -9 "$(cat "$state/$id.pid")" 2>/dev/null; rm -f "$state/$id.pid"; echo "$id" >> "$state/removed.log"
    done ;;
ps)
    label="\${last#label=}"
    for f in "$state"/*.label; do id="$(basename "$f" .label)"; [ -f "$state/$id.pid" ] && [ "$(cat "$f")" = "$label" ] && echo "$id"; done; true ;;
exec)
    if [ "$3" = ip ]; then
        [ -f "$state/routes/$last" ] || { echo "Error response from daemon: No such container: $2" >&2; exit 1; }
        cat "$state/routes/$last"
    elif [ "$3" = socat ]; then
        target "$last"
        (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null || { echo "socat[7] E connect(5, AF=2 $host:$port, 16): Connection refused" >&2; exit 1; }
    fi ;;
*) echo "fake docker: unknown command $*" >&2; exit 1 ;;
esac
`;

interface FakeDocker { env: NodeJS.ProcessEnv; calls: () => string[][]; removed: () => string[]; live: () => { id: string; pid: number }[]; dir: string }

/** Every stand-in docker made, removed (and its proxies killed) after the tests, also when one failed. */
const fakeDockers: FakeDocker[] = [];

function fakeDocker(routes: Record<string, string> = {}): FakeDocker {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-docker-"));
    const bin = path.join(dir, "docker");
    fs.writeFileSync(bin, FAKE_DOCKER, { mode: 0o755 });
    fs.mkdirSync(path.join(dir, "routes"));
    for (const [ip, text] of Object.entries(routes)) fs.writeFileSync(path.join(dir, "routes", ip), text);
    const read = (name: string) => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), "utf8").trim().split("\n").filter(Boolean) : []);
    const docker: FakeDocker = {
        dir,
        env: { ...process.env, VERIFY_DOCKER: bin, FAKE_DOCKER_STATE: dir, FAKE_NODE: process.execPath, FAKE_PROXY: PROXY },
        calls: () => read("calls.log").map((line) => line.split(" ")),
        removed: () => read("removed.log"),
        live: () => (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((f) => f.endsWith(".pid")).map((f) => ({ id: f.replace(/\.pid$/, ""), pid: Number(fs.readFileSync(path.join(dir, f), "utf8")) })),
    };
    fakeDockers.push(docker);
    return docker;
}

/** Runs the command against stand-in gateways; the outputs go through a file, as `--outputs` takes them. */
async function runCli(gateways: FakeGateway[], flags: string[], env: NodeJS.ProcessEnv = process.env, edge: EdgeStackOutputs = outputs, deps: Partial<VerifyDeps> = {}): Promise<{ code: number; out: string[]; err: string[]; ports: { httpsPort: number; httpPort: number } }> {
    const gatewaysUp = await startGateways(gateways);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "verify-outputs-")), "outputs.json");
    fs.writeFileSync(file, JSON.stringify(edge));
    const out: string[] = [];
    const err: string[] = [];
    try {
        const code = await cli(["--outputs", file, "--https-port", String(gatewaysUp.httpsPort), "--http-port", String(gatewaysUp.httpPort),
            "--timeout", "0.4", "--interval", "0.1", "--request-timeout", "1", ...flags], { env, out: (l) => out.push(...l.split("\n")), err: (l) => err.push(...l.split("\n")), ...deps });
        return { code, out, err, ports: gatewaysUp };
    } finally {
        await gatewaysUp.stop();
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    }
}

describe("npm run verify: the command (CA bundle, no Pulumi CLI, --via-docker, reachability, --router)", function () {
    this.timeout(15000);
    after(() => {
        for (const docker of fakeDockers.splice(0)) {
            for (const { pid } of docker.live()) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
            fs.rmSync(docker.dir, { recursive: true, force: true });
        }
    });

    it("trusts every CA of caTrustBundle, and only those, when the stack exports one", async () => {
        // During a rotation: the stack's CA is still the old one, secondary already serves a certificate of the new one.
        const rotating: EdgeStackOutputs = { ...outputs, caCertificatePem: ca.pem, caTrustBundle: `${ca.pem}\n${otherCa.pem}` };
        const gateways = healthy();
        gateways[1].certificates["s.test"] = leaf("s.test", otherCa);
        assert.deepStrictEqual(trustedCertificates(rotating).pems.length, 2);
        const results = await run(gateways, {}, {}, rotating);
        assert.deepStrictEqual(failures(results), [], "the new CA is trusted through the bundle");
        // The bundle replaces caCertificatePem: with only the new CA in it, the old CA's certificates fail.
        const onlyNew = await run(gateways, { deadlineMs: 200 }, {}, { ...outputs, caCertificatePem: ca.pem, caTrustBundle: otherCa.pem });
        assert.deepStrictEqual(failures(onlyNew).filter((f) => f.startsWith("https")), ["https a.test@primary", "https alt.test@primary"]);
        assert.throws(() => trustedCertificates({ ...outputs, caTrustBundle: "not a certificate" }), /caTrustBundle holds no PEM certificate/);
    });

    it("without the Pulumi CLI says in one line what to do instead, exit code 2", async () => {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "no-pulumi-"));
        const err: string[] = [];
        const code = await cli(["--stack", "dev"], { env: { PATH: empty }, out: () => undefined, err: (l) => err.push(l) });
        fs.rmSync(empty, { recursive: true, force: true });
        assert.strictEqual(code, 2);
        assert.strictEqual(err.length, 1);
        assert.strictEqual(err[0].split("\n").length, 1, err[0]);
        assert.match(err[0], /^verify: the Pulumi CLI \(pulumi\) was not found on PATH: install it \(https:\/\/www\.pulumi\.com\/docs\/install\/\), or pass a saved copy of the stack outputs with --outputs FILE\.json/);
        assert.ok(err[0].includes("`pulumi stack output --json --show-secrets=false --stack dev > FILE.json`"), err[0]);
        assert.doesNotMatch(err[0], /ENOENT/);
        const usage: string[] = [];
        assert.strictEqual(await cli(["--via-docker"], { err: (l) => usage.push(l) }), 2);
        assert.match(usage[0], /^verify: --via-docker needs a value\nusage: npm run verify -- /);
    });

    it("--via-docker: one forwarder per gateway IP and port, checks through them, the gateway IP in the table, every container removed", async () => {
        // The gateway IPs (TEST-NET-1) answer only inside the stand-in docker network, there from the loopback stand-ins.
        const [inPrimary, inSecondary] = ["192.0.2.10", "192.0.2.11"];
        const docker = fakeDocker();
        const onNetwork: EdgeStackOutputs = {
            ...outputs,
            gateways: { primary: { ...outputs.gateways.primary, ip: inPrimary, ips: [inPrimary] }, secondary: { ...outputs.gateways.secondary, ip: inSecondary, ips: [inSecondary] } },
        };
        const env = { ...docker.env, FAKE_NETWORK: `${inPrimary}=${PRIMARY} ${inSecondary}=${SECONDARY}` };
        const { code, out, ports } = await runCli(healthy(), ["--via-docker", "kind"], env, onNetwork);
        assert.strictEqual(code, 0, out.join("\n"));
        const runs = docker.calls().filter((c) => c[0] === "run");
        const expected = [inPrimary, inSecondary].flatMap((ip) => [ports.httpsPort, ports.httpPort].map((port) =>
            ["run", "-d", "--rm", "--network", "kind", "--label", `istio-metallb-ingress.verify=${process.pid}`, "-p", `127.0.0.1::${port}`, DEFAULT_FORWARD_IMAGE, `tcp-listen:${port},fork,reuseaddr`, `tcp-connect:${ip}:${port}`]));
        assert.deepStrictEqual(runs.map((r) => r.join(" ")).sort(), expected.map((r) => r.join(" ")).sort());
        assert.ok(out.some((l) => new RegExp(`^https\\s+a\\.test\\s+primary\\s+primary 192\\.0\\.2\\.10:${ports.httpsPort} via docker\\s+PASS\\s+200`).test(l)), out.join("\n"));
        assert.ok(out.some((l) => new RegExp(`^redirect\\s+s\\.test\\s+secondary\\s+secondary 192\\.0\\.2\\.11:${ports.httpPort} via docker\\s+PASS\\s+301`).test(l)), out.join("\n"));
        assert.ok(out.some((l) => /^isolation\s+s\.test\s+secondary\s+primary 192\.0\.2\.10:\d+ via docker\s+PASS\s+-\s+\d+ ms\s+-\s+refused:/.test(l)), out.join("\n"));
        // Reachability first, from inside the docker network, one line per gateway IP.
        assert.match(out[0], new RegExp(`^reachable  primary  192\\.0\\.2\\.10: answers on port ${ports.httpsPort} via docker network kind \\(\\d+ ms\\)$`));
        assert.match(out[1], /^reachable  secondary  192\.0\.2\.11: answers on port \d+ via docker network kind/);
        assert.ok(docker.calls().some((c) => c[0] === "exec" && c[2] === "socat" && c.at(-1) === `tcp-connect:192.0.2.10:${ports.httpsPort},connect-timeout=1`), JSON.stringify(docker.calls()));
        assert.strictEqual(out.at(-1), "verify: 9 of 9 checks passed");
        assert.deepStrictEqual(docker.live(), [], "no container left");
        assert.strictEqual(docker.removed().length, 4);
    });

    it("--via-docker removes its containers on ctrl-c, before exiting, and when docker run fails", async () => {
        const docker = fakeDocker();
        const signals = new EventEmitter();
        const exits: { code: number; live: number }[] = [];
        const deps = { signals: signals as VerifyDeps["signals"], exit: (code: number) => void exits.push({ code, live: docker.live().length }) };
        // ctrl-c once the forwarders are up (the reachability lines are printed): the stand-ins are gone before exit.
        let pids: number[] = [];
        const out = (line: string) => {
            if (line.startsWith("reachable") && pids.length === 0) {
                pids = docker.live().map((c) => c.pid);
                signals.emit("SIGINT");
            }
        };
        const onlyPrimary = { ...outputs, gateways: { primary: outputs.gateways.primary } };
        await runCli([healthy()[0]], ["--via-docker", "kind", "--timeout", "0"], docker.env, onlyPrimary, { ...deps, out });
        assert.strictEqual(pids.length, 2);
        assert.deepStrictEqual(exits, [{ code: 130, live: 0 }]);
        assert.ok(pids.every((pid) => !processAlive(pid)));
        assert.strictEqual(signals.listenerCount("SIGINT"), 0, "handlers removed afterwards");

        // A forwarder that cannot start: a setup error, and the ones that did start are removed.
        const broken = fakeDocker();
        const failing = await runCli(healthy(), ["--via-docker", "nope"], { ...broken.env, FAKE_FAIL_RUN: SECONDARY });
        assert.strictEqual(failing.code, 2);
        assert.match(failing.err.join("\n"), /^verify: --via-docker nope: docker run of the forwarder to 127\.0\.0\.3:\d+ failed: docker: Error response from daemon: network nope not found\. \(is nope a docker network\? see `docker network ls`\)$/m);
        assert.deepStrictEqual(broken.live(), []);
        assert.strictEqual(broken.removed().length, 2, "the two forwarders to primary that did start");
        const missing = await runCli(healthy(), ["--via-docker", "kind"], { ...broken.env, VERIFY_DOCKER: path.join(broken.dir, "missing-docker") });
        assert.strictEqual(missing.code, 2);
        assert.match(missing.err.join("\n"), /verify: the docker CLI \(.*missing-docker\) was not found on PATH; --via-docker and --router need it/);
        const err: string[] = [];
        assert.strictEqual(await cli(["--outputs", "/nonexistent.json"], { err: (l) => err.push(l) }), 2);
        assert.deepStrictEqual(err, ["verify: cannot read --outputs /nonexistent.json: ENOENT"]);
    });

    it("--router: reports the router's next hops per gateway IP, and fails a gateway it has no route to", async () => {
        const docker = fakeDocker({
            [PRIMARY]: `${PRIMARY} nhid 18 proto bgp metric 20 \n\tnexthop via 172.18.0.2 dev eth0 weight 1 \n\tnexthop via 172.18.0.3 dev eth0 weight 1 \n`,
            [SECONDARY]: "",
        });
        // Secondary is not up either: its address refuses, and that is said before the checks.
        const { code, out } = await runCli([healthy()[0]], ["--router", "frr", "--timeout", "0.1"], docker.env);
        assert.strictEqual(code, 1);
        assert.ok(docker.calls().some((c) => c.join(" ") === `exec frr ip route show ${PRIMARY}`));
        const table = out.findIndex((l) => l.startsWith("CHECK"));
        const before = out.slice(0, table);
        assert.ok(before.includes(`route      primary  ${PRIMARY}: PASS  nexthop via 172.18.0.2, 172.18.0.3 (router frr)`), before.join("\n"));
        const noRoute = `route      secondary  ${SECONDARY}: FAIL  router frr has no route to ${SECONDARY} (is the BGP session up? docker exec frr vtysh -c "show bgp summary")`;
        assert.ok(before.includes(noRoute), before.join("\n"));
        assert.ok(before.some((l) => /^reachable  primary  127\.0\.0\.2: answers on port \d+ \(\d+ ms\)$/.test(l)), before.join("\n"));
        assert.ok(before.some((l) => /^reachable  secondary  127\.0\.0\.3: connection refused on port \d+ \(is the gateway's Service up, with ready pods\? or does a firewall on the way refuse it\?\)$/.test(l)), before.join("\n"));
        // Asked again after the checks, and counted: 9 checks + 2 routes, 4 + 1 failed.
        assert.ok(out.slice(table).includes(noRoute));
        assert.strictEqual(out.at(-1), "verify: 6 of 11 checks passed, 5 FAILED");
    });

    it("says what a silent address means, and asks the router with ip -6 for IPv6", () => {
        assert.strictEqual(reachabilityLine({ gateway: "primary", ip: "192.168.49.240", port: 443, outcome: "no answer", reason: "ETIMEDOUT" }),
            "reachable  primary  192.168.49.240: no answer (is the MetalLB address reachable from this machine? On Docker Desktop use --via-docker kind, or --via-docker minikube) [ETIMEDOUT]");
        assert.match(reachabilityLine({ gateway: "p", ip: "172.18.255.200", port: 443, outcome: "no answer" }, "kind"), /no answer via docker network kind \(is 172\.18\.255\.200 an address of the docker network kind\?/);
        assert.deepStrictEqual(routeCommand("frr", "fd00:10::240"), ["exec", "frr", "ip", "-6", "route", "show", "fd00:10::240"]);
        assert.deepStrictEqual(routeCommand("frr", "10.0.0.1"), ["exec", "frr", "ip", "route", "show", "10.0.0.1"]);
        assert.deepStrictEqual(nextHops("10.0.0.1 nhid 7 via 172.18.0.4 dev eth0 proto bgp metric 20"), ["172.18.0.4"]);
        assert.deepStrictEqual(forwarderRunArgs("kind", "img", "fd00::5", 443, "l=1").slice(-2), ["tcp-listen:443,fork,reuseaddr", "tcp-connect:[fd00::5]:443"]);
        assert.strictEqual(publishedPort("127.0.0.1:49153\n"), 49153);
    });
});

// ---------------------------------------------------------------------------------------------
// --router-command: a real router (not a container) asked through a command run on this machine.
// The stand-ins are small shell scripts on PATH that print what the real tools print for a BGP
// route: iproute2's `ip [-6] route show` (ip/iproute.c), FRR's `vtysh -c 'show ip route …'`
// (zebra/zebra_vty.c: `Routing entry for`, `Known via "bgp"`, `* <hop>, via <if>, weight 1`;
// `% Network not in table` with exit status 0), BIRD's `birdc show route for` (nest/rt-show.c:
// the greeting, `Table master4:`, the route line, `\tvia <hop> on <if>`; `Network not found` with
// exit status 1), and `ssh HOST …`, which runs the rest as the router's shell would. A route is
// routes/<ip> in the state directory: its next hops, space-separated; no file, no route.

const FAKE_TOOLS: Record<string, string> = {
    ip: String.raw`#!/bin/sh
echo "ip $*" >> "$FAKE_ROUTER/calls.log"
family=4
if [ "$1" = -6 ]; then family=6; shift; fi
if [ "$1" != route ] || [ "$2" != show ] || [ $# -ne 3 ]; then echo "Command \"$*\" is unknown, try \"ip route help\"." >&2; exit 255; fi
dst=$3
# Without -6 an IPv6 destination matches nothing in the IPv4 table iproute2 lists.
case $dst in *:*) [ $family = 6 ] || exit 0 ;; esac
[ -s "$FAKE_ROUTER/routes/$dst" ] || exit 0
set -- $(cat "$FAKE_ROUTER/routes/$dst")
pref=""
[ $family = 6 ] && pref=" pref medium"
if [ $# -eq 1 ]; then
    printf '%s via %s dev eth0 proto bgp metric 20%s \n' "$dst" "$1" "$pref"
else
    printf '%s nhid 18 proto bgp metric 20%s \n' "$dst" "$pref"
    for hop in "$@"; do printf '\tnexthop via %s dev eth0 weight 1 \n' "$hop"; done
fi
`,
    vtysh: String.raw`#!/bin/sh
echo "vtysh $*" >> "$FAKE_ROUTER/calls.log"
[ "$1" = -c ] || exit 1
set -- $2
if [ "$1" != show ] || [ "$3" != route ] || [ $# -ne 4 ]; then echo "% Unknown command: $*"; exit 1; fi
dst=$4
len=32
[ "$2" = ipv6 ] && len=128
if [ ! -s "$FAKE_ROUTER/routes/$dst" ]; then echo "% Network not in table"; exit 0; fi
printf 'Routing entry for %s/%s\n' "$dst" "$len"
printf '  Known via "bgp", distance 20, metric 0, best\n  Last update 00:01:02 ago\n  Flags: Selected \n  Status: Installed \n'
for hop in $(cat "$FAKE_ROUTER/routes/$dst"); do printf '  * %s, via eth0, weight 1\n' "$hop"; done
printf '\n'
`,
    birdc: String.raw`#!/bin/sh
echo "birdc $*" >> "$FAKE_ROUTER/calls.log"
echo "BIRD 2.0.12 ready."
if [ "$1 $2 $3" != "show route for" ] || [ $# -ne 4 ]; then echo "syntax error, unexpected CF_SYM_UNDEFINED"; exit 1; fi
dst=$4
table=master4
len=32
case $dst in *:*) table=master6; len=128 ;; esac
if [ ! -s "$FAKE_ROUTER/routes/$dst" ]; then echo "Network not found"; exit 1; fi
set -- $(cat "$FAKE_ROUTER/routes/$dst")
printf 'Table %s:\n%-20s unicast [tor 12:00:00.000] * (100) [AS64512i]\n' "$table" "$dst/$len"
if [ $# -eq 1 ]; then printf '\tvia %s on eth0\n' "$1"; else for hop in "$@"; do printf '\tvia %s on eth0 weight 1\n' "$hop"; done; fi
`,
    ssh: String.raw`#!/bin/sh
echo "ssh $*" >> "$FAKE_ROUTER/calls.log"
host=$1
shift
if [ "$host" = tor-down ]; then echo "ssh: connect to host tor-down port 22: Connection refused" >&2; exit 255; fi
exec sh -c "$*"
`,
    hang: String.raw`#!/bin/sh
echo "hang $*" >> "$FAKE_ROUTER/calls.log"
echo $$ >> "$FAKE_ROUTER/hang.pids"
exec sleep 30
`,
};

interface FakeRouter { dir: string; env: NodeJS.ProcessEnv; calls: () => string[]; read: (name: string) => string[] }

const fakeRouters: FakeRouter[] = [];

function fakeRouter(routes: Record<string, string[]>): FakeRouter {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-router-"));
    fs.mkdirSync(path.join(dir, "routes"));
    for (const [ip, hops] of Object.entries(routes)) fs.writeFileSync(path.join(dir, "routes", ip), hops.join(" "));
    for (const [name, script] of Object.entries(FAKE_TOOLS)) fs.writeFileSync(path.join(dir, name), script, { mode: 0o755 });
    const read = (name: string) => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), "utf8").trim().split("\n").filter(Boolean) : []);
    // No docker: --router-command must not need it.
    const router = { dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH}`, FAKE_ROUTER: dir, VERIFY_DOCKER: path.join(dir, "no-docker") }, calls: () => read("calls.log"), read };
    fakeRouters.push(router);
    return router;
}

/** The three commands the docs give, one per tool. */
const ROUTER_COMMANDS = [
    { tool: "Linux ip route, over ssh", template: "ssh tor-a ip route show {ip}", call: (ip: string) => `ip route show ${ip}` },
    { tool: "FRR vtysh, over ssh", template: `ssh admin@tor-a "vtysh -c 'show ip route {ip}'"`, call: (ip: string) => `vtysh -c show ip route ${ip}` },
    { tool: "BIRD birdc", template: "birdc show route for {ip}", call: (ip: string) => `birdc show route for ${ip}` },
];

const routeLines = (out: string[]) => out.filter((l) => l.startsWith("route "));

describe("npm run verify --router-command (a real router's routes, through a command on this machine)", function () {
    this.timeout(15000);
    after(() => {
        for (const router of fakeRouters.splice(0)) {
            for (const pid of router.read("hang.pids")) try { process.kill(Number(pid), "SIGKILL"); } catch { /* gone */ }
            fs.rmSync(router.dir, { recursive: true, force: true });
        }
    });

    it("reads the next hops of each format as the real tools print them", () => {
        // iproute2: one path, ECMP (one `nexthop` line per path), IPv6, an IPv6 next hop of an IPv4 route.
        assert.deepStrictEqual(nextHops("10.30.0.10 via 10.20.0.21 dev eth0 proto bgp metric 20 \n"), ["10.20.0.21"]);
        assert.deepStrictEqual(nextHops("10.30.0.10 nhid 18 proto bgp metric 20 \n\tnexthop via 10.20.0.21 dev eth0 weight 1 \n\tnexthop via 10.20.0.22 dev eth0 weight 1 \n"), ["10.20.0.21", "10.20.0.22"]);
        assert.deepStrictEqual(nextHops("fd00::10 via fd00:20::21 dev eth0 proto bgp metric 20 pref medium\n"), ["fd00:20::21"]);
        assert.deepStrictEqual(nextHops("fd00::10 nhid 40 proto bgp metric 20 pref medium\n\tnexthop via fd00:20::21 dev eth0 weight 1 \n\tnexthop via fe80::a8c1:abff:fe00:2 dev eth0 weight 1 \n"),
            ["fd00:20::21", "fe80::a8c1:abff:fe00:2"]);
        assert.deepStrictEqual(nextHops("10.30.0.10 nhid 20 via inet6 fe80::a00:27ff:fe8b:5a3f dev eth0 proto bgp metric 20 \n"), ["fe80::a00:27ff:fe8b:5a3f"]);
        const ip = parseRouterOutput("10.30.0.10 via 10.20.0.21 dev eth0 proto bgp metric 20 \n");
        assert.deepStrictEqual([ip.format, ip.routes[0].prefix, ip.routes[0].protocol], ["ip route", "10.30.0.10", "bgp"]);

        // FRR vtysh `show ip route <ip>`, its ECMP (as in FRR's doc/user/wecmp_linkbw.rst), IPv6, and a
        // recursive BGP next hop: the announcing hop, not the one it resolves through.
        const frr = 'Routing entry for 10.30.0.10/32\n  Known via "bgp", distance 20, metric 0, best\n  Last update 00:01:02 ago\n  * 10.20.0.21, via eth0, weight 1\n\n';
        assert.deepStrictEqual(nextHops(frr), ["10.20.0.21"]);
        assert.deepStrictEqual(parseRouterOutput(frr).routes.map((r) => [r.prefix, r.protocol]), [["10.30.0.10/32", "bgp"]]);
        assert.deepStrictEqual(nextHops(`${frr.trim()}\n  * 10.20.0.22, via eth1, weight 1\n`), ["10.20.0.21", "10.20.0.22"]);
        assert.deepStrictEqual(nextHops('Routing entry for fd00::10/128\n  Known via "bgp", distance 20, metric 0, best\n  Last update 00:00:32 ago\n  * fe80::202:ff:fe00:1b, via swp2, weight 66\n  * fe80::202:ff:fe00:15, via swp1, weight 33\n'),
            ["fe80::202:ff:fe00:1b", "fe80::202:ff:fe00:15"]);
        assert.deepStrictEqual(nextHops('Routing entry for 10.30.0.10/32\n  Known via "bgp", distance 200, metric 0, best\n    10.0.0.5 (recursive), weight 1\n  *   10.20.0.21, via eth0, weight 1\n    AS-Path          : 64512\n'), ["10.0.0.5"]);

        // BIRD `birdc show route for <ip>`: BIRD 2/3 (the greeting, the table, `\tvia … on …`), ECMP with
        // weights, another neighbor's route (the primary's hops first), and BIRD 1.6's one-line route.
        const bird = "BIRD 2.0.12 ready.\nTable master4:\n10.30.0.10/32        unicast [tor 12:00:00.000] * (100) [AS64512i]\n\tvia 10.20.0.21 on eth0\n";
        assert.deepStrictEqual(nextHops(bird), ["10.20.0.21"]);
        assert.deepStrictEqual(parseRouterOutput(bird).routes.map((r) => [r.prefix, r.protocol]), [["10.30.0.10/32", "tor"]]);
        assert.deepStrictEqual(nextHops("BIRD 2.0.12 ready.\nTable master4:\n10.30.0.10/32        unicast [tor2 12:00:01.000] (100) [AS64512i]\n\tvia 10.20.0.23 on eth1\n"
            + "                     unicast [tor1 12:00:00.000] * (100) [AS64512i]\n\tvia 10.20.0.21 on eth0 weight 1\n\tvia 10.20.0.22 on eth0 weight 1\n"), ["10.20.0.21", "10.20.0.22", "10.20.0.23"]);
        assert.deepStrictEqual(nextHops("BIRD 2.0.12 ready.\nTable master6:\nfd00::10/128         unicast [tor 12:00:00.000] * (100) [AS64512i]\n\tvia fd00:20::21 on eth0\n"), ["fd00:20::21"]);
        assert.deepStrictEqual(nextHops("10.30.0.10/32      via 10.20.0.21 on eth0 [tor 12:00:00] * (100) [AS64512i]\n"), ["10.20.0.21"]);

        // No route, in each tool's words.
        assert.ok(parseRouterOutput("% Network not in table\n").noRoute);
        assert.ok(parseRouterOutput("BIRD 2.0.12 ready.\nNetwork not found\n").noRoute);
    });

    it("judges an answer: the default route, a route that drops, a covering prefix, a connected route, output that is no route", () => {
        const name = { who: "router command `x`", tag: "router command", hint: "(hint)" };
        const judge = (output: string, ip = "10.30.0.10") => judgeRoute(name, "primary", ip, output);
        assert.deepStrictEqual(judge('Routing entry for 0.0.0.0/0\n  Known via "static", distance 1, metric 0, best\n  * 10.20.0.1, via eth0, weight 1\n'),
            { gateway: "primary", ip: "10.30.0.10", passed: false, nextHops: [], detail: "router command `x` has only the default route (0.0.0.0/0) for 10.30.0.10, none announced for it (hint)" });
        assert.strictEqual(judge("unreachable 10.30.0.10 proto bgp metric 20").detail, "router command `x` has an unreachable route to 10.30.0.10 (hint)");
        assert.strictEqual(judge('Routing entry for 10.30.0.10/32\n  Known via "static", distance 1, metric 0, best\n  * unreachable (blackhole), weight 1\n').detail, "router command `x` has a blackhole route to 10.30.0.10 (hint)");
        assert.strictEqual(judge("BIRD 2.0.12 ready.\nTable master4:\n10.30.0.10/32        blackhole [static1 12:00:00.000] * (200)\n").detail, "router command `x` has a blackhole route to 10.30.0.10 (hint)");
        const aggregate = judge("BIRD 2.0.12 ready.\nTable master4:\n10.30.0.0/24         unicast [tor 12:00:00.000] * (100) [AS64512i]\n\tvia 10.20.0.21 on eth0\n");
        assert.deepStrictEqual([aggregate.passed, aggregate.detail], [true, "via 10.20.0.21 (router command, route 10.30.0.0/24)"]);
        assert.strictEqual(judge("fd00::10 via fd00:20::21 dev eth0 proto bgp metric 20 pref medium", "fd00:0::10").detail, "via fd00:20::21 (router command)");
        const connected = judge("10.30.0.10 dev eth0 proto kernel scope link src 10.30.0.1");
        assert.deepStrictEqual([connected.passed, connected.detail], [true, "10.30.0.10 dev eth0 proto kernel scope link src 10.30.0.1 (router command, no next hop)"]);
        assert.deepStrictEqual([judge("").passed, judge("").detail], [false, "router command `x` has no route to 10.30.0.10 (hint)"]);
        assert.strictEqual(judge("BIRD 2.0.12 ready.\n").detail, "router command `x` has no route to 10.30.0.10 (hint)");
        assert.strictEqual(judge("Welcome to tor-a!\n").detail, "router command `x` printed no route to 10.30.0.10: Welcome to tor-a!");
    });

    for (const { tool, template, call } of ROUTER_COMMANDS) {
        it(`${tool}: every next hop of each gateway IP (ECMP and one path), and a gateway without a route fails naming the command`, async () => {
            const router = fakeRouter({ [PRIMARY]: ["10.20.0.21", "10.20.0.22"], [SECONDARY]: ["10.20.0.23"] });
            const { code, out, err } = await runCli(healthy(), ["--router-command", template], router.env);
            assert.strictEqual(code, 0, [...out, ...err].join("\n"));
            assert.deepStrictEqual(routeLines(out), [
                `route      primary  ${PRIMARY}: PASS  nexthop via 10.20.0.21, 10.20.0.22 (router command)`,
                `route      secondary  ${SECONDARY}: PASS  via 10.20.0.23 (router command)`,
            ]);
            assert.ok(router.calls().includes(call(PRIMARY)) && router.calls().includes(call(SECONDARY)), router.calls().join("\n"));
            assert.ok(out.findIndex((l) => l.startsWith("route ")) < out.findIndex((l) => l.startsWith("CHECK")), "before the checks");
            assert.strictEqual(out.at(-1), "verify: 11 of 11 checks passed");

            // Secondary not announced: its route fails, with the command as run, before and after the checks.
            const missing = fakeRouter({ [PRIMARY]: ["10.20.0.21"] });
            const failed = await runCli(healthy(), ["--router-command", template], missing.env);
            assert.strictEqual(failed.code, 1);
            const command = template.replace("{ip}", SECONDARY);
            const noRoute = `route      secondary  ${SECONDARY}: FAIL  router command \`${command}\` has no route to ${SECONDARY} (is the BGP session up? see the router's BGP summary)`;
            assert.deepStrictEqual(routeLines(failed.out), [`route      primary  ${PRIMARY}: PASS  via 10.20.0.21 (router command)`, noRoute, noRoute]);
            assert.strictEqual(failed.out.at(-1), "verify: 10 of 11 checks passed, 1 FAILED");
        });
    }

    it("IPv6: {ip} goes in as it is, so the command asks for IPv6 itself (ip -6, or one command per family)", async () => {
        const router = fakeRouter({ [PRIMARY]: ["10.20.0.21"], "::1": ["fd00:20::21", "fd00:20::22"] });
        const edge: EdgeStackOutputs = { ...outputs, gateways: { primary: gatewayOutput([PRIMARY, "::1"], [{ host: "a.test", path: "/hello" }]) } };
        const run = (template: string) => runCli([healthy()[0]], ["--router-command", template, "--timeout", "0"], router.env, edge);
        // `ip route show` of an IPv6 address lists nothing: that gateway IP fails.
        const v4only = await run("ssh tor-a ip route show {ip}");
        assert.ok(routeLines(v4only.out).includes("route      primary  ::1: FAIL  router command `ssh tor-a ip route show ::1` has no route to ::1 (is the BGP session up? see the router's BGP summary)"), v4only.out.join("\n"));
        // The docs' example: one command per family, chosen by the address.
        const both = await run("case {ip} in *:*) ssh tor-a ip -6 route show {ip} ;; *) ssh tor-a ip route show {ip} ;; esac");
        assert.deepStrictEqual(routeLines(both.out).slice(0, 2), [`route      primary  ${PRIMARY}: PASS  via 10.20.0.21 (router command)`, "route      primary  ::1: PASS  nexthop via fd00:20::21, fd00:20::22 (router command)"]);
        assert.ok(router.calls().includes("ip -6 route show ::1"));
        const bird = await run("birdc show route for {ip}");
        assert.ok(routeLines(bird.out).includes("route      primary  ::1: PASS  nexthop via fd00:20::21, fd00:20::22 (router command)"), bird.out.join("\n"));
        const frr = await run(`case {ip} in *:*) af=ipv6 ;; *) af=ip ;; esac; ssh admin@tor-a "vtysh -c 'show $af route {ip}'"`);
        assert.ok(routeLines(frr.out).includes("route      primary  ::1: PASS  nexthop via fd00:20::21, fd00:20::22 (router command)"), frr.out.join("\n"));
        assert.ok(router.calls().includes("vtysh -c show ipv6 route ::1"));
    });

    it("fails a command that fails, or does not finish within --request-timeout, naming it (and ends all it started)", async () => {
        const router = fakeRouter({ [PRIMARY]: ["10.20.0.21"], [SECONDARY]: ["10.20.0.23"] });
        const onlyPrimary = { ...outputs, gateways: { primary: outputs.gateways.primary } };
        const down = await runCli([healthy()[0]], ["--router-command", "ssh tor-down ip route show {ip}"], router.env, onlyPrimary);
        assert.strictEqual(down.code, 1);
        assert.strictEqual(routeLines(down.out)[0], `route      primary  ${PRIMARY}: FAIL  router command \`ssh tor-down ip route show ${PRIMARY}\` failed (exit 255): ssh: connect to host tor-down port 22: Connection refused`);
        const wrong = await runCli([healthy()[0]], ["--router-command", "ssh tor-a ip rout show {ip}"], router.env, onlyPrimary);
        assert.match(routeLines(wrong.out)[0], /FAIL  router command `ssh tor-a ip rout show 127\.0\.0\.2` failed \(exit 255\): Command "rout show 127\.0\.0\.2" is unknown/);

        // A pipeline that hangs: killed, all of it, after the request timeout (1 s here), before and after the checks.
        const started = Date.now();
        const hung = await runCli([healthy()[0]], ["--router-command", "hang {ip} | cat"], router.env, onlyPrimary);
        assert.strictEqual(hung.code, 1);
        const timedOut = `route      primary  ${PRIMARY}: FAIL  router command \`hang ${PRIMARY} | cat\` did not finish within 1 s (--request-timeout)`;
        assert.deepStrictEqual(routeLines(hung.out), [timedOut, timedOut]);
        assert.ok(Date.now() - started < 6000, `took ${Date.now() - started} ms`);
        const pids = router.read("hang.pids").map(Number);
        assert.strictEqual(pids.length, 2);
        await new Promise((r) => setTimeout(r, 100));
        assert.ok(pids.every((pid) => !processAlive(pid)), "nothing of the command is left running");
    });

    it("refuses a gateway address that is not an IP before any command runs, and keeps every {ip} quoting-proof", async () => {
        const router = fakeRouter({ [PRIMARY]: ["10.20.0.21"] });
        const marker = path.join(router.dir, "ran");
        for (const ip of ["127.0.0.2; touch " + marker, "$(touch " + marker + ")", "fe80::1%eth0", "tor-a.example"]) {
            const edge: EdgeStackOutputs = { ...outputs, gateways: { ...outputs.gateways, secondary: { ...outputs.gateways.secondary, ip, ips: [ip] } } };
            const { code, out, err } = await runCli(healthy(), ["--router-command", `touch ${marker}; ip route show {ip}`], router.env, edge);
            assert.strictEqual(code, 2);
            assert.deepStrictEqual(err, [`verify: gateway secondary has the address ${JSON.stringify(ip)}, which is not an IP address; --router-command runs nothing with it`]);
            assert.deepStrictEqual(out, [], "not even the reachability probes");
        }
        assert.ok(!fs.existsSync(marker), "no command ran");
        assert.deepStrictEqual(router.calls(), []);
        for (const ip of ["10.30.0.10", "::1", "fd00:20::21", "::ffff:10.0.0.1"]) assert.ok(isShellSafeAddress(ip), ip);
        for (const ip of ["", "10.30.0.10 ", "010.30.0.10", "fe80::1%eth0", "[::1]", "a.test", "10.0.0.1;id"]) assert.ok(!isShellSafeAddress(ip), ip);
        assert.strictEqual(routerCommandFor(`ssh tor "vtysh -c 'show ip route {ip}'" # {ip}`, "10.0.0.1"), `ssh tor "vtysh -c 'show ip route 10.0.0.1'" # 10.0.0.1`);
        assert.throws(() => routerCommandFor("ip route show {ip}", "1.2.3.4`id`"), /is not an IP address; --router-command runs nothing with it/);
    });

    it("usage: --router and --router-command together, a command without {ip}, the usage line", async () => {
        const both: string[] = [];
        assert.strictEqual(await cli(["--router", "frr", "--router-command", "birdc show route for {ip}"], { err: (l) => both.push(l) }), 2);
        assert.deepStrictEqual(both, [`verify: give --router CONTAINER or --router-command CMD, not both (a router container, or a command that asks a router)\n${USAGE}`]);
        const noIp: string[] = [];
        assert.strictEqual(await cli(["--router-command", "ssh tor-a ip route"], { err: (l) => noIp.push(l) }), 2);
        assert.match(noIp[0], /^verify: --router-command needs \{ip\} in it, where each gateway address goes \(e\.g\. 'ssh tor-a ip route show \{ip\}'\)\nusage: npm run verify -- /);
        const missing: string[] = [];
        assert.strictEqual(await cli(["--router-command"], { err: (l) => missing.push(l) }), 2);
        assert.match(missing[0], /^verify: --router-command needs a value\n/);
        assert.strictEqual(USAGE, "usage: npm run verify -- [--stack NAME | --outputs FILE.json] [--via-docker NETWORK [--docker-image IMAGE]] "
            + "[--router CONTAINER | --router-command CMD] [--timeout S] [--interval S] [--request-timeout S] [--https-port N] [--http-port N]");
        const help: string[] = [];
        assert.strictEqual(await cli(["--help"], { out: (l) => help.push(l) }), 0);
        assert.deepStrictEqual(help, [USAGE]);
        assert.strictEqual(parseArgs(["--router-command", "birdc show route for {ip}"]).routerCommand, "birdc show route for {ip}");
        assert.strictEqual(parseArgs(["--router", "frr"]).router, "frr");
    });
});
