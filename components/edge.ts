import * as pulumi from "@pulumi/pulumi";
import { checkStackConfig } from "../config";
import { ConfigError, PROJECT } from "../config/errors";
import { PACKAGE } from "../model/names";
import { EdgePlan, planEdge } from "../model/plan";
import type { EdgeSpec, ExtraValues, ResourceRequirements } from "../model/types";
import { validateEdge } from "../model/validate";
import { CertificateAuthority, ExistingCa } from "./certificateAuthority";
import { IngressGateway } from "./ingressGateway";
import { IstioMesh } from "./istioMesh";
import { MetalLb } from "./metallb";
import { SampleApps } from "./sampleApps";

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
    const { spec, problems } = checkStackConfig(raw);
    const kept = problems.filter((p) => !deferred.some((g) => p.startsWith(`gateways[${g}].ip`)));
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
    readonly samples?: SampleApps;
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

        this.mesh = new IstioMesh(`${name}-istio`, {
            version: spec.istio.version,
            repository: spec.istio.repository,
            namespace: spec.istio.namespace,
            gatewayNamespace: spec.istio.gatewayNamespace,
            istiod: spec.istio.istiod,
            mtlsMode: spec.istio.mtlsMode,
            meshNamespaces: spec.istio.meshNamespaces,
            values: { base: args.istio?.values?.base, istiod: args.istio?.values?.istiod },
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

        this.ingressGateways = plan.gateways.map((gw, g) => {
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

        this.gateways = pulumi.all(this.ingressGateways.map((g) => pulumi.all([g.ips, g.endpoints]))).apply((all) =>
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
        this.etcHosts = pulumi.all(this.ingressGateways.map((g) => g.ips)).apply((all) => all
            .flatMap((ips, g) => ips.map((ip) => [ip, ...plan.gateways[g].spec.hosts.filter((h) => !h.startsWith("*."))]))
            .filter((line) => line.length > 1)
            .map((line) => line.join(" ")));
        this.metallbNamespace = spec.metallb.namespace;
        this.gatewayNamespace = spec.istio.gatewayNamespace;

        this.registerOutputs({
            gateways: this.gateways, caCertificatePem: this.caCertificatePem, etcHosts: this.etcHosts,
            metallbNamespace: this.metallbNamespace, gatewayNamespace: this.gatewayNamespace,
        });
    }
}
