import * as pulumi from "@pulumi/pulumi";
import { checkStackConfig } from "../config";
import { ConfigError, PROJECT } from "../config/errors";
import { PACKAGE } from "../model/names";
import { EdgePlan, etcHostsLines, planEdge } from "../model/plan";
import type { EdgeSpec, ExtraValues, ResourceRequirements } from "../model/types";
import { validateEdge } from "../model/validate";
import { CertificateAuthority, ExistingCa } from "./certificateAuthority";
import { IngressGateway } from "./ingressGateway";
import { GatewayApiCrds, serverSideApplyProblems } from "./gatewayApiCrds";
import { GatewayApiGateway } from "./gatewayApiGateway";
import { IstioMesh } from "./istioMesh";
import { MetalLb } from "./metallb";
import { SampleApps } from "./sampleApps";
import { AddonsArgs, Observability } from "./observability";
import { mergeValues } from "../model/values";

/** A route of a gateway: a path match sent to a Service. */
export interface EdgeRouteArgs {
    name: string;
    /** Hosts of the gateway this route serves (default: all of them). */
    hosts?: string[];
    match: { exact?: string; prefix?: string };
    destination: { host: string; port: number; namespace?: string };
}

/** One ingress gateway. Keys and defaults are those of the stack config's `gateways[]`. */
export interface EdgeGatewayArgs {
    name: string;
    /** Its MetalLB IP (or one IPv4 and one IPv6), e.g. from another resource. */
    ip: pulumi.Input<string> | pulumi.Input<string>[];
    /** Hosts it serves; plain values, since they name its certificates, secrets and routes. */
    hosts: string[];
    httpsRedirect?: boolean;
    minTlsVersion?: "TLSV1_2" | "TLSV1_3";
    replicas?: number;
    autoscaling?: { minReplicas: number; maxReplicas: number; targetCPUUtilizationPercentage?: number };
    podAntiAffinity?: "none" | "preferred" | "required";
    resources?: ResourceRequirements;
    allowedSourceRanges?: string[];
    externalTrafficPolicy?: "Cluster" | "Local";
    routes?: EdgeRouteArgs[];
}

/**
 * Inputs of {@link Edge}: the stack config's keys (see the README's config reference), with
 * `pulumi.Input` where values may come from other resources.
 */
export interface EdgeArgs {
    metallb: {
        version?: string;
        repository?: string;
        namespace?: string;
        pools: { name: string; addresses: string[]; autoAssign?: boolean }[];
        /** Helm values merged over the program's for the metallb chart. */
        values?: pulumi.Input<ExtraValues>;
    };
    istio?: {
        version?: string;
        repository?: string;
        namespace?: string;
        gatewayNamespace?: string;
        mtlsMode?: "STRICT" | "PERMISSIVE";
        meshNamespaces?: string[];
        istiod?: { replicas?: number; resources?: ResourceRequirements };
        /** Helm values merged over the program's, per Istio chart. */
        values?: { base?: pulumi.Input<ExtraValues>; istiod?: pulumi.Input<ExtraValues>; gateway?: pulumi.Input<ExtraValues> };
    };
    pki?: {
        caCommonName?: string;
        caValidityHours?: number;
        validityHours?: number;
        earlyRenewalHours?: number;
        keyAlgorithm?: EdgeSpec["pki"]["keyAlgorithm"];
        certificatePer?: "host" | "gateway";
        protect?: boolean;
        /** Sign with an existing CA (certificate and key, e.g. from config secrets) instead of generating one. */
        bringYourOwnCa?: ExistingCa;
    };
    gateways: EdgeGatewayArgs[];
    samples?: boolean | { enabled?: boolean; namespace?: string };
    /** "istio" (default): Istio Gateway, VirtualServices and the gateway chart; "gateway-api": the Kubernetes Gateway API. */
    api?: "istio" | "gateway-api";
    /** The Gateway API CRDs, in gateway-api mode: installed (default) at a pinned release, or managed elsewhere. */
    gatewayApi?: { crds?: { manage?: boolean; version?: string; repository?: string } };
    /** Observability addons (Prometheus, Grafana, Kiali, tracing), served on one gateway; all off by default. */
    addons?: AddonsArgs;
    /**
     * Keep the resources of stacks made by version 0.1 of this program, whose components sat at
     * the stack's root under the names metallb, istio, pki, samples and each gateway's name.
     */
    legacyNames?: boolean;
}

