// The documentation held against the code: the README's opening, every link, the stack outputs,
// the exported components, every `npm run` command and the flags of the scripts, the policy rules
// the docs name, the version floors, the e2e budget and verify's count of checks. The
// configuration reference (docs/configuration.md) is generated and held by test/docs/.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT } from "./helpers/stacks";

const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const docs = fs.readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`);
const pages = ["README.md", ...docs, "CHANGELOG.md"].filter((f) => fs.existsSync(path.join(ROOT, f)));

/** GitHub's anchor of a heading. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-");

describe("docs: the README is a landing page", () => {
    const readme = read("README.md");

    it("opens with what the project is, then the two set-up commands", () => {
        const lines = readme.split("\n");
        assert.strictEqual(lines[0], "# istio-metallb-ingress");
        const firstCode = readme.indexOf("```");
        assert.match(readme.slice(0, firstCode), /A Pulumi program and component package/);
        assert.ok(readme.slice(firstCode).startsWith("```sh\nnpm ci\nnpm test\n```"), "npm ci, then npm test, as CI runs them");
    });

    it("stays short, keeps its picture, and links every page of docs/", () => {
        assert.ok(readme.split("\n").length <= 150, `${readme.split("\n").length} lines`);
        assert.match(readme, /```mermaid/);
        for (const page of docs) assert.ok(readme.includes(`(${page})`), `README links ${page}`);
    });
});

describe("docs: links", () => {
    it("every relative link points at a file that exists, and every #anchor at a heading of it", () => {
        const broken: string[] = [];
        for (const page of pages) {
            const text = read(page);
            for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
                if (/^(https?:|mailto:)/.test(target)) continue;
                const [file, hash] = target.split("#");
                const resolved = file ? path.normalize(path.join(path.dirname(page), file)) : page;
                if (!fs.existsSync(path.join(ROOT, resolved))) {
                    broken.push(`${page}: ${target} (no ${resolved})`);
                    continue;
                }
                if (hash && resolved.endsWith(".md")) {
                    const headings = [...read(resolved).matchAll(/^#+ (.+)$/gm)].map((m) => anchor(m[1]));
                    if (!headings.includes(hash)) broken.push(`${page}: ${target} (no heading #${hash} in ${resolved})`);
                }
            }
        }
        assert.deepStrictEqual(broken, []);
    });
});

