// The network side of `npm run verify`: reaching gateway IPs through forwarding containers on a
// docker network (--via-docker, for Docker Desktop, whose host cannot reach the kind/minikube
// network), whether each gateway IP answers at all, and a BGP router's routes to the IPs: a router
// container's (--router) or, through any command run on this machine, a real router's
// (--router-command), read as Linux `ip route`, FRR's vtysh or BIRD's birdc print them. Every docker
// call goes through one runner, so tests can stand in for docker.
import { spawn, spawnSync } from "child_process";
import * as net from "net";
import * as ipaddr from "ipaddr.js";

/**
 * The forwarding image: socat is its entrypoint, so `docker run IMAGE <socat addresses>` is the
 * whole forwarder; it is a few MB, published for amd64 and arm64 (Apple silicon), and the one
 * Testcontainers uses for the same job. Pinned; `--docker-image` overrides it (its entrypoint
 * must be socat, and `socat` must be on its PATH for the reachability probe).
 */
export const DEFAULT_FORWARD_IMAGE = "alpine/socat:1.8.0.3";

/** `ip:port`, or `[ip]:port` for IPv6. */
export function hostPort(ip: string, port: number): string {
    return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** A usage or setup problem (exit code 2): said in one line, no stack trace. */
export class SetupError extends Error {}

export interface CommandResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/** Runs the docker CLI: $VERIFY_DOCKER when set (tests), else `docker` from PATH. */
export interface Docker {
    run(args: string[]): Promise<CommandResult>;
    /** For signal handlers, which cannot wait. */
    runSync(args: string[]): CommandResult;
    readonly command: string;
}

function notFound(command: string, err: NodeJS.ErrnoException): Error {
    return err.code === "ENOENT"
        ? new SetupError(`the docker CLI (${command}) was not found on PATH; --via-docker and --router need it (https://docs.docker.com/get-docker/)`)
        : err;
}

export function dockerCli(env: NodeJS.ProcessEnv = process.env): Docker {
    const command = env.VERIFY_DOCKER || "docker";
    return {
        command,
        run: (args) => new Promise((resolve, reject) => {
            const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
            let stdout = "";
            let stderr = "";
            child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
            child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
            child.on("error", (err: NodeJS.ErrnoException) => reject(notFound(command, err)));
            child.on("close", (status) => resolve({ status, stdout, stderr }));
        }),
        runSync: (args) => {
            const result = spawnSync(command, args, { env, encoding: "utf8" });
            if (result.error) throw notFound(command, result.error as NodeJS.ErrnoException);
            return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "" };
        },
    };
}

const firstLine = (text: string) => text.trim().split("\n")[0] ?? "";
/** docker says what went wrong last (after "Unable to find image …" and pull progress). */
const lastLine = (text: string) => text.trim().split("\n").pop() ?? "";

/** The socat address of a gateway IP and port (IPv6 in brackets). */
export function socatTarget(ip: string, port: number): string {
    return `tcp-connect:${hostPort(ip, port)}`;
}

/** The label of this run's forwarders, so that a ctrl-c can find even one whose `docker run` had not returned yet. */
export const FORWARDER_LABEL = "istio-metallb-ingress.verify";

/** `docker run` of one forwarder: 127.0.0.1:<random> on the host → <ip>:<port> from the docker network. */
export function forwarderRunArgs(network: string, image: string, ip: string, port: number, label = `${FORWARDER_LABEL}=${process.pid}`): string[] {
    return ["run", "-d", "--rm", "--network", network, "--label", label, "-p", `127.0.0.1::${port}`, image, `tcp-listen:${port},fork,reuseaddr`, socatTarget(ip, port)];
}

/** The host port of `docker port <id> <port>/tcp` output (`127.0.0.1:49153`, maybe more lines). */
export function publishedPort(output: string): number | undefined {
    for (const line of output.split("\n")) {
        const m = /:(\d+)\s*$/.exec(line.trim());
        if (m) return Number(m[1]);
    }
    return undefined;
}

/**
 * One long-lived forwarding container per gateway IP and port on a docker network; requests
 * then go to 127.0.0.1:<published port> with the gateway's host as SNI and Host header.
 */
export class DockerForwarders {
    private readonly containers = new Map<string, { id: string; hostPort: number }>();
    private readonly started: string[] = [];

    private readonly label = `${FORWARDER_LABEL}=${process.pid}`;

