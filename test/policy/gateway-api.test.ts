// Gateway API rules: a valid object set passes every rule; each rule catches its faults.
import * as assert from "assert";
import {
    gatewayApiCertificateRefs, gatewayApiListeners, gatewayApiMetallbAddress, gatewayApiPolicies, httpRouteParents, publicGatewayAdmitsAll,
} from "../../policy/policies";
import { StackResource } from "../../policy/lib/model";
import { resource, runStackPolicy, unknownField } from "./harness";
import { addonPolicies } from "../../policy/policies";

const GW = "kubernetes:gateway.networking.k8s.io/v1:Gateway";
const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const GRANT = "kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant";

const listener = (name: string, hostname: string, extra: object = {}) => ({
    name, port: 443, protocol: "HTTPS", hostname,
    tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: `${name}-tls` }] }, ...extra,
});
const gateway = (name: string, listeners: object[], extra: object = {}, metadata: object = {}) =>
    resource(GW, { metadata: { name, namespace: "gateways", ...metadata }, spec: { gatewayClassName: "istio", listeners, ...extra } });
const route = (name: string, namespace: string, parentRefs: object[], hostnames: string[], backend = "web") =>
    resource(ROUTE, { metadata: { name, namespace }, spec: { parentRefs, hostnames, rules: [{ backendRefs: [{ name: backend, port: 80 }] }] } });
const tlsSecret = (name: string, namespace = "gateways") =>
    resource("kubernetes:core/v1:Secret", { metadata: { name, namespace }, type: "kubernetes.io/tls", stringData: { "tls.crt": "c", "tls.key": "k" } });
const namespace = (name: string, labels: object = {}) => resource("kubernetes:core/v1:Namespace", { metadata: { name, labels } });
const pool = (addresses: string[]) => resource("kubernetes:metallb.io/v1beta1:IPAddressPool", { metadata: { name: "gateways", namespace: "metallb-system" }, spec: { addresses } });

/** A public and an internal Gateway (the internal one restricted by an AuthorizationPolicy), with routes and a cross-namespace certificate. */
function validStack(): StackResource[] {
    return [
        namespace("gateways"), namespace("web", { exposure: "public" }), namespace("admin"), namespace("certs"),
        gateway("public", [
            listener("www", "www.example.com", { allowedRoutes: { namespaces: { from: "Selector", selector: { matchLabels: { exposure: "public" } } } } }),
            { name: "http", port: 80, protocol: "HTTP", hostname: "*.example.com", allowedRoutes: { namespaces: { from: "Selector", selector: { matchExpressions: [{ key: "exposure", operator: "In", values: ["public"] }] } } } },
        ], { infrastructure: { annotations: { "metallb.io/loadBalancerIPs": "10.0.0.10" } } }),
        gateway("internal", [
            { ...listener("admin", "*.internal.example.com", { allowedRoutes: { namespaces: { from: "All" } } }), tls: { certificateRefs: [{ name: "admin-tls", namespace: "certs" }] } },
        ], { infrastructure: { annotations: { "metallb.io/loadBalancerIPs": "10.0.0.11" } } }),
        tlsSecret("www-tls"), tlsSecret("admin-tls", "certs"),
        resource(GRANT, { metadata: { name: "gateways-certs", namespace: "certs" }, spec: {
            from: [{ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "gateways" }], to: [{ group: "", kind: "Secret" }],
        } }),
        resource("kubernetes:security.istio.io/v1:AuthorizationPolicy", { metadata: { name: "internal-only", namespace: "gateways" }, spec: {
            targetRefs: [{ group: "gateway.networking.k8s.io", kind: "Gateway", name: "internal" }], action: "ALLOW",
            rules: [{ from: [{ source: { remoteIpBlocks: ["10.0.0.0/8"] } }] }],
        } }),
        route("www", "web", [{ name: "public", namespace: "gateways", sectionName: "www" }], ["www.example.com"]),
        route("redirect", "web", [{ name: "public", namespace: "gateways", sectionName: "http", port: 80 }], []),
        route("admin", "admin", [{ name: "internal", namespace: "gateways" }], ["console.internal.example.com"]),
        pool(["10.0.0.10-10.0.0.11"]),
    ];
}

