import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { AddonRelease, AddonsPlan } from "../model/addons";
import { PACKAGE } from "../model/names";
import type { ExtraValues } from "../model/types";
import { chartArgs } from "./chart";

interface ChartAddonArgs {
    enabled?: boolean;
    /** The host its UI is served on (required when enabled): gets a certificate and a route on the addon gateway. */
    host?: string;
    /** Chart version, pinned (default: the tested version). */
    version?: string;
    /** Helm repository, `oci://` registry or local folder of packaged charts (default: the official one). */
    repository?: string;
    /** Helm values merged over the program's. */
    values?: ExtraValues;
}

/**
 * The observability addons, as {@link EdgeArgs}' `addons` (keys and defaults of the stack config's
 * `addons`). An addon is on when its block is given, unless it says `enabled: false`.
 */
export interface AddonsArgs {
    /** The configured gateway that serves every addon host (default "secondary"). */
    gateway?: string;
    /**
     * Serve the addons where anyone may reach them (a gateway admitting public addresses, plain
     * HTTP, routes of other gateways); default false. Prometheus and the tracing UI have no login.
     */
    allowPublicAccess?: boolean;
    /** Namespace of the addons (default: istiod's). */
    namespace?: string;
    prometheus?: ChartAddonArgs & {
        /** How long samples are kept (default "15d"). */
        retention?: string;
        /** A PersistentVolumeClaim for the samples (default: none, samples live as long as the pod). */
        storage?: { size: string; storageClass?: string };
    };
    grafana?: ChartAddonArgs & {
        /** Provision Istio's dashboards, downloaded from grafana.com at pod start (default true). */
        dashboards?: boolean;
        /** grafana.com revision of Istio's dashboards. */
        dashboardRevision?: number;
    };
    kiali?: ChartAddonArgs & {
        /** "token" (log in with a ServiceAccount token, the default) or "anonymous". */
        auth?: "token" | "anonymous";
    };
    tracing?: {
        enabled?: boolean;
        host?: string;
        /** Jaeger v2 image repository and tag. */
        image?: string;
        version?: string;
        /** Percentage of requests traced, 0–100 (default 1). */
        sampling?: number;
    };
}

/** Inputs of {@link Observability}. */
export interface ObservabilityArgs {
    /** The planned addons (`planEdge(spec).addons`): releases, secrets, Jaeger objects, Telemetry. */
    plan: AddonsPlan;
    /** Ordering: what must exist before the addons. */
    dependsOn: {
        /** istiod and Istio's CRDs: the Telemetry needs its CRD and webhook, and pods start after the injector. */
        controlPlane: pulumi.Resource[];
        /** The addons namespace when another component owns it (istiod's); empty when the plan creates it. */
        namespace: pulumi.Resource[];
    };
}

/**
 * Prometheus, Grafana and Kiali from their official charts, Jaeger v2 (all-in-one, as Istio's
 * sample runs it) as a Deployment with its Services, and the mesh-wide Telemetry that sends a
 * share of requests' spans to it. Routes and certificates of their hosts belong to their gateway.
 */
export class Observability extends pulumi.ComponentResource {
    readonly namespace?: k8s.core.v1.Namespace;
    readonly charts: { prometheus?: k8s.helm.v4.Chart; grafana?: k8s.helm.v4.Chart; kiali?: k8s.helm.v4.Chart };
    readonly jaeger?: k8s.apps.v1.Deployment;
    readonly telemetry?: k8s.apiextensions.CustomResource;
    /** The Grafana `admin` user's password (secret). */
    readonly grafanaAdminPassword?: pulumi.Output<string>;
    /** Per addon: its https:// URL on the addon gateway and its host. */
    readonly urls: Record<string, { url: string; host: string; gateway: string }>;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${PACKAGE}:addons:Observability`, name, {}, opts);
        const plan = args.plan;

        this.namespace = plan.createNamespace
            ? new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: plan.namespace } }, { parent: this })
            : undefined;
        const inNamespace = this.namespace ? [this.namespace] : args.dependsOn.namespace;
        const after = (...more: pulumi.Resource[]) => ({ parent: this, dependsOn: [...inNamespace, ...args.dependsOn.controlPlane, ...more] });
        const chart = (key: string, release: AddonRelease, ...more: pulumi.Resource[]) =>
            new k8s.helm.v4.Chart(`${name}-${key}`, chartArgs(release.releaseName, release.namespace, release.location, release.values), after(...more));

        this.charts = {};
        if (plan.prometheus) this.charts.prometheus = chart("prometheus", plan.prometheus.release);

        if (plan.grafana) {
            const s = plan.grafana.adminSecret;
            const password = new random.RandomPassword(`${name}-grafana-admin-password`, { length: 32, special: false }, { parent: this });
            this.grafanaAdminPassword = pulumi.secret(password.result);
            // The chart reads the credentials from this Secret (admin.existingSecret): no password in its values.
            const secret = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
                metadata: { name: s.name, namespace: s.namespace },
                type: "Opaque",
                stringData: { [s.userKey]: s.user, [s.passwordKey]: this.grafanaAdminPassword },
            }, { parent: this, dependsOn: inNamespace, additionalSecretOutputs: ["data", "stringData"] });
            this.charts.grafana = chart("grafana", plan.grafana.release, secret);
        }

        if (plan.kiali) {
            const s = plan.kiali.signingKeySecret;
            // Kiali signs its login tokens with this key (AES: 16, 24 or 32 characters).
            const key = new random.RandomPassword(`${name}-kiali-signing-key`, { length: 32, special: false }, { parent: this });
            const secret = new k8s.core.v1.Secret(`${name}-kiali-signing-key`, {
                metadata: { name: s.name, namespace: s.namespace },
                type: "Opaque",
                stringData: { [s.key]: pulumi.secret(key.result) },
            }, { parent: this, dependsOn: inNamespace, additionalSecretOutputs: ["data", "stringData"] });
            this.charts.kiali = chart("kiali", plan.kiali.release, secret);
        }

        if (plan.tracing) {
            const t = plan.tracing;
            const config = new k8s.core.v1.ConfigMap(`${name}-jaeger-config`, t.configMap as k8s.core.v1.ConfigMapArgs, after());
            this.jaeger = new k8s.apps.v1.Deployment(`${name}-jaeger`, t.deployment as k8s.apps.v1.DeploymentArgs, after(config));
            for (const svc of t.services) {
                new k8s.core.v1.Service(`${name}-${svc.metadata.name}`, svc as k8s.core.v1.ServiceArgs, after());
            }
            this.telemetry = new k8s.apiextensions.CustomResource(`${name}-telemetry`, {
                apiVersion: "telemetry.istio.io/v1",
                kind: "Telemetry",
                metadata: { name: t.telemetry.name, namespace: t.telemetry.namespace },
                spec: t.telemetry.spec,
            }, { parent: this, dependsOn: args.dependsOn.controlPlane });
        }

        this.urls = Object.fromEntries(plan.addons.map((a) => [a.name, { url: a.url, host: a.host, gateway: plan.gateway }]));
        this.registerOutputs({ urls: this.urls, grafanaAdminPassword: this.grafanaAdminPassword });
    }
}
