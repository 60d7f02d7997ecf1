// scripts/charts-pull.ts without network: helm replaced by a stand-in that writes what
// `helm pull` would, the Gateway API manifest already in place.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CHARTS, GATEWAY_API_CRDS, gatewayApiManifestFile, packagedChartFile } from "../../model/charts";
import { USAGE, gatewayApiManifestUrl, isNetworkError, main, pullArgs, pullCharts, wantedFiles } from "../../scripts/charts-pull";
import { CACHE_DIR, HelmEnvironment, discoverHelm, helmBinary, helmVersionProblem } from "./helm";

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

describe("scripts/charts-pull without network, and its usage", () => {
    // What helm and fetch report when DNS does not resolve (as seen on a machine without network).
    const dnsHelm = async (args: string[]) => {
        throw new Error(`helm pull failed (exit 1): Error: looks like "${args[3]}" is not a valid chart repository or cannot be reached: Get "${args[3]}/index.yaml": dial tcp: lookup example.invalid on 10.255.255.53:53: no such host`);
    };
    const dnsFetch = async () => {
        throw new TypeError("fetch failed", { cause: Object.assign(new Error("getaddrinfo ENOTFOUND github.com"), { code: "ENOTFOUND" }) });
    };
    const offline = { helm: dnsHelm, download: dnsFetch, checkHelm: () => undefined };
    const capture = () => {
        const io = { lines: [] as string[], errors: [] as string[] };
        return { ...io, out: (l: string) => io.lines.push(l), err: (l: string) => io.errors.push(l), text: () => [...io.lines, ...io.errors].join("\n") };
    };

    it("ends with one paragraph naming the files to copy, and leaves no empty folder it made behind", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-offline-"));
        const dest = path.join(dir, "new", "charts");
        const io = capture();
        assert.strictEqual(await main(["--dest", dest], io, offline), 1);
        const text = io.errors.join("\n");
        const advice = text.slice(text.indexOf("charts:pull: no network"));
        assert.ok(text.includes("charts:pull: no network"), text);
        for (const file of Object.values(CHARTS).map((c) => packagedChartFile(c.chart, c.version))) assert.ok(advice.includes(`  ${file}\n`), `${file} in:\n${advice}`);
        assert.ok(advice.includes(gatewayApiManifestFile(GATEWAY_API_CRDS.version, GATEWAY_API_CRDS.channel)), advice);
        assert.match(advice, /run `npm run charts:pull` there/);
        assert.match(advice, /or point INGRESS_CHARTS_DIR at a folder that holds them/);
        assert.ok(!fs.existsSync(path.join(dir, "new")), "the folders it created are gone");
        assert.ok(fs.existsSync(dir));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("keeps a folder that was there before, and whatever it holds; names only the files still missing", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-offline-"));
        const empty = path.join(dir, "empty");
        fs.mkdirSync(empty);
        assert.deepStrictEqual((await pullCharts(empty, () => undefined, offline)).map((f) => f.network), wantedFiles().map(() => true));
        assert.ok(fs.existsSync(empty), "an empty folder that existed is kept");
        const kept = path.join(dir, "kept");
        fs.mkdirSync(kept);
        const metallb = packagedChartFile(CHARTS.metallb.chart, CHARTS.metallb.version);
        fs.writeFileSync(path.join(kept, metallb), "");
        fs.writeFileSync(path.join(kept, "notes.txt"), "mine");
        const io = capture();
        assert.strictEqual(await main([`--dest=${kept}`], io, offline), 1);
        assert.deepStrictEqual(fs.readdirSync(kept).sort(), [metallb, "notes.txt"].sort());
        const advice = io.errors.join("\n").split("charts:pull: no network")[1];
        assert.ok(!advice.includes(metallb), "a chart already there is not asked for");
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("tells a failure that is not the network apart (no offline advice)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-offline-"));
        const io = capture();
        const notFound = { helm: async () => { throw new Error('helm pull failed (exit 1): Error: chart "metallb" version "0.16.1" not found in https://metallb.github.io/metallb repository'); }, download: async () => { throw new Error("GET https://github.com/x: 404 Not Found"); }, checkHelm: () => undefined };
        assert.strictEqual(await main(["--dest", path.join(dir, "c")], io, notFound), 1);
        assert.ok(io.errors.join("\n").includes(`${wantedFiles().length} failed`), io.errors.join("\n"));
        assert.ok(!io.text().includes("no network"), io.text());
        assert.ok(isNetworkError(new Error("dial tcp 1.2.3.4:443: i/o timeout")));
        assert.ok(isNetworkError(Object.assign(new Error("x"), { cause: { code: "ECONNREFUSED", message: "connect ECONNREFUSED" } })));
        assert.ok(!isNetworkError(new Error("GET https://x: 404 Not Found")));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("without a usable helm says so once and pulls nothing; prints its usage for --help and refuses unknown flags", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "charts-nohelm-"));
        let calls = 0;
        const io = capture();
        const noHelm = { helm: async () => { calls++; }, download: dnsFetch, checkHelm: () => { throw new Error("no usable helm: set HELM=/path/to/helm"); } };
        assert.strictEqual(await main(["--dest", path.join(dir, "c")], io, noHelm), 2);
        assert.deepStrictEqual(io.errors, ["charts:pull: no usable helm: set HELM=/path/to/helm"]);
        assert.strictEqual(calls, 0);
        assert.ok(!fs.existsSync(path.join(dir, "c")));

        const help = capture();
        assert.strictEqual(await main(["--help"], help, offline), 0);
        assert.deepStrictEqual(help.lines, [USAGE]);
        assert.match(USAGE, /--dest DIR/);
        for (const bad of [["--dst", "x"], ["--dest"], ["extra"]]) {
            const io2 = capture();
            assert.strictEqual(await main(bad, io2, offline), 2, bad.join(" "));
            assert.ok(io2.errors.join("\n").endsWith(USAGE), io2.errors.join("\n"));
        }
        fs.rmSync(dir, { recursive: true, force: true });
    });
});

