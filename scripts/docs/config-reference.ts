// `npm run docs:config [-- --check]`: docs/configuration.md, generated. Every key comes from the
// stack config schema (config/schema.ts and the schemas it includes), in schema order; its type
// from the schema too; its default from the code (withDefaults run on a small valid config); its
// meaning from scripts/docs/reference.ts. `--check` exits 1 when the committed page differs.
import * as fs from "fs";
import * as path from "path";
import { withDefaults } from "../../config/defaults";
import { stackConfigSchema } from "../../config/schema";
import { REFERENCE, ReferenceEntry } from "./reference";

type Json = Record<string, any>;

export const ROOT = path.resolve(__dirname, "..", "..");
/** The generated page, relative to the repository root. */
export const OUTPUT = path.join("docs", "configuration.md");

/** One step of a key path: a property, and whether the key goes on into each item of its list. */
interface Segment {
    name: string;
    each: boolean;
}

/** A key of the stack config as `pulumi config set --path` spells it (`[]` for "each item"). */
export interface SchemaKey {
    key: string;
    segments: Segment[];
    schema: Json;
    /** Listed in its parent's `required`. */
    required: boolean;
    /** The nearest enclosing key that may be left out (`gateways[].routes[]`), if any. */
    optionalAncestor?: string;
    /** An object with properties, or a list of such objects: its children are keys of their own. */
    container: boolean;
    /**
     * Must have a reference entry: a leaf, or a container that users set as a whole (one that may
     * be left out but, once given, requires some of its children; or one that may also be a scalar).
     */
    mustDocument: boolean;
}

const spell = (segments: Segment[]): string => segments.map((s, i) => `${i > 0 ? "." : ""}${s.name}${s.each ? "[]" : ""}`).join("");

function branchesOf(schema: Json): Json[] {
    return (schema.oneOf as Json[] | undefined) ?? [schema];
}

/** Every key of `schema`, parents before their children, in schema order. */
export function schemaKeys(schema: Json = stackConfigSchema): SchemaKey[] {
    const out: SchemaKey[] = [];
    const visit = (object: Json, prefix: Segment[], optionalAncestor: string | undefined): void => {
        const required = new Set<string>((object.required as string[] | undefined) ?? []);
        for (const [name, child] of Object.entries(object.properties as Json)) {
            const segments = [...prefix, { name, each: false }];
            const key = spell(segments);
            const branches = branchesOf(child);
            const objectBranch = branches.find((b) => b.type === "object" && b.properties);
            const listBranch = branches.find((b) => b.type === "array" && b.items?.properties);
            const container = Boolean(objectBranch || listBranch);
            const isRequired = required.has(name);
            const requiresChildren = Boolean(objectBranch?.required?.length || listBranch?.items?.required?.length);
            const alsoScalar = container && branches.some((b) => b.type !== "object" && b.type !== "array");
            out.push({
                key, segments, schema: child, required: isRequired, optionalAncestor, container,
                mustDocument: !container || (!isRequired && requiresChildren) || alsoScalar,
            });
            if (objectBranch) visit(objectBranch, segments, isRequired ? optionalAncestor : key);
            if (listBranch) {
                const each = [...prefix, { name, each: true }];
                visit(listBranch.items, each, isRequired ? optionalAncestor : spell(each));
            }
        }
    };
    visit(schema, [], undefined);
    return out;
}

/** Keys that must have a reference entry and lack one, and entries that name no key of the schema. */
export function referenceProblems(keys: SchemaKey[], reference: Record<string, ReferenceEntry>): { missing: string[]; extra: string[] } {
    const known = new Set(keys.map((k) => k.key));
    return {
        missing: keys.filter((k) => k.mustDocument && !(k.key in reference)).map((k) => k.key),
        extra: Object.keys(reference).filter((key) => !known.has(key)),
    };
}

/** One sentence for {@link referenceProblems}, or undefined when there are none. */
export function describeReferenceProblems(problems: { missing: string[]; extra: string[] }): string | undefined {
    const parts = [
        ...(problems.missing.length ? [`keys of the schema without an entry in scripts/docs/reference.ts: ${problems.missing.join(", ")}`] : []),
        ...(problems.extra.length ? [`entries in scripts/docs/reference.ts that are no key of the schema: ${problems.extra.join(", ")}`] : []),
    ];
    return parts.length ? parts.join("; ") : undefined;
}

// ---------------------------------------------------------------------------------------------
// Types, from the schema

const withoutArticle = (text: string) => text.replace(/^(a|an|the) /, "");
const code = (text: string) => `\`${text}\``;

