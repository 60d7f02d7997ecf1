// Checks of what helm renders for the program's releases against what the program meant. Each
// check is a pure function of a RenderSet returning problems (empty = fine), so that any test
// (other stacks, other configs) can run them and small hand-made inputs can prove they bite.
import { bgpImplementation } from "../../model/metallb";
import { isDeepStrictEqual } from "util";
import { CHARTS } from "../../model/charts";
import { parsePortName, selects } from "../../policy/lib/istio";
import type { ChartTree } from "./charts";
import type { K8sObject, ProgramResource, RenderedRelease } from "./render";
import { formatPath, unusedValuePaths } from "./usage";

/** MetalLB's per-Service address request (the replacement of the deprecated spec.loadBalancerIP). */
export const METALLB_IP_ANNOTATION = "metallb.io/loadBalancerIPs";
/** The MetalLB API the program's pools and advertisements are written against. */
export const METALLB_API_VERSION = "v1beta1";

/** Everything the checks look at. */
export interface RenderSet {
    releases: RenderedRelease[];
    /** The program's registered resources (its custom resources, Deployments, …). */
    resources: readonly ProgramResource[];
    /** CRDs that come from outside the charts (the Gateway API manifest), when needed. */
    extraCrds: K8sObject[];
}

type Values = Record<string, any>;
const isMap = (v: unknown): v is Values => typeof v === "object" && v !== null && !Array.isArray(v);
const nonEmpty = (v: unknown): v is Values => isMap(v) && Object.keys(v).length > 0;
const show = (v: unknown) => JSON.stringify(v);

export function releaseLabel(r: RenderedRelease): string {
    return `release ${r.release.release} (${r.chart.name}-${r.chart.version})`;
}

const isChart = (r: RenderedRelease, chart: string) => r.chart.name === chart && !r.error;

/** Helm's coalescing of values over defaults: maps merge, anything else replaces. */
export function coalesce(defaults: unknown, values: unknown): any {
    if (!isMap(defaults) || !isMap(values)) return values === undefined ? defaults : values;
    const out: Values = { ...defaults };
    for (const [k, v] of Object.entries(values)) out[k] = coalesce(defaults[k], v);
    return out;
}

/**
 * The values a chart's templates see: our values over its defaults. Istio's charts keep their
 * defaults under `_internal_defaults_do_not_set` and merge them in a template; so do we.
 */
export function effectiveValues(chart: ChartTree, values: Values): Values {
    const { _internal_defaults_do_not_set: internal, ...rest } = chart.defaults as Values;
    return coalesce(isMap(internal) ? coalesce(rest, internal) : rest, values);
}

// ---------------------------------------------------------------------------------------------
// Workloads, selectors and the program's custom resources

/** A pod-owning object, rendered by a release or registered by the program itself. */
export interface Workload {
    kind: string;
    name: string;
    namespace: string;
    /** The release that rendered it; undefined for the program's own workloads. */
    release?: RenderedRelease;
    podLabels: Record<string, string>;
    podAnnotations: Record<string, string>;
    podSpec: any;
    object: K8sObject;
}

const WORKLOAD_KINDS = new Set(["Deployment", "DaemonSet", "StatefulSet"]);

function workloadOf(object: K8sObject, namespace: string, release?: RenderedRelease): Workload {
    const template = object.spec?.template ?? {};
    return {
        kind: object.kind,
        name: object.metadata?.name,
        namespace: object.metadata?.namespace ?? namespace,
        release,
        podLabels: template.metadata?.labels ?? {},
        podAnnotations: template.metadata?.annotations ?? {},
        podSpec: template.spec ?? {},
        object,
    };
}

/** `kubernetes:<group>/<version>:<Kind>` → its parts (core is "core"). */
export function parseTypeToken(type: string): { group: string; version: string; kind: string } | undefined {
    const m = /^kubernetes:([^/:]+)\/([^:]+):(.+)$/.exec(type);
    return m ? { group: m[1], version: m[2], kind: m[3] } : undefined;
}