describe("test/render/helm: which helm runs", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "helm-discovery-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    /** A folder holding a stand-in `helm` that prints `version` (or fails when version is undefined). */
    const binDir = (name: string, version?: string): string => {
        const bin = path.join(dir, name);
        fs.mkdirSync(bin, { recursive: true });
        fs.writeFileSync(path.join(bin, "helm"), version === undefined ? "#!/bin/sh\necho 'cannot execute binary file' >&2\nexit 126\n" : `#!/bin/sh\necho '${version}'\n`, { mode: 0o755 });
        return bin;
    };
    const good = binDir("good", "v3.17.2+g1234567");
    const old = binDir("old", "Client: v2.17.0+ga690bad");
    const broken = binDir("broken");
    const emptyDir = path.join(dir, "empty");
    fs.mkdirSync(emptyDir);
    const machine = (over: Partial<HelmEnvironment> & { path?: string[] }): HelmEnvironment & { bundledCalls: number } => {
        const m = {
            env: { PATH: (over.path ?? [emptyDir]).join(path.delimiter) } as NodeJS.ProcessEnv,
            platform: "linux" as NodeJS.Platform, arch: "x64", bundledCalls: 0,
            bundled: () => { m.bundledCalls++; return path.join(broken, "helm"); },
            problem: (b: string) => helmVersionProblem(b),
            ...over,
        };
        if (over.env) m.env = over.env;
        return m;
    };

    it("takes $HELM as given, else the bundled helm on linux/x64 when it runs", () => {
        assert.strictEqual(discoverHelm(machine({ env: { HELM: "/opt/helm", PATH: good } })), "/opt/helm");
        const runs = machine({ bundled: () => path.join(good, "helm"), path: [old] });
        assert.strictEqual(discoverHelm(runs), path.join(good, "helm"));
    });

    it("falls back to helm on PATH when the bundled one cannot run, or on another platform", () => {
        assert.strictEqual(discoverHelm(machine({ path: [emptyDir, good] })), path.join(good, "helm"));
        const mac = machine({ platform: "darwin", arch: "arm64", path: [good] });
        assert.strictEqual(discoverHelm(mac), path.join(good, "helm"));
        assert.strictEqual(mac.bundledCalls, 0, "the linux/x64 binary is not even unpacked");
        assert.strictEqual(discoverHelm(machine({ arch: "arm64", path: [good] })), path.join(good, "helm"));
    });

    it("names all three ways in one error when none works", () => {
        for (const m of [machine({ platform: "darwin", arch: "arm64" }), machine({ path: [broken] }), machine({ platform: "win32", path: [old] })]) {
            assert.throws(() => discoverHelm(m), (err: Error) => {
                assert.match(err.message, /set HELM=\/path\/to\/helm/);
                assert.match(err.message, /install helm 3\.x or 4\.x on PATH/);
                assert.match(err.message, /run on linux\/x64/);
                return true;
            });
        }
        assert.throws(() => discoverHelm(machine({ path: [old] })), /helm v2\.17\.0; 3\.x or 4\.x is needed/);
        assert.throws(() => discoverHelm(machine({ platform: "darwin", arch: "arm64" })), /linux\/x64 only, this machine is darwin\/arm64; there is no helm on PATH/);
        assert.strictEqual(helmVersionProblem(path.join(good, "helm")), undefined);
        assert.match(helmVersionProblem(path.join(broken, "helm"))!, /exited with 126: cannot execute binary file/);
    });

    it("here (linux/x64, no $HELM) the render tests use the bundled helm", function () {
        if (process.env.HELM || process.platform !== "linux" || process.arch !== "x64") this.skip();
        assert.ok(helmBinary().startsWith(path.join(CACHE_DIR, "helm-")), helmBinary());
    });
});
