import * as pulumi from "@pulumi/pulumi";
import { preflightFindings } from "../model/preflight";
import { readClusterFacts } from "./preflight";

/**
 * Reads the cluster and stops the program with every fix when it would break MetalLB; prints
 * warnings for what could not be known. Nothing has been registered yet when it throws.
 */
export function runPreflight(context?: string): void {
    const { facts, notes } = readClusterFacts({ context });
    const { errors, warnings } = preflightFindings(facts);
    for (const line of [...notes, ...warnings]) pulumi.log.warn(`preflight: ${line}`);
    if (errors.length > 0) {
        throw new pulumi.RunError(`The cluster is not ready for istio-metallb-ingress (${errors.length} problem${errors.length === 1 ? "" : "s"}; set istio-metallb-ingress:preflight to false to skip these checks):\n${errors.map((e) => `  - ${e}`).join("\n")}`);
    }
}
