import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ConfigError } from "../config";
import { evaluate, resolve } from "./helpers/mocks";
import { T } from "./helpers/edge";
import { ROOT, flatStackConfig } from "./helpers/stacks";
import { fakeKubectl } from "./helpers/kubectl";

// The program reads the cluster before it deploys: here, a healthy stand-in one.
const healthyCluster = fakeKubectl({});

/** Evaluates index.ts afresh, as `pulumi up` would, with the given flat stack config. */
function runProgram(flatConfig: Record<string, string>): () => unknown {
    return () => {
        process.env.INGRESS_KUBECTL = process.env.INGRESS_KUBECTL_FOR_TEST ?? healthyCluster;
        pulumi.runtime.setAllConfig(flatConfig);
        const entry = require.resolve("../index");
        delete require.cache[entry];
        try {
            return require(entry);
        } catch (err) {
            return err;
        }
    };
}

describe("the program entry (index.ts)", () => {
    it("reads the dev stack's config and exports gateways, CA and /etc/hosts lines", async () => {
        const ev = await evaluate(runProgram(flatStackConfig("dev")));
        const exports = ev.result as Record<string, any>;
        assert.ok(!(exports instanceof Error), String(exports));
        const gateways = await resolve<Record<string, any>>(exports.gateways);
        assert.deepStrictEqual(Object.keys(gateways).sort(), ["primary", "secondary"]);
        assert.strictEqual(gateways.primary.ip, "192.168.49.240");
        assert.match(await resolve<string>(exports.caCertificatePem), /BEGIN CERTIFICATE/);
        assert.deepStrictEqual(await resolve(exports.etcHosts), [
            "192.168.49.240 microk8s.local microk8s-alt.local",
            "192.168.49.241 microk8s-secondary.local prometheus.microk8s.local grafana.microk8s.local kiali.microk8s.local tracing.microk8s.local",
        ]);
        // The same lines as the text a shell appends to /etc/hosts as it is.
        assert.strictEqual(await resolve(exports.etcHostsFile), (await resolve<string[]>(exports.etcHosts)).map((l) => `${l}\n`).join(""));
        assert.strictEqual(ev.ofType(T.gateway).length, 2);
        // The addons' URLs, and Grafana's password only as a secret.
        const addons = await resolve<Record<string, any>>(exports.addons);
        assert.deepStrictEqual(Object.keys(addons), ["prometheus", "grafana", "kiali", "tracing"]);
        assert.strictEqual(addons.grafana.url, "https://grafana.microk8s.local/");
        assert.strictEqual(await pulumi.isSecret(exports.grafanaAdminPassword), true);
    });

    it("registers nothing when the config is invalid, and says why", async () => {
        const flat = flatStackConfig("dev");
        const gateways = JSON.parse(flat["istio-metallb-ingress:gateways"]);
        gateways[1].ip = "192.168.49.240";
        const ev = await evaluate(runProgram({ ...flat, "istio-metallb-ingress:gateways": JSON.stringify(gateways) }));
        assert.ok(ev.result instanceof ConfigError);
        assert.match((ev.result as Error).message, /gateways\[1\]\.ip: "192\.168\.49\.240" is already the IP of gateways\[0\]/);
        assert.strictEqual(ev.resources.length, 0, "nothing may be half-created");
    });

    it("catches a misspelt top-level config key", async () => {
        const flat = { ...flatStackConfig("dev"), "istio-metallb-ingress:sample": "true" };
        const ev = await evaluate(runProgram(flat));
        assert.match(String((ev.result as Error).message), /sample: unknown key "sample"/);
        assert.strictEqual(ev.resources.length, 0);
    });
});