/** What a person needs to use one gateway. */
export interface GatewayOutputs {
    /** Primary IP (the first of `ips`). */
    ip: string;
    ips: string[];
    hosts: string[];
    urls: string[];
    /** Whether port 80 answers a redirect to HTTPS (what `npm run verify` expects). */
    httpsRedirect: boolean;
    /** Ready-made checks; save the CA first: `pulumi stack output caCertificatePem > ca.crt`. */
    curl: string[];
    /** Per host: the name to probe, whether routes serve it, its URL. */
    endpoints: { host: string; probeHost: string; routed: boolean; url: string }[];
}

const isKnown = (value: unknown): value is string => typeof value === "string";
const PLACEHOLDER_IP = "0.0.0.0";

/**
 * Checks args the way stack config is checked. IPs known only at deploy time are checked then;
 * meanwhile a placeholder stands in and problems about it are set aside.
 */
function checkArgs(name: string, args: EdgeArgs): { spec: EdgeSpec; deferred: number[] } {
    const deferred: number[] = [];
    const raw = JSON.parse(JSON.stringify({
        ...args,
        legacyNames: undefined,
        metallb: { ...args.metallb, values: isPlainObject(args.metallb.values) ? args.metallb.values : undefined },
        istio: args.istio && { ...args.istio, values: undefined },
        // The CA material is checked when it arrives; only its shape is checked here, never printed.
        pki: args.pki && {
            ...args.pki,
            bringYourOwnCa: args.pki.bringYourOwnCa && Object.fromEntries(Object.keys(args.pki.bringYourOwnCa).map((k) => [k, "(secret)"])),
        },
        gateways: args.gateways.map((gw, g) => {
            const ips = Array.isArray(gw.ip) ? gw.ip : [gw.ip];
            if (ips.every(isKnown)) return gw;
            deferred.push(g);
            return { ...gw, ip: ips.map(() => PLACEHOLDER_IP) };
        }),
    }));
    const { spec, problems } = checkStackConfig(raw, { stack: pulumi.getStack() });
    const kept = problems.filter((p) => !deferred.some((g) => p.startsWith(`gateways[${g}].ip`)));
    if (spec?.api === "gateway-api" && spec.gatewayApi?.crds.manage) kept.push(...serverSideApplyProblems());
    if (kept.length > 0 || !spec) throw new ConfigError(kept, `args of Edge ${name}`);
    spec.pki.bringYourOwnCa = args.pki?.bringYourOwnCa !== undefined;
    return { spec, deferred };
}

function isPlainObject(value: unknown): boolean {
    return typeof value === "object" && value !== null && !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}

/**
 * The whole edge in one line: MetalLB, Istio, a private CA with a certificate per host, one
 * ingress gateway per entry of `gateways` on its own MetalLB IP, and the sample apps if asked.
 * Its args are checked like stack config before anything is registered.
 */
export class Edge extends pulumi.ComponentResource {
    readonly plan: EdgePlan;
    readonly metallb: MetalLb;
    readonly mesh: IstioMesh;
    readonly ca: CertificateAuthority;
    readonly ingressGateways: IngressGateway[];
    /** The gateways in gateway-api mode (empty in Istio mode, where ingressGateways has them). */
    readonly gatewayApiGateways: GatewayApiGateway[] = [];
    /** The Gateway API CRDs, when the edge installs them (gateway-api mode). */
    readonly gatewayApiCrds?: GatewayApiCrds;
    readonly samples?: SampleApps;
    /** Present when any addon is on. */
    readonly observability?: Observability;
    /** Per addon that is on: its https:// URL, host and gateway. */
    readonly addons: pulumi.Output<Record<string, { url: string; host: string; gateway: string }>>;
    /** Grafana's `admin` password (secret), when Grafana is on. */
    readonly grafanaAdminPassword?: pulumi.Output<string>;
    /** Per gateway: its IPs, hosts, https:// URLs and ready `curl --resolve` checks. */
    readonly gateways: pulumi.Output<Record<string, GatewayOutputs>>;
    /** The private CA's certificate (public): what clients must trust. */
    readonly caCertificatePem: pulumi.Output<string>;
    /** Lines for /etc/hosts (wildcard hosts cannot be listed there and are left out). */
    readonly etcHosts: pulumi.Output<string[]>;
    readonly metallbNamespace: string;
    readonly gatewayNamespace: string;

    constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        // Checked before anything is registered, this component included.
        const { spec, deferred } = checkArgs(name, args);
        super(`${PACKAGE}:index:Edge`, name, {}, opts);
        const plan = planEdge(spec);
        this.plan = plan;

        // Stacks of version 0.1 had these components at the root under their bare names; their
        // children are named after them, so aliasing the component carries the children too.
        const child = (suffix: string, type: string): pulumi.ComponentResourceOptions => ({
            parent: this,
            ...(args.legacyNames ? { aliases: [pulumi.createUrn(suffix, `${PACKAGE}:${type}`, undefined, PROJECT, pulumi.getStack())] } : {}),
        });

        this.metallb = new MetalLb(`${name}-metallb`, {
            version: spec.metallb.version,
            repository: spec.metallb.repository,
            namespace: spec.metallb.namespace,
            pools: plan.metallb.pools,
            values: args.metallb.values,
        }, child("metallb", "metallb:MetalLb"));

        // Before istiod, which reads them when it starts.
        if (plan.gatewayApi?.crds) {
            this.gatewayApiCrds = new GatewayApiCrds(`${name}-gateway-api-crds`, { version: plan.gatewayApi.crds.version, repository: spec.gatewayApi!.crds.repository }, { parent: this });
        }

        this.mesh = new IstioMesh(`${name}-istio`, {
            version: spec.istio.version,
            repository: spec.istio.repository,
            namespace: spec.istio.namespace,
            gatewayNamespace: spec.istio.gatewayNamespace,
            istiod: spec.istio.istiod,
            mtlsMode: spec.istio.mtlsMode,
            meshNamespaces: spec.istio.meshNamespaces,
            ...(plan.gatewayApi ? { prerequisites: this.gatewayApiCrds ? [this.gatewayApiCrds] : [], istiodValues: plan.gatewayApi.istiodValues } : {}),
            values: {
                base: args.istio?.values?.base,
                // With tracing on, istiod also learns the tracing backend (a mesh extension provider).
                istiod: plan.addons?.tracing
                    ? pulumi.output(args.istio?.values?.istiod ?? {}).apply((extra) => mergeValues(plan.addons!.meshValues, extra))
                    : args.istio?.values?.istiod,
            },
        }, child("istio", "istio:IstioMesh"));

        this.ca = new CertificateAuthority(`${name}-pki`, {
            commonName: spec.pki.caCommonName,
            caValidityHours: spec.pki.caValidityHours,
            validityHours: spec.pki.validityHours,
            earlyRenewalHours: spec.pki.earlyRenewalHours,
            keyAlgorithm: spec.pki.keyAlgorithm,
            protect: spec.pki.protect,
            bringYourOwnCa: args.pki?.bringYourOwnCa,
            certificates: plan.certificates.map((c) => ({ id: c.id, hosts: c.hosts, secretName: c.secretName, secretNamespace: c.secretNamespace })),
            secretDependencies: [this.mesh.gatewayNamespace],
        }, child("pki", "pki:CertificateAuthority"));

        // IPs known only at deploy time get the same checks as config, when they are known.
        const ipsOf = (g: number) => {
            const ip = args.gateways[g].ip;
            return Array.isArray(ip) ? ip : [ip];
        };
        const allIps = deferred.length === 0 ? undefined : pulumi.all(args.gateways.map((_, g) => pulumi.all(ipsOf(g)))).apply((ips) => {
            const real: EdgeSpec = { ...spec, gateways: spec.gateways.map((gw, g) => ({ ...gw, ips: ips[g] })) };
            const problems = validateEdge(real).filter((p) => deferred.some((g) => p.startsWith(`gateways[${g}].ip`)));
            if (problems.length > 0) throw new ConfigError(problems, `args of Edge ${name}`);
            return ips;
        });

        this.ingressGateways = plan.gatewayApi ? [] : plan.gateways.map((gw, g) => {
            const ids = new Set(gw.certificates.map((c) => c.id));
            return new IngressGateway(`${name}-${gw.componentName}`, {
                plan: gw,
                ips: allIps ? allIps.apply((ips) => ips[g]) : undefined,
                values: args.istio?.values?.gateway,
                dependsOn: {
                    controlPlane: [this.mesh.istiod],
                    loadBalancer: this.metallb.ready,
                    credentials: this.ca.certificates.filter((c) => ids.has(c.spec.id)).map((c) => c.secret),
                    namespace: [this.mesh.gatewayNamespace],
                },
            }, child(gw.componentName, "gateway:IngressGateway"));
        });

