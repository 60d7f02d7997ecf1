import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { BGP_E2E } from "../../scripts/e2eRouter";
import { ROOT } from "../helpers/stacks";

// Runs scripts/e2e.sh with stand-ins for docker, kind, kubectl, pulumi, npm, npx, ip and sudo that
// only record their arguments: the script's order of steps and its cleanup are tested, not the tools.
// `id` says a user who is not root (so `ip route` goes through sudo) and `uname` says Linux, whoever
// runs the tests where.

const TOOLS = ["docker", "kind", "kubectl", "pulumi", "npm", "npx", "ip", "sudo"];
const ROUTER = "istio-metallb-e2e-frr";
const ROUTER_IP = "172.18.0.9";

function fakeBin(dir: string): void {
    for (const tool of TOOLS) {
        fs.writeFileSync(path.join(dir, tool), `#!/usr/bin/env bash
echo "${tool} $*" >> "$FAKE_LOG"
case "${tool} $1 $2" in
  "docker network inspect") echo "172.18.0.0/16 fc00:f853:ccd:e793::/64 " ;;
  "pulumi stack output") echo '{"gateways":{}}' ;;
  "kubectl get nodes") echo "\${FAKE_NODES:-172.18.0.2}" ;;
  "docker inspect -f") echo "${ROUTER_IP}" ;;
  "docker container inspect") [ -n "\${FAKE_ROUTER_EXISTS:-}" ] || exit 1 ;;
  "ip route show") [ -z "\${FAKE_HOST_ROUTE:-}" ] || echo "\$FAKE_HOST_ROUTE" ;;
esac
case "$*" in
  *scripts/ciStack.ts*) echo "ciStack-env E2E_BGP=\${E2E_BGP:-} E2E_BGP_ROUTER_IP=\${E2E_BGP_ROUTER_IP:-} E2E_ADDONS=\${E2E_ADDONS:-}" >> "$FAKE_LOG" ;;
  *"scripts/e2eRouter.ts files"*) echo "e2eRouter-env E2E_BGP_PASSWORD=\${E2E_BGP_PASSWORD:-}" >> "$FAKE_LOG" ;;
esac
if [ -n "\${FAKE_FAIL:-}" ] && [[ "${tool} $*" == \${FAKE_FAIL}* ]]; then exit 3; fi
exit 0
`, { mode: 0o755 });
    }
    fs.writeFileSync(path.join(dir, "id"), `#!/usr/bin/env bash
case "$1" in -u|-g) echo 1000 ;; *) echo "uid=1000(e2e) gid=1000(e2e)" ;; esac
`, { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "uname"), "#!/usr/bin/env bash\necho Linux\n", { mode: 0o755 });
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

describe("scripts/e2e.sh: step timings (with stand-in tools)", function () {
    this.timeout(30000);

    it("says after each step how long it took, and sums every step up at the end, also when a step fails", () => {
        const ok = runE2e();
        assert.strictEqual(ok.status, 0, ok.output);
        assert.match(ok.output, /^-- installing dependencies took \d+s$/m);
        assert.match(ok.output, /^-- pulumi up \(stack fake-e2e, policy pack enforced\) took \d+s$/m);
        const summary = ok.output.split("\n== timings\n")[1];
        assert.ok(summary, ok.output);
        const rows = summary.replace(/\n+$/, "").split("\n");
        assert.match(rows[0], /^\s+\d+s {2}installing dependencies$/);
        assert.match(rows[rows.length - 2], /^\s+\d+s {2}cleaning up$/);
        assert.match(rows[rows.length - 1], /^\s+\d+s {2}total$/);
        for (const step of ["creating kind cluster istio-metallb-e2e", "verifying the edge from outside the cluster", "idempotence: a second preview must show no changes"]) {
            assert.ok(rows.some((r) => r.endsWith(`  ${step}`)), `${step} in\n${summary}`);
        }
        const failed = runE2e("pulumi up");
        assert.match(failed.output.split("\n== timings\n")[1], /\d+s {2}pulumi up \(stack fake-e2e, policy pack enforced\) \(FAILED\)\n/);
    });
});

describe("scripts/e2e.sh: E2E_BGP=1 (with stand-in tools)", function () {
    this.timeout(30000);
    const bgp = (failOn?: string, env: Record<string, string> = {}) => runE2e(failOn, { E2E_BGP: "1", ...env });
    const all = (steps: string[], prefix: string) => steps.map((s, i) => (s.startsWith(prefix) ? i : -1)).filter((i) => i >= 0);
    const routeAdd = `sudo ip route replace ${BGP_E2E.gatewayPrefix} via ${ROUTER_IP}`;
    const routeDel = `sudo ip route del ${BGP_E2E.gatewayPrefix} via ${ROUTER_IP}`;

    it("starts the router from the node IPs before writing the stack, waits for sessions and routes after `pulumi up`, routes the prefix to it, verifies through it, then removes it all", () => {
        const { status, steps, output } = bgp(undefined, { FAKE_NODES: "172.18.0.2 172.18.0.3" });
        assert.strictEqual(status, 0, output);
        const order = [
            "kind create cluster --name istio-metallb-e2e",
            "docker network inspect kind",
            "kubectl get nodes -o jsonpath={.items[*].status.addresses[?(@.type==\"InternalIP\")].address}",
            "docker container inspect istio-metallb-e2e-frr",
            "npx ts-node --transpile-only scripts/e2eRouter.ts files ",
            `docker run -d --privileged --network kind --rm --name ${ROUTER} --label istio-metallb-ingress.e2e=istio-metallb-e2e --volume `,
            `docker inspect -f {{(index .NetworkSettings.Networks "kind").IPAddress}} ${ROUTER}`,
            `docker exec ${ROUTER} sh -c echo 1 > /proc/sys/net/ipv4/ip_forward`,
            `npx ts-node --transpile-only scripts/e2eRouter.ts wait-ready --router ${ROUTER} --nodes 172.18.0.2 172.18.0.3 --timeout 120`,
            "npx ts-node --transpile-only scripts/ciStack.ts 172.18.0.0/16 fake-e2e istio",
            "pulumi stack init fake-e2e",
            "pulumi config set --stack fake-e2e --secret --path metallb.bgp.peers[0].password e2e-",
            "pulumi up --yes --non-interactive --stack fake-e2e --policy-pack policy",
            "pulumi stack output --json --stack fake-e2e",
            `npx ts-node --transpile-only scripts/e2eRouter.ts wait-sessions --router ${ROUTER} --nodes 172.18.0.2 172.18.0.3 --timeout 300`,
            `npx ts-node --transpile-only scripts/e2eRouter.ts wait-routes --router ${ROUTER} --nodes 172.18.0.2 172.18.0.3 --outputs `,
            routeAdd,
            "npm run verify -- --outputs ",
            "pulumi preview --non-interactive --stack fake-e2e --expect-no-changes --policy-pack policy",
            "pulumi destroy --yes --non-interactive --stack fake-e2e",
            routeDel,
            `docker rm -f ${ROUTER}`,
            "kind delete cluster --name istio-metallb-e2e",
        ].map((step) => ({ step, at: indexOf(steps, step) }));
        for (const { step, at } of order) assert.ok(at >= 0, `missing step "${step}" in:\n${steps.join("\n")}`);
        const positions = order.map((o) => o.at);
        assert.deepStrictEqual(positions, [...positions].sort((a, b) => a - b), `steps out of order:\n${steps.join("\n")}`);
        // The router's files and the router share one directory, inside the run's own state directory.
        const filesDir = / files (\S+) --nodes /.exec(steps[indexOf(steps, "npx ts-node --transpile-only scripts/e2eRouter.ts files ")])![1];
        assert.ok(steps[indexOf(steps, "docker run -d")].includes(` --volume ${filesDir}:/etc/frr quay.io/frrouting/frr:`), steps.join("\n"));
        assert.ok(steps.some((s) => s === `docker exec ${ROUTER} chown -R 1000:1000 /etc/frr`), "hands /etc/frr back before removing the router");
        // verify reports the router's routes; the stack gets the router's IP.
        assert.match(steps[indexOf(steps, "npm run verify -- --outputs ")], new RegExp(`--timeout 300 --router ${ROUTER}$`));
        assert.ok(steps.includes(`ciStack-env E2E_BGP=1 E2E_BGP_ROUTER_IP=${ROUTER_IP} E2E_ADDONS=1`), steps.join("\n"));
        assert.strictEqual(all(steps, `docker rm -f ${ROUTER}`).length, 1);
        assert.ok(!fs.existsSync(path.join(ROOT, "Pulumi.fake-e2e.yaml")));
    });

    it("gives the router and the stack one password, new each run, that no other command line carries", () => {
        const runs = [bgp(), bgp()];
        const passwords = runs.map(({ steps, output, status }) => {
            assert.strictEqual(status, 0, output);
            const set = steps[indexOf(steps, "pulumi config set --stack fake-e2e --secret --path metallb.bgp.peers[0].password ")];
            const password = set.split(" ").pop()!;
            assert.match(password, /^e2e-[0-9a-f]{32}$/);
            assert.ok(steps.includes(`e2eRouter-env E2E_BGP_PASSWORD=${password}`), "the router's files get the same password, through the environment");
            const carriers = steps.filter((s) => s.includes(password) && !s.startsWith("e2eRouter-env "));
            assert.deepStrictEqual(carriers, [set], "only `pulumi config set --secret` has it on its command line");
            assert.ok(!output.includes(password), "never printed");
            return password;
        });
        assert.notStrictEqual(passwords[0], passwords[1]);
    });

    it("still removes the router (and only then deletes the cluster) when `pulumi up` fails; no host route was added, none is removed", () => {
        const { status, steps } = bgp("pulumi up");
        assert.notStrictEqual(status, 0);
        assert.strictEqual(indexOf(steps, "npx ts-node --transpile-only scripts/e2eRouter.ts wait-sessions"), -1);
        assert.strictEqual(indexOf(steps, "sudo ip route"), -1);
        const destroy = indexOf(steps, "pulumi destroy");
        const rm = indexOf(steps, `docker rm -f ${ROUTER}`);
        assert.ok(destroy > indexOf(steps, "pulumi up") && rm > destroy && indexOf(steps, "kind delete cluster") > rm, steps.join("\n"));
    });

    it("when the sessions never come up: prints what the router and MetalLB say, skips verify, removes the router", () => {
        const { status, steps, output } = bgp("npx ts-node --transpile-only scripts/e2eRouter.ts wait-sessions");
        assert.notStrictEqual(status, 0);
        assert.match(output, /the BGP sessions did not come up/);
        assert.strictEqual(indexOf(steps, "npm run verify"), -1);
        assert.strictEqual(indexOf(steps, "sudo ip route replace"), -1);
        const wait = indexOf(steps, "npx ts-node --transpile-only scripts/e2eRouter.ts wait-sessions");
        for (const diag of [`docker exec ${ROUTER} vtysh -c show bgp summary`, `docker exec ${ROUTER} vtysh -c show bfd peers brief`, `docker exec ${ROUTER} tail -n 50 /tmp/bgpd.log`, `docker logs --tail 20 ${ROUTER}`, "kubectl get bgpsessionstates -A"]) {
            assert.ok(indexOf(steps, diag) > wait, `${diag} after the failed wait`);
        }
        assert.ok(indexOf(steps, `docker rm -f ${ROUTER}`) > wait);
    });

    it("when verify fails after the host route was added: removes the route, then the router", () => {
        const { status, steps } = bgp("npm run verify");
        assert.notStrictEqual(status, 0);
        const del = indexOf(steps, routeDel);
        assert.ok(indexOf(steps, routeAdd) < indexOf(steps, "npm run verify") && del > indexOf(steps, "npm run verify"));
        assert.ok(indexOf(steps, `docker rm -f ${ROUTER}`) > del);
    });

    it("removes a router whose `docker run` failed half-way, or that never loaded its configuration (saying what it logged)", () => {
        const { status, steps } = bgp("docker run");
        assert.notStrictEqual(status, 0);
        assert.ok(indexOf(steps, `docker rm -f ${ROUTER}`) > indexOf(steps, "docker run"));
        assert.strictEqual(indexOf(steps, "npx ts-node --transpile-only scripts/ciStack.ts"), -1);
        const notReady = bgp("npx ts-node --transpile-only scripts/e2eRouter.ts wait-ready");
        assert.notStrictEqual(notReady.status, 0);
        assert.match(notReady.output, /the BGP router did not start with its configuration/);
        assert.ok(indexOf(notReady.steps, `docker exec ${ROUTER} tail -n 50 /tmp/bgpd.log`) > indexOf(notReady.steps, "npx ts-node --transpile-only scripts/e2eRouter.ts wait-ready"));
        assert.strictEqual(indexOf(notReady.steps, "npx ts-node --transpile-only scripts/ciStack.ts"), -1);
        assert.strictEqual(indexOf(notReady.steps, "pulumi up"), -1);
        assert.ok(indexOf(notReady.steps, `docker rm -f ${ROUTER}`) > 0);
    });

    it("leaves alone a container of the router's name it did not start, and a host route to the prefix it did not add", () => {
        const taken = bgp(undefined, { FAKE_ROUTER_EXISTS: "1" });
        assert.notStrictEqual(taken.status, 0);
        assert.match(taken.output, new RegExp(`a container named ${ROUTER} exists already`));
        assert.strictEqual(indexOf(taken.steps, "docker run"), -1);
        assert.strictEqual(indexOf(taken.steps, "docker rm"), -1);
        assert.ok(indexOf(taken.steps, "kind delete cluster") >= 0);
        const routed = bgp(undefined, { FAKE_HOST_ROUTE: `${BGP_E2E.gatewayPrefix} via 192.168.1.1 dev wlan0` });
        assert.notStrictEqual(routed.status, 0);
        assert.match(routed.output, /this host already routes 10\.99\.0\.0\/24/);
        assert.strictEqual(indexOf(routed.steps, "kind create cluster"), -1, "refused before anything is created");
        assert.strictEqual(indexOf(routed.steps, "sudo ip route"), -1);
    });

    it("with E2E_KEEP=1 leaves the router and the host route, and says how to remove them", () => {
        const { status, steps, output } = bgp(undefined, { E2E_KEEP: "1" });
        assert.strictEqual(status, 0, output);
        assert.strictEqual(indexOf(steps, "docker rm"), -1);
        assert.strictEqual(indexOf(steps, "sudo ip route del"), -1);
        assert.match(output, new RegExp(`docker rm -f ${ROUTER} removes it`));
        assert.match(output, new RegExp(`sudo ip route del ${BGP_E2E.gatewayPrefix.replace(/[./]/g, "\\$&")} via ${ROUTER_IP.replace(/\./g, "\\.")}`));
    });

    it("switching APIs waits for the routes again before the second verify, and adds the host route once", () => {
        const { status, steps, output } = bgp(undefined, { E2E_SWITCH_TO: "gateway-api" });
        assert.strictEqual(status, 0, output);
        const routes = all(steps, "npx ts-node --transpile-only scripts/e2eRouter.ts wait-routes");
        const verifies = all(steps, "npm run verify");
        assert.strictEqual(routes.length, 2);
        assert.strictEqual(verifies.length, 2);
        assert.ok(routes[0] < verifies[0] && verifies[0] < routes[1] && routes[1] < verifies[1]);
        assert.strictEqual(all(steps, "sudo ip route replace").length, 1);
        assert.ok(verifies.every((i) => steps[i].endsWith(`--router ${ROUTER}`)));
    });

    it("without E2E_BGP runs no router, no host route and no route checks; refuses values other than 0 and 1", () => {
        const { status, steps } = runE2e();
        assert.strictEqual(status, 0);
        for (const absent of ["docker run", "docker rm", "kubectl get nodes", "npx ts-node --transpile-only scripts/e2eRouter.ts", "sudo", "ip "]) {
            assert.strictEqual(indexOf(steps, absent), -1, absent);
        }
        assert.ok(!steps[indexOf(steps, "npm run verify")].includes("--router"));
        assert.ok(steps.includes("ciStack-env E2E_BGP=0 E2E_BGP_ROUTER_IP= E2E_ADDONS=1"), steps.join("\n"));
        const wrong = runE2e(undefined, { E2E_BGP: "yes" });
        assert.notStrictEqual(wrong.status, 0);
        assert.match(wrong.output, /E2E_BGP must be 0 or 1, not yes/);
    });

    it("the script's BGP prefix, AS numbers and router image agree with scripts/e2eRouter.ts, and the image is pinned", () => {
        const script = fs.readFileSync(path.join(ROOT, "scripts", "e2e.sh"), "utf8");
        assert.strictEqual(/^BGP_PREFIX="([^"]+)"$/m.exec(script)?.[1], BGP_E2E.gatewayPrefix);
        assert.match(script, new RegExp(`\\(AS ${BGP_E2E.routerAsn}; the cluster is AS ${BGP_E2E.clusterAsn}\\)`));
        assert.match(script, /^FRR_IMAGE="\$\{E2E_FRR_IMAGE:-quay\.io\/frrouting\/frr:\d+\.\d+\.\d+\}"$/m);
        // The waits and the cleanup are in the script itself, not only in what the stand-ins saw.
        assert.match(script, /e2eRouter\.ts wait-sessions /);
        assert.match(script, /e2eRouter\.ts wait-routes /);
        const cleanup = /^cleanup\(\) \{\n([\s\S]*?)\n\}$/m.exec(script)![1];
        assert.match(cleanup, /docker rm -f "\$ROUTER"/);
        assert.match(cleanup, /ip route del "\$BGP_PREFIX" via "\$router_ip"/);
        assert.match(script, /^trap cleanup EXIT$/m);
    });
});