describe("Gateway API rules", () => {
    for (const policy of gatewayApiPolicies) {
        it(`${policy.name} passes the valid object set`, async () => assert.deepStrictEqual(await runStackPolicy(policy, validStack()), []));
    }

    it("gateway-api-listeners-unique: flags a duplicate listener name and a repeated port/protocol/hostname", async () => {
        const stack = [...validStack(), gateway("dup", [listener("www", "a.example.com"), listener("www", "b.example.com"), listener("other", "a.example.com")])];
        const violations = await runStackPolicy(gatewayApiListeners, stack);
        assert.strictEqual(violations.length, 2, violations.join("\n"));
        assert.match(violations[0], /Gateway gateways\/dup listeners\[1\] \(www\): listener name "www" is also used by listeners\[0\]/);
        assert.match(violations[1], /listeners\[2\] \(other\): port 443, protocol HTTPS and hostname a\.example\.com repeat listeners\[0\]/);
    });

    it("gateway-api-certificate-refs: flags a missing Secret, a cross-namespace Secret without a ReferenceGrant, and an Opaque Secret", async () => {
        const stack = validStack().filter((r) => r.type !== GRANT && r.props.metadata?.name !== "www-tls");
        stack.push(gateway("more", [listener("opaque", "o.example.com")]),
            resource("kubernetes:core/v1:Secret", { metadata: { name: "opaque-tls", namespace: "gateways" }, type: "Opaque", stringData: { pem: "x" } }));
        const violations = await runStackPolicy(gatewayApiCertificateRefs, stack);
        assert.strictEqual(violations.length, 3, violations.join("\n"));
        assert.match(violations[0], /Gateway gateways\/public listeners\[0\] \(www\) certificateRefs\[0\]: Secret gateways\/www-tls is not in this stack/);
        assert.match(violations[1], /Gateway gateways\/internal .*Secret certs\/admin-tls is in another namespace and no ReferenceGrant in certs allows Gateways of gateways/);
        assert.match(violations[2], /Secret gateways\/opaque-tls is of type Opaque without tls\.crt\/tls\.key/);
    });

    it("gateway-api-httproute-parents: flags a dangling parentRef, a missing listener, a namespace not admitted and no matching hostname", async () => {
        const stack = [...validStack(),
            route("dangling", "web", [{ name: "publc", namespace: "gateways" }], ["www.example.com"]),
            route("section", "web", [{ name: "public", namespace: "gateways", sectionName: "wwww" }], ["www.example.com"]),
            route("not-admitted", "admin", [{ name: "public", namespace: "gateways", sectionName: "www" }], ["www.example.com"]),
            route("hostname", "web", [{ name: "public", namespace: "gateways", sectionName: "www" }], ["shop.example.com"]),
            route("default-ns", "web", [{ name: "internal" }], ["console.internal.example.com"])];
        const violations = await runStackPolicy(httpRouteParents, stack);
        assert.strictEqual(violations.length, 5, violations.join("\n"));
        assert.match(violations[0], /HTTPRoute web\/dangling parentRefs\[0\]: Gateway gateways\/publc is not in this stack/);
        assert.match(violations[1], /HTTPRoute web\/section parentRefs\[0\]: Gateway gateways\/public has no listener named "wwww"/);
        assert.match(violations[2], /HTTPRoute admin\/not-admitted .*admits an HTTPRoute from namespace admin \(NotAllowedByListeners/);
        assert.match(violations[3], /HTTPRoute web\/hostname .*none of the route's hostnames \(shop\.example\.com\) matches .*NoMatchingListenerHostname/);
        assert.match(violations[4], /HTTPRoute web\/default-ns parentRefs\[0\]: Gateway web\/internal is not in this stack/);
    });

    it("gateway-api-httproute-parents: allows configured external gateways and stacks without Gateway API Gateways", async () => {
        const lone = [route("r", "web", [{ name: "shared", namespace: "infra" }], ["a.example.com"])];
        assert.deepStrictEqual(await runStackPolicy(httpRouteParents, lone), []);
        const stack = [...validStack(), ...lone];
        assert.strictEqual((await runStackPolicy(httpRouteParents, stack)).length, 1);
        assert.deepStrictEqual(await runStackPolicy(httpRouteParents, stack, { externalGateways: ["infra/shared"] }), []);
    });

    it("gateway-api-metallb-address: flags an IP outside the pools and the annotation together with spec.addresses", async () => {
        const stack = [...validStack(),
            gateway("outside", [listener("o", "o.example.com")], { infrastructure: { annotations: { "metallb.io/loadBalancerIPs": "10.0.9.9" } } }),
            gateway("both", [listener("b", "b.example.com")], {
                addresses: [{ type: "IPAddress", value: "10.0.0.10" }], infrastructure: { annotations: { "metallb.io/loadBalancerIPs": "10.0.0.10" } },
            }),
            gateway("copied", [listener("c", "c.example.com")], {}, { annotations: { "metallb.io/loadBalancerIPs": "10.0.9.8" } })];
        const violations = await runStackPolicy(gatewayApiMetallbAddress, stack);
        assert.strictEqual(violations.length, 3, violations.join("\n"));
        assert.match(violations[0], /Gateway gateways\/outside: requested IP 10\.0\.9\.9 is in no IPAddressPool/);
        assert.match(violations[1], /Gateway gateways\/both: sets both the metallb\.io\/loadBalancerIPs annotation .* and spec\.addresses/);
        assert.match(violations[2], /Gateway gateways\/copied: requested IP 10\.0\.9\.8 is in no IPAddressPool/);
    });

    it("gateway-api-public-listener-admits-all: advisory; flags from: All on an unrestricted Gateway only when another is restricted", async () => {
        assert.strictEqual(publicGatewayAdmitsAll.enforcementLevel, "advisory");
        const open = gateway("open", [listener("o", "o.example.com", { allowedRoutes: { namespaces: { from: "All" } } })]);
        const [v, ...rest] = await runStackPolicy(publicGatewayAdmitsAll, [...validStack(), open]);
        assert.deepStrictEqual(rest, []);
        assert.match(v, /Gateway gateways\/open listener o: allowedRoutes\.namespaces\.from is All while gateways\/internal is restricted/);
        const unrestricted = validStack().filter((r) => !r.type.endsWith(":AuthorizationPolicy"));
        assert.deepStrictEqual(await runStackPolicy(publicGatewayAdmitsAll, [...unrestricted, open]), []);
    });

    for (const policy of [...gatewayApiPolicies, ...addonPolicies]) {
        it(`${policy.name} neither crashes nor reports when specs and secret names are unknown during preview`, async () => {
            const stack = validStack().map((r) => r.type.includes("gateway.networking.k8s.io") || r.type.endsWith(":AuthorizationPolicy")
                ? { ...r, props: unknownField(r.props, "spec") }
                : r.type.endsWith(":Secret") ? { ...r, props: unknownField(r.props, "metadata") } : r);
            assert.deepStrictEqual(await runStackPolicy(policy, stack), []);
        });
    }
});
