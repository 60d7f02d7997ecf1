// The component library: import these from another Pulumi program with
// `import { MetalLb, IstioMesh, CertificateAuthority, IngressGateway } from "istio-metallb-ingress/components"`.
export * from "./metallb";
export * from "./istioMesh";
export * from "./certificateAuthority";
export * from "./ingressGateway";
export * from "./sampleApps";
export * from "./naming";
export { deployEdge, EdgeOutputs, GatewayOutputs } from "./edge";
