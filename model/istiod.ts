// The istiod values the program itself needs beyond the chart's defaults: the tracing backend as a
// mesh extension provider (addons.tracing), and gateway-api mode's mesh-wide TLS minimum. The
// user's istio.values.istiod are merged over these (model/values.ts mergeIstiodValues).
import { enabledAddons, meshTracingValues } from "./addons";
import { gatewayApiIstiodValues } from "./gatewayApi";
import type { EdgeSpec } from "./types";
import { mergeValues } from "./values";

export function programIstiodValues(spec: EdgeSpec): Record<string, unknown> {
    const tls = spec.api === "gateway-api" ? gatewayApiIstiodValues(spec) : {};
    const tracing = enabledAddons(spec).includes("tracing") ? meshTracingValues(spec.addons!) : {};
    return mergeValues(tls, tracing);
}
