// Gateway API mode under mocks: both committed stacks, every Gateway API object against the v1.5.1
// CRD schemas, the same hosts, IPs, certificates and routes as Istio mode, and the order of things.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Edge } from "../../components/edge";
import { serverSideApplyProblems } from "../../components/gatewayApiCrds";
import { parse } from "yaml";
import { parseStackConfig } from "../../config";
import { destinationHost } from "../../model/hosts";
import { METALLB_IP_ANNOTATION } from "../../model/values";
import { EdgeOutputs, T, argsFromSpec, evaluateEdge, evaluateStackEdge, gatewayCharts } from "../helpers/edge";
import { GA, evaluateGatewayApiStack, gatewayApiStackConfig } from "../helpers/gatewayApi";
import { Evaluation, RegisteredResource, evaluate, reveal } from "../helpers/mocks";
import { gatewayApiObjectErrors, istioObjectErrors } from "../helpers/schemas";
import { stackConfig } from "../helpers/stacks";

const byName = (resources: RegisteredResource[], name: string) => resources.find((r) => r.inputs.metadata?.name === name)!;

for (const stack of ["dev", "prod"]) {
    describe(`gateway-api mode: the edge for Pulumi.${stack}.yaml`, () => {
        let ev: Evaluation<EdgeOutputs>;
        let istio: Evaluation<EdgeOutputs>;
        const config = () => gatewayApiStackConfig(stack);
        before(async () => {
            // One at a time: each evaluation installs the process-wide mocks.
            ev = await evaluateGatewayApiStack(stack);
            istio = await evaluateStackEdge(stack);
        });
        const dependsOn = (r: RegisteredResource, on: RegisteredResource) => ev.transitiveDependencies(r.urn).has(on.urn);

        it("builds the gateways with Gateway API objects only: no Istio Gateway, VirtualService or gateway chart", () => {
            assert.strictEqual(ev.ofType(T.gateway).length, 0);
            assert.strictEqual(ev.ofType(T.virtualService).length, 0);
            assert.deepStrictEqual(gatewayCharts(ev), []);
            assert.deepStrictEqual(ev.ofType(GA.gateway).map((g) => g.inputs.metadata.name), config().gateways.map((g) => g.name));
            assert.strictEqual(ev.ofType(GA.component).length, config().gateways.length);
        });

        it("validates every Gateway API object against the v1.5.1 CRD schemas, and the AuthorizationPolicies against Istio's", async () => {
            const objects = ev.resources.filter((r) => r.type.startsWith("kubernetes:gateway.networking.k8s.io/"));
            assert.ok(objects.length >= 6);
            for (const object of objects) assert.deepStrictEqual(gatewayApiObjectErrors(reveal(object.inputs)), [], object.name);
            for (const policy of ev.ofType(T.authorizationPolicy)) assert.deepStrictEqual(await istioObjectErrors(policy.inputs as any), [], policy.name);
        });

        it("serves the same hosts on the same IPs with the same certificates and outputs as Istio mode", () => {
            assert.deepStrictEqual(ev.result.gateways, istio.result.gateways);
            assert.deepStrictEqual(ev.result.etcHosts, istio.result.etcHosts);
            const secrets = (e: Evaluation<unknown>) => e.ofType(T.secret).map((s) => [s.name, s.inputs.metadata]);
            assert.deepStrictEqual(secrets(ev), secrets(istio));
        });

        it("routes every host as its VirtualService does: same matches in the same order, to the same Service and port", () => {
            const viaIstio = istio.ofType(T.virtualService).flatMap((vs) => vs.inputs.spec.http.map((h: any) => [
                vs.inputs.spec.hosts[0], Object.keys(h.match[0].uri)[0], Object.values(h.match[0].uri)[0], h.route[0].destination.host, h.route[0].destination.port.number]));
            const viaGatewayApi = ev.ofType(GA.httpRoute).filter((r) => r.inputs.spec.rules[0].backendRefs).flatMap((r) => r.inputs.spec.rules.map((rule: any) => {
                const b = rule.backendRefs[0];
                return [r.inputs.spec.hostnames[0], rule.matches[0].path.type === "Exact" ? "exact" : "prefix", rule.matches[0].path.value,
                    destinationHost({ destination: { host: b.name, namespace: b.namespace, port: b.port } }), b.port];
            }));
            assert.ok(viaIstio.length >= 3);
            // Per host the order matters (it is checked in the plan's tests); across hosts only the set.
            const byHost = (rows: unknown[][]) => [...rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])) || 0);
            assert.deepStrictEqual(byHost(viaGatewayApi), byHost(viaIstio));
        });

        it("gives each Gateway class istio, an http listener and one HTTPS listener per host with its own TLS secret, admitting routes of its namespace only", () => {
            for (const gw of config().gateways) {
                const gateway = byName(ev.ofType(GA.gateway), gw.name);
                const spec = gateway.inputs.spec;
                assert.strictEqual(spec.gatewayClassName, "istio");
                assert.deepStrictEqual(spec.listeners.map((l: any) => [l.port, l.protocol]), [[80, "HTTP"], ...spec.listeners.slice(1).map(() => [443, "HTTPS"])]);
                const https = spec.listeners.slice(1);
                assert.deepStrictEqual(https.map((l: any) => l.hostname), ev.result.edge.plan.gateways.find((p) => p.spec.name === gw.name)!.spec.hosts);
                for (const l of https) {
                    assert.strictEqual(l.tls.mode, "Terminate");
                    const secret = byName(ev.ofType(T.secret), l.tls.certificateRefs[0].name);
                    assert.ok(secret, `${l.name}: no secret ${l.tls.certificateRefs[0].name}`);
                    assert.strictEqual(secret.inputs.metadata.namespace, gateway.inputs.metadata.namespace);
                    assert.ok(dependsOn(gateway, secret), `Gateway ${gw.name} waits for ${secret.name}`);
                }
                for (const l of spec.listeners) assert.deepStrictEqual(l.allowedRoutes.namespaces, { from: "Same" });
                for (const route of ev.ofType(GA.httpRoute).filter((r) => r.inputs.spec.parentRefs[0].name === gw.name)) {
                    assert.strictEqual(route.inputs.metadata.namespace, gateway.inputs.metadata.namespace);
                    for (const ref of route.inputs.spec.parentRefs) assert.ok(spec.listeners.some((l: any) => l.name === ref.sectionName), ref.sectionName);
                }
            }
        });

        it("pins each IP through spec.infrastructure.annotations (never spec.addresses), and sizes the gateway through its parametersRef ConfigMap", () => {
            for (const gw of config().gateways) {
                const gateway = byName(ev.ofType(GA.gateway), gw.name);
                const spec = gateway.inputs.spec;
                assert.strictEqual(spec.addresses, undefined);
                assert.deepStrictEqual(spec.infrastructure.annotations, { [METALLB_IP_ANNOTATION]: gw.ips.join(",") });
                const options = byName(ev.ofType(GA.configMap), spec.infrastructure.parametersRef.name);
                assert.deepStrictEqual(spec.infrastructure.parametersRef, { group: "", kind: "ConfigMap", name: options.inputs.metadata.name });
                assert.ok(gateway.dependencies.includes(options.urn), "istiod reads the overlays when it renders the gateway");
                const data = Object.fromEntries(Object.entries(options.inputs.data).map(([k, v]) => [k, parse(v as string)])) as any;
                assert.strictEqual(data.deployment.spec.replicas, gw.autoscaling ? undefined : gw.replicas);
                assert.strictEqual(data.horizontalPodAutoscaler?.spec.maxReplicas, gw.autoscaling?.maxReplicas);
                assert.strictEqual(data.podDisruptionBudget !== undefined, gw.replicas > 1);
                assert.deepStrictEqual(data.deployment.spec.template.spec.containers[0].resources, gw.resources);
                assert.deepStrictEqual(data.service.spec.loadBalancerSourceRanges, gw.allowedSourceRanges);
                assert.strictEqual(data.service.spec.externalTrafficPolicy, gw.externalTrafficPolicy);
                const policy = ev.ofType(T.authorizationPolicy).find((p) => p.inputs.spec.targetRefs?.[0]?.name === gw.name);
                assert.strictEqual(policy !== undefined, gw.allowedSourceRanges !== undefined);
                if (policy) assert.deepStrictEqual(policy.inputs.spec.rules[0].from[0].source.remoteIpBlocks, gw.allowedSourceRanges);
            }
        });

        it("installs the CRDs from the pinned release manifest before istiod, and creates Gateway API objects after them", () => {
            const [component] = ev.ofType(GA.crds);
            const crds = ev.ofType(GA.crd).filter((c) => c.parent === component.urn);
            assert.deepStrictEqual(crds.map((c) => c.inputs.metadata.name).sort(), [
                "backendtlspolicies", "gatewayclasses", "gateways", "grpcroutes", "httproutes", "listenersets", "referencegrants", "tlsroutes",
            ].map((n) => `${n}.gateway.networking.k8s.io`));
            const afterCrds = (r: RegisteredResource) => crds.every((c) => dependsOn(r, c));
            const istiod = ev.ofType(T.chart).find((c) => c.inputs.name === "istiod")!;
            assert.ok(afterCrds(istiod), "istiod after the CRDs");
            for (const object of ev.resources.filter((r) => r.type.startsWith("kubernetes:gateway.networking.k8s.io/"))) {
                assert.ok(afterCrds(object), `${object.name} after the CRDs`);
            }
            for (const route of ev.ofType(GA.httpRoute)) {
                for (const b of route.inputs.spec.rules.flatMap((r: any) => r.backendRefs ?? []).filter((b: any) => b.namespace !== route.inputs.metadata.namespace)) {
                    const grants = ev.ofType(GA.referenceGrant).filter((g) => g.inputs.metadata.namespace === b.namespace && g.inputs.spec.to.some((t: any) => t.name === b.name));
                    assert.ok(grants.some((g) => route.dependencies.includes(g.urn)), `${route.name} after the grant of ${b.namespace}/${b.name}`);
                }
            }
        });

        it("keeps the CRDs and the release's admission policy when they leave (retainOnDelete), under the names a 0.x ConfigFile gave them", () => {
            const [component] = ev.ofType(GA.crds);
            const objects = ev.resources.filter((r) => r.parent === component.urn);
            assert.strictEqual(objects.length, 10, "8 CRDs, the ValidatingAdmissionPolicy and its binding");
            for (const o of objects) assert.strictEqual(o.retainOnDelete, true, o.name);
            // yaml/v2 named a ConfigFile's children "<ConfigFile name>:<object name>", as children of the ConfigFile.
            const gateways = objects.find((o) => o.inputs.metadata.name === "gateways.gateway.networking.k8s.io")!;
            assert.deepStrictEqual(gateways.aliases, ["urn:pulumi:test::istio-metallb-ingress::istio-metallb-ingress:index:Edge$istio-metallb-ingress:gatewayapi:GatewayApiCrds" +
                "$kubernetes:yaml/v2:ConfigFile$kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition::edge-gateway-api-crds-manifest:gateways.gateway.networking.k8s.io"]);
        });

        it("grants every cross-namespace backend, and waits for the backend's namespace where the program creates it", () => {
            const namespaces = new Map(ev.ofType(T.namespace).map((n) => [n.inputs.metadata.name, n]));
            for (const route of ev.ofType(GA.httpRoute)) {
                for (const b of route.inputs.spec.rules.flatMap((r: any) => r.backendRefs ?? [])) {
                    if (b.namespace === route.inputs.metadata.namespace) continue;
                    const grant = ev.ofType(GA.referenceGrant).find((g) => g.inputs.metadata.namespace === b.namespace &&
                        g.inputs.spec.from.some((f: any) => f.kind === "HTTPRoute" && f.namespace === route.inputs.metadata.namespace) &&
                        g.inputs.spec.to.some((t: any) => t.kind === "Service" && t.name === b.name));
                    assert.ok(grant, `${route.name} → ${b.namespace}/${b.name} has no ReferenceGrant`);
                    const ns = namespaces.get(b.namespace);
                    if (ns) assert.ok(dependsOn(grant, ns), `${grant.name} waits for namespace ${b.namespace}`);
                }
            }
        });
    });
}

