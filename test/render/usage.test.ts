import * as assert from "assert";
import type { ChartTree } from "./charts";
import { formatPath, inDefaults, isValueUsed, leafPaths, templateReads, unusedValuePaths } from "./usage";

function chart(templates: Record<string, string>, defaults: Record<string, unknown> = {}, extra: Partial<ChartTree> = {}): ChartTree {
    return { name: "test", version: "0.1.0", defaults, templates, dependencies: [], subcharts: {}, ...extra };
}

const unused = (c: ChartTree, values: unknown) => unusedValuePaths(c, values).map(formatPath);

describe("render/usage: which values a chart uses", () => {
    it("lists leaf paths, lists and empty maps being leaves", () => {
        assert.deepStrictEqual(leafPaths({ a: { b: 1, c: [1, 2], d: {} }, e: "x" }), [["a", "b"], ["a", "c"], ["a", "d"], ["e"]]);
        assert.strictEqual(formatPath(["service", "annotations", "metallb.io/loadBalancerIPs"]), 'service.annotations["metallb.io/loadBalancerIPs"]');
    });

    it("finds paths in values.yaml, and free-form maps below empty maps or nulls only", () => {
        const defaults = { service: { type: "LoadBalancer", annotations: {} }, replicaCount: null, image: "x" };
        assert.ok(inDefaults(defaults, ["service", "type"]));
        assert.ok(inDefaults(defaults, ["service", "annotations", "any.key/here"]));
        assert.ok(inDefaults(defaults, ["replicaCount"]));
        assert.ok(!inDefaults(defaults, ["service", "tpye"]), "a typo next to real keys");
        assert.ok(!inDefaults(defaults, ["image", "tag"]), "below a scalar");
        assert.ok(!inDefaults({}, ["anything"]), "an empty values.yaml covers nothing");
    });

    it("reports a misspelt key and keeps the keys a template reads", () => {
        const c = chart({ "templates/svc.yaml": "type: {{ .Values.service.type }}\n{{- if .Values.service.loadBalancerIP }}x{{ end }}" });
        assert.deepStrictEqual(unused(c, { service: { type: "LoadBalancer", loadBalancerIP: "1.2.3.4", tpye: "NodePort" } }), ["service.tpye"]);
    });

    it("counts a map passed whole (toYaml, include, range) as using every key below it", () => {
        const c = chart({
            "templates/d.yaml": [
                "resources: {{- toYaml .Values.resources | nindent 2 }}",
                '{{- include "helper" .Values.affinity }}',
                "{{- range $k, $v := .Values.labels }}{{ $k }}: {{ $v }}{{ end }}",
            ].join("\n"),
        });
        assert.deepStrictEqual(unused(c, { resources: { limits: { cpu: 1 } }, affinity: { podAntiAffinity: {} }, labels: { a: "b" }, other: 1 }), ["other"]);
    });

    it("does not count a map that is only tested (if/with/eq) as using the keys below it", () => {
        const c = chart({ "templates/pdb.yaml": "{{- if .Values.pdb }}{{ if eq .Values.mode \"x\" }}{{ end }}{{ end }}" });
        assert.deepStrictEqual(unused(c, { pdb: { minAvailable: 1 }, mode: "x" }), ["pdb.minAvailable"]);
    });

    it("follows with blocks, variables, $.Values, index, hasKey and dig", () => {
        const c = chart({
            "templates/a.yaml": [
                "{{- with .Values.svc }}port: {{ .port }}{{ else }}{{ .Values.fallback }}{{ end }}",
                "{{- $g := .Values.gw }}{{ $g.name }}",
                "{{- range .Values.list }}{{ $.Values.inRange }}{{ end }}",
                '{{- index .Values "idx" "key" }}',
                '{{- if hasKey .Values.svc "nodePorts" }}x{{ end }}',
                '{{- dig "deep" "flag" false .Values }}',
            ].join("\n"),
        });
        const values = {
            svc: { port: 80, nodePorts: true, other: 1 },
            fallback: 1,
            gw: { name: "a", nope: 1 },
            list: [1],
            inRange: 1,
            idx: { key: 1, wrong: 1 },
            deep: { flag: true },
        };
        assert.deepStrictEqual(unused(c, values), ["svc.other", "gw.nope", "idx.wrong"]);
    });

    it("handles Istio's charts: defaults under _internal_defaults_do_not_set merged in a template, pilot.* descoped", () => {
        const profile = [
            "{{- $defaults := $.Values._internal_defaults_do_not_set }}",
            '{{- $_ := unset $.Values "_internal_defaults_do_not_set" }}',
            "{{- if false }}{{- $a := mustMergeOverwrite $defaults ($.Values.global | default dict) }}{{- end }}",
            '{{- $x := set $.Values "_original" (deepCopy $.Values) }}',
            '{{- $b := set $ "Values" (mustMergeOverwrite $defaults $.Values) }}',
        ].join("\n");
        const descope = '{{- $_ := mustMergeOverwrite $.Values (index $.Values "pilot") }}';
        const dump = "{{ .Values._original | toPrettyJson }}{{ .Values | toPrettyJson }}";
        const c = chart(
            { "templates/zzz_profile.yaml": profile, "templates/zzy_descope.yaml": descope, "templates/configmap-values.yaml": dump, "templates/d.yaml": "{{ .Values.replicaCount }}" },
            { _internal_defaults_do_not_set: { autoscaleEnabled: true, resources: { requests: { cpu: "500m" } }, global: { istioNamespace: "istio-system" } } },
            { name: "istiod" },
        );
        const values = {
            pilot: { autoscaleEnabled: false, replicaCount: 2, resources: { requests: { cpu: "10m" } }, replicaCont: 3 },
            // Would be used only through the merge under `if false` (the gateway chart has `if true`).
            global: { istioNamespace: "istio-system", istioNamespce: "x", autoscaleEnabled: true },
            autoscaleEnabled: false,
        };
        // istiod's record of its values (a ConfigMap for istioctl) does not make every key used; `if false` merges do not count.
        assert.deepStrictEqual(unused(c, values), ["pilot.replicaCont", "global.istioNamespce", "global.autoscaleEnabled"]);
    });

    it("counts every key used when a chart hands all its values to its application", () => {
        const kiali = chart({ "templates/configmap.yaml": '{{- $cm := omit .Values "kiali_route_url" }}config.yaml: {{ toYaml $cm | nindent 4 }}' }, { auth: { strategy: "token" } });
        assert.deepStrictEqual(unused(kiali, { auth: { strategy: "anonymous" }, external_services: { prometheus: { url: "http://prometheus" } } }), []);
    });

    it("routes values to subcharts, globals to every chart, and counts dependency conditions", () => {
        const frr = chart({ "templates/ds.yaml": "{{ .Values.image.tag }}{{ .Values.global.registry }}" }, { image: { tag: "1" } }, { name: "frr-k8s" });
        const crds = chart({}, {}, { name: "crds" });
        const parent = chart({ "templates/d.yaml": "{{ .Values.speaker.enabled }}" }, { speaker: { enabled: true } }, {
            dependencies: [{ name: "crds", condition: "crds.enabled" }, { name: "frr-k8s", condition: "frrk8s.enabled" }],
            subcharts: { crds, "frr-k8s": frr },
        });
        assert.ok(isValueUsed(parent, ["crds", "enabled"]));
        assert.ok(isValueUsed(parent, ["frrk8s", "enabled"]));
        assert.ok(isValueUsed(parent, ["frr-k8s", "image", "tag"]));
        assert.ok(isValueUsed(parent, ["global", "registry"]));
        assert.deepStrictEqual(unused(parent, { crds: { enabled: true, keep: true }, "frr-k8s": { image: { tga: "2" } }, global: { nothing: 1 } }), [
            "crds.keep",
            'frr-k8s.image.tga',
            "global.nothing",
        ]);
    });

    it("skips comments and NOTES-like text outside actions", () => {
        const reads = templateReads({ "templates/a.yaml": "{{/* .Values.commented */}}{{- /* also .Values.this */ -}}text .Values.plain {{ .Values.real }}" });
        assert.deepStrictEqual([...reads.subtree], ['["real"]']);
    });
});
