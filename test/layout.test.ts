// The layout the code promises: no import cycle, a pure model, small config files, a short program.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "./helpers/stacks";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const madge = require("madge") as (paths: string[], options: object) => Promise<{ circular(): string[][] }>;

async function cycles(dir: string, paths: string[]): Promise<string[][]> {
    const result = await madge(paths.map((p) => path.join(dir, p)), {
        baseDir: dir,
        fileExtensions: ["ts"],
        tsConfig: fs.existsSync(path.join(dir, "tsconfig.json")) ? path.join(dir, "tsconfig.json") : undefined,
        excludeRegExp: [/node_modules/, /\.d\.ts$/],
    });
    return result.circular();
}

const sourceFiles = (dir: string): string[] => fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : []);

describe("layout", function () {
    this.timeout(30_000);

    it("has no import cycle anywhere in the program, the package, the scripts or the policy pack", async () => {
        assert.deepStrictEqual(await cycles(ROOT, ["index.ts", "cluster", "components", "config", "model", "scripts", "policy/lib", "policy/policies"]), []);
    });

    it("the cycle check itself finds a cycle", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cycle-"));
        fs.writeFileSync(path.join(dir, "a.ts"), 'import { b } from "./b";\nexport const a = () => b;\n');
        fs.writeFileSync(path.join(dir, "b.ts"), 'import { a } from "./a";\nexport const b = () => a;\n');
        assert.deepStrictEqual(await cycles(dir, ["a.ts"]), [["a.ts", "b.ts"]]);
    });

    it("keeps the model pure: nothing in model/ imports Pulumi", () => {
        for (const file of sourceFiles("model")) {
            assert.doesNotMatch(fs.readFileSync(path.join(ROOT, file), "utf8"), /from "@pulumi\//, file);
        }
    });

    it("keeps config/ to one job per file, none over 250 lines", () => {
        for (const file of sourceFiles("config")) {
            const lines = fs.readFileSync(path.join(ROOT, file), "utf8").split("\n").length;
            assert.ok(lines <= 250, `${file}: ${lines} lines`);
        }
    });

    it("keeps index.ts short: read config, check the cluster, one Edge, outputs", () => {
        const text = fs.readFileSync(path.join(ROOT, "index.ts"), "utf8");
        assert.ok(text.split("\n").length <= 40);
        assert.strictEqual((text.match(/new Edge\(/g) ?? []).length, 1);
    });
});