/** Every workload: rendered by any release, or registered directly by the program. */
export function workloadsOf(set: RenderSet): Workload[] {
    const rendered = set.releases.flatMap((r) => r.objects.filter((o) => WORKLOAD_KINDS.has(o.kind)).map((o) => workloadOf(o, r.release.namespace, r)));
    const own = set.resources.flatMap((res) => {
        const t = parseTypeToken(res.type);
        if (!t || t.group !== "apps" || !WORKLOAD_KINDS.has(t.kind)) return [];
        return [workloadOf({ apiVersion: `apps/${t.version}`, kind: t.kind, ...res.inputs } as K8sObject, "default")];
    });
    return [...rendered, ...own];
}

export function describeWorkload(w: Workload): string {
    return `${w.kind} ${w.namespace}/${w.name} (${w.release ? releaseLabel(w.release) : "program"})`;
}

/** A Kubernetes label selector (matchLabels and matchExpressions) against labels. */
export function labelSelectorMatches(selector: any, labels: Record<string, string>): boolean {
    if (!isMap(selector)) return false;
    const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const byExpressions = (selector.matchExpressions ?? []).every((e: any) => {
        const has = Object.prototype.hasOwnProperty.call(labels, e.key);
        switch (e.operator) {
            case "In":
                return has && (e.values ?? []).includes(labels[e.key]);
            case "NotIn":
                return !has || !(e.values ?? []).includes(labels[e.key]);
            case "Exists":
                return has;
            case "DoesNotExist":
                return !has;
            default:
                return false;
        }
    });
    const empty = Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
    return !empty && byLabels && byExpressions;
}

/** An Istio Gateway the program creates. */
export interface IstioGateway {
    name: string;
    namespace: string;
    selector: Record<string, string>;
    servers: { port: { number: number; name?: string; protocol?: string }; hosts?: string[] }[];
}

export function istioGatewaysOf(resources: readonly ProgramResource[]): IstioGateway[] {
    return resources
        .filter((r) => {
            const t = parseTypeToken(r.type);
            return t?.group === "networking.istio.io" && t.kind === "Gateway";
        })
        .map((r) => ({
            name: r.inputs.metadata?.name ?? r.name,
            namespace: r.inputs.metadata?.namespace ?? "default",
            selector: r.inputs.spec?.selector ?? {},
            servers: r.inputs.spec?.servers ?? [],
        }));
}

const isGatewayWorkload = (w: Workload) =>
    w.release?.chart.name === CHARTS.istioGateway.chart || (w.podAnnotations["inject.istio.io/templates"] ?? "").split(",").includes("gateway");

// ---------------------------------------------------------------------------------------------
// The checks

/** Releases helm refused to render, and values that never resolved. */
export function renderProblems(set: RenderSet): string[] {
    return set.releases.flatMap((r) => [
        ...(r.error ? [`${releaseLabel(r)}: helm template failed: ${r.error}`] : []),
        ...r.release.unknownValues.map((p) => `${releaseLabel(r)}: value ${p} is unknown (an unresolved Output)`),
    ]);
}

/** Value keys we set that the chart neither defaults nor reads: silent no-ops. */
export function unusedValueProblems(set: RenderSet): string[] {
    return set.releases.flatMap((r) =>
        unusedValuePaths(r.chart, r.release.values).map(
            (p) => `${releaseLabel(r)}: value ${formatPath(p)} is not used by the chart (not in its values.yaml, not read by any template)`,
        ),
    );
}

/** Each Istio Gateway selects the pods of exactly one gateway workload, and no other pods. */
export function gatewaySelectorProblems(set: RenderSet): string[] {
    const workloads = workloadsOf(set);
    return istioGatewaysOf(set.resources).flatMap((gw) => {
        const id = `Gateway ${gw.namespace}/${gw.name}`;
        if (Object.keys(gw.selector).length === 0) return [`${id}: empty selector (it would take every gateway pod in the mesh)`];
        const matched = workloads.filter((w) => selects(gw.selector, w.podLabels));
        const gateways = matched.filter(isGatewayWorkload);
        const problems: string[] = [];
        if (gateways.length === 0) problems.push(`${id}: selector ${show(gw.selector)} matches the pods of no gateway Deployment`);
        if (gateways.length > 1) problems.push(`${id}: selector ${show(gw.selector)} matches the pods of ${gateways.length} gateways: ${gateways.map(describeWorkload).join(", ")}`);
        for (const other of matched.filter((w) => !isGatewayWorkload(w))) problems.push(`${id}: selector ${show(gw.selector)} also matches the pods of ${describeWorkload(other)}`);
        return problems;
    });
}

