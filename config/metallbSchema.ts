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
                    },
                },
            },
        },
    };
}
