import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GatewayConfig } from "../config";
import {
    CertificatePlan, PACKAGE, destinationHost, gatewayObjectName, gatewayPodLabels, gatewayReleaseName,
    gatewaySelector, hostSlug, httpPortName, routesByHost, virtualServiceName,
} from "./naming";

/** MetalLB's annotation asking for a specific LoadBalancer IP (not `spec.loadBalancerIP`, deprecated). */
export const METALLB_IP_ANNOTATION = "metallb.io/loadBalancerIPs";

/** Inputs of {@link IngressGateway}. */
export interface IngressGatewayArgs {
    /** The gateway: name, IP, hosts, routes, TLS and sizing. */
    gateway: GatewayConfig;
    /** Namespace of the gateway pods; the Gateway, VirtualServices and TLS secrets live there too. */
    namespace: string;
    /** The Istio `gateway` chart: version and repository. */
    chart: { version: string; repository: string };
    /** The certificates this gateway serves over HTTPS, one server each; their secrets are in `namespace`. */
    certificates: CertificatePlan[];
    /** Ordering: what must exist before this gateway's parts. */
    dependsOn: {
        /** istiod (injector and validating webhook) and Istio's CRDs. */
        controlPlane: pulumi.Resource[];
        /** MetalLB's pools: the gateway Service waits for its IP. */
        loadBalancer: pulumi.Resource[];
        /** The TLS secrets named by `certificates`. */
        credentials: pulumi.Resource[];
        /** The gateway namespace. */
        namespace: pulumi.Resource[];
    };
}

/** What a person needs to reach one host. */
export interface HostEndpoint {
    host: string;
    url: string;
    curl: string;
}

/** Spreads a gateway's pods over nodes: a node failure then takes down one replica, not all. */
function antiAffinity(mode: GatewayConfig["podAntiAffinity"], selector: Record<string, string>): object {
    const term = { labelSelector: { matchLabels: selector }, topologyKey: "kubernetes.io/hostname" };
    switch (mode) {
        case "required":
            return { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } };
        case "preferred":
            return { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
        default:
            return {};
    }
}

function urlHost(host: string): string {
    // A wildcard host has no single URL; any name under it will do.
    return host.replace(/^\*\./, "demo.");
}

/**
 * One Istio ingress gateway on its own MetalLB IP: the `gateway` chart release, a Gateway whose
 * selector matches only these pods (HTTP on 80, HTTPS on 443 with one server per certificate) and
 * one VirtualService per host, its routes most specific first.
 */
export class IngressGateway extends pulumi.ComponentResource {
    readonly chart: k8s.helm.v4.Chart;
    readonly gatewayObject: k8s.apiextensions.CustomResource;
    readonly virtualServices: k8s.apiextensions.CustomResource[];
    /** Present when the gateway restricts its clients (`allowedSourceRanges`). */
    readonly authorizationPolicy?: k8s.apiextensions.CustomResource;
    readonly ip: string;
    readonly hosts: string[];
    readonly endpoints: HostEndpoint[];

