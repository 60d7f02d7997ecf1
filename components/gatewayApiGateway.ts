import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    GATEWAY_API_GROUP, GATEWAY_API_VERSIONS, PlannedGatewayApiGateway, gatewayApiGatewaySpec, gatewayApiOverlays,
} from "../model/gatewayApi";
import { PACKAGE } from "../model/names";
import { PlannedEndpoint, PlannedGateway } from "../model/plan";
import { endpointsOn, gatewayIps } from "./gatewayAddresses";

/** Inputs of {@link GatewayApiGateway}. */
export interface GatewayApiGatewayArgs {
    /** The planned gateway (`planEdge(spec).gateways[i]`): hosts, routes, certificates, endpoints. */
    plan: PlannedGateway;
    /** Its Gateway API objects (`planEdge(spec).gatewayApi.gateways[i]`). */
    objects: PlannedGatewayApiGateway;
    /** The gateway's IPs when they come from other resources (default: the plan's). One, or one IPv4 and one IPv6. */
    ips?: pulumi.Input<pulumi.Input<string>[]>;
    /** Ordering: what must exist before this gateway's parts. */
    dependsOn: {
        /** The Gateway API CRDs (empty when they are managed elsewhere). */
        crds: pulumi.Resource[];
        /** istiod: it deploys the gateway, and its webhook validates the AuthorizationPolicy. */
        controlPlane: pulumi.Resource[];
        /** MetalLB's pools: the Service istiod deploys asks them for its IP. */
        loadBalancer: pulumi.Resource[];
        /** The TLS secrets the listeners refer to. */
        credentials: pulumi.Resource[];
        /** The gateway namespace. */
        namespace: pulumi.Resource[];
        /** Namespaces the program creates, by name: a ReferenceGrant waits for its own. */
        namespaces?: Record<string, pulumi.Resource>;
    };
}

const KIND_VERSION = (kind: keyof typeof GATEWAY_API_VERSIONS) => `${GATEWAY_API_GROUP}/${GATEWAY_API_VERSIONS[kind]}`;

/**
 * One ingress gateway built with the Kubernetes Gateway API, on its own MetalLB IP: a Gateway of
 * class `istio` (istiod deploys its Deployment and Service, `<name>-istio`, sized by the overlays
 * in a ConfigMap its parametersRef names), HTTPRoutes per host on the listener of that host, an
 * HTTP → HTTPS redirect, ReferenceGrants for backends in other namespaces, and an
 * AuthorizationPolicy attached to the Gateway when source ranges are set.
 */
export class GatewayApiGateway extends pulumi.ComponentResource {
    readonly options: k8s.core.v1.ConfigMap;
    readonly gatewayObject: k8s.apiextensions.CustomResource;
    readonly routes: k8s.apiextensions.CustomResource[];
    readonly referenceGrants: k8s.apiextensions.CustomResource[];
    /** Present when the gateway restricts its clients (`allowedSourceRanges`). */
    readonly authorizationPolicy?: k8s.apiextensions.CustomResource;
    /** The gateway's IPs (the first is its primary address). */
    readonly ips: pulumi.Output<string[]>;
    readonly hosts: string[];
    readonly endpoints: pulumi.Output<PlannedEndpoint[]>;

    constructor(name: string, args: GatewayApiGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${PACKAGE}:gatewayapi:GatewayApiGateway`, name, {}, opts);
        const gw = args.plan.spec;
        const objects = args.objects;
        const ns = objects.namespace;
        const crdDeps = [...args.dependsOn.namespace, ...args.dependsOn.crds];

        this.ips = gatewayIps(args.plan, args.ips, `args of GatewayApiGateway ${name}`);

        // Read by istiod whenever it renders the gateway, so it exists before the Gateway does.
        this.options = new k8s.core.v1.ConfigMap(`${name}-options`, {
            metadata: { name: objects.options.name, namespace: ns },
            data: this.ips.apply((ips) => gatewayApiOverlays(gw, ips, objects.gateway.name)),
        }, { parent: this, dependsOn: args.dependsOn.namespace });

        this.gatewayObject = new k8s.apiextensions.CustomResource(`${name}-gateway`, {
            apiVersion: KIND_VERSION("Gateway"),
            kind: "Gateway",
            metadata: {
                name: objects.gateway.name,
                namespace: ns,
                // Accepted, not Programmed: Programmed needs the IP, which during a switch from
                // api "istio" the old gateway holds until Pulumi deletes it at the end of the update.
                annotations: { "pulumi.com/waitFor": "condition=Accepted" },
            },
            spec: this.ips.apply((ips) => gatewayApiGatewaySpec(objects, ips)),
        }, {
            parent: this,
            dependsOn: [...crdDeps, ...args.dependsOn.controlPlane, ...args.dependsOn.loadBalancer, ...args.dependsOn.credentials, this.options],
        });

        this.authorizationPolicy = objects.authorizationPolicy && new k8s.apiextensions.CustomResource(`${name}-allowed-sources`, {
            apiVersion: "security.istio.io/v1",
            kind: "AuthorizationPolicy",
            metadata: { name: objects.authorizationPolicy.name, namespace: ns },
            spec: objects.authorizationPolicy.spec,
        }, { parent: this, dependsOn: [...args.dependsOn.namespace, ...args.dependsOn.controlPlane] });

        const namespaces = args.dependsOn.namespaces ?? {};
        this.referenceGrants = objects.referenceGrants.map((grant) => new k8s.apiextensions.CustomResource(`${name}-${grant.key}`, {
            apiVersion: KIND_VERSION("ReferenceGrant"),
            kind: "ReferenceGrant",
            metadata: { name: grant.name, namespace: grant.namespace },
            spec: grant.spec,
        }, { parent: this, dependsOn: [...args.dependsOn.crds, ...(namespaces[grant.namespace] ? [namespaces[grant.namespace]] : [])] }));

        // Bound to their listeners by name (parentRefs); granted before they refer across namespaces.
        this.routes = objects.routes.map((route) => new k8s.apiextensions.CustomResource(`${name}-${route.key}`, {
            apiVersion: KIND_VERSION("HTTPRoute"),
            kind: "HTTPRoute",
            metadata: { name: route.name, namespace: route.namespace },
            spec: route.spec,
        }, { parent: this, dependsOn: [...crdDeps, ...this.referenceGrants] }));

        this.hosts = [...gw.hosts];
        this.endpoints = endpointsOn(args.plan, this.ips);

        this.registerOutputs({ ips: this.ips, hosts: this.hosts, endpoints: this.endpoints });
    }
}
