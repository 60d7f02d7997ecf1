import * as assert from "assert";
import {
    gatewayNoWildcardHost, gatewayPortNaming, gatewayTls, gatewayTlsHardening, gatewayValidation, metallbDeprecatedAnnotations, metallbIpRequest,
} from "../../policy/policies";
import { resource, runResourcePolicy } from "./harness";

function gateway(servers: object[], apiVersion = "v1") {
    return resource(`kubernetes:networking.istio.io/${apiVersion}:Gateway`, {
        apiVersion: `networking.istio.io/${apiVersion}`, kind: "Gateway",
        metadata: { name: "edge", namespace: "istio-ingress" },
        spec: { selector: { istio: "ingress-edge" }, servers },
    });
}
const server = (name: string | undefined, protocol: string, number = 80, extra: object = {}) =>
    ({ port: { number, protocol, ...(name === undefined ? {} : { name }) }, hosts: ["a.example.com"], ...extra });
const simpleTls = { mode: "SIMPLE", credentialName: "a-tls" };

describe("policy istio-gateway-port-naming", () => {
    for (const [name, protocol] of [["http", "HTTP"], ["http2-foo", "HTTP2"], ["https-secondary", "HTTPS"], ["grpc-web-api", "GRPC-WEB"], ["tcp-db", "TCP"]]) {
        it(`passes "${name}" on a ${protocol} server`, async () => {
            const extra = protocol === "HTTPS" ? { tls: simpleTls } : {};
            assert.deepStrictEqual(await runResourcePolicy(gatewayPortNaming, gateway([server(name, protocol, 443, extra)])), []);
        });
    }

    for (const [name, fix] of [["http2foo", "http2-foo"], ["web", "http-web"], ["https_admin", "https-admin"]]) {
        it(`fails "${name}" and suggests "${fix}"`, async () => {
            const violations = await runResourcePolicy(gatewayPortNaming, gateway([server(name, "HTTP")]));
            assert.strictEqual(violations.length, 1);
            assert.match(violations[0], new RegExp(`Gateway istio-ingress/edge servers\\[0\\] \\(port 80 "${name}"\\): port name "${name}" is not <protocol>\\[-<suffix>\\]`));
            assert.ok(violations[0].includes(`e.g. "${fix}"`), violations[0]);
        });
    }

    it("is advisory: Istio takes a server's protocol from port.protocol, not from its name", () =>
        assert.strictEqual(gatewayPortNaming.enforcementLevel, "advisory"));

    it("leaves an empty or missing name to istio-gateway-validation (Istio's webhook refuses it)", async () => {
        const gw = gateway([server("", "HTTP"), server(undefined, "HTTPS", 443, { tls: simpleTls })]);
        assert.deepStrictEqual(await runResourcePolicy(gatewayPortNaming, gw), []);
        const violations = await runResourcePolicy(gatewayValidation, gw);
        assert.strictEqual(violations.length, 2);
        for (const v of violations) assert.match(v, /port name must be set/);
    });

    it("fails a name that announces another protocol than the server's", async () => {
        const [violation] = await runResourcePolicy(gatewayPortNaming, gateway([server("https-admin", "HTTP")]));
        assert.match(violation, /port name "https-admin" announces https but the server's protocol is HTTP. Rename it to "http-admin"/);
    });

    it("applies to every served Istio apiVersion", async () => {
        for (const version of ["v1beta1", "v1alpha3"]) {
            assert.strictEqual((await runResourcePolicy(gatewayPortNaming, gateway([server("web", "HTTP")], version))).length, 1, version);
        }
    });

    it("ignores other kinds", async () => {
        const svc = resource("kubernetes:core/v1:Service", { metadata: { name: "x" }, spec: { servers: [server("web", "HTTP")] } });
        assert.deepStrictEqual(await runResourcePolicy(gatewayPortNaming, svc), []);
    });

    it("does not crash, nor judge, when a port name is unknown during preview", async () => {
        const port = new Proxy({ number: 80, protocol: "HTTP" }, {
            get(target, key) {
                if (key === "name") { const e = new Error("unknown"); e.name = "UnknownValueError"; throw e; }
                return (target as any)[key];
            },
        });
        assert.deepStrictEqual(await runResourcePolicy(gatewayPortNaming, gateway([{ port, hosts: ["a.example.com"] }])), []);
    });
});

describe("policy istio-gateway-tls (Istio's webhook TLS checks)", () => {
    it("passes HTTPS SIMPLE with a credentialName, TLS PASSTHROUGH, and HTTPS PASSTHROUGH (Istio's SNI passthrough task uses it)", async () => {
        const ok = gateway([
            server("https", "HTTPS", 443, { tls: { ...simpleTls, minProtocolVersion: "TLSV1_2" } }),
            server("tls-pass", "TLS", 8443, { tls: { mode: "PASSTHROUGH" } }),
            server("https-pass", "HTTPS", 9443, { tls: { mode: "PASSTHROUGH" } }),
            server("http", "HTTP", 80, { tls: { httpsRedirect: true } }),
        ]);
        assert.deepStrictEqual(await runResourcePolicy(gatewayTls, ok), []);
    });

    it("fails an HTTPS server without tls", async () => {
        const [v] = await runResourcePolicy(gatewayTls, gateway([server("https", "HTTPS", 443)]));
        assert.match(v, /servers\[0\] \(port 443 "https"\): server must have TLS settings for HTTPS\/TLS protocols/);
    });

    it("fails SIMPLE without a credentialName or certificate", async () => {
        const [v] = await runResourcePolicy(gatewayTls, gateway([server("https", "HTTPS", 443, { tls: { mode: "SIMPLE" } })]));
        assert.match(v, /SIMPLE TLS requires a server certificate and a private key/);
    });

    it("fails two certificate sources, MUTUAL without a CA, ISTIO_MUTUAL with a credential, TLS on a plain HTTP port", async () => {
        const violations = await runResourcePolicy(gatewayTls, gateway([
            server("https-a", "HTTPS", 443, { tls: { ...simpleTls, serverCertificate: "/c", privateKey: "/k" } }),
            server("https-b", "HTTPS", 444, { tls: { mode: "MUTUAL", serverCertificate: "/c", privateKey: "/k" } }),
            server("https-c", "HTTPS", 445, { tls: { mode: "ISTIO_MUTUAL", credentialName: "x" } }),
            server("http", "HTTP", 80, { tls: simpleTls }),
        ]));
        assert.strictEqual(violations.length, 4, violations.join("\n"));
        assert.match(violations[0], /only one of credentialName, credentialNames, serverCertificate\/privateKey, tlsCertificates/);
        assert.match(violations[1], /MUTUAL TLS requires a client CA bundle/);
        assert.match(violations[2], /ISTIO_MUTUAL TLS cannot have associated credentialName/);
        assert.match(violations[3], /server cannot have TLS settings for plain text HTTP ports/);
    });
});

describe("policy istio-gateway-tls-hardening (stricter than Istio)", () => {
    it("is advisory by default", () => assert.strictEqual(gatewayTlsHardening.enforcementLevel, "advisory"));

    it("fails a minimum TLS version below 1.2 and a missing tls.mode", async () => {
        const violations = await runResourcePolicy(gatewayTlsHardening, gateway([
            server("https", "HTTPS", 443, { tls: { ...simpleTls, minProtocolVersion: "TLSV1_1" } }),
            server("https-b", "HTTPS", 444, { tls: { credentialName: "b" } }),
        ]));
        assert.match(violations[0], /minProtocolVersion TLSV1_1 allows broken TLS versions; set TLSV1_2 or TLSV1_3/);
        assert.match(violations[1], /tls\.mode is not set, so it is PASSTHROUGH/);
    });

    it("passes TLS 1.2 with an explicit mode", async () => {
        assert.deepStrictEqual(await runResourcePolicy(gatewayTlsHardening, gateway([server("https", "HTTPS", 443, { tls: { ...simpleTls, minProtocolVersion: "TLSV1_2" } })])), []);
    });
});

describe("policy istio-gateway-no-wildcard-host", () => {
    it("is advisory by default", () => assert.strictEqual(gatewayNoWildcardHost.enforcementLevel, "advisory"));

    it("passes named hosts and wildcard subdomains", async () => {
        const gw = gateway([{ ...server("http", "HTTP"), hosts: ["a.example.com", "*.apps.example.com", "ns/b.example.com"] }]);
        assert.deepStrictEqual(await runResourcePolicy(gatewayNoWildcardHost, gw), []);
    });

    it('fails "*" and "ns/*"', async () => {
        const violations = await runResourcePolicy(gatewayNoWildcardHost, gateway([{ ...server("http", "HTTP"), hosts: ["*", "apps/*"] }]));
        assert.deepStrictEqual(violations.map((v) => v.match(/host "([^"]+)"/)![1]), ["*", "apps/*"]);
    });
});

describe("policy metallb-ip-request and metallb-deprecated-annotations", () => {
    const service = (annotations: Record<string, string>, loadBalancerIP?: string) => resource("kubernetes:core/v1:Service", {
        metadata: { name: "web", namespace: "apps", annotations },
        spec: { type: "LoadBalancer", ...(loadBalancerIP ? { loadBalancerIP } : {}), ports: [{ name: "http", port: 80 }] },
    });

    it("passes a Service that uses only the annotation", async () => {
        assert.deepStrictEqual(await runResourcePolicy(metallbIpRequest, service({ "metallb.io/loadBalancerIPs": "10.0.0.1" })), []);
    });

    it("fails a Service with both the annotation and spec.loadBalancerIP", async () => {
        const [v] = await runResourcePolicy(metallbIpRequest, service({ "metallb.io/loadBalancerIPs": "10.0.0.1" }, "10.0.0.1"));
        assert.match(v, /Service apps\/web: sets both the metallb\.io\/loadBalancerIPs annotation \("10\.0\.0\.1"\) and spec\.loadBalancerIP/);
    });

    it("fails the same mistake in Istio gateway chart values", async () => {
        const chart = resource("kubernetes:helm.sh/v4:Chart", {
            name: "istio-ingress-edge", chart: "gateway", namespace: "istio-ingress",
            values: { service: { annotations: { "metallb.io/loadBalancerIPs": "10.0.0.1" }, loadBalancerIP: "10.0.0.1" } },
        });
        const [v] = await runResourcePolicy(metallbIpRequest, chart);
        assert.match(v, /Service istio-ingress\/istio-ingress-edge \(gateway chart\): sets both/);
    });

    it("flags deprecated metallb.universe.tf annotations, as advisory", async () => {
        assert.strictEqual(metallbDeprecatedAnnotations.enforcementLevel, "advisory");
        const [v] = await runResourcePolicy(metallbDeprecatedAnnotations, service({ "metallb.universe.tf/loadBalancerIPs": "10.0.0.1" }));
        assert.match(v, /annotation metallb\.universe\.tf\/loadBalancerIPs is deprecated; use metallb\.io\/loadBalancerIPs/);
        assert.deepStrictEqual(await runResourcePolicy(metallbDeprecatedAnnotations, service({ "metallb.io/loadBalancerIPs": "10.0.0.1" })), []);
    });
});


describe("the pack's policies", () => {
    it("each has a unique name, a description with a fix, a severity and an enforcement level", async () => {
        const { allPolicies } = await import("../../policy/policies");
        const names = allPolicies.map((p) => p.name);
        assert.strictEqual(new Set(names).size, names.length);
        assert.strictEqual(names.length, 34);
        for (const p of allPolicies) {
            assert.match(p.description, /Fix:/, p.name);
            assert.ok(p.severity, p.name);
            assert.ok(["advisory", "mandatory"].includes(p.enforcementLevel!), p.name);
        }
    });
});
