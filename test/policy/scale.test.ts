// The pack's cost grows with the stack, not with its square: a valid stack of 100 gateways with
// 20 hosts each (about 4,400 resources) takes no more than about 12 times as long as one of 10.
import * as assert from "assert";
import { allPolicies } from "../../policy/policies";
import { StackResource } from "../../policy/lib/model";
import { resource, runPolicy } from "./harness";

const HOSTS = 20;

/** One isolated gateway per index: chart, Gateway, a VirtualService and TLS secret per host, a backend Service, a one-address pool; one L2Advertisement. */
function validStack(gateways: number): StackResource[] {
    const out: StackResource[] = [];
    for (let g = 0; g < gateways; g++) {
        const name = `gw${g}`;
        const ip = `10.${Math.floor(g / 250)}.${g % 250}.10`;
        const hosts = Array.from({ length: HOSTS - 1 }, (_, h) => `h${h}.${name}.example.com`).concat(`*.w.${name}.example.com`);
        out.push(resource("kubernetes:helm.sh/v4:Chart", {
            name: `istio-${name}`, chart: "gateway", namespace: "istio-ingress",
            values: { labels: { istio: name }, service: { annotations: { "metallb.io/loadBalancerIPs": ip } } },
        }));
        out.push(resource("kubernetes:networking.istio.io/v1:Gateway", {
            metadata: { name, namespace: "istio-ingress" },
            spec: {
                selector: { istio: name },
                servers: [
                    { port: { number: 80, name: `http-${name}`, protocol: "HTTP" }, hosts, tls: { httpsRedirect: true } },
                    ...hosts.map((host, h) => ({
                        port: { number: 443, name: `https-${name}-${h}`, protocol: "HTTPS" }, hosts: [host],
                        tls: { mode: "SIMPLE", credentialName: `${name}-${h}-tls`, minProtocolVersion: "TLSV1_2" },
                    })),
                ],
            },
        }));
        hosts.forEach((host, h) => {
            out.push(resource("kubernetes:core/v1:Secret", {
                metadata: { name: `${name}-${h}-tls`, namespace: "istio-ingress" }, type: "kubernetes.io/tls", stringData: { "tls.crt": "c", "tls.key": "k" },
            }));
            out.push(resource("kubernetes:networking.istio.io/v1:VirtualService", {
                metadata: { name: `${name}-${h}`, namespace: "istio-ingress" },
                spec: {
                    hosts: [host], gateways: [`istio-ingress/${name}`],
                    http: [
                        { name: "hello", match: [{ uri: { exact: "/hello" } }], route: [{ destination: { host: `web.${name}.svc.cluster.local`, port: { number: 8080 } } }] },
                        { name: "api", match: [{ uri: { prefix: "/api/" } }], route: [{ destination: { host: `api.${name}.svc.cluster.local`, port: { number: 8080 } } }] },
                        { name: "all", route: [{ destination: { host: `web.${name}.svc.cluster.local`, port: { number: 8080 } } }] },
                    ],
                },
            }));
        });
        out.push(resource("kubernetes:core/v1:Service", {
            metadata: { name: "web", namespace: name }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 8080 }] },
        }));
        out.push(resource("kubernetes:metallb.io/v1beta1:IPAddressPool", {
            metadata: { name: `pool-${name}`, namespace: "metallb-system" }, spec: { addresses: [`${ip}/32`], autoAssign: false },
        }));
    }
    // One advertisement announcing every pool by name (metallb-pool-announced).
    out.push(resource("kubernetes:metallb.io/v1beta1:L2Advertisement", {
        metadata: { name: "layer2", namespace: "metallb-system" }, spec: { ipAddressPools: Array.from({ length: gateways }, (_, g) => `pool-gw${g}`) },
    }));
    return out;
}

async function runPack(resources: StackResource[]): Promise<{ ms: number; findings: string[] }> {
    const start = process.hrtime.bigint();
    const findings: string[] = [];
    for (const policy of allPolicies) findings.push(...(await runPolicy(policy, resources)).map((f) => `${policy.name}: ${f}`));
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, findings };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe("the pack at scale", function () {
    this.timeout(60000);

    it("finds nothing in a valid stack of 100 gateways x 20 hosts, and grows linearly: at most 25x one of 10 gateways (quadratic would be 100x)", async () => {
        const small = validStack(10), large = validStack(100);
        assert.ok(large.length >= 4300, `${large.length} resources`);
        assert.deepStrictEqual((await runPack(small)).findings, []);
        const first = await runPack(large);
        assert.deepStrictEqual(first.findings.slice(0, 5), []);
        // Interleaved, so that a burst of load on the machine hits both sizes alike.
        const smallRuns: number[] = [], largeRuns: number[] = [first.ms];
        for (let i = 0; i < 2; i++) {
            for (let j = 0; j < 2; j++) smallRuns.push((await runPack(small)).ms);
            largeRuns.push((await runPack(large)).ms);
        }
        smallRuns.push((await runPack(small)).ms);
        // Ten times the resources: linear is 10x, garbage collection of the larger heap adds some,
        // a rule comparing every pair of objects would be 100x.
        const ratio = median(largeRuns) / median(smallRuns);
        assert.ok(ratio <= 25, `100 gateways took ${median(largeRuns).toFixed(0)} ms, 10 took ${median(smallRuns).toFixed(0)} ms: ${ratio.toFixed(1)}x`);
    });
});
