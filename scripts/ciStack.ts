// Writes a throw-away stack file for the end-to-end test: the dev stack's gateways and routes,
// with MetalLB addresses taken from the kind cluster's docker network.
//   ts-node scripts/ciStack.ts <docker-subnet> <stack-name> [api]   e.g. 172.18.0.0/16 ci gateway-api
// With E2E_BGP=1 and E2E_BGP_ROUTER_IP=<the router container's IP> the gateways' addresses lie
// outside the kind network and are announced over BGP only, to that router (scripts/e2eRouter.ts).
import * as fs from "fs";
import * as path from "path";
import { parse, stringify } from "yaml";
import { blockContains, blocksOverlap, parseAddressBlock, parseIp } from "../config/ip";
import { PROJECT, flatConfigFrom, parseStackConfig, rawConfigFrom } from "../config";
import { BGP_E2E } from "./e2eRouter";

/** Formats a 32-bit integer as dotted IPv4. */
export function ipv4(value: bigint): string {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

/**
 * MetalLB addresses for a kind (or k3d) docker network: the top of its last /24, far from the
 * node addresses docker hands out from the bottom. Two gateway IPs (.200, .201) in a pool that
 * is never auto-assigned, and .202–.250 for other LoadBalancer Services.
 */
export function metallbAddressesFor(subnet: string): { gatewayIps: [string, string]; gatewayPool: string; servicePool: string } {
    const block = parseAddressBlock(subnet);
    if (block.family !== "ipv4") throw new Error(`${subnet}: expected the IPv4 subnet of the kind network`);
    if (block.last - block.first < 255n) throw new Error(`${subnet}: the network is smaller than a /24; pick addresses by hand`);
    const lastSlash24 = block.last & ~0xffn;
    const at = (octet: number) => ipv4(lastSlash24 + BigInt(octet));
    return {
        gatewayIps: [at(200), at(201)],
        gatewayPool: `${at(200)}-${at(201)}`,
        servicePool: `${at(202)}-${at(250)}`,
    };
}

/** MetalLB addresses for a stack: one IP per gateway (a pool never auto-assigned), maybe a pool for other Services. */
export interface StackAddresses {
    gatewayIps: string[];
    /** The gateways' pool: one range or CIDR, or several. */
    gatewayPool: string | string[];
    /** Absent when every address went to the gateways. */
    servicePool?: string;
}

/** MetalLB over BGP: `metallb.bgp`, and how the gateways' pool is announced (`advertise`). */
export interface StackBgp {
    bgp: { localASN: number; peers: Record<string, unknown>[] };
    gatewayAdvertise: Record<string, unknown>;
}

/**
 * The BGP end-to-end test's side of the stack (E2E_BGP=1): the gateways on BGP_E2E.gatewayIps,
 * outside the kind network, in a pool announced over BGP only (so nothing but a BGP route reaches
 * them), to one peer, the router container on the kind network, in its own AS, with BFD. Other
 * Services keep the kind network's pool on layer 2. The password is not here: e2e.sh sets it as a
 * secret (`pulumi config set --secret --path 'metallb.bgp.peers[0].password'`).
 */
export function bgpStackFor(subnet: string, routerIp: string): { addresses: StackAddresses; bgp: StackBgp } {
    const network = parseAddressBlock(subnet);
    const kind = metallbAddressesFor(subnet);
    const router = parseIp(routerIp);
    if (!router || router.family !== "ipv4" || !blockContains(network, router)) {
        throw new Error(`${JSON.stringify(routerIp)}: expected the router container's IPv4 address on the kind network ${subnet}`);
    }
    if (blockContains(parseAddressBlock(kind.servicePool), router)) {
        throw new Error(`the router's address ${routerIp} is inside the Services' pool ${kind.servicePool}; MetalLB could hand it out`);
    }
    if (blocksOverlap(parseAddressBlock(BGP_E2E.gatewayPrefix), network)) {
        throw new Error(`the kind network ${subnet} overlaps the BGP gateways' prefix ${BGP_E2E.gatewayPrefix}: the host would reach the gateways without BGP; use a kind network elsewhere`);
    }
    return {
        addresses: { gatewayIps: [...BGP_E2E.gatewayIps], gatewayPool: BGP_E2E.gatewayIps.map((ip) => `${ip}/32`), servicePool: kind.servicePool },
        bgp: {
            bgp: { localASN: BGP_E2E.clusterAsn, peers: [{ name: BGP_E2E.peerName, address: routerIp, asn: BGP_E2E.routerAsn, bfd: true }] },
            // `advertise` lists every way the pool is announced: BGP, and not layer 2.
            gatewayAdvertise: { bgp: true },
        },
    };
}

/**
 * The dev stack's config (its gateways, hosts, routes, samples and addons) on other MetalLB
 * addresses; validated with the program's own checks before it is returned. The addons come
 * along unless `addons` is false; `extra` keys (other providers' config) are added as given.
 */
export function stackDocumentWith(devStackYaml: string, addresses: StackAddresses, api?: string, options: { addons?: boolean; extra?: Record<string, string>; bgp?: StackBgp } = {}): { config: Record<string, unknown> } {
    const doc = parse(devStackYaml) as { config: Record<string, any> };
    const config = { ...doc.config };
    const gateways = config[`${PROJECT}:gateways`] as any[];
    if (gateways.length > addresses.gatewayIps.length) {
        throw new Error(`the dev stack has ${gateways.length} gateways but only ${addresses.gatewayIps.length} gateway address(es) were given`);
    }
    const gatewayPool = Array.isArray(addresses.gatewayPool) ? addresses.gatewayPool : [addresses.gatewayPool];
    config[`${PROJECT}:metallb`] = {
        ...config[`${PROJECT}:metallb`],
        pools: [
            { name: "gateways", addresses: gatewayPool, autoAssign: false, ...(options.bgp ? { advertise: options.bgp.gatewayAdvertise } : {}) },
            ...(addresses.servicePool ? [{ name: "services", addresses: [addresses.servicePool] }] : []),
        ],
        ...(options.bgp ? { bgp: options.bgp.bgp } : {}),
    };
    config[`${PROJECT}:gateways`] = gateways.map((gw, i) => ({ ...gw, ip: addresses.gatewayIps[i] }));
    config[`${PROJECT}:samples`] = true;
    if (api) config[`${PROJECT}:api`] = api;
    if (options.addons === false) delete config[`${PROJECT}:addons`];
    Object.assign(config, options.extra ?? {});
    // Fail here, with the program's own message, rather than in the middle of `pulumi up`.
    parseStackConfig(rawConfigFrom(flatConfigFrom(config)));
    return { config };
}

/**
 * The dev stack's config with the kind network's addresses; validated before it is returned. The
 * dev stack's observability addons come along (verify then checks them too) unless `addons` is false.
 */
export function ciStackDocument(devStackYaml: string, subnet: string, api?: string, options: { addons?: boolean; bgpRouterIp?: string } = {}): { config: Record<string, unknown> } {
    const { bgpRouterIp, ...rest } = options;
    if (bgpRouterIp === undefined) return stackDocumentWith(devStackYaml, metallbAddressesFor(subnet), api, rest);
    const { addresses, bgp } = bgpStackFor(subnet, bgpRouterIp);
    return stackDocumentWith(devStackYaml, addresses, api, { ...rest, bgp });
}

if (require.main === module) {
    const [subnet, stack = "ci", api] = process.argv.slice(2);
    if (!subnet) {
        console.error("usage: ts-node scripts/ciStack.ts <docker-subnet> [stack] [api]");
        process.exit(2);
    }
    const root = path.resolve(__dirname, "..");
    // E2E_ADDONS=0 leaves the observability addons out (a lighter cluster).
    // E2E_BGP=1 announces the gateways over BGP to the router at E2E_BGP_ROUTER_IP.
    const bgp = process.env.E2E_BGP === "1";
    if (bgp && !process.env.E2E_BGP_ROUTER_IP) {
        console.error("ciStack: E2E_BGP=1 needs E2E_BGP_ROUTER_IP, the router container's address on the kind network");
        process.exit(2);
    }
    const doc = ciStackDocument(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8"), subnet, api, {
        addons: process.env.E2E_ADDONS !== "0",
        ...(bgp ? { bgpRouterIp: process.env.E2E_BGP_ROUTER_IP } : {}),
    });
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    const what = bgp ? `, gateways over BGP to ${process.env.E2E_BGP_ROUTER_IP}` : "";
    fs.writeFileSync(file, `# Generated by scripts/ciStack.ts for the kind network ${subnet}${what}; throw-away.\n${stringify(doc)}`);
    console.log(file);
}
