// An index of host names (exact names, `*.` wildcards and `*`) that answers "which stored host
// can match the same name as this one?" without comparing every pair. Hosts are kept in a tree
// of their labels read right to left (com → example → www), so a query only walks its own path
// plus, for a wildcard, a bounded summary of what lies below it.

interface Entry<T> {
    host: string;
    key: string;
    value: T;
}

interface Node<T> {
    children: Map<string, Node<T>>;
    /** Entries for the exact name this node spells. */
    exact: Entry<T>[];
    /** Entries for `*.` + the name this node spells (at the root: `*`). */
    wild: Entry<T>[];
    /**
     * Up to two entries with distinct keys stored strictly below this node: enough to answer
     * "is there one whose key differs from mine?" for every query.
     */
    below: Entry<T>[];
}

const newNode = <T>(): Node<T> => ({ children: new Map(), exact: [], wild: [], below: [] });

/** Splits a host into its labels, right to left, and whether it is a wildcard. */
function parse(host: string): { labels: string[]; wildcard: boolean } {
    if (host === "*") return { labels: [], wildcard: true };
    if (host.startsWith("*.")) return { labels: host.slice(2).split(".").reverse(), wildcard: true };
    return { labels: host.split(".").reverse(), wildcard: false };
}

export class HostIndex<T> {
    private readonly root: Node<T> = newNode<T>();
    private count = 0;

    get size(): number {
        return this.count;
    }

    /** Stores `host` with a grouping `key` (queries can ask for an entry of another key) and a value. */
    add(host: string, key: string, value: T): void {
        const { labels, wildcard } = parse(host);
        const entry = { host, key, value };
        let node = this.root;
        for (const label of labels) {
            remember(node.below, entry);
            let child = node.children.get(label);
            if (!child) {
                child = newNode<T>();
                node.children.set(label, child);
            }
            node = child;
        }
        (wildcard ? node.wild : node.exact).push(entry);
        this.count++;
    }

    /**
     * An entry whose host can match a name that `host` matches and whose key is not `exceptKey`
     * (any key when `exceptKey` is undefined); undefined when there is none.
     */
    findIntersecting(host: string, exceptKey?: string): { host: string; key: string; value: T } | undefined {
        const other = (entries: Entry<T>[]) => entries.find((e) => e.key !== exceptKey);
        const { labels, wildcard } = parse(host);
        let node: Node<T> | undefined = this.root;
        // Wildcards on the path above the queried name cover it (the root's is "*").
        for (let i = 0; i < labels.length; i++) {
            const hit = other(node.wild);
            if (hit) return hit;
            node = node.children.get(labels[i]);
            if (!node) return undefined;
        }
        if (!wildcard) return other(node.exact);
        // A wildcard `*.S` (or `*`) meets `*.S` itself and every name strictly below S.
        return other(node.wild) ?? other(node.below);
    }
}

function remember<T>(below: Entry<T>[], entry: Entry<T>): void {
    if (below.length >= 2 || below.some((e) => e.key === entry.key)) return;
    below.push(entry);
}
