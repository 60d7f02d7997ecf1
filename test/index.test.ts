import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { ConfigError } from "../config";
import { evaluate, resolve } from "./helpers/mocks";
import { T } from "./helpers/edge";
import { ROOT, flatStackConfig } from "./helpers/stacks";

/** Evaluates index.ts afresh, as `pulumi up` would, with the given flat stack config. */
function runProgram(flatConfig: Record<string, string>): () => unknown {
    return () => {
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
            "192.168.49.241 microk8s-secondary.local",
        ]);
        assert.strictEqual(ev.ofType(T.gateway).length, 2);
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