    constructor(private readonly docker: Docker, readonly network: string, readonly image: string = DEFAULT_FORWARD_IMAGE) {}

    private static key(ip: string, port: number): string {
        return hostPort(ip, port);
    }

    /** Starts the forwarders (in parallel); on any failure the ones started are removed. */
    async start(ips: string[], ports: number[]): Promise<void> {
        const pairs = [...new Set(ips)].flatMap((ip) => [...new Set(ports)].map((port) => ({ ip, port })));
        // Settled, not Promise.all: every run has returned (and its id is known) before any cleanup.
        const settled = await Promise.allSettled(pairs.map(async ({ ip, port }) => {
            const run = await this.docker.run(forwarderRunArgs(this.network, this.image, ip, port, this.label));
            const id = lastLine(run.stdout);
            if (run.status !== 0 || !id) {
                const why = lastLine(run.stderr) || `exit ${run.status}`;
                const hint = /network/i.test(why) ? ` (is ${this.network} a docker network? see \`docker network ls\`)` : "";
                throw new SetupError(`--via-docker ${this.network}: docker run of the forwarder to ${hostPort(ip, port)} failed: ${why}${hint}`);
            }
            this.started.push(id);
            const published = await this.docker.run(["port", id, `${port}/tcp`]);
            const hostPortNumber = publishedPort(published.stdout);
            if (published.status !== 0 || hostPortNumber === undefined) {
                throw new SetupError(`--via-docker ${this.network}: docker port ${id} ${port}/tcp gave no host port: ${lastLine(published.stderr || published.stdout) || `exit ${published.status}`}`);
            }
            this.containers.set(DockerForwarders.key(ip, port), { id, hostPort: hostPortNumber });
        }));
        const failure = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
        if (failure) {
            await this.removeAll();
            throw failure.reason;
        }
    }

    /** Where to connect for `ip:port`. */
    connect = (ip: string, port: number): { host: string; port: number } => {
        const container = this.containers.get(DockerForwarders.key(ip, port));
        if (!container) throw new Error(`no forwarder for ${hostPort(ip, port)}`);
        return { host: "127.0.0.1", port: container.hostPort };
    };

    /** The forwarder of `ip:port` (to run the reachability probe in). */
    containerFor(ip: string, port: number): string | undefined {
        return this.containers.get(DockerForwarders.key(ip, port))?.id;
    }

    /** Ids of the containers not removed yet. */
    get ids(): string[] {
        return [...this.started];
    }

    async removeAll(): Promise<void> {
        const ids = this.started.splice(0);
        if (ids.length > 0) await this.docker.run(["rm", "-f", ...ids]).catch(() => undefined);
    }

    /** The same, synchronously (ctrl-c), with any forwarder of this run whose id was not known yet. */
    removeAllSync(): void {
        const ids = new Set(this.started.splice(0));
        try {
            const listed = this.docker.runSync(["ps", "-aq", "--filter", `label=${this.label}`]);
            for (const id of listed.stdout.split(/\s+/)) if (id) ids.add(id);
            if (ids.size > 0) this.docker.runSync(["rm", "-f", ...ids]);
        } catch {
            // nothing more to do on the way out
        }
    }
}

/** Whether a gateway IP answered a TCP connect. */
export interface Reachability {
    gateway: string;
    ip: string;
    port: number;
    outcome: "answers" | "refused" | "no answer";
    latencyMs?: number;
    /** The low-level reason when it did not answer (ETIMEDOUT, EHOSTUNREACH, socat's message). */
    reason?: string;
}

/** TCP connect from this machine. */
export function tcpProbe(host: string, port: number, timeoutMs: number): Promise<Pick<Reachability, "outcome" | "latencyMs" | "reason">> {
    const started = Date.now();
    return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        const done = (result: Pick<Reachability, "outcome" | "latencyMs" | "reason">) => {
            socket.destroy();
            resolve(result);
        };
        socket.setTimeout(timeoutMs, () => done({ outcome: "no answer", reason: `no answer within ${timeoutMs} ms` }));
        socket.once("connect", () => done({ outcome: "answers", latencyMs: Date.now() - started }));
        socket.once("error", (err: NodeJS.ErrnoException) => done({ outcome: err.code === "ECONNREFUSED" ? "refused" : "no answer", reason: err.code ?? err.message }));
    });
}

