// Where the render tests find packaged charts (only through $INGRESS_CHARTS_DIR), what a packaged
// chart holds (defaults, templates, subcharts) and the one message printed when charts are missing.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { GATEWAY_API_CRDS, gatewayApiManifestFile, packagedChartFile } from "../../model/charts";
import { readTar } from "./archive";
import { PROJECT_ROOT } from "./helm";

export const CHARTS_DIR_ENV = "INGRESS_CHARTS_DIR";

/** The chart folder named by $INGRESS_CHARTS_DIR (relative paths are from the project root). */
export function chartsDirectory(): string | undefined {
    const dir = process.env[CHARTS_DIR_ENV];
    return dir ? path.resolve(PROJECT_ROOT, dir) : undefined;
}

/**
 * Where a release's chart comes from: a local path passed as `chart` (a .tgz or a chart folder),
 * else `<chart>-<version>.tgz` in the chart folder (for repository and oci:// charts alike).
 */
export function chartArchive(chart: string, version: string | undefined): { file?: string; missing?: string } {
    if (!chart.startsWith("oci://") && (chart.endsWith(".tgz") || /^\.{0,2}\//.test(chart))) {
        // A path: Pulumi resolves it from the program's working directory, the project root.
        const file = path.resolve(PROJECT_ROOT, chart);
        if (fs.existsSync(file)) return { file };
        // A local chart folder of some other machine: the chart folder may hold the same file.
        const dir = chartsDirectory();
        const fallback = dir && path.join(dir, path.basename(chart));
        return fallback && fs.existsSync(fallback) ? { file: fallback } : { missing: `${path.basename(chart)} (given as ${chart})` };
    }
    const name = chart.replace(/\/+$/, "").split("/").pop()!;
    if (!version) return { missing: `${name} (no version pinned)` };
    const wanted = packagedChartFile(name, version);
    const dir = chartsDirectory();
    if (!dir) return { missing: wanted };
    const file = path.join(dir, wanted);
    return fs.existsSync(file) ? { file } : { missing: wanted };
}

/** The Gateway API CRD manifest in the chart folder, when there. */
export function gatewayApiManifest(): { file?: string; missing?: string } {
    const wanted = gatewayApiManifestFile(GATEWAY_API_CRDS.version, GATEWAY_API_CRDS.channel);
    const dir = chartsDirectory();
    const file = dir && path.join(dir, wanted);
    return file && fs.existsSync(file) ? { file } : { missing: wanted };
}

let announced = false;

/**
 * One loud line, once per run, naming what is missing and how to get it; the caller then marks
 * its test pending. CI checks separately that the render tests ran.
 */
export function announceMissingCharts(missing: string[]): void {
    if (announced) return;
    announced = true;
    const where = chartsDirectory() ? `${CHARTS_DIR_ENV}=${process.env[CHARTS_DIR_ENV]}` : `${CHARTS_DIR_ENV} is not set`;
    console.warn(
        `\n!!! HELM RENDER TESTS SKIPPED: ${where}; missing ${missing.join(", ")}. ` +
            `Get the charts with \`npm run charts:pull\`, then run \`${CHARTS_DIR_ENV}=.charts npm test\`. !!!\n`,
    );
}

/** A chart dependency as Chart.yaml declares it. */
export interface ChartDependency {
    name: string;
    alias?: string;
    /** Comma-separated value paths that enable the subchart. */
    condition?: string;
    tags?: string[];
}

/** What the value checks need of a packaged chart. */
export interface ChartTree {
    name: string;
    version: string;
    kubeVersion?: string;
    /** values.yaml. */
    defaults: Record<string, unknown>;
    /** Template text by path in the chart: templates/ (but NOTES.txt) and files/ holding template actions. */
    templates: Record<string, string>;
    dependencies: ChartDependency[];
    /** Subcharts by the key their values live under in this chart (alias, else name). */
    subcharts: Record<string, ChartTree>;
}

/** Builds a chart from its files, paths relative to the chart's own folder. */
export function chartFromFiles(files: Map<string, Buffer>): ChartTree {
    const text = (name: string) => files.get(name)?.toString("utf8");
    const meta = (parse(text("Chart.yaml") ?? "") ?? {}) as Record<string, any>;
    const templates: Record<string, string> = {};
    const nested = new Map<string, Map<string, Buffer>>();
    for (const [name, content] of files) {
        const sub = /^charts\/([^/]+)\/(.+)$/.exec(name);
        if (sub) {
            if (!nested.has(sub[1])) nested.set(sub[1], new Map());
            nested.get(sub[1])!.set(sub[2], content);
        } else if (/^charts\/[^/]+\.tgz$/.test(name)) {
            for (const [inner, innerContent] of chartFolders(readTar(content))) nested.set(`${name}:${inner}`, innerContent);
        } else if (name.startsWith("templates/") && !name.endsWith("NOTES.txt")) {
            templates[name] = content.toString("utf8");
        } else if (name.startsWith("files/")) {
            // Templates kept as files and run later (Istio's injection templates run in istiod).
            const body = content.toString("utf8");
            if (body.includes(".Values")) templates[name] = body;
        }
    }
    const dependencies: ChartDependency[] = (meta.dependencies ?? []).map((d: any) => ({
        name: d.name,
        alias: d.alias || undefined,
        condition: d.condition || undefined,
        tags: d.tags,
    }));
    const subcharts: Record<string, ChartTree> = {};
    for (const subFiles of nested.values()) {
        const sub = chartFromFiles(subFiles);
        const declared = dependencies.filter((d) => d.name === sub.name);
        for (const key of declared.length > 0 ? declared.map((d) => d.alias ?? d.name) : [sub.name]) subcharts[key] = sub;
    }
    const defaults = parse(text("values.yaml") ?? "") ?? {};
    return {
        name: String(meta.name ?? ""),
        version: String(meta.version ?? ""),
        kubeVersion: meta.kubeVersion,
        defaults: typeof defaults === "object" ? defaults : {},
        templates,
        dependencies,
        subcharts,
    };
}

/** The chart folders of an archive: top-level folder → its files. */
function chartFolders(files: Map<string, Buffer>): Map<string, Map<string, Buffer>> {
    const folders = new Map<string, Map<string, Buffer>>();
    for (const [name, content] of files) {
        const slash = name.indexOf("/");
        if (slash < 0) continue;
        const top = name.slice(0, slash);
        if (!folders.has(top)) folders.set(top, new Map());
        folders.get(top)!.set(name.slice(slash + 1), content);
    }
    return folders;
}

const loaded = new Map<string, ChartTree>();

function folderFiles(dir: string, prefix = ""): Map<string, Buffer> {
    const files = new Map<string, Buffer>();
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) for (const [name, content] of folderFiles(full, `${prefix}${entry.name}/`)) files.set(name, content);
        else if (entry.isFile()) files.set(`${prefix}${entry.name}`, fs.readFileSync(full));
    }
    return files;
}

/** The chart in a packaged `.tgz` (what `helm pull` writes) or in a chart folder. */
export function loadChart(file: string): ChartTree {
    const stat = fs.statSync(file);
    const key = `${file}:${stat.size}:${stat.mtimeMs}`;
    let chart = loaded.get(key);
    if (!chart) {
        if (stat.isDirectory()) {
            chart = chartFromFiles(folderFiles(file));
        } else {
            const folders = [...chartFolders(readTar(fs.readFileSync(file))).values()].filter((f) => f.has("Chart.yaml"));
            if (folders.length !== 1) throw new Error(`${file}: expected one chart, found ${folders.length}`);
            chart = chartFromFiles(folders[0]);
        }
        loaded.set(key, chart);
    }
    return chart;
}
