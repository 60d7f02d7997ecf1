// MetalLB's configuration objects in a stack as its controller reads them (internal/config/config.go,
// v0.16.1): IPAddressPools with their labels, the L2 and BGP advertisements and which pools they
// select, and the Secrets a BGPPeer's passwordSecret may name. A value unknown during preview
// leaves a question undecided rather than answered either way.
import { LoadBalancerService, POOL_TYPE, SECRET_TYPE, StackModel, StackResource, UNKNOWN, known, probe } from "./model";

/** The Service annotations MetalLB reads the requested IPs from, the stable spelling first (it wins). */
export const METALLB_IP_ANNOTATIONS = ["metallb.io/loadBalancerIPs", "metallb.universe.tf/loadBalancerIPs"];
/** The Service annotations naming the pool to allocate from, the stable spelling first. */
export const METALLB_POOL_ANNOTATIONS = ["metallb.io/address-pool", "metallb.universe.tf/address-pool"];

export const L2_ADVERTISEMENT_TYPE = /^kubernetes:metallb\.io\/(v1beta1|v1beta2|v1):L2Advertisement$/;
export const BGP_ADVERTISEMENT_TYPE = /^kubernetes:metallb\.io\/(v1beta1|v1beta2|v1):BGPAdvertisement$/;
/** v1beta2 is the stored version; v1beta1 is still served (deprecated) and has no dynamicASN or passwordSecret. */
export const BGP_PEER_TYPE = /^kubernetes:metallb\.io\/(v1beta1|v1beta2):BGPPeer$/;

/** The largest AS number (32 bits), and the valid and private ranges for messages. */
export const MAX_ASN = 4294967295;
export const ASN_RANGES = "valid: 1–4294967295; private: 64512–65534 and 4200000000–4294967294";

/**
 * A deep copy that reads every value, so that a value unknown during preview anywhere inside
 * throws here (inside {@link probe}) instead of later. Secrets arrive unwrapped or as `{ value }`.
 */
export function plain(value: unknown): any {
    if (value && typeof value === "object" && (value as any).constructor?.name === "Secret" && "value" in (value as any)) return plain((value as any).value);
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === "object") {
        const out: Record<string, any> = {};
        for (const key of Object.keys(value)) out[key] = plain((value as any)[key]);
        return out;
    }
    return value;
}

const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);
const recordOf = (value: unknown): Record<string, any> => (value && typeof value === "object" && !Array.isArray(value) ? value as Record<string, any> : {});

/** A namespace as written: undefined when absent (the provider's default) or unknown, which then meets any namespace. */
function namespaceOf(props: Record<string, any>): string | undefined {
    const ns = known(() => props.metadata?.namespace);
    return typeof ns === "string" && ns !== "" ? ns : undefined;
}
const sameNamespace = (a: string | undefined, b: string | undefined) => a === undefined || b === undefined || a === b;

/** `<namespace>/<name>` when the namespace is written, else the name. */
export const metallbId = (o: { namespace?: string; name?: string; resource: StackResource }) =>
    `${o.namespace ? `${o.namespace}/` : ""}${o.name ?? o.resource.name}`;

/**
 * Whether a Kubernetes label selector (metav1.LabelSelector: matchLabels and matchExpressions with
 * In, NotIn, Exists, DoesNotExist, all ANDed; `{}` selects everything) matches the labels, or
 * "invalid" when Kubernetes would not parse it.
 */
export function labelSelectorMatches(selector: unknown, labels: Record<string, string>): boolean | "invalid" {
    if (!selector || typeof selector !== "object" || Array.isArray(selector)) return "invalid";
    const { matchLabels, matchExpressions } = selector as { matchLabels?: unknown; matchExpressions?: unknown };
    let matches = true;
    for (const [k, v] of Object.entries(recordOf(matchLabels))) {
        if (labels[k] !== String(v)) matches = false;
    }
    for (const e of Array.isArray(matchExpressions) ? matchExpressions : []) {
        const key = e?.key, operator = e?.operator, values = stringsOf(e?.values);
        if (typeof key !== "string") return "invalid";
        const has = Object.prototype.hasOwnProperty.call(labels, key);
        switch (operator) {
            case "In":
                if (values.length === 0) return "invalid";
                if (!has || !values.includes(labels[key])) matches = false;
                break;
            case "NotIn":
                if (values.length === 0) return "invalid";
                if (has && values.includes(labels[key])) matches = false;
                break;
            case "Exists":
                if (values.length > 0) return "invalid";
                if (!has) matches = false;
                break;
            case "DoesNotExist":
                if (values.length > 0) return "invalid";
                if (has) matches = false;
                break;
            default:
                return "invalid";
        }
    }
    return matches;
}

