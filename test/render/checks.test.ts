// The checks on small hand-made render results: a clean set passes, and each kind of mistake
// produces a problem naming it.
import * as assert from "assert";
import type { ChartTree } from "./charts";
import {
    RenderSet, allProblems, crdCoverageProblems, gatewaySelectorProblems, gatewayServiceProblems, metallbProblems,
    parseQuantity, renderProblems, resourceProblems, sizingProblemsOf, unusedValueProblems,
} from "./checks";
import { K8sObject, ProgramResource, RenderedRelease, captureReleases } from "./render";

const chartTree = (name: string, defaults: Record<string, unknown> = {}, templates: Record<string, string> = {}): ChartTree =>
    ({ name, version: "1.0.0", defaults, templates, dependencies: [], subcharts: {} });

function rendered(chart: ChartTree, release: string, namespace: string, values: Record<string, any>, objects: K8sObject[]): RenderedRelease {
    return {
        release: { resource: release, release, chart: chart.name, version: chart.version, namespace, values, includeCrds: true, unknownValues: [] },
        chart,
        file: `${chart.name}-${chart.version}.tgz`,
        objects,
    };
}

const deployment = (name: string, namespace: string, labels: Record<string, string>, extra: Record<string, any> = {}): K8sObject => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace },
    spec: {
        ...(extra.replicas !== undefined ? { replicas: extra.replicas } : {}),
        selector: { matchLabels: labels },
        template: {
            metadata: { labels, annotations: extra.gateway ? { "inject.istio.io/templates": "gateway" } : {} },
            spec: {
                securityContext: extra.securityContext ?? { sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }] },
                containers: [{ name: "istio-proxy", image: "auto", resources: extra.resources ?? {} }],
                ...(extra.affinity ? { affinity: extra.affinity } : {}),
            },
        },
    },
});

