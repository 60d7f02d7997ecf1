// The network side of `npm run verify`: reaching gateway IPs through forwarding containers on a
// docker network (--via-docker, for Docker Desktop, whose host cannot reach the kind/minikube
// network), whether each gateway IP answers at all, and a BGP router container's routes to the
// IPs (--router). Every docker call goes through one runner, so tests can stand in for docker.
import { spawn, spawnSync } from "child_process";
import * as net from "net";

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

/** The next hops of `ip route show` output: `nexthop via X` lines (ECMP) or a single `via X`. */
export function nextHops(output: string): string[] {
    return [...output.matchAll(/\bvia\s+(?:inet6?\s+)?(\S+)/g)].map((m) => m[1]);
}

/** A router's route to one gateway IP. */
export interface RouteCheck {
    gateway: string;
    ip: string;
    passed: boolean;
    nextHops: string[];
    detail: string;
}

export async function checkRoute(docker: Docker, router: string, gateway: string, ip: string): Promise<RouteCheck> {
    const run = await docker.run(routeCommand(router, ip));
    const base = { gateway, ip, nextHops: [] as string[] };
    if (run.status !== 0) {
        return { ...base, passed: false, detail: `docker exec ${router} ${routeCommand(router, ip).slice(2).join(" ")} failed: ${lastLine(run.stderr) || `exit ${run.status}`}` };
    }
    const output = run.stdout.trim();
    const bgp = `(is the BGP session up? docker exec ${router} vtysh -c "show bgp summary")`;
    if (!output) return { ...base, passed: false, detail: `router ${router} has no route to ${ip} ${bgp}` };
    if (/^(unreachable|blackhole|prohibit)\b/.test(output)) return { ...base, passed: false, detail: `router ${router} has an ${output.split(/\s/)[0]} route to ${ip} ${bgp}` };
    const hops = nextHops(output);
    return hops.length > 0
        ? { ...base, passed: true, nextHops: hops, detail: `${hops.length > 1 ? "nexthop via" : "via"} ${hops.join(", ")} (router ${router})` }
        : { ...base, passed: true, detail: `${firstLine(output)} (router ${router}, no next hop)` };
}

export function routeLine(r: RouteCheck): string {
    return `route      ${r.gateway}  ${r.ip}: ${r.passed ? "PASS" : "FAIL"}  ${r.detail}`;
}