/** Port names Istio understands: `<protocol>[-suffix]`, an appProtocol, or its own status-port. */
function portNameProblem(port: any): string | undefined {
    if (port.appProtocol || port.name === "status-port" || parsePortName(port.name)) return undefined;
    return `port ${port.port} is named ${show(port.name)}, which Istio does not read as a protocol (name it <protocol>[-suffix] or set appProtocol)`;
}

/**
 * Whether a workload's pods may bind a port below 1024 without root: the gateway chart sets the
 * `net.ipv4.ip_unprivileged_port_start=0` sysctl unless `securityContext` is overridden.
 */
function canBind(w: Workload, port: number): boolean {
    if (port >= 1024) return true;
    const sysctl = (w.podSpec.securityContext?.sysctls ?? []).find((s: any) => s.name === "net.ipv4.ip_unprivileged_port_start");
    if (sysctl && Number(sysctl.value) <= port) return true;
    return (w.podSpec.containers ?? []).some((c: any) => {
        const sc = c.securityContext ?? {};
        const user = sc.runAsUser ?? w.podSpec.securityContext?.runAsUser;
        return user === 0 || (sc.capabilities?.add ?? []).includes("NET_BIND_SERVICE");
    });
}

/** The Service of each gateway release: MetalLB-addressed, exposing every Gateway port, selecting only its pods. */
export function gatewayServiceProblems(set: RenderSet): string[] {
    const workloads = workloadsOf(set);
    const gateways = istioGatewaysOf(set.resources);
    return set.releases.filter((r) => isChart(r, CHARTS.istioGateway.chart)).flatMap((release) => {
        const own = workloads.filter((w) => w.release === release);
        const services = release.objects.filter((o) => o.kind === "Service");
        if (services.length === 0) return [`${releaseLabel(release)}: renders no Service`];
        const passed: Values = release.release.values.service ?? {};
        return services.flatMap((svc) => {
            const spec = svc.spec ?? {};
            const namespace = svc.metadata.namespace ?? release.release.namespace;
            const id = `Service ${namespace}/${svc.metadata.name} (${releaseLabel(release)})`;
            const problems: string[] = [];
            const ports: any[] = spec.ports ?? [];
            if (spec.type !== "LoadBalancer") problems.push(`${id}: type ${show(spec.type)}, not LoadBalancer`);
            if (!svc.metadata.annotations?.[METALLB_IP_ANNOTATION]) problems.push(`${id}: no ${METALLB_IP_ANNOTATION} annotation`);
            if (spec.loadBalancerIP) problems.push(`${id}: sets the deprecated spec.loadBalancerIP (${spec.loadBalancerIP}); MetalLB reads ${METALLB_IP_ANNOTATION}`);
            for (const port of ports) {
                const problem = portNameProblem(port);
                if (problem) problems.push(`${id}: ${problem}`);
            }
            if (!nonEmpty(spec.selector)) {
                problems.push(`${id}: no selector`);
            } else {
                const sameNamespace = workloads.filter((w) => w.namespace === namespace && selects(spec.selector, w.podLabels));
                if (!sameNamespace.some((w) => w.release === release)) problems.push(`${id}: selector ${show(spec.selector)} matches none of its own pods`);
                for (const other of sameNamespace.filter((w) => w.release !== release)) problems.push(`${id}: selector ${show(spec.selector)} also matches the pods of ${describeWorkload(other)}`);
            }
            // Istio binds a Gateway server on the targetPort of the Service port whose number is
            // the server's port number; the gateway chart copies service.ports as they are.
            for (const gw of gateways.filter((g) => own.some((w) => selects(g.selector, w.podLabels)))) {
                for (const server of gw.servers) {
                    const number = server.port?.number;
                    const exposed = ports.find((p) => p.port === number);
                    const what = `port ${number} of Gateway ${gw.namespace}/${gw.name} (server ${show(server.port?.name)})`;
                    if (!exposed) {
                        problems.push(`${id}: does not expose ${what}; Service ports: ${ports.map((p) => p.port).join(", ")}`);
                    } else if (typeof exposed.targetPort === "string") {
                        const named = own.some((w) => (w.podSpec.containers ?? []).some((c: any) => (c.ports ?? []).some((cp: any) => cp.name === exposed.targetPort)));
                        if (!named) problems.push(`${id}: ${what} targets the named port ${show(exposed.targetPort)}, which no gateway container declares`);
                    } else {
                        // Envoy listens on the targetPort (the port itself when unset).
                        const target = exposed.targetPort ?? exposed.port;
                        for (const w of own.filter((w) => !canBind(w, target))) {
                            problems.push(`${id}: ${what} makes Envoy listen on ${target}, which ${describeWorkload(w)} may not bind (no unprivileged-port sysctl, not root)`);
                        }
                    }
                }
            }
            if (passed.externalTrafficPolicy && spec.externalTrafficPolicy !== passed.externalTrafficPolicy) {
                problems.push(`${id}: externalTrafficPolicy ${show(spec.externalTrafficPolicy)}, passed ${show(passed.externalTrafficPolicy)}`);
            }
            if (!isDeepStrictEqual(spec.loadBalancerSourceRanges ?? [], passed.loadBalancerSourceRanges ?? [])) {
                problems.push(`${id}: loadBalancerSourceRanges ${show(spec.loadBalancerSourceRanges ?? [])}, passed ${show(passed.loadBalancerSourceRanges ?? [])}`);
            }
            if (passed.ipFamilyPolicy && spec.ipFamilyPolicy !== passed.ipFamilyPolicy) {
                problems.push(`${id}: ipFamilyPolicy ${show(spec.ipFamilyPolicy)}, passed ${show(passed.ipFamilyPolicy)}`);
            }
            if ((passed.ipFamilies ?? []).length > 0 && !isDeepStrictEqual(spec.ipFamilies, passed.ipFamilies)) {
                problems.push(`${id}: ipFamilies ${show(spec.ipFamilies)}, passed ${show(passed.ipFamilies)}`);
            }
            return problems;
        });
    });
}