/** TCP connect from the docker network: socat inside the forwarder, `/dev/null` to the gateway. */
export async function dockerProbe(docker: Docker, container: string, ip: string, port: number, timeoutMs: number): Promise<Pick<Reachability, "outcome" | "latencyMs" | "reason">> {
    const started = Date.now();
    const seconds = Math.max(1, Math.round(timeoutMs / 1000));
    const run = await docker.run(["exec", container, "socat", "-T1", "/dev/null", `${socatTarget(ip, port)},connect-timeout=${seconds}`]);
    if (run.status === 0) return { outcome: "answers", latencyMs: Date.now() - started };
    const reason = lastLine(run.stderr) || `docker exec exited with ${run.status}`;
    return { outcome: /refused/i.test(reason) ? "refused" : "no answer", reason };
}

/** One line per gateway IP, before the checks: does the address answer at all? */
export function reachabilityLine(r: Reachability, viaDocker?: string): string {
    const where = `reachable  ${r.gateway}  ${r.ip}:`;
    const via = viaDocker ? ` via docker network ${viaDocker}` : "";
    switch (r.outcome) {
        case "answers":
            return `${where} answers on port ${r.port}${via} (${r.latencyMs ?? 0} ms)`;
        case "refused":
            return `${where} connection refused on port ${r.port}${via} (is the gateway's Service up, with ready pods? or does a firewall on the way refuse it?)`;
        case "no answer": {
            const hint = viaDocker
                ? `is ${r.ip} an address of the docker network ${viaDocker}? see \`docker network inspect ${viaDocker}\``
                : "is the MetalLB address reachable from this machine? On Docker Desktop use --via-docker kind, or --via-docker minikube";
            return `${where} no answer${via} (${hint})${r.reason ? ` [${r.reason}]` : ""}`;
        }
    }
}

/** `docker exec <router> ip [-6] route show <ip>`. */
export function routeCommand(router: string, ip: string): string[] {
    return ["exec", router, "ip", ...(ip.includes(":") ? ["-6"] : []), "route", "show", ip];
}

/** One route of a router's answer for a gateway IP, whichever tool printed it. */
export interface ParsedRoute {
    /** The destination as the tool prints it: `10.30.0.10`, `10.30.0.10/32`, `10.30.0.0/24`, `default`. */
    prefix: string;
    /** `unicast` (or BIRD's `multipath`, `recursive`), or a route that drops: `unreachable`, `blackhole`, `prohibit(ed)`, `throw`. */
    type: string;
    /** The protocol, where the tool says it: `proto bgp`, FRR's `Known via "bgp"`, BIRD's protocol name. */
    protocol?: string;
    nextHops: string[];
    /** The tool's line for the route (said when it has no next hop). */
    line: string;
}

export type RouterFormat = "ip route" | "frr" | "bird";

export interface RouterOutput {
    format: RouterFormat;
    routes: ParsedRoute[];
    /** The tool said it has no route (`% Network not in table`, `Network not found`). */
    noRoute: boolean;
}

const isAddress = (token: string) => net.isIP(token) !== 0;
/** An address token as the tools print it, without what sticks to it (`10.0.0.1,`, `10.0.0.1(vrf red)`). */
const addressToken = (text: string): string | undefined => {
    const token = text.trim().split(/[\s,;()]/)[0];
    return isAddress(token) ? token : undefined;
};
const DROPS = /^(unreachable|blackhole|prohibit|prohibited|throw)$/;
/** FRR's and Cisco's `% Network not in table`, BIRD's `Network not found` (`8001 Network not found` with birdc -v). */
const NO_ROUTE = /^(?:%\s*Network not in (?:table|FIB)|(?:8001[ -])?Network not found)\b/m;

/**
 * Linux `ip [-6] route show <ip>` (and `ip route get`): one line per route, `<dst> [nhid N] via <hop>
 * dev <if> proto bgp metric 20`, or for ECMP `<dst> proto bgp metric 20` followed by one
 * `\tnexthop via <hop> dev <if> weight 1` line per path; `via inet6 <hop>` for an IPv6 next hop of an
 * IPv4 route; a type first for a route that drops (`unreachable <dst> …`). (iproute2 ip/iproute.c)
 */
