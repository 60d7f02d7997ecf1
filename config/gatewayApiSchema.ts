// The JSON schema of `api` (which API builds the gateways) and `gatewayApi` (the Gateway API
// CRDs). Cross-key checks (Istio version against CRD version, routes whose meaning would change)
// are the model's (model/gatewayApi.ts).

const crdVersion = {
    type: "string",
    pattern: "^v[0-9]+\\.[0-9]+\\.[0-9]+$",
    description: 'an exact Gateway API release such as "v1.5.1"',
};

const manifestRepository = {
    type: "string",
    pattern: "^(https?://[^\\s]+|\\.{0,2}/[^\\s]*)$",
    description: "the Gateway API release downloads URL (https://…, holding <version>/standard-install.yaml) or a local folder (/abs/manifests or ./manifests) holding gateway-api-<version>-standard-install.yaml",
};

export const gatewayApiSchemaProperties = {
    api: {
        enum: ["istio", "gateway-api"],
        description: '"istio" (Istio Gateway, VirtualService and gateway chart) or "gateway-api" (Kubernetes Gateway API)',
    },
    gatewayApi: {
        type: "object",
        additionalProperties: false,
        properties: {
            crds: {
                type: "object",
                additionalProperties: false,
                properties: {
                    manage: { type: "boolean" },
                    version: crdVersion,
                    repository: manifestRepository,
                },
            },
        },
    },
} as const;
