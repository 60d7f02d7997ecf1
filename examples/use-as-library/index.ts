// Another team's program: one edge, built with the component package and its own values. The
// gateway IP comes from another stack's output and the CA from the company's own PKI (secrets).
import * as pulumi from "@pulumi/pulumi";
import { Edge } from "istio-metallb-ingress";

const config = new pulumi.Config("edge");

const edge = new Edge("shop", {
    metallb: { pools: [{ name: "shop", addresses: ["10.40.0.8/29"], autoAssign: false }] },
    istio: {
        gatewayNamespace: "shop-ingress",
        // Chart values this package does not model, merged over its own.
        values: { istiod: { pilot: { env: { PILOT_ENABLE_ALPHA_GATEWAY_API: "false" } } } },
    },
    pki: {
        bringYourOwnCa: {
            certificatePem: config.require("caCertificatePem"),
            privateKeyPem: config.requireSecret("caPrivateKeyPem"),
        },
    },
    gateways: [{
        name: "storefront",
        // Known only when the network stack has run: checked against the pools when it is.
        ip: pulumi.output(config.get("storefrontIp") ?? "10.40.0.9"),
        hosts: ["shop.example.com"],
        routes: [{ name: "web", match: { prefix: "/" }, destination: { host: "storefront", port: 8080, namespace: "shop" } }],
    }],
});

export const gateways = edge.gateways;
export const caCertificatePem = edge.caCertificatePem;
