import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PACKAGE } from "../model/names";

/** Inputs of {@link SampleApps}. */
export interface SampleAppsArgs {
    /** Namespace to create, labelled for sidecar injection (default "samples"). */
    namespace?: string;
    /** Resources to wait for: istiod, whose injector must see the pods. */
    dependsOn?: pulumi.Resource[];
}

interface SampleApp {
    deployment: string;
    labels: Record<string, string>;
    image: string;
    containerPort: number;
}

const helloworld = (version: string): SampleApp => ({
    deployment: `helloworld-${version}`,
    labels: { app: "helloworld", version },
    image: `docker.io/istio/examples-helloworld-${version}:1.0`,
    containerPort: 5000,
});

const APPS: SampleApp[] = [
    helloworld("v1"),
    helloworld("v2"),
    { deployment: "httpbin", labels: { app: "httpbin", version: "v1" }, image: "docker.io/mccutchen/go-httpbin:v2.15.0", containerPort: 8080 },
];

/** Services of the samples: name → port, and the pods each selects. Port names follow Istio's rule. */
export const SAMPLE_SERVICES: { name: string; port: number; targetPort: number; selector: Record<string, string> }[] = [
    { name: "helloworld", port: 5000, targetPort: 5000, selector: { app: "helloworld", version: "v1" } },
    { name: "helloworld2", port: 5000, targetPort: 5000, selector: { app: "helloworld", version: "v2" } },
    { name: "httpbin", port: 8000, targetPort: 8080, selector: { app: "httpbin" } },
];

/**
 * The tutorials' sample apps: helloworld v1 (`helloworld:5000`), helloworld v2
 * (`helloworld2:5000`) and httpbin (`httpbin:8000`), in a namespace with sidecar injection.
 */
export class SampleApps extends pulumi.ComponentResource {
    readonly namespace: k8s.core.v1.Namespace;

    constructor(name: string, args: SampleAppsArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${PACKAGE}:samples:SampleApps`, name, {}, opts);
        const namespace = args.namespace ?? "samples";
        this.namespace = new k8s.core.v1.Namespace(`${name}-ns`, {
            metadata: { name: namespace, labels: { "istio-injection": "enabled" } },
        }, { parent: this });
        // The injector adds the sidecar only to pods created while istiod is up.
        const after = { parent: this, dependsOn: [this.namespace, ...(args.dependsOn ?? [])] };

        for (const app of APPS) {
            new k8s.apps.v1.Deployment(`${name}-${app.deployment}`, {
                metadata: { name: app.deployment, namespace, labels: app.labels },
                spec: {
                    replicas: 1,
                    selector: { matchLabels: app.labels },
                    template: {
                        metadata: { labels: app.labels },
                        spec: {
                            containers: [{
                                name: app.labels.app,
                                image: app.image,
                                ports: [{ name: "http", containerPort: app.containerPort }],
                                resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "200m", memory: "128Mi" } },
                            }],
                        },
                    },
                },
            }, after);
        }
        for (const svc of SAMPLE_SERVICES) {
            new k8s.core.v1.Service(`${name}-${svc.name}`, {
                metadata: { name: svc.name, namespace, labels: { app: svc.selector.app } },
                spec: {
                    selector: svc.selector,
                    ports: [{ name: "http", port: svc.port, targetPort: svc.targetPort }],
                },
            }, { parent: this, dependsOn: [this.namespace] });
        }
        this.registerOutputs({ namespace });
    }
}