const crd = (group: string, kind: string, versions: { name: string; served: boolean; deprecated?: boolean }[]): K8sObject => ({
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${kind.toLowerCase()}s.${group}` },
    spec: { group, names: { kind }, versions },
});

// The gateway chart as far as the checks care: Istio's defaults layout, autoscaling on by default.
const gatewayChart = chartTree(
    "gateway",
    {
        _internal_defaults_do_not_set: {
            labels: {}, replicaCount: null, autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 5 },
            service: { type: "LoadBalancer", annotations: {}, externalTrafficPolicy: "", ports: [] },
        },
    },
    { "templates/zzz_profile.yaml": '{{- $defaults := $.Values._internal_defaults_do_not_set }}{{- $b := set $ "Values" (mustMergeOverwrite $defaults $.Values) }}' },
);
const istiodChart = chartTree("istiod", { _internal_defaults_do_not_set: { autoscaleEnabled: true, autoscaleMin: 1, autoscaleMax: 5, replicaCount: 1, pdb: { minAvailable: 1 }, global: { defaultPodDisruptionBudget: { enabled: true } } } });
const metallbChart = chartTree("metallb", { frrk8s: { enabled: true }, speaker: { frr: { enabled: false } } });

const PORTS = [
    { name: "status-port", port: 15021, protocol: "TCP", targetPort: 15021 },
    { name: "http2", port: 80, protocol: "TCP", targetPort: 80 },
    { name: "https", port: 443, protocol: "TCP", targetPort: 443 },
];

interface GatewayOptions {
    values?: Record<string, any>;
    service?: Record<string, any>;
    annotations?: Record<string, string>;
    replicas?: number;
    extraObjects?: K8sObject[];
    affinity?: any;
    podLabels?: Record<string, string>;
    resources?: any;
    securityContext?: any;
}

function gatewayRelease(gw: string, options: GatewayOptions = {}): RenderedRelease {
    const release = `istio-ingress-${gw}`;
    const labels = options.podLabels ?? { app: release, istio: `ingress-${gw}` };
    const values = options.values ?? {
        labels,
        autoscaling: { enabled: false },
        replicaCount: 1,
        service: { type: "LoadBalancer", annotations: { "metallb.io/loadBalancerIPs": "10.0.0.1" }, externalTrafficPolicy: "Cluster", ports: PORTS },
    };
    const service: K8sObject = {
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: release, namespace: "istio-ingress", annotations: options.annotations ?? { "metallb.io/loadBalancerIPs": "10.0.0.1" } },
        spec: { type: "LoadBalancer", externalTrafficPolicy: "Cluster", ports: PORTS, selector: { app: release, istio: `ingress-${gw}` }, ...options.service },
    };
    const objects = [
        deployment(release, "istio-ingress", labels, { replicas: options.replicas ?? 1, affinity: options.affinity, resources: options.resources, securityContext: options.securityContext, gateway: true }),
        service,
        ...(options.extraObjects ?? []),
    ];
    return rendered(gatewayChart, release, "istio-ingress", values, objects);
}

function istioGateway(name: string, selector: Record<string, string>, ports = [80, 443]): ProgramResource {
    return {
        type: "kubernetes:networking.istio.io/v1:Gateway",
        name,
        inputs: {
            apiVersion: "networking.istio.io/v1",
            kind: "Gateway",
            metadata: { name, namespace: "istio-ingress" },
            spec: { selector, servers: ports.map((number) => ({ port: { number, name: `p-${number}`, protocol: number === 443 ? "HTTPS" : "HTTP" }, hosts: ["a.example.com"] })) },
        },
    };
}

function metallbRelease(values: Record<string, any> = { frrk8s: { enabled: false } }, objects?: K8sObject[]): RenderedRelease {
    const pod = (component: string) => ({ spec: { template: { metadata: { labels: { "app.kubernetes.io/component": component } }, spec: { containers: [{ name: component }] } } } });
    return rendered(metallbChart, "metallb", "metallb-system", values, objects ?? [
        crd("metallb.io", "IPAddressPool", [{ name: "v1beta1", served: true }]),
        crd("metallb.io", "L2Advertisement", [{ name: "v1beta1", served: true }]),
        { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "metallb-speaker" }, ...pod("speaker") },
        { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "metallb-controller" }, ...pod("controller") },
    ]);
}

const istioCrds = rendered(chartTree("base"), "istio-base", "istio-system", {}, [crd("networking.istio.io", "Gateway", [{ name: "v1", served: true }, { name: "v1alpha3", served: true }])]);

function cleanSet(): RenderSet {
    return {
        releases: [istioCrds, metallbRelease(), gatewayRelease("a"), gatewayRelease("b")],
        resources: [
            istioGateway("a-gateway", { istio: "ingress-a" }),
            istioGateway("b-gateway", { istio: "ingress-b" }),
            { type: "kubernetes:metallb.io/v1beta1:IPAddressPool", name: "pool", inputs: {} },
            { type: "kubernetes:core/v1:Namespace", name: "ns", inputs: {} },
        ],
        extraCrds: [],
    };
}

/** The set with one release replaced. */
function replacing(set: RenderSet, release: RenderedRelease): RenderSet {
    return { ...set, releases: set.releases.map((r) => (r.release.release === release.release.release ? release : r)) };
}

const oneMatching = (problems: string[], pattern: RegExp) => {
    assert.strictEqual(problems.filter((p) => pattern.test(p)).length, 1, `expected one problem matching ${pattern}, got:\n${problems.join("\n")}`);
};

describe("render/checks on hand-made renders", () => {
    it("find nothing wrong with a clean set", () => {
        assert.deepStrictEqual(allProblems(cleanSet()), []);
    });

    describe("values and rendering", () => {
        it("report a helm failure and an unresolved value", () => {
            const broken = { ...gatewayRelease("a"), error: "values don't meet the specifications of the schema" };
            broken.release = { ...broken.release, unknownValues: ["service.annotations"] };
            const problems = renderProblems(replacing(cleanSet(), broken));
            oneMatching(problems, /istio-ingress-a .*helm template failed: values don't meet/);
            oneMatching(problems, /value service\.annotations is unknown/);
        });

        it("report a value key the chart does not use, with its path and chart", () => {
            const chart = chartTree("gateway", { service: { type: "LoadBalancer", annotations: {} } }, { "templates/s.yaml": "{{ .Values.service.type }}" });
            const set = { ...cleanSet(), releases: [rendered(chart, "gw", "ns", { service: { type: "LoadBalancer", annotations: { x: "y" }, externalTraficPolicy: "Local" } }, [])] };
            assert.deepStrictEqual(unusedValueProblems(set), [
                "release gw (gateway-1.0.0): value service.externalTraficPolicy is not used by the chart (not in its values.yaml, not read by any template)",
            ]);
        });
    });

    describe("Istio Gateway selectors", () => {
        it("report a selector that matches no gateway pods", () => {
            const set = cleanSet();
            set.resources = [...set.resources, istioGateway("typo-gateway", { istio: "ingress-c" })];
            oneMatching(gatewaySelectorProblems(set), /typo-gateway: selector \{"istio":"ingress-c"\} matches the pods of no gateway/);
        });

        it("report a selector that matches two gateways, or other pods", () => {
            const set = cleanSet();
            const sameLabels = gatewayRelease("b", { podLabels: { app: "istio-ingress-b", istio: "ingress-a" } });
            oneMatching(gatewaySelectorProblems(replacing(set, sameLabels)), /a-gateway: .* matches the pods of 2 gateways/);
            set.resources = [...set.resources, { type: "kubernetes:apps/v1:Deployment", name: "app", inputs: deployment("app", "web", { istio: "ingress-a" }) }];
            oneMatching(gatewaySelectorProblems(set), /a-gateway: .* also matches the pods of Deployment web\/app \(program\)/);
        });

        it("report an empty selector", () => {
            const set = cleanSet();
            set.resources = [...set.resources, istioGateway("any-gateway", {})];
            oneMatching(gatewaySelectorProblems(set), /any-gateway: empty selector/);
        });
    });

    describe("gateway Services", () => {
        it("report a Gateway port the Service does not expose", () => {
            const set = cleanSet();
            set.resources = [...set.resources, istioGateway("a-extra", { istio: "ingress-a" }, [8443])];
            oneMatching(gatewayServiceProblems(set), /Service istio-ingress\/istio-ingress-a .*does not expose port 8443 of Gateway istio-ingress\/a-extra/);
            const noHttps = gatewayRelease("a", { service: { ports: PORTS.slice(0, 2) } });
            oneMatching(gatewayServiceProblems(replacing(cleanSet(), noHttps)), /does not expose port 443 of Gateway istio-ingress\/a-gateway/);
        });

        it("report a named targetPort no gateway container declares", () => {
            const named = gatewayRelease("a", { service: { ports: [...PORTS.slice(0, 2), { name: "https", port: 443, targetPort: "https" }] } });
            oneMatching(gatewayServiceProblems(replacing(cleanSet(), named)), /port 443 .* targets the named port "https"/);
        });

        it("report a Gateway port Envoy may not bind (pod security context without the unprivileged-port sysctl)", () => {
            const problems = gatewayServiceProblems(replacing(cleanSet(), gatewayRelease("a", { securityContext: { runAsNonRoot: true } })));
            oneMatching(problems, /port 80 of Gateway .* makes Envoy listen on 80, which Deployment istio-ingress\/istio-ingress-a .* may not bind/);
            oneMatching(problems, /port 443 of Gateway .* makes Envoy listen on 443/);
            const remapped = PORTS.map((p) => (p.port < 1024 ? { ...p, targetPort: p.port + 8000 } : p));
            assert.deepStrictEqual(gatewayServiceProblems(replacing(cleanSet(), gatewayRelease("a", { securityContext: { runAsNonRoot: true }, service: { ports: remapped } }))), []);
        });

        it("report a Service that is not a MetalLB LoadBalancer", () => {
            const problems = gatewayServiceProblems(replacing(cleanSet(), gatewayRelease("a", { service: { type: "NodePort", loadBalancerIP: "10.0.0.1" }, annotations: {} })));
            oneMatching(problems, /type "NodePort", not LoadBalancer/);
            oneMatching(problems, /no metallb\.io\/loadBalancerIPs annotation/);
            oneMatching(problems, /deprecated spec\.loadBalancerIP/);
        });

        it("report a port name Istio cannot read", () => {
            const ports = [...PORTS, { name: "web", port: 8080, targetPort: 8080 }, { name: "plain", port: 9090, appProtocol: "http" }];
            oneMatching(gatewayServiceProblems(replacing(cleanSet(), gatewayRelease("a", { service: { ports } }))), /port 8080 is named "web"/);
        });

        it("report traffic policy, source ranges and IP families that differ from the values", () => {
            const values = {
                ...gatewayRelease("a").release.values,
                service: { externalTrafficPolicy: "Local", loadBalancerSourceRanges: ["10.0.0.0/8"], ipFamilyPolicy: "RequireDualStack", ipFamilies: ["IPv4", "IPv6"] },
            };
            const problems = gatewayServiceProblems(replacing(cleanSet(), gatewayRelease("a", { values, service: { ipFamilies: ["IPv4"] } })));
            oneMatching(problems, /externalTrafficPolicy "Cluster", passed "Local"/);
            oneMatching(problems, /loadBalancerSourceRanges \[\], passed \["10\.0\.0\.0\/8"\]/);
            oneMatching(problems, /ipFamilyPolicy undefined, passed "RequireDualStack"/);
            oneMatching(problems, /ipFamilies \["IPv4"\], passed \["IPv4","IPv6"\]/);
        });

        it("report a Service selector that takes other pods, or none of its own", () => {
            const set = cleanSet();
            const loose = gatewayRelease("a", { service: { selector: { "sidecar.istio.io/inject": "true" } } });
            loose.objects[0].spec.template.metadata.labels = { ...loose.objects[0].spec.template.metadata.labels, "sidecar.istio.io/inject": "true" };
            const other = gatewayRelease("b");
            other.objects[0].spec.template.metadata.labels = { ...other.objects[0].spec.template.metadata.labels, "sidecar.istio.io/inject": "true" };
            oneMatching(gatewayServiceProblems({ ...set, releases: [loose, other] }), /istio-ingress-a .*also matches the pods of Deployment istio-ingress\/istio-ingress-b/);
            oneMatching(gatewayServiceProblems(replacing(set, gatewayRelease("a", { service: { selector: { app: "nothing" } } }))), /matches none of its own pods/);
        });
    });

    describe("sizing", () => {
        const sized = (values: Record<string, any>, options: GatewayOptions = {}) =>
            sizingProblemsOf(replacing(cleanSet(), gatewayRelease("a", { ...options, values: { ...gatewayRelease("a").release.values, ...values } })));
        const hpa = (min: number, max: number): K8sObject => ({
            apiVersion: "autoscaling/v2",
            kind: "HorizontalPodAutoscaler",
            metadata: { name: "istio-ingress-a" },
            spec: { scaleTargetRef: { kind: "Deployment", name: "istio-ingress-a" }, minReplicas: min, maxReplicas: max, metrics: [{ resource: { name: "cpu", target: { averageUtilization: 80 } } }] },
        });
        const pdb = (spec: Record<string, any>): K8sObject => ({
            apiVersion: "policy/v1",
            kind: "PodDisruptionBudget",
            metadata: { name: "istio-ingress-a" },
            spec: { selector: { matchLabels: { app: "istio-ingress-a" } }, ...spec },
        });

        it("report replicas that differ from the values", () => {
            oneMatching(sized({ replicaCount: 3 }), /1 replicas, passed 3/);
        });

        it("report an HPA that is missing, differs, or is ignored", () => {
            const autoscaling = { enabled: true, minReplicas: 3, maxReplicas: 10, targetCPUUtilizationPercentage: 75 };
            oneMatching(sized({ autoscaling }), /0 HorizontalPodAutoscalers target it/);
            const problems = sized({ autoscaling, replicaCount: 2 }, { extraObjects: [hpa(2, 10)] });
            oneMatching(problems, /HPA minReplicas 2, passed 3/);
            oneMatching(problems, /HPA CPU target 80, passed 75/);
            oneMatching(problems, /sets replicas 1 although an HPA scales it/);
            oneMatching(problems, /replica count 2 was passed but is ignored while autoscaling/);
            oneMatching(sized({}, { extraObjects: [hpa(1, 5)] }), /scales it although autoscaling is off/);
            // Chart default: autoscaling on when the values do not turn it off.
            oneMatching(sized({ autoscaling: undefined }), /0 HorizontalPodAutoscalers target it/);
        });

        it("report a PDB that was passed but not rendered, one that differs, and one that blocks drains", () => {
            oneMatching(sized({ podDisruptionBudget: { minAvailable: 1 } }), /PodDisruptionBudget \{"minAvailable":1\} was passed but none selects its pods/);
            oneMatching(sized({ podDisruptionBudget: { minAvailable: 1 } }, { extraObjects: [pdb({ maxUnavailable: 1 })] }), /minAvailable undefined, passed 1/);
            oneMatching(sized({ podDisruptionBudget: { minAvailable: 2 }, replicaCount: 2 }, { replicas: 2, extraObjects: [pdb({ minAvailable: 2 })] }), /blocks every eviction/);
            oneMatching(sized({}, { extraObjects: [pdb({ minAvailable: 1 })] }), /selects its pods although none was asked for/);
        });

        it("report affinity that differs from the values, and anti-affinity that does not spread its own pods", () => {
            const spread = (app: string) => ({ podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app } }, topologyKey: "kubernetes.io/hostname" }] } });
            oneMatching(sized({ affinity: spread("istio-ingress-a") }), /affinity undefined, passed/);
            oneMatching(sized({ affinity: spread("other") }, { affinity: spread("other") }), /anti-affinity term .* does not select its own pods/);
            assert.deepStrictEqual(sized({ affinity: spread("istio-ingress-a") }, { affinity: spread("istio-ingress-a") }), []);
        });

        it("size istiod from pilot.* values and its PDB switch", () => {
            const istiod = (values: Record<string, any>, replicas: number, objects: K8sObject[] = []) =>
                sizingProblemsOf({ ...cleanSet(), releases: [rendered(istiodChart, "istiod", "istio-system", values, [deployment("istiod", "istio-system", { app: "istiod", istio: "pilot" }, { replicas }), ...objects])] });
            const pdbIstiod: K8sObject = { apiVersion: "policy/v1", kind: "PodDisruptionBudget", metadata: { name: "istiod" }, spec: { minAvailable: 1, selector: { matchLabels: { app: "istiod" } } } };
            assert.deepStrictEqual(istiod({ pilot: { autoscaleEnabled: false, replicaCount: 2 } }, 2, [pdbIstiod]), []);
            oneMatching(istiod({ pilot: { autoscaleEnabled: false, replicaCount: 2 } }, 2), /PodDisruptionBudget \{"minAvailable":1\} was passed but none/);
            oneMatching(istiod({ pilot: { autoscaleEnabled: false, replicaCount: 3 } }, 2, [pdbIstiod]), /2 replicas, passed 3/);
            oneMatching(istiod({ pilot: { autoscaleEnabled: false, replicaCount: 1 }, global: { defaultPodDisruptionBudget: { enabled: true } } }, 1), /asked for .* renders none for a single replica/);
        });
    });

    it("report a container whose requests exceed its limits (chart default limits under large requests)", () => {
        const big = gatewayRelease("a", { resources: { requests: { cpu: "3", memory: "2Gi" }, limits: { cpu: "2000m", memory: "1024Mi" } } });
        const problems = resourceProblems(replacing(cleanSet(), big));
        oneMatching(problems, /requests cpu 3 above its limit 2000m/);
        oneMatching(problems, /requests memory 2Gi above its limit 1024Mi/);
        assert.deepStrictEqual([parseQuantity("500m"), parseQuantity("1Gi"), parseQuantity(2), parseQuantity("1e3"), parseQuantity("2E")], [0.5, 2 ** 30, 2, 1000, 2e18]);
    });

    describe("MetalLB", () => {
        it("report missing CRDs, an unserved version, and missing speaker or controller", () => {
            const bare = metallbRelease(undefined, [crd("metallb.io", "IPAddressPool", [{ name: "v1beta2", served: true }, { name: "v1beta1", served: false }])]);
            const problems = metallbProblems(replacing(cleanSet(), bare));
            oneMatching(problems, /v1beta1 IPAddressPool: CRD ipaddresspools\.metallb\.io does not serve v1beta1 \(it serves v1beta2\)/);
            oneMatching(problems, /v1beta1 L2Advertisement: no CRD defines it/);
            oneMatching(problems, /no speaker DaemonSet/);
            oneMatching(problems, /no controller Deployment/);
        });

        it("report FRR objects and containers when FRR is off, and accept them when it is on", () => {
            const withFrr = metallbRelease();
            withFrr.objects.push({ apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "metallb-frr-k8s" }, spec: { template: { spec: { containers: [{ name: "frr" }] } } } });
            withFrr.objects[2].spec.template.spec.containers.push({ name: "frr-metrics" });
            const problems = metallbProblems(replacing(cleanSet(), withFrr));
            oneMatching(problems, /FRR is off but it renders DaemonSet metallb-frr-k8s/);
            oneMatching(problems, /FRR is off but DaemonSet metallb-speaker runs container frr-metrics/);
            // frrk8s.enabled defaults to true in the chart: not turning it off means FRR is on.
            assert.deepStrictEqual(metallbProblems(replacing(cleanSet(), { ...withFrr, release: { ...withFrr.release, values: {} } })), []);
        });
    });

    describe("CRDs of the program's custom resources", () => {
        it("report a kind no chart defines, a version not served and a deprecated one", () => {
            const set = cleanSet();
            set.resources = [
                ...set.resources,
                { type: "kubernetes:security.istio.io/v1:AuthorizationPolicy", name: "allow", inputs: {} },
                { type: "kubernetes:networking.istio.io/v2:Gateway", name: "future", inputs: {} },
                { type: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute", name: "route", inputs: {} },
                { type: "kubernetes:apps/v1:Deployment", name: "built-in", inputs: {} },
            ];
            set.releases = [...set.releases, rendered(chartTree("old"), "old", "x", {}, [crd("metallb.io", "IPAddressPool", [])])];
            set.releases[0] = rendered(chartTree("base"), "istio-base", "istio-system", {}, [crd("networking.istio.io", "Gateway", [{ name: "v1", served: true, deprecated: true }])]);
            const problems = crdCoverageProblems(set);
            oneMatching(problems, /security\.istio\.io\/v1 AuthorizationPolicy \(allow\): no CRD for it in any rendered chart/);
            oneMatching(problems, /networking\.istio\.io\/v2 Gateway \(future\): CRD gateways\.networking\.istio\.io does not serve v2 \(it serves v1\)/);
            oneMatching(problems, /networking\.istio\.io\/v1 Gateway \(a-gateway, b-gateway\): .* marks v1 deprecated/);
            oneMatching(problems, /HTTPRoute \(route\): no CRD for it in the Gateway API manifest/);
            assert.strictEqual(problems.length, 4, problems.join("\n"));
            set.extraCrds = [crd("gateway.networking.k8s.io", "HTTPRoute", [{ name: "v1", served: true }])];
            assert.strictEqual(crdCoverageProblems(set).length, 3);
        });
    });

    it("capture releases as passed: secrets unwrapped, unknowns flagged, release named after the resource by default", () => {
        const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "s3cr3t" };
        const [release] = captureReleases({
            resources: [
                { type: "kubernetes:helm.sh/v4:Chart", name: "gw-chart", inputs: { chart: "gateway", version: "1.30.3", values: { token: secret, ip: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }, repositoryOpts: { repo: "https://x" } } },
                { type: "kubernetes:core/v1:Namespace", name: "ns", inputs: {} },
            ],
        });
        assert.deepStrictEqual(
            { ...release, values: { token: release.values.token } },
            { resource: "gw-chart", release: "gw-chart", chart: "gateway", version: "1.30.3", namespace: "default", values: { token: "s3cr3t" }, repository: "https://x", includeCrds: true, unknownValues: ["values.ip"] },
        );
    });
});