function parseIpRoute(lines: string[]): ParsedRoute[] {
    const routes: ParsedRoute[] = [];
    for (const line of lines) {
        if (/^\s/.test(line)) {
            // `\tnexthop via …` of the route above (or `    cache` of ip route get).
            routes.at(-1)?.nextHops.push(...viaHops(line));
            continue;
        }
        const m = /^(?:(unicast|local|broadcast|anycast|multicast|unreachable|blackhole|prohibit|throw|nat)\s+)?(\S+)/.exec(line);
        if (!m || !(m[2] === "default" || isAddress(m[2].split("/")[0]))) continue;
        routes.push({ prefix: m[2], type: m[1] ?? "unicast", protocol: /\bproto\s+(\S+)/.exec(line)?.[1], nextHops: viaHops(line), line: line.trim() });
    }
    return routes;
}

function viaHops(line: string): string[] {
    return [...line.matchAll(/\bvia\s+(?:inet6?\s+)?(\S+)/g)].map((m) => addressToken(m[1])).filter((a): a is string => !!a);
}

/**
 * FRR `show ip route <ip>` / `show ipv6 route <ip>` (zebra's detailed view, zebra/zebra_vty.c): per
 * route `Routing entry for <prefix>`, `  Known via "bgp", distance 20, metric 0, best`, then one line
 * per next hop, `  * 10.20.0.21, via eth0, weight 1` (`*` installed; a resolved hop of a recursive
 * one is indented two more and left out: the recursive one is what BGP announced), `  * directly
 * connected, eth0`, `  unreachable (blackhole)`. Cisco IOS prints the same shape.
 */
function parseFrr(lines: string[]): ParsedRoute[] {
    const routes: ParsedRoute[] = [];
    let recursiveParent = false;
    for (const line of lines) {
        const entry = /^Routing entry for (\S+)/.exec(line);
        if (entry) {
            routes.push({ prefix: entry[1], type: "unicast", nextHops: [], line: line.trim() });
            recursiveParent = false;
            continue;
        }
        const route = routes.at(-1);
        if (!route) continue;
        const known = /^\s+Known via "([^"]+)"/.exec(line);
        if (known) {
            route.protocol = known[1];
            continue;
        }
        const hop = /^ {2}[*qtdor ]( +)(\S.*)$/.exec(line);
        if (!hop) continue;
        if (hop[1].length > 1 && recursiveParent) continue; // resolving a recursive next hop
        const address = addressToken(hop[2]);
        if (address) {
            route.nextHops.push(address);
            recursiveParent = /\(recursive\)/.test(hop[2]);
        } else if (/^unreachable\b/.test(hop[2]) && route.nextHops.length === 0) {
            route.type = /\(blackhole\)/.test(hop[2]) ? "blackhole" : /prohibited/.test(hop[2]) ? "prohibit" : "unreachable";
        }
    }
    return routes;
}

/**
 * BIRD `birdc show route for <ip>` (nest/rt-show.c): after `BIRD 2.x ready.` and `Table master4:`,
 * per route `10.30.0.10/32        unicast [tor 12:00:00.000] * (100) [AS64512i]` (the network only
 * on its first route, `*` the primary one) and one `\tvia 10.20.0.21 on eth0` line per next hop
 * (`weight N` after each for ECMP); BIRD 1.6 puts a single `via 10.20.0.21 on eth0` in the route
 * line instead of `unicast`, and `multipath` before `\tvia` lines. Every route counts: each is a
 * neighbor's announcement; the primary's next hops come first.
 */
function parseBird(lines: string[]): ParsedRoute[] {
    const routes: (ParsedRoute & { primary: boolean })[] = [];
    let prefix = "";
    for (const line of lines) {
        const head = /^(\S*)\s+(unicast|multipath|recursive|blackhole|unreachable|prohibited|via\s+\S+\s+on\s+\S+|dev\s+\S+)?\s*\[(\S+)\s[^\]]*\](.*)$/.exec(line);
        if (head && !line.startsWith("\t")) {
            prefix = head[1] || prefix;
            const dest = head[2] ?? "";
            routes.push({
                prefix, type: DROPS.test(dest) ? dest : "unicast", protocol: head[3], nextHops: viaHops(dest), line: line.trim().replace(/\s+/g, " "),
                primary: /^\s*[*!]/.test(head[4]),
            });
            continue;
        }
        if (/^\s+via\s/.test(line)) routes.at(-1)?.nextHops.push(...viaHops(line));
    }
    return [...routes.filter((r) => r.primary), ...routes.filter((r) => !r.primary)].map(({ primary: _, ...r }) => r);
}

