// `npm run verify [-- --stack <name> | --outputs <file.json>]`: proves from outside the cluster
// that the edge works. For every gateway, each of its IPs (IPv4 and IPv6) and each host (a wildcard
// host through its probe name): HTTPS pinned to that IP with the name as SNI and Host header,
// trusting only the stack's CA; HTTP answering a redirect to HTTPS; and every host refused on every
// IP of every other gateway (isolation); each observability addon's own page on its gateway (Grafana's
// login, Kiali's UI, Prometheus' /-/ready, Jaeger's UI). Retries until a bounded deadline while
// MetalLB and the gateways settle; prints a table; exits non-zero if anything fails.
// Before the checks it says per gateway IP whether the address answers at all (and with
// --router, which next hops a BGP router container has for it; with --router-command, which next
// hops a real router has, through a command such as `ssh tor-a ip route show {ip}`). With
// --via-docker <network> every request goes through forwarding containers on that docker network
// (Docker Desktop).
// Exit codes: 0 all passed, 1 some check failed, 2 usage or setup problem.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as tls from "tls";
import { ADDON_PROBES } from "../model/addons";
import type { AddonName } from "../model/types";
import {
    DEFAULT_FORWARD_IMAGE, Docker, DockerForwarders, IP_PLACEHOLDER, Reachability, RouteCheck, SetupError, checkRoute, checkRouteCommand, dockerCli, dockerProbe,
    hostPort, isShellSafeAddress, reachabilityLine, routeLine, tcpProbe,
} from "./verify-network";

export { SetupError, hostPort } from "./verify-network";

/** One host of a gateway as the stack outputs describe it. */
export interface EndpointOutput {
    host: string;
    /** The name to request: the host itself, or for a wildcard host a name under it. */
    probeHost: string;
    /** False for a host without routes: a correct gateway answers it with 404 over trusted TLS. */
    routed: boolean;
    url: string;
}

export interface GatewayOutput {
    ip: string;
    /** Absent in older stacks, which had only `ip`. */
    ips?: string[];
    hosts: string[];
    urls: string[];
    httpsRedirect?: boolean;
    /** Absent in older stacks: then every URL is a routed host. */
    endpoints?: EndpointOutput[];
}

/** The stack outputs verify needs (a subset of `pulumi stack output --json`). */
export interface EdgeStackOutputs {
    gateways: Record<string, GatewayOutput>;
    caCertificatePem: string;
    /**
     * PEM, one or more CA certificates (during a CA rotation the old and the new one). When present,
     * these are trusted instead of `caCertificatePem`.
     */
    caTrustBundle?: string;
    /** Per observability addon that is on (absent in stacks without addons). */
    addons?: Record<string, AddonOutput>;
}

/** One observability addon as the stack outputs describe it. */
export interface AddonOutput {
    url: string;
    host: string;
    /** The gateway that serves it (the other gateways' isolation checks cover the rest). */
    gateway: string;
}

export interface VerifyOptions {
    /** Total time to keep retrying, in milliseconds. */
    deadlineMs: number;
    /** Pause between rounds, in milliseconds. */
    intervalMs: number;
    /** Timeout of one request, in milliseconds. */
    requestTimeoutMs: number;
    httpsPort: number;
    httpPort: number;
    /**
     * Where to connect for a gateway IP and port (default: there); the name is still sent as SNI
     * and Host header. --via-docker points it at a local forwarder.
     */
    connect?: (ip: string, port: number) => { host: string; port: number };
}

export const DEFAULT_OPTIONS: VerifyOptions = { deadlineMs: 300_000, intervalMs: 5_000, requestTimeoutMs: 5_000, httpsPort: 443, httpPort: 80 };

export type CheckKind = "https" | "redirect" | "isolation" | "addon";

