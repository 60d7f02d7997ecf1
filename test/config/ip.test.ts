import * as assert from "assert";
import { blockContains, blocksOverlap, parseAddressBlock, parseIp } from "../../config/ip";

describe("config/ip: pool address maths", () => {
    it("a CIDR covers its whole network", () => {
        const block = parseAddressBlock("192.168.49.240/28");
        assert.ok(blockContains(block, parseIp("192.168.49.240")!));
        assert.ok(blockContains(block, parseIp("192.168.49.255")!));
        assert.ok(!blockContains(block, parseIp("192.168.49.239")!));
        assert.ok(!blockContains(block, parseIp("192.168.50.0")!));
    });

    it("a /32 holds exactly one address", () => {
        const block = parseAddressBlock("10.20.0.10/32");
        assert.strictEqual(block.last - block.first, 0n);
    });

    it("a range is inclusive at both ends", () => {
        const block = parseAddressBlock("192.168.49.240-192.168.49.241");
        assert.ok(blockContains(block, parseIp("192.168.49.241")!));
        assert.ok(!blockContains(block, parseIp("192.168.49.242")!));
    });

    it("IPv6 CIDRs and ranges work, and never contain IPv4 addresses", () => {
        const block = parseAddressBlock("fd00::/120");
        assert.ok(blockContains(block, parseIp("fd00::ff")!));
        assert.ok(!blockContains(block, parseIp("fd00::100")!));
        assert.ok(!blockContains(block, parseIp("0.0.0.255")!));
        assert.ok(blockContains(parseAddressBlock("fd00::1-fd00::9"), parseIp("fd00::9")!));
    });

    it("overlap is detected at the edges and not across families", () => {
        assert.ok(blocksOverlap(parseAddressBlock("10.0.0.0/30"), parseAddressBlock("10.0.0.3-10.0.0.9")));
        assert.ok(!blocksOverlap(parseAddressBlock("10.0.0.0/30"), parseAddressBlock("10.0.0.4-10.0.0.9")));
        assert.ok(!blocksOverlap(parseAddressBlock("0.0.0.0/24"), parseAddressBlock("::/120")));
    });

    it("rejects shorthand and zoned addresses that MetalLB would not accept", () => {
        assert.strictEqual(parseIp("10.1"), undefined);
        assert.strictEqual(parseIp("fe80::1%eth0"), undefined);
        assert.throws(() => parseAddressBlock("10.1/8"), /not a valid CIDR/);
        assert.throws(() => parseAddressBlock("10.0.0.0/8/1"), /not a valid CIDR/);
        assert.throws(() => parseAddressBlock("10.0.0.1-10.0.0.2-10.0.0.3"), /neither a CIDR nor an address range/);
    });
});
