// The README's config reference is held against the schema and the defaults: every key the schema
// knows is documented, every documented key exists, and every documented default is the real one.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { stackConfigSchema, withDefaults } from "../config";
import { ROOT } from "./helpers/stacks";

/** Key paths of the schema, as the README spells them (`gateways[].routes[].match.exact`). */
function schemaKeys(schema: any, at = ""): { key: string; container: boolean }[] {
    const out: { key: string; container: boolean }[] = [];
    const branches = schema.oneOf ?? [schema];
    const objectBranch = branches.find((b: any) => b.type === "object" && b.properties);
    const arrayBranch = branches.find((b: any) => b.type === "array");
    if (at) out.push({ key: at, container: Boolean(objectBranch || arrayBranch?.items?.properties) });
    if (objectBranch) {
        for (const [name, child] of Object.entries(objectBranch.properties)) out.push(...schemaKeys(child, at ? `${at}.${name}` : name));
    }
    if (arrayBranch?.items?.properties) {
        for (const [name, child] of Object.entries(arrayBranch.items.properties)) out.push(...schemaKeys(child, `${at}[].${name}`));
    }
    return out;
}

const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const reference = readme.slice(readme.indexOf("## Config reference"), readme.indexOf("\n## ", readme.indexOf("## Config reference") + 5));

/** Rows of the reference tables: first column's key (without a trailing []), and the default column. */
const rows = [...reference.matchAll(/^\| `([^`]+)` \| ([^|]*) \|/gm)].map((m) => ({ key: m[1].replace(/\[\]$/, ""), defaultText: m[2] }));
const documented = new Set(rows.map((r) => r.key));

describe("README config reference", () => {
    const keys = schemaKeys(stackConfigSchema);

    it("documents every key of the schema (a key documents what is under it)", () => {
        const covered = (key: string) => [...documented].some((d) => key === d || key.startsWith(`${d}.`) || key.startsWith(`${d}[]`));
        const missing = keys.filter((k) => !k.container && !covered(k.key)).map((k) => k.key);
        assert.deepStrictEqual(missing, []);
    });

    it("documents no key the schema does not have", () => {
        const known = new Set(keys.map((k) => k.key));
        assert.deepStrictEqual([...documented].filter((d) => !known.has(d)), []);
    });

    it("gives each plain default as the program has it", () => {
        const spec = withDefaults({
            metallb: { pools: [{ name: "lb", addresses: ["10.0.0.0/30"] }] },
            gateways: [{ name: "g", ip: "10.0.0.1", hosts: ["a.example.com"], routes: [{ name: "r", match: { prefix: "/" }, destination: { host: "web", port: 80 } }] }],
        }) as any;
        const valueAt = (key: string): unknown => key.split(".").reduce((node: any, part) => {
            if (node === undefined) return undefined;
            const [name, array] = [part.replace(/\[\]$/, ""), part.endsWith("[]")];
            const next = node[name];
            return array ? next?.[0] : next;
        }, spec);
        const wrong = rows.flatMap(({ key, defaultText }) => {
            const value = valueAt(key);
            if (!["string", "number", "boolean"].includes(typeof value) || /required/.test(defaultText)) return [];
            return defaultText.includes(`\`${value}\``) ? [] : [`${key}: README says ${defaultText.trim()}, the default is ${JSON.stringify(value)}`];
        });
        assert.deepStrictEqual(wrong, []);
    });

    it("the checks above see a missing key (the reference is not empty)", () => {
        assert.ok(rows.length > 40, `${rows.length} rows`);
        assert.ok(documented.has("gateways[].routes[].destination.port"));
    });
});
