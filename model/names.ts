// Names of everything the edge creates, derived in one place. Readable names come from gateway
// names and hosts; where two readable names would meet (hosts and gateway names share "-" and
// "."), every name of the colliding group gets a short stable hash of what it stands for, so
// names stay unique by construction while every config that worked before keeps its names.
import { createHash } from "crypto";

/** Type-token prefix of every component in this package. */
export const PACKAGE = "istio-metallb-ingress";

/** `*.apps.example.com` → `wildcard-apps-example-com`: a DNS-label-safe, readable form of a host. */
export function hostSlug(host: string): string {
    return host.replace(/^\*\./, "wildcard.").replace(/\./g, "-");
}

/** Six hex digits of a SHA-256 of `identity`: short, stable across runs and machines. */
export function shortHash(identity: string): string {
    return createHash("sha256").update(identity).digest("hex").slice(0, 6);
}

/**
 * How a gateway's hosts are grouped into certificates: one per host, or one for all of them
 * (`pki.certificatePer`). Each group is one HTTPS server (Istio mode) or listener (gateway-api
 * mode), so this one function decides both how many are written and how many are counted.
 */
export function certificateHostGroups(hosts: string[], certificatePer: "host" | "gateway"): string[][] {
    return certificatePer === "gateway" ? [[...hosts]] : hosts.map((host) => [host]);
}

/** Helm release of a gateway; the gateway chart names the Deployment and Service after it. */
export function gatewayReleaseName(gateway: string): string {
    return `istio-ingress-${gateway}`;
}

/**
 * Pod labels of a gateway, set explicitly (not derived by the chart from the release name) so
 * that each Gateway selector matches exactly one gateway's pods.
 */
export function gatewayPodLabels(gateway: string): Record<string, string> {
    return { istio: `ingress-${gateway}`, app: gatewayReleaseName(gateway) };
}

/** The selector a Gateway object uses: a subset of that gateway's pod labels. */
export function gatewaySelector(gateway: string): Record<string, string> {
    return { istio: gatewayPodLabels(gateway).istio };
}

export function gatewayObjectName(gateway: string): string {
    return `${gateway}-gateway`;
}

export function httpPortName(gateway: string): string {
    return `http-${gateway}`;
}

export function authorizationPolicyName(gateway: string): string {
    return `${gateway}-allowed-sources`;
}

/** A name to give out, and what it stands for (distinct identities must get distinct names). */
export interface NameRequest {
    /** What the name stands for, e.g. "gateway a, host b-x.example.com". */
    identity: string;
    /** The readable name. */
    readable: string;
    /** Names that may never change (a protected CA): they keep their form, the others give way. */
    fixed?: boolean;
}

/**
 * Gives every request its readable name, unless that name is shared with a request of another
 * identity: then each non-fixed member of the group gets `<readable>-<hash of identity>`.
 * Returns the names in request order.
 */
export function uniqueNames(requests: NameRequest[], maxLength = 253): string[] {
    const groups = new Map<string, Set<string>>();
    for (const r of requests) {
        groups.set(r.readable, (groups.get(r.readable) ?? new Set()).add(r.identity));
    }
    return requests.map((r) => {
        const shared = groups.get(r.readable)!.size > 1 && !r.fixed;
        const suffix = shared ? `-${shortHash(r.identity)}` : "";
        // Too long for Kubernetes: keep a readable head and let the hash carry uniqueness.
        if (r.readable.length + suffix.length > maxLength) {
            const hash = `-${shortHash(r.identity)}`;
            return r.readable.slice(0, maxLength - hash.length).replace(/-+$/, "") + hash;
        }
        return r.readable + suffix;
    });
}
