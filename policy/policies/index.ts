// Every policy of the pack, as plain objects (tests import this module, never ../index.ts).
import { Policies } from "@pulumi/policy";
import { addonPolicies } from "./addons";
import { gatewayApiPolicies } from "./gatewayApi";
import { metallbResourcePolicies, metallbStackPolicies } from "./metallb";
import { resourcePolicies } from "./resource";
import { stackPolicies as istioStackPolicies } from "./stack";

export * from "./addons";
export * from "./gatewayApi";
export * from "./metallb";
export * from "./resource";
export { istioStackPolicies };
export {
    checkRequestedIps, conflictingGateways, credentialNameResolves, gatewayHostOverlap, gatewayPortNamesDistinct, hostIsolation, ipsInPools, selectorMatches,
    selectorSingleWorkload, servicePortNaming, unreachableRoutes, virtualServiceGatewaysResolve, virtualServiceSplitOverlap,
} from "./stack";

/** Every rule that judges the whole stack: Istio and MetalLB, MetalLB announcement and BGP, Gateway API, addon exposure. */
export const stackPolicies = [...istioStackPolicies, ...metallbStackPolicies, ...gatewayApiPolicies, ...addonPolicies];

export const allPolicies: Policies = [...resourcePolicies, ...metallbResourcePolicies, ...stackPolicies];
