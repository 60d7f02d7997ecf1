// Air-gapped installs: a chart repository may be a local folder of packaged charts. The one
// check that reads the disk: every chart the edge needs is in that folder, at the pinned version.
import * as fs from "fs";
import * as path from "path";
import { CHARTS, locateChart } from "../model/charts";
import type { EdgeSpec } from "../model/types";

/** Problems for charts that a local repository folder lacks (none for URL repositories). */
export function missingChartFiles(spec: EdgeSpec, baseDir = process.cwd()): string[] {
    const wanted = [
        { key: "metallb", repository: spec.metallb.repository, chart: CHARTS.metallb.chart, version: spec.metallb.version },
        // In gateway-api mode istiod deploys the gateways: no gateway chart is installed.
        ...[CHARTS.istioBase, CHARTS.istiod, ...(spec.api === "gateway-api" ? [] : [CHARTS.istioGateway])].map((c) => ({ key: "istio", repository: spec.istio.repository, chart: c.chart, version: spec.istio.version })),
        ...(["prometheus", "grafana", "kiali"] as const).filter((name) => spec.addons?.[name].enabled).map((name) => ({
            key: `addons.${name}`, repository: spec.addons![name].repository, chart: CHARTS[name].chart, version: spec.addons![name].version,
        })),
    ];
    const problems: string[] = [];
    for (const w of wanted) {
        const location = locateChart(w.repository, w.chart, w.version);
        if (location.kind !== "file") continue;
        const file = path.resolve(baseDir, location.path);
        if (!fs.existsSync(file)) {
            const folder = path.dirname(file);
            const present = fs.existsSync(folder) ? fs.readdirSync(folder).filter((f) => f.startsWith(`${w.chart}-`) && f.endsWith(".tgz")) : undefined;
            problems.push(`${w.key}.repository: ${JSON.stringify(w.repository)} has no ${path.basename(file)} (looked for ${file}); ` +
                (present === undefined ? "the folder does not exist; " : present.length > 0 ? `it holds ${present.join(", ")}; set ${w.key}.version to one of them or ` : "") +
                `put the chart there with \`helm pull ${w.chart} --version ${w.version} --repo <official repository> -d ${w.repository}\` (or \`npm run charts:pull\`)`);
        }
    }
    return problems;
}
