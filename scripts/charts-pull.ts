// `npm run charts:pull [-- --dest <dir>]`: downloads every pinned chart (model/charts.ts) with
// `helm pull`, and the Gateway API CRD manifest, into .charts/ (or <dir>). Needs network; files
// already there are kept. Then: `INGRESS_CHARTS_DIR=.charts npm test` runs the helm render tests.
import * as fs from "fs";
import * as path from "path";
import { CHARTS, ChartSource, GATEWAY_API_CRDS, gatewayApiManifestFile, packagedChartFile } from "../model/charts";
import { CHARTS_DIR_ENV } from "../test/render/charts";
import { PROJECT_ROOT, runHelm } from "../test/render/helm";

/** The `helm pull` arguments for one chart into `dest`. */
export function pullArgs(source: ChartSource, dest: string): string[] {
    const ref = source.repository.startsWith("oci://")
        ? [`${source.repository.replace(/\/+$/, "")}/${source.chart}`]
        : [source.chart, "--repo", source.repository];
    return ["pull", ...ref, "--version", source.version, "--destination", dest];
}

/** Where the Gateway API release publishes its CRD manifest. */
export function gatewayApiManifestUrl(): string {
    return `${GATEWAY_API_CRDS.repository}/${GATEWAY_API_CRDS.version}/${GATEWAY_API_CRDS.channel}-install.yaml`;
}

async function download(url: string, file: string): Promise<void> {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${response.statusText}`);
    const temporary = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(temporary, Buffer.from(await response.arrayBuffer()));
    fs.renameSync(temporary, file);
}

/**
 * Pulls every pinned chart and the Gateway API manifest into `dest`, keeping files already
 * there; resolves with the failures (empty when everything is in place).
 */
export async function pullCharts(dest: string, log: (line: string) => void = console.log): Promise<string[]> {
    fs.mkdirSync(dest, { recursive: true });
    const failures: string[] = [];
    // Roles may share a chart file: pull each file once.
    const sources = new Map(Object.values(CHARTS).map((s: ChartSource) => [packagedChartFile(s.chart, s.version), s]));
    for (const [file, source] of sources) {
        if (fs.existsSync(path.join(dest, file))) {
            log(`present   ${file}`);
            continue;
        }
        try {
            await runHelm(pullArgs(source, dest));
            if (!fs.existsSync(path.join(dest, file))) throw new Error(`helm pull did not write ${file}`);
            log(`pulled    ${file}  (${source.repository})`);
        } catch (err) {
            failures.push(`${file}: ${(err as Error).message}`);
        }
    }
    const manifest = gatewayApiManifestFile(GATEWAY_API_CRDS.version, GATEWAY_API_CRDS.channel);
    if (fs.existsSync(path.join(dest, manifest))) {
        log(`present   ${manifest}`);
    } else {
        try {
            await download(gatewayApiManifestUrl(), path.join(dest, manifest));
            log(`fetched   ${manifest}  (${gatewayApiManifestUrl()})`);
        } catch (err) {
            const cause = (err as Error & { cause?: Error }).cause;
            failures.push(`${manifest}: ${(err as Error).message}${cause ? ` (${cause.message})` : ""}`);
        }
    }
    return failures;
}

async function main(argv: string[]): Promise<number> {
    const at = argv.indexOf("--dest");
    const dest = path.resolve(PROJECT_ROOT, at >= 0 && argv[at + 1] ? argv[at + 1] : ".charts");
    const failures = await pullCharts(dest);
    if (failures.length > 0) {
        console.error(`charts:pull: ${failures.length} failed:\n  ${failures.join("\n  ")}`);
        return 1;
    }
    console.log(`Charts are in ${path.relative(PROJECT_ROOT, dest)}; run the render tests with: ${CHARTS_DIR_ENV}=${path.relative(PROJECT_ROOT, dest)} npm test`);
    return 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => process.exit(code), (err) => {
        console.error(err);
        process.exit(1);
    });
}
