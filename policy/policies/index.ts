// Every policy of the pack, as plain objects (tests import this module, never ../index.ts).
import { Policies } from "@pulumi/policy";
import { resourcePolicies } from "./resource";
import { stackPolicies } from "./stack";

export * from "./resource";
export * from "./stack";

export const allPolicies: Policies = [...resourcePolicies, ...stackPolicies];
