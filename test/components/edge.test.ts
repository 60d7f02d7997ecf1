import * as assert from "assert";
import { StackConfig } from "../../config";
import { Evaluation, RegisteredResource, isSecretValue, resolve, reveal } from "../helpers/mocks";
import { EdgeOutputs, T, chartByRelease, evaluateEdge, evaluateStackEdge, gatewayChartPodLabels, gatewayCharts, matchCovers, selects } from "../helpers/edge";
import { STACKS, editedConfig, stackConfig } from "../helpers/stacks";

import { parseStackConfig } from "../../config";
import { addonHosts, withAddonRoutes } from "../../model/addons";
import { parsePortName } from "../../policy/lib/istio";

/** Istio's port-naming rule, from the policy pack. */
const validPortName = (name: string) => parsePortName(name) !== undefined;

for (const stack of STACKS) {
    describe(`the edge for Pulumi.${stack}.yaml`, () => {
        let config: StackConfig;
        let ev: Evaluation<EdgeOutputs>;
        before(async () => {
            // What the gateways serve: the configured hosts and routes, and the addon hosts with their routes.
            config = withAddonRoutes(stackConfig(stack));
            ev = await evaluateStackEdge(stack);
        });

        const dependsOn = (r: RegisteredResource, on: RegisteredResource) => ev.transitiveDependencies(r.urn).has(on.urn);

        it("installs MetalLB pinned, in a namespace that allows privileged pods, with FRR-K8s exactly when BGP is used", () => {
            const ns = ev.ofType(T.namespace).find((n) => n.inputs.metadata.name === config.metallb.namespace)!;
            assert.strictEqual(ns.inputs.metadata.labels["pod-security.kubernetes.io/enforce"], "privileged");
            const chart = chartByRelease(ev, "metallb");
            assert.strictEqual(chart.inputs.version, config.metallb.version);
            assert.strictEqual(chart.inputs.namespace, config.metallb.namespace);
            assert.strictEqual(chart.inputs.repositoryOpts.repo, "https://metallb.github.io/metallb");
            const bgp = config.metallb.pools.some((p) => p.advertise?.bgp);
            assert.strictEqual(chart.inputs.values.frrk8s.enabled, bgp);
            assert.strictEqual(chart.inputs.values.speaker.frr.enabled, false, "FRR mode is deprecated: never");
            assert.ok(dependsOn(chart, ns));
        });

        it("creates one IPAddressPool per pool, after the MetalLB chart, and announces each as its config says", () => {
            const chart = chartByRelease(ev, "metallb");
            const pools = ev.ofType(T.pool);
            assert.deepStrictEqual(pools.map((p) => p.inputs.metadata.name).sort(), config.metallb.pools.map((p) => p.name).sort());
            for (const pool of pools) {
                const want = config.metallb.pools.find((p) => p.name === pool.inputs.metadata.name)!;
                assert.deepStrictEqual(pool.inputs.spec.addresses, want.addresses);
                assert.strictEqual(pool.inputs.spec.autoAssign, want.autoAssign);
                assert.strictEqual(pool.inputs.metadata.namespace, config.metallb.namespace);
                assert.ok(pool.dependencies.includes(chart.urn), `${pool.name} must wait for the MetalLB chart (CRDs, webhook)`);
            }
            // Each pool is named by exactly one advertisement of each way it is announced, and by no other.
            for (const [type, mode] of [[T.l2, "l2"], [T.bgpAdvertisement, "bgp"]] as const) {
                const advertisements = ev.ofType(type);
                for (const pool of config.metallb.pools) {
                    const naming = advertisements.filter((a) => a.inputs.spec.ipAddressPools.includes(pool.name));
                    assert.strictEqual(naming.length, pool.advertise?.[mode] ? 1 : 0, `${mode} advertisements of pool ${pool.name}`);
                    const want = pool.advertise?.[mode];
                    if (mode === "l2" && want && "interfaces" in want && want.interfaces.length > 0) assert.deepStrictEqual(naming[0].inputs.spec.interfaces, want.interfaces);
                }
                for (const a of advertisements) {
                    assert.ok(dependsOn(a, chart), `${a.name} after the chart`);
                    for (const name of a.inputs.spec.ipAddressPools) assert.ok(dependsOn(a, pools.find((p) => p.inputs.metadata.name === name)!), `${a.name} after pool ${name}`);
                }
            }
        });

        it("opens a BGP session per configured peer, its BFD profile first", () => {
            const peers = ev.ofType(T.bgpPeer);
            const configured = config.metallb.bgp?.peers ?? [];
            assert.deepStrictEqual(peers.map((p) => p.inputs.spec.peerAddress).sort(), configured.map((p) => p.address).sort());
            for (const peer of peers) {
                const want = configured.find((p) => p.address === peer.inputs.spec.peerAddress)!;
                assert.deepStrictEqual([peer.inputs.spec.myASN, peer.inputs.spec.peerASN], [config.metallb.bgp!.localASN, want.asn]);
                assert.strictEqual(peer.inputs.spec.password, undefined, "a password only ever through passwordSecret");
                const bfd = ev.ofType(T.bfdProfile).find((b) => b.inputs.metadata.name === peer.inputs.spec.bfdProfile);
                assert.strictEqual(!!bfd, !!want.bfd, `${peer.name}: a BFD profile exactly when bfd is set`);
                if (bfd) assert.ok(dependsOn(peer, bfd), "MetalLB refuses a peer whose BFD profile does not exist yet");
                // Every gateway Service waits for the peers: an address nobody announces yet answers nothing.
                for (const gw of gatewayCharts(ev)) assert.ok(dependsOn(gw, peer), `${gw.inputs.name} after ${peer.name}`);
            }
        });

        it("installs Istio base → istiod → gateways, pinned to one version", () => {
            const base = chartByRelease(ev, "istio-base");
            const istiod = chartByRelease(ev, "istiod");
            assert.ok(dependsOn(istiod, base), "istiod after base");
            assert.ok(!dependsOn(base, istiod));
            for (const chart of [base, istiod, ...gatewayCharts(ev)]) {
                assert.strictEqual(chart.inputs.version, config.istio.version);
                assert.strictEqual(chart.inputs.repositoryOpts.repo, config.istio.repository);
            }
            assert.strictEqual(istiod.inputs.values.pilot.replicaCount, config.istio.istiod.replicas);
            assert.deepStrictEqual(istiod.inputs.values.pilot.resources, config.istio.istiod.resources);
            for (const gw of gatewayCharts(ev)) {
                assert.ok(dependsOn(gw, istiod), `${gw.inputs.name} after istiod`);
                for (const pool of ev.ofType(T.pool)) {
                    assert.ok(dependsOn(gw, pool), `${gw.inputs.name} after pool ${pool.inputs.metadata.name}: its Service waits for an IP`);
                }
            }
        });

        it("gives each gateway Service its own IP through MetalLB's annotation, not spec.loadBalancerIP", () => {
            for (const gw of config.gateways) {
                const chart = chartByRelease(ev, `istio-ingress-${gw.name}`);
                const service = chart.inputs.values.service;
                assert.strictEqual(service.type, "LoadBalancer");
                assert.strictEqual(service.annotations["metallb.io/loadBalancerIPs"], gw.ips.join(","));
                assert.ok(!service.loadBalancerIP, "spec.loadBalancerIP together with the annotation is rejected by MetalLB");
                assert.strictEqual(chart.inputs.namespace, config.istio.gatewayNamespace);
                assert.strictEqual(chart.inputs.values.replicaCount, gw.replicas);
                for (const port of service.ports) {
                    assert.match(port.name, /^status-port$|^(http|http2|https|tcp|tls)(-|$)/, `Service port ${port.name}`);
                }
            }
        });

        it("gives every Gateway a selector that matches exactly one gateway's pods", () => {
            const charts = gatewayCharts(ev);
            const gateways = ev.ofType(T.gateway);
            assert.strictEqual(gateways.length, config.gateways.length);
            for (const gateway of gateways) {
                const matching = charts.filter((c) => selects(gateway.inputs.spec.selector, gatewayChartPodLabels(c)));
                assert.strictEqual(matching.length, 1, `${gateway.inputs.metadata.name} selects ${matching.length} gateways`);
                assert.strictEqual(matching[0].inputs.namespace, gateway.inputs.metadata.namespace);
            }
        });

        it("serves HTTP on 80 (redirecting to HTTPS) and HTTPS on 443, with valid, unique port names", () => {
            const names = new Set<string>();
            for (const gateway of ev.ofType(T.gateway)) {
                const gw = config.gateways.find((g) => `${g.name}-gateway` === gateway.inputs.metadata.name)!;
                const servers = gateway.inputs.spec.servers as any[];
                const http = servers.filter((s) => s.port.protocol === "HTTP");
                assert.strictEqual(http.length, 1);
                assert.strictEqual(http[0].port.number, 80);
                assert.deepStrictEqual(http[0].hosts, gw.hosts);
                assert.strictEqual(http[0].tls?.httpsRedirect === true, gw.httpsRedirect);
                const https = servers.filter((s) => s.port.protocol === "HTTPS");
                assert.deepStrictEqual(https.flatMap((s) => s.hosts).sort(), [...gw.hosts].sort(), "every host is served over HTTPS exactly once");
                for (const server of servers) {
                    assert.ok(validPortName(server.port.name), server.port.name);
                    assert.ok(server.port.name.startsWith(server.port.protocol.toLowerCase()), `${server.port.name} names its protocol`);
                    assert.ok(!names.has(server.port.name), `port name ${server.port.name} is used twice`);
                    names.add(server.port.name);
                }
                for (const server of https) {
                    assert.strictEqual(server.port.number, 443);
                    assert.strictEqual(server.tls.mode, "SIMPLE");
                    assert.strictEqual(server.tls.minProtocolVersion, gw.minTlsVersion);
                }
            }
        });

        it("points every credentialName at a TLS secret in the gateway pods' namespace, created first", () => {
            const secrets = ev.ofType(T.secret);
            for (const gateway of ev.ofType(T.gateway)) {
                const podNamespace = gatewayCharts(ev).find((c) => selects(gateway.inputs.spec.selector, gatewayChartPodLabels(c)))!.inputs.namespace;
                for (const server of gateway.inputs.spec.servers.filter((s: any) => s.tls?.credentialName)) {
                    const secret = secrets.filter((s) =>
                        s.inputs.metadata.name === server.tls.credentialName && s.inputs.metadata.namespace === podNamespace);
                    assert.strictEqual(secret.length, 1, `secret ${podNamespace}/${server.tls.credentialName}`);
                    assert.strictEqual(secret[0].inputs.type, "kubernetes.io/tls");
                    assert.ok(dependsOn(gateway, secret[0]), `${gateway.name} after ${secret[0].name}`);
                }
                assert.ok(dependsOn(gateway, chartByRelease(ev, "istiod")), "Gateways after istiod (validating webhook, CRDs)");
            }
        });

        it("issues each certificate for exactly the hosts of the server that uses it, signed by the CA", async () => {
            const [ca] = ev.ofType(T.selfSigned);
            assert.strictEqual(ca.inputs.isCaCertificate, true);
            assert.strictEqual(ca.inputs.subject.commonName, config.pki.caCommonName);
            for (const gateway of ev.ofType(T.gateway)) {
                for (const server of gateway.inputs.spec.servers.filter((s: any) => s.tls?.credentialName)) {
                    const secret = ev.ofType(T.secret).find((s) => s.inputs.metadata.name === server.tls.credentialName)!;
                    // Follow the data: secret's tls.crt ← signed cert ← its CSR.
                    assert.ok(isSecretValue(secret.inputs.stringData), "the secret's data reaches the engine marked secret");
                    const data = reveal(secret.inputs.stringData);
                    assert.deepStrictEqual(Object.keys(data).sort(), ["tls.crt", "tls.key"]);
                    const leaf = ev.ofType(T.leafCert).find((c) => data["tls.crt"].includes(`mock-leaf-${c.name}`))!;
                    const key = ev.ofType(T.privateKey).find((k) => data["tls.key"].includes(`mock-${k.name}\n`))!;
                    const csr = ev.ofType(T.certRequest).find((r) => leaf.inputs.certRequestPem === `mock-csr-${r.name}`)!;
                    assert.ok(reveal(csr.inputs.privateKeyPem).includes(`mock-${key.name}\n`), "tls.key is the key the certificate was requested for");
                    assert.deepStrictEqual(csr.inputs.dnsNames, server.hosts);
                    assert.strictEqual(csr.inputs.subject.commonName, server.hosts[0]);
                    assert.strictEqual(leaf.inputs.caCertPem, `-----BEGIN CERTIFICATE-----\nmock-ca-${ca.name}\n-----END CERTIFICATE-----\n`);
                    assert.strictEqual(leaf.inputs.validityPeriodHours, config.pki.validityHours);
                    assert.strictEqual(leaf.inputs.earlyRenewalHours, config.pki.earlyRenewalHours);
                    assert.ok(leaf.inputs.allowedUses.includes("server_auth"));
                }
            }
            const caPem = await resolve(ev.result.caCertificatePem);
            assert.match(caPem, /mock-ca-/);
        });

        it("binds one VirtualService per host to its own Gateway as <namespace>/<name>", () => {
            const gateways = ev.ofType(T.gateway);
            const seenHosts = new Set<string>();
            for (const vs of ev.ofType(T.virtualService)) {
                assert.strictEqual(vs.inputs.spec.gateways.length, 1);
                const [ref] = vs.inputs.spec.gateways as string[];
                const [ns, name] = ref.split("/");
                const target = gateways.find((g) => g.inputs.metadata.namespace === ns && g.inputs.metadata.name === name);
                assert.ok(target, `${vs.inputs.metadata.name} refers to missing Gateway ${ref}`);
                const gatewayHosts = target.inputs.spec.servers.flatMap((s: any) => s.hosts);
                for (const host of vs.inputs.spec.hosts) {
                    assert.ok(gatewayHosts.includes(host), `${host} is not a host of ${ref}`);
                    assert.ok(!seenHosts.has(`${ref} ${host}`), `two VirtualServices for ${host} on ${ref}: their order would be undefined`);
                    seenHosts.add(`${ref} ${host}`);
                }
                // Bound by name: Istio needs only its CRDs and webhook, not the Gateway, to exist first;
                // an addon UI's route waits for its Gateway all the same.
                assert.ok(dependsOn(vs, chartByRelease(ev, "istiod")), `${vs.name} after istiod`);
                const addonRoute = addonHosts(config).some((a) => vs.inputs.spec.hosts.includes(a.host));
                assert.strictEqual(dependsOn(vs, target), addonRoute, `${vs.name} ${addonRoute ? "must" : "need not"} wait for ${ref}`);
            }
            const routedHosts = config.gateways.flatMap((g) => g.hosts.filter((h) => g.routes.some((r) => r.hosts.includes(h))));
            assert.strictEqual(seenHosts.size, routedHosts.length, "every host with routes has its VirtualService");
        });

        it("orders routes so that no rule is shadowed by an earlier one", () => {
            for (const vs of ev.ofType(T.virtualService)) {
                const matches = (vs.inputs.spec.http as any[]).map((rule) => rule.match[0]);
                matches.forEach((later, j) => matches.slice(0, j).forEach((earlier) => {
                    assert.ok(!matchCovers(earlier, later), `${vs.inputs.metadata.name}: ${JSON.stringify(later)} is unreachable after ${JSON.stringify(earlier)}`);
                }));
            }
        });

        it("routes to each configured destination by its in-cluster name", () => {
            for (const gw of config.gateways) {
                for (const route of gw.routes) {
                    for (const host of route.hosts) {
                        const vs = ev.ofType(T.virtualService).find((v) => v.inputs.spec.hosts.includes(host))!;
                        const rule = vs.inputs.spec.http.find((r: any) => r.name === route.name);
                        assert.ok(rule, `route ${route.name} on ${host}`);
                        assert.deepStrictEqual(rule.match, [{ uri: { [route.match.kind]: route.match.path } }]);
                        assert.deepStrictEqual(rule.route[0].destination, {
                            host: `${route.destination.host}.${route.destination.namespace}.svc.cluster.local`,
                            port: { number: route.destination.port },
                        });
                    }
                }
            }
        });

        it("exports IPs, URLs, curl checks and /etc/hosts lines a person can use", () => {
            for (const gw of config.gateways) {
                const out = ev.result.gateways[gw.name];
                assert.strictEqual(out.ip, gw.ips[0]);
                assert.deepStrictEqual(out.hosts, gw.hosts);
                assert.strictEqual(out.urls.length, gw.hosts.length);
                out.curl.forEach((line: string, i: number) => {
                    const url = out.urls[i];
                    const host = new URL(url).hostname;
                    assert.ok(url.startsWith("https://"));
                    assert.ok(line.includes(`--resolve ${host}:443:${gw.ips[0]} `), line);
                    assert.ok(line.includes("--cacert ca.crt"), line);
                    assert.ok(!/\s-k(\s|$)|--insecure/.test(line));
                    assert.ok(line.endsWith(url));
                });
                const plainHosts = gw.hosts.filter((h) => !h.startsWith("*."));
                assert.ok(ev.result.etcHosts.includes([gw.ips[0], ...plainHosts].join(" ")));
            }
        });
    });
}

