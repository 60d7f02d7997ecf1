import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { ciStackDocument, metallbAddressesFor } from "../../scripts/ciStack";
import { flatConfigFrom, parseStackConfig, rawConfigFrom } from "../../config";
import { ROOT } from "../helpers/stacks";

describe("scripts/ciStack: MetalLB addresses for a kind network", () => {
    it("takes the top of the last /24 of the docker network", () => {
        assert.deepStrictEqual(metallbAddressesFor("172.18.0.0/16"), {
            gatewayIps: ["172.18.255.200", "172.18.255.201"],
            gatewayPool: "172.18.255.200-172.18.255.201",
            servicePool: "172.18.255.202-172.18.255.250",
        });
        assert.deepStrictEqual(metallbAddressesFor("192.168.49.0/24").gatewayIps, ["192.168.49.200", "192.168.49.201"]);
    });

    it("refuses networks it cannot pick from safely", () => {
        assert.throws(() => metallbAddressesFor("172.18.0.0/25"), /smaller than a \/24/);
        assert.throws(() => metallbAddressesFor("fc00:f853:ccd:e793::/64"), /expected the IPv4 subnet/);
    });

    it("writes a valid stack: the dev layout, on the kind network's addresses", () => {
        const doc = ciStackDocument(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"), "172.19.0.0/16");
        const config = parseStackConfig(rawConfigFrom(flatConfigFrom(doc.config)));
        assert.deepStrictEqual(config.gateways.map((g) => [g.name, g.ips[0]]), [["primary", "172.19.255.200"], ["secondary", "172.19.255.201"]]);
        assert.strictEqual(config.samples.enabled, true);
        assert.deepStrictEqual(config.gateways[0].hosts, ["microk8s.local", "microk8s-alt.local"]);
        assert.strictEqual(config.api, "istio");
    });

    it("writes the API to build the gateways with, checked like any config", () => {
        const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
        const doc = ciStackDocument(dev, "172.19.0.0/16", "gateway-api");
        assert.strictEqual(parseStackConfig(rawConfigFrom(flatConfigFrom(doc.config))).api, "gateway-api");
        assert.throws(() => ciStackDocument(dev, "172.19.0.0/16", "gateway"), /api: "gateway" is not valid/);
    });

    it("keeps the dev stack's observability addons on the secondary gateway, unless told to leave them out", () => {
        const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
        const withAddons = parseStackConfig(rawConfigFrom(flatConfigFrom(ciStackDocument(dev, "172.19.0.0/16").config)));
        assert.deepStrictEqual(["prometheus", "grafana", "kiali", "tracing"].map((a) => (withAddons.addons as any)[a].enabled), [true, true, true, true]);
        assert.strictEqual(withAddons.addons!.gateway, "secondary");
        const without = parseStackConfig(rawConfigFrom(flatConfigFrom(ciStackDocument(dev, "172.19.0.0/16", undefined, { addons: false }).config)));
        assert.strictEqual(without.addons!.grafana.enabled, false);
    });
});