export interface Check {
    kind: CheckKind;
    /** The gateway whose host is requested. */
    gateway: string;
    /** The host as configured (may be a wildcard `*.x`). */
    host: string;
    /** The name sent as SNI and Host header. */
    probeHost: string;
    routed: boolean;
    path: string;
    /** Where the request goes: the host's own gateway, or another one (isolation). */
    targetGateway: string;
    /** A bare address (IPv6 without brackets), as node's http(s) `host` takes it. */
    targetIp: string;
    /** For an addon check: text its page must contain (its own page, not some other 200). */
    expect?: string;
}

export interface CheckResult {
    check: Check;
    passed: boolean;
    /** Still failing for a reason that may pass on retry (nothing listening yet, 503, …). */
    final: boolean;
    status?: number;
    latencyMs?: number;
    certificateExpires?: string;
    detail: string;
    attempts: number;
}

interface Attempt {
    status?: number;
    location?: string;
    latencyMs: number;
    certificateExpires?: string;
    error?: NodeJS.ErrnoException;
    /** The start of the body (addon checks only). */
    body?: string;
}

/** Errors that mean "nobody answered", as opposed to a gateway that answered and refused. */
const UNREACHABLE = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "EADDRNOTAVAIL", "TIMEOUT"]);

/** A gateway's addresses, bare; tolerates `[v6]` in case an output carries brackets. */
export function addressesOf(gw: GatewayOutput): string[] {
    const ips = gw.ips && gw.ips.length > 0 ? gw.ips : [gw.ip];
    return ips.map((ip) => ip.replace(/^\[(.*)\]$/, "$1"));
}

/** The CA certificates to trust, one PEM each: the bundle when the stack has one, else its CA. */
export function trustedCertificates(outputs: EdgeStackOutputs): { pems: string[]; source: "caTrustBundle" | "caCertificatePem" } {
    const source = typeof outputs.caTrustBundle === "string" && outputs.caTrustBundle.trim() !== "" ? "caTrustBundle" : "caCertificatePem";
    const text = source === "caTrustBundle" ? outputs.caTrustBundle! : outputs.caCertificatePem;
    const pems = (text ?? "").match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (pems.length === 0) throw new SetupError(`the stack output ${source} holds no PEM certificate`);
    pems.forEach((pem, i) => {
        try {
            new crypto.X509Certificate(pem);
        } catch (err) {
            throw new SetupError(`certificate ${i + 1} of the stack output ${source} does not parse: ${(err as Error).message}`);
        }
    });
    return { pems: pems.map((p) => `${p}\n`), source };
}

function endpointsOf(gw: GatewayOutput): { host: string; probeHost: string; routed: boolean; path: string }[] {
    if (gw.endpoints) {
        return gw.endpoints.map((e) => ({ host: e.host, probeHost: e.probeHost, routed: e.routed, path: new URL(e.url).pathname }));
    }
    // Older stacks: each URL is the first route of a routed host (a wildcard already as a name under it).
    return gw.urls.map((url) => {
        const { hostname, pathname } = new URL(url);
        return { host: hostname, probeHost: hostname, routed: true, path: pathname };
    });
}

export function planChecks(outputs: EdgeStackOutputs): Check[] {
    const checks: Check[] = [];
    const gateways = Object.entries(outputs.gateways);
    for (const [name, gw] of gateways) {
        for (const endpoint of endpointsOf(gw)) {
            const own = { gateway: name, ...endpoint, targetGateway: name };
            for (const targetIp of addressesOf(gw)) {
                checks.push({ kind: "https", ...own, targetIp });
                if (gw.httpsRedirect !== false) checks.push({ kind: "redirect", ...own, targetIp });
            }
            for (const [otherName, other] of gateways) {
                if (otherName === name) continue;
                for (const targetIp of addressesOf(other)) {
                    checks.push({ kind: "isolation", gateway: name, ...endpoint, targetGateway: otherName, targetIp });
                }
            }
        }
    }
    for (const [name, addon] of Object.entries(outputs.addons ?? {})) {
        const probe = ADDON_PROBES[name as AddonName];
        const gw = outputs.gateways[addon.gateway];
        if (!probe || !gw) continue;
        for (const targetIp of addressesOf(gw)) {
            checks.push({
                kind: "addon", gateway: addon.gateway, host: addon.host, probeHost: addon.host, routed: true,
                path: probe.path, targetGateway: addon.gateway, targetIp, expect: probe.contains,
            });
        }
    }
    return checks;
}

