// Views of an evaluated edge, shared by the component tests and the policy integration tests.
import { Evaluation, ProviderOverride, RegisteredResource, evaluate } from "./mocks";
import { deployEdge, EdgeOutputs } from "../../components/edge";
import { StackConfig } from "../../config";
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
    authorizationPolicy: "kubernetes:security.istio.io/v1:AuthorizationPolicy",
    peerAuthentication: "kubernetes:security.istio.io/v1:PeerAuthentication",
    privateKey: "tls:index/privateKey:PrivateKey",
    selfSigned: "tls:index/selfSignedCert:SelfSignedCert",
    certRequest: "tls:index/certRequest:CertRequest",
    leafCert: "tls:index/locallySignedCert:LocallySignedCert",
};

export function evaluateEdge(config: StackConfig, provider?: ProviderOverride): Promise<Evaluation<EdgeOutputs>> {
    return evaluate(() => deployEdge(config), "test", provider);
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
    return ev.ofType(T.chart).filter((c) => c.inputs.chart === "gateway");
}

export { selects, matchCovers };
