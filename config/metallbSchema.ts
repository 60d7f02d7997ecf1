// The JSON schema of `metallb`: the chart, its pools, and the check of its webhook. Cross-key
// checks (pools against each other and against the gateways' IPs) are the model's (model/validate.ts).

/** Schema parts shared with the rest of the stack config. */
export interface MetallbSchemaParts {
    chartVersion: object;
    namespace: object;
    repository: object;
    extraValues: object;
    dnsLabel: string;
}

export function metallbSchema({ chartVersion, namespace, repository, extraValues, dnsLabel }: MetallbSchemaParts) {
    return {
        type: "object",
        additionalProperties: false,
        required: ["pools"],
        properties: {
            version: chartVersion,
            repository,
            namespace,
            values: extraValues,
            webhookCheck: {
                type: "object",
                additionalProperties: false,
                properties: {
                    enabled: { type: "boolean" },
                    image: {
                        type: "string",
                        pattern: "^[^\\s@]+:[^\\s/:@]+$|^[^\\s@]+@sha256:[0-9a-f]{64}$",
                        description: 'a kubectl image with its tag or digest, such as "registry.k8s.io/kubectl:v1.35.0"',
                    },
                },
            },
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
                        advertise: {
                            type: "object",
                            additionalProperties: false,
                            description: "how the pool's addresses are announced: layer 2 (the default), BGP, or both",
                            properties: {
                                l2: {
                                    oneOf: [
                                        { type: "boolean" },
                                        {
                                            type: "object",
                                            additionalProperties: false,
                                            properties: { interfaces: { type: "array", items: { type: "string", minLength: 1 } }, nodeSelectors: selectors },
                                        },
                                    ],
                                    description: "true, false, or { interfaces, nodeSelectors }",
                                },
                                bgp: {
                                    oneOf: [
                                        { type: "boolean" },
                                        {
                                            type: "object",
                                            additionalProperties: false,
                                            properties: {
                                                aggregationLength: { type: "integer", minimum: 1, maximum: 32 },
                                                aggregationLengthV6: { type: "integer", minimum: 1, maximum: 128 },
                                                communities: { type: "array", items: { type: "string", minLength: 1 } },
                                                localPref: { type: "integer", minimum: 0, maximum: 4294967295 },
                                                peers: { type: "array", items: { type: "string", minLength: 1 } },
                                                nodeSelectors: selectors,
                                            },
                                        },
                                    ],
                                    description: "true, false, or { aggregationLength, aggregationLengthV6, communities, localPref, peers, nodeSelectors }",
                                },
                            },
                        },
                    },
                },
            },
            bgp: {
                type: "object",
                additionalProperties: false,
                required: ["localASN", "peers"],
                properties: {
                    localASN: asn,
                    routerID: { type: "string", minLength: 1 },
                    peers: {
                        type: "array",
                        minItems: 1,
                        items: {
                            type: "object",
                            additionalProperties: false,
                            required: ["name", "address", "asn"],
                            properties: {
                                name: { type: "string", pattern: dnsLabel, maxLength: 50, description: "a lower-case DNS label of at most 50 characters, such as \"tor-a\"" },
                                address: { type: "string", minLength: 1 },
                                asn,
                                port: { type: "integer", minimum: 1, maximum: 16384 },
                                sourceAddress: { type: "string", minLength: 1 },
                                holdTime: duration,
                                keepaliveTime: duration,
                                ebgpMultiHop: { type: "boolean" },
                                nodeSelectors: selectors,
                                bfd: {
                                    oneOf: [
                                        { type: "boolean" },
                                        {
                                            type: "object",
                                            additionalProperties: false,
                                            properties: {
                                                receiveInterval: { type: "integer", minimum: 10, maximum: 60000 },
                                                transmitInterval: { type: "integer", minimum: 10, maximum: 60000 },
                                                detectMultiplier: { type: "integer", minimum: 2, maximum: 255 },
                                                echoInterval: { type: "integer", minimum: 10, maximum: 60000 },
                                                echoMode: { type: "boolean" },
                                                passiveMode: { type: "boolean" },
                                                minimumTtl: { type: "integer", minimum: 1, maximum: 254 },
                                            },
                                        },
                                    ],
                                    description: "true (BFD with MetalLB's defaults) or { receiveInterval, transmitInterval, detectMultiplier, … } in milliseconds",
                                },
                                password: { type: "string", minLength: 1 },
                            },
                        },
                    },
                },
            },
        },
    };
}

/** An AS number: checked in the model, whose message names the private ranges. */
const asn = { type: "integer", description: "an AS number, 1 to 4294967295" };

/** A Go duration, as MetalLB reads holdTime and keepaliveTime. */
const duration = {
    type: "string",
    pattern: "^([0-9]+(\\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$",
    description: 'a duration such as "90s" or "1m30s"',
};

/** Kubernetes label selectors (MetalLB's nodeSelectors). */
const selectors = {
    type: "array",
    items: {
        type: "object",
        additionalProperties: false,
        properties: {
            matchLabels: { type: "object", additionalProperties: { type: "string" } },
            matchExpressions: {
                type: "array",
                items: {
                    type: "object",
                    additionalProperties: false,
                    required: ["key", "operator"],
                    properties: {
                        key: { type: "string", minLength: 1 },
                        operator: { enum: ["In", "NotIn", "Exists", "DoesNotExist"] },
                        values: { type: "array", items: { type: "string" } },
                    },
                },
            },
        },
    },
};