describe(".github/workflows/e2e.yml: the BGP entry", () => {
    const wf = parse(fs.readFileSync(path.join(ROOT, ".github", "workflows", "e2e.yml"), "utf8"));
    const job = wf.jobs.kind;

    it("adds a BGP run beside the three others, and hands E2E_BGP to scripts/e2e.sh", () => {
        assert.deepStrictEqual(job.strategy.matrix.include, [
            { api: "istio", "switch-to": "", bgp: "0" },
            { api: "gateway-api", "switch-to": "", bgp: "0" },
            { api: "istio", "switch-to": "gateway-api", bgp: "0" },
            { api: "istio", "switch-to": "", bgp: "1" },
        ]);
        const step = job.steps.find((s: any) => s.run === "scripts/e2e.sh");
        assert.strictEqual(step.env.E2E_BGP, "${{ matrix.bgp }}");
        assert.strictEqual(step.env.E2E_API, "${{ matrix.api }}");
        assert.strictEqual(job["runs-on"], "ubuntu-latest", "Linux: the host routes the prefix to the router");
        assert.strictEqual(job["timeout-minutes"], 45);
        assert.ok(job.steps.some((s: any) => /\/dl\/\$\{KIND_VERSION\}\/kind-linux-amd64/.test(String(s.run ?? ""))), "kind at the pinned KIND_VERSION");
        assert.match(wf.env.KIND_VERSION, /^v\d+\.\d+\.\d+$/);
    });
});