/** A router's answer for one gateway IP, from Linux `ip route`, FRR's vtysh or BIRD's birdc. */
export function parseRouterOutput(output: string): RouterOutput {
    const lines = output.replace(/\r/g, "").split("\n").filter((l) => l.trim() !== "");
    const noRoute = NO_ROUTE.test(output);
    if (lines.some((l) => /^Routing entry for \S/.test(l))) return { format: "frr", routes: parseFrr(lines), noRoute };
    const bird = lines.some((l) => /^BIRD \S+ ready\.$/.test(l) || /^Table \S+:$/.test(l) || /^\S+\/\d+\s.*\[\S+\s[^\]]*\]/.test(l));
    if (bird) return { format: "bird", routes: parseBird(lines), noRoute };
    return { format: "ip route", routes: parseIpRoute(lines), noRoute };
}

/** The next hops of a router's answer, each once: `nexthop via X` lines (ECMP) or a single `via X`, FRR's `* X, via eth0`, BIRD's `via X on eth0`. */
export function nextHops(output: string): string[] {
    return [...new Set(parseRouterOutput(output).routes.flatMap((r) => r.nextHops))];
}

/** A router's route to one gateway IP. */
export interface RouteCheck {
    gateway: string;
    ip: string;
    passed: boolean;
    nextHops: string[];
    detail: string;
}

const isDefault = (prefix: string) => prefix === "default" || /\/0$/.test(prefix);

/** Whether a route's destination is the address itself (`10.30.0.10`, `10.30.0.10/32`, `fd00::10/128`). */
function isHostRoute(prefix: string, ip: string): boolean {
    const [address, length] = prefix.split("/");
    if (!isAddress(address) || !isAddress(ip) || (length !== undefined && length !== (address.includes(":") ? "128" : "32"))) return false;
    return ipaddr.parse(address).toNormalizedString() === ipaddr.parse(ip).toNormalizedString();
}

/** How a router is named in the route lines: `router frr` (a container), `router command \`…\``. */
export interface RouterName {
    /** Who answered, in a failure: `router frr`. */
    who: string;
    /** After a passing route's next hops: `router frr`, `router command`. */
    tag: string;
    /** What to look at when the route is missing. */
    hint: string;
}

/**
 * Judges a router's answer for one gateway IP: passes with its next hops (or a route without one,
 * directly connected); fails no route, only the default route, or a route that drops (unreachable,
 * blackhole, prohibit), and output that names no route at all.
 */
export function judgeRoute(name: RouterName, gateway: string, ip: string, output: string): RouteCheck {
    const base = { gateway, ip, nextHops: [] as string[] };
    const parsed = parseRouterOutput(output);
    const noRoute = noRouteCheck(name, gateway, ip);
    if (parsed.noRoute || output.trim() === "") return noRoute;
    if (parsed.routes.length === 0) {
        // Only BIRD's greeting and table name: nothing for the address.
        return parsed.format === "bird" ? noRoute : { ...base, passed: false, detail: `${name.who} printed no route to ${ip}: ${firstLine(output)}` };
    }
    const routes = parsed.routes.filter((r) => !isDefault(r.prefix));
    if (routes.length === 0) return { ...base, passed: false, detail: `${name.who} has only the default route (${parsed.routes[0].prefix}) for ${ip}, none announced for it ${name.hint}` };
    const forwarding = routes.filter((r) => !DROPS.test(r.type));
    if (forwarding.length === 0) {
        const type = routes[0].type;
        return { ...base, passed: false, detail: `${name.who} has ${/^[aeiou]/.test(type) ? "an" : "a"} ${type} route to ${ip} ${name.hint}` };
    }
    const hops = [...new Set(forwarding.flatMap((r) => r.nextHops))];
    // A covering prefix (an aggregate, or another route) is named; the address's own route is not.
    const covering = forwarding.find((r) => !isHostRoute(r.prefix, ip));
    const tag = covering ? `${name.tag}, route ${covering.prefix}` : name.tag;
    return hops.length > 0
        ? { ...base, passed: true, nextHops: hops, detail: `${hops.length > 1 ? "nexthop via" : "via"} ${hops.join(", ")} (${tag})` }
        : { ...base, passed: true, detail: `${forwarding[0].line} (${tag}, no next hop)` };
}

function noRouteCheck(name: RouterName, gateway: string, ip: string): RouteCheck {
    return { gateway, ip, nextHops: [], passed: false, detail: `${name.who} has no route to ${ip} ${name.hint}` };
}

