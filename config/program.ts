// Settings of the program rather than of the edge: render mode and cluster preflight.
import * as fs from "fs";
import * as path from "path";

export interface ProgramSettings {
    /** Write every object as YAML to this folder instead of applying it. */
    renderDirectory?: string;
    /** Read the cluster before deploying (off in render mode). */
    preflight: boolean;
}

export function programSettings(raw: Record<string, unknown>): ProgramSettings {
    const renderDirectory = typeof raw.renderDirectory === "string" ? raw.renderDirectory : undefined;
    return { renderDirectory, preflight: renderDirectory === undefined && raw.preflight !== false };
}

/** Problems with a render folder: it must be a writable folder, or creatable in a writable one. */
export function renderDirectoryProblems(dir: string, baseDir = process.cwd()): string[] {
    const full = path.resolve(baseDir, dir);
    const fix = "set renderDirectory to a folder you can write, e.g. ./manifests";
    try {
        if (fs.existsSync(full)) {
            if (!fs.statSync(full).isDirectory()) return [`renderDirectory: ${JSON.stringify(dir)} is a file, not a folder; ${fix}`];
            fs.accessSync(full, fs.constants.W_OK);
            return [];
        }
        const parent = path.dirname(full);
        if (!fs.existsSync(parent)) return [`renderDirectory: ${JSON.stringify(dir)} is in a folder that does not exist (${parent}); ${fix}`];
        fs.accessSync(parent, fs.constants.W_OK);
        return [];
    } catch {
        return [`renderDirectory: ${JSON.stringify(dir)} is not writable (${full}); ${fix}`];
    }
}
