// How a planned Helm release becomes `helm.v4.Chart` args: a repository chart, an OCI chart or
// a packaged file from a local folder (air-gapped clusters).
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ChartLocation } from "../model/charts";

export function chartArgs(releaseName: string, namespace: pulumi.Input<string>, location: ChartLocation, values: pulumi.Input<Record<string, unknown>>): k8s.helm.v4.ChartArgs {
    const source = location.kind === "repository"
        ? { chart: location.chart, version: location.version, repositoryOpts: { repo: location.repository } }
        : location.kind === "oci"
            ? { chart: location.chart, version: location.version }
            // A packaged file carries its version: Helm takes the file as it is.
            : { chart: location.path };
    return { name: releaseName, namespace, values, ...source };
}