describe("the program entry: preflight, render mode, upgrades", () => {
    const withCluster = (cluster: Parameters<typeof fakeKubectl>[0], flat: Record<string, string>) => {
        process.env.INGRESS_KUBECTL_FOR_TEST = fakeKubectl(cluster);
        return runProgram(flat);
    };
    afterEach(() => { delete process.env.INGRESS_KUBECTL_FOR_TEST; });

    it("stops with the fix, registering nothing, on a cluster whose kube-proxy breaks MetalLB", async () => {
        const ev = await evaluate(withCluster({ kubeProxyConfig: "mode: ipvs\n" }, flatStackConfig("dev")));
        assert.ok(pulumi.RunError.isInstance(ev.result), String(ev.result));
        assert.match((ev.result as Error).message, /IPVS mode without strictARP/);
        assert.strictEqual(ev.resources.length, 0);
    });

    it("does not read the cluster when preflight is off, or in render mode", async () => {
        const broken = { kubeProxyConfig: "mode: ipvs\n" };
        const off = await evaluate(withCluster(broken, { ...flatStackConfig("dev"), "istio-metallb-ingress:preflight": "false" }));
        assert.ok(!(off.result instanceof Error), String(off.result));
        const dir = fs.mkdtempSync(path.join(require("os").tmpdir(), "render-"));
        const rendered = await evaluate(withCluster(broken, { ...flatStackConfig("dev"), "istio-metallb-ingress:renderDirectory": dir }));
        assert.ok(!(rendered.result instanceof Error), String(rendered.result));
        // Render mode: one kubernetes provider that writes YAML, used by every Kubernetes object.
        const [provider] = rendered.ofType("pulumi:providers:kubernetes");
        assert.strictEqual(provider.inputs.renderYamlToDirectory, dir);
        const objects = rendered.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
        assert.ok(objects.length > 10);
        for (const r of objects) assert.ok(r.provider.startsWith(`${provider.urn}::`), `${r.type} ${r.name} must be rendered, not applied`);
    });

    it("refuses a render folder it cannot write", async () => {
        const ev = await evaluate(runProgram({ ...flatStackConfig("dev"), "istio-metallb-ingress:renderDirectory": "/proc/no-such-folder/manifests" }));
        assert.match(String((ev.result as Error).message), /renderDirectory: "\/proc\/no-such-folder\/manifests" is in a folder that does not exist/);
        assert.strictEqual(ev.resources.length, 0);
    });

    it("aliases every component to its 0.1 name at the stack root, so existing stacks keep their resources", async () => {
        const ev = await evaluate(runProgram(flatStackConfig("dev")));
        const stack = "urn:pulumi:test::istio-metallb-ingress::";
        const expected: Record<string, string> = {
            "edge-metallb": `${stack}istio-metallb-ingress:metallb:MetalLb::metallb`,
            "edge-istio": `${stack}istio-metallb-ingress:istio:IstioMesh::istio`,
            "edge-pki": `${stack}istio-metallb-ingress:pki:CertificateAuthority::pki`,
            "edge-primary": `${stack}istio-metallb-ingress:gateway:IngressGateway::primary`,
            "edge-secondary": `${stack}istio-metallb-ingress:gateway:IngressGateway::secondary`,
            "edge-samples": `${stack}istio-metallb-ingress:samples:SampleApps::samples`,
        };
        for (const [name, alias] of Object.entries(expected)) {
            const component = ev.resources.find((r) => !r.custom && r.name === name);
            assert.ok(component, name);
            assert.deepStrictEqual(component.aliases, [alias], name);
        }
        // Children are named after their component, so the engine derives their old names too.
        const caKey = ev.resources.find((r) => r.type === T.privateKey && r.name === "edge-pki-ca-key");
        assert.ok(caKey);
    });
});

describe("project layout", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    const project = parse(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));

    it("Pulumi runs index.ts, whatever package.json exports to other programs", () => {
        assert.strictEqual(project.name, "istio-metallb-ingress");
        assert.strictEqual(project.runtime.name, "nodejs");
        assert.strictEqual(project.main, "index.ts");
        // Pulumi prefers package.json's exports["."] over "main" unless Pulumi.yaml names the program.
        assert.match(pkg.exports["."].default, /^\.\/bin\/components\//, "the library entry must not be the program");
        assert.strictEqual(pkg.exports["./components"].default, pkg.exports["."].default);
    });

    it("the component library exports every component with its Args", () => {
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const lib = require("../components");
        for (const name of ["Edge", "MetalLb", "IstioMesh", "CertificateAuthority", "IngressGateway", "SampleApps", "planEdge"]) {
            assert.strictEqual(typeof lib[name], "function", name);
        }
    });
});
