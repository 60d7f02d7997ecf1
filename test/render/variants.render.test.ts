// Configs beyond the committed stacks, rendered with the real charts: an IPv6-only and a
// dual-stack edge, and an air-gapped one whose charts come from a local folder.
import * as assert from "assert";
import * as path from "path";
import { parseStackConfig } from "../../config";
import { evaluateEdge } from "../helpers/edge";
import { ROOT, editedConfig } from "../helpers/stacks";
import { K8sObject, assertRendersClean } from ".";

const gatewayServices = (objects: K8sObject[]) =>
    objects.filter((o) => o.kind === "Service" && (o as any).spec?.type === "LoadBalancer");

describe("helm render: IPv6 and dual-stack gateways", function () {
    it("an IPv6-only edge: IPv6 pools, SingleStack IPv6 Services with their MetalLB IP", async function () {
        const spec = parseStackConfig(editedConfig("dev", (raw) => {
            raw.metallb.pools = [{ name: "gateways", addresses: ["fd00:49::f0/125"], autoAssign: false }];
            raw.gateways[0].ip = "fd00:49::f0";
            raw.gateways[1].ip = "fd00:49::f1";
            // The internal gateway's clients are on IPv6 too: unique local addresses.
            raw.gateways[1].allowedSourceRanges = ["fd00::/8"];
        }));
        const set = await assertRendersClean(await evaluateEdge(spec), this);
        const services = set.releases.flatMap((r) => gatewayServices(r.objects));
        assert.strictEqual(services.length, 2);
        for (const svc of services as any[]) {
            assert.deepStrictEqual([svc.spec.ipFamilies, svc.spec.ipFamilyPolicy], [["IPv6"], "SingleStack"]);
            assert.match(svc.metadata.annotations["metallb.io/loadBalancerIPs"], /^fd00:49::f[01]$/);
        }
    });

    it("a dual-stack gateway: RequireDualStack, both families, both IPs in the annotation", async function () {
        const spec = parseStackConfig(editedConfig("dev", (raw) => {
            raw.metallb.pools.push({ name: "gateways-v6", addresses: ["fd00:49::f0/125"], autoAssign: false });
            raw.gateways[0].ip = ["192.168.49.240", "fd00:49::f0"];
        }));
        const set = await assertRendersClean(await evaluateEdge(spec), this);
        const primary = set.releases.find((r) => r.release.release === "istio-ingress-primary")!;
        const [svc] = gatewayServices(primary.objects) as any[];
        assert.deepStrictEqual([svc.spec.ipFamilies, svc.spec.ipFamilyPolicy], [["IPv4", "IPv6"], "RequireDualStack"]);
        assert.strictEqual(svc.metadata.annotations["metallb.io/loadBalancerIPs"], "192.168.49.240,fd00:49::f0");
    });
});

describe("helm render: air-gapped, charts from a local folder", function () {
    it("installs <folder>/<chart>-<version>.tgz for every release and renders the same objects", async function () {
        const folder = process.env.INGRESS_CHARTS_DIR;
        if (!folder) {
            if (process.env.INGRESS_REQUIRE_RENDER === "1") assert.fail("INGRESS_CHARTS_DIR is not set");
            this.skip();
        }
        const local = path.resolve(ROOT, folder!);
        const spec = parseStackConfig(editedConfig("dev", (raw) => {
            raw.metallb.repository = local;
            raw.istio = { ...(raw.istio ?? {}), repository: local };
            for (const addon of ["prometheus", "grafana", "kiali"]) raw.addons[addon].repository = local;
        }));
        const ev = await evaluateEdge(spec);
        const charts = ev.resources.filter((r) => r.type === "kubernetes:helm.sh/v4:Chart");
        for (const chart of charts) {
            assert.match(chart.inputs.chart, new RegExp(`^${local.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/[a-z-]+-[0-9.]+\\.tgz$`));
            assert.strictEqual(chart.inputs.repositoryOpts, undefined);
        }
        await assertRendersClean(ev, this);
    });
});
