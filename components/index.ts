// The component library: `import { Edge } from "istio-metallb-ingress"` builds the whole edge in one
// line; the parts (MetalLb, IstioMesh, CertificateAuthority, IngressGateway, SampleApps) and the
// pure plan (`planEdge`) are there for programs that compose their own.
export * from "./edge";
export * from "./metallb";
export * from "./istioMesh";
export * from "./certificateAuthority";
export * from "./ingressGateway";
export * from "./gatewayAddresses";
export * from "./gatewayApiCrds";
export * from "./gatewayApiGateway";
export * from "./sampleApps";
export * from "./observability";
export * from "./kubernetesProvider";
export { ConfigError } from "../config/errors";
export * from "../model";
