// `npm run bench`: how long the program takes to evaluate under Pulumi's mocks for 2, 10 and 50
// gateways (20 hosts and 20 routes each), against a floor measured in the same run: as many
// plain resources, each with the same type, name and input properties (values resolved),
// registered directly through the SDK — no components, no validation, no outputs flowing between
// resources, no dependencies. Not part of `npm test`.
import * as pulumi from "@pulumi/pulumi";
import { PROJECT } from "../config";
import { Edge, EdgeArgs } from "../components/edge";

const HOSTS = 20;
const ROUTES = 20;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/** A valid raw config: `gateways` gateways, each with HOSTS hosts and ROUTES routes. */
export function generatedConfig(gateways: number): Record<string, unknown> {
    return {
        metallb: { pools: [{ name: "gateways", addresses: ["10.0.0.0/24"], autoAssign: false }, { name: "services", addresses: ["10.0.1.0/24"] }] },
        pki: { caCommonName: "bench CA" },
        gateways: Array.from({ length: gateways }, (_, g) => ({
            name: `gw${g}`,
            ip: `10.0.0.${g + 1}`,
            hosts: Array.from({ length: HOSTS }, (_, h) => `h${h}.gw${g}.example.com`),
            routes: Array.from({ length: ROUTES }, (_, r) => ({
                name: `r${r}`,
                match: r % 2 === 0 ? { exact: `/exact/${r}` } : { prefix: `/prefix/${r}` },
                destination: { host: `svc${r}`, port: 8080, namespace: "apps" },
            })),
        })),
    };
}

interface Registration { type: string; name: string; inputs: Record<string, unknown> }

/** A resource of any type token, registered as is: what the floor is made of. */
class PlainResource extends pulumi.CustomResource {
    constructor(type: string, name: string, props: pulumi.Inputs) {
        super(type, name, props);
    }
}

/** Installs fresh mocks that record the inputs of every registration; returns the record. */
async function freshMocks(): Promise<Registration[]> {
    const registered: Registration[] = [];
    await pulumi.runtime.setMocks({
        newResource: (args) => {
            registered.push({ type: args.type, name: args.name, inputs: args.inputs });
            const computed: Record<string, string> = {};
            if (args.type === "tls:index/privateKey:PrivateKey") computed.privateKeyPem = `key-${args.name}`;
            if (args.type === "tls:index/selfSignedCert:SelfSignedCert" || args.type === "tls:index/locallySignedCert:LocallySignedCert") computed.certPem = `cert-${args.name}`;
            if (args.type === "tls:index/certRequest:CertRequest") computed.certRequestPem = `csr-${args.name}`;
            return { id: `${args.name}-id`, state: { ...args.inputs, ...computed } };
        },
        call: (args) => args.inputs,
    }, PROJECT, "bench", false);
    return registered;
}

async function settle(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    await (require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

type RegisterResource = (res: unknown, parent: unknown, t: string, name: string, ...rest: unknown[]) => void;

/**
 * The property names each registration declares (typed SDK classes declare their outputs too,
 * as undefined inputs), recorded where the SDK registers resources.
 */
function recordPropertyNames(): { names: Map<string, string[]>; stop(): void } {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const runtime = require("@pulumi/pulumi/runtime/resource") as { registerResource: RegisterResource };
    const original = runtime.registerResource;
    const names = new Map<string, string[]>();
    runtime.registerResource = (res, parent, t, name, ...rest) => {
        names.set(`${t}::${name}`, Object.keys(rest[3] as object));
        return original(res, parent, t, name, ...rest);
    };
    return { names, stop: () => { runtime.registerResource = original; } };
}

interface ProgramRun { ms: number; floorResources: { type: string; name: string; props: Record<string, unknown> }[] }

async function timeProgram(gateways: number): Promise<ProgramRun> {
    const raw = generatedConfig(gateways);
    const registered = await freshMocks();
    const recorder = recordPropertyNames();
    const started = process.hrtime.bigint();
    new Edge("edge", raw as unknown as EdgeArgs);
    await settle();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    recorder.stop();
    // Default providers are registered by the SDK in both runs; they are not the program's resources.
    const floorResources = registered.filter((r) => !r.type.startsWith("pulumi:providers:")).map((r) => ({
        type: r.type,
        name: r.name,
        props: { ...Object.fromEntries((recorder.names.get(`${r.type}::${r.name}`) ?? []).map((k) => [k, undefined])), ...r.inputs },
    }));
    return { ms, floorResources };
}

async function timeFloor(resources: ProgramRun["floorResources"]): Promise<number> {
    await freshMocks();
    const started = process.hrtime.bigint();
    for (const r of resources) {
        new PlainResource(r.type, r.name, r.props);
    }
    await settle();
    return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function bench(sizes = [2, 10, 50]): Promise<{ gateways: number; resources: number; programMs: number; floorMs: number; ratio: number }[]> {
    const rows = [];
    for (const gateways of sizes) {
        const program: number[] = [];
        const floor: number[] = [];
        let resources = 0;
        for (let run = 0; run < RUNS; run++) {
            // Alternate the two so that warm-up and GC weigh on both alike.
            const p = await timeProgram(gateways);
            resources = p.floorResources.length;
            floor.push(await timeFloor(p.floorResources));
            program.push(p.ms);
        }
        const programMs = median(program);
        const floorMs = median(floor);
        rows.push({ gateways, resources, programMs, floorMs, ratio: programMs / floorMs });
    }
    return rows;
}

if (require.main === module) {
    (async () => {
        await bench([2]); // warm-up: module loading and JIT
        const rows = await bench();
        const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(9) : c.padStart(12))).join(" ");
        console.log(`median of ${RUNS} runs each, Node ${process.version}`);
        console.log(line(["gateways", "resources", "program ms", "floor ms", "ratio", "µs/res prog", "µs/res floor"]));
        for (const r of rows) {
            console.log(line([String(r.gateways), String(r.resources), r.programMs.toFixed(0), r.floorMs.toFixed(0), r.ratio.toFixed(2),
                (1000 * r.programMs / r.resources).toFixed(0), (1000 * r.floorMs / r.resources).toFixed(0)]));
        }
        const growth = (ms: (r: typeof rows[number]) => number) => (ms(rows[rows.length - 1]) / rows[rows.length - 1].resources) / (ms(rows[0]) / rows[0].resources);
        console.log(`\nratio target ≤ 1.25: ${rows.every((r) => r.ratio <= 1.25) ? "met" : "NOT met"}`);
        console.log(`time per resource, ${rows[0].gateways} → ${rows[rows.length - 1].gateways} gateways: program ×${growth((r) => r.programMs).toFixed(2)}, floor ×${growth((r) => r.floorMs).toFixed(2)} (1.00 = linear)`);
    })().catch((err) => {
        console.error(err);
        process.exit(1);
    });
}