function request(check: Check, ca: string[], options: VerifyOptions): Promise<Attempt> {
    const started = process.hrtime.bigint();
    const elapsed = () => Number((process.hrtime.bigint() - started) / 1_000_000n);
    const secure = check.kind !== "redirect";
    return new Promise((resolve) => {
        let certificateExpires: string | undefined;
        const port = secure ? options.httpsPort : options.httpPort;
        const target = options.connect ? options.connect(check.targetIp, port) : { host: check.targetIp, port };
        const common = {
            host: target.host,
            port: target.port,
            path: check.path,
            method: "GET",
            headers: { host: check.probeHost, "user-agent": "istio-metallb-ingress-verify" },
            agent: false as const,
            timeout: options.requestTimeoutMs,
        };
        const onResponse = (res: http.IncomingMessage) => {
            const socket = res.socket as tls.TLSSocket;
            if (secure && typeof socket.getPeerCertificate === "function") {
                const cert = socket.getPeerCertificate();
                if (cert?.valid_to) certificateExpires = new Date(cert.valid_to).toISOString();
            }
            // An addon's page is read (its first 64 KiB); other answers only count by status.
            let body = "";
            if (check.expect !== undefined) res.on("data", (chunk: Buffer) => { if (body.length < 65536) body += chunk.toString("utf8"); });
            else res.resume();
            res.on("end", () => resolve({ status: res.statusCode, location: res.headers.location, latencyMs: elapsed(), certificateExpires, body }));
        };
        const req = secure
            ? https.request({
                ...common,
                servername: check.probeHost,
                ca,
                rejectUnauthorized: true,
                // The certificate must name the host we asked for, not the IP we connected to.
                checkServerIdentity: (_: string, cert: tls.PeerCertificate) => tls.checkServerIdentity(check.probeHost, cert),
            }, onResponse)
            : http.request(common, onResponse);
        req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${options.requestTimeoutMs} ms`), { code: "TIMEOUT" })));
        req.on("error", (error: NodeJS.ErrnoException) => resolve({ latencyMs: elapsed(), error, certificateExpires }));
        req.end();
    });
}

function describeError(error: NodeJS.ErrnoException): string {
    return error.code ? `${error.code}: ${error.message}` : error.message;
}

/** Whether `location` is an https URL for exactly `host` (not merely a name starting with it). */
function redirectsTo(location: string, host: string): boolean {
    try {
        const url = new URL(location);
        return url.protocol === "https:" && url.hostname === host.toLowerCase();
    } catch {
        return false;
    }
}

/** Judges one attempt. `targetUp`: the target gateway answered its own hosts correctly on that IP. */
export function judge(check: Check, attempt: Attempt, targetUp: boolean): Omit<CheckResult, "check" | "attempts"> {
    const base = { status: attempt.status, latencyMs: attempt.latencyMs, certificateExpires: attempt.certificateExpires };
    const unreachable = !!attempt.error && UNREACHABLE.has(attempt.error.code ?? "");
    switch (check.kind) {
        case "https":
            // Any answer at all means TLS succeeded: trusted by the CA and valid for the probe name.
            if (attempt.error) return { ...base, passed: false, final: false, detail: describeError(attempt.error) };
            if (attempt.status! < 400) return { ...base, passed: true, final: true, detail: "trusted certificate for the host" };
            // Envoy's answer for a host the gateway terminates but no route serves.
            if (!check.routed && attempt.status === 404) return { ...base, passed: true, final: true, detail: "trusted certificate for the host; HTTP 404 (no routes)" };
            return { ...base, passed: false, final: false, detail: `HTTP ${attempt.status}` };
        case "redirect": {
            if (attempt.error) return { ...base, passed: false, final: false, detail: describeError(attempt.error) };
            const location = attempt.location ?? "";
            const redirects = [301, 302, 307, 308].includes(attempt.status!) && redirectsTo(location, check.probeHost);
            return redirects
                ? { ...base, passed: true, final: true, detail: `→ ${location}` }
                : { ...base, passed: false, final: false, detail: `expected a redirect to https://${check.probeHost}…, got HTTP ${attempt.status}${location ? ` → ${location}` : ""}` };
        }
        case "addon": {
            if (attempt.error) return { ...base, passed: false, final: false, detail: describeError(attempt.error) };
            const found = attempt.status === 200 && (attempt.body ?? "").includes(check.expect ?? "");
            return found
                ? { ...base, passed: true, final: true, detail: `${check.path} answers with "${check.expect}"` }
                : { ...base, passed: false, final: false, detail: `expected HTTP 200 from ${check.path} with "${check.expect}", got HTTP ${attempt.status}${attempt.status === 200 ? " without it" : ""}` };
        }
        case "isolation":
            if (unreachable || !targetUp) {
                return { ...base, passed: false, final: false, detail: `inconclusive: gateway ${check.targetGateway} is not answering its own hosts yet${attempt.error ? ` (${describeError(attempt.error)})` : ""}` };
            }
            if (attempt.error) return { ...base, passed: true, final: true, detail: `refused: ${describeError(attempt.error)}` };
            if (attempt.status === 404) return { ...base, passed: true, final: true, detail: "refused: HTTP 404" };
            return { ...base, passed: false, final: true, detail: `LEAK: gateway ${check.targetGateway} served ${check.probeHost} with HTTP ${attempt.status}` };
    }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs every check, retrying the unsettled ones until they pass, fail for good, or time runs out. */
export async function verifyEdge(outputs: EdgeStackOutputs, options: VerifyOptions = DEFAULT_OPTIONS, log: (line: string) => void = () => undefined): Promise<CheckResult[]> {
    const checks = planChecks(outputs);
    const { pems } = trustedCertificates(outputs);
    const results = new Map<Check, CheckResult>();
    const deadline = Date.now() + options.deadlineMs;
    for (let round = 1; ; round++) {
        const pending = checks.filter((c) => !results.get(c)?.final);
        if (pending.length === 0) break;
        // Own-host checks first: isolation is only conclusive once the target gateway answers, on
        // the same address (one family of a dual-stack gateway may come up before the other).
        for (const kind of ["https", "redirect", "addon", "isolation"] as CheckKind[]) {
            await Promise.all(pending.filter((c) => c.kind === kind).map(async (check) => {
                const targetUp = checks.some((c) => c.kind === "https" && c.gateway === check.targetGateway && c.targetIp === check.targetIp && results.get(c)?.passed);
                const attempt = await request(check, pems, options);
                results.set(check, { check, attempts: (results.get(check)?.attempts ?? 0) + 1, ...judge(check, attempt, targetUp) });
            }));
        }
        const open = checks.filter((c) => !results.get(c)?.final).length;
        if (open === 0 || Date.now() + options.intervalMs > deadline) break;
        log(`round ${round}: ${open} check(s) not settled yet; retrying in ${Math.round(options.intervalMs / 1000)} s`);
        await sleep(options.intervalMs);
    }
    return checks.map((c) => results.get(c)!);
}

/** `via`: how the gateway IPs were reached, shown after each target (`via docker`). */
export function formatTable(results: CheckResult[], options: Pick<VerifyOptions, "httpsPort" | "httpPort"> & { via?: string } = DEFAULT_OPTIONS): string {
    const rows = [["CHECK", "HOST", "GATEWAY", "TARGET", "RESULT", "STATUS", "LATENCY", "CERT EXPIRES", "DETAIL"]];
    for (const r of results) {
        const c = r.check;
        const port = c.kind === "redirect" ? options.httpPort : options.httpsPort;
        rows.push([
            c.kind, c.probeHost === c.host ? c.host : `${c.host} (${c.probeHost})`, c.gateway, `${c.targetGateway} ${hostPort(c.targetIp, port)}${options.via ? ` via ${options.via}` : ""}`, r.passed ? "PASS" : "FAIL",
            r.status === undefined ? "-" : String(r.status), r.latencyMs === undefined ? "-" : `${r.latencyMs} ms`,
            r.certificateExpires ?? "-", r.detail,
        ]);
    }
    const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
    return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join("  ")).join("\n");
}

