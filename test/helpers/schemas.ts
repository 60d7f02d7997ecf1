// Validators for what the program emits: Istio objects against Istio's CRD schemas, MetalLB objects against MetalLB's CRD schemas and chart values
// against the charts' values.schema.json (both vendored in test/fixtures/schemas).
import Ajv from "ajv";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

const FIXTURES = path.join(__dirname, "..", "fixtures", "schemas");

function loadSchema(file: string): any {
    const schema = JSON.parse(fs.readFileSync(path.join(FIXTURES, file), "utf8"));
    delete schema.$schema;
    return schema;
}

/**
 * Kubernetes prunes fields a CRD does not declare, silently. Validating with unknown fields
 * forbidden turns such a typo into a test failure instead of a field that vanishes.
 */
function forbidUnknownFields(schema: any): any {
    if (Array.isArray(schema)) return schema.map(forbidUnknownFields);
    if (typeof schema !== "object" || schema === null) return schema;
    const out: any = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, forbidUnknownFields(v)]));
    if (out.type === "object" && out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"]) {
        out.additionalProperties = false;
    }
    return out;
}

// Kubernetes schemas name integer formats that JSON schema does not define; the type check is enough.
const ajv = new Ajv({ allErrors: true, strict: false, formats: { int32: true, int64: true } });
const crdObject = (file: string) => {
    const schema = forbidUnknownFields(loadSchema(file));
    // The API server fills apiVersion/kind/metadata; metadata is checked by Kubernetes itself.
    schema.properties.metadata = { type: "object", required: ["name", "namespace"] };
    return ajv.compile(schema);
};

const validators: Record<string, ReturnType<typeof ajv.compile>> = {
    "metallb.io/v1beta1/IPAddressPool": crdObject("metallb-0.16.1-IPAddressPool-v1beta1.json"),
    "metallb.io/v1beta1/L2Advertisement": crdObject("metallb-0.16.1-L2Advertisement-v1beta1.json"),
    "metallb.io/v1beta1/BGPAdvertisement": crdObject("metallb-0.16.1-BGPAdvertisement-v1beta1.json"),
    "metallb.io/v1beta1/BFDProfile": crdObject("metallb-0.16.1-BFDProfile-v1beta1.json"),
    "metallb.io/v1beta2/BGPPeer": crdObject("metallb-0.16.1-BGPPeer-v1beta2.json"),
};

// Gateway API v1.5.1 (standard channel) CRD schemas of the kinds the program writes. Their CEL rules
// (x-kubernetes-validations) are not evaluated here; the model and the policy pack check those that matter.
// Compiled on first use: only the tests that check Gateway API objects pay for these large schemas.
const GATEWAY_API_SCHEMAS: Record<string, string> = {
    "gateway.networking.k8s.io/v1/Gateway": "gateway-api-v1.5.1-Gateway-v1.json",
    "gateway.networking.k8s.io/v1/HTTPRoute": "gateway-api-v1.5.1-HTTPRoute-v1.json",
    "gateway.networking.k8s.io/v1beta1/ReferenceGrant": "gateway-api-v1.5.1-ReferenceGrant-v1beta1.json",
};
const gatewayApiValidators = new Map<string, ReturnType<typeof ajv.compile>>();

/** Errors of a Gateway API object against the v1.5.1 CRD schema of its apiVersion and kind, unknown fields forbidden (empty when valid). */
export function gatewayApiObjectErrors(object: { apiVersion: string; kind: string }): string[] {
    const key = `${object.apiVersion}/${object.kind}`;
    if (!GATEWAY_API_SCHEMAS[key]) return [`no Gateway API schema for ${key}`];
    if (!gatewayApiValidators.has(key)) {
        // Formats of status fields and addresses, which the program never writes: not checked.
        for (const format of ["date-time", "ipv4", "ipv6"]) if (!ajv.formats[format]) ajv.addFormat(format, true);
        gatewayApiValidators.set(key, crdObject(GATEWAY_API_SCHEMAS[key]));
    }
    const validate = gatewayApiValidators.get(key)!;
    return validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Errors of a MetalLB custom resource against its CRD (empty when valid). */
export function metallbObjectErrors(object: { apiVersion: string; kind: string }): string[] {
    const validate = validators[`${object.apiVersion}/${object.kind}`];
    if (!validate) return [`no MetalLB schema for ${object.apiVersion}/${object.kind}`];
    return validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

const gatewayValues = ajv.compile({ ...loadSchema("istio-1.30.3-gateway-values.schema.json"), $ref: "#/$defs/values" });
const metallbValues = ajv.compile(loadSchema("metallb-0.16.1-values.schema.json"));

const metallbDefaults = parse(fs.readFileSync(path.join(FIXTURES, "metallb-0.16.1-values.yaml"), "utf8"));

/** Helm's coalescing of user values over chart defaults: maps merge, everything else replaces. */
function coalesce(defaults: any, values: any): any {
    const isMap = (v: any) => typeof v === "object" && v !== null && !Array.isArray(v);
    if (!isMap(defaults) || !isMap(values)) return values === undefined ? defaults : values;
    const out = { ...defaults };
    for (const [k, v] of Object.entries(values)) out[k] = coalesce(defaults[k], v);
    return out;
}

/**
 * Errors of chart values against the chart's values.schema.json (empty when valid). Helm
 * validates the values after merging them over the chart's defaults; so do we. (The gateway
 * chart keeps its defaults out of the validated tree, so its values are checked as given.)
 */
export function chartValuesErrors(chart: "gateway" | "metallb", values: unknown): string[] {
    const validate = chart === "gateway" ? gatewayValues : metallbValues;
    const merged = chart === "gateway" ? values : coalesce(metallbDefaults, values);
    return validate(merged) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

// Istio 1.30.3's CRD schemas (v1) of the kinds the program writes, from the base chart's
// crd-all.gen.yaml: what the API server of a cluster running that Istio validates against. Their
// CEL rules (x-kubernetes-validations) are not evaluated here; istiod's webhook and the policy pack
// check what matters of those.
const ISTIO_SCHEMAS: Record<string, unknown> = JSON.parse(fs.readFileSync(path.join(FIXTURES, "istio-1.30.3-crds-v1.json"), "utf8"));
const istioValidators = new Map<string, ReturnType<typeof ajv.compile>>();

/** Errors of an Istio object against Istio's CRD schema for its apiVersion and kind, unknown fields forbidden (empty when valid). */
export async function istioObjectErrors(object: { apiVersion: string; kind: string }): Promise<string[]> {
    const key = `${object.apiVersion}/${object.kind}`;
    const schema = ISTIO_SCHEMAS[key] as Record<string, any> | undefined;
    if (!schema) return [`no Istio schema for ${key}`];
    if (!istioValidators.has(key)) {
        // Formats of fields the program never writes (status timestamps, fault percentages, bodies): not checked.
        for (const format of ["date-time", "double", "byte"]) if (!ajv.formats[format]) ajv.addFormat(format, true);
        const strict = forbidUnknownFields(structuredClone(schema));
        // Istio's generated schemas leave out what the API server itself checks: apiVersion, kind, metadata.
        strict.properties = { apiVersion: { type: "string" }, kind: { type: "string" }, ...strict.properties, metadata: { type: "object", required: ["name", "namespace"] } };
        istioValidators.set(key, ajv.compile(strict));
    }
    const validate = istioValidators.get(key)!;
    return validate(object) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}
