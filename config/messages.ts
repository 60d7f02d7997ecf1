// Turns JSON-schema errors into one plain sentence each: the config key as `pulumi config set
// --path` spells it, the bad value, and what would be valid (with a "did you mean" for typos).
import type { ErrorObject } from "ajv";

/** `/gateways/0/ip` → `gateways[0].ip`. */
export function keyPath(pointer: string): string {
    return pointer
        .split("/")
        .slice(1)
        .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
        .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), "");
}

/** Values under these keys are secrets: messages name the key, never the value. */
const SECRET_KEYS = /(^|\.)bringYourOwnCa(\.|$)|(^|\.)password$/;

export function show(value: unknown, key = ""): string {
    if (SECRET_KEYS.test(key)) return "(secret value)";
    const text = JSON.stringify(value);
    return text !== undefined && text.length > 80 ? `${text.slice(0, 60)}…" (${text.length} characters)` : String(text);
}

/** Levenshtein distance, for "did you mean" hints on misspelt keys. */
export function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/** The closest valid spelling, when one is close enough to be a typo. */
export function closest(key: string, valid: string[]): string | undefined {
    const close = valid
        .map((candidate) => ({ candidate, d: editDistance(key.toLowerCase(), candidate.toLowerCase()) }))
        .filter(({ d }) => d <= Math.max(2, Math.floor(key.length / 4)))
        .sort((x, y) => x.d - y.d);
    return close[0]?.candidate;
}

export function didYouMean(key: string, valid: string[]): string {
    const hit = closest(key, valid);
    return hit ? ` (did you mean ${JSON.stringify(hit)}?)` : "";
}

/** One sentence for one schema error. */
export function describeSchemaError(error: ErrorObject): string {
    const key = keyPath(error.instancePath);
    const at = (child: string) => (key ? `${key}.${child}` : child);
    const value = show(error.data, key);
    const schema = (error.parentSchema ?? {}) as { properties?: object; description?: string };
    switch (error.keyword) {
        case "additionalProperties": {
            const extra = (error.params as { additionalProperty: string }).additionalProperty;
            const valid = Object.keys(schema.properties ?? {});
            return `${at(extra)}: unknown key ${JSON.stringify(extra)}${didYouMean(extra, valid)}; valid keys here: ${valid.join(", ")}`;
        }
        case "required":
            return `${at((error.params as { missingProperty: string }).missingProperty)}: is required but missing`;
        case "type":
            return `${key}: ${value} is not valid; expected ${(error.params as { type: string }).type}`;
        case "enum": {
            const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ");
            return `${key}: ${value} is not valid; valid values: ${allowed}`;
        }
        case "pattern":
            return `${key}: ${value} is not valid; expected ${schema.description ?? error.message}`;
        case "minimum":
        case "maximum": {
            const s = error.parentSchema as { minimum?: number; maximum?: number };
            return `${key}: ${value} is out of range; valid: ${s.minimum ?? "-∞"} to ${s.maximum ?? "∞"}`;
        }
        case "maxLength": {
            const limit = (error.params as { limit: number }).limit;
            const length = typeof error.data === "string" ? error.data.length : "?";
            return `${key}: ${value} is too long (${length} characters); at most ${limit}${schema.description ? `: ${schema.description}` : ""}`;
        }
        case "minItems":
            return `${key}: ${value} must list at least ${(error.params as { limit: number }).limit} item(s)`;
        case "maxItems":
            return `${key}: ${value} lists too many items; at most ${(error.params as { limit: number }).limit}`;
        case "minLength":
            return `${key}: must not be empty`;
        default:
            return `${key}: ${value} ${error.message}`;
    }
}
