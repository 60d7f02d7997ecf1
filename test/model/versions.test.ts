// Version floors and ceilings of every pinned component: below a floor is an error that names the
// version to use (and that version passes); newer than tested is a warning.
import * as assert from "assert";
import { checkStackConfig, parseStackConfig } from "../../config";
import { CHARTS } from "../../model/charts";
import { edgeWarnings } from "../../model/validate";
import { editedConfig } from "../helpers/stacks";

const dev = (edit: (raw: Record<string, any>) => void) => editedConfig("dev", edit);
const problemsOf = (raw: Record<string, any>) => checkStackConfig(raw).problems;

/** The one problem of a config, and the version it says to use. */
function suggested(raw: Record<string, any>, pattern: RegExp): string {
    const problems = problemsOf(raw);
    assert.strictEqual(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], pattern);
    return /use "([^"]+)"/.exec(problems[0])![1];
}

describe("model: version floors, each naming a version that passes", () => {
    it("refuses an Istio whose CRDs serve no networking.istio.io/v1 (1.21.6), and accepts 1.22.0", () => {
        const use = suggested(dev((raw) => { raw.istio = { version: "1.21.6" }; }), /^istio\.version: "1\.21\.6" is older than Istio 1\.22\.0, the first whose CRDs serve the networking\.istio\.io\/v1/);
        assert.strictEqual(use, CHARTS.istiod.version);
        assert.deepStrictEqual(problemsOf(dev((raw) => { raw.istio = { version: use }; })), []);
        assert.deepStrictEqual(problemsOf(dev((raw) => { raw.istio = { version: "1.22.0" }; })), []);
    });

    it("refuses a MetalLB that ignores metallb.io/ annotations (0.14.8) or has no CRDs (0.12.1), and accepts 0.14.9", () => {
        for (const version of ["0.14.8", "0.12.1"]) {
            const use = suggested(dev((raw) => { raw.metallb.version = version; }), new RegExp(`^metallb\\.version: "${version.replace(/\./g, "\\.")}" is older than MetalLB 0\\.14\\.9, the first that reads the metallb\\.io/loadBalancerIPs annotation`));
            assert.deepStrictEqual(problemsOf(dev((raw) => { raw.metallb.version = use; })), []);
        }
        assert.deepStrictEqual(problemsOf(dev((raw) => { raw.metallb.version = "0.14.9"; })), []);
    });

    it("refuses a Jaeger image that is not 2.x, and addon charts of an older major", () => {
        const use = suggested(dev((raw) => { raw.addons.tracing.version = "1.62.0"; }), /^addons\.tracing\.version: "1\.62\.0" is not a Jaeger 2\.x image/);
        assert.deepStrictEqual(problemsOf(dev((raw) => { raw.addons.tracing.version = use; })), []);
        suggested(dev((raw) => { raw.addons.prometheus.version = "27.40.0"; }), /^addons\.prometheus\.version: "27\.40\.0" is an older major release than the prometheus chart/);
    });

    it("in gateway-api mode, sends an Istio built against a too-old Gateway API to a version that passes, not to a CRD release it refuses", () => {
        for (const version of ["1.22.8", "1.23.6"]) {
            const problems = problemsOf(dev((raw) => { raw.api = "gateway-api"; raw.istio = { version }; }));
            assert.strictEqual(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], /is too old for gateway-api mode, which needs Istio 1\.24 or later/);
            assert.doesNotMatch(problems[0], /gatewayApi\.crds\.version to a v1\.1/);
            const use = /use istio\.version "([^"]+)"/.exec(problems[0])![1];
            assert.deepStrictEqual(problemsOf(dev((raw) => { raw.api = "gateway-api"; raw.istio = { version: use }; })), []);
        }
    });
});

describe("model: versions that work with a caveat are warnings", () => {
    const warnings = (edit: (raw: Record<string, any>) => void) => edgeWarnings(parseStackConfig(dev(edit)));

    it("warns of Istio charts that ignore base.validationFailurePolicy, with what to do before upgrading", () => {
        for (const version of ["1.27.4", "1.28.5", "1.29.1"]) {
            const [warning] = warnings((raw) => { raw.istio = { version }; });
            assert.match(warning, new RegExp(`^istio\\.version ${version.replace(/\./g, "\\.")}: its charts ignore base\\.validationFailurePolicy`), version);
            assert.match(warning, /istio\/istio#45204/);
        }
        for (const version of ["1.28.6", "1.29.2", "1.30.0", CHARTS.istiod.version]) assert.deepStrictEqual(warnings((raw) => { raw.istio = { version }; }), [], version);
    });

    it("warns of a release newer than the tested one, and of nothing for the pinned ones", () => {
        assert.deepStrictEqual(warnings(() => undefined), []);
        const [istio] = warnings((raw) => { raw.istio = { version: "1.31.1" }; });
        assert.match(istio, /^istio\.version 1\.31\.1 is newer than the release this program is tested with \(1\.30\.3\)/);
        const [metallb] = warnings((raw) => { raw.metallb.version = "0.17.0"; });
        assert.match(metallb, /^metallb\.version 0\.17\.0 is newer/);
        // A newer patch of the tested minor is what the pin is for.
        assert.deepStrictEqual(warnings((raw) => { raw.istio = { version: "1.30.9" }; }), []);
    });
});
