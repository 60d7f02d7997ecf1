// From the program's registered Helm charts to the Kubernetes objects helm renders for them:
// capture each release as the program passed it, render it with `helm template` (cached on disk
// by input hash, several at a time) and parse the manifests.
import { spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { parseAllDocuments } from "yaml";
import { ChartTree, chartArchive, loadChart } from "./charts";
import { CACHE_DIR, helmBinary, runHelm } from "./helm";

/**
 * The Kubernetes version the charts are rendered for: the oldest we support. The charts'
 * `kubeVersion` constraints (metallb, prometheus: >= 1.19) all admit it; helm fails the render if not.
 */
export const KUBE_VERSION = "1.29.0";

/** Pulumi type token of the charts the program registers. */
export const CHART_TYPE = "kubernetes:helm.sh/v4:Chart";

/** A resource as registered under mocks: type token, name and inputs. */
export interface ProgramResource {
    type: string;
    name: string;
    inputs: Record<string, any>;
}

/** What the render tests need of an evaluation (test/helpers/mocks' Evaluation is one). */
export interface ProgramEvaluation {
    resources: readonly ProgramResource[];
}

/** One Helm release as the program registered it. */
export interface CapturedRelease {
    /** Pulumi name of the Chart resource. */
    resource: string;
    /** Helm release name. */
    release: string;
    /** Chart name, or a path to a local chart. */
    chart: string;
    version?: string;
    namespace: string;
    /** The values exactly as passed (secrets unwrapped). */
    values: Record<string, any>;
    repository?: string;
    /** Pulumi installs the chart's crds/ unless skipCrds is set. */
    includeCrds: boolean;
    /** Value paths still unknown (an Output that never resolved): helm would see a placeholder. */
    unknownValues: string[];
    /** The chart's post-renderer: Chart v4 pipes helm's output through it (stdin to stdout). */
    postRenderer?: { command: string; args: string[] };
}

/** A rendered Kubernetes object. */
export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
    spec?: any;
    [field: string]: any;
}

/** A release with its chart and what helm rendered (objects are shared between callers: read only). */
export interface RenderedRelease {
    release: CapturedRelease;
    chart: ChartTree;
    /** The packaged chart rendered. */
    file: string;
    /** Rendered objects, hooks and tests left out as Pulumi leaves them out. */
    objects: K8sObject[];
    /** Set when helm refused to render (values schema, kubeVersion, a `fail` in a template…). */
    error?: string;
}

/** Pulumi marks secrets with a signature key and leaves unknowns as a sentinel string. */
function plainValues(value: unknown, at: string, unknown: string[]): any {
    if (value === rpc.unknownValue) {
        unknown.push(at || "(root)");
        return value;
    }
    if (Array.isArray(value)) return value.map((v, i) => plainValues(v, `${at}[${i}]`, unknown));
    if (typeof value === "object" && value !== null) {
        const record = value as Record<string, unknown>;
        if (record[rpc.specialSigKey] === rpc.specialSecretSig) return plainValues(record.value, at, unknown);
        return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plainValues(v, at ? `${at}.${k}` : k, unknown)]));
    }
    return value;
}

/** Every Helm chart the program registered, as helm will get it. */
export function captureReleases(evaluation: ProgramEvaluation): CapturedRelease[] {
    return evaluation.resources
        .filter((r) => r.type === CHART_TYPE)
        .map((r) => {
            const unknownValues: string[] = [];
            const inputs = plainValues(r.inputs, "", unknownValues) as Record<string, any>;
            return {
                resource: r.name,
                // Pulumi names the release after the resource when no name is given.
                release: inputs.name ?? r.name,
                chart: inputs.chart,
                version: inputs.version,
                namespace: inputs.namespace ?? "default",
                values: inputs.values ?? {},
                repository: inputs.repositoryOpts?.repo,
                includeCrds: inputs.skipCrds !== true,
                unknownValues,
                ...(inputs.postRenderer ? { postRenderer: { command: inputs.postRenderer.command, args: inputs.postRenderer.args ?? [] } } : {}),
            };
        });
}

/** Charts (and other files) a set of releases needs that are not there. */
export function missingCharts(releases: CapturedRelease[]): string[] {
    return [...new Set(releases.map((r) => chartArchive(r.chart, r.version).missing).filter((m): m is string => !!m))];
}

/** The `helm template` arguments for a release (values come on standard input). */
export function helmTemplateArgs(release: CapturedRelease, chartFile: string): string[] {
    return [
        "template", release.release, chartFile,
        "--namespace", release.namespace,
        "--kube-version", KUBE_VERSION,
        "--values", "-",
        ...(release.includeCrds ? ["--include-crds"] : []),
    ];
}

/**
 * Drops CRD validation schemas before parsing: no check reads them and they are most of the
 * text (Istio's base chart: 870 kB of 880 kB), which the YAML parser is slow on.
 */
