// Evaluates Pulumi code under Pulumi's own mocks and records every registered resource: its
// inputs, its parent and the dependencies the engine would see. No engine, no cluster.
import * as pulumi from "@pulumi/pulumi";
import * as rpc from "@pulumi/pulumi/runtime/rpc";
import { PROJECT } from "../../config";

export interface RegisteredResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string;
    /** Explicit and property dependencies, as URNs. */
    dependencies: string[];
    /** The `protect` resource option. */
    protect: boolean;
    /** The `retainOnDelete` resource option (false when not set). */
    retainOnDelete: boolean;
    /** The provider reference (`<urn>::<id>`) a custom resource is registered with, if explicit. */
    provider: string;
    /** Alias URNs the resource was registered with. */
    aliases: string[];
    inputs: Record<string, any>;
}

export interface Evaluation<T> {
    resources: RegisteredResource[];
    result: T;
    /** What the program logged with pulumi.log.warn (kept here, not printed). */
    warnings: string[];
    /** Resources of one type token, e.g. "kubernetes:networking.istio.io/v1:Gateway". */
    ofType(type: string): RegisteredResource[];
    byUrn(urn: string): RegisteredResource;
    /** Every resource `urn` waits for, directly or through other resources. */
    transitiveDependencies(urn: string): Set<string>;
}

/** Computed values a provider would return, for the outputs the program reads back. */
function providerState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
    switch (type) {
        case "tls:index/privateKey:PrivateKey":
            return { ...inputs, privateKeyPem: `-----BEGIN PRIVATE KEY-----\nmock-${name}\n-----END PRIVATE KEY-----\n`, publicKeyPem: `mock-public-${name}` };
        case "tls:index/selfSignedCert:SelfSignedCert":
            return { ...inputs, certPem: `-----BEGIN CERTIFICATE-----\nmock-ca-${name}\n-----END CERTIFICATE-----\n` };
        case "tls:index/certRequest:CertRequest":
            return { ...inputs, certRequestPem: `mock-csr-${name}` };
        case "tls:index/locallySignedCert:LocallySignedCert":
            return { ...inputs, certPem: `-----BEGIN CERTIFICATE-----\nmock-leaf-${name}\n-----END CERTIFICATE-----\n` };
        case "random:index/randomPassword:RandomPassword":
            return { ...inputs, result: `mock-password-${name}` };
        default:
            return inputs;
    }
}

/** Lets a test stand in for a provider's decision, e.g. a renewed certificate: extra state by resource. */
export type ProviderOverride = (type: string, name: string) => Record<string, unknown> | undefined;

type Monitor = { registerResource: (req: any, cb: any) => unknown };

/**
 * Runs `build` under mocks and waits until every registration has reached the mock monitor.
 * Each call installs fresh mocks, so evaluations do not see each other's resources.
 */
export async function evaluate<T>(build: () => T, stack = "test", provider: ProviderOverride = () => undefined): Promise<Evaluation<T>> {
    const inputsByKey = new Map<string, Record<string, any>>();
    await pulumi.runtime.setMocks({
        newResource: (args: pulumi.runtime.MockResourceArgs) => {
            inputsByKey.set(`${args.type}::${args.name}`, args.inputs);
            const state = providerState(args.type, args.name, args.inputs);
            return { id: `${args.name}-id`, state: { ...state, ...(provider(args.type, args.name) ?? {}) } };
        },
        call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
    }, PROJECT, stack, false);

    const resources: RegisteredResource[] = [];
    const monitor = pulumi.runtime.getMonitor() as unknown as Monitor & { newUrn(p: string, t: string, n: string): string };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
        const propertyDeps: string[] = [];
        req.getPropertydependenciesMap().forEach((deps: any) => propertyDeps.push(...deps.getUrnsList()));
        resources.push({
            urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
            type: req.getType(),
            name: req.getName(),
            custom: req.getCustom(),
            parent: req.getParent(),
            dependencies: [...new Set([...req.getDependenciesList(), ...propertyDeps])],
            protect: req.getProtect(),
            retainOnDelete: req.getRetainondelete?.() ?? false,
            provider: req.getProvider(),
            aliases: (req.getAliasesList?.() ?? []).map((a: any) => a.getUrn?.() ?? String(a)),
            inputs: {},
        });
        return register(req, callback);
    };

    // Warnings are part of what a test may assert on, and stay out of the test output.
    const warnings: string[] = [];
    const warn = pulumi.log.warn;
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = async (message: string) => { warnings.push(message); };
    let result: T;
    try {
        result = build();
        await waitForRegistrations();
    } finally {
        (pulumi.log as { warn: typeof pulumi.log.warn }).warn = warn;
    }
    for (const r of resources) {
        r.inputs = inputsByKey.get(`${r.type}::${r.name}`) ?? {};
    }

    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    return {
        resources,
        result,
        warnings,
        ofType: (type) => resources.filter((r) => r.type === type),
        byUrn: (urn) => {
            const found = byUrn.get(urn);
            if (!found) throw new Error(`no resource ${urn}`);
            return found;
        },
        transitiveDependencies(urn) {
            const seen = new Set<string>();
            const stack = [...(byUrn.get(urn)?.dependencies ?? [])];
            while (stack.length > 0) {
                const next = stack.pop()!;
                if (!seen.has(next)) {
                    seen.add(next);
                    stack.push(...(byUrn.get(next)?.dependencies ?? []));
                }
            }
            return seen;
        },
    };
}

async function waitForRegistrations(): Promise<void> {
    // The runtime counts in-flight RPCs; wait until the count settles at zero.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
}

/** Resolves any Output (or plain value) to its value, secrets included, for assertions. */
export function resolve<T>(value: pulumi.Input<T>): Promise<T> {
    return (pulumi.output(value) as any).promise() as Promise<T>;
}

const SIG_KEY = rpc.specialSigKey;
const SECRET_SIG = rpc.specialSecretSig;

/** True when a recorded input value reached the engine marked secret. */
export function isSecretValue(value: unknown): boolean {
    return typeof value === "object" && value !== null && (value as any)[SIG_KEY] === SECRET_SIG;
}

/** A recorded input value with secret markers removed, at any depth. */
export function reveal(value: any): any {
    if (isSecretValue(value)) return reveal(value.value);
    if (Array.isArray(value)) return value.map(reveal);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
    }
    return value;
}
