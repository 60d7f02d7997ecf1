import * as assert from "assert";
import { parseStackConfig } from "../../config";

describe("scripts/bench: generated configs", () => {
    it("are valid configs with 20 hosts and 20 routes per gateway", async () => {
        const { generatedConfig } = await import("../../scripts/bench");
        const config = parseStackConfig(generatedConfig(3));
        assert.strictEqual(config.gateways.length, 3);
        for (const gw of config.gateways) {
            assert.strictEqual(gw.hosts.length, 20);
            assert.strictEqual(gw.routes.length, 20);
        }
    });
});
