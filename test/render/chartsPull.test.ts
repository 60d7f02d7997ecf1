// scripts/charts-pull.ts without network: helm replaced by a stand-in that writes what
// `helm pull` would, the Gateway API manifest already in place.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS, GATEWAY_API_CRDS, gatewayApiManifestFile, packagedChartFile } from "../../model/charts";
import { gatewayApiManifestUrl, pullArgs, pullCharts } from "../../scripts/charts-pull";

describe("scripts/charts-pull", () => {
    it("builds helm pull arguments for HTTP repositories and oci:// registries", () => {
        assert.deepStrictEqual(pullArgs(CHARTS.istioGateway, ".charts"), ["pull", "gateway", "--repo", CHARTS.istioGateway.repository, "--version", CHARTS.istioGateway.version, "--destination", ".charts"]);
        assert.deepStrictEqual(pullArgs({ chart: "x", version: "1.0.0", repository: "oci://registry.example/charts/" }, "d"), ["pull", "oci://registry.example/charts/x", "--version", "1.0.0", "--destination", "d"]);
        assert.strictEqual(gatewayApiManifestUrl(), `${GATEWAY_API_CRDS.repository}/${GATEWAY_API_CRDS.version}/standard-install.yaml`);
    });

    it("pulls each pinned chart once into the folder and keeps what is there", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-pull-"));
        const log = path.join(dir, "calls.log");
        const helm = path.join(dir, "helm");
        // Writes <chart>-<version>.tgz into --destination, like helm pull, and logs the call.
        fs.writeFileSync(helm, `#!/bin/sh
echo "$*" >> '${log}'
ref=$2
while [ $# -gt 0 ]; do case $1 in --version) v=$2 ;; --destination) d=$2 ;; esac; shift; done
: > "$d/\${ref##*/}-$v.tgz"
`, { mode: 0o755 });
        const dest = path.join(dir, "charts");
        fs.mkdirSync(dest);
        fs.writeFileSync(path.join(dest, gatewayApiManifestFile(GATEWAY_API_CRDS.version, GATEWAY_API_CRDS.channel)), "");
        fs.writeFileSync(path.join(dest, packagedChartFile(CHARTS.metallb.chart, CHARTS.metallb.version)), "");
        const saved = process.env.HELM;
        process.env.HELM = helm;
        try {
            assert.deepStrictEqual(await pullCharts(dest, () => undefined), []);
        } finally {
            if (saved === undefined) delete process.env.HELM;
            else process.env.HELM = saved;
        }
        const expected = Object.values(CHARTS).map((c) => packagedChartFile(c.chart, c.version));
        for (const file of expected) assert.ok(fs.existsSync(path.join(dest, file)), file);
        const calls = fs.readFileSync(log, "utf8").trim().split("\n");
        assert.strictEqual(calls.length, expected.length - 1, "metallb was already there");
        fs.rmSync(dir, { recursive: true, force: true });
    });
});