function range(schema: Json): string {
    const { minimum: min, maximum: max } = schema;
    if (min !== undefined && max !== undefined) return ` ${min}–${max}`;
    if (min !== undefined) return ` ≥ ${min}`;
    if (max !== undefined) return ` ≤ ${max}`;
    return "";
}

/** "list" with its length: "non-empty list", "list of 1–3 …". */
function list(schema: Json): { noun: string; of: string } {
    const { minItems: min, maxItems: max } = schema;
    if (min !== undefined && max !== undefined) return { noun: "list", of: min === max ? `${min} ` : `${min}–${max} ` };
    if (max !== undefined) return { noun: min === 1 ? "non-empty list" : "list", of: `up to ${max} ` };
    if (min !== undefined && min > 1) return { noun: "list", of: `at least ${min} ` };
    return { noun: min === 1 ? "non-empty list" : "list", of: "" };
}

/** The shape of an object in one line: `{ size, storageClass? }` (a plain "object" past four keys). */
function objectShape(schema: Json): string {
    const names = Object.keys(schema.properties as Json);
    if (names.length > 4) return "object";
    const required = new Set<string>(schema.required ?? []);
    return `{ ${names.map((n) => (required.has(n) ? n : `${n}?`)).join(", ")} }`;
}

/** A type as a noun: "string", "integer 1–100", a format such as "Kubernetes CPU quantity …". */
export function typeText(schema: Json): string {
    if (schema.enum) return `one of ${(schema.enum as unknown[]).map((v) => code(JSON.stringify(v))).join(", ")}`;
    if (schema.oneOf) return schema.description ? withoutArticle(schema.description) : (schema.oneOf as Json[]).map(typeText).join(" or ");
    switch (schema.type) {
        case "boolean":
            return "boolean";
        case "integer":
        case "number":
            return `${schema.type}${range(schema)}`;
        case "string": {
            if (schema.pattern) return schema.description ? withoutArticle(schema.description) : `string matching ${code(schema.pattern)}`;
            const { minLength: min, maxLength: max } = schema;
            if (min !== undefined && max !== undefined) return `string of ${min}–${max} characters`;
            if (max !== undefined) return `string of at most ${max} characters`;
            return min === 1 ? "non-empty string" : "string";
        }
        case "array": {
            const items = (schema.items ?? {}) as Json;
            const { noun, of } = list(schema);
            // A format described in words reads as "list, each a …"; other item types take a plural.
            if (items.description && (items.pattern || items.oneOf)) return `${noun}${of ? ` of ${of.trim()}` : ""}, each ${items.description}`;
            const plural = items.type === "object"
                ? (items.properties && Object.keys(items.properties).length <= 4 ? objectShape(items) : "objects")
                : typeText(items).replace(/\b(string|integer|number|boolean|map)\b/, "$1s");
            return `${noun} of ${of}${schema.uniqueItems ? "distinct " : ""}${plural}`;
        }
        case "object":
            if (!schema.properties) return /Helm values/.test(schema.description ?? "") ? "map of Helm values" : "map";
            return objectShape(schema);
        default:
            return "any";
    }
}

// ---------------------------------------------------------------------------------------------
// Defaults, from the code

/** The smallest valid stack, with each addon's block given (so its keys read as they do when on). */
export const MINIMAL_CONFIG: Json = {
    metallb: { pools: [{ name: "lb", addresses: ["10.0.0.0/30"] }] },
    gateways: [{
        name: "primary", ip: "10.0.0.1", hosts: ["a.example.com"],
        routes: [{ name: "web", match: { prefix: "/" }, destination: { host: "web", port: 80 } }],
    }],
    addons: {
        prometheus: { host: "prometheus.example.internal" },
        grafana: { host: "grafana.example.internal" },
        kiali: { host: "kiali.example.internal" },
        tracing: { host: "tracing.example.internal" },
    },
};

/**
 * Where the validated edge (EdgeSpec) keeps a key that it holds elsewhere than the config does.
 * `samples: true|false` becomes `samples.enabled`.
 */
const SPEC_PATHS: Record<string, string> = { samples: "samples.enabled" };

const parseKey = (key: string): Segment[] => key.split(".").map((part) => ({ name: part.replace(/\[\]$/, ""), each: part.endsWith("[]") }));

/** The value at a key path; a `[]` step goes into the first item. */
function valueAt(data: unknown, segments: Segment[]): unknown {
    let node: any = data;
    for (const { name, each } of segments) {
        node = node?.[name];
        if (each) node = Array.isArray(node) ? node[0] : undefined;
    }
    return node;
}