describe("gateway-api mode: variants", () => {
    it("refuses, before any resource, a Kubernetes provider without server-side apply when it would install the CRDs", async () => {
        assert.deepStrictEqual(serverSideApplyProblems(undefined), []);
        assert.match(serverSideApplyProblems(false)[0], /^kubernetes:enableServerSideApply: false, but the Gateway API CRDs must be applied server-side.*gatewayApi\.crds\.manage to false/);
        pulumi.runtime.setConfig("kubernetes:enableServerSideApply", "false");
        try {
            let error: unknown;
            const ev = await evaluate(() => {
                try {
                    new Edge("edge", argsFromSpec(gatewayApiStackConfig("dev")));
                } catch (err) {
                    error = err;
                }
            });
            assert.match(String(error), /Invalid args of Edge edge \(1 problem\):\n {2}- kubernetes:enableServerSideApply: false/);
            assert.deepStrictEqual(ev.resources, []);
        } finally {
            pulumi.runtime.setConfig("kubernetes:enableServerSideApply", "true");
        }
    });

    it("leaves the CRDs alone when they are managed elsewhere, and waits for nothing it does not create", async () => {
        // A small edge: one gateway, one host, one route.
        const ev = await evaluateEdge(parseStackConfig({
            api: "gateway-api", gatewayApi: { crds: { manage: false } }, metallb: { pools: [{ name: "lb", addresses: ["10.0.0.0/30"] }] },
            gateways: [{ name: "edge", ip: "10.0.0.1", hosts: ["a.example.com"], routes: [{ name: "web", match: { prefix: "/" }, destination: { host: "web", port: 80 } }] }],
        }));
        assert.deepStrictEqual([...ev.ofType(GA.crd), ...ev.ofType(GA.crds)], []);
        assert.strictEqual(ev.ofType(GA.gateway).length, 1);
        assert.strictEqual(ev.ofType(GA.httpRoute).length, 2);
        // Istio mode is untouched by gateway-api settings: its istiod values have no mesh TLS default.
        const istio = await evaluateStackEdge("dev");
        assert.strictEqual(istio.ofType(T.chart).find((c) => c.inputs.name === "istiod")!.inputs.values.meshConfig?.tlsDefaults, undefined);
        assert.deepStrictEqual(istio.resources.filter((r) => r.type.includes("gateway.networking.k8s.io") || r.type === GA.crd), []);
        assert.deepStrictEqual(stackConfig("dev").api, "istio");
    });
});
