// scripts/init-stack.ts with stand-in docker and minikube (injected command runners): each kind of
// cluster gets a stack the program's own validation accepts, on the addresses that fit it.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { flatConfigFrom, parseStackConfig, rawConfigFrom } from "../../config";
import { CommandResult, USAGE, main } from "../../scripts/init-stack";
import { ROOT } from "../helpers/stacks";

/** A project folder holding only Pulumi.dev.yaml, and a runner that answers from canned output. */
function project(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "init-stack-"));
    fs.copyFileSync(path.join(ROOT, "Pulumi.dev.yaml"), path.join(dir, "Pulumi.dev.yaml"));
    return dir;
}

type Canned = Record<string, Partial<CommandResult>>;

function runner(canned: Canned) {
    const calls: string[] = [];
    const run = (command: string, args: string[]): CommandResult => {
        const line = [command, ...args].join(" ");
        calls.push(line);
        const answer = Object.entries(canned).find(([prefix]) => line.startsWith(prefix))?.[1];
        if (!answer) return { status: null, stdout: "", stderr: "", error: Object.assign(new Error(`spawnSync ${command} ENOENT`), { code: "ENOENT" }) };
        return { status: 0, stdout: "", stderr: "", ...answer };
    };
    return { run, calls };
}

const KIND_NETWORK = { "docker network inspect kind -f {{range .IPAM.Config}}{{.Subnet}} {{end}}": { stdout: "172.18.0.0/16 fc00:f853:ccd:e793::/64 \n" } };

function init(argv: string[], canned: Canned = {}, dir = project()) {
    const { run, calls } = runner(canned);
    const out: string[] = [];
    const err: string[] = [];
    const code = main(argv, { root: dir, run, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join("\n"), err: err.join("\n"), calls, dir };
}

/** The stack written, and its config as the program reads it. */
function written(dir: string, stack: string) {
    const text = fs.readFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "utf8");
    const doc = parse(text) as { config: Record<string, unknown> } & Record<string, unknown>;
    return { text, doc, spec: parseStackConfig(rawConfigFrom(flatConfigFrom(doc.config))) };
}

const pools = (spec: ReturnType<typeof written>["spec"]) => spec.metallb.pools.map((p) => [p.name, p.addresses, p.autoAssign]);