/** The smallest value of a schema: its required keys, each at its smallest (placeholders: the defaults step does not validate). */
function placeholder(schema: Json): unknown {
    const branch = schema.oneOf ? ((schema.oneOf as Json[]).find((b) => b.type === "object") ?? schema.oneOf[0]) : schema;
    if (branch.enum) return branch.enum[0];
    switch (branch.type) {
        case "object":
            return Object.fromEntries(((branch.required ?? []) as string[]).map((name) => [name, placeholder(branch.properties[name])]));
        case "array":
            return [placeholder(branch.items ?? {})];
        case "integer":
        case "number":
            return branch.minimum ?? 1;
        case "boolean":
            return false;
        default:
            return "x";
    }
}

/**
 * The config a key's default is read from: `base` without the key, with every enclosing block
 * the key sits in given (with placeholders for its required keys), so the code fills the key in
 * as it does when a user writes the block and leaves the key out.
 */
function configWithout(base: Json, key: SchemaKey, byKey: Map<string, SchemaKey>): Json {
    const raw = JSON.parse(JSON.stringify(base)) as Json;
    let node: any = raw;
    key.segments.forEach((segment, i) => {
        const last = i === key.segments.length - 1;
        if (last) {
            delete node[segment.name];
            return;
        }
        if (node[segment.name] === undefined || (typeof node[segment.name] !== "object")) {
            node[segment.name] = placeholder(byKey.get(spell([...key.segments.slice(0, i), { name: segment.name, each: false }]))!.schema);
        }
        node = node[segment.name];
        if (segment.each) {
            if (!Array.isArray(node) || node.length === 0) throw new Error(`${key.key}: ${segment.name} is not a list`);
            node = node[0];
        }
    });
    return raw;
}

/** A default as code: strings quoted, resources as `requests: 10m / 100Mi`, other maps and lists as compact JSON. */
export function formatValue(value: unknown): string {
    const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
    const quantities = (v: unknown) => (isMap(v) && Object.keys(v).join() === "cpu,memory" ? `${v.cpu} / ${v.memory}` : undefined);
    if (isMap(value) && quantities(value.requests) && Object.keys(value).every((k) => k === "requests" || (k === "limits" && quantities(value.limits)))) {
        return code(Object.keys(value).map((k) => `${k}: ${quantities(value[k])}`).join(", "));
    }
    if (quantities(value)) return code(quantities(value)!);
    return code(JSON.stringify(value));
}

/** The default column of one key: the reference's words, "— (required…)", the code's value, or "—". */
export function defaultText(key: SchemaKey, entry: ReferenceEntry | undefined, byKey: Map<string, SchemaKey>, base: Json = MINIMAL_CONFIG): string {
    if (entry?.default !== undefined) return entry.default;
    if (key.required) return key.optionalAncestor ? `— (required in ${code(key.optionalAncestor)})` : "— (required)";
    const spec = withDefaults(configWithout(base, key, byKey));
    const value = valueAt(spec, parseKey(SPEC_PATHS[key.key] ?? key.key));
    return value === undefined ? "—" : formatValue(value);
}

// ---------------------------------------------------------------------------------------------
// The page

/** Text for a table cell: pipes escaped, and outside code spans `<` and `>` (which would read as HTML). */
const cell = (text: string) => text
    .replace(/\n/g, " ")
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/</g, "&lt;").replace(/>/g, "&gt;")))
    .join("")
    .replace(/\|/g, "\\|");

/** GitHub's anchor of a heading such as "`renderDirectory`". */
const anchor = (heading: string) => heading.toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-");

