// Entry point for tests: render what an evaluated program installs and check it. Other tests
// (other configs) call `assertRendersClean(evaluation, this)` from a mocha test or hook.
import * as assert from "assert";
import * as fs from "fs";
import { announceMissingCharts, gatewayApiManifest } from "./charts";
import { GATEWAY_API_GROUPS, RenderSet, allProblems, customResourceTypes, parseTypeToken } from "./checks";
import { ProgramEvaluation, captureReleases, missingCharts, parseManifests, renderReleases } from "./render";

export * from "./checks";
export { CHART_TYPE, KUBE_VERSION, captureReleases, parseManifests, renderRelease, renderReleases } from "./render";
export type { CapturedRelease, K8sObject, ProgramEvaluation, ProgramResource, RenderedRelease } from "./render";
export { formatPath, isValueUsed, unusedValuePaths } from "./usage";

const usesGatewayApi = (evaluation: ProgramEvaluation) =>
    [...customResourceTypes(evaluation.resources).keys()].some((type) => GATEWAY_API_GROUPS.has(parseTypeToken(type)!.group));

/** Renders every release of an evaluation; `{ missing }` when charts (or the Gateway API manifest) are not there. */
export async function renderEvaluation(evaluation: ProgramEvaluation): Promise<RenderSet | { missing: string[] }> {
    const releases = captureReleases(evaluation);
    const missing = missingCharts(releases);
    const manifest = usesGatewayApi(evaluation) ? gatewayApiManifest() : {};
    if (manifest.missing) missing.push(manifest.missing);
    if (missing.length > 0) return { missing };
    return {
        releases: await renderReleases(releases),
        resources: evaluation.resources,
        extraCrds: manifest.file ? parseManifests(fs.readFileSync(manifest.file, "utf8")) : [],
    };
}

/**
 * Renders an evaluation for a mocha test (or hook) and returns what was rendered; when charts
 * are missing, says so once and marks the test pending.
 */
export async function renderForTest(evaluation: ProgramEvaluation, test: Mocha.Context): Promise<RenderSet> {
    const result = await renderEvaluation(evaluation);
    if ("missing" in result) {
        // CI must prove the charts, not skip them: there a missing chart is a failure.
        if (process.env.INGRESS_REQUIRE_RENDER === "1") {
            assert.fail(`render tests cannot run: ${result.missing.join("; ")} (INGRESS_CHARTS_DIR=${process.env.INGRESS_CHARTS_DIR ?? "unset"})`);
        }
        announceMissingCharts(result.missing);
        test.skip();
    }
    return result as RenderSet;
}

/** Fails with every problem found, one per line. */
export function assertNoProblems(problems: string[]): void {
    if (problems.length > 0) assert.fail(`${problems.length} problem(s):\n  - ${problems.join("\n  - ")}`);
}

/** Renders an evaluation and runs every check on it (pending when charts are missing). */
export async function assertRendersClean(evaluation: ProgramEvaluation, test: Mocha.Context): Promise<RenderSet> {
    const set = await renderForTest(evaluation, test);
    assertNoProblems(allProblems(set));
    return set;
}