/** How a workload should be sized, derived from the values the program passed. */
export interface SizingExpectation {
    /** Set when an HPA should scale the workload. */
    autoscaling?: { minReplicas?: number; maxReplicas?: number; targetCPUUtilizationPercentage?: number };
    /** Fixed replicas when not autoscaling (undefined: Kubernetes' default, 1). */
    replicas?: number;
    /** A fixed replica count passed alongside autoscaling, where the chart ignores it. */
    replicasPassedWithAutoscaling?: number;
    /** Fields the PodDisruptionBudget spec should have; undefined when none should exist. */
    pdb?: Values;
    /** Set when the program asked for a PDB the chart cannot render (a single replica). */
    pdbNotRenderable?: string;
    /** The pod affinity passed, when any. */
    affinity?: Values;
}

function antiAffinityTerms(affinity: any): any[] {
    const anti = affinity?.podAntiAffinity ?? {};
    return [...(anti.requiredDuringSchedulingIgnoredDuringExecution ?? []), ...(anti.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t: any) => t.podAffinityTerm)];
}

/** Replicas, HPA, PDB and affinity of one workload against what was passed. */
export function sizingProblems(subject: string, expected: SizingExpectation, workload: Workload | undefined, objects: K8sObject[]): string[] {
    if (!workload) return [`${subject}: renders no workload to size`];
    const id = `${subject}: ${workload.kind} ${workload.name}`;
    const problems: string[] = [];
    const replicas = workload.object.spec?.replicas;
    const hpas = objects.filter((o) => o.kind === "HorizontalPodAutoscaler" && o.spec?.scaleTargetRef?.name === workload.name && (o.spec.scaleTargetRef.kind ?? workload.kind) === workload.kind);
    let minReplicas: number;
    if (expected.autoscaling) {
        const want = expected.autoscaling;
        minReplicas = want.minReplicas ?? 1;
        if (hpas.length !== 1) {
            problems.push(`${id}: ${hpas.length} HorizontalPodAutoscalers target it, expected 1`);
        } else {
            const hpa = hpas[0].spec;
            minReplicas = hpa.minReplicas ?? 1;
            if (want.minReplicas !== undefined && hpa.minReplicas !== want.minReplicas) problems.push(`${id}: HPA minReplicas ${hpa.minReplicas}, passed ${want.minReplicas}`);
            if (want.maxReplicas !== undefined && hpa.maxReplicas !== want.maxReplicas) problems.push(`${id}: HPA maxReplicas ${hpa.maxReplicas}, passed ${want.maxReplicas}`);
            if (want.targetCPUUtilizationPercentage !== undefined) {
                const cpu = (hpa.metrics ?? []).find((m: any) => m.resource?.name === "cpu")?.resource?.target?.averageUtilization;
                if (cpu !== want.targetCPUUtilizationPercentage) problems.push(`${id}: HPA CPU target ${cpu}, passed ${want.targetCPUUtilizationPercentage}`);
            }
        }
        if (replicas !== undefined) problems.push(`${id}: sets replicas ${replicas} although an HPA scales it`);
        if (expected.replicasPassedWithAutoscaling !== undefined && expected.replicasPassedWithAutoscaling !== want.minReplicas) {
            problems.push(`${id}: replica count ${expected.replicasPassedWithAutoscaling} was passed but is ignored while autoscaling (HPA minimum ${want.minReplicas})`);
        }
    } else {
        minReplicas = replicas ?? 1;
        if (hpas.length > 0) problems.push(`${id}: an HPA (${hpas.map((h) => h.metadata.name).join(", ")}) scales it although autoscaling is off`);
        if ((replicas ?? 1) !== (expected.replicas ?? 1)) problems.push(`${id}: ${replicas ?? "default (1)"} replicas, passed ${expected.replicas ?? "none (1)"}`);
    }

    const pdbs = objects.filter((o) => o.kind === "PodDisruptionBudget" && labelSelectorMatches(o.spec?.selector, workload.podLabels));
    if (expected.pdb) {
        if (pdbs.length === 0) problems.push(`${id}: a PodDisruptionBudget ${show(expected.pdb)} was passed but none selects its pods`);
        for (const pdb of pdbs) {
            for (const [field, value] of Object.entries(expected.pdb)) {
                if (!isDeepStrictEqual(pdb.spec?.[field], value)) problems.push(`${id}: PodDisruptionBudget ${pdb.metadata.name} ${field} ${show(pdb.spec?.[field])}, passed ${show(value)}`);
            }
        }
    } else if (pdbs.length > 0) {
        problems.push(`${id}: PodDisruptionBudget ${pdbs.map((p) => p.metadata.name).join(", ")} selects its pods although none was asked for`);
    }
    if (expected.pdbNotRenderable) problems.push(`${id}: ${expected.pdbNotRenderable}`);
    for (const pdb of pdbs) {
        const { minAvailable, maxUnavailable } = pdb.spec ?? {};
        const blocks = (typeof minAvailable === "number" && minAvailable >= minReplicas) || minAvailable === "100%" || maxUnavailable === 0 || maxUnavailable === "0%";
        if (blocks) problems.push(`${id}: PodDisruptionBudget ${pdb.metadata.name} (${show(pdb.spec)}) with ${minReplicas} replica(s) blocks every eviction (node drains hang)`);
    }

    const rendered = workload.podSpec.affinity;
    if (expected.affinity && !isDeepStrictEqual(rendered, expected.affinity)) problems.push(`${id}: affinity ${show(rendered)}, passed ${show(expected.affinity)}`);
    for (const term of antiAffinityTerms(rendered)) {
        if (!labelSelectorMatches(term?.labelSelector, workload.podLabels)) {
            problems.push(`${id}: pod anti-affinity term ${show(term?.labelSelector)} does not select its own pods, so it does not spread them`);
        }
    }
    return problems;
}

