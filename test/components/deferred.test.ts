// Edge used as a library: values known only at deploy time (Outputs) get the checks known values
// get, with the same messages, reported as one plain error; values that must be known now are
// refused before anything is registered, with a message instead of Pulumi's toJSON warning.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../../config";
import { Edge, EdgeArgs } from "../../components/edge";
import { argsFromSpec, T } from "../helpers/edge";
import { evaluate, resolve } from "../helpers/mocks";
import { stackConfig } from "../helpers/stacks";

/** Errors that reached the process as unhandled rejections while `run` ran (as the Pulumi runtime would see them). */
async function rejectionsDuring(run: () => Promise<void>): Promise<unknown[]> {
    const seen: unknown[] = [];
    const previous = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    const collect = (reason: unknown) => { seen.push(reason); };
    process.on("unhandledRejection", collect);
    try {
        await run();
        await new Promise((r) => setTimeout(r, 50));
    } finally {
        process.removeListener("unhandledRejection", collect);
        for (const l of previous) process.on("unhandledRejection", l as (...args: any[]) => void);
    }
    return seen;
}

const devArgs = (): EdgeArgs => argsFromSpec(stackConfig("dev"));

function construct(args: EdgeArgs): () => unknown {
    return () => {
        try {
            return new Edge("edge", args);
        } catch (err) {
            return err;
        }
    };
}

describe("Edge: values that arrive at deploy time", () => {
    it("checks gateway values given as an Output against the Gateways' selectors, and reports one plain error", async () => {
        const args = devArgs();
        args.istio = { ...args.istio, values: { gateway: pulumi.output({ labels: { istio: "ingressgateway" } }) } };
        let ev: Awaited<ReturnType<typeof evaluate>> | undefined;
        const seen = await rejectionsDuring(async () => { ev = await evaluate(construct(args)); });
        assert.ok(ev!.result instanceof Edge, "known config: the edge is planned");
        const charts = ev!.ofType(T.chart).filter((c) => /^istio-ingress-/.test(c.inputs.name ?? ""));
        assert.deepStrictEqual(charts, [], "no gateway chart is registered with values that break its selectors");
        const errors = [...new Set(seen)];
        assert.strictEqual(errors.length, 1, `one error object, however many resources read it; got ${errors.length}`);
        const [error] = errors as Error[];
        assert.ok(error instanceof ConfigError && pulumi.RunError.isInstance(error));
        assert.match(error.message, /^Invalid args of Edge edge \(1 problem\):\n {2}- istio\.values\.gateway\.labels\.istio: "ingressgateway" replaces the pod label/);
        assert.doesNotMatch(error.message, /error serializing/, "the message stays as written");
    });

    it("reports an IP that resolves to nothing, or to a list, with the config's words", async () => {
        for (const [ip, expected] of [
            [pulumi.output(undefined as unknown as string), /gateways\[0\]\.ip: resolved at deploy time to undefined; expected an IP address/],
            [pulumi.output(["192.168.49.240", "192.168.49.239", "fd00::1"]) as unknown as pulumi.Input<string>, /gateways\[0\]\.ip: resolved at deploy time to \["192\.168\.49\.240","192\.168\.49\.239","fd00::1"\]; expected one IP address, or one IPv4 and one IPv6/],
        ] as const) {
            const args = devArgs();
            args.gateways[0] = { ...args.gateways[0], ip };
            let ev: Awaited<ReturnType<typeof evaluate>> | undefined;
            const seen = await rejectionsDuring(async () => {
                ev = await evaluate(construct(args));
                await resolve((ev.result as Edge).gateways).catch(() => undefined);
            });
            const errors = [...new Set(seen)] as Error[];
            assert.strictEqual(errors.length, 1);
            assert.match(errors[0].message, expected);
            assert.doesNotMatch(errors[0].message, /TypeError|error serializing/);
        }
        // A list that is one IPv4 and one IPv6 address is a dual-stack gateway, whichever way it arrives.
        const args = devArgs();
        args.metallb.pools.push({ name: "v6", addresses: ["fd00:49::/120"], autoAssign: false });
        args.gateways[0] = { ...args.gateways[0], ip: pulumi.output(["192.168.49.240", "fd00:49::f0"]) as unknown as pulumi.Input<string> };
        const ev = await evaluate(construct(args));
        assert.deepStrictEqual((await resolve((ev.result as Edge).gateways)).primary.ips, ["192.168.49.240", "fd00:49::f0"]);
    });
});

describe("Edge: values that must be known when the program runs", () => {
    it("refuses addon values given as an Output, registering nothing, with a message instead of toJSON text", async () => {
        const args = devArgs();
        args.addons = { ...args.addons, grafana: { ...args.addons!.grafana, values: pulumi.output({ service: { port: 80 } }) as any } };
        const ev = await evaluate(construct(args));
        assert.ok(ev.result instanceof ConfigError);
        assert.match((ev.result as Error).message, /addons\.grafana\.values: is known only at deploy time \(a pulumi Output or Promise\), but they decide the Service names and ports/);
        assert.doesNotMatch((ev.result as Error).message, /toJSON/);
        assert.strictEqual(ev.resources.length, 0);
    });

    it("refuses gateway chart values in gateway-api mode even as an Output (there is no gateway chart)", async () => {
        const args = { ...devArgs(), api: "gateway-api" as const };
        args.istio = { ...args.istio, values: { gateway: pulumi.output({}) } };
        const ev = await evaluate(construct(args));
        assert.ok(ev.result instanceof ConfigError);
        assert.match((ev.result as Error).message, /istio\.values\.gateway: values of the gateway chart, which gateway-api mode does not install/);
        assert.strictEqual(ev.resources.length, 0);
    });
});

describe("Edge: two in one program", () => {
    it("refuses a second Edge on the same cluster before it registers anything, and allows one on another cluster", async () => {
        const { Provider } = await import("@pulumi/kubernetes");
        const ev = await evaluate(() => {
            const first = new Edge("shop", devArgs());
            let second: unknown;
            try {
                second = new Edge("blog", devArgs());
            } catch (err) {
                second = err;
            }
            const other = new Provider("other-cluster", { context: "kind-other" });
            const third = new Edge("lab", devArgs(), { providers: [other] });
            return { first, second, third };
        });
        const { second, third } = ev.result as { second: unknown; third: unknown };
        assert.ok(second instanceof ConfigError);
        assert.match((second as Error).message, /Edge "blog": Edge "shop" already installs MetalLB and Istio with the default Kubernetes provider, and a cluster holds one of each/);
        assert.match((second as Error).message, /add "blog"'s gateways to the gateways of "shop", or give it a k8s\.Provider for another cluster/);
        assert.ok(third instanceof Edge);
        assert.ok(!ev.resources.some((r) => r.name.startsWith("blog")), "nothing of the refused Edge is registered");
        // A new program run (here: new mocks) starts with no Edge.
        const again = await evaluate(construct(devArgs()));
        assert.ok(again.result instanceof Edge);
    });
});
