// `npm run charts:pull [-- --dest <dir>]`: downloads every pinned chart (model/charts.ts) with
// `helm pull`, and the Gateway API CRD manifest, into .charts/ (or <dir>). Needs network; files
// already there are kept. Then: `INGRESS_CHARTS_DIR=.charts npm test` runs the helm render tests.
// Without network it ends with one paragraph naming the files to copy from a machine that has it,
// and removes the folder again if it made it and it is still empty.
import * as fs from "fs";
import * as path from "path";
import { CHARTS, ChartSource, GATEWAY_API_CRDS, gatewayApiManifestFile, packagedChartFile } from "../model/charts";
import { CHARTS_DIR_ENV } from "../test/render/charts";
import { PROJECT_ROOT, helmBinary, runHelm } from "../test/render/helm";

export const USAGE = "usage: npm run charts:pull [-- --dest DIR]   (default DIR: .charts)";

/** The `helm pull` arguments for one chart into `dest`. */
export function pullArgs(source: ChartSource, dest: string): string[] {
    const ref = source.repository.startsWith("oci://")
        ? [`${source.repository.replace(/\/+$/, "")}/${source.chart}`]
        : [source.chart, "--repo", source.repository];
    return ["pull", ...ref, "--version", source.version, "--destination", dest];
}

/** Where the Gateway API release publishes its CRD manifest. */
export function gatewayApiManifestUrl(): string {
    return `${GATEWAY_API_CRDS.repository}/${GATEWAY_API_CRDS.version}/${GATEWAY_API_CRDS.channel}-install.yaml`;
}

async function download(url: string, file: string): Promise<void> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${response.statusText}`);
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, Buffer.from(await response.arrayBuffer()));
    fs.renameSync(temporary, file);
}

/** How charts:pull reaches the network; replaced in tests. */
export interface PullTools {
    /** Runs helm with these arguments (default: the discovered helm, see test/render/helm.ts). */
    helm: (args: string[]) => Promise<unknown>;
    /** Fetches `url` into `file`. */
    download: (url: string, file: string) => Promise<void>;
    /** Throws when there is no usable helm; called once, before the first pull. */
    checkHelm: () => void;
}

const DEFAULT_TOOLS: PullTools = { helm: (args) => runHelm(args), download, checkHelm: () => void helmBinary() };

/** One file that could not be fetched. */
export interface PullFailure {
    file: string;
    message: string;
    /** The failure looks like no network at all (DNS, refused, unreachable, timed out). */
    network: boolean;
}

const NETWORK_CODES = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "UND_ERR_CONNECT_TIMEOUT", "UND_ERR_SOCKET"]);
const NETWORK_TEXT = /no such host|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|connection refused|i\/o timeout|ETIMEDOUT|timed out|timeout exceeded|deadline exceeded|network is unreachable|no route to host|temporary failure in name resolution|server misbehaving|dial tcp|getaddrinfo/i;

/** Whether an error (or its cause, as fetch reports it) means the network cannot be reached. */
export function isNetworkError(err: unknown): boolean {
    for (let e = err as (Error & { code?: string; cause?: unknown }) | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
        if (typeof e.code === "string" && NETWORK_CODES.has(e.code)) return true;
        if (typeof e.message === "string" && NETWORK_TEXT.test(e.message)) return true;
    }
    return false;
}

function messageOf(err: unknown): string {
    const cause = (err as Error & { cause?: Error & { code?: string } }).cause;
    return `${(err as Error).message}${cause ? ` (${cause.code ? `${cause.code}: ` : ""}${cause.message})` : ""}`;
}

/** Every file charts:pull puts in the folder: the pinned charts (each once), then the Gateway API manifest. */
export function wantedFiles(): string[] {
    const charts = new Set(Object.values(CHARTS).map((s: ChartSource) => packagedChartFile(s.chart, s.version)));
    return [...charts, gatewayApiManifestFile(GATEWAY_API_CRDS.version, GATEWAY_API_CRDS.channel)];
}

/**
 * Pulls every pinned chart and the Gateway API manifest into `dest`, keeping files already
 * there; resolves with the failures (empty when everything is in place). A folder it had to
 * create is removed again when it ends up empty (only folders it created, only when empty).
 */
export async function pullCharts(dest: string, log: (line: string) => void = console.log, tools: Partial<PullTools> = {}): Promise<PullFailure[]> {
    const { helm, download: fetchFile, checkHelm } = { ...DEFAULT_TOOLS, ...tools };
    const created = fs.mkdirSync(dest, { recursive: true });
    const failures: PullFailure[] = [];
    try {
        // Roles may share a chart file: pull each file once.
        const sources = new Map(Object.values(CHARTS).map((s: ChartSource) => [packagedChartFile(s.chart, s.version), s]));
        let helmChecked = false;
        for (const [file, source] of sources) {
            if (fs.existsSync(path.join(dest, file))) {
                log(`present   ${file}`);
                continue;
            }
            // No helm at all is one message, not one per chart.
            if (!helmChecked) {
                checkHelm();
                helmChecked = true;
            }
            try {
                await helm(pullArgs(source, dest));
                if (!fs.existsSync(path.join(dest, file))) throw new Error(`helm pull did not write ${file}`);
                log(`pulled    ${file}  (${source.repository})`);
            } catch (err) {
                failures.push({ file, message: (err as Error).message, network: isNetworkError(err) });
            }
        }
        const manifest = gatewayApiManifestFile(GATEWAY_API_CRDS.version, GATEWAY_API_CRDS.channel);
        if (fs.existsSync(path.join(dest, manifest))) {
            log(`present   ${manifest}`);
        } else {
            try {
                await fetchFile(gatewayApiManifestUrl(), path.join(dest, manifest));
                log(`fetched   ${manifest}  (${gatewayApiManifestUrl()})`);
            } catch (err) {
                failures.push({ file: manifest, message: messageOf(err), network: isNetworkError(err) });
            }
        }
    } finally {
        if (created) removeIfEmpty(dest, created);
    }
    return failures;
}

/** Removes `dir` and its parents up to `top` (the first folder mkdir created), each only while empty. */
function removeIfEmpty(dir: string, top: string): void {
    for (let at = path.resolve(dir); ; at = path.dirname(at)) {
        try {
            if (fs.readdirSync(at).length > 0) return;
            fs.rmdirSync(at);
        } catch {
            return;
        }
        if (at === path.resolve(top) || path.dirname(at) === at) return;
    }
}

/** A folder as the user would type it: relative to the project when inside it. */
function shown(dir: string): string {
    const relative = path.relative(PROJECT_ROOT, dir);
    return relative === "" ? "." : relative.startsWith("..") || path.isAbsolute(relative) ? dir : relative;
}

/** The closing paragraph when the network is out of reach. */
export function offlineAdvice(failures: PullFailure[], dest: string): string {
    const where = shown(dest);
    return [
        "charts:pull: no network: the chart repositories and github.com cannot be reached from this machine.",
        `Copy these files from a machine that has network (run \`npm run charts:pull\` there) into ${where}/:`,
        ...failures.map((f) => `  ${f.file}`),
        `or point ${CHARTS_DIR_ENV} at a folder that holds them (${CHARTS_DIR_ENV}=/path/to/charts npm test).`,
    ].join("\n");
}

