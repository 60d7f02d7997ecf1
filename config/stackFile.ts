// Stack config as Pulumi hands it to a program: a flat map "<project>:<key>" → string, structured
// values as JSON text. Also how a committed stack file becomes that map (for tests and scripts).
import { PROJECT } from "./errors";
import { editDistance } from "./messages";

/** The `config:` map of a stack file as Pulumi hands it to a program. */
export function flatConfigFrom(stackFileConfig: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(stackFileConfig).map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)]));
}

/**
 * Picks this project's keys out of Pulumi's flat config map and JSON-decodes them; structured
 * values arrive as JSON text, plain strings stay strings.
 */
export function rawConfigFrom(all: Record<string, string>, project = PROJECT): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(all)) {
        if (!fullKey.startsWith(`${project}:`)) continue;
        const key = fullKey.slice(project.length + 1);
        try {
            raw[key] = JSON.parse(text);
        } catch {
            raw[key] = text;
        }
    }
    return raw;
}

/**
 * Keys whose project prefix is a near miss of ours (`istio-metallb-ingres:pki`): Pulumi would
 * hand them to no one, and the defaults would apply silently. One message each.
 */
export function misspeltProjectKeys(all: Record<string, string>, project = PROJECT): string[] {
    const problems: string[] = [];
    for (const fullKey of Object.keys(all)) {
        const colon = fullKey.indexOf(":");
        if (colon < 0) continue;
        const prefix = fullKey.slice(0, colon);
        if (prefix !== project && editDistance(prefix, project) <= 3) {
            problems.push(`${fullKey}: the prefix ${JSON.stringify(prefix)} is not this project's; write ${JSON.stringify(`${project}:${fullKey.slice(colon + 1)}`)} (otherwise the key is ignored and its defaults apply)`);
        }
    }
    return problems;
}
