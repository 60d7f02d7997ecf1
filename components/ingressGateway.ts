import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/errors";
import { PACKAGE } from "../model/names";
import { PlannedEndpoint, PlannedGateway, addressForUrl } from "../model/plan";
import type { ExtraValues } from "../model/types";
import { gatewayChartValues, ipFamily } from "../model/values";
import { parseIp } from "../policy/lib/addresses";
import { chartArgs } from "./chart";

/** Inputs of {@link IngressGateway}. */
export interface IngressGatewayArgs {
    /** The planned gateway (`planEdge(spec).gateways[i]`): names, servers, routes, certificates, chart. */
    plan: PlannedGateway;
    /** The gateway's IPs when they come from other resources (default: the plan's). One, or one IPv4 and one IPv6. */
    ips?: pulumi.Input<pulumi.Input<string>[]>;
    /** Namespace of the gateway pods and of its Istio objects, when it comes from another resource (default: the plan's). */
    namespace?: pulumi.Input<string>;
    /** Helm values merged over the program's for the `gateway` chart. */
    values?: pulumi.Input<ExtraValues>;
    /** Ordering: what must exist before this gateway's parts. */
    dependsOn: {
        /** istiod (injector and validating webhook) and Istio's CRDs. */
        controlPlane: pulumi.Resource[];
        /** MetalLB's pools: the gateway Service waits for its IP. */
        loadBalancer: pulumi.Resource[];
        /** The TLS secrets named by the plan's certificates. */
        credentials: pulumi.Resource[];
        /** The gateway namespace. */
        namespace: pulumi.Resource[];
    };
}

/** Problems with a gateway's IPs (the ones knowable without the pools). */
export function gatewayIpProblems(ips: string[], key: string): string[] {
    const problems = ips.flatMap((ip, i) => parseIp(ip) && !/\s/.test(ip) ? [] : [`${key}${ips.length > 1 ? `[${i}]` : ""}: ${JSON.stringify(ip)} is not an IP address; expected an IPv4 or IPv6 address inside one of the MetalLB pools`]);
    if (problems.length === 0 && (ips.length < 1 || ips.length > 2 || (ips.length === 2 && ipFamily(ips[0]) === ipFamily(ips[1])))) {
        problems.push(`${key}: ${JSON.stringify(ips)} is not one address, or one IPv4 and one IPv6 address (dual-stack)`);
    }
    return problems;
}

/**
 * One Istio ingress gateway on its own MetalLB IP: the `gateway` chart release, a Gateway whose
 * selector matches only these pods (HTTP on 80, HTTPS on 443 with one server per certificate) and
 * one VirtualService per routed host, its routes most specific first.
 */
export class IngressGateway extends pulumi.ComponentResource {
    readonly chart: k8s.helm.v4.Chart;
    readonly gatewayObject: k8s.apiextensions.CustomResource;
    readonly virtualServices: k8s.apiextensions.CustomResource[];
    /** Present when the gateway restricts its clients (`allowedSourceRanges`). */
    readonly authorizationPolicy?: k8s.apiextensions.CustomResource;
    /** The gateway's IPs (the first is its primary address). */
    readonly ips: pulumi.Output<string[]>;
    readonly hosts: string[];
    readonly endpoints: pulumi.Output<PlannedEndpoint[]>;

    constructor(name: string, args: IngressGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${PACKAGE}:gateway:IngressGateway`, name, {}, opts);
        const plan = args.plan;
        const gw = plan.spec;
        const ns = pulumi.output(args.namespace ?? plan.namespace);
        // Every Istio object needs its namespace, Istio's CRDs and istiod's validating webhook.
        const istioObjectDeps = [...args.dependsOn.namespace, ...args.dependsOn.controlPlane];

        const known = args.ips === undefined ? gw.ips : undefined;
        if (known) {
            const problems = gatewayIpProblems(known, `gateways.${gw.name}.ip`);
            if (problems.length > 0) throw new ConfigError(problems, `args of IngressGateway ${name}`);
        }
        this.ips = pulumi.output(args.ips ?? gw.ips).apply((ips) => {
            const problems = gatewayIpProblems(ips, `gateways.${gw.name}.ip`);
            if (problems.length > 0) throw new ConfigError(problems, `args of IngressGateway ${name}`);
            return ips;
        });

        const values = pulumi.all([this.ips, args.values ?? {}]).apply(([ips, extra]) => gatewayChartValues({ ...gw, ips }, extra));
        this.chart = new k8s.helm.v4.Chart(`${name}-chart`, chartArgs(plan.release.releaseName, ns, plan.release.location, values), {
            parent: this,
            dependsOn: [...istioObjectDeps, ...args.dependsOn.loadBalancer],
        });

        this.gatewayObject = new k8s.apiextensions.CustomResource(`${name}-gateway`, {
            apiVersion: "networking.istio.io/v1",
            kind: "Gateway",
            metadata: { name: plan.gateway.name, namespace: ns },
            spec: { selector: plan.gateway.selector, servers: plan.gateway.servers },
        }, {
            parent: this,
            dependsOn: [...istioObjectDeps, ...args.dependsOn.credentials],
        });

        this.authorizationPolicy = plan.authorizationPolicy && new k8s.apiextensions.CustomResource(`${name}-allowed-sources`, {
            apiVersion: "security.istio.io/v1",
            kind: "AuthorizationPolicy",
            metadata: { name: plan.authorizationPolicy.name, namespace: ns },
            spec: plan.authorizationPolicy.spec,
        }, { parent: this, dependsOn: istioObjectDeps });

        // Bound to the Gateway by name: Istio needs no order between them, only the CRDs and webhook.
        this.virtualServices = plan.virtualServices.map((vs) => new k8s.apiextensions.CustomResource(`${name}-${vs.key}`, {
            apiVersion: "networking.istio.io/v1",
            kind: "VirtualService",
            metadata: { name: vs.name, namespace: ns },
            spec: args.namespace === undefined
                ? vs.spec
                : ns.apply((n) => ({ ...vs.spec, gateways: [`${n}/${plan.gateway.name}`] })),
        }, { parent: this, dependsOn: vs.afterGateway ? [...istioObjectDeps, this.gatewayObject] : istioObjectDeps }));

        this.hosts = [...gw.hosts];
        this.endpoints = this.ips.apply((ips) => plan.endpoints.map((e) => ({
            ...e,
            curl: `curl --resolve ${e.probeHost}:443:${addressForUrl(ips[0])} --cacert ca.crt ${e.url}`,
        })));

        this.registerOutputs({ ips: this.ips, hosts: this.hosts, endpoints: this.endpoints });
    }
}
