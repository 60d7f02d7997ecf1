// Versions of the components the program installs: the oldest each can be (what the program writes
// must exist there), and the newest it is tested with. Below a floor is an error naming the version
// to use; above the tested version is a warning, since a newer release usually works.
import { CHARTS, IMAGES } from "./charts";
import type { EdgeSpec } from "./types";

export type Version = [number, number, number];

/** "1.30.3", "v1.30.3", "1.30" → [1, 30, 3]; undefined when it is no version. */
export function parseVersion(text: string): Version | undefined {
    const m = /^v?([0-9]+)\.([0-9]+)(?:\.([0-9]+))?/.exec(text);
    return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export const compareVersions = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
const below = (text: string, floor: string) => {
    const v = parseVersion(text);
    return !!v && compareVersions(v, parseVersion(floor)!) < 0;
};
const newerMinor = (text: string, tested: string) => {
    const v = parseVersion(text);
    const t = parseVersion(tested)!;
    return !!v && (v[0] > t[0] || (v[0] === t[0] && v[1] > t[1]));
};

/**
 * The oldest Istio the program can install: the first whose CRDs serve networking.istio.io/v1
 * (Gateway, VirtualService), security.istio.io/v1 PeerAuthentication and telemetry.istio.io/v1
 * Telemetry, the versions it writes (istio/istio manifests/charts/base CRDs, 1.21.6 against 1.22.0).
 */
export const ISTIO_MIN = "1.22.0";

/**
 * The first patch of each minor whose base and istiod charts read `base.validationFailurePolicy`
 * (1.28.6, 1.29.2, 1.30.0 on). Older charts ignore it and write the webhooks with
 * `failurePolicy: Ignore`, which istiod rewrites, so their first chart upgrade conflicts with it.
 */
export const ISTIO_WEBHOOK_POLICY_FROM: Record<string, string> = { "1.28": "1.28.6", "1.29": "1.29.2", "1.30": "1.30.0" };

/**
 * The oldest MetalLB the program can install: the first that reads the `metallb.io/` spelling of
 * its Service annotations (v0.14.9, metallb/metallb#2495; earlier releases read only
 * `metallb.universe.tf/…` and would ignore the IP the program asks for). Its `metallb.io/v1beta1`
 * IPAddressPool and L2Advertisement are served from 0.13.0, the chart's `frrk8s` key from 0.14.0.
 */
export const METALLB_MIN = "0.14.9";

/** The Jaeger image major the program's configuration is written for (Jaeger v2's, as Istio's sample). */
export const JAEGER_MAJOR = 2;

/** Problems: versions below what the program writes needs, each with the version to use. */
export function versionProblems(spec: EdgeSpec): string[] {
    const problems: string[] = [];
    if (below(spec.istio.version, ISTIO_MIN)) {
        problems.push(`istio.version: ${JSON.stringify(spec.istio.version)} is older than Istio ${ISTIO_MIN}, the first whose CRDs serve the networking.istio.io/v1, security.istio.io/v1 and telemetry.istio.io/v1 objects the program writes; use ${JSON.stringify(CHARTS.istiod.version)}`);
    }
    if (below(spec.metallb.version, METALLB_MIN)) {
        problems.push(`metallb.version: ${JSON.stringify(spec.metallb.version)} is older than MetalLB ${METALLB_MIN}, the first that reads the metallb.io/loadBalancerIPs annotation the program asks for each gateway's IP with (older releases read only metallb.universe.tf/…, so the gateways would get any address); use ${JSON.stringify(CHARTS.metallb.version)}`);
    }
    const tracing = spec.addons?.tracing;
    if (tracing?.enabled) {
        const v = parseVersion(tracing.version);
        if (v && v[0] !== JAEGER_MAJOR) {
            problems.push(`addons.tracing.version: ${JSON.stringify(tracing.version)} is not a Jaeger ${JAEGER_MAJOR}.x image, and the program writes Jaeger ${JAEGER_MAJOR}'s configuration; use ${JSON.stringify(IMAGES.jaeger.version)}`);
        }
    }
    for (const name of ["prometheus", "grafana", "kiali"] as const) {
        const addon = spec.addons?.[name];
        if (!addon?.enabled) continue;
        const v = parseVersion(addon.version);
        const pinned = parseVersion(CHARTS[name].version)!;
        if (v && v[0] < pinned[0]) {
            problems.push(`addons.${name}.version: ${JSON.stringify(addon.version)} is an older major release than the ${CHARTS[name].chart} chart the program writes values for (${pinned[0]}.x; majors change the values); use ${JSON.stringify(CHARTS[name].version)}`);
        }
    }
    return problems;
}

/** Warnings: versions that work with a caveat, or that are newer than the program is tested with. */
export function versionWarnings(spec: EdgeSpec): string[] {
    const warnings: string[] = [];
    const istio = parseVersion(spec.istio.version);
    if (istio && !below(spec.istio.version, ISTIO_MIN)) {
        const minor = `${istio[0]}.${istio[1]}`;
        const from = ISTIO_WEBHOOK_POLICY_FROM[minor];
        const before = from ? below(spec.istio.version, from) : compareVersions(istio, parseVersion("1.28.0")!) < 0;
        if (before) {
            warnings.push(`istio.version ${spec.istio.version}: its charts ignore base.validationFailurePolicy (read from 1.28.6, 1.29.2 and 1.30.0 on), so they write the validating webhooks with failurePolicy: Ignore, istiod rewrites it, and the next Istio upgrade conflicts with istiod over that field (istio/istio#45204); ` +
                `use ${CHARTS.istiod.version}, or before upgrading run \`kubectl delete validatingwebhookconfiguration istio-validator-${spec.istio.namespace} istiod-default-validator\` (the upgrade writes them again)`);
        }
    }
    const tested: { key: string; version: string; pinned: string }[] = [
        { key: "istio.version", version: spec.istio.version, pinned: CHARTS.istiod.version },
        { key: "metallb.version", version: spec.metallb.version, pinned: CHARTS.metallb.version },
        ...(["prometheus", "grafana", "kiali"] as const).filter((n) => spec.addons?.[n].enabled)
            .map((n) => ({ key: `addons.${n}.version`, version: spec.addons![n].version, pinned: CHARTS[n].version })),
    ];
    for (const t of tested) {
        if (newerMinor(t.version, t.pinned)) {
            warnings.push(`${t.key} ${t.version} is newer than the release this program is tested with (${t.pinned}); run \`npm test\` with its chart in INGRESS_CHARTS_DIR (see docs/testing.md) before you roll it out`);
        }
    }
    return warnings;
}
