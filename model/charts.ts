// The Helm charts (and release manifests) the edge installs, pinned: where each comes from and the
// version used when the stack config does not name one. `npm run charts:pull` fetches exactly these.

export interface ChartSource {
    /** Chart name in its repository (and the file name stem of its packaged `.tgz`). */
    chart: string;
    /** Pinned default version; a stack may pin another in config. */
    version: string;
    /** Official repository: an HTTP(S) Helm repository or an `oci://` registry. */
    repository: string;
}

/** Every chart the program may install, keyed by the role it plays. */
export const CHARTS = {
    metallb: { chart: "metallb", version: "0.16.1", repository: "https://metallb.github.io/metallb" },
    istioBase: { chart: "base", version: "1.30.3", repository: "https://istio-release.storage.googleapis.com/charts" },
    istiod: { chart: "istiod", version: "1.30.3", repository: "https://istio-release.storage.googleapis.com/charts" },
    istioGateway: { chart: "gateway", version: "1.30.3", repository: "https://istio-release.storage.googleapis.com/charts" },
    prometheus: { chart: "prometheus", version: "28.13.0", repository: "https://prometheus-community.github.io/helm-charts" },
    grafana: { chart: "grafana", version: "9.2.2", repository: "https://grafana.github.io/helm-charts" },
    kiali: { chart: "kiali-server", version: "2.26.0", repository: "https://kiali.org/helm-charts" },
} as const satisfies Record<string, ChartSource>;

/** Images the program runs itself (not through a chart), pinned. */
export const IMAGES = {
    /** The Jaeger v2 all-in-one image Istio 1.30.3's samples/addons/jaeger.yaml runs. */
    jaeger: { repository: "docker.io/jaegertracing/jaeger", version: "2.14.0" },
} as const;

/** The Gateway API CRDs: an upstream release manifest, not a chart. */
export const GATEWAY_API_CRDS = {
    version: "v1.5.1",
    channel: "standard",
    /** `<repository>/<version>/<channel>-install.yaml` */
    repository: "https://github.com/kubernetes-sigs/gateway-api/releases/download",
} as const;

/** File name of a packaged chart in a local chart folder (what `helm pull` writes). */
export function packagedChartFile(chart: string, version: string): string {
    return `${chart}-${version}.tgz`;
}

/** File name of the Gateway API CRD manifest in a local chart folder. */
export function gatewayApiManifestFile(version: string, channel = "standard"): string {
    return `gateway-api-${version}-${channel}-install.yaml`;
}

/** Where Helm finds a chart: a repository, an OCI registry, or a packaged file in a local folder. */
export type ChartLocation =
    | { kind: "repository"; chart: string; version: string; repository: string }
    | { kind: "oci"; chart: string; version: string }
    | { kind: "file"; path: string; version: string };

/** True when a configured chart repository is a local folder rather than a URL. */
export function isLocalRepository(repository: string): boolean {
    return /^\.{0,2}\//.test(repository);
}

/**
 * Resolves a configured repository for one chart: an HTTP(S) repository, `oci://<registry>/<path>`
 * (the chart is `<path>/<chart>`), or a folder holding `<chart>-<version>.tgz` (air-gapped clusters).
 */
export function locateChart(repository: string, chart: string, version: string): ChartLocation {
    if (repository.startsWith("oci://")) return { kind: "oci", chart: `${repository.replace(/\/+$/, "")}/${chart}`, version };
    if (isLocalRepository(repository)) return { kind: "file", path: `${repository.replace(/\/+$/, "")}/${packagedChartFile(chart, version)}`, version };
    return { kind: "repository", chart, version, repository };
}