    constructor(name: string, args: IngressGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${PACKAGE}:gateway:IngressGateway`, name, {}, opts);
        const gw = args.gateway;
        const ns = args.namespace;
        // Every Istio object needs its namespace, Istio's CRDs and istiod's validating webhook.
        const istioObjectDeps = [...args.dependsOn.namespace, ...args.dependsOn.controlPlane];

        this.chart = new k8s.helm.v4.Chart(`${name}-chart`, {
            name: gatewayReleaseName(gw.name),
            chart: "gateway",
            version: args.chart.version,
            repositoryOpts: { repo: args.chart.repository },
            namespace: ns,
            values: {
                labels: gatewayPodLabels(gw.name),
                service: {
                    type: "LoadBalancer",
                    annotations: { [METALLB_IP_ANNOTATION]: gw.ip },
                    externalTrafficPolicy: gw.externalTrafficPolicy,
                    ...(gw.allowedSourceRanges ? { loadBalancerSourceRanges: gw.allowedSourceRanges } : {}),
                    ports: [
                        { name: "status-port", port: 15021, protocol: "TCP", targetPort: 15021 },
                        { name: "http2", port: 80, protocol: "TCP", targetPort: 80 },
                        { name: "https", port: 443, protocol: "TCP", targetPort: 443 },
                    ],
                },
                autoscaling: gw.autoscaling ? { enabled: true, ...gw.autoscaling } : { enabled: false },
                replicaCount: gw.replicas,
                resources: gw.resources,
                podDisruptionBudget: gw.replicas > 1 ? { minAvailable: 1 } : {},
                affinity: antiAffinity(gw.podAntiAffinity, gatewaySelector(gw.name)),
            },
        }, {
            parent: this,
            dependsOn: [...istioObjectDeps, ...args.dependsOn.loadBalancer],
        });

        const servers = [
            {
                port: { number: 80, name: httpPortName(gw.name), protocol: "HTTP" },
                hosts: [...gw.hosts],
                ...(gw.httpsRedirect ? { tls: { httpsRedirect: true } } : {}),
            },
            ...args.certificates.map((cert) => ({
                port: { number: 443, name: cert.httpsPortName, protocol: "HTTPS" },
                hosts: [...cert.hosts],
                tls: { mode: "SIMPLE", credentialName: cert.secretName, minProtocolVersion: gw.minTlsVersion },
            })),
        ];
        const gatewayName = gatewayObjectName(gw.name);
        this.gatewayObject = new k8s.apiextensions.CustomResource(`${name}-gateway`, {
            apiVersion: "networking.istio.io/v1",
            kind: "Gateway",
            metadata: { name: gatewayName, namespace: ns },
            spec: { selector: gatewaySelector(gw.name), servers },
        }, {
            parent: this,
            dependsOn: [...istioObjectDeps, ...args.dependsOn.credentials],
        });

        // Source ranges twice: the Service's loadBalancerSourceRanges (where the load balancer
        // honours it) and an ALLOW policy on the gateway pods, which holds even where it does not.
        this.authorizationPolicy = !gw.allowedSourceRanges ? undefined : new k8s.apiextensions.CustomResource(`${name}-allowed-sources`, {
            apiVersion: "security.istio.io/v1",
            kind: "AuthorizationPolicy",
            metadata: { name: `${gw.name}-allowed-sources`, namespace: ns },
            spec: {
                selector: { matchLabels: gatewaySelector(gw.name) },
                action: "ALLOW",
                rules: [{ from: [{ source: { remoteIpBlocks: gw.allowedSourceRanges } }] }],
            },
        }, { parent: this, dependsOn: istioObjectDeps });

        const hostRoutes = routesByHost(gw);
        this.virtualServices = hostRoutes.map(({ host, routes }) => new k8s.apiextensions.CustomResource(
            `${name}-vs-${hostSlug(host)}`, {
                apiVersion: "networking.istio.io/v1",
                kind: "VirtualService",
                metadata: { name: virtualServiceName(gw.name, host), namespace: ns },
                spec: {
                    hosts: [host],
                    gateways: [`${ns}/${gatewayName}`],
                    http: routes.map((route) => ({
                        name: route.name,
                        match: [{ uri: { [route.match.kind]: route.match.path } }],
                        route: [{ destination: { host: destinationHost(route), port: { number: route.destination.port } } }],
                    })),
                },
            // Bound to the Gateway by name: Istio needs no order between them, only the CRDs and webhook.
            }, { parent: this, dependsOn: istioObjectDeps }));

        this.ip = gw.ip;
        this.hosts = [...gw.hosts];
        const resolveIp = gw.ip.includes(":") ? `[${gw.ip}]` : gw.ip;
        this.endpoints = gw.hosts.map((host) => {
            const path = hostRoutes.find((entry) => entry.host === host)?.routes[0].match.path ?? "/";
            const url = `https://${urlHost(host)}${path}`;
            return {
                host,
                url,
                curl: `curl --resolve ${urlHost(host)}:443:${resolveIp} --cacert ca.crt ${url}`,
            };
        });

        this.registerOutputs({ ip: this.ip, hosts: this.hosts, endpoints: this.endpoints });
    }
}