describe("docs: what the code exports and runs", () => {
    it("docs/outputs.md lists exactly the program's stack outputs and each gateway's fields", () => {
        const exported = [...read("index.ts").matchAll(/^export const (\w+)/gm)].map((m) => m[1]).sort();
        const page = read("docs/outputs.md");
        const tables = page.split("Per gateway")[0];
        const documented = [...tables.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).sort();
        assert.deepStrictEqual(documented, exported);
        const fields = /export interface GatewayOutputs \{([\s\S]*?)\n\}/.exec(read("components/edge.ts"))![1];
        const keys = [...fields.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]).sort();
        const gatewayRows = [...page.split("Per gateway")[1].split("## In a shell")[0].matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]).sort();
        assert.deepStrictEqual(gatewayRows, keys);
    });

    it("docs/library.md lists exactly the exported components", async () => {
        const lib = await import("../components");
        const pulumi = await import("@pulumi/pulumi");
        const components = Object.entries(lib).filter(([, v]) => typeof v === "function" && (v as any).prototype instanceof pulumi.ComponentResource).map(([k]) => k).sort();
        const table = read("docs/library.md").split("## Components")[1];
        const rows = [...table.matchAll(/^\| `(\w+)`/gm)].map((m) => m[1]).sort();
        assert.deepStrictEqual(rows, components);
    });

    it("every `npm run <script>` the docs show exists in package.json", () => {
        const scripts = Object.keys(JSON.parse(read("package.json")).scripts);
        const missing = pages.flatMap((page) => [...read(page).matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]).filter((s) => !scripts.includes(s)).map((s) => `${page}: npm run ${s}`));
        assert.deepStrictEqual([...new Set(missing)], []);
    });

    it("docs/verify.md shows verify's own usage line and every flag it knows", async () => {
        const { USAGE } = await import("../scripts/verify");
        const page = read("docs/verify.md");
        for (const flag of USAGE.match(/--[a-z-]+/g)!) assert.ok(page.includes(flag), `verify ${flag} is documented`);
        // The flags the section lists as verify's (each item opens with its flag), not those of the commands it quotes.
        const flags = page.split("## Flags and exit codes")[1].split("\n").filter((l) => l.startsWith("- `--")).map((l) => /^- `(--[a-z-]+)/.exec(l)![1]);
        assert.ok(flags.length >= 3);
        for (const flag of flags) assert.ok(USAGE.includes(flag), `docs/verify.md names ${flag}, which verify does not know`);
    });

    it("docs/getting-started.md names only flags and clusters init-stack knows", async () => {
        const { USAGE, CLUSTERS } = await import("../scripts/init-stack");
        const page = read("docs/getting-started.md");
        const used = [...page.matchAll(/npm run init-stack -- ([^`\n]+)/g)].flatMap((m) => m[1].match(/--[a-z-]+/g) ?? []);
        const named = page.match(/`--[a-z-]+/g)!.map((f) => f.slice(1));
        for (const flag of new Set([...used, ...named.filter((f) => /^--(cluster|stack|range|subnet|network|api|no-addons|force)$/.test(f))])) {
            assert.ok(USAGE.includes(flag), `init-stack ${flag}`);
        }
        for (const [, cluster] of page.matchAll(/--cluster (\w+)/g)) assert.ok((CLUSTERS as readonly string[]).includes(cluster), cluster);
    });

    it("docs/policy-pack.md names only rules the pack has", async () => {
        const { allPolicies } = await import("../policy/policies");
        const names = new Set(allPolicies.map((p) => p.name));
        const named = [...read("docs/policy-pack.md").matchAll(/`([a-z]+(?:-[a-z]+){2,})`/g)].map((m) => m[1]);
        assert.ok(named.length >= 3);
        for (const n of named) assert.ok(names.has(n), `the pack has a rule ${n}`);
    });
});

describe("docs: figures held against the code", () => {
    it("docs/operations.md gives the version floors and tested versions the program enforces", async () => {
        const { ISTIO_MIN, METALLB_MIN, ISTIO_WEBHOOK_POLICY_FROM, JAEGER_MAJOR } = await import("../model/versions");
        const { CHARTS, GATEWAY_API_CRDS, IMAGES } = await import("../model/charts");
        const { MIN_GATEWAY_API_CRDS } = await import("../model/gatewayApi");
        const table = read("docs/operations.md").split("## Upgrades")[1].split("What an upgrade does")[0];
        const row = (name: string) => table.split("\n").find((l) => l.startsWith(`| ${name}`))!;
        assert.ok(row("Istio (`istio.version`)").includes(`| ${ISTIO_MIN} |`) && row("Istio (`istio.version`)").includes(`| ${CHARTS.istiod.version} |`));
        assert.ok(row("Istio, for clean upgrades").includes(Object.values(ISTIO_WEBHOOK_POLICY_FROM).join(", ")));
        assert.ok(row("MetalLB").includes(`| ${METALLB_MIN} |`) && row("MetalLB").includes(`| ${CHARTS.metallb.version} |`));
        assert.ok(row("Gateway API CRDs").includes(`| ${MIN_GATEWAY_API_CRDS} |`) && row("Gateway API CRDs").includes(`| ${GATEWAY_API_CRDS.version} |`));
        assert.ok(row("Jaeger").includes(`| ${JAEGER_MAJOR}.x |`) && row("Jaeger").includes(IMAGES.jaeger.version));
        assert.ok(row("Prometheus, Grafana, Kiali").includes([CHARTS.prometheus.version, CHARTS.grafana.version, CHARTS.kiali.version].join(", ")));
    });

    it("docs/getting-started.md gives the end-to-end job's own time budget", () => {
        const workflow = parse(read(".github/workflows/e2e.yml"));
        const budgets = Object.values(workflow.jobs as Record<string, { "timeout-minutes": number }>).map((j) => j["timeout-minutes"]);
        const said = /a budget of (\d+) minutes per\s+run/.exec(read("docs/getting-started.md"));
        assert.ok(said && budgets.includes(Number(said[1])), `budget ${said?.[1]} of ${budgets.join(", ")}`);
    });

    it("docs/verify.md counts the dev stack's checks as verify plans them", async () => {
        const { planChecks } = await import("../scripts/verify");
        const { evaluateStackEdge } = await import("./helpers/edge");
        const { resolve } = await import("./helpers/mocks");
        const ev = await evaluateStackEdge("dev");
        const checks = planChecks({ gateways: ev.result.gateways, caCertificatePem: "", addons: await resolve(ev.result.edge.addons) } as any);
        const page = read("docs/verify.md");
        assert.match(page, new RegExp(`For the dev stack, ${checks.length} checks`));
        assert.match(page, new RegExp(`verify: ${checks.length} of ${checks.length} checks passed`));
        const hosts = Object.values(ev.result.gateways).reduce((n, g) => n + g.hosts.length, 0);
        assert.match(page, new RegExp(`each of its ${hosts} hosts`));
    });
});
