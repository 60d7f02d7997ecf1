// `npm run init-stack -- --cluster <kind|k3d|minikube|microk8s|k3s|metal> [--stack NAME]
//   [--range A-B | --subnet CIDR] [--network NAME] [--api istio|gateway-api] [--no-addons] [--force]`
// The first run on a new cluster: writes Pulumi.<stack>.yaml with the dev stack's gateways, hosts,
// routes, samples and addons on MetalLB addresses that fit the cluster, checked with the program's
// own validation, and prints the next steps. Addresses:
//   kind, k3d  the top of the last /24 of the cluster's docker network (its IPv4 subnet), .200–.250
//   minikube   the top of the /24 of `minikube ip`, .240–.250
//   microk8s, k3s, metal  nothing can tell which LAN addresses are free: --range A-B is required
// Exit codes: 0 written, 1 the cluster's addresses could not be detected, 2 usage.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as ipaddr from "ipaddr.js";
import { parse, stringify } from "yaml";
import { AddressBlock, parseAddressBlock, parseIp } from "../config/ip";
import { StackAddresses, ipv4, metallbAddressesFor, stackDocumentWith } from "./ciStack";

export const CLUSTERS = ["kind", "k3d", "minikube", "microk8s", "k3s", "metal"] as const;
export type Cluster = (typeof CLUSTERS)[number];

export const USAGE = `usage: npm run init-stack -- --cluster ${CLUSTERS.join("|")} [--stack NAME] [--range A-B | --subnet CIDR] `
    + "[--network DOCKER_NETWORK] [--api istio|gateway-api] [--no-addons] [--force]";

/** The docker network a kind or k3d cluster's nodes are on, unless --network says otherwise. */
export const DEFAULT_NETWORK: Partial<Record<Cluster, string>> = { kind: "kind", k3d: "k3d-k3s-default" };

/**
 * Provider settings every generated stack has: a renewed certificate then updates its TLS Secret
 * (and a changed ConfigMap its object) in place instead of deleting and re-creating it.
 */
export const KUBERNETES_CONFIG: Record<string, string> = {
    "kubernetes:enableSecretMutable": "true",
    "kubernetes:enableConfigMapMutable": "true",
};

/** A wrong flag or a missing one: exit code 2, said with the usage line. */
export class UsageError extends Error {}

export interface InitArgs {
    cluster: Cluster;
    stack: string;
    range?: string;
    subnet?: string;
    network?: string;
    api?: string;
    addons: boolean;
    force: boolean;
}

export function parseArgs(argv: string[]): InitArgs | { help: true } {
    const given: Partial<InitArgs> = { addons: true, force: false };
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined || v.startsWith("--")) throw new UsageError(`${flag} needs a value`);
            return v;
        };
        switch (flag) {
            case "--cluster": {
                const cluster = value();
                if (!(CLUSTERS as readonly string[]).includes(cluster)) throw new UsageError(`--cluster ${cluster}: expected one of ${CLUSTERS.join(", ")}`);
                given.cluster = cluster as Cluster;
                break;
            }
            case "--stack": case "-s": given.stack = value(); break;
            case "--range": given.range = value(); break;
            case "--subnet": given.subnet = value(); break;
            case "--network": given.network = value(); break;
            case "--api": given.api = value(); break;
            case "--no-addons": given.addons = false; break;
            case "--force": given.force = true; break;
            case "--help": case "-h": return { help: true };
            default: throw new UsageError(`unknown flag ${flag}`);
        }
    }
    if (!given.cluster) throw new UsageError("--cluster is required");
    if (given.range && given.subnet) throw new UsageError("give --range or --subnet, not both");
    if (given.network && given.cluster !== "kind" && given.cluster !== "k3d") throw new UsageError("--network is for --cluster kind or k3d");
    const stack = given.stack ?? given.cluster;
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) throw new UsageError(`--stack ${stack}: a stack name has only letters, digits, "-", "_" and "."`);
    if (stack === "dev") throw new UsageError("--stack dev: Pulumi.dev.yaml is the template init-stack reads; pick another name");
    return { ...(given as InitArgs), stack };
}

