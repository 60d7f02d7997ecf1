// docs/configuration.md is generated from the schema, the defaults and scripts/docs/reference.ts
// (`npm run docs:config`). Held here: every key of the schema has a meaning and every meaning a
// key, the committed page is the generator's output, and each default the reference gives in words
// is what the code does.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkStackConfig, programSettings, stackConfigSchema, withDefaults } from "../../config";
import { DEFAULTS } from "../../config/defaults";
import {
    MINIMAL_CONFIG, OUTPUT, configurationReference, describeReferenceProblems, diffSummary, main, referenceProblems, schemaKeys,
} from "../../scripts/docs/config-reference";
import { REFERENCE } from "../../scripts/docs/reference";
import { ROOT } from "../helpers/stacks";

type Json = Record<string, any>;

const ADDONS = ["prometheus", "grafana", "kiali", "tracing"] as const;
const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value));
/** The minimal stack without addons, changed by `edit`. */
const stack = (edit: (raw: Json) => void = () => undefined): Json => {
    const raw = copy(MINIMAL_CONFIG);
    delete raw.addons;
    edit(raw);
    return raw;
};
const spec = (edit?: (raw: Json) => void): Json => withDefaults(stack(edit)) as unknown as Json;
const words = (key: string): string => REFERENCE[key]?.default ?? assert.fail(`${key} has no default in words in scripts/docs/reference.ts`);

