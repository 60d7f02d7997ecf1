// The JSON schema of `addons`: the observability addons and the gateway that serves them. Cross-key
// checks (hosts, the gateway, quantities in context) are the model's (model/addons.ts).

/** Schema parts shared with the rest of the stack config. */
export interface SharedSchemaParts {
    chartVersion: object;
    namespace: object;
    repository: object;
    extraValues: object;
}

const host = { type: "string", minLength: 1, description: 'the host the addon is served on, e.g. "grafana.example.internal"' };

export function addonsSchema(shared: SharedSchemaParts) {
    const chartAddon = (extra: Record<string, object>) => ({
        type: "object",
        additionalProperties: false,
        properties: {
            enabled: { type: "boolean" },
            host,
            version: shared.chartVersion,
            repository: shared.repository,
            values: shared.extraValues,
            ...extra,
        },
    });
    return {
        type: "object",
        additionalProperties: false,
        properties: {
            gateway: { type: "string", minLength: 1, description: "the name of a configured gateway" },
            allowPublicAccess: { type: "boolean" },
            namespace: shared.namespace,
            prometheus: chartAddon({
                retention: {
                    type: "string",
                    pattern: "^([0-9]+(ms|s|m|h|d|w|y))+$",
                    description: 'a Prometheus duration such as "15d", "12h" or "1w"',
                },
                storage: {
                    type: "object",
                    additionalProperties: false,
                    required: ["size"],
                    properties: {
                        size: {
                            type: "string",
                            pattern: "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|K|M|G|T|P|E)?$",
                            description: 'a Kubernetes quantity such as "20Gi"',
                        },
                        storageClass: { type: "string" },
                    },
                },
            }),
            grafana: chartAddon({
                dashboards: { type: "boolean" },
                dashboardRevision: { type: "integer", minimum: 1, maximum: 100000 },
            }),
            kiali: chartAddon({ auth: { enum: ["token", "anonymous"] } }),
            tracing: {
                type: "object",
                additionalProperties: false,
                properties: {
                    enabled: { type: "boolean" },
                    host,
                    image: {
                        type: "string",
                        pattern: "^[^\\s@]+$",
                        description: 'an image repository without tag or digest, such as "docker.io/jaegertracing/jaeger"',
                    },
                    version: {
                        type: "string",
                        pattern: "^v?[0-9]+\\.[0-9]+\\.[0-9]+(-[0-9A-Za-z.-]+)?$",
                        description: 'an exact image tag such as "2.14.0" ("latest" is not pinned)',
                    },
                    sampling: { type: "number", minimum: 0, maximum: 100 },
                },
            },
        },
    };
}