export interface MetallbPool {
    resource: StackResource;
    namespace?: string;
    name?: string;
    nameUnknown: boolean;
    labels: Record<string, string>;
    labelsUnknown: boolean;
    addresses: string[];
    addressesUnknown: boolean;
}

export interface Advertisement {
    resource: StackResource;
    kind: "L2Advertisement" | "BGPAdvertisement";
    namespace?: string;
    name?: string;
    /** spec.ipAddressPools. */
    poolNames: string[];
    /** spec.ipAddressPoolSelectors. */
    selectors: unknown[];
    /** Which pools it selects is not known until `pulumi up`. */
    unknown: boolean;
}

/** An advertisement without pool selectors (both lists absent or empty) selects every pool. */
export const selectsEveryPool = (a: Advertisement) => !a.unknown && a.poolNames.length === 0 && a.selectors.length === 0;

/** What an advertisement selects, for messages. */
export function describeSelection(a: Advertisement): string {
    if (a.unknown) return "not known yet";
    if (selectsEveryPool(a)) return "every pool";
    return [a.poolNames.length > 0 ? `ipAddressPools ${a.poolNames.join(", ")}` : "", a.selectors.length > 0 ? `ipAddressPoolSelectors ${JSON.stringify(a.selectors)}` : ""]
        .filter((s) => s).join("; ");
}

export interface MetallbSecret {
    resource: StackResource;
    namespace?: string;
    name?: string;
    /** Its name or namespace is not known until `pulumi up`. */
    unknown: boolean;
    /** spec type; undefined when absent (Opaque); UNKNOWN until `pulumi up`. */
    type: string | undefined | typeof UNKNOWN;
    /** Keys of data and stringData; UNKNOWN until `pulumi up`. */
    keys: string[] | typeof UNKNOWN;
}

const cache = new WeakMap<object, MetallbModel>();

export class MetallbModel {
    readonly pools: MetallbPool[];
    readonly advertisements: Advertisement[];
    private secretList?: MetallbSecret[];
    private readonly byPoolName = new Map<string, Advertisement[]>();
    private readonly selecting: Advertisement[] = [];
    private readonly everyPool: Advertisement[] = [];
    private readonly undecided: Advertisement[] = [];

    /** The MetalLB view of a stack (its model, or its resource list), built once. */
    static of(stack: StackModel | readonly StackResource[]): MetallbModel {
        let model = cache.get(stack);
        if (!model) {
            model = new MetallbModel(stack instanceof StackModel ? stack.resources : stack);
            cache.set(stack, model);
        }
        return model;
    }

    constructor(private readonly resources: readonly StackResource[]) {
        this.pools = resources.filter((r) => POOL_TYPE.test(r.type)).map((r) => {
            const name = probe(() => r.props.metadata?.name);
            const labels = probe(() => plain(r.props.metadata?.labels));
            const addresses = probe(() => plain(r.props.spec?.addresses));
            return {
                resource: r,
                namespace: namespaceOf(r.props),
                name: typeof name === "string" ? name : undefined,
                nameUnknown: name === UNKNOWN,
                labels: labels === UNKNOWN ? {} : recordOf(labels),
                labelsUnknown: labels === UNKNOWN,
                addresses: addresses === UNKNOWN ? [] : stringsOf(addresses),
                addressesUnknown: addresses === UNKNOWN,
            };
        });

        this.advertisements = resources.filter((r) => L2_ADVERTISEMENT_TYPE.test(r.type) || BGP_ADVERTISEMENT_TYPE.test(r.type)).map((r) => {
            const names = probe(() => plain(r.props.spec?.ipAddressPools));
            const selectors = probe(() => plain(r.props.spec?.ipAddressPoolSelectors));
            const name = known(() => r.props.metadata?.name);
            return {
                resource: r,
                kind: L2_ADVERTISEMENT_TYPE.test(r.type) ? "L2Advertisement" as const : "BGPAdvertisement" as const,
                namespace: namespaceOf(r.props),
                name: typeof name === "string" ? name : undefined,
                poolNames: names === UNKNOWN ? [] : stringsOf(names),
                selectors: selectors === UNKNOWN || !Array.isArray(selectors) ? [] : selectors,
                unknown: names === UNKNOWN || selectors === UNKNOWN,
            };
        });
        for (const a of this.advertisements) {
            if (a.unknown) this.undecided.push(a);
            else if (selectsEveryPool(a)) this.everyPool.push(a);
            for (const n of a.poolNames) this.byPoolName.set(n, [...(this.byPoolName.get(n) ?? []), a]);
            if (a.selectors.length > 0) this.selecting.push(a);
        }
    }

