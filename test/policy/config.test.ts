// Every rule's enforcement level can be set through the pack's policy config, and the README's
// rule table states each rule's default level and the Istio reference it mirrors.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { allPolicies } from "../../policy/policies";

/** How the pack's server reads `--policy-pack-config` (internal to @pulumi/policy, not in its typings). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { normalizeConfig } = require("@pulumi/policy/protoutil") as {
    normalizeConfig: (config: Record<string, unknown>) => Record<string, { enforcementLevel?: string; properties?: Record<string, unknown> }>;
};

const readme = fs.readFileSync(path.join(__dirname, "../../policy/README.md"), "utf8");
/** Rows of the README's rule table: `| \`name\` | kind | mirrors | default | …`. */
const rows = new Map(readme.split("\n").filter((l) => /^\| `[a-z0-9-]+` \|/.test(l)).map((l) => {
    const cells = l.split("|").map((c) => c.trim());
    return [cells[1].replace(/`/g, ""), cells] as const;
}));

describe("policy config", () => {
    const ajv = new Ajv({ strict: false });
    for (const policy of allPolicies) {
        it(`${policy.name}: its level is settable (advisory, mandatory, disabled), alone or beside its options`, () => {
            const schema = { type: "object", ...(policy.configSchema ?? {}) } as Record<string, any>;
            assert.ok(!schema.properties?.enforcementLevel, "enforcementLevel must not be a property");
            assert.ok(!(schema.required ?? []).includes("enforcementLevel"));
            assert.notStrictEqual(schema.additionalProperties, false);
            const defaults = Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]: [string, any]) => [k, v.default]));
            const validate = ajv.compile(schema);
            for (const level of ["advisory", "mandatory", "disabled"]) {
                // What Pulumi hands the pack for `"<policy>": "<level>"` and for `{ enforcementLevel, ...options }`.
                const short = normalizeConfig({ [policy.name]: level })[policy.name];
                const full = normalizeConfig({ [policy.name]: { enforcementLevel: level, ...defaults } })[policy.name];
                assert.strictEqual(short.enforcementLevel, level);
                assert.strictEqual(full.enforcementLevel, level);
                for (const candidate of [{}, { enforcementLevel: level }, { enforcementLevel: level, ...defaults }, full.properties ?? {}]) {
                    assert.ok(validate(candidate), `${JSON.stringify(candidate)}: ${ajv.errorsText(validate.errors)}`);
                }
            }
        });

        it(`${policy.name}: the README table gives its default level (${policy.enforcementLevel}) and what it mirrors`, () => {
            const row = rows.get(policy.name);
            assert.ok(row, `no README row for ${policy.name}`);
            assert.strictEqual(row![4], policy.enforcementLevel);
            const codes = policy.description.match(/IST\d{4}/g) ?? [];
            for (const code of codes) assert.ok(row![3].includes(code), `${code} missing from the README row`);
            if (/^Stricter than/.test(policy.description)) assert.match(row![3], /stricter than/i);
            if (policy.enforcementLevel === "mandatory") assert.doesNotMatch(row![3], /stricter than/i, "stricter-than-Istio rules default to advisory");
        });
    }

    it("the README lists no rule the pack does not have", () => {
        const names = new Set(allPolicies.map((p) => p.name));
        for (const name of rows.keys()) assert.ok(names.has(name), name);
    });

    it("every Istio-equivalent rule names its IST code and istio.io page in its description", () => {
        for (const p of allPolicies.filter((x) => /istioctl analyze|IST0\d{3}/.test(x.description))) {
            assert.match(p.description, /IST0\d{3}/, p.name);
            assert.match(p.description, /https:\/\/istio\.io\/latest\/docs\/reference\/config\/analysis\/ist0\d{3}\//, p.name);
        }
    });
});