/** Formats an address of a family from its integer value. */
function formatIp(family: AddressBlock["family"], value: bigint): string {
    if (family === "ipv4") return ipv4(value);
    const bytes = Array.from({ length: 16 }, (_, i) => Number((value >> BigInt(8 * (15 - i))) & 0xffn));
    return ipaddr.fromByteArray(bytes).toString();
}

/** Where the addresses came from, for the header comment and the summary. */
export interface Detected extends StackAddresses {
    from: string;
}

/** --range A-B: the first two addresses for the gateways, the rest (if any) for other Services. */
export function addressesFromRange(range: string): Detected {
    if (range.includes("/")) throw new UsageError(`--range ${range}: give a range A-B of free addresses, not a CIDR`);
    let block: AddressBlock;
    try {
        block = parseAddressBlock(range);
    } catch (err) {
        throw new UsageError(`--range ${range} ${(err as Error).message}`);
    }
    if (block.family !== "ipv4") {
        throw new UsageError(`--range ${range}: give an IPv4 range (for IPv6 gateway IPs edit the written stack, and add the clients' IPv6 ranges to allowedSourceRanges)`);
    }
    if (block.last - block.first < 1n) throw new UsageError(`--range ${range}: needs at least 2 addresses (one per gateway)`);
    const at = (offset: bigint) => formatIp(block.family, block.first + offset);
    return {
        gatewayIps: [at(0n), at(1n)],
        gatewayPool: `${at(0n)}-${at(1n)}`,
        servicePool: block.last - block.first >= 2n ? `${at(2n)}-${formatIp(block.family, block.last)}` : undefined,
        from: `--range ${range}`,
    };
}

/** minikube: the top of the node's /24 (192.168.49.2 → .240–.241 gateways, .242–.250 Services). */
export function addressesForNodeIp(nodeIp: string): Detected {
    const ip = parseIp(nodeIp);
    if (!ip || ip.family !== "ipv4") throw new Error(`minikube ip printed ${JSON.stringify(nodeIp)}, not an IPv4 address; pass --range A-B`);
    const base = ip.value & ~0xffn;
    const at = (octet: number) => ipv4(base + BigInt(octet));
    return { gatewayIps: [at(240), at(241)], gatewayPool: `${at(240)}-${at(241)}`, servicePool: `${at(242)}-${at(250)}`, from: `the /24 of minikube's node IP ${nodeIp}` };
}

/** The IPv4 subnets of `docker network inspect … -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}'` output. */
export function ipv4Subnets(output: string): string[] {
    return output.split(/\s+/).filter((s) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(s));
}

export interface CommandResult {
    status: number | null;
    stdout: string;
    stderr: string;
    error?: NodeJS.ErrnoException;
}

/** Runs a command and waits for it (docker, minikube); replaced in tests. */
export type Runner = (command: string, args: string[]) => CommandResult;

export const runCommand: Runner = (command, args) => {
    const result = spawnSync(command, args, { encoding: "utf8", timeout: 30_000 });
    return { status: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "", error: result.error as NodeJS.ErrnoException | undefined };
};

/** A detection that failed: exit code 1. */
export class DetectionError extends Error {}