export interface Io {
    out: (line: string) => void;
    err: (line: string) => void;
}

const CONSOLE: Io = { out: (l) => console.log(l), err: (l) => console.error(l) };

/** Parses the flags; undefined dest means the default. Throws a usage error. */
export function parseArgs(argv: string[]): { dest?: string; help?: boolean } {
    let dest: string | undefined;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--help" || arg === "-h") return { help: true };
        if (arg === "--dest") {
            dest = argv[++i];
            if (!dest || dest.startsWith("--")) throw new Error("--dest needs a folder");
        } else if (arg.startsWith("--dest=")) {
            dest = arg.slice("--dest=".length);
            if (!dest) throw new Error("--dest needs a folder");
        } else {
            throw new Error(`unknown argument ${arg}`);
        }
    }
    return { dest };
}

/** The command: 0 when every file is in place, 1 when some could not be fetched, 2 on bad usage or no helm. */
export async function main(argv: string[], io: Io = CONSOLE, tools: Partial<PullTools> = {}): Promise<number> {
    let args: ReturnType<typeof parseArgs>;
    try {
        args = parseArgs(argv);
    } catch (err) {
        io.err(`charts:pull: ${(err as Error).message}\n${USAGE}`);
        return 2;
    }
    if (args.help) {
        io.out(USAGE);
        return 0;
    }
    const dest = path.resolve(PROJECT_ROOT, args.dest ?? ".charts");
    let failures: PullFailure[];
    try {
        failures = await pullCharts(dest, io.out, tools);
    } catch (err) {
        // No usable helm (see test/render/helm.ts): one message saying every way to get one.
        io.err(`charts:pull: ${(err as Error).message}`);
        return 2;
    }
    if (failures.length > 0) {
        io.err(`charts:pull: ${failures.length} failed:\n  ${failures.map((f) => `${f.file}: ${f.message}`).join("\n  ")}`);
        if (failures.some((f) => f.network)) io.err(`\n${offlineAdvice(failures, dest)}`);
        return 1;
    }
    io.out(`Charts are in ${shown(dest)}; run the render tests with: ${CHARTS_DIR_ENV}=${shown(dest)} npm test`);
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
        console.error(err);
        process.exit(1);
    });
}
