// The policy pack. Constructing a PolicyPack starts its gRPC server, so nothing imports this file
// but Pulumi: `pulumi preview --policy-pack policy`.
import { PolicyPack } from "@pulumi/policy";
import { allPolicies } from "./policies";

new PolicyPack("istio-metallb-ingress", {
    description: "Istio gateway, Gateway API and MetalLB rules: Istio webhook checks, analyzer equivalents, host isolation, IP pools, addon exposure.",
    policies: allPolicies,
});