/** What the Istio `gateway` chart should render for the values passed. */
export function gatewaySizing(release: RenderedRelease): SizingExpectation {
    const passed = release.release.values;
    const eff = effectiveValues(release.chart, passed);
    const autoscaling = eff.autoscaling?.enabled === true && (eff.kind ?? "Deployment") === "Deployment";
    return {
        autoscaling: autoscaling
            ? { minReplicas: eff.autoscaling.minReplicas, maxReplicas: eff.autoscaling.maxReplicas, targetCPUUtilizationPercentage: eff.autoscaling.targetCPUUtilizationPercentage || undefined }
            : undefined,
        replicas: autoscaling ? undefined : eff.replicaCount ?? undefined,
        replicasPassedWithAutoscaling: autoscaling ? passed.replicaCount : undefined,
        pdb: nonEmpty(eff.podDisruptionBudget) ? eff.podDisruptionBudget : undefined,
        affinity: nonEmpty(passed.affinity) ? passed.affinity : undefined,
    };
}

/** What the `istiod` chart should render for the values passed (`pilot.*` counts as top level, as in the chart). */
export function istiodSizing(release: RenderedRelease): SizingExpectation {
    const passed = release.release.values;
    let eff = effectiveValues(release.chart, passed);
    eff = coalesce(eff, eff.pilot ?? {});
    const autoscaling = eff.autoscaleEnabled === true;
    const minReplicas = autoscaling ? eff.autoscaleMin ?? 1 : eff.replicaCount ?? 1;
    const pdbWanted = eff.global?.defaultPodDisruptionBudget?.enabled === true;
    const askedExplicitly = passed.global?.defaultPodDisruptionBudget?.enabled === true;
    const pdbFields: Values = isMap(eff.pdb) && eff.pdb.maxUnavailable !== undefined ? { maxUnavailable: eff.pdb.maxUnavailable } : isMap(eff.pdb) && eff.pdb.minAvailable ? { minAvailable: eff.pdb.minAvailable } : {};
    const affinity = passed.pilot?.affinity ?? passed.affinity;
    return {
        autoscaling: autoscaling ? { minReplicas: eff.autoscaleMin, maxReplicas: eff.autoscaleMax } : undefined,
        replicas: autoscaling ? undefined : eff.replicaCount,
        pdb: pdbWanted && minReplicas > 1 ? pdbFields : undefined,
        pdbNotRenderable: askedExplicitly && minReplicas <= 1 ? "a PodDisruptionBudget was asked for (global.defaultPodDisruptionBudget.enabled) but the chart renders none for a single replica" : undefined,
        affinity: nonEmpty(affinity) ? affinity : undefined,
    };
}

