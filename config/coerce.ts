// Scalars as Pulumi stores them. `pulumi config set --path a.b 0.5` stores the text "0.5" (only
// `--type float` or YAML typing gives a number), and a top-level value such as `renderDirectory:
// "2026"` reaches the program as JSON text that parses as a number. Where the schema wants a number
// or a boolean and the text is exactly one, or wants a string and gets a number, the value is
// taken as the schema means it, so a correct value is never refused for how it was stored.

type Schema = Record<string, any>;

const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

function types(schema: Schema): string[] {
    if (Array.isArray(schema.type)) return schema.type;
    if (typeof schema.type === "string") return [schema.type];
    if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map((v: unknown) => typeof v))] as string[];
    return [];
}

function coerceScalar(schema: Schema, value: unknown): unknown {
    const wanted = types(schema);
    if (typeof value === "string") {
        if ((wanted.includes("number") || (wanted.includes("integer") && !value.includes("."))) && !wanted.includes("string") && NUMBER.test(value)) return Number(value);
        if (wanted.includes("boolean") && !wanted.includes("string") && (value === "true" || value === "false")) return value === "true";
    }
    if (typeof value === "number" && wanted.length > 0 && wanted.every((t) => t === "string")) return String(value);
    return value;
}

/** A copy of `data` with scalars coerced to what `schema` asks for, at every depth. */
export function coerceToSchema(schema: Schema, data: unknown): unknown {
    if (schema.oneOf) {
        // The branch whose shape fits decides: a list stays a list, a map a map, a scalar a scalar.
        const kind = Array.isArray(data) ? "array" : typeof data === "object" && data !== null ? "object" : "scalar";
        const branch = (schema.oneOf as Schema[]).find((b) => (kind === "scalar" ? !["array", "object"].includes(b.type) : b.type === kind));
        return branch ? coerceToSchema(branch, data) : data;
    }
    if (Array.isArray(data)) return schema.items ? data.map((item) => coerceToSchema(schema.items, item)) : data;
    if (typeof data === "object" && data !== null) {
        const properties = (schema.properties ?? {}) as Record<string, Schema>;
        return Object.fromEntries(Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, properties[k] ? coerceToSchema(properties[k], v) : v]));
    }
    return coerceScalar(schema, data);
}
