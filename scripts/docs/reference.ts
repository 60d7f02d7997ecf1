// What each stack config key means, for docs/configuration.md (`npm run docs:config`). Keys are
// spelt as `pulumi config set --path` spells them, `[]` standing for an index. The page takes each
// key's type from the schema and its default from the code; `default` here is only for a default
// the code cannot show as one value (it depends on other keys, or the key is required only
// sometimes), and test/docs/configuration.test.ts holds each of those words against the code.
// Every leaf of the schema needs an entry, and so does a block users set as a whole (`*.values`,
// `addons.prometheus.storage`); a top-level block's entry introduces its section.

export interface ReferenceEntry {
    /** What the key does, in plain words (markdown, one line). */
    meaning: string;
    /** The default in words, where the code has no single value for it. */
    default?: string;
}

const AIR_GAPPED = "[Air-gapped clusters](operations.md#air-gapped-clusters)";
const HELM_VALUES = "merged over the program's (maps merge, other values replace)";
const ADDON_ENABLED = "`false`; `true` once the block is given";
const REQUIRED_WHEN_ON = "— (required when on)";

/** The keys of a list of Kubernetes label selectors at `prefix` (`…nodeSelectors[]`). */
function selectorEntries(prefix: string, what: string): Record<string, ReferenceEntry> {
    return {
        [`${prefix}.matchLabels`]: { meaning: `labels a node must have, as a map (\`{ "node-role.kubernetes.io/edge": "" }\`); the selectors pick ${what}; no selectors: every node` },
        [`${prefix}.matchExpressions`]: { meaning: "label requirements a node must meet, all of them" },
        [`${prefix}.matchExpressions[].key`]: { meaning: "a label key" },
        [`${prefix}.matchExpressions[].operator`]: { meaning: "`In` and `NotIn` need `values`; `Exists` and `DoesNotExist` take none" },
        [`${prefix}.matchExpressions[].values`]: { meaning: "label values, for `In` and `NotIn`" },
    };
}

