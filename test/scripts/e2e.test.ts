import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../helpers/stacks";

// Runs scripts/e2e.sh with stand-ins for docker, kind, kubectl, pulumi, npm and npx that only
// record their arguments: the script's order of steps and its cleanup are tested, not the tools.

const TOOLS = ["docker", "kind", "kubectl", "pulumi", "npm", "npx"];

function fakeBin(dir: string): void {
    for (const tool of TOOLS) {
        fs.writeFileSync(path.join(dir, tool), `#!/usr/bin/env bash
echo "${tool} $*" >> "$FAKE_LOG"
case "${tool} $1 $2" in
  "docker network inspect") echo "172.18.0.0/16 fc00:f853:ccd:e793::/64 " ;;
  "pulumi stack output") echo '{"gateways":{}}' ;;
esac
if [ -n "\${FAKE_FAIL:-}" ] && [[ "${tool} $*" == \${FAKE_FAIL}* ]]; then exit 3; fi
exit 0
`, { mode: 0o755 });
    }
}

function runE2e(failOn?: string, env: Record<string, string> = {}): { status: number | null; steps: string[]; output: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "e2e-fake-"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fakeBin(bin);
    const log = path.join(dir, "log");
    fs.writeFileSync(log, "");
    const result = spawnSync("bash", [path.join(ROOT, "scripts", "e2e.sh")], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, FAKE_LOG: log, FAKE_FAIL: failOn ?? "", E2E_STACK: "fake-e2e", ...env },
        encoding: "utf8",
        timeout: 20000,
    });
    const steps = fs.readFileSync(log, "utf8").trim().split("\n");
    fs.rmSync(dir, { recursive: true, force: true });
    return { status: result.status, steps, output: `${result.stdout}${result.stderr}` };
}

const indexOf = (steps: string[], prefix: string) => steps.findIndex((s) => s.startsWith(prefix));

describe("scripts/e2e.sh (with stand-in tools)", function () {
    this.timeout(30000);

    it("creates the cluster, deploys with the policy pack, verifies, checks idempotence, then cleans up", () => {
        const { status, steps, output } = runE2e();
        assert.strictEqual(status, 0, output);
        const order = [
            "kind create cluster --name istio-metallb-e2e",
            "docker network inspect kind",
            "npx ts-node --transpile-only scripts/ciStack.ts 172.18.0.0/16 fake-e2e",
            "pulumi up --yes --non-interactive --stack fake-e2e --policy-pack policy",
            "pulumi stack output --json --stack fake-e2e",
            "npm run verify -- --outputs",
            "pulumi preview --non-interactive --stack fake-e2e --expect-no-changes --policy-pack policy",
            "pulumi destroy --yes --non-interactive --stack fake-e2e",
            "kind delete cluster --name istio-metallb-e2e",
        ].map((step) => ({ step, at: indexOf(steps, step) }));
        for (const { step, at } of order) assert.ok(at >= 0, `missing step "${step}" in:\n${steps.join("\n")}`);
        const positions = order.map((o) => o.at);
        assert.deepStrictEqual(positions, [...positions].sort((a, b) => a - b), "steps out of order");
        assert.ok(!fs.existsSync(path.join(ROOT, "Pulumi.fake-e2e.yaml")));
    });

    it("still destroys the stack and deletes the cluster when pulumi up fails, and exits non-zero", () => {
        const { status, steps } = runE2e("pulumi up");
        assert.notStrictEqual(status, 0);
        assert.strictEqual(indexOf(steps, "npm run verify"), -1, "no verify after a failed up");
        assert.ok(indexOf(steps, "pulumi destroy") > indexOf(steps, "pulumi up"));
        assert.ok(indexOf(steps, "kind delete cluster") >= 0);
    });

    it("in gateway-api mode waits for the Gateways to be Programmed before verifying; switches APIs and verifies again when asked", () => {
        const plain = runE2e();
        assert.strictEqual(indexOf(plain.steps, "kubectl wait"), -1, "istio mode has no Gateway API objects to wait for");
        const { status, steps, output } = runE2e(undefined, { E2E_API: "istio", E2E_SWITCH_TO: "gateway-api" });
        assert.strictEqual(status, 0, output);
        assert.ok(indexOf(steps, "npx ts-node --transpile-only scripts/ciStack.ts 172.18.0.0/16 fake-e2e istio") >= 0, steps.join("\n"));
        const verifies = steps.map((s, i) => (s.startsWith("npm run verify") ? i : -1)).filter((i) => i >= 0);
        const ups = steps.map((s, i) => (s.startsWith("pulumi up") ? i : -1)).filter((i) => i >= 0);
        const switched = indexOf(steps, "pulumi config set --stack fake-e2e istio-metallb-ingress:api gateway-api");
        const wait = indexOf(steps, "kubectl wait --for=condition=Programmed --all --all-namespaces gateways.gateway.networking.k8s.io");
        assert.strictEqual(verifies.length, 2);
        assert.strictEqual(ups.length, 2);
        assert.ok(verifies[0] < switched && switched < ups[1] && ups[1] < wait && wait < verifies[1], steps.join("\n"));
    });

    it("fails when verify fails, after cleaning up", () => {
        const { status, steps } = runE2e("npm run verify");
        assert.notStrictEqual(status, 0);
        assert.strictEqual(indexOf(steps, "pulumi preview"), -1);
        assert.ok(indexOf(steps, "kind delete cluster") > indexOf(steps, "npm run verify"));
    });
});