/** A wrong flag: said with the usage line (exit code 2). */
export class UsageError extends SetupError {}

export const USAGE = "usage: npm run verify -- [--stack NAME | --outputs FILE.json] [--via-docker NETWORK [--docker-image IMAGE]] "
    + "[--router CONTAINER | --router-command CMD] [--timeout S] [--interval S] [--request-timeout S] [--https-port N] [--http-port N]";

export interface VerifyArgs {
    stack?: string;
    outputsFile?: string;
    options: VerifyOptions;
    /** Reach the gateway IPs through forwarding containers on this docker network. */
    viaDocker?: string;
    dockerImage?: string;
    /** A BGP router container whose routes to the gateway IPs are reported. */
    router?: string;
    /** A command run through `sh -c` per gateway IP (`{ip}` replaced by it) that prints a router's route to it. */
    routerCommand?: string;
    help?: boolean;
}

export function parseArgs(argv: string[]): VerifyArgs {
    const args: VerifyArgs = { options: { ...DEFAULT_OPTIONS } };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
            return v;
        };
        const seconds = () => {
            const n = Number(value());
            if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} needs a number of seconds`);
            return n * 1000;
        };
        const port = () => {
            const n = Number(value());
            if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`${flag} needs a port number (1-65535)`);
            return n;
        };
        switch (flag) {
            case "--stack": case "-s": args.stack = value(); break;
            case "--outputs": args.outputsFile = value(); break;
            case "--timeout": args.options.deadlineMs = seconds(); break;
            case "--interval": args.options.intervalMs = seconds(); break;
            case "--request-timeout": args.options.requestTimeoutMs = seconds(); break;
            case "--https-port": args.options.httpsPort = port(); break;
            case "--http-port": args.options.httpPort = port(); break;
            case "--via-docker": args.viaDocker = value(); break;
            case "--docker-image": args.dockerImage = value(); break;
            case "--router": args.router = value(); break;
            case "--router-command": args.routerCommand = value(); break;
            case "--help": case "-h": args.help = true; break;
            default: throw new UsageError(`unknown flag ${flag}`);
        }
    }
    if (args.dockerImage && !args.viaDocker) throw new UsageError("--docker-image only applies with --via-docker NETWORK");
    if (args.stack && args.outputsFile) throw new UsageError("give --stack or --outputs, not both");
    if (args.router !== undefined && args.routerCommand !== undefined) {
        throw new UsageError("give --router CONTAINER or --router-command CMD, not both (a router container, or a command that asks a router)");
    }
    if (args.routerCommand !== undefined && !args.routerCommand.includes(IP_PLACEHOLDER)) {
        throw new UsageError(`--router-command needs ${IP_PLACEHOLDER} in it, where each gateway address goes (e.g. 'ssh tor-a ip route show ${IP_PLACEHOLDER}')`);
    }
    return args;
}

/** Said when `pulumi` is not on PATH: what to do instead, in one line. */
export function pulumiMissing(stack?: string): string {
    return "the Pulumi CLI (pulumi) was not found on PATH: install it (https://www.pulumi.com/docs/install/), "
        + "or pass a saved copy of the stack outputs with --outputs FILE.json (made with "
        + `\`pulumi stack output --json --show-secrets=false${stack ? ` --stack ${stack}` : ""} > FILE.json\` on a machine that has the CLI)`;
}

