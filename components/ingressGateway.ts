import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PACKAGE } from "../model/names";
import { PlannedEndpoint, PlannedGateway } from "../model/plan";
import type { ExtraValues } from "../model/types";
import { gatewayChartValues } from "../model/values";
import { chartArgs } from "./chart";
import { endpointsOn, gatewayIps } from "./gatewayAddresses";

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

        this.ips = gatewayIps(plan, args.ips, `args of IngressGateway ${name}`);

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
        this.endpoints = endpointsOn(plan, this.ips);

        this.registerOutputs({ ips: this.ips, hosts: this.hosts, endpoints: this.endpoints });
    }
}
