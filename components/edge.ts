import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../config";
import { CertificateAuthority } from "./certificateAuthority";
import { IngressGateway } from "./ingressGateway";
import { IstioMesh } from "./istioMesh";
import { MetalLb } from "./metallb";
import { planCertificates } from "./naming";
import { SampleApps } from "./sampleApps";

/** What a person needs to use one gateway. */
export interface GatewayOutputs {
    ip: string;
    hosts: string[];
    urls: string[];
    /** Whether port 80 answers a redirect to HTTPS (what `npm run verify` expects). */
    httpsRedirect: boolean;
    /** Ready-made checks; save the CA first: `pulumi stack output caCertificatePem > ca.crt`. */
    curl: string[];
}

export interface EdgeOutputs {
    gateways: Record<string, GatewayOutputs>;
    /** The private CA's certificate (public): what clients must trust. */
    caCertificatePem: pulumi.Output<string>;
    /** Lines for /etc/hosts (wildcard hosts cannot be listed there and are left out). */
    etcHosts: string[];
    metallbNamespace: string;
    gatewayNamespace: string;
}

/**
 * The whole edge for one validated stack config: MetalLB, Istio, the CA and its certificates,
 * every gateway, and the samples when asked for. Only true dependencies order the parts.
 */
export function deployEdge(config: StackConfig, opts?: pulumi.ComponentResourceOptions): EdgeOutputs {
    const metallb = new MetalLb("metallb", config.metallb, opts);
    const mesh = new IstioMesh("istio", config.istio, opts);

    const plans = new Map(config.gateways.map((gw) => [gw.name, planCertificates(gw, config.pki.certificatePer)]));
    const ca = new CertificateAuthority("pki", {
        commonName: config.pki.caCommonName,
        caValidityHours: config.pki.caValidityHours,
        validityHours: config.pki.validityHours,
        earlyRenewalHours: config.pki.earlyRenewalHours,
        keyAlgorithm: config.pki.keyAlgorithm,
        protect: config.pki.protect,
        certificates: [...plans.values()].flat().map((plan) => ({
            id: plan.id,
            hosts: plan.hosts,
            secretName: plan.secretName,
            secretNamespace: config.istio.gatewayNamespace,
        })),
        secretDependencies: [mesh.gatewayNamespace],
    }, opts);

    const gateways = config.gateways.map((gw) => {
        const certificates = plans.get(gw.name)!;
        const ids = new Set(certificates.map((c) => c.id));
        return new IngressGateway(gw.name, {
            gateway: gw,
            namespace: config.istio.gatewayNamespace,
            chart: { version: config.istio.version, repository: config.istio.repository },
            certificates,
            dependsOn: {
                controlPlane: [mesh.istiod],
                loadBalancer: metallb.ready,
                credentials: ca.certificates.filter((c) => ids.has(c.spec.id)).map((c) => c.secret),
                namespace: [mesh.gatewayNamespace],
            },
        }, opts);
    });

    if (config.samples) {
        new SampleApps("samples", { namespace: "samples", dependsOn: [mesh.istiod] }, opts);
    }

    return {
        gateways: Object.fromEntries(gateways.map((g, i) => [config.gateways[i].name, {
            ip: g.ip,
            hosts: g.hosts,
            urls: g.endpoints.map((e) => e.url),
            httpsRedirect: config.gateways[i].httpsRedirect,
            curl: g.endpoints.map((e) => e.curl),
        }])),
        caCertificatePem: ca.certificatePem,
        etcHosts: gateways
            .map((g) => [g.ip, ...g.hosts.filter((h) => !h.startsWith("*."))])
            .filter((line) => line.length > 1)
            .map((line) => line.join(" ")),
        metallbNamespace: config.metallb.namespace,
        gatewayNamespace: config.istio.gatewayNamespace,
    };
}
