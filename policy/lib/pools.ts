// MetalLB IPAddressPools of a stack as sorted address blocks: overlaps found in one sweep, and
// the pools holding an address found by binary search instead of scanning every pool.
import { AddressBlock, parseAddressBlock } from "./addresses";

export interface PoolLike {
    name?: string;
    addresses: string[];
}

interface Placed<P> {
    pool: P;
    block: AddressBlock;
    /** Order of the address family, then the first address: the sort key. */
    familyRank: number;
}

const rank = (b: AddressBlock) => (b.family === "ipv4" ? 0 : 1);
const before = (a: { familyRank: number; first: bigint }, b: { familyRank: number; first: bigint }) =>
    a.familyRank !== b.familyRank ? a.familyRank < b.familyRank : a.first < b.first;

export class PoolSet<P extends PoolLike> {
    /** Pool entries that do not parse, with the reason. */
    readonly invalid: { pool: P; text: string; reason: string }[] = [];
    private readonly blocks: Placed<P>[] = [];
    /** For each position, the largest `last` of the same family up to there (to find containing blocks). */
    private readonly reach: bigint[] = [];

    constructor(readonly pools: P[]) {
        for (const pool of pools) {
            for (const text of pool.addresses) {
                try {
                    const block = parseAddressBlock(text);
                    this.blocks.push({ pool, block, familyRank: rank(block) });
                } catch (err) {
                    this.invalid.push({ pool, text, reason: (err as Error).message });
                }
            }
        }
        this.blocks.sort((x, y) => (x.familyRank - y.familyRank) || (x.block.first < y.block.first ? -1 : x.block.first > y.block.first ? 1 : 0));
        this.blocks.forEach((p, i) => {
            const prev = i > 0 && this.blocks[i - 1].familyRank === p.familyRank ? this.reach[i - 1] : -1n;
            this.reach.push(p.block.last > prev ? p.block.last : prev);
        });
    }

    /** Pairs of different pools whose blocks overlap, each pair once. */
    overlaps(): { a: P; b: P; block: AddressBlock }[] {
        const out: { a: P; b: P; block: AddressBlock }[] = [];
        const seen = new Set<string>();
        const index = new Map(this.pools.map((p, i) => [p, i]));
        // Sweep: blocks still open (ending at or after the current start) overlap the current one.
        let open: Placed<P>[] = [];
        for (const cur of this.blocks) {
            open = open.filter((o) => o.familyRank === cur.familyRank && o.block.last >= cur.block.first);
            for (const o of open) {
                if (o.pool === cur.pool) continue;
                const key = [index.get(o.pool)!, index.get(cur.pool)!].sort((x, y) => x - y).join("|");
                if (seen.has(key)) continue;
                seen.add(key);
                const [a, b] = index.get(o.pool)! < index.get(cur.pool)! ? [o.pool, cur.pool] : [cur.pool, o.pool];
                out.push({ a, b, block: o.block });
            }
            open.push(cur);
        }
        return out;
    }

    /** The distinct pools one of whose blocks contains the address. */
    holders(ip: { family: string; value: bigint }): P[] {
        const familyRank = ip.family === "ipv4" ? 0 : 1;
        // Last block starting at or before the address.
        let lo = 0, hi = this.blocks.length - 1, at = -1;
        while (lo <= hi) {
            const mid = (lo + hi) >> 1;
            const b = this.blocks[mid];
            if (before({ familyRank: b.familyRank, first: b.block.first }, { familyRank, first: ip.value }) ||
                (b.familyRank === familyRank && b.block.first === ip.value)) {
                at = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        const found: P[] = [];
        for (let i = at; i >= 0 && this.blocks[i].familyRank === familyRank && this.reach[i] >= ip.value; i--) {
            const b = this.blocks[i];
            if (b.block.last >= ip.value && !found.includes(b.pool)) found.push(b.pool);
        }
        return found;
    }
}