/** A command line as one would type it (arguments with spaces or braces quoted). */
function shellLine(command: string, args: string[]): string {
    return [command, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}

function runOrExplain(run: Runner, command: string, args: string[], instead: string, hint: string): string {
    const result = run(command, args);
    if (result.error) {
        const why = result.error.code === "ENOENT" ? `${command} is not installed (not on PATH)` : `${command} could not run (${result.error.message})`;
        throw new DetectionError(`${why}; ${instead}`);
    }
    if (result.status !== 0) {
        const why = result.stderr.trim().split("\n").pop() || `exit ${result.status}`;
        // docker's own "Is the docker daemon running?" says it already.
        const because = /docker daemon/i.test(why) ? "" : ` (${hint})`;
        throw new DetectionError(`\`${shellLine(command, args)}\` failed: ${why}${because}; ${instead}`);
    }
    return result.stdout;
}

const LAN_CLUSTERS: Cluster[] = ["microk8s", "k3s", "metal"];

/** The MetalLB addresses for the cluster: given (--range, --subnet) or detected. */
export function detectAddresses(args: Pick<InitArgs, "cluster" | "range" | "subnet" | "network">, run: Runner = runCommand): Detected {
    if (args.range) return addressesFromRange(args.range);
    if (LAN_CLUSTERS.includes(args.cluster)) {
        throw new UsageError(
            `--cluster ${args.cluster}: free addresses of your LAN cannot be detected; pass --range A-B with at least 2 free addresses `
            + "outside your DHCP range (the first two become the gateway IPs, the rest the pool for other LoadBalancer Services), "
            + `e.g. --range 192.168.1.240-192.168.1.250${args.subnet ? " (--subnet is for kind, k3d and minikube)" : ""}`,
        );
    }
    if (args.cluster === "minikube") {
        if (args.subnet) return subnetAddresses(args.subnet, "minikube");
        const out = runOrExplain(run, "minikube", ["ip"], "pass --subnet CIDR (the minikube network) or --range A-B", "is minikube started? `minikube start`");
        return addressesForNodeIp(out.trim().split("\n").pop()!.trim());
    }
    // kind, k3d: the cluster's docker network.
    if (args.subnet) return subnetAddresses(args.subnet, args.cluster);
    const network = args.network ?? DEFAULT_NETWORK[args.cluster]!;
    const out = runOrExplain(run, "docker", ["network", "inspect", network, "-f", "{{range .IPAM.Config}}{{.Subnet}} {{end}}"],
        "pass --subnet CIDR (the IPv4 subnet of the cluster's docker network) or --range A-B",
        `is the ${args.cluster} cluster created? its nodes' network is ${network}${args.cluster === "k3d" ? " for the cluster k3s-default; --network k3d-<cluster> for another" : ""}`);
    const subnets = ipv4Subnets(out);
    if (subnets.length === 0) throw new DetectionError(`the docker network ${network} has no IPv4 subnet (it has: ${out.trim() || "none"}); pass --range A-B`);
    const addresses = subnetAddresses(subnets[0], args.cluster);
    return { ...addresses, from: `the docker network ${network} (${subnets[0]})` };
}

/** The top of a subnet's last /24: kind and k3d as the e2e test does (.200–), minikube as its README row (.240–). */
function subnetAddresses(subnet: string, cluster: Cluster): Detected {
    let picked: StackAddresses;
    try {
        picked = metallbAddressesFor(subnet);
    } catch (err) {
        throw new UsageError(`--subnet ${(err as Error).message}`);
    }
    if (cluster === "minikube") picked = addressesForNodeIp(picked.gatewayIps[0]);
    return { ...picked, from: `the subnet ${subnet}` };
}

/** The stack file: a header saying where it came from and what to edit, then the config. */
export function stackFileText(doc: Record<string, unknown>, argv: string[], stack: string, addresses: Detected): string {
    const header = [
        `# Pulumi.${stack}.yaml: written by \`npm run init-stack -- ${argv.join(" ")}\` from Pulumi.dev.yaml.`,
        `# MetalLB addresses from ${addresses.from}:`,
        `#   gateways ${addresses.gatewayPool} (one IP each, never auto-assigned); `
            + (addresses.servicePool ? `other LoadBalancer Services ${addresses.servicePool}.` : "no pool for other Services."),
        "# Edit: the gateways' hosts and routes (these are the dev stack's, served by the sample apps), pki.caCommonName,",
        "# and the addresses if they are not free on your network. Running init-stack again with --force replaces your edits.",
        "# kubernetes:enableSecretMutable/enableConfigMapMutable: a renewed certificate updates its TLS Secret in place",
        "# instead of the Secret being deleted and re-created.",
    ];
    return `${header.join("\n")}\n${stringify(doc)}`;
}

/** The commands to run next: state backend, stack, deploy, try it. */
export function nextSteps(stack: string, cluster: Cluster, config: Record<string, any>, network?: string): string[] {
    const gateway = (config["istio-metallb-ingress:gateways"] as any[])[0];
    const host: string = gateway.hosts[0];
    const match = gateway.routes?.[0]?.match ?? {};
    const urlPath: string = match.exact ?? match.prefix ?? "/";
    const ip: string = gateway.ip;
    const dockerNetwork = cluster === "minikube" ? "minikube" : cluster === "kind" || cluster === "k3d" ? network ?? DEFAULT_NETWORK[cluster] : undefined;
    const commented = (command: string, comment?: string) => (comment ? `  ${command.padEnd(48)}  # ${comment}` : `  ${command}`);
    return [
        "Next steps:",
        commented("pulumi login --local", "a state backend on this machine (or log in to your own)"),
        commented("export PULUMI_CONFIG_PASSPHRASE='<a passphrase>'", "the local backend encrypts secrets with it; keep it"),
        commented(`pulumi stack init ${stack}`),
        ...(cluster === "k3s" ? ["  # k3s: start it with --disable servicelb --disable traefik, or they take ports 80 and 443"] : []),
        commented(`pulumi up -s ${stack}`),
        "Then try it:",
        commented(`pulumi stack output caCertificatePem -s ${stack} > ca.crt`),
        commented(`curl --resolve ${host}:443:${ip} --cacert ca.crt https://${host}${urlPath}`),
        commented(`npm run verify -- --stack ${stack}`, dockerNetwork ? `on Docker Desktop (macOS, Windows): add --via-docker ${dockerNetwork}` : undefined),
    ];
}

export interface InitDeps {
    /** The project folder: Pulumi.dev.yaml is read, Pulumi.<stack>.yaml written there. */
    root?: string;
    run?: Runner;
    out?: (line: string) => void;
    err?: (line: string) => void;
}

/** The command; returns its exit code. */
export function main(argv: string[], deps: InitDeps = {}): number {
    const root = deps.root ?? path.resolve(__dirname, "..");
    const out = deps.out ?? ((line: string) => console.log(line));
    const err = deps.err ?? ((line: string) => console.error(line));
    try {
        const args = parseArgs(argv);
        if ("help" in args) {
            out(USAGE);
            return 0;
        }
        const file = path.join(root, `Pulumi.${args.stack}.yaml`);
        const existing = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
        if (existing !== undefined && !args.force) {
            throw new UsageError(`${path.basename(file)} exists; pass --force to replace it (its config is rewritten; its encryptionsalt is kept)`);
        }
        const addresses = detectAddresses(args, deps.run ?? runCommand);
        const dev = fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8");
        let doc: { config: Record<string, unknown> };
        try {
            doc = stackDocumentWith(dev, addresses, args.api, { addons: args.addons, extra: KUBERNETES_CONFIG });
        } catch (e) {
            throw new UsageError((e as Error).message);
        }
        // What `pulumi stack init` added to the old file (encryptionsalt, secretsprovider, …) stays.
        const kept = existing !== undefined ? Object.fromEntries(Object.entries((parse(existing) ?? {}) as Record<string, unknown>).filter(([k]) => k !== "config")) : {};
        fs.writeFileSync(file, stackFileText({ ...kept, ...doc }, argv, args.stack, addresses));
        const summary = `gateways ${addresses.gatewayPool}${addresses.servicePool ? `, services ${addresses.servicePool}` : ""}`;
        out(`Wrote ${path.basename(file)} (cluster ${args.cluster}; MetalLB ${summary}, from ${addresses.from}).`);
        out("");
        for (const line of nextSteps(args.stack, args.cluster, doc.config, args.network)) out(line);
        return 0;
    } catch (e) {
        if (e instanceof UsageError) {
            err(`init-stack: ${e.message}\n${USAGE}`);
            return 2;
        }
        err(`init-stack: ${(e as Error).message}`);
        return 1;
    }
}

if (require.main === module) {
    process.exit(main(process.argv.slice(2)));
}