    /** The stack's Secrets as MetalLB reads them (built on first use). */
    get secrets(): MetallbSecret[] {
        return this.secretList ??= this.resources.filter((r) => r.type === SECRET_TYPE).map((r) => {
            const name = probe(() => r.props.metadata?.name);
            const namespace = probe(() => r.props.metadata?.namespace);
            const keysOf = (field: "data" | "stringData") => probe(() => Object.keys(recordOf(plainShallow(r.props[field]))));
            const data = keysOf("data"), stringData = keysOf("stringData");
            return {
                resource: r,
                namespace: typeof namespace === "string" && namespace !== "" ? namespace : undefined,
                name: typeof name === "string" ? name : undefined,
                unknown: name === UNKNOWN || namespace === UNKNOWN,
                type: probe(() => { const t = r.props.type; return typeof t === "string" && t !== "" ? t : undefined; }),
                keys: data === UNKNOWN || stringData === UNKNOWN ? UNKNOWN : [...data, ...stringData],
            };
        });
    }

    /**
     * Whether some advertisement of the stack selects the pool (true, with the first that does),
     * none does (false), or it cannot be told yet (undefined: an advertisement, the pool's name or
     * labels unknown until `pulumi up`, or a selector Kubernetes would not parse).
     */
    announcement(pool: MetallbPool): { announced: true; by: Advertisement } | { announced: false } | { announced: undefined } {
        const meets = (a: Advertisement) => sameNamespace(a.namespace, pool.namespace);
        const all = this.everyPool.find(meets);
        if (all) return { announced: true, by: all };
        if (pool.name !== undefined) {
            const named = (this.byPoolName.get(pool.name) ?? []).find(meets);
            if (named) return { announced: true, by: named };
        }
        let undecided = this.undecided.some(meets) || (pool.nameUnknown && this.advertisements.some((a) => a.poolNames.length > 0 && meets(a)));
        for (const a of this.selecting.filter(meets)) {
            if (pool.labelsUnknown) {
                undecided = true;
                continue;
            }
            const results = a.selectors.map((s) => labelSelectorMatches(s, pool.labels));
            if (results.includes(true)) return { announced: true, by: a };
            if (results.includes("invalid")) undecided = true;
        }
        return undecided ? { announced: undefined } : { announced: false };
    }
}

/** A Secret wrapper (`{ value }`) unwrapped one level; the keys are what matters. */
function plainShallow(value: unknown): unknown {
    return value && typeof value === "object" && (value as any).constructor?.name === "Secret" && "value" in (value as any) ? (value as any).value : value;
}

/**
 * The IPs a Service asks MetalLB for: the metallb.io/loadBalancerIPs annotation (or the older
 * metallb.universe.tf spelling, read when the stable one is absent; a comma list) and
 * spec.loadBalancerIP. UNKNOWN when one of them is not known until `pulumi up`.
 */
export function requestedIps(svc: LoadBalancerService): string[] | typeof UNKNOWN {
    const annotation = probe(() => {
        for (const key of METALLB_IP_ANNOTATIONS) {
            const value = svc.annotations[key];
            if (value !== undefined && value !== null) return String(value);
        }
        return undefined;
    });
    // A Service's own spec.loadBalancerIP (the model reads a gateway chart's from its values).
    const single = svc.fromChart ? svc.loadBalancerIP : probe(() => svc.resource.props.spec?.loadBalancerIP);
    if (annotation === UNKNOWN || single === UNKNOWN) return UNKNOWN;
    return [...(annotation ? annotation.split(",") : []), ...(typeof single === "string" ? [single] : [])].map((s) => s.trim()).filter((s) => s.length > 0);
}

/** The pool a Service names (metallb.io/address-pool, or the older spelling), UNKNOWN until `pulumi up`. */
export function requestedPool(svc: LoadBalancerService): string | undefined | typeof UNKNOWN {
    return probe(() => {
        for (const key of METALLB_POOL_ANNOTATIONS) {
            const value = svc.annotations[key];
            if (typeof value === "string" && value !== "") return value;
        }
        return undefined;
    });
}
