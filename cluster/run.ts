import * as pulumi from "@pulumi/pulumi";
import { PreflightNeeds, preflightFindings } from "../model/preflight";
import { readClusterFacts } from "./preflight";

/** The stack's Kubernetes provider settings that say which cluster it deploys to. */
export function providerTarget(config = new pulumi.Config("kubernetes")): { kubeconfig?: string; context?: string; cluster?: string } {
    return { kubeconfig: config.get("kubeconfig"), context: config.get("context"), cluster: config.get("cluster") };
}

/**
 * Reads the cluster the stack's provider points at and stops the program with every fix when it
 * would break MetalLB or stop `pulumi up` half-way; prints warnings for what could not be known.
 * Nothing has been registered yet when it throws.
 */
export function runPreflight(needs: PreflightNeeds = {}, target = providerTarget()): void {
    const { facts, notes } = readClusterFacts({ ...target, storageClasses: needs.storageClass !== undefined });
    const { errors, warnings } = preflightFindings(facts, needs);
    for (const line of [...notes, ...warnings]) pulumi.log.warn(`preflight: ${line}`);
    if (errors.length > 0) {
        throw new pulumi.RunError(`The cluster is not ready for istio-metallb-ingress (${errors.length} problem${errors.length === 1 ? "" : "s"}; set istio-metallb-ingress:preflight to false to skip these checks):\n${errors.map((e) => `  - ${e}`).join("\n")}`);
    }
}