function withoutCrdSchemas(manifest: string): string {
    const out: string[] = [];
    let skipDeeperThan = -1;
    for (const line of manifest.split("\n")) {
        const indent = line.search(/\S/);
        if (skipDeeperThan >= 0) {
            if (indent < 0 || indent > skipDeeperThan) continue;
            skipDeeperThan = -1;
        }
        const m = /^(\s*)openAPIV3Schema:\s*$/.exec(line);
        if (m) {
            skipDeeperThan = m[1].length;
            out.push(`${m[1]}openAPIV3Schema: {}`);
        } else {
            out.push(line);
        }
    }
    return out.join("\n");
}

/** Kubernetes objects of a multi-document manifest (CRD schemas left out, see above). */
export function parseManifests(manifest: string): K8sObject[] {
    return parseAllDocuments(withoutCrdSchemas(manifest))
        .map((doc) => doc.toJS())
        .filter((o): o is K8sObject => typeof o === "object" && o !== null && typeof o.kind === "string");
}

const isHook = (o: K8sObject) => o.metadata?.annotations?.["helm.sh/hook"] !== undefined;

const fileHashes = new Map<string, string>();
function hashFile(file: string): string {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) return `${file}:${stat.mtimeMs}`;
    const id = `${file}:${stat.size}:${stat.mtimeMs}`;
    if (!fileHashes.has(id)) fileHashes.set(id, createHash("sha256").update(fs.readFileSync(file)).digest("hex"));
    return fileHashes.get(id)!;
}

function helmIdentity(): string {
    const binary = helmBinary();
    const stat = fs.statSync(binary);
    return `${binary}:${stat.size}:${stat.mtimeMs}`;
}

const RENDER_CACHE = path.join(CACHE_DIR, "render");

/** Parallel test runs share the cache: a file appears whole or not at all. */
function writeAtomically(file: string, content: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    fs.writeFileSync(temporary, content);
    fs.renameSync(temporary, file);
}
const HELM_HOME = path.join(CACHE_DIR, "helm-home");
const inFlight = new Map<string, Promise<{ objects: K8sObject[] } | { error: string }>>();

/** Renders one release (from the disk cache when the same chart, values and arguments were rendered before). */
export async function renderRelease(release: CapturedRelease): Promise<RenderedRelease> {
    const { file, missing } = chartArchive(release.chart, release.version);
    if (!file) throw new Error(`chart for release ${release.release} not available: ${missing}`);
    const chart = loadChart(file);
    const args = helmTemplateArgs(release, file);
    const values = JSON.stringify(release.values);
    const cacheKey = createHash("sha256")
        .update(JSON.stringify([helmIdentity(), hashFile(file), values, args.filter((a) => a !== file), release.postRenderer ?? null]))
        .digest("hex");
    let pending = inFlight.get(cacheKey);
    if (!pending) {
        pending = (async () => {
            const cached = path.join(RENDER_CACHE, `${cacheKey}.yaml`);
            // The parsed objects too: parsing is most of the time a cached render takes.
            const parsed = path.join(RENDER_CACHE, `${cacheKey}.json`);
            if (fs.existsSync(parsed)) return { objects: JSON.parse(fs.readFileSync(parsed, "utf8")) as K8sObject[] };
            let manifest: string;
            if (fs.existsSync(cached)) {
                manifest = fs.readFileSync(cached, "utf8");
            } else {
                try {
                    // A private helm home: no user repositories or plugins change the result.
                    const env = { ...process.env, HELM_CACHE_HOME: HELM_HOME, HELM_CONFIG_HOME: HELM_HOME, HELM_DATA_HOME: HELM_HOME };
                    manifest = await runHelm(args, { input: values, env });
                    // As Chart v4 does: helm's output through the post-renderer, stdin to stdout.
                    if (release.postRenderer) manifest = await runCommand(release.postRenderer.command, release.postRenderer.args, manifest);
                } catch (err) {
                    return { error: (err as Error).message };
                }
                writeAtomically(cached, manifest);
            }
            const objects = parseManifests(manifest).filter((o) => !isHook(o));
            writeAtomically(parsed, JSON.stringify(objects));
            return { objects };
        })();
        inFlight.set(cacheKey, pending);
    }
    const result = await pending;
    return "error" in result ? { release, chart, file, objects: [], error: result.error } : { release, chart, file, objects: result.objects };
}

/** Runs a command with `input` on its standard input; resolves with its standard output. */
function runCommand(command: string, args: string[], input: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (c: Buffer) => out.push(c));
        child.stderr.on("data", (c: Buffer) => err.push(c));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(out).toString("utf8")) : reject(new Error(`post-renderer ${command} failed (exit ${code}): ${Buffer.concat(err).toString("utf8").trim()}`))));
        child.stdin.end(input);
    });
}

/** Renders releases, as many at once as there are cores, in the given order. */
export async function renderReleases(releases: CapturedRelease[]): Promise<RenderedRelease[]> {
    const results: RenderedRelease[] = new Array(releases.length);
    let next = 0;
    const worker = async () => {
        while (next < releases.length) {
            const i = next++;
            results[i] = await renderRelease(releases[i]);
        }
    };
    const parallel = Math.max(1, Math.min(releases.length, os.availableParallelism?.() ?? os.cpus().length));
    await Promise.all(Array.from({ length: parallel }, worker));
    return results;
}
