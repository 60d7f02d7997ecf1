// Defaults of `api` and `gatewayApi` (the README's config reference lists the same values): Istio
// mode, and in Gateway API mode the CRDs Istio is built against, installed by the program.
import { GATEWAY_API_CRDS } from "../model/charts";
import type { EdgeApi, GatewayApiSpec } from "../model/types";

export const GATEWAY_API_DEFAULTS = {
    api: "istio" as EdgeApi,
    crds: { manage: true, version: GATEWAY_API_CRDS.version as string, repository: GATEWAY_API_CRDS.repository as string },
};

/** `api` and `gatewayApi` with every default filled in; `raw` must have passed the schema. */
export function withGatewayApiDefaults(raw: { api?: EdgeApi; gatewayApi?: { crds?: Partial<GatewayApiSpec["crds"]> } }): { api: EdgeApi; gatewayApi: GatewayApiSpec } {
    const crds = raw.gatewayApi?.crds ?? {};
    return {
        api: raw.api ?? GATEWAY_API_DEFAULTS.api,
        gatewayApi: {
            crds: {
                manage: crds.manage ?? GATEWAY_API_DEFAULTS.crds.manage,
                version: crds.version ?? GATEWAY_API_DEFAULTS.crds.version,
                repository: crds.repository ?? GATEWAY_API_DEFAULTS.crds.repository,
            },
        },
    };
}
