// Views of an evaluated edge, shared by the component tests and the policy integration tests.
import * as pulumi from "@pulumi/pulumi";
import { Evaluation, ProviderOverride, RegisteredResource, evaluate, resolve } from "./mocks";
import { stackConfig } from "./stacks";
import { Edge, EdgeArgs, GatewayOutputs } from "../../components/edge";
import type { EdgeSpec } from "../../model/types";
import { gatewayChartPodLabels as podLabels, matchCovers, selects } from "../../policy/lib/istio";

export const T = {
    chart: "kubernetes:helm.sh/v4:Chart",
    namespace: "kubernetes:core/v1:Namespace",
    secret: "kubernetes:core/v1:Secret",
    service: "kubernetes:core/v1:Service",
    deployment: "kubernetes:apps/v1:Deployment",
    gateway: "kubernetes:networking.istio.io/v1:Gateway",
    virtualService: "kubernetes:networking.istio.io/v1:VirtualService",
    pool: "kubernetes:metallb.io/v1beta1:IPAddressPool",
    l2: "kubernetes:metallb.io/v1beta1:L2Advertisement",
    bgpAdvertisement: "kubernetes:metallb.io/v1beta1:BGPAdvertisement",
    bgpPeer: "kubernetes:metallb.io/v1beta2:BGPPeer",
    bfdProfile: "kubernetes:metallb.io/v1beta1:BFDProfile",
    authorizationPolicy: "kubernetes:security.istio.io/v1:AuthorizationPolicy",
    peerAuthentication: "kubernetes:security.istio.io/v1:PeerAuthentication",
    privateKey: "tls:index/privateKey:PrivateKey",
    selfSigned: "tls:index/selfSignedCert:SelfSignedCert",
    certRequest: "tls:index/certRequest:CertRequest",
    leafCert: "tls:index/locallySignedCert:LocallySignedCert",
};

/** The Edge and its outputs, resolved. */
export interface EdgeOutputs {
    edge: Edge;
    gateways: Record<string, GatewayOutputs>;
    caCertificatePem: pulumi.Output<string>;
    etcHosts: string[];
}

/** Edge args that mean the same as a validated spec (the spec's keys, as stack config spells them). */
export function argsFromSpec(spec: EdgeSpec): EdgeArgs {
    const { bringYourOwnCa: _byo, ...pki } = spec.pki;
    return {
        metallb: {
            ...spec.metallb,
            // The config's keys: a password of its own (a test value) where the spec says there is one.
            bgp: spec.metallb.bgp && {
                ...spec.metallb.bgp,
                peers: spec.metallb.bgp.peers.map(({ hasPassword, ...peer }) => ({ ...peer, ...(hasPassword ? { password: pulumi.secret(`password-of-${peer.name}`) } : {}) })),
            },
        },
        istio: spec.istio,
        pki,
        gateways: spec.gateways.map(({ ips, routes, ...gw }) => ({
            ...gw,
            ...(gw.autoscaling ? { replicas: undefined } : {}),
            ip: ips.length === 1 ? ips[0] : ips,
            routes: routes.map((r) => ({ ...r, match: { [r.match.kind]: r.match.path } })),
        })),
        samples: spec.samples,
        ...(spec.addons ? { addons: spec.addons } : {}),
        ...(spec.api ? { api: spec.api } : {}),
        ...(spec.gatewayApi ? { gatewayApi: spec.gatewayApi } : {}),
        ...(spec.retainOnDelete ? { retainOnDelete: spec.retainOnDelete } : {}),
    };
}

export async function evaluateEdge(config: EdgeSpec | EdgeArgs, provider?: ProviderOverride, name = "edge"): Promise<Evaluation<EdgeOutputs>> {
    const args = "ips" in config.gateways[0] ? argsFromSpec(config as EdgeSpec) : (config as EdgeArgs);
    const ev = await evaluate(() => new Edge(name, args), "test", provider);
    const edge = ev.result;
    return {
        ...ev,
        result: { edge, gateways: await resolve(edge.gateways), etcHosts: await resolve(edge.etcHosts), caCertificatePem: edge.caCertificatePem },
    };
}

export function chartByRelease(ev: Evaluation<unknown>, release: string): RegisteredResource {
    const found = ev.ofType(T.chart).filter((c) => c.inputs.name === release);
    if (found.length !== 1) throw new Error(`expected one chart with release ${release}, found ${found.length}`);
    return found[0];
}

/** The pod labels the Istio `gateway` chart gives a release's pods (the policy pack's rule). */
export function gatewayChartPodLabels(chart: RegisteredResource): Record<string, string> {
    return podLabels(chart.inputs.name, chart.inputs.values);
}

export function gatewayCharts(ev: Evaluation<unknown>): RegisteredResource[] {
    return ev.ofType(T.chart).filter((c) => c.inputs.chart === "gateway" || /\/gateway(-[^/]*\.tgz)?$/.test(c.inputs.chart));
}

export { selects, matchCovers };

const stackEvaluations = new Map<string, Promise<Evaluation<EdgeOutputs>>>();

/**
 * The edge of a committed stack file, evaluated once per test process: most tests only read it.
 * Tests that need a fresh evaluation (determinism, provider overrides) call evaluateEdge.
 */
export function evaluateStackEdge(stack: string): Promise<Evaluation<EdgeOutputs>> {
    if (!stackEvaluations.has(stack)) stackEvaluations.set(stack, evaluateEdge(stackConfig(stack)));
    return stackEvaluations.get(stack)!;
}