export const REFERENCE: Record<string, ReferenceEntry> = {
    // metallb
    "metallb.version": { meaning: "chart version, exact (`latest` and ranges are rejected)" },
    "metallb.repository": {
        meaning: `where the chart comes from: an HTTP(S) Helm repository, an \`oci://\` registry, or a local folder of packaged charts written as a path (\`/srv/charts\`, \`./charts\`): see ${AIR_GAPPED}`,
    },
    "metallb.namespace": { meaning: "namespace, created with `pod-security.kubernetes.io/enforce: privileged`" },
    "metallb.values": { meaning: `extra Helm values for the metallb chart, ${HELM_VALUES}` },
    "metallb.webhookCheck.enabled": {
        meaning: "before the pools, a Job asks the API server for a server-side dry run of a MetalLB object until MetalLB's webhook admits it (its pods are ready before its webhook serves)",
    },
    "metallb.webhookCheck.image": { meaning: "the kubectl image that Job runs, with its tag or digest (a mirror on air-gapped clusters)" },
    "metallb.pools": { meaning: "MetalLB's address pools, at least one" },
    "metallb.pools[].name": { meaning: "pool name, a DNS label; unique" },
    "metallb.pools[].addresses": {
        meaning: "CIDRs (`192.168.49.240/28`, `fd00::/120`) or ranges (`192.168.49.240-192.168.49.250`); IPv4 or IPv6; no spaces; pools must not overlap; CIDRs must not have host bits set",
    },
    "metallb.pools[].autoAssign": { meaning: "whether MetalLB hands the pool's addresses to any LoadBalancer Service; use `false` for gateway IPs" },
    "metallb.pools[].advertise.l2": {
        meaning: "layer-2 announcement (ARP/NDP): `true`, `false`, or `{ interfaces, nodeSelectors }` to limit it; see [networking.md](networking.md#layer-2)",
        default: "`true` when `advertise` is left out; `false` when `advertise` is given without it (`advertise` lists every way the pool is announced)",
    },
    "metallb.pools[].advertise.l2.interfaces": { meaning: "announce only on these network interfaces of the nodes (`eth1`); empty: every interface but those MetalLB excludes (`docker*`, `veth*`, …)" },
    ...selectorEntries("metallb.pools[].advertise.l2.nodeSelectors[]", "the nodes that may answer for the pool's addresses"),
    "metallb.pools[].advertise.bgp": {
        meaning: "BGP announcement to `metallb.bgp.peers`: `true`, `false`, or the options below; see [networking.md](networking.md#bgp)",
        default: "`false`; announced as given once the block is there",
    },
    "metallb.pools[].advertise.bgp.aggregationLength": { meaning: "prefix length of the IPv4 routes announced, 1–32; not shorter than the broadest CIDR of each address entry (MetalLB refuses it); left out, MetalLB's default: 32 (one route per address)" },
    "metallb.pools[].advertise.bgp.aggregationLengthV6": { meaning: "prefix length of the IPv6 routes announced, 1–128, with the same rule; left out, MetalLB's default: 128" },
    "metallb.pools[].advertise.bgp.communities": { meaning: "BGP communities on the routes: `\"64512:100\"`, or large ones `\"large:64512:1:2\"` (`65535:65281` is NO_EXPORT)" },
    "metallb.pools[].advertise.bgp.localPref": { meaning: "BGP LOCAL_PREF of the routes, for iBGP peers (eBGP peers ignore it)" },
    "metallb.pools[].advertise.bgp.peers": { meaning: "names of the peers to announce to (`metallb.bgp.peers[].name`); empty: every peer" },
    ...selectorEntries("metallb.pools[].advertise.bgp.nodeSelectors[]", "the nodes that may be next hops for the pool's routes"),
    "metallb.bgp": { meaning: "BGP: the local AS and the routers the speakers peer with; the speakers then run FRR-K8s. See [networking.md](networking.md#bgp)" },
    "metallb.bgp.localASN": { meaning: "the cluster's AS number, 1–4294967295 (private: 64512–65534, 4200000000–4294967294); the same as a peer's for iBGP" },
    "metallb.bgp.routerID": { meaning: "BGP router ID, an IPv4 address; left out, FRR picks one of each node's addresses" },
    "metallb.bgp.peers[].name": { meaning: "peer name, a DNS label of at most 50 characters; names its BGPPeer, BFD profile and password Secret; unique" },
    "metallb.bgp.peers[].address": { meaning: "the router's IPv4 or IPv6 address, of a family the nodes have (preflight checks it)" },
    "metallb.bgp.peers[].asn": { meaning: "the router's AS number, 1–4294967295" },
    "metallb.bgp.peers[].port": { meaning: "the router's BGP port, 1–16384; left out, MetalLB's default: 179" },
    "metallb.bgp.peers[].sourceAddress": { meaning: "the local address the session starts from (an IP the nodes have)" },
    "metallb.bgp.peers[].holdTime": { meaning: "BGP hold time, a duration (`90s`): `0s` or at least `3s`; left out, FRR's default: 180s" },
    "metallb.bgp.peers[].keepaliveTime": { meaning: "BGP keepalive time, at most the hold time (a third of it by convention); left out, FRR's default: 60s (a third of holdTime when only that is given)" },
    "metallb.bgp.peers[].ebgpMultiHop": { meaning: "the router is more than one hop away (eBGP only; refused on an iBGP peer)" },
    ...selectorEntries("metallb.bgp.peers[].nodeSelectors[]", "the nodes that open a session with this peer"),
    "metallb.bgp.peers[].bfd": { meaning: "BFD on the session (sub-second failover): `true` for MetalLB's defaults, or the intervals below; a `BFDProfile` named `<peer>-bfd`" },
    "metallb.bgp.peers[].bfd.receiveInterval": { meaning: "minimum interval between received BFD packets, ms, 10–60000; left out, MetalLB's default: 300" },
    "metallb.bgp.peers[].bfd.transmitInterval": { meaning: "minimum interval between sent BFD packets, ms, 10–60000; left out, MetalLB's default: 300" },
    "metallb.bgp.peers[].bfd.detectMultiplier": { meaning: "packets lost before the session is down, 2–255; left out, MetalLB's default: 3" },
    "metallb.bgp.peers[].bfd.echoInterval": { meaning: "interval between echo packets, ms, 10–60000; left out, MetalLB's default: 50" },
    "metallb.bgp.peers[].bfd.echoMode": { meaning: "BFD echo mode; left out, MetalLB's default: `false`" },
    "metallb.bgp.peers[].bfd.passiveMode": { meaning: "wait for the router to start BFD; left out, MetalLB's default: `false`" },
    "metallb.bgp.peers[].bfd.minimumTtl": { meaning: "lowest TTL accepted for multi-hop BFD, 1–254; left out, MetalLB's default: 254" },
    "metallb.bgp.peers[].password": {
        meaning: "the session's TCP MD5 password, set as a secret: `pulumi config set --secret --path 'metallb.bgp.peers[0].password' …`; kept in a `kubernetes.io/basic-auth` Secret `<peer>-bgp-password`, never in plain text; at most 80 characters",
    },

    // istio
    "istio.version": { meaning: "version of the `base`, `istiod` and `gateway` charts" },
    "istio.repository": { meaning: "HTTP(S) Helm repository, `oci://` registry or local folder, as for `metallb.repository`" },
    "istio.namespace": { meaning: "namespace of istiod; not `kube-system`, `kube-public`, `kube-node-lease` or `default`" },
    "istio.gatewayNamespace": {
        meaning: "namespace of the gateway pods, their Gateways, VirtualServices and TLS secrets; may equal `istio.namespace` (one Namespace object); never a system namespace or another role's namespace",
    },
    "istio.mtlsMode": { meaning: "mesh-wide mutual TLS, as a `PeerAuthentication` named `default` in `istio.namespace`" },
    "istio.meshNamespaces": {
        meaning: "application namespaces to create with `istio-injection: enabled` (not one of the program's own namespaces); a namespace that already exists must first be imported (`pulumi import kubernetes:core/v1:Namespace …`) or left out",
    },
    "istio.values.base": { meaning: `extra Helm values for the \`base\` chart, ${HELM_VALUES}` },
    "istio.values.istiod": { meaning: `extra Helm values for the \`istiod\` chart, ${HELM_VALUES}` },
    "istio.values.gateway": { meaning: `extra Helm values for every \`gateway\` chart release, ${HELM_VALUES}` },
    "istio.istiod.replicas": { meaning: "istiod replicas (fixed; no autoscaling); `> 1` also turns on istiod's PodDisruptionBudget" },
    "istio.istiod.resources": { meaning: "istiod's resource requests and limits; given, it replaces the default as a whole" },
    "istio.istiod.resources.requests.cpu": { meaning: "istiod's CPU request" },
    "istio.istiod.resources.requests.memory": { meaning: "istiod's memory request" },
    "istio.istiod.resources.limits": { meaning: "istiod's limits; they must not be below the requests" },
    "istio.istiod.resources.limits.cpu": { meaning: "istiod's CPU limit" },
    "istio.istiod.resources.limits.memory": { meaning: "istiod's memory limit" },

    // pki
    "pki.caCommonName": { meaning: "common name of the private CA; generation N ≥ 2 is named `<caCommonName> G<N>`, which must also stay within 64 characters" },
    "pki.caValidityHours": { meaning: "CA lifetime in hours; the CA is never renewed automatically, since a new CA breaks every client that trusts the old one" },
    "pki.validityHours": { meaning: "leaf certificate lifetime in hours (must not exceed the CA's)" },
    "pki.earlyRenewalHours": { meaning: "a `pulumi up` this many hours before a leaf's expiry issues a new one (must be less than `validityHours`)" },
    "pki.keyAlgorithm": { meaning: "key algorithm of the generated CA and of the leaf certificates" },
    "pki.certificatePer": { meaning: "`host`: one certificate per host (CN = SAN = host); `gateway`: one per gateway with all its hosts as SANs" },
    "pki.protect": { meaning: "`protect` the CA key and certificate: Pulumi refuses to delete or replace them" },
    "pki.caGeneration": { meaning: "the generation of the generated CA that signs the leaves; a rotation moves it to the next (see [Rotating the CA](operations.md#rotating-the-ca))" },
    "pki.trustedCaGenerations": {
        default: "`[caGeneration]` (required once `caGeneration` is above 1)",
        meaning: "the generations that exist and that clients trust (the `caTrustBundle` output); a rotation goes `[1, 2]` → `caGeneration: 2` → `[2]`",
    },
    "pki.bringYourOwnCa": {
        default: "— (the program generates a CA)",
        meaning: "sign the leaves with your own CA instead of generating one; checked before use: a CA certificate, valid now, matching the key. Not with `caGeneration` or `trustedCaGenerations`: rotate by bringing the new CA",
    },
    "pki.bringYourOwnCa.certificatePem": { meaning: "the CA's certificate (PEM), optionally followed by the certificates that issued it, up to a root" },
    "pki.bringYourOwnCa.privateKeyPem": {
        meaning: "that CA's private key (PEM); set it as a secret: `pulumi config set --secret --path pki.bringYourOwnCa.privateKeyPem -- \"$(cat ca.key)\"`. Never printed, not even in error messages",
    },

    // gateways
    gateways: { meaning: "the ingress gateways, at least one" },
    "gateways[].name": { meaning: "`primary`, `secondary` or any DNS label of at most 39 characters; unique" },
    "gateways[].ip": {
        meaning: "the gateway's LoadBalancer IP, IPv4 or IPv6, inside exactly one pool and not used by another gateway; or a list of one IPv4 and one IPv6 address for a dual-stack gateway (see [IPv6 and dual-stack](networking.md#ipv6-and-dual-stack))",
    },
    "gateways[].hosts": {
        meaning: "lower-case DNS names with at least one dot (Istio refuses short names on a Gateway), or wildcard subdomains (`*.apps.example.com`); not IP addresses; a host (or a wildcard covering it) may belong to one gateway only",
    },
    "gateways[].httpsRedirect": { meaning: "port 80 answers `301` to HTTPS" },
    "gateways[].minTlsVersion": { meaning: "the lowest TLS version the gateway accepts; in `gateway-api` mode the strictest of all gateways applies to every gateway (Istio has no per-listener minimum)" },
    "gateways[].replicas": { meaning: "fixed number of gateway pods; `> 1` adds a PodDisruptionBudget with `minAvailable: 1`. Not with `autoscaling`" },
    "gateways[].autoscaling": {
        meaning: "a HorizontalPodAutoscaler instead of a fixed `replicas`; `minReplicas > 1` adds the PodDisruptionBudget. Unset: `replicas` pods",
    },
    "gateways[].autoscaling.minReplicas": { meaning: "fewest gateway pods; `minReplicas ≤ maxReplicas`" },
    "gateways[].autoscaling.maxReplicas": { meaning: "most gateway pods" },
    "gateways[].autoscaling.targetCPUUtilizationPercentage": { meaning: "the CPU utilization, in percent, that the autoscaler aims for" },
    "gateways[].podAntiAffinity": { meaning: "spread the pods over nodes: `none`, `preferred`, or `required` (needs at least as many nodes as replicas)" },
    "gateways[].resources": { meaning: "the gateway pods' resource requests and limits; limits must not be below requests" },
    "gateways[].resources.requests.cpu": { meaning: "CPU request of each gateway pod" },
    "gateways[].resources.requests.memory": { meaning: "memory request of each gateway pod" },
    "gateways[].resources.limits": {
        meaning: "limits of each gateway pod. Unset: the gateway chart's own limits (`2000m`, `1024Mi`) apply, so requests above them are rejected",
    },
    "gateways[].resources.limits.cpu": { meaning: "CPU limit of each gateway pod" },
    "gateways[].resources.limits.memory": { meaning: "memory limit of each gateway pod" },
    "gateways[].allowedSourceRanges": {
        meaning: "client CIDRs allowed to connect, enforced twice: the Service's `loadBalancerSourceRanges` and an `AuthorizationPolicy` (ALLOW from `remoteIpBlocks`) on this gateway's pods; list ranges of each address family the gateway has. Unset: everyone may connect",
    },
    "gateways[].externalTrafficPolicy": {
        default: "`\"Local\"` with `allowedSourceRanges`, else `\"Cluster\"`",
        meaning: "the Service's `externalTrafficPolicy`; `Cluster` with `allowedSourceRanges` is rejected (see [Production](production.md))",
    },
    "gateways[].routes": { meaning: "where the gateway sends requests: each route sends a path on some of its hosts to a Service" },
    "gateways[].routes[].name": { meaning: "DNS label, unique within the gateway" },
    "gateways[].routes[].hosts": {
        default: "all of the gateway's `hosts`",
        meaning: "the hosts this route applies to; each must be one of the gateway's hosts, listed once",
    },
    "gateways[].routes[].match.exact": { meaning: "exact path, e.g. `/hello`; set exactly one of `exact` and `prefix`" },
    "gateways[].routes[].match.prefix": {
        meaning: "path prefix, e.g. `/` or `/api/` (Istio's `prefix` matches characters, so `/api` also matches `/apiv2`); no two routes with the same match on one host",
    },
    "gateways[].routes[].destination.host": {
        meaning: "a Service name (`helloworld`, resolved in `namespace`) or a full name (`api.example.svc.cluster.local`, `api.partner.example.com`, used as is). `<service>.<namespace>` and `<service>.<namespace>.svc` are rejected: Istio does not expand them",
    },
    "gateways[].routes[].destination.port": { meaning: "Service port" },
    "gateways[].routes[].destination.namespace": {
        meaning: "namespace of a short-named Service; a namespace other than `default` is rejected when the host is a full cluster name (`<service>.<namespace>.svc.<domain>`) in another namespace",
    },

    // render mode, preflight, retainOnDelete, samples
    renderDirectory: {
        meaning: "write every object as YAML to this folder (one you can write, or can create) instead of applying it: see [Render mode](operations.md#render-mode). Unset: objects are applied to the cluster",
    },
    preflight: {
        default: "`true`; `false` in render mode",
        meaning: "read the cluster before deploying and stop early on what breaks MetalLB: see [Cluster preflight](operations.md#cluster-preflight)",
    },
    "retainOnDelete.crds": {
        meaning: "keep the CRDs (MetalLB's, Istio's, the Gateway API's) when they leave the program or the stack is destroyed: deleting a CRD deletes every object of its kind in the cluster; `false` deletes them",
    },
    "retainOnDelete.meshNamespaces": {
        meaning: "keep `istio.meshNamespaces`, with the applications in them, when they leave the list or the stack is destroyed; `false` deletes them",
    },
    samples: {
        meaning: "deploy helloworld v1 (`helloworld:5000`), helloworld v2 (`helloworld2:5000`) and httpbin (`httpbin:8000`) with sidecar injection on. `Pulumi.dev.yaml` turns it on",
    },
    "samples.enabled": {
        default: "`true` (`samples` itself defaults to `false`)",
        meaning: "the same switch, in the object form",
    },
    "samples.namespace": { meaning: "namespace of the sample apps; it must not be another role's namespace" },

    // addons
    addons: {
        meaning: "The observability addons (see [Observability](observability.md)). Each addon is off unless its block is given; a block without `enabled: false` switches it on, and then its `host` is required.",
    },
    "addons.gateway": {
        meaning: "the configured gateway that serves every addon host: one whose `allowedSourceRanges` all lie inside non-public ranges (`10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`, `100.64.0.0/10`, `127.0.0.0/8`, `169.254.0.0/16`, `fc00::/7`, `fe80::/10`, `::1/128`) and that redirects HTTP to HTTPS",
    },
    "addons.allowPublicAccess": {
        meaning: "`true` accepts the risk of serving the addons where anyone may reach them: on a gateway that admits public addresses, over plain HTTP, or through routes of other gateways. Prometheus and the tracing UI have no login. Anonymous Kiali and anonymous Grafana editors stay refused on such a gateway",
    },
    "addons.namespace": {
        default: "`istio.namespace`",
        meaning: "namespace of the addons: beside istiod, or a namespace of its own that no other role uses",
    },
    "addons.prometheus.enabled": { default: ADDON_ENABLED, meaning: "install Prometheus (chart `prometheus`, prometheus-community) as Service `prometheus:9090`" },
    "addons.prometheus.host": { default: REQUIRED_WHEN_ON, meaning: "its host on the addon gateway: a DNS name no gateway serves, not a wildcard" },
    "addons.prometheus.version": { meaning: "chart version, exact" },
    "addons.prometheus.repository": { meaning: "Helm repository, `oci://` registry or local folder, as for `metallb.repository`" },
    "addons.prometheus.values": { meaning: `Helm values ${HELM_VALUES}, e.g. \`{ alertmanager: { enabled: true } }\`` },
    "addons.prometheus.retention": { meaning: "how long samples are kept: a Prometheus duration (`12h`, `15d`, `1w`)" },
    "addons.prometheus.storage": { meaning: "a PersistentVolumeClaim for the samples. Unset: an `emptyDir`, so the samples go with the pod" },
    "addons.prometheus.storage.size": { meaning: "size of the claim" },
    "addons.prometheus.storage.storageClass": { meaning: "a StorageClass name, `\"\"` for the cluster's default class, `-` for none" },
    "addons.grafana.enabled": {
        default: ADDON_ENABLED,
        meaning: "install Grafana (chart `grafana`) as Service `grafana:3000`, Prometheus its default data source; needs `addons.prometheus`, or your own `datasources` in `addons.grafana.values`",
    },
    "addons.grafana.host": { default: REQUIRED_WHEN_ON, meaning: "its host on the addon gateway" },
    "addons.grafana.version": { meaning: "chart version, exact" },
    "addons.grafana.repository": { meaning: "Helm repository, `oci://` registry or local folder" },
    "addons.grafana.values": { meaning: `Helm values ${HELM_VALUES}` },
    "addons.grafana.dashboards": {
        meaning: "provision Istio's dashboards (Mesh 7639, Service 7636, Workload 7630, Performance 11829, Control Plane 7645), which the chart downloads from grafana.com when the pod starts; `false` on clusters without internet access",
    },
    "addons.grafana.dashboardRevision": { meaning: "the grafana.com revision of those dashboards (Istio uploads one per release; 300 is Istio 1.29.2's)" },
    "addons.kiali.enabled": {
        default: ADDON_ENABLED,
        meaning: "install Kiali (chart `kiali-server`) as Service `kiali:20001`, wired to Prometheus, Grafana and tracing; needs `addons.prometheus`, or your own `external_services.prometheus.url` in `addons.kiali.values`",
    },
    "addons.kiali.host": { default: REQUIRED_WHEN_ON, meaning: "its host on the addon gateway" },
    "addons.kiali.version": { meaning: "chart version, exact" },
    "addons.kiali.repository": { meaning: "Helm repository, `oci://` registry or local folder" },
    "addons.kiali.values": { meaning: `Helm values ${HELM_VALUES}; Kiali's chart hands all of them to Kiali's config` },
    "addons.kiali.auth": {
        meaning: "`token` (log in with a ServiceAccount token) or `anonymous`; `anonymous` is refused when the addon gateway admits public addresses (no `allowedSourceRanges`, or a public range), even with `addons.allowPublicAccess`, and on a stack whose name starts with `prod`",
    },
    "addons.tracing.enabled": {
        default: ADDON_ENABLED,
        meaning: "run Jaeger v2 all-in-one as Services `tracing:80` (UI) and `jaeger-collector:4317` (OTLP), and send the mesh's spans to it",
    },
    "addons.tracing.host": { default: REQUIRED_WHEN_ON, meaning: "its host on the addon gateway" },
    "addons.tracing.image": { meaning: "image repository (a mirror for air-gapped sites), without tag" },
    "addons.tracing.version": { meaning: "image tag, exact" },
    "addons.tracing.sampling": { meaning: "percentage of requests traced (a mesh-wide `Telemetry`)" },

    // api and gatewayApi
    api: {
        meaning: "`istio`: Istio's Gateway, VirtualServices and `gateway` chart; `gateway-api`: the Kubernetes Gateway API, see [Gateway API mode](gateway-api.md)",
    },
    "gatewayApi.crds.manage": {
        meaning: "install the Gateway API CRDs (standard channel) from the release manifest, server-side, before istiod; `false`: they are managed elsewhere, at `gatewayApi.crds.version`",
    },
    "gatewayApi.crds.version": { meaning: "the CRD release, exact (`vX.Y.Z`); one the chosen Istio reads (Istio 1.30: v1.2.0 to v1.5.x)" },
    "gatewayApi.crds.repository": {
        meaning: "where `<version>/standard-install.yaml` is downloaded from, or a local folder holding `gateway-api-<version>-standard-install.yaml`",
    },
};