const INTRO = [
    "<!-- Generated by `npm run docs:config`. Do not edit: change the schema or the defaults in config/, or scripts/docs/reference.ts, and run it again. -->",
    "",
    "# Configuration reference",
    "",
    "This page is generated by `npm run docs:config` from the config schema (`config/schema.ts` and the schemas it includes),",
    "the defaults in code (`config/defaults.ts`, `config/addonsDefaults.ts`, `config/gatewayApiDefaults.ts`) and the meaning of each",
    "key (`scripts/docs/reference.ts`), and is held against them by `npm test`: a key missing here, a key that does not exist,",
    "or a stale default fails the tests.",
    "",
    "All keys live in the project's namespace, `istio-metallb-ingress:<key>`. Set them in `Pulumi.<stack>.yaml`, or with",
    "`pulumi config set --path`, e.g. `pulumi config set --path 'gateways[0].ip' 192.168.49.240`. Keys are spelt here as",
    "`--path` spells them, with `[]` for an index (`gateways[0].routes[1].name`).",
    "",
    "- Only `metallb.pools` and `gateways` are required.",
    "- Unknown keys are errors (with a \"did you mean\" hint), and so is a key whose project prefix is misspelt",
    "  (`istio-metallb-ingres:pki`), so a typo never silently falls back to a default.",
    "- Numbers and booleans that `pulumi config set --path` stores as text (`gateways[0].replicas 2`,",
    "  `gateways[0].httpsRedirect false`) are taken as the schema means them.",
    "- Secrets stay secrets: set the CA key with `pulumi config set --secret --path pki.bringYourOwnCa.privateKeyPem`; error",
    "  messages never print `pki.bringYourOwnCa` values, and the program hands the key on as a Pulumi secret, so no output",
    "  or state shows it.",
    "",
    "In the default column, `—` means the key has no default: it is unset unless you set it (the meaning says what unset",
    "does). A default in words depends on other keys.",
];

/** The markdown of docs/configuration.md. Pure: the same schema, defaults and reference give the same page. */
export function configurationReference(reference: Record<string, ReferenceEntry> = REFERENCE, schema: Json = stackConfigSchema): string {
    const keys = schemaKeys(schema);
    const problem = describeReferenceProblems(referenceProblems(keys, reference));
    if (problem) throw new Error(problem);
    const byKey = new Map(keys.map((k) => [k.key, k]));
    const sections = Object.keys(schema.properties as Json);
    const lines = [...INTRO, "", ...sections.map((name) => `- [\`${name}\`](#${anchor(name)})`)];
    for (const section of sections) {
        lines.push("", `## \`${section}\``, "");
        const top = byKey.get(section)!;
        const rows = keys.filter((k) => (k.key === section || k.key.startsWith(`${section}.`) || k.key.startsWith(`${section}[]`)) && k.key in reference);
        // A top-level block's own entry introduces its section.
        const introduces = top.container && top.schema.type === "object";
        if (introduces && reference[section]) {
            lines.push(reference[section].meaning, "");
        }
        lines.push("| key | type | default | meaning |", "| --- | --- | --- | --- |");
        for (const k of rows) {
            if (k === top && introduces) continue;
            lines.push(`| ${code(k.key)} | ${cell(typeText(k.schema))} | ${cell(defaultText(k, reference[k.key], byKey))} | ${cell(reference[k.key].meaning)} |`);
        }
    }
    return `${lines.join("\n")}\n`;
}

/** Where two texts differ, in a few lines: the changed line range, and the first lines of each side. */
export function diffSummary(committed: string | undefined, generated: string, name = OUTPUT): string {
    if (committed === undefined) return `${name} does not exist`;
    const a = committed.split("\n");
    const b = generated.split("\n");
    let start = 0;
    while (start < a.length && start < b.length && a[start] === b[start]) start++;
    let endA = a.length;
    let endB = b.length;
    while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
        endA--;
        endB--;
    }
    const show = (lines: string[], sign: string) => lines.slice(0, 5).map((l) => `  ${sign} ${l.length > 160 ? `${l.slice(0, 160)}…` : l}`);
    return [
        `${name} differs from the generator's output from line ${start + 1}: lines ${start + 1}–${endA} of the file, lines ${start + 1}–${endB} generated`,
        ...show(a.slice(start, endA), "-"),
        ...(endA - start > 5 ? [`  … ${endA - start - 5} more`] : []),
        ...show(b.slice(start, endB), "+"),
        ...(endB - start > 5 ? [`  … ${endB - start - 5} more`] : []),
    ].join("\n");
}

export function main(argv: string[], root = ROOT): number {
    const unknown = argv.filter((a) => a !== "--check");
    if (unknown.length > 0) {
        console.error(`unknown argument ${unknown.join(" ")}; usage: npm run docs:config [-- --check]`);
        return 2;
    }
    let page: string;
    try {
        page = configurationReference();
    } catch (err) {
        console.error(`docs:config: ${(err as Error).message}`);
        return 1;
    }
    const file = path.join(root, OUTPUT);
    if (argv.includes("--check")) {
        const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        if (committed === page) {
            console.log(`${OUTPUT} is up to date`);
            return 0;
        }
        console.error(`${diffSummary(committed, page)}\nrun \`npm run docs:config\` to write it`);
        return 1;
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, page);
    console.log(`wrote ${OUTPUT}`);
    return 0;
}

if (require.main === module) {
    process.exit(main(process.argv.slice(2)));
}