describe("the edge: stack differences and variants", () => {
    it("deploys the sample apps only when samples is on, in a namespace with sidecar injection", async () => {
        const dev = await evaluateStackEdge("dev");
        const ns = dev.ofType(T.namespace).find((n) => n.inputs.metadata.name === "samples");
        assert.strictEqual(ns?.inputs.metadata.labels["istio-injection"], "enabled");
        const services = dev.ofType(T.service).filter((s) => s.inputs.metadata.namespace === "samples").map((s) => s.inputs.metadata.name).sort();
        assert.deepStrictEqual(services, ["helloworld", "helloworld2", "httpbin"]);
        for (const svc of dev.ofType(T.service)) {
            for (const port of svc.inputs.spec.ports) assert.ok(validPortName(port.name), port.name);
        }
        const prod = await evaluateStackEdge("prod");
        // (prod's one Deployment is the tracing addon's, beside istiod)
        assert.deepStrictEqual(prod.ofType(T.deployment).map((d) => d.inputs.metadata.namespace), ["istio-system"]);
        assert.ok(!prod.ofType(T.namespace).some((n) => n.inputs.metadata.name === "samples"));
    });

    it("sizes the control plane for a laptop in dev and for HA in prod", async () => {
        const dev = chartByRelease(await evaluateStackEdge("dev"), "istiod");
        const prod = chartByRelease(await evaluateStackEdge("prod"), "istiod");
        assert.strictEqual(dev.inputs.values.pilot.replicaCount, 1);
        assert.ok(prod.inputs.values.pilot.replicaCount >= 2);
        assert.strictEqual(prod.inputs.values.global.defaultPodDisruptionBudget.enabled, true);
        const prodGateways = gatewayCharts(await evaluateStackEdge("prod"));
        for (const gw of prodGateways) {
            assert.ok(gw.inputs.values.replicaCount >= 2);
            assert.deepStrictEqual(gw.inputs.values.podDisruptionBudget, { minAvailable: 1 });
        }
    });

    it("with certificatePer: gateway, issues one certificate per gateway holding all its hosts", async () => {
        const config = parseStackConfig(editedConfig("dev", (raw) => { raw.pki.certificatePer = "gateway"; }));
        const ev = await evaluateEdge(config);
        assert.strictEqual(ev.ofType(T.secret).filter((s) => s.inputs.type === "kubernetes.io/tls").length, config.gateways.length);
        const primary = ev.ofType(T.gateway).find((g) => g.inputs.metadata.name === "primary-gateway")!;
        const https = primary.inputs.spec.servers.filter((s: any) => s.port.protocol === "HTTPS");
        assert.strictEqual(https.length, 1);
        assert.deepStrictEqual(https[0].hosts, ["microk8s.local", "microk8s-alt.local"]);
        const csr = ev.ofType(T.certRequest).find((r) => r.inputs.dnsNames.includes("microk8s.local"))!;
        assert.deepStrictEqual(csr.inputs.dnsNames, ["microk8s.local", "microk8s-alt.local"]);
    });

    it("uses the configured key algorithm for the CA and every leaf", async () => {
        const ecdsa = await evaluateStackEdge("dev");
        for (const key of ecdsa.ofType(T.privateKey)) {
            assert.deepStrictEqual([key.inputs.algorithm, key.inputs.ecdsaCurve], ["ECDSA", "P256"]);
        }
        const rsa = await evaluateEdge(parseStackConfig(editedConfig("dev", (raw) => { raw.pki.keyAlgorithm = "RSA-3072"; })));
        for (const key of rsa.ofType(T.privateKey)) {
            assert.deepStrictEqual([key.inputs.algorithm, key.inputs.rsaBits], ["RSA", 3072]);
        }
    });

    it("leaves the HTTP server without a redirect when httpsRedirect is off", async () => {
        const ev = await evaluateEdge(parseStackConfig(editedConfig("dev", (raw) => { raw.gateways[0].httpsRedirect = false; })));
        const primary = ev.ofType(T.gateway).find((g) => g.inputs.metadata.name === "primary-gateway")!;
        const http = primary.inputs.spec.servers.find((s: any) => s.port.protocol === "HTTP");
        assert.strictEqual(http.tls, undefined);
    });

    it("orders a catch-all after specific routes whatever the config order", async () => {
        const ev = await evaluateEdge(parseStackConfig(editedConfig("dev", (raw) => {
            raw.gateways[0].routes.reverse();
            raw.gateways[0].routes.push({ name: "api", match: { prefix: "/api" }, destination: { host: "api", port: 80 } });
        })));
        const vs = ev.ofType(T.virtualService).find((v) => v.inputs.spec.hosts[0] === "microk8s.local")!;
        assert.deepStrictEqual(vs.inputs.spec.http.map((r: any) => r.name), ["hello", "api", "httpbin"]);
    });

    it("brackets IPv6 gateway addresses in curl --resolve", async () => {
        const ev = await evaluateEdge(parseStackConfig({
            metallb: { pools: [{ name: "v6", addresses: ["fd00::/120"] }] },
            gateways: [{ name: "edge", ip: "fd00::10", hosts: ["a.example.com"] }],
        }));
        assert.ok(ev.result.gateways.edge.curl[0].includes("--resolve a.example.com:443:[fd00::10] "));
    });

    it("gives wildcard hosts a usable URL and leaves them out of /etc/hosts", async () => {
        const ev = await evaluateStackEdge("prod");
        const secondary = ev.result.gateways.secondary;
        assert.ok(secondary.urls.includes("https://demo.tools.internal.example.com/"));
        const line = ev.result.etcHosts.find((l: string) => l.startsWith("10.20.0.11 "))!;
        assert.ok(!line.includes("*"));
    });
});