export function readOutputs(stack: string | undefined, outputsFile: string | undefined, env: NodeJS.ProcessEnv = process.env): EdgeStackOutputs {
    let text: string;
    let source: string;
    if (outputsFile) {
        source = outputsFile;
        try {
            text = fs.readFileSync(outputsFile, "utf8");
        } catch (err) {
            throw new SetupError(`cannot read --outputs ${outputsFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
    } else {
        const args = ["stack", "output", "--json", ...(stack ? ["--stack", stack] : [])];
        source = `pulumi ${args.join(" ")}`;
        try {
            text = execFileSync("pulumi", args, { encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] });
        } catch (err) {
            const e = err as NodeJS.ErrnoException & { stderr?: string };
            if (e.code === "ENOENT") throw new SetupError(pulumiMissing(stack));
            throw new SetupError(`${source} failed: ${(e.stderr ?? "").trim().split("\n")[0] || e.message}`);
        }
    }
    let outputs: EdgeStackOutputs;
    try {
        outputs = JSON.parse(text) as EdgeStackOutputs;
    } catch (err) {
        throw new SetupError(`${source} is not JSON (${(err as Error).message}); save the outputs with \`pulumi stack output --json\``);
    }
    const hasCa = typeof outputs?.caCertificatePem === "string" || typeof outputs?.caTrustBundle === "string";
    if (!outputs || typeof outputs.gateways !== "object" || !outputs.gateways || !hasCa) {
        throw new SetupError("the outputs have no gateways or no caCertificatePem/caTrustBundle; are they this project's stack outputs?");
    }
    return outputs;
}

/** Every gateway IP, with its gateway. */
export function gatewayAddresses(outputs: EdgeStackOutputs): { gateway: string; ip: string }[] {
    return Object.entries(outputs.gateways).flatMap(([gateway, gw]) => addressesOf(gw).map((ip) => ({ gateway, ip })));
}

/** What main talks to; tests replace them. */
export interface VerifyDeps {
    /** The environment of the pulumi and docker CLIs (PATH, VERIFY_DOCKER). */
    env?: NodeJS.ProcessEnv;
    out?: (line: string) => void;
    err?: (line: string) => void;
    /** Where ctrl-c arrives (default: this process). */
    signals?: { on(event: "SIGINT" | "SIGTERM", listener: () => void): unknown; off(event: "SIGINT" | "SIGTERM", listener: () => void): unknown };
    exit?: (code: number) => void;
}

/** The command; returns its exit code (0 passed, 1 failed), throws a SetupError for usage/setup problems. */
export async function main(argv: string[], deps: VerifyDeps = {}): Promise<number> {
    const out = deps.out ?? ((line: string) => console.log(line));
    const err = deps.err ?? ((line: string) => console.error(line));
    const env = deps.env ?? process.env;
    const args = parseArgs(argv);
    if (args.help) {
        out(USAGE);
        return 0;
    }
    const outputs = readOutputs(args.stack, args.outputsFile, env);
    const trust = trustedCertificates(outputs);
    if (trust.source === "caTrustBundle") err(`verify: trusting the ${trust.pems.length} CA certificate(s) of caTrustBundle`);
    const options: VerifyOptions = { ...args.options };
    const addresses = gatewayAddresses(outputs);
    if (args.routerCommand !== undefined) {
        // The addresses come from stack outputs and go into a shell command: only plain IPs, checked before anything runs.
        const bad = addresses.find((a) => !isShellSafeAddress(a.ip));
        if (bad) throw new SetupError(`gateway ${bad.gateway} has the address ${JSON.stringify(bad.ip)}, which is not an IP address; --router-command runs nothing with it`);
    }
    const docker: Docker | undefined = args.viaDocker || args.router ? dockerCli(env) : undefined;
    const forwarders = args.viaDocker ? new DockerForwarders(docker!, args.viaDocker, args.dockerImage ?? DEFAULT_FORWARD_IMAGE) : undefined;
    const signals = deps.signals ?? process;
    const exit = deps.exit ?? ((code: number) => process.exit(code));
    // ctrl-c must not leave forwarders running: removed synchronously, then out.
    const onInt = () => { forwarders?.removeAllSync(); exit(130); };
    const onTerm = () => { forwarders?.removeAllSync(); exit(143); };
    if (forwarders) {
        signals.on("SIGINT", onInt);
        signals.on("SIGTERM", onTerm);
    }
    try {
        if (forwarders) {
            const ips = [...new Set(addresses.map((a) => a.ip))];
            const ports = [...new Set([options.httpsPort, options.httpPort])];
            err(`verify: reaching ${ips.length} gateway IP(s) through ${ips.length * ports.length} forwarding container(s) (${forwarders.image}) on the docker network ${forwarders.network}`);
            await forwarders.start(ips, ports);
            options.connect = forwarders.connect;
        }
        const probe = async (a: { gateway: string; ip: string }): Promise<Reachability> => {
            const port = options.httpsPort;
            const result = forwarders
                ? await dockerProbe(docker!, forwarders.containerFor(a.ip, port)!, a.ip, port, options.requestTimeoutMs)
                : await tcpProbe(a.ip, port, options.requestTimeoutMs);
            return { ...a, port, ...result };
        };
        const route = (a: { gateway: string; ip: string }) => (args.routerCommand !== undefined
            ? checkRouteCommand(args.routerCommand, a.gateway, a.ip, options.requestTimeoutMs, env)
            : checkRoute(docker!, args.router!, a.gateway, a.ip));
        const reachable = await Promise.all(addresses.map(probe));
        for (const r of reachable) out(reachabilityLine(r, args.viaDocker));
        let routes: RouteCheck[] = args.router || args.routerCommand !== undefined ? await Promise.all(addresses.map(route)) : [];
        for (const r of routes) out(routeLine(r));
        out("");

        const results = await verifyEdge(outputs, options, err);
        out(formatTable(results, { ...options, via: forwarders ? "docker" : undefined }));

        // What was wrong before the checks is asked again now that they had their time.
        const failedIps = new Set(results.filter((r) => !r.passed).map((r) => r.check.targetIp));
        const stillDown = (await Promise.all(reachable.filter((r) => r.outcome !== "answers" && failedIps.has(r.ip)).map(probe))).filter((r) => r.outcome !== "answers");
        const routesBefore = routes;
        routes = await Promise.all(routes.map((r) => (r.passed ? r : route(r))));
        const missingRoutes = routes.filter((r) => !r.passed);
        const recovered = routes.filter((r, i) => r.passed && !routesBefore[i].passed);
        if (stillDown.length > 0 || missingRoutes.length > 0 || recovered.length > 0) {
            out("\nafter the checks:");
            for (const r of stillDown) out(reachabilityLine(r, args.viaDocker));
            for (const r of [...recovered, ...missingRoutes]) out(routeLine(r));
        }

        const total = results.length + routes.length;
        const failed = results.filter((r) => !r.passed).length + missingRoutes.length;
        out(`\nverify: ${total - failed} of ${total} checks passed${failed ? `, ${failed} FAILED` : ""}`);
        return failed === 0 ? 0 : 1;
    } finally {
        if (forwarders) {
            signals.off("SIGINT", onInt);
            signals.off("SIGTERM", onTerm);
            await forwarders.removeAll();
        }
    }
}

/** main, with usage and setup problems said in one line (plus the usage for a wrong flag) and exit code 2. */
export async function cli(argv: string[], deps: VerifyDeps = {}): Promise<number> {
    try {
        return await main(argv, deps);
    } catch (error) {
        const say = deps.err ?? ((line: string) => console.error(line));
        say(`verify: ${(error as Error).message}${error instanceof UsageError ? `\n${USAGE}` : ""}`);
        return 2;
    }
}

if (require.main === module) {
    cli(process.argv.slice(2)).then((code) => process.exit(code));
}