/** `docker exec <router> ip route show <ip>`: the routes a BGP router container installed. */
export async function checkRoute(docker: Docker, router: string, gateway: string, ip: string): Promise<RouteCheck> {
    const run = await docker.run(routeCommand(router, ip));
    if (run.status !== 0) {
        return { gateway, ip, nextHops: [], passed: false, detail: `docker exec ${router} ${routeCommand(router, ip).slice(2).join(" ")} failed: ${lastLine(run.stderr) || `exit ${run.status}`}` };
    }
    return judgeRoute({ who: `router ${router}`, tag: `router ${router}`, hint: `(is the BGP session up? docker exec ${router} vtysh -c "show bgp summary")` }, gateway, ip, run.stdout.trim());
}

/** Where `--router-command` puts each gateway address. */
export const IP_PLACEHOLDER = "{ip}";

/**
 * Whether `ip` may go into a shell command as it is: an IPv4 or IPv6 address, written only with
 * digits, hex letters, dots and colons, none of which a shell (or the one ssh starts on the router)
 * treats specially in any quoting: no spaces, quotes, `$`, globs, `;`, not even an IPv6 zone (`%eth0`).
 */
export function isShellSafeAddress(ip: string): boolean {
    return /^[0-9A-Fa-f:.]+$/.test(ip) && isAddress(ip);
}

/** The command with every `{ip}` replaced by the address; refuses an address that is not one. */
export function routerCommandFor(template: string, ip: string): string {
    if (!isShellSafeAddress(ip)) throw new SetupError(`${JSON.stringify(ip)} is not an IP address; --router-command runs nothing with it`);
    return template.split(IP_PLACEHOLDER).join(ip);
}

export interface ShellResult extends CommandResult {
    timedOut: boolean;
}

/** The most of a router's answer that is read (a route is a few lines; this is a full table). */
const MAX_OUTPUT = 1 << 20;

/**
 * `sh -c <command>` on this machine, stdin closed (ssh cannot ask for a password), killed with its
 * whole process group (ssh, pipes) after `timeoutMs`.
 */
export function runShell(command: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<ShellResult> {
    return new Promise((resolve) => {
        let stdout = "";
        let stderr = "";
        let done = false;
        const finish = (result: Omit<ShellResult, "stdout" | "stderr">) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve({ ...result, stdout, stderr });
        };
        // Its own process group, so that a timeout ends what it started too.
        const child = spawn("sh", ["-c", command], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
        const timer = setTimeout(() => {
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                child.kill("SIGKILL");
            }
            finish({ status: null, timedOut: true });
        }, timeoutMs);
        child.stdout.on("data", (chunk: Buffer) => { if (stdout.length < MAX_OUTPUT) stdout += chunk.toString("utf8"); });
        child.stderr.on("data", (chunk: Buffer) => { if (stderr.length < MAX_OUTPUT) stderr += chunk.toString("utf8"); });
        child.on("error", (err) => { stderr += err.message; finish({ status: null, timedOut: false }); });
        child.on("close", (status) => finish({ status, timedOut: false }));
    });
}

/**
 * `--router-command`: the command with `{ip}` replaced by the gateway address, run through `sh -c`
 * on this machine (`ssh tor-a ip route show {ip}`, `birdc show route for {ip}`, …); its output is
 * read as `ip route`, FRR's or BIRD's.
 */
export async function checkRouteCommand(template: string, gateway: string, ip: string, timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<RouteCheck> {
    const command = routerCommandFor(template, ip);
    const name: RouterName = { who: `router command \`${command}\``, tag: "router command", hint: "(is the BGP session up? see the router's BGP summary)" };
    const base = { gateway, ip, nextHops: [] as string[] };
    const run = await runShell(command, timeoutMs, env);
    if (run.timedOut) return { ...base, passed: false, detail: `${name.who} did not finish within ${timeoutMs / 1000} s (--request-timeout)` };
    // birdc exits 1 with `Network not found`, vtysh with `% Network not in table`: no route, not a broken command.
    if (NO_ROUTE.test(run.stdout) || NO_ROUTE.test(run.stderr)) return noRouteCheck(name, gateway, ip);
    if (run.status !== 0) {
        return { ...base, passed: false, detail: `${name.who} failed (exit ${run.status ?? "?"}): ${lastLine(run.stderr) || lastLine(run.stdout) || "no output"}` };
    }
    return judgeRoute(name, gateway, ip, run.stdout.trim());
}

export function routeLine(r: RouteCheck): string {
    return `route      ${r.gateway}  ${r.ip}: ${r.passed ? "PASS" : "FAIL"}  ${r.detail}`;
}
