// The JSON schema of the stack config: the shape of every key, before the cross-key checks in
// validate.ts. Every object forbids unknown keys so that a typo fails with a clear message.

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
    pattern: "^(https?|oci)://[^\\s]+$",
    description: "a Helm repository URL (https://…, http://… or oci://…)",
};
const hoursInteger = { type: "integer", minimum: 1, maximum: 876000 };

export const stackConfigSchema = {
    type: "object",
    additionalProperties: false,
    required: ["metallb", "gateways"],
    properties: {
        metallb: {
            type: "object",
            additionalProperties: false,
            required: ["pools"],
            properties: {
                version: chartVersion,
                repository,
                namespace,
                pools: {
                    type: "array",
                    minItems: 1,
                    items: {
                        type: "object",
                        additionalProperties: false,
                        required: ["name", "addresses"],
                        properties: {
                            name: {
                                type: "string",
                                pattern: dnsLabel,
                                maxLength: 63,
                                description: "a lower-case DNS label such as \"ingress\"",
                            },
                            addresses: {
                                type: "array",
                                minItems: 1,
                                items: { type: "string", minLength: 1 },
                            },
                            autoAssign: { type: "boolean" },
                        },
                    },
                },
            },
        },
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
                    ip: { type: "string", minLength: 1 },
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
        samples: { type: "boolean" },
    },
} as const;
