// What keeps a running edge whole across `pulumi up`s and `pulumi destroy`: CRDs and application
// namespaces the stack does not solely own are retained, and MetalLB's objects wait until its
// webhook answers. Pure: the components carry these out.

/**
 * Helm's "do not uninstall" marker. Chart v4 turns it into `retainOnDelete` on the object
 * (pulumi-kubernetes provider/pkg/provider/helm/v4/chart.go, `preregister`); Istio's base chart
 * writes it on its CRDs itself.
 */
export const KEEP_ANNOTATION = "helm.sh/resource-policy";

/**
 * Adds `helm.sh/resource-policy: keep` to every CustomResourceDefinition of a rendered manifest
 * stream (Helm's output: documents separated by `---` lines, block-style YAML) and leaves every
 * other byte as it was. Written without dependencies, because it also runs as the charts'
 * post-renderer, in a `node -e` of its own (see {@link KEEP_CRDS_SCRIPT}).
 */
export function keepCrds(manifests: string): string {
    // Spelled out here, not taken from KEEP_ANNOTATION: the function runs on its own as the post-renderer.
    const keep = "helm.sh/resource-policy: keep";
    return manifests.split(/^(?=---[ \t]*$)/m).map((doc) => {
        if (!/^kind:[ \t]*CustomResourceDefinition[ \t]*$/m.test(doc) || /helm\.sh\/resource-policy/.test(doc)) return doc;
        const lines = doc.split("\n");
        const meta = lines.findIndex((l) => /^metadata:[ \t]*$/.test(l));
        if (meta < 0) return doc;
        let indent = "  ";
        let annotations = -1;
        for (let i = meta + 1; i < lines.length && (/^[ \t]+\S/.test(lines[i]) || /^[ \t]*(#.*)?$/.test(lines[i])); i++) {
            const m = /^([ \t]+)(\S[^:]*):/.exec(lines[i]);
            if (!m) continue;
            if (annotations < 0 && i === meta + 1) indent = m[1];
            if (m[1] === indent && m[2] === "annotations") annotations = i;
        }
        if (annotations >= 0 && /:[ \t]*\{\}[ \t]*$/.test(lines[annotations])) {
            lines[annotations] = `${indent}annotations:`;
        }
        const entry = `${indent}${indent}${keep}`;
        if (annotations >= 0) lines.splice(annotations + 1, 0, entry);
        else lines.splice(meta + 1, 0, `${indent}annotations:`, entry);
        return lines.join("\n");
    }).join("");
}

/**
 * The post-renderer Chart v4 runs after `helm template` (`postRenderer: { command: node, args:
 * ["-e", KEEP_CRDS_SCRIPT] }`): stdin to stdout through {@link keepCrds}. Node runs every Pulumi
 * TypeScript program, so the command is always there; the function's own source is the script,
 * so what the tests call is what runs.
 */
export const KEEP_CRDS_SCRIPT =
    `const keepCrds = ${keepCrds.toString()};\n` +
    "let input = \"\";\nprocess.stdin.setEncoding(\"utf8\");\nprocess.stdin.on(\"data\", (d) => { input += d; });\n" +
    "process.stdin.on(\"end\", () => process.stdout.write(keepCrds(input)));\n";

/** What the stack keeps when it deletes: `retainOnDelete` config, with its defaults. */
export interface RetainSpec {
    /** CustomResourceDefinitions (MetalLB's, Istio's, the Gateway API's): deleting one deletes every object of its kind in the cluster. */
    crds: boolean;
    /** `istio.meshNamespaces`: the applications' namespaces, with their workloads. */
    meshNamespaces: boolean;
}

export const RETAIN_DEFAULTS: RetainSpec = { crds: true, meshNamespaces: true };

// ---------------------------------------------------------------------------------------------
// MetalLB's webhook

/**
 * MetalLB's controller reports ready at once, but its webhook server starts only after its
 * certificate rotation has injected the caBundle (metallb v0.16.1 internal/k8s/k8s.go, and
 * cert-controller's rotator), and Pulumi retries a create only on "not found" / "no matches for
 * kind" (pulumi-kubernetes await.go), not on "failed calling webhook". So before any pool, a Job
 * asks the API server for a server-side dry run of a MetalLB object, which goes through the
 * webhook exactly as the pools will; the Job controller retries a refused attempt (backoffLimit),
 * and Pulumi waits for the Job to complete (its Job await) before it creates the pools.
 */
export const WEBHOOK_CHECK = {
    name: "metallb-webhook-ready",
    /** A kubectl image of the Kubernetes project, without a shell: the container runs kubectl itself. */
    image: "registry.k8s.io/kubectl:v1.35.0",
    /** Retries with the Job controller's back-off (10 s, 20 s, 40 s, … capped at 6 min): ~21 min in all. */
    backoffLimit: 8,
    /** Pulumi's wait for the Job (pulumi.com/timeoutSeconds); longer than the retries take. */
    timeoutSeconds: 1800,
    /** The probe object: an L2Advertisement, which the same webhook server validates; a dry run stores nothing. */
    probeName: "webhook-readiness-probe",
} as const;

/** The Job controller's delay before retry n (1-based): 10 s doubled each time, at most 6 min. */
export function jobBackoffSeconds(retry: number): number {
    return Math.min(10 * 2 ** (retry - 1), 360);
}

/** The objects of the webhook check in MetalLB's namespace: as plain data, for the component and the tests. */
export function webhookCheckObjects(namespace: string, image: string = WEBHOOK_CHECK.image) {
    const name = WEBHOOK_CHECK.name;
    const labels = { "app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "istio-metallb-ingress" };
    const probe = {
        apiVersion: "metallb.io/v1beta1",
        kind: "L2Advertisement",
        metadata: { name: WEBHOOK_CHECK.probeName, namespace },
        spec: { ipAddressPools: [] as string[] },
    };
    return {
        serviceAccount: { metadata: { name, namespace, labels } },
        role: {
            metadata: { name, namespace, labels },
            // A dry-run create needs the create verb, and nothing else.
            rules: [{ apiGroups: ["metallb.io"], resources: ["l2advertisements"], verbs: ["create"] }],
        },
        roleBinding: {
            metadata: { name, namespace, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
            subjects: [{ kind: "ServiceAccount", name, namespace }],
        },
        configMap: { metadata: { name, namespace, labels }, data: { "probe.json": JSON.stringify(probe, null, 2) } },
        job: {
            metadata: { name, namespace, labels, annotations: { "pulumi.com/timeoutSeconds": String(WEBHOOK_CHECK.timeoutSeconds) } },
            spec: {
                backoffLimit: WEBHOOK_CHECK.backoffLimit,
                template: {
                    metadata: { labels: { ...labels, "sidecar.istio.io/inject": "false" } },
                    spec: {
                        serviceAccountName: name,
                        restartPolicy: "Never",
                        containers: [{
                            name: "dry-run",
                            image,
                            args: ["create", "--dry-run=server", "-f", "/probe/probe.json"],
                            // kubectl keeps its discovery cache under $HOME; the root filesystem is read-only.
                            env: [{ name: "HOME", value: "/tmp" }],
                            volumeMounts: [{ name: "probe", mountPath: "/probe", readOnly: true }, { name: "tmp", mountPath: "/tmp" }],
                            resources: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } },
                            securityContext: { runAsNonRoot: true, runAsUser: 65532, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                        }],
                        volumes: [{ name: "probe", configMap: { name } }, { name: "tmp", emptyDir: {} }],
                    },
                },
            },
        },
        probe,
    };
}
