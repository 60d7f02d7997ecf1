// Values known only at deploy time (Outputs passed to a component) get the checks known values get
// before anything is registered, with the same messages, when they arrive.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../config/errors";

/**
 * A ConfigError whose message stays as written. Every resource that reads a failed Output
 * rethrows the same error, and the SDK prefixes its message with the property it was
 * serializing (`error serializing property "spec": …`) before the engine reports it; the
 * runtime reports one error object once, so a message that ignores those prefixes is printed
 * once, as it was written.
 */
export function plainConfigError(problems: string[], subject: string): ConfigError {
    const error = new ConfigError(problems, subject);
    const message = error.message;
    Object.defineProperty(error, "message", { get: () => message, set: () => undefined, enumerable: false, configurable: false });
    return error;
}

/**
 * `value` once `problemsOf` finds nothing in it; otherwise every reader fails with one plain
 * ConfigError. Derive every use of the value from the result, so that one mistake is one error.
 */
export function checkedWhenKnown<T, U = T>(value: pulumi.Input<T>, problemsOf: (v: T) => string[], subject: string, then?: (v: T) => U): pulumi.Output<U> {
    return pulumi.output(value).apply((v) => {
        const problems = problemsOf(v as T);
        if (problems.length > 0) throw plainConfigError(problems, subject);
        return (then ? then(v as T) : v) as pulumi.Unwrap<U>;
    }) as pulumi.Output<U>;
}

/** Whether a value is known now (not an Output or a Promise), so it can be checked before anything is registered. */
export function isKnownNow(value: unknown): boolean {
    return !pulumi.Output.isInstance(value) && !(value instanceof Promise) && !containsUnknown(value);
}

function containsUnknown(value: unknown): boolean {
    if (pulumi.Output.isInstance(value) || value instanceof Promise) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
    return false;
}
