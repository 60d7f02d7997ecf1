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

/** A Kubernetes label selector (MetalLB's nodeSelectors). */
export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

/** Layer-2 announcement of a pool: from every interface and node unless limited. */
export interface L2AnnouncementSpec {
    interfaces: string[];
    nodeSelectors: LabelSelector[];
}

/** BGP announcement of a pool (a BGPAdvertisement). */
export interface BgpAnnouncementSpec {
    aggregationLength?: number;
    aggregationLengthV6?: number;
    communities: string[];
    localPref?: number;
    /** Names of the peers to announce to; empty: every peer. */
    peers: string[];
    /** The nodes that may be next hops; empty: every node. */
    nodeSelectors: LabelSelector[];
}

export interface PoolSpec {
    name: string;
    addresses: string[];
    autoAssign: boolean;
    /** How the pool is announced; absent in specs made before there was a choice: layer 2 from every node. */
    advertise?: { l2?: L2AnnouncementSpec; bgp?: BgpAnnouncementSpec };
}

/** A BFD profile of a peer (MetalLB's BFDProfile), in milliseconds. */
export interface BfdSpec {
    receiveInterval?: number;
    transmitInterval?: number;
    detectMultiplier?: number;
    echoInterval?: number;
    echoMode?: boolean;
    passiveMode?: boolean;
    minimumTtl?: number;
}

/** One BGP peer (a BGPPeer), typically a top-of-rack router. */
export interface BgpPeerSpec {
    name: string;
    address: string;
    asn: number;
    port?: number;
    sourceAddress?: string;
    holdTime?: string;
    keepaliveTime?: string;
    ebgpMultiHop: boolean;
    nodeSelectors: LabelSelector[];
    bfd?: BfdSpec;
    /** A password is set (the value itself is passed separately, as a secret). */
    hasPassword: boolean;
}

/** MetalLB's BGP speakers: the local AS and the routers they peer with. */
export interface BgpSpec {
    localASN: number;
    routerID?: string;
    peers: BgpPeerSpec[];
}
export interface MetalLbSpec {
    version: string;
    /** HTTP(S) Helm repository, `oci://` registry, or a local folder of packaged charts. */
    repository: string;
    namespace: string;
    pools: PoolSpec[];
    /** Extra values for the metallb chart. */
    values: ExtraValues;
    /** Wait for MetalLB's webhook before the pools (a Job's server-side dry run); absent in older specs means on, default image. */
    webhookCheck?: { enabled: boolean; image: string };
    /** BGP: absent when every pool is announced on layer 2 only. */
    bgp?: BgpSpec;
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
    /** Generation of the generated CA that signs the leaves (1 is the first CA; a rotation adds the next). */
    caGeneration: number;
    /**
     * Generations of the generated CA that exist and that clients trust (the trust bundle); holds
     * caGeneration. Absent only when a config left it out with a caGeneration above 1, which is refused.
     */
    trustedCaGenerations?: number[];
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
    /** Which API builds the gateways; absent (as in specs made before there was a choice) means "istio". */
    api?: EdgeApi;
    /** Gateway API settings, read when `api` is "gateway-api"; absent means the defaults. */
    gatewayApi?: GatewayApiSpec;
    /** Observability addons; absent (as in specs made before they existed) means all off. */
    addons?: AddonsSpec;
    /** What the stack keeps when it deletes; absent means the defaults (CRDs and mesh namespaces kept). */
    retainOnDelete?: { crds: boolean; meshNamespaces: boolean };
}

export type AddonName = "prometheus" | "grafana" | "kiali" | "tracing";
export const ADDON_NAMES: AddonName[] = ["prometheus", "grafana", "kiali", "tracing"];

/** What every addon has: a switch and the host it is served on (required when enabled). */
export interface AddonCommon {
    enabled: boolean;
    host?: string;
}
/** An addon installed from a Helm chart. */
export interface ChartAddonSpec extends AddonCommon {
    version: string;
    repository: string;
    /** Extra values for its chart. */
    values: ExtraValues;
}
export interface PrometheusSpec extends ChartAddonSpec {
    /** How long samples are kept, as a Prometheus duration ("15d"). */
    retention: string;
    /** A PersistentVolumeClaim for the samples; absent = an emptyDir (lost with the pod). */
    storage?: { size: string; storageClass: string };
}
export interface GrafanaSpec extends ChartAddonSpec {
    /** Provision Istio's dashboards (downloaded from grafana.com when the pod starts). */
    dashboards: boolean;
    /** The grafana.com revision of Istio's dashboards. */
    dashboardRevision: number;
}
export interface KialiSpec extends ChartAddonSpec {
    auth: "token" | "anonymous";
}
export interface TracingSpec extends AddonCommon {
    /** Jaeger v2 image (repository, without tag) and its tag. */
    image: string;
    version: string;
    /** Percentage of requests traced, 0–100. */
    sampling: number;
}
/** The observability addons, served on one gateway. Keys and defaults are those of the stack config's `addons`. */
export interface AddonsSpec {
    /** Name of the configured gateway that serves every addon host. */
    gateway: string;
    namespace: string;
    /**
     * Serve the addons even where anyone may reach them: on a gateway whose client ranges are not
     * all non-public, over plain HTTP, or from routes of other gateways.
     */
    allowPublicAccess: boolean;
    prometheus: PrometheusSpec;
    grafana: GrafanaSpec;
    kiali: KialiSpec;
    tracing: TracingSpec;
}

/**
 * "istio": Istio's Gateway and VirtualService objects and its `gateway` chart. "gateway-api": the
 * Kubernetes Gateway API (Gateway, HTTPRoute, ReferenceGrant), whose gateways istiod deploys itself.
 */
export type EdgeApi = "istio" | "gateway-api";
export const EDGE_APIS: EdgeApi[] = ["istio", "gateway-api"];

export interface GatewayApiSpec {
    crds: {
        /** Install the Gateway API CRDs (false: they are managed elsewhere, at `version`). */
        manage: boolean;
        /** Release of the CRDs ("v1.5.1"): installed, or (manage false) present in the cluster. */
        version: string;
        /** Release downloads URL (`<repository>/<version>/standard-install.yaml`) or a local folder of manifests. */
        repository: string;
    };
}
