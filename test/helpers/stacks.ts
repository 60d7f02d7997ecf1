// Reads the committed stack files the way Pulumi hands config to the program.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT, StackConfig, flatConfigFrom, parseStackConfig, rawConfigFrom } from "../../config";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Every committed stack (Pulumi.<stack>.yaml at the root): dev, prod, metal. Each passes the same tests. */
export const STACKS: readonly string[] = fs.readdirSync(ROOT)
    .map((f) => /^Pulumi\.([a-z0-9-]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => !!s)
    .sort();

/** Pulumi's flat config map for a stack file: "<project>:<key>" → string (JSON for structured values). */
export function flatStackConfig(stack: string): Record<string, string> {
    const doc = parse(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
    return flatConfigFrom(doc.config);
}

/** The raw (undefaulted) config values of a stack file, as the program's validator receives them. */
export function rawStackConfig(stack: string): Record<string, any> {
    return rawConfigFrom(flatStackConfig(stack), PROJECT) as Record<string, any>;
}

export function stackConfig(stack: string): StackConfig {
    return parseStackConfig(rawStackConfig(stack));
}

/** A deep copy of a stack's raw config, changed by `edit`: for one-mistake-at-a-time tests. */
export function editedConfig(stack: string, edit: (raw: Record<string, any>) => void): Record<string, any> {
    const raw = JSON.parse(JSON.stringify(rawStackConfig(stack)));
    edit(raw);
    return raw;
}
