// MetalLB pool address maths: CIDRs and "a-b" ranges, IPv4 and IPv6. Shared by the policy pack
// and the program's config validation (config/ip.ts re-exports it).
import * as ipaddr from "ipaddr.js";

export type IpFamily = "ipv4" | "ipv6";

/** An inclusive block of addresses of one family, as integers. */
export interface AddressBlock {
    family: IpFamily;
    first: bigint;
    last: bigint;
    /** The text the block was parsed from, for messages. */
    text: string;
}

function toBigInt(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
    return addr.toByteArray().reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
    // isValid accepts shorthand such as "10.1" (inet_aton style); MetalLB does not.
    if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
        return ipaddr.IPv4.parse(text);
    }
    if (text.includes(":") && ipaddr.IPv6.isValid(text)) {
        const v6 = ipaddr.IPv6.parse(text);
        // Zone ids ("fe80::1%eth0") mean nothing to MetalLB.
        return v6.zoneId ? undefined : v6;
    }
    return undefined;
}

/** Parses one IP address; returns undefined when it is not a plain IPv4 or IPv6 address. */
export function parseIp(text: string): { family: IpFamily; value: bigint } | undefined {
    const addr = parseAddress(text.trim());
    return addr ? { family: addr.kind(), value: toBigInt(addr) } : undefined;
}

/**
 * Parses a MetalLB pool entry: a CIDR ("192.168.1.240/28", "fd00::/120") or an inclusive
 * range ("192.168.1.240-192.168.1.250"). Throws an Error whose message says what is wrong.
 */
export function parseAddressBlock(text: string): AddressBlock {
    if (text.includes("/")) {
        const [addrText, prefixText, ...rest] = text.split("/");
        const addr = parseAddress(addrText.trim());
        if (!addr || rest.length > 0 || !/^\d{1,3}$/.test(prefixText.trim())) {
            throw new Error("is not a valid CIDR");
        }
        const bits = addr.kind() === "ipv4" ? 32 : 128;
        const prefix = Number(prefixText);
        if (prefix > bits) {
            throw new Error(`has prefix length /${prefix}, more than the ${bits} bits of an ${addr.kind()} address`);
        }
        const hostBits = BigInt(bits - prefix);
        const value = toBigInt(addr);
        const first = (value >> hostBits) << hostBits;
        if (first !== value) {
            const network = ipaddr.fromByteArray(bigIntToBytes(first, bits / 8)).toString();
            throw new Error(`has host bits set; the network address is ${network}/${prefix}`);
        }
        return { family: addr.kind(), first, last: first + (1n << hostBits) - 1n, text };
    }
    const parts = text.split("-");
    if (parts.length !== 2) {
        throw new Error("is neither a CIDR nor an address range");
    }
    const from = parseAddress(parts[0].trim());
    const to = parseAddress(parts[1].trim());
    if (!from || !to) {
        throw new Error(`has an invalid address "${!from ? parts[0] : parts[1]}"`);
    }
    if (from.kind() !== to.kind()) {
        throw new Error("mixes an IPv4 and an IPv6 address");
    }
    const first = toBigInt(from);
    const last = toBigInt(to);
    if (first > last) {
        throw new Error("starts after it ends");
    }
    return { family: from.kind(), first, last, text };
}

function bigIntToBytes(value: bigint, length: number): number[] {
    const bytes: number[] = [];
    for (let i = 0; i < length; i++) {
        bytes.unshift(Number(value & 0xffn));
        value >>= 8n;
    }
    return bytes;
}

export function blockContains(block: AddressBlock, ip: { family: IpFamily; value: bigint }): boolean {
    return block.family === ip.family && block.first <= ip.value && ip.value <= block.last;
}

export function blocksOverlap(a: AddressBlock, b: AddressBlock): boolean {
    return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/**
 * Address ranges that are not the public internet: private networks (RFC 1918), carrier-grade
 * NAT (RFC 6598), loopback, link-local (RFC 3927, RFC 4291) and IPv6 unique local addresses
 * (RFC 4193). A client range inside one of these cannot hold an arbitrary internet client.
 */
export const NON_PUBLIC_RANGES: readonly { cidr: string; what: string }[] = [
    { cidr: "10.0.0.0/8", what: "private (RFC 1918)" },
    { cidr: "172.16.0.0/12", what: "private (RFC 1918)" },
    { cidr: "192.168.0.0/16", what: "private (RFC 1918)" },
    { cidr: "100.64.0.0/10", what: "carrier-grade NAT (RFC 6598)" },
    { cidr: "127.0.0.0/8", what: "loopback" },
    { cidr: "169.254.0.0/16", what: "link-local" },
    { cidr: "fc00::/7", what: "unique local (RFC 4193)" },
    { cidr: "fe80::/10", what: "link-local" },
    { cidr: "::1/128", what: "loopback" },
];

const NON_PUBLIC_BLOCKS = NON_PUBLIC_RANGES.map((r) => parseAddressBlock(r.cidr));

/** Whether every address of `block` lies inside one of {@link NON_PUBLIC_RANGES}. */
export function isNonPublicBlock(block: AddressBlock): boolean {
    return NON_PUBLIC_BLOCKS.some((range) => range.family === block.family && range.first <= block.first && block.last <= range.last);
}
