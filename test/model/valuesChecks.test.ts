// Extra Helm values are merged over the program's. Each escape hatch that would break what the
// program relies on is refused with one message naming both keys; harmless values pass through.
import * as assert from "assert";
import { checkStackConfig, parseStackConfig } from "../../config";
import { planEdge } from "../../model/plan";
import { editedConfig } from "../helpers/stacks";

const dev = (edit: (raw: Record<string, any>) => void) => editedConfig("dev", edit);
const prod = (edit: (raw: Record<string, any>) => void) => editedConfig("prod", edit);
const problemsOf = (raw: Record<string, any>) => checkStackConfig(raw).problems;

function oneProblem(raw: Record<string, any>, patterns: RegExp[]): void {
    const problems = problemsOf(raw);
    assert.strictEqual(problems.length, 1, `one mistake, one message; got:\n${problems.join("\n")}`);
    for (const re of patterns) assert.match(problems[0], re);
}

const gatewayValues = (values: Record<string, unknown>) => dev((raw) => { raw.istio = { ...(raw.istio ?? {}), values: { gateway: values } }; });

describe("model: escape hatches of the gateway chart (istio.values.gateway)", () => {
    const cases: { title: string; values: Record<string, unknown>; expect: RegExp[] }[] = [
        {
            title: "the tutorials' pod label, which every Gateway selector would then match",
            values: { labels: { istio: "ingressgateway" } },
            expect: [/^istio\.values\.gateway\.labels\.istio: "ingressgateway" replaces the pod label each Gateway selects its pods by \(gateways\[0\] \(primary\) selects istio: "ingress-primary"\)/, /remove it \(other labels may be added\)/],
        },
        {
            title: "one name for every gateway's Deployment and Service",
            values: { name: "istio-ingressgateway" },
            expect: [/^istio\.values\.gateway\.name: "istio-ingressgateway" names the Deployment and Service of every gateway alike/],
        },
        {
            title: "spec.loadBalancerIP beside MetalLB's annotation",
            values: { service: { loadBalancerIP: "192.168.49.240" } },
            expect: [/^istio\.values\.gateway\.service\.loadBalancerIP: "192\.168\.49\.240" sits beside the metallb\.io\/loadBalancerIPs annotation/, /MetalLB gives no address to a Service with both/, /gateways\[\]\.ip/],
        },
        {
            title: "a Service that is no LoadBalancer",
            values: { service: { type: "NodePort" } },
            expect: [/^istio\.values\.gateway\.service\.type: "NodePort" would not be a LoadBalancer Service/],
        },
        {
            title: "another address in MetalLB's annotation",
            values: { service: { annotations: { "metallb.io/loadBalancerIPs": "192.168.49.245" } } },
            expect: [/^istio\.values\.gateway\.service\.annotations\["metallb\.io\/loadBalancerIPs"\]: "192\.168\.49\.245" replaces the address the program asks MetalLB for from gateways\[0\]\.ip \("192\.168\.49\.240"\)/],
        },
        {
            title: "a pool annotation naming a pool that does not hold the gateways' IPs",
            values: { service: { annotations: { "metallb.io/address-pool": "services" } } },
            expect: [/^istio\.values\.gateway\.service\.annotations\["metallb\.io\/address-pool"\]: "services" is not the pool that holds gateways\[0\]\.ip/],
        },
        {
            title: "a traffic policy that undoes the source ranges' Local",
            values: { service: { externalTrafficPolicy: "Cluster" } },
            expect: [/^istio\.values\.gateway\.service\.externalTrafficPolicy: "Cluster" overrides what gateways\[1\]\.externalTrafficPolicy sets \("Local"\)/, /use gateways\[\]\.externalTrafficPolicy/],
        },
        {
            title: "source ranges beside gateways[].allowedSourceRanges",
            values: { service: { loadBalancerSourceRanges: ["0.0.0.0/0"] } },
            expect: [/^istio\.values\.gateway\.service\.loadBalancerSourceRanges: \["0\.0\.0\.0\/0"\] overrides what gateways\[0\]\.allowedSourceRanges leaves unset/],
        },
        {
            title: "a port list without HTTPS (lists replace, they do not merge)",
            values: { service: { ports: [{ name: "http2", port: 80, targetPort: 80 }] } },
            expect: [/^istio\.values\.gateway\.service\.ports: replaces the Service's ports \(Helm replaces lists, it does not merge them\) without 443 → 443/],
        },
    ];
    for (const c of cases) it(`refuses ${c.title}`, () => oneProblem(gatewayValues(c.values), c.expect));

    it("passes what breaks nothing: more labels, more annotations, the same address, the pool that holds it, more ports", () => {
        assert.deepStrictEqual(problemsOf(gatewayValues({
            labels: { team: "edge" },
            service: {
                annotations: { "external-dns.alpha.kubernetes.io/hostname": "edge.example.com", "metallb.io/address-pool": "gateways" },
                ports: [
                    { name: "http2", port: 80, targetPort: 80 }, { name: "https", port: 443, targetPort: 443 }, { name: "tcp-ssh", port: 2222, targetPort: 2222 },
                ],
            },
            podAnnotations: { "example.com/owner": "platform" },
        })), []);
        const plan = planEdge(parseStackConfig(gatewayValues({ labels: { team: "edge" } })));
        assert.deepStrictEqual(plan.gateways[0].release.values.labels, { istio: "ingress-primary", app: "istio-ingress-primary", team: "edge" });
    });
});

describe("model: escape hatches of MetalLB and istiod", () => {
    it("refuses MetalLB without its CRDs or its speaker", () => {
        oneProblem(dev((raw) => { raw.metallb.values = { crds: { enabled: false } }; }), [/^metallb\.values\.crds\.enabled: false leaves out MetalLB's CRDs/]);
        oneProblem(dev((raw) => { raw.metallb.values = { speaker: { enabled: false } }; }), [/^metallb\.values\.speaker\.enabled: false removes MetalLB's speaker/]);
    });

    it("adds the user's tracing providers to the program's, and refuses one that takes its name", () => {
        const extra = { name: "otel", opentelemetry: { service: "otel.observability.svc.cluster.local", port: 4317 } };
        const plan = planEdge(parseStackConfig(dev((raw) => { raw.istio = { values: { istiod: { meshConfig: { extensionProviders: [extra] } } } }; })));
        const providers = (plan.istio.istiod.values.meshConfig as any).extensionProviders.map((p: any) => p.name);
        assert.deepStrictEqual(providers, ["otel", "jaeger"], "a list the program extends: Helm alone would have replaced it");
        oneProblem(dev((raw) => { raw.istio = { values: { istiod: { meshConfig: { extensionProviders: [{ ...extra, name: "jaeger" }] } } } }; }),
            [/^istio\.values\.istiod\.meshConfig\.extensionProviders\[0\]\.name: "jaeger" is the name of the tracing provider the program registers for addons\.tracing/]);
        // Without tracing the name is free.
        assert.deepStrictEqual(problemsOf(dev((raw) => {
            raw.addons.tracing.enabled = false;
            raw.istio = { values: { istiod: { meshConfig: { extensionProviders: [{ ...extra, name: "jaeger" }] } } } };
        })), []);
    });

    it("refuses istiod values that move it, revision it, or weaken its webhook", () => {
        oneProblem(dev((raw) => { raw.istio = { values: { istiod: { global: { istioNamespace: "mesh" } } } }; }), [/^istio\.values\.istiod\.global\.istioNamespace: "mesh" is not istio\.namespace \("istio-system"\)/]);
        oneProblem(dev((raw) => { raw.istio = { values: { istiod: { revision: "canary" } } }; }), [/^istio\.values\.istiod\.revision: "canary" installs a revisioned istiod/]);
        oneProblem(dev((raw) => { raw.istio = { values: { base: { base: { validationFailurePolicy: "Ignore" } } } }; }), [/^istio\.values\.base\.base\.validationFailurePolicy: "Ignore" is what istiod rewrites to "Fail"/, /istio\/istio#45204/]);
        oneProblem(dev((raw) => { raw.istio = { values: { base: { defaultRevision: "canary" } } }; }), [/^istio\.values\.base\.defaultRevision: "canary"/]);
    });

    it("refuses a gateway-api TLS minimum that overrides gateways[].minTlsVersion", () => {
        oneProblem(prod((raw) => { raw.api = "gateway-api"; raw.istio.values = { istiod: { meshConfig: { tlsDefaults: { minProtocolVersion: "TLSV1_2" } } } }; }),
            [/^istio\.values\.istiod\.meshConfig\.tlsDefaults\.minProtocolVersion: "TLSV1_2" overrides the minimum TLS version gateway-api mode takes from gateways\[\]\.minTlsVersion \("TLSV1_3"\)/]);
    });
});
