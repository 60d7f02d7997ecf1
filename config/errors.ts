import * as pulumi from "@pulumi/pulumi";

export const PROJECT = "istio-metallb-ingress";

/**
 * Invalid stack config or component args. A `pulumi.RunError`, so `pulumi up` prints the message
 * alone (one line per problem) instead of an "unhandled exception" with a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: string[], subject = `stack config for ${PROJECT}`) {
        super(
            `Invalid ${subject} (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}