describe("docs/configuration.md", () => {
    const keys = schemaKeys(stackConfigSchema);
    const page = configurationReference();

    describe("the reference covers the schema", () => {
        it("has an entry for every key of the schema that needs one, and no entry for a key the schema lacks", () => {
            const problems = referenceProblems(keys, REFERENCE);
            assert.deepStrictEqual(problems, { missing: [], extra: [] }, describeReferenceProblems(problems));
        });

        it("reads the keys as `pulumi config set --path` spells them, leaves and blocks set as a whole included", () => {
            const must = new Set(keys.filter((k) => k.mustDocument).map((k) => k.key));
            for (const key of ["metallb.pools[].name", "gateways[].routes[].match.exact", "gateways[].ip", "addons.grafana.values", "addons.prometheus.storage",
                "gateways[].autoscaling", "pki.bringYourOwnCa", "samples", "gateways[].routes", "istio.istiod.resources.limits.cpu"]) {
                assert.ok(must.has(key), `${key} should need an entry`);
            }
            // Blocks whose children say it all need none.
            for (const key of ["metallb", "gateways", "gateways[].routes[].match", "addons.prometheus", "gatewayApi.crds"]) assert.ok(!must.has(key), key);
            assert.ok(must.size > 100, `${must.size} keys`);
        });

        it("reports a key without an entry, and an entry without a key", () => {
            const schema = copy(stackConfigSchema) as Json;
            schema.properties.istio.properties.madeUp = { type: "boolean" };
            schema.properties.gateways.items.properties.routes.items.properties.match.properties.regex = { type: "string" };
            const reference = { ...REFERENCE, "pki.notAKey": { meaning: "nothing" } };
            const problems = referenceProblems(schemaKeys(schema), reference);
            assert.deepStrictEqual(problems, { missing: ["istio.madeUp", "gateways[].routes[].match.regex"], extra: ["pki.notAKey"] });
            assert.match(describeReferenceProblems(problems)!, /without an entry in scripts\/docs\/reference\.ts: istio\.madeUp, gateways\[\]\.routes\[\]\.match\.regex; .*no key of the schema: pki\.notAKey/);
            // The generator refuses to write a page with a key it cannot explain.
            assert.throws(() => configurationReference(REFERENCE, schema), /istio\.madeUp/);
        });
    });

    describe("the committed page", () => {
        it("is the generator's output", () => {
            const file = path.join(ROOT, OUTPUT);
            const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
            assert.ok(committed === page, `${diffSummary(committed, page)}\nrun \`npm run docs:config\` and commit ${OUTPUT}`);
        });

        it("lists every documented key once, in schema order, with the code's defaults", () => {
            const rows = [...page.matchAll(/^\| `([^`]+)` \| (.*?) \| (.*?) \| /gm)].map((m) => ({ key: m[1], type: m[2], default: m[3] }));
            const documented = keys.filter((k) => k.key in REFERENCE && !(k.container && k.schema.type === "object" && !k.key.includes(".")));
            assert.deepStrictEqual(rows.map((r) => r.key), documented.map((k) => k.key));
            const row = (key: string) => rows.find((r) => r.key === key)!;
            assert.strictEqual(row("pki.caValidityHours").default, `\`${DEFAULTS.pki.caValidityHours}\``);
            assert.strictEqual(row("metallb.namespace").default, `\`"${DEFAULTS.metallb.namespace}"\``);
            assert.strictEqual(row("istio.istiod.resources").default, "`requests: 10m / 100Mi`");
            assert.strictEqual(row("gateways[].autoscaling.targetCPUUtilizationPercentage").default, `\`${DEFAULTS.gateway.targetCPUUtilizationPercentage}\``);
            assert.strictEqual(row("gateways[].routes").default, "`[]`");
            assert.strictEqual(row("samples").default, "`false`");
            assert.strictEqual(row("addons.prometheus.storage.storageClass").default, '`""`');
            assert.strictEqual(row("gateways[].autoscaling.minReplicas").default, "— (required in `gateways[].autoscaling`)");
            assert.strictEqual(row("gateways[].name").default, "— (required)");
            assert.strictEqual(row("gateways[].allowedSourceRanges").default, "—");
            assert.strictEqual(row("istio.mtlsMode").type, 'one of `"STRICT"`, `"PERMISSIVE"`');
            assert.strictEqual(row("gateways[].replicas").type, "integer 1–100");
            assert.strictEqual(row("addons.grafana.values").type, "map of Helm values");
        });

        it("says it is generated, and how to regenerate it", () => {
            assert.match(page, /generated by `npm run docs:config`/);
            assert.match(page, /held against them by `npm test`/);
            assert.match(page, /`istio-metallb-ingress:<key>`/);
        });

        it("links only to files and headings that exist", () => {
            const anchors = (text: string) => [...text.matchAll(/^#+ (.+)$/gm)].map((m) => m[1].trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-"));
            const broken = [...page.matchAll(/\]\(([^)\s]+)\)/g)].flatMap(([, link]) => {
                if (/^[a-z]+:/.test(link)) return [];
                const [file, hash] = link.split("#");
                const target = path.resolve(ROOT, path.dirname(OUTPUT), file);
                if (file && !fs.existsSync(target)) return [`${link}: no ${path.relative(ROOT, target)}`];
                if (!hash) return [];
                return anchors(file ? fs.readFileSync(target, "utf8") : page).includes(hash) ? [] : [`${link}: no such heading`];
            });
            assert.deepStrictEqual([...new Set(broken)], []);
        });

        it("npm run docs:config writes the page, and --check fails on a stale one with what differs", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "docs-config-"));
            const said: string[] = [];
            const { log, error } = console;
            console.log = console.error = (...args: unknown[]) => void said.push(args.join(" "));
            try {
                assert.strictEqual(main(["--check"], dir), 1);
                assert.strictEqual(main([], dir), 0);
                assert.strictEqual(fs.readFileSync(path.join(dir, OUTPUT), "utf8"), page);
                assert.strictEqual(main(["--check"], dir), 0);
                fs.writeFileSync(path.join(dir, OUTPUT), page.replace("| `pki.caValidityHours` | integer 1–876000 | `8760` |", "| `pki.caValidityHours` | integer 1–876000 | `4380` |"));
                said.length = 0;
                assert.strictEqual(main(["--check"], dir), 1);
                assert.match(said.join("\n"), /differs from the generator's output from line \d+[\s\S]*- .*`4380`[\s\S]*\+ .*`8760`[\s\S]*npm run docs:config/);
                assert.strictEqual(main(["--bogus"], dir), 2);
            } finally {
                Object.assign(console, { log, error });
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });

    describe("each default given in words is what the code does", () => {
        const checked = new Set<string>();
        const claim = (key: string, check: (text: string) => void) => {
            checked.add(key);
            it(key, () => check(words(key)));
        };

        claim("samples.enabled", (text) => {
            assert.match(text, /^`true` .*`samples` itself defaults to `false`/);
            // The object form turns the samples on unless it says otherwise; the boolean form is the switch.
            assert.strictEqual(spec((raw) => { raw.samples = {}; }).samples.enabled, true);
            assert.strictEqual(spec((raw) => { raw.samples = { namespace: "demo" }; }).samples.enabled, true);
            assert.strictEqual(spec((raw) => { raw.samples = { enabled: false }; }).samples.enabled, false);
            assert.strictEqual(spec((raw) => { raw.samples = true; }).samples.enabled, true);
            assert.strictEqual(spec((raw) => { raw.samples = false; }).samples.enabled, false);
            assert.strictEqual(spec().samples.enabled, false);
        });

        claim("gateways[].externalTrafficPolicy", (text) => {
            assert.strictEqual(text, "`\"Local\"` with `allowedSourceRanges`, else `\"Cluster\"`");
            assert.strictEqual(spec((raw) => { raw.gateways[0].allowedSourceRanges = ["10.0.0.0/8"]; }).gateways[0].externalTrafficPolicy, "Local");
            assert.strictEqual(spec().gateways[0].externalTrafficPolicy, "Cluster");
        });

        claim("addons.namespace", (text) => {
            assert.strictEqual(text, "`istio.namespace`");
            assert.strictEqual(spec((raw) => { raw.istio = { namespace: "mesh-control" }; }).addons.namespace, "mesh-control");
            assert.strictEqual(spec().addons.namespace, spec().istio.namespace);
        });

        for (const addon of ADDONS) {
            claim(`addons.${addon}.enabled`, (text) => {
                assert.strictEqual(text, "`false`; `true` once the block is given");
                assert.strictEqual(spec().addons[addon].enabled, false);
                assert.strictEqual(spec((raw) => { raw.addons = { [addon]: {} }; }).addons[addon].enabled, true);
                assert.strictEqual(spec((raw) => { raw.addons = { [addon]: { enabled: false } }; }).addons[addon].enabled, false);
            });
            claim(`addons.${addon}.host`, (text) => {
                assert.strictEqual(text, "— (required when on)");
                const problems = (addons: Json) => checkStackConfig(stack((raw) => { raw.addons = addons; })).problems.filter((p) => p.startsWith(`addons.${addon}.host:`));
                assert.match(problems({ [addon]: {} }).join("\n"), /is required when/);
                assert.deepStrictEqual(problems({ [addon]: { enabled: false } }), []);
                assert.deepStrictEqual(problems({}), []);
            });
        }

        claim("pki.trustedCaGenerations", (text) => {
            assert.strictEqual(text, "`[caGeneration]` (required once `caGeneration` is above 1)");
            assert.deepStrictEqual(spec().pki.trustedCaGenerations, [spec().pki.caGeneration]);
            assert.deepStrictEqual(spec((raw) => { raw.pki = { caGeneration: 1 }; }).pki.trustedCaGenerations, [1]);
            const { problems } = checkStackConfig(stack((raw) => { raw.pki = { caGeneration: 2 }; }));
            assert.ok(problems.some((p) => p.startsWith("pki.caGeneration: 2 needs pki.trustedCaGenerations")), problems.join("\n"));
            assert.deepStrictEqual(checkStackConfig(stack((raw) => { raw.pki = { caGeneration: 2, trustedCaGenerations: [1, 2] }; })).problems, []);
        });

        claim("gateways[].routes[].hosts", (text) => {
            assert.strictEqual(text, "all of the gateway's `hosts`");
            const hosts = ["a.example.com", "b.example.com"];
            assert.deepStrictEqual(spec((raw) => { raw.gateways[0].hosts = hosts; }).gateways[0].routes[0].hosts, hosts);
        });

        claim("preflight", (text) => {
            assert.strictEqual(text, "`true`; `false` in render mode");
            assert.strictEqual(programSettings({}).preflight, true);
            assert.strictEqual(programSettings({ renderDirectory: "out" }).preflight, false);
            assert.strictEqual(programSettings({ renderDirectory: "out", preflight: true }).preflight, false);
            assert.strictEqual(programSettings({ preflight: false }).preflight, false);
        });

        claim("pki.bringYourOwnCa", (text) => {
            assert.strictEqual(text, "— (the program generates a CA)");
            assert.strictEqual(spec().pki.bringYourOwnCa, false);
            assert.strictEqual(spec((raw) => { raw.pki = { bringYourOwnCa: { certificatePem: "c", privateKeyPem: "k" } }; }).pki.bringYourOwnCa, true);
        });

        claim("metallb.pools[].advertise.l2", (text) => {
            assert.match(text, /^`true` when `advertise` is left out; `false` when `advertise` is given without it/);
            const pool = (advertise?: Json) => spec((raw) => { raw.metallb.pools[0].advertise = advertise; }).metallb.pools[0].advertise!;
            assert.ok(pool(undefined).l2);
            assert.strictEqual(pool({ bgp: false }).l2, undefined);
            assert.ok(pool({ l2: true }).l2);
        });

        claim("metallb.pools[].advertise.bgp", (text) => {
            assert.strictEqual(text, "`false`; announced as given once the block is there");
            const pool = (advertise?: Json) => spec((raw) => { raw.metallb.pools[0].advertise = advertise; }).metallb.pools[0].advertise!;
            assert.strictEqual(pool(undefined).bgp, undefined);
            assert.strictEqual(pool({ l2: true }).bgp, undefined);
            assert.deepStrictEqual(pool({ bgp: {} }).bgp, { communities: [], peers: [], nodeSelectors: [] });
        });

        it("checks every default given in words (a new one needs a check here)", () => {
            const inWords = Object.keys(REFERENCE).filter((key) => REFERENCE[key].default !== undefined).sort();
            assert.deepStrictEqual(inWords, [...checked].sort());
        });
    });
});