/** Replicas, HPA, PDB and anti-affinity of istiod and of every gateway, as passed. */
export function sizingProblemsOf(set: RenderSet): string[] {
    const workloads = workloadsOf(set);
    return set.releases.flatMap((release) => {
        const own = workloads.filter((w) => w.release === release);
        if (isChart(release, CHARTS.istioGateway.chart)) {
            const kind = effectiveValues(release.chart, release.release.values).kind ?? "Deployment";
            return sizingProblems(releaseLabel(release), gatewaySizing(release), own.find((w) => w.kind === kind), release.objects);
        }
        if (isChart(release, CHARTS.istiod.chart)) {
            const istiod = own.find((w) => w.kind === "Deployment" && w.podLabels.app === "istiod") ?? own.find((w) => w.kind === "Deployment");
            return sizingProblems(releaseLabel(release), istiodSizing(release), istiod, release.objects);
        }
        return [];
    });
}

const QUANTITY_SUFFIX: Record<string, number> = {
    "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** A Kubernetes quantity ("500m", "1Gi", 2) as a number; undefined when it is not one. */
export function parseQuantity(quantity: unknown): number | undefined {
    if (typeof quantity === "number") return quantity;
    if (typeof quantity !== "string") return undefined;
    const m = /^([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(quantity.trim());
    return m ? Number(m[1]) * QUANTITY_SUFFIX[m[2] ?? ""] : undefined;
}

/**
 * No rendered container requests more than its limit: the API server rejects such pods. Charts
 * merge our `resources` over theirs, so a default limit can stay below the requests we pass.
 */
export function resourceProblems(set: RenderSet): string[] {
    return workloadsOf(set).filter((w) => w.release).flatMap((w) =>
        [...(w.podSpec.containers ?? []), ...(w.podSpec.initContainers ?? [])].flatMap((c: any) => {
            const { requests = {}, limits = {} } = c.resources ?? {};
            return Object.keys(requests)
                .filter((r) => limits[r] !== undefined && (parseQuantity(requests[r]) ?? 0) > (parseQuantity(limits[r]) ?? Infinity))
                .map((r) => `${describeWorkload(w)}: container ${c.name} requests ${r} ${requests[r]} above its limit ${limits[r]}`);
        }),
    );
}

function crdsOf(set: RenderSet): K8sObject[] {
    return [...set.releases.flatMap((r) => r.objects), ...set.extraCrds].filter((o) => o.kind === "CustomResourceDefinition");
}

function servedVersionProblem(crd: K8sObject | undefined, version: string): string | undefined {
    if (!crd) return "no CRD defines it";
    const entry = (crd.spec?.versions ?? []).find((v: any) => v.name === version);
    const served = (crd.spec?.versions ?? []).filter((v: any) => v.served).map((v: any) => v.name);
    if (!entry || !entry.served) return `CRD ${crd.metadata.name} does not serve ${version} (it serves ${served.join(", ") || "nothing"})`;
    if (entry.deprecated) return `CRD ${crd.metadata.name} marks ${version} deprecated${entry.deprecationWarning ? `: ${entry.deprecationWarning}` : ""}`;
    return undefined;
}

/** MetalLB: its CRDs at the version the program writes, speaker and controller, and no FRR when FRR is off. */
export function metallbProblems(set: RenderSet): string[] {
    const used = new Map<string, Set<string>>([["IPAddressPool", new Set()], ["L2Advertisement", new Set()]]);
    for (const r of set.resources) {
        const t = parseTypeToken(r.type);
        if (t?.group === "metallb.io") used.set(t.kind, new Set([...(used.get(t.kind) ?? []), t.version]));
    }
    return set.releases.filter((r) => isChart(r, CHARTS.metallb.chart)).flatMap((release) => {
        const id = releaseLabel(release);
        const problems: string[] = [];
        const crds = release.objects.filter((o) => o.kind === "CustomResourceDefinition" && o.spec?.group === "metallb.io");
        for (const [kind, versions] of used) {
            for (const version of versions.size > 0 ? versions : [METALLB_API_VERSION]) {
                const problem = servedVersionProblem(crds.find((c) => c.spec?.names?.kind === kind), version);
                if (problem) problems.push(`${id}: metallb.io/${version} ${kind}: ${problem}`);
            }
        }
        const component = (kind: string, name: string) =>
            release.objects.some((o) => o.kind === kind && o.spec?.template?.metadata?.labels?.["app.kubernetes.io/component"] === name);
        if (!component("DaemonSet", "speaker")) problems.push(`${id}: renders no speaker DaemonSet`);
        if (!component("Deployment", "controller")) problems.push(`${id}: renders no controller Deployment`);
        const eff = effectiveValues(release.chart, release.release.values);
        // BGP objects of the program need a speaker that speaks BGP, in the implementation the values select.
        const bgpObjects = set.resources.filter((r) => parseTypeToken(r.type)?.group === "metallb.io" && /^(BGPPeer|BGPAdvertisement|BFDProfile)$/.test(parseTypeToken(r.type)!.kind));
        if (bgpObjects.length > 0) {
            const speaker = release.objects.find((o) => o.kind === "DaemonSet" && o.spec?.template?.metadata?.labels?.["app.kubernetes.io/component"] === "speaker");
            const containers: any[] = speaker?.spec?.template?.spec?.containers ?? [];
            const type = containers.flatMap((c) => c.env ?? []).find((e: any) => e.name === "METALLB_BGP_TYPE")?.value ?? "native";
            const bundled = release.objects.some((o) => o.kind === "DaemonSet" && /frr-k8s$/.test(o.metadata?.name ?? ""));
            const frrCrd = release.objects.some((o) => o.kind === "CustomResourceDefinition" && o.metadata?.name === "frrconfigurations.frrk8s.metallb.io");
            const args: string[] = containers.flatMap((c) => c.args ?? []);
            const want = bgpImplementation(true, release.release.values as Record<string, unknown>);
            const expected: Record<typeof want, [string, boolean, boolean]> = {
                // METALLB_BGP_TYPE, bundled frr-k8s DaemonSet, an FRR container in the speaker
                "frr-k8s": ["frr-k8s", true, false],
                "frr-k8s-external": ["frr-k8s", false, false],
                frr: ["frr", false, true],
                native: ["native", false, false],
            };
            const [wantType, wantBundled, wantFrr] = expected[want];
            if (type !== wantType) problems.push(`${id}: values select ${want}, and the speaker runs with METALLB_BGP_TYPE ${JSON.stringify(type)}, not ${JSON.stringify(wantType)}`);
            if (bundled !== wantBundled) problems.push(`${id}: values select ${want}, and the bundled frr-k8s DaemonSet is ${bundled ? "" : "not "}rendered`);
            if (containers.some((c) => c.name === "frr") !== wantFrr) problems.push(`${id}: values select ${want}, and the speaker ${wantFrr ? "lacks" : "runs"} an frr container`);
            if (want === "frr-k8s" && !frrCrd) problems.push(`${id}: FRR-K8s without the FRRConfiguration CRD the speakers write`);
            if (want === "frr-k8s-external" && !args.some((a) => a.startsWith("--frrk8s-namespace="))) problems.push(`${id}: an external frr-k8s, but the speaker is not told its namespace`);
        }
        if (eff.frrk8s?.enabled !== true && eff.speaker?.frr?.enabled !== true) {
            for (const o of release.objects.filter((o) => /frr/i.test(o.metadata?.name ?? "") || /frr/i.test(o.apiVersion ?? "") || /frr/i.test(o.spec?.group ?? ""))) {
                problems.push(`${id}: FRR is off but it renders ${o.kind} ${o.metadata.name}`);
            }
            for (const o of release.objects.filter((o) => WORKLOAD_KINDS.has(o.kind))) {
                const pod = o.spec?.template?.spec ?? {};
                for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])].filter((c: any) => /frr/i.test(c.name))) {
                    problems.push(`${id}: FRR is off but ${o.kind} ${o.metadata.name} runs container ${c.name}`);
                }
            }
        }
        return problems;
    });
}

