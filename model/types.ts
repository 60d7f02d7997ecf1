// The validated edge: every key of the stack config with its default filled in. The model's
// functions take this shape; config/ produces it from stack config and the Edge component from
// its args. Plain data only: no Pulumi types here.

export interface ResourceQuantities {
    cpu: string;
    memory: string;
}
export interface ResourceRequirements {
    requests: ResourceQuantities;
    limits?: ResourceQuantities;
}

/** Helm values merged over the ones the program sets (maps merge, anything else replaces). */
export type ExtraValues = Record<string, unknown>;

export interface PoolSpec {
    name: string;
    addresses: string[];
    autoAssign: boolean;
}
export interface MetalLbSpec {
    version: string;
    /** HTTP(S) Helm repository, `oci://` registry, or a local folder of packaged charts. */
    repository: string;
    namespace: string;
    pools: PoolSpec[];
    /** Extra values for the metallb chart. */
    values: ExtraValues;
}

export interface IstioSpec {
    version: string;
    repository: string;
    /** Namespace of istiod (and of Istio's root config, e.g. mesh-wide policies). */
    namespace: string;
    /** Namespace of the ingress gateway pods, their Gateways, VirtualServices and TLS secrets. */
    gatewayNamespace: string;
    /** Mesh-wide mutual TLS (a PeerAuthentication "default" in Istio's root namespace). */
    mtlsMode: "STRICT" | "PERMISSIVE";
    /** Application namespaces to create with sidecar injection on. */
    meshNamespaces: string[];
    istiod: { replicas: number; resources: ResourceRequirements };
    /** Extra values per Istio chart. */
    values: { base: ExtraValues; istiod: ExtraValues; gateway: ExtraValues };
}

export type KeyAlgorithm = "ECDSA-P256" | "ECDSA-P384" | "RSA-2048" | "RSA-3072" | "RSA-4096";
export const KEY_ALGORITHMS: KeyAlgorithm[] = ["ECDSA-P256", "ECDSA-P384", "RSA-2048", "RSA-3072", "RSA-4096"];

export interface PkiSpec {
    caCommonName: string;
    caValidityHours: number;
    validityHours: number;
    earlyRenewalHours: number;
    keyAlgorithm: KeyAlgorithm;
    certificatePer: "host" | "gateway";
    /** Protect the CA key and certificate from deletion and replacement. */
    protect: boolean;
    /** Sign with an existing CA instead of generating one (the material itself is passed separately, as secrets). */
    bringYourOwnCa: boolean;
}

export type MatchKind = "exact" | "prefix";
export interface RouteMatch {
    kind: MatchKind;
    path: string;
}
export interface RouteSpec {
    name: string;
    /** The hosts the route applies to: the ones it names, or all of its gateway's hosts. */
    hosts: string[];
    match: RouteMatch;
    destination: { host: string; port: number; namespace: string };
}

export type IpFamily = "IPv4" | "IPv6";

export interface GatewaySpec {
    name: string;
    /** One address, or one IPv4 and one IPv6 address (dual-stack); the first is the primary. */
    ips: string[];
    hosts: string[];
    httpsRedirect: boolean;
    minTlsVersion: "TLSV1_2" | "TLSV1_3";
    /** Fixed replica count, or the minimum when autoscaling is set. */
    replicas: number;
    autoscaling?: { minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage: number };
    podAntiAffinity: "none" | "preferred" | "required";
    resources: ResourceRequirements;
    /** Client CIDRs allowed to reach the gateway; undefined = everyone. */
    allowedSourceRanges?: string[];
    externalTrafficPolicy: "Cluster" | "Local";
    routes: RouteSpec[];
}

export interface SamplesSpec {
    enabled: boolean;
    namespace: string;
}

/** The whole edge, validated and defaulted. */
export interface EdgeSpec {
    metallb: MetalLbSpec;
    istio: IstioSpec;
    pki: PkiSpec;
    gateways: GatewaySpec[];
    samples: SamplesSpec;
}
