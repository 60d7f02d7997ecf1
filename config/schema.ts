// The JSON schema of the stack config: the shape of every key, before the model's cross-key checks
// (model/validate.ts). Every object forbids unknown keys so that a typo fails with a clear message.
// Each key's `description` is what the README's config reference says of it (a test holds them together).
import { addonsSchema } from "./addonsSchema";
import { metallbSchema } from "./metallbSchema";
import { gatewayApiSchemaProperties } from "./gatewayApiSchema";

const dnsLabel = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

const cpuQuantity = {
    type: "string",
    pattern: "^([0-9]+m|[0-9]+(\\.[0-9]+)?)$",
    description: 'a Kubernetes CPU quantity such as "100m" or "1"',
};
const memoryQuantity = {
    type: "string",
    pattern: "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$",
    description: 'a Kubernetes memory quantity such as "128Mi" or "1Gi"',
};
const quantities = {
    type: "object",
    additionalProperties: false,
    required: ["cpu", "memory"],
    properties: { cpu: cpuQuantity, memory: memoryQuantity },
};
const resources = {
    type: "object",
    additionalProperties: false,
    required: ["requests"],
    properties: { requests: quantities, limits: quantities },
};
const chartVersion = {
    type: "string",
    pattern: "^v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$",
    description: 'an exact chart version such as "1.30.3" (ranges and "latest" are not pinned)',
};
const namespace = {
    type: "string",
    pattern: dnsLabel,
    maxLength: 63,
    description: "a Kubernetes namespace name (lower-case DNS label, at most 63 characters)",
};
const repository = {
    type: "string",
    pattern: "^((https?|oci)://[^\\s]+|\\.{0,2}/[^\\s]*)$",
    description: "a Helm repository URL (https://… or http://…), an oci:// registry, or a local folder of packaged charts written as a path (/abs/charts or ./charts)",
};
/** Helm values merged over the program's own for one chart. */
const extraValues = { type: "object", description: "Helm values merged over the program's (maps merge, other values replace)" };
const hoursInteger = { type: "integer", minimum: 1, maximum: 876000 };

export const stackConfigSchema = {
    type: "object",
    additionalProperties: false,
    required: ["metallb", "gateways"],
    properties: {
        metallb: metallbSchema({ chartVersion, namespace, repository, extraValues, dnsLabel }),
        istio: {
            type: "object",
            additionalProperties: false,
            properties: {
                version: chartVersion,
                repository,
                namespace,
                gatewayNamespace: namespace,
                mtlsMode: { enum: ["STRICT", "PERMISSIVE"] },
                meshNamespaces: { type: "array", items: namespace },
                values: {
                    type: "object",
                    additionalProperties: false,
                    properties: { base: extraValues, istiod: extraValues, gateway: extraValues },
                },
                istiod: {
                    type: "object",
                    additionalProperties: false,
                    properties: {
                        replicas: { type: "integer", minimum: 1, maximum: 10 },
                        resources,
                    },
                },
            },
        },
        pki: {
            type: "object",
            additionalProperties: false,
            properties: {
                caCommonName: { type: "string", minLength: 1, maxLength: 64 },
                caValidityHours: hoursInteger,
                validityHours: hoursInteger,
                earlyRenewalHours: { type: "integer", minimum: 0, maximum: 876000 },
                keyAlgorithm: { enum: ["ECDSA-P256", "ECDSA-P384", "RSA-2048", "RSA-3072", "RSA-4096"] },
                certificatePer: { enum: ["host", "gateway"] },
                protect: { type: "boolean" },
                caGeneration: { type: "integer", minimum: 1, maximum: 1000 },
                trustedCaGenerations: {
                    type: "array",
                    minItems: 1,
                    maxItems: 3,
                    uniqueItems: true,
                    items: { type: "integer", minimum: 1, maximum: 1000 },
                },
                bringYourOwnCa: {
                    type: "object",
                    additionalProperties: false,
                    required: ["certificatePem", "privateKeyPem"],
                    properties: {
                        certificatePem: { type: "string", minLength: 1 },
                        privateKeyPem: { type: "string", minLength: 1 },
                    },
                },
            },
        },
        gateways: {
            type: "array",
            minItems: 1,
            items: {
                type: "object",
                additionalProperties: false,
                required: ["name", "ip", "hosts"],
                properties: {
                    name: {
                        type: "string",
                        pattern: dnsLabel,
                        // The Helm release "istio-ingress-<name>" must stay within Helm's 53 characters.
                        maxLength: 39,
                        description: 'a lower-case DNS label of at most 39 characters, such as "primary"',
                    },
                    ip: {
                        oneOf: [
                            { type: "string", minLength: 1 },
                            { type: "array", minItems: 1, maxItems: 2, items: { type: "string", minLength: 1 } },
                        ],
                        description: "an IP address, or one IPv4 and one IPv6 address for a dual-stack gateway",
                    },
                    hosts: { type: "array", minItems: 1, items: { type: "string" } },
                    httpsRedirect: { type: "boolean" },
                    minTlsVersion: { enum: ["TLSV1_2", "TLSV1_3"] },
                    replicas: { type: "integer", minimum: 1, maximum: 100 },
                    autoscaling: {
                        type: "object",
                        additionalProperties: false,
                        required: ["minReplicas", "maxReplicas"],
                        properties: {
                            minReplicas: { type: "integer", minimum: 1, maximum: 100 },
                            maxReplicas: { type: "integer", minimum: 1, maximum: 100 },
                            targetCPUUtilizationPercentage: { type: "integer", minimum: 10, maximum: 100 },
                        },
                    },
                    podAntiAffinity: { enum: ["none", "preferred", "required"] },
                    resources,
                    allowedSourceRanges: { type: "array", minItems: 1, items: { type: "string", minLength: 1 } },
                    externalTrafficPolicy: { enum: ["Cluster", "Local"] },
                    routes: {
                        type: "array",
                        items: {
                            type: "object",
                            additionalProperties: false,
                            required: ["name", "match", "destination"],
                            properties: {
                                name: {
                                    type: "string",
                                    pattern: dnsLabel,
                                    maxLength: 63,
                                    description: 'a lower-case DNS label such as "hello"',
                                },
                                hosts: { type: "array", minItems: 1, items: { type: "string" } },
                                match: {
                                    type: "object",
                                    additionalProperties: false,
                                    properties: {
                                        exact: { type: "string" },
                                        prefix: { type: "string" },
                                    },
                                },
                                destination: {
                                    type: "object",
                                    additionalProperties: false,
                                    required: ["host", "port"],
                                    properties: {
                                        host: { type: "string", minLength: 1 },
                                        port: { type: "integer", minimum: 1, maximum: 65535 },
                                        namespace,
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
        renderDirectory: {
            type: "string",
            minLength: 1,
            description: "a folder to write every object to as YAML instead of applying it (render mode)",
        },
        preflight: { type: "boolean", description: "read the cluster before deploying and stop early on what breaks MetalLB" },
        retainOnDelete: {
            type: "object",
            additionalProperties: false,
            properties: { crds: { type: "boolean" }, meshNamespaces: { type: "boolean" } },
        },
        samples: {
            oneOf: [
                { type: "boolean" },
                {
                    type: "object",
                    additionalProperties: false,
                    properties: { enabled: { type: "boolean" }, namespace },
                },
            ],
            description: "true, or { enabled, namespace } to pick the sample apps' namespace",
        },
        addons: addonsSchema({ chartVersion, namespace, repository, extraValues }),
        ...gatewayApiSchemaProperties,
    },
} as const;
