// Defaults of `addons` (the README's config reference lists the same values): every addon off
// unless its block is given, served on the "secondary" gateway, beside istiod.
import { CHARTS, IMAGES } from "../model/charts";
import type { AddonsSpec } from "../model/types";

export const ADDON_DEFAULTS = {
    gateway: "secondary",
    allowPublicAccess: false,
    prometheus: { version: CHARTS.prometheus.version, repository: CHARTS.prometheus.repository, retention: "15d", storageClass: "" },
    grafana: {
        version: CHARTS.grafana.version,
        repository: CHARTS.grafana.repository,
        dashboards: true,
        // Istio publishes every release's dashboards to grafana.com as one more revision of each;
        // 300 is the newest whose Istio version (1.29.2) we could confirm.
        dashboardRevision: 300,
    },
    kiali: { version: CHARTS.kiali.version, repository: CHARTS.kiali.repository, auth: "token" as const },
    tracing: { image: IMAGES.jaeger.repository as string, version: IMAGES.jaeger.version as string, sampling: 1 },
};

type Raw = Record<string, any>;

/** An addon is on when its block is given, unless the block says `enabled: false`. */
const isOn = (block: Raw | undefined) => block !== undefined && block.enabled !== false;

/** Fills every default of `addons` in; `raw` must have passed the schema. */
export function withAddonDefaults(raw: Raw | undefined, istioNamespace: string): AddonsSpec {
    const a = raw ?? {};
    const chart = (name: "prometheus" | "grafana" | "kiali") => ({
        enabled: isOn(a[name]),
        ...(a[name]?.host !== undefined ? { host: a[name].host as string } : {}),
        version: a[name]?.version ?? ADDON_DEFAULTS[name].version,
        repository: a[name]?.repository ?? ADDON_DEFAULTS[name].repository,
        values: a[name]?.values ?? {},
    });
    const p = a.prometheus ?? {};
    const g = a.grafana ?? {};
    const t = a.tracing ?? {};
    return {
        gateway: a.gateway ?? ADDON_DEFAULTS.gateway,
        allowPublicAccess: a.allowPublicAccess ?? ADDON_DEFAULTS.allowPublicAccess,
        namespace: a.namespace ?? istioNamespace,
        prometheus: {
            ...chart("prometheus"),
            retention: p.retention ?? ADDON_DEFAULTS.prometheus.retention,
            ...(p.storage ? { storage: { size: p.storage.size, storageClass: p.storage.storageClass ?? ADDON_DEFAULTS.prometheus.storageClass } } : {}),
        },
        grafana: {
            ...chart("grafana"),
            dashboards: g.dashboards ?? ADDON_DEFAULTS.grafana.dashboards,
            dashboardRevision: g.dashboardRevision ?? ADDON_DEFAULTS.grafana.dashboardRevision,
        },
        kiali: { ...chart("kiali"), auth: a.kiali?.auth ?? ADDON_DEFAULTS.kiali.auth },
        tracing: {
            enabled: isOn(a.tracing),
            ...(t.host !== undefined ? { host: t.host as string } : {}),
            image: t.image ?? ADDON_DEFAULTS.tracing.image,
            version: t.version ?? ADDON_DEFAULTS.tracing.version,
            sampling: t.sampling ?? ADDON_DEFAULTS.tracing.sampling,
        },
    };
}