describe("scripts/init-stack: a first stack for a new cluster", () => {
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    const run = (argv: string[], canned?: Canned, dir?: string) => {
        const result = init(argv, canned, dir);
        dirs.push(result.dir);
        return result;
    };

    it("kind: the IPv4 subnet of the docker network kind (not its IPv6 one), top of the last /24", () => {
        const { code, out, err, dir, calls } = run(["--cluster", "kind"], KIND_NETWORK);
        assert.strictEqual(code, 0, err);
        assert.deepStrictEqual(calls, ["docker network inspect kind -f {{range .IPAM.Config}}{{.Subnet}} {{end}}"]);
        const { spec, doc, text } = written(dir, "kind");
        assert.deepStrictEqual(spec.gateways.map((g) => [g.name, g.ips]), [["primary", ["172.18.255.200"]], ["secondary", ["172.18.255.201"]]]);
        assert.deepStrictEqual(pools(spec), [["gateways", ["172.18.255.200-172.18.255.201"], false], ["services", ["172.18.255.202-172.18.255.250"], true]]);
        assert.strictEqual(doc.config["kubernetes:enableSecretMutable"], "true");
        assert.strictEqual(doc.config["kubernetes:enableConfigMapMutable"], "true");
        assert.match(text, /^ {2}kubernetes:enableSecretMutable: "true"$/m, "a string, as Pulumi stores provider config");
        assert.match(text, /^# Pulumi\.kind\.yaml: written by `npm run init-stack -- --cluster kind` from Pulumi\.dev\.yaml\.\n# MetalLB addresses from the docker network kind \(172\.18\.0\.0\/16\):/);
        assert.match(text, /^# Edit: the gateways' hosts and routes/m);
        // The dev stack's layout: hosts, routes, samples and addons.
        assert.deepStrictEqual(spec.gateways[0].hosts, ["microk8s.local", "microk8s-alt.local"]);
        assert.strictEqual(spec.samples.enabled, true);
        assert.strictEqual(spec.addons!.grafana.enabled, true);
        for (const step of ["pulumi login --local", "export PULUMI_CONFIG_PASSPHRASE=", "pulumi stack init kind", "pulumi up -s kind",
            "curl --resolve microk8s.local:443:172.18.255.200 --cacert ca.crt https://microk8s.local/hello", "npm run verify -- --stack kind", "add --via-docker kind"]) {
            assert.ok(out.includes(step), `"${step}" in:\n${out}`);
        }
        assert.ok(out.indexOf("pulumi stack init kind") < out.indexOf("pulumi up -s kind"));

        // The IPv6 subnet listed first changes nothing.
        const v6First = run(["--cluster", "kind", "--stack", "k2"], { "docker network inspect kind": { stdout: "fc00:f853:ccd:e793::/64 172.19.0.0/16 " } });
        assert.strictEqual(v6First.code, 0, v6First.err);
        assert.deepStrictEqual(written(v6First.dir, "k2").spec.gateways.map((g) => g.ips[0]), ["172.19.255.200", "172.19.255.201"]);
    });

    it("k3d: its own docker network; minikube: the top of the node IP's /24", () => {
        const k3d = run(["--cluster", "k3d", "--network", "k3d-dev", "--api", "gateway-api"], { "docker network inspect k3d-dev": { stdout: "172.20.0.0/16 " } });
        assert.strictEqual(k3d.code, 0, k3d.err);
        const k3dStack = written(k3d.dir, "k3d").spec;
        assert.deepStrictEqual(k3dStack.gateways.map((g) => g.ips[0]), ["172.20.255.200", "172.20.255.201"]);
        assert.strictEqual(k3dStack.api, "gateway-api");

        const minikube = run(["--cluster", "minikube", "--stack", "mk", "--no-addons"], { "minikube ip": { stdout: "192.168.49.2\n" } });
        assert.strictEqual(minikube.code, 0, minikube.err);
        const { spec } = written(minikube.dir, "mk");
        assert.deepStrictEqual(pools(spec), [["gateways", ["192.168.49.240-192.168.49.241"], false], ["services", ["192.168.49.242-192.168.49.250"], true]]);
        assert.deepStrictEqual(spec.gateways.map((g) => g.ips[0]), ["192.168.49.240", "192.168.49.241"]);
        assert.strictEqual(spec.addons!.grafana.enabled, false, "--no-addons");
        assert.match(minikube.out, /add --via-docker minikube/);
    });

    it("microk8s, k3s, metal: --range A-B, the first two for the gateways, the rest for other Services", () => {
        for (const [cluster, range, expected] of [
            ["microk8s", "192.168.1.141-192.168.1.142", [["gateways", ["192.168.1.141-192.168.1.142"], false]]],
            ["k3s", "192.168.1.200-192.168.1.210", [["gateways", ["192.168.1.200-192.168.1.201"], false], ["services", ["192.168.1.202-192.168.1.210"], true]]],
            ["metal", "10.20.0.10-10.20.0.12", [["gateways", ["10.20.0.10-10.20.0.11"], false], ["services", ["10.20.0.12-10.20.0.12"], true]]],
        ] as const) {
            const result = run(["--cluster", cluster, "--range", range]);
            assert.strictEqual(result.code, 0, result.err);
            assert.deepStrictEqual(result.calls, [], "nothing to detect");
            assert.deepStrictEqual(pools(written(result.dir, cluster).spec), expected, cluster);
            if (cluster === "k3s") assert.match(result.out, /--disable servicelb --disable traefik/);
            assert.doesNotMatch(result.out, /--via-docker/);
        }
    });

    it("refuses what it cannot do: no --range on a LAN cluster, a range of one, an existing file without --force", () => {
        const noRange = run(["--cluster", "microk8s"]);
        assert.strictEqual(noRange.code, 2);
        assert.match(noRange.err, /^init-stack: --cluster microk8s: free addresses of your LAN cannot be detected; pass --range A-B with at least 2 free addresses/);
        assert.ok(noRange.err.endsWith(USAGE));
        assert.ok(!fs.existsSync(path.join(noRange.dir, "Pulumi.microk8s.yaml")));
        assert.match(run(["--cluster", "metal", "--range", "10.0.0.1-10.0.0.1"]).err, /needs at least 2 addresses/);
        assert.match(run(["--cluster", "kind", "--range", "10.0.0.0/24"]).err, /not a CIDR/);
        assert.match(run(["--cluster", "docker"]).err, /--cluster docker: expected one of kind, k3d, minikube, microk8s, k3s, metal/);
        const given = run(["--cluster", "kind", "--subnet", "10.1.0.0/16"]);
        assert.deepStrictEqual([given.code, given.calls], [0, []], "--subnet: nothing to detect");
        assert.deepStrictEqual(written(given.dir, "kind").spec.gateways.map((g) => g.ips[0]), ["10.1.255.200", "10.1.255.201"]);

        const dir = project();
        dirs.push(dir);
        const file = path.join(dir, "Pulumi.lab.yaml");
        fs.writeFileSync(file, "encryptionsalt: v1:abc\nconfig: {}\n");
        const refused = init(["--cluster", "metal", "--stack", "lab", "--range", "10.0.0.1-10.0.0.2"], {}, dir);
        assert.strictEqual(refused.code, 2);
        assert.match(refused.err, /Pulumi\.lab\.yaml exists; pass --force to replace it/);
        assert.strictEqual(fs.readFileSync(file, "utf8"), "encryptionsalt: v1:abc\nconfig: {}\n");
        const forced = init(["--cluster", "metal", "--stack", "lab", "--range", "10.0.0.1-10.0.0.2", "--force"], {}, dir);
        assert.strictEqual(forced.code, 0, forced.err);
        const { doc, spec } = written(dir, "lab");
        assert.strictEqual(doc.encryptionsalt, "v1:abc", "what pulumi stack init wrote stays");
        assert.deepStrictEqual(spec.gateways.map((g) => g.ips[0]), ["10.0.0.1", "10.0.0.2"]);
    });

    it("says how to go on when detection fails: no docker, no kind network, no IPv4 subnet", () => {
        const noDocker = run(["--cluster", "kind"]);
        assert.strictEqual(noDocker.code, 1);
        assert.strictEqual(noDocker.err, "init-stack: docker is not installed (not on PATH); pass --subnet CIDR (the IPv4 subnet of the cluster's docker network) or --range A-B");
        const noNetwork = run(["--cluster", "kind"], { "docker network inspect": { status: 1, stderr: "Error response from daemon: network kind not found\n" } });
        assert.match(noNetwork.err, /`docker network inspect kind -f .*` failed: Error response from daemon: network kind not found \(is the kind cluster created\?/);
        const v6Only = run(["--cluster", "kind"], { "docker network inspect": { stdout: "fc00:f853:ccd:e793::/64 " } });
        assert.match(v6Only.err, /the docker network kind has no IPv4 subnet \(it has: fc00:f853:ccd:e793::\/64\); pass --range A-B/);
        const noMinikube = run(["--cluster", "minikube"]);
        assert.match(noMinikube.err, /minikube is not installed \(not on PATH\); pass --subnet CIDR \(the minikube network\) or --range A-B/);
    });
});
