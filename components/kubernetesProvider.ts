// The Kubernetes provider settings a running edge needs. pulumi-kubernetes replaces a Secret whose
// data changes, and a ConfigMap whose data changes, unless its provider sets enableSecretMutable /
// enableConfigMapMutable (provider/pkg/provider/diff.go); with a fixed name the old object is
// deleted before the new one is created. For a gateway's TLS Secret that is a window without a
// certificate on every renewal; for istiod's mesh ConfigMap, a window with the default mesh config.
// With the flags, both are updated in place.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** The provider settings that make Secret and ConfigMap changes updates, not replacements. */
export const IN_PLACE_UPDATES = { enableSecretMutable: true, enableConfigMapMutable: true } as const;

const madeHere = new WeakSet<object>();

/**
 * A Kubernetes provider with {@link IN_PLACE_UPDATES} set (whatever `args` say of them): give it
 * to an Edge of your program (`{ providers: [provider] }`) so that a renewed certificate never
 * leaves a gateway without one.
 */
export function kubernetesProvider(name: string, args: k8s.ProviderArgs = {}, opts?: pulumi.CustomResourceOptions): k8s.Provider {
    const provider = new k8s.Provider(name, { ...args, ...IN_PLACE_UPDATES }, opts);
    madeHere.add(provider);
    return provider;
}

const FLAG_KEYS = Object.keys(IN_PLACE_UPDATES) as (keyof typeof IN_PLACE_UPDATES)[];

/**
 * Warnings for a provider that would replace Secrets and ConfigMaps on a change: the default
 * provider when stack config lacks the flags, or an explicit provider this module did not make
 * (its settings cannot be read from the program).
 */
export function replacementWarnings(provider: "default" | object, config: { getBoolean(key: string): boolean | undefined } = new pulumi.Config("kubernetes")): string[] {
    const effect = "a renewed certificate (or a host added to a certificate) replaces its TLS Secret: deleted, then created again, so the gateway serves no certificate in between";
    if (provider === "default") {
        const missing = FLAG_KEYS.filter((key) => config.getBoolean(key) !== true);
        if (missing.length === 0) return [];
        return [`${missing.map((k) => `kubernetes:${k}`).join(" and ")} ${missing.length > 1 ? "are" : "is"} not true: ${effect}; ` +
            `run ${missing.map((k) => `\`pulumi config set kubernetes:${k} true\``).join(" and ")} (an in-place update of the provider: nothing is replaced)`];
    }
    if (madeHere.has(provider)) return [];
    return [`the edge's Kubernetes provider was not made with kubernetesProvider() from istio-metallb-ingress, so its settings cannot be checked: unless it sets ${FLAG_KEYS.join(" and ")} to true, ${effect}; ` +
        "create it with kubernetesProvider(name, args) instead of new k8s.Provider(name, args) (it takes the same args and sets both)"];
}
