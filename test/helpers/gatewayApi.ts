// The committed stacks in Gateway API mode (`api: gateway-api`), evaluated once per test process,
// and the type tokens of what that mode registers.
import { parseStackConfig } from "../../config";
import type { EdgeSpec } from "../../model/types";
import { EdgeOutputs, evaluateEdge } from "./edge";
import type { Evaluation } from "./mocks";
import { editedConfig } from "./stacks";

export const GA = {
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    httpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    referenceGrant: "kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant",
    configMap: "kubernetes:core/v1:ConfigMap",
    crd: "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
    crds: "istio-metallb-ingress:gatewayapi:GatewayApiCrds",
    component: "istio-metallb-ingress:gatewayapi:GatewayApiGateway",
};

/** A committed stack's config with `api: gateway-api` (and any further edit). */
export function gatewayApiStackConfig(stack: string, edit: (raw: Record<string, any>) => void = () => undefined): EdgeSpec {
    return parseStackConfig(editedConfig(stack, (raw) => {
        raw.api = "gateway-api";
        edit(raw);
    }));
}

const evaluations = new Map<string, Promise<Evaluation<EdgeOutputs>>>();

/** The edge of a committed stack in Gateway API mode, evaluated once per test process (callers only read it). */
export function evaluateGatewayApiStack(stack: string): Promise<Evaluation<EdgeOutputs>> {
    if (!evaluations.has(stack)) evaluations.set(stack, evaluateEdge(gatewayApiStackConfig(stack)));
    return evaluations.get(stack)!;
}