/** API groups served by Kubernetes itself (custom resources are everything else). */
const BUILT_IN_GROUPS = /^(core|[a-z0-9-]+|[a-z0-9.-]*\.k8s\.io|helm\.sh)$/;
/** Groups under k8s.io that are nonetheless installed as CRDs. */
const CRD_GROUPS_UNDER_K8S_IO = new Set(["gateway.networking.k8s.io", "snapshot.storage.k8s.io"]);

/** Whether a resource group is served by CRDs (not by Kubernetes or by a Pulumi component). */
export function isCustomGroup(group: string): boolean {
    return CRD_GROUPS_UNDER_K8S_IO.has(group) || !BUILT_IN_GROUPS.test(group);
}

/** Groups whose CRDs come from the Gateway API release manifest, not from a chart. */
export const GATEWAY_API_GROUPS = new Set(["gateway.networking.k8s.io", "gateway.networking.x-k8s.io"]);

/** The program's custom resources, by type token. */
export function customResourceTypes(resources: readonly ProgramResource[]): Map<string, string[]> {
    const byType = new Map<string, string[]>();
    for (const r of resources) {
        const t = parseTypeToken(r.type);
        if (t && isCustomGroup(t.group)) byType.set(r.type, [...(byType.get(r.type) ?? []), r.name]);
    }
    return byType;
}

/** Every custom resource the program creates has a served (not deprecated) version in some CRD we install. */
export function crdCoverageProblems(set: RenderSet): string[] {
    const crds = crdsOf(set);
    return [...customResourceTypes(set.resources)].flatMap(([type, names]) => {
        const { group, version, kind } = parseTypeToken(type)!;
        const crd = crds.find((c) => c.spec?.group === group && c.spec?.names?.kind === kind);
        const problem = servedVersionProblem(crd, version);
        if (!problem) return [];
        const source = GATEWAY_API_GROUPS.has(group) ? "the Gateway API manifest" : "any rendered chart";
        return [`${group}/${version} ${kind} (${names.join(", ")}): ${crd ? problem : `no CRD for it in ${source}`}`];
    });
}

/** Every check, in order. */
export function allProblems(set: RenderSet): string[] {
    return [
        ...renderProblems(set),
        ...unusedValueProblems(set),
        ...gatewaySelectorProblems(set),
        ...gatewayServiceProblems(set),
        ...sizingProblemsOf(set),
        ...resourceProblems(set),
        ...metallbProblems(set),
        ...crdCoverageProblems(set),
    ];
}
