// Runs the pack's policies the way the Pulumi policy host does, against plain objects, and
// collects the violation messages. Typed against @pulumi/policy's current argument types.
import {
    Policy, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy,
} from "@pulumi/policy";
import { StackResource } from "../../policy/lib/model";

class NotApplicable extends Error {}

const opts = { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] };

let counter = 0;
/** A stack resource for tests: type token, props, and a URN derived from kind and name. */
export function resource(type: string, props: Record<string, any>, parent?: StackResource): StackResource {
    const name = props.metadata?.name ?? props.name ?? `r${counter++}`;
    return { type, props, name, urn: `urn:pulumi:test::test::${type}::${name}-${counter++}`, ...(parent ? { parent: { urn: parent.urn } } : {}) };
}

export async function runResourcePolicy(policy: ResourceValidationPolicy, r: StackResource, config: Record<string, unknown> = {}): Promise<string[]> {
    const violations: string[] = [];
    const args: ResourceValidationArgs = {
        type: r.type,
        props: r.props,
        urn: r.urn,
        name: r.name,
        opts,
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => { throw new NotApplicable(reason); },
    };
    const validations = [policy.validateResource ?? []].flat();
    for (const validate of validations) {
        try {
            await validate(args, (message) => violations.push(message));
        } catch (err) {
            if (!(err instanceof NotApplicable)) throw err;
        }
    }
    return violations;
}

export async function runStackPolicy(policy: StackValidationPolicy, resources: StackResource[], config: Record<string, unknown> = {}): Promise<string[]> {
    const violations: string[] = [];
    const byUrn = new Map<string, PolicyResource>();
    const policyResources: PolicyResource[] = resources.map((r) => {
        const pr: PolicyResource = {
            type: r.type, props: r.props, urn: r.urn, name: r.name, opts,
            dependencies: [], propertyDependencies: {},
            isType: () => false, asType: () => undefined,
        };
        byUrn.set(r.urn, pr);
        return pr;
    });
    resources.forEach((r, i) => { if (r.parent) policyResources[i].parent = byUrn.get(r.parent.urn); });
    const args: StackValidationArgs = {
        resources: policyResources,
        stackTags: new Map(),
        getConfig: <T extends object>() => config as T,
        notApplicable: (reason?: string): never => { throw new NotApplicable(reason); },
    };
    try {
        await policy.validateStack(args, (message) => violations.push(message));
    } catch (err) {
        if (!(err instanceof NotApplicable)) throw err;
    }
    return violations;
}

/** Runs any policy of the pack against a whole stack: resource policies once per resource. */
export async function runPolicy(policy: Policy, resources: StackResource[], config: Record<string, unknown> = {}): Promise<string[]> {
    if ("validateStack" in policy) return runStackPolicy(policy as StackValidationPolicy, resources, config);
    const all: string[] = [];
    for (const r of resources) all.push(...await runResourcePolicy(policy as ResourceValidationPolicy, r, config));
    return all;
}

/** Props whose `field` is not known yet: reading it throws the policy SDK's UnknownValueError. */
export function unknownField(props: Record<string, any>, field: string): Record<string, any> {
    return new Proxy(props, {
        get(target, key) {
            if (key === field) {
                const error = new Error("unknown value");
                error.name = "UnknownValueError";
                throw error;
            }
            return target[key as string];
        },
    });
}