        if (plan.samples) {
            this.samples = new SampleApps(`${name}-samples`, { namespace: plan.samples.namespace, dependsOn: [this.mesh.istiod] }, child("samples", "samples:SampleApps"));
        }

        // Addon hosts and routes are already in their gateway's plan; this installs the addons themselves.
        if (plan.addons) {
            this.observability = new Observability(`${name}-observability`, {
                plan: plan.addons,
                dependsOn: { controlPlane: [this.mesh.istiod], namespace: plan.addons.createNamespace ? [] : [this.mesh.namespace] },
            }, { parent: this });
            this.grafanaAdminPassword = this.observability.grafanaAdminPassword;
        }
        this.addons = pulumi.output(this.observability?.urls ?? {});

        if (plan.gatewayApi) {
            if (plan.gatewayApi.minTlsVersion === "TLSV1_3" && plan.gateways.some((gw) => gw.spec.minTlsVersion !== "TLSV1_3")) {
                pulumi.log.warn(`gateway-api mode: Istio has no per-listener minimum TLS version, so every gateway gets the strictest configured, TLSV1_3 (mesh-wide tlsDefaults)`, this);
            }
            const created: Record<string, pulumi.Resource> = {
                [spec.istio.namespace]: this.mesh.namespace,
                [spec.istio.gatewayNamespace]: this.mesh.gatewayNamespace,
                ...Object.fromEntries(spec.istio.meshNamespaces.map((n, i) => [n, this.mesh.meshNamespaces[i]])),
                ...(this.samples ? { [plan.samples!.namespace]: this.samples.namespace } : {}),
                ...(plan.addons && this.observability?.namespace ? { [plan.addons.namespace]: this.observability.namespace } : {}),
            };
            this.gatewayApiGateways = plan.gateways.map((gw, g) => {
                const ids = new Set(gw.certificates.map((c) => c.id));
                return new GatewayApiGateway(`${name}-${gw.componentName}`, {
                    plan: gw,
                    objects: plan.gatewayApi!.gateways[g],
                    ips: allIps ? allIps.apply((ips) => ips[g]) : undefined,
                    dependsOn: {
                        crds: this.gatewayApiCrds ? [this.gatewayApiCrds] : [],
                        controlPlane: [this.mesh.istiod],
                        loadBalancer: this.metallb.ready,
                        credentials: this.ca.certificates.filter((c) => ids.has(c.spec.id)).map((c) => c.secret),
                        namespace: [this.mesh.gatewayNamespace],
                        namespaces: created,
                    },
                }, { parent: this });
            });
        }
        const gatewayParts: { ips: pulumi.Output<string[]>; endpoints: pulumi.Output<{ url: string; curl: string; host: string; probeHost: string; routed: boolean }[]> }[] =
            plan.gatewayApi ? this.gatewayApiGateways : this.ingressGateways;

        this.gateways = pulumi.all(gatewayParts.map((g) => pulumi.all([g.ips, g.endpoints]))).apply((all) =>
            Object.fromEntries(plan.gateways.map((gw, g) => {
                const [ips, endpoints] = all[g];
                return [gw.spec.name, {
                    ip: ips[0],
                    ips,
                    hosts: [...gw.spec.hosts],
                    urls: endpoints.map((e) => e.url),
                    httpsRedirect: gw.spec.httpsRedirect,
                    curl: endpoints.map((e) => e.curl),
                    endpoints: endpoints.map(({ host, probeHost, routed, url }) => ({ host, probeHost, routed, url })),
                }];
            })));
        this.caCertificatePem = this.ca.certificatePem;
        this.etcHosts = pulumi.all(gatewayParts.map((g) => g.ips)).apply((all) =>
            etcHostsLines(all.map((ips, g) => ({ ips, hosts: plan.gateways[g].spec.hosts }))));
        this.metallbNamespace = spec.metallb.namespace;
        this.gatewayNamespace = spec.istio.gatewayNamespace;

        this.registerOutputs({
            gateways: this.gateways, caCertificatePem: this.caCertificatePem, etcHosts: this.etcHosts,
            metallbNamespace: this.metallbNamespace, gatewayNamespace: this.gatewayNamespace,
            addons: this.addons, grafanaAdminPassword: this.grafanaAdminPassword,
        });
    }
}
