// Validates built-in Kubernetes objects (core/v1, apps/v1, batch/v1, rbac, apiextensions, …) against
// the Kubernetes 1.35 OpenAPI (swagger 2.0) spec vendored in test/fixtures/k8s-openapi, the way the
// API server's strict field validation would: unknown fields (metadata's too) are errors, required
// fields and types are as the spec says. Offline; only the kinds asked for are compiled.
import Ajv, { ValidateFunction } from "ajv";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";

const SPEC_FILE = path.join(__dirname, "..", "fixtures", "k8s-openapi", "kubernetes-v1.35-swagger.json.gz");
const SPEC_ID = "kubernetes-v1.35";

const INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
const QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";
const APIEXTENSIONS = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1";
const ref = (definition: string) => ({ $ref: `#/definitions/${definition}` });

/**
 * A Quantity as a string: the grammar resource.ParseQuantity accepts (the pattern Kubernetes
 * publishes for int-or-string quantities in its OpenAPI v3 schemas).
 */
const QUANTITY_PATTERN = "^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$";

/**
 * Definitions whose swagger form is looser or narrower than what the API server decodes: the Go
 * types' custom JSON (un)marshalling.
 */
const OVERRIDES: Record<string, object> = {
    // An int32 or a string (swagger says `type: string, format: int-or-string`).
    [INT_OR_STRING]: { type: ["integer", "string"] },
    // A quantity string, or a plain JSON number (swagger says `type: string`).
    [QUANTITY]: { type: ["string", "number"], pattern: QUANTITY_PATTERN },
    // Untyped in swagger; these are their Go unmarshallers' cases.
    [`${APIEXTENSIONS}.JSONSchemaPropsOrBool`]: { anyOf: [{ type: "boolean" }, ref(`${APIEXTENSIONS}.JSONSchemaProps`)] },
    [`${APIEXTENSIONS}.JSONSchemaPropsOrArray`]: {
        anyOf: [ref(`${APIEXTENSIONS}.JSONSchemaProps`), { type: "array", items: ref(`${APIEXTENSIONS}.JSONSchemaProps`) }],
    },
    [`${APIEXTENSIONS}.JSONSchemaPropsOrStringArray`]: {
        anyOf: [ref(`${APIEXTENSIONS}.JSONSchemaProps`), { type: "array", items: { type: "string" } }],
    },
};

const isMap = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Strict field validation: an object schema with `properties` takes no other field unless it says
 * so (additionalProperties, x-kubernetes-preserve-unknown-fields). Walks schema positions only
 * (properties' values, items, additionalProperties), never a `properties` map itself: JSONSchemaProps
 * has fields named `properties`, `type` and `x-kubernetes-preserve-unknown-fields`. Every object
 * (ObjectMeta included) is reached through its definition, so metadata is as strict as the rest.
 */
function forbidUnknownFields(schema: any): any {
    if (!isMap(schema)) return schema;
    const out: Record<string, any> = { ...schema };
    if (isMap(out.properties)) out.properties = Object.fromEntries(Object.entries(out.properties).map(([k, v]) => [k, forbidUnknownFields(v)]));
    if (isMap(out.items)) out.items = forbidUnknownFields(out.items);
    if (isMap(out.additionalProperties)) out.additionalProperties = forbidUnknownFields(out.additionalProperties);
    for (const key of ["allOf", "anyOf", "oneOf"]) if (Array.isArray(out[key])) out[key] = out[key].map(forbidUnknownFields);
    if (isMap(out.properties) && out.additionalProperties === undefined && out["x-kubernetes-preserve-unknown-fields"] !== true) {
        out.additionalProperties = false;
    }
    return out;
}

interface Spec {
    /** Definition name by "<apiVersion>/<kind>". */
    byApiVersionKind: Map<string, string>;
    /** API groups the spec defines ("" is core). */
    groups: Set<string>;
}

let spec: Spec | undefined;
let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** Reads the vendored spec once and registers its (strict) definitions with the one Ajv instance. */
function loadSpec(): Spec {
    if (spec) return spec;
    const swagger = JSON.parse(zlib.gunzipSync(fs.readFileSync(SPEC_FILE)).toString("utf8")) as { definitions: Record<string, any> };
    const byApiVersionKind = new Map<string, string>();
    const groups = new Set<string>();
    const definitions: Record<string, any> = {};
    for (const [name, definition] of Object.entries(swagger.definitions)) {
        definitions[name] = forbidUnknownFields(OVERRIDES[name] ?? definition);
        for (const gvk of (definition["x-kubernetes-group-version-kind"] ?? []) as { group: string; version: string; kind: string }[]) {
            groups.add(gvk.group);
            const key = `${gvk.group ? `${gvk.group}/` : ""}${gvk.version}/${gvk.kind}`;
            // DeleteOptions and WatchEvent are listed under every group; each real kind has one definition.
            if (!byApiVersionKind.has(key)) byApiVersionKind.set(key, name);
        }
    }
    ajv = new Ajv({
        allErrors: true,
        strict: false,
        formats: {
            // What the API server's decoder enforces: an int32 field overflows, []byte is base64.
            int32: { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 },
            int64: true,
            double: true,
            byte: { type: "string", validate: (s: string) => /^[A-Za-z0-9+/]*={0,2}$/.test(s.replace(/[\r\n]/g, "")) && s.replace(/[\r\n]/g, "").length % 4 === 0 },
            "date-time": true,
            "int-or-string": true,
        },
    });
    // Swagger's `$ref: "#/definitions/…"` resolves within this document; nothing compiles until asked.
    ajv.addSchema({ $id: SPEC_ID, definitions }, undefined, undefined, false);
    spec = { byApiVersionKind, groups };
    return spec;
}

/** True for an API group the Kubernetes 1.35 API server serves itself ("" or "core" for the core group). */
export function isBuiltinGroup(group: string): boolean {
    return loadSpec().groups.has(group === "core" ? "" : group);
}

/**
 * apiVersion and kind of a Pulumi type token of a built-in group (`kubernetes:core/v1:Secret` →
 * v1/Secret, `kubernetes:batch/v1:Job` → batch/v1/Job); undefined for custom resources, Helm charts,
 * yaml/v2 and other providers' types.
 */
export function builtinApiVersionKind(type: string): { apiVersion: string; kind: string } | undefined {
    const m = /^kubernetes:([^/:]+)\/([^:]+):(.+)$/.exec(type);
    if (!m || !isBuiltinGroup(m[1])) return undefined;
    return { apiVersion: m[1] === "core" ? m[2] : `${m[1]}/${m[2]}`, kind: m[3] };
}

/**
 * JSON null in a field is decoded as the field's absence by the API server (a required field
 * still has to be there); the schema has no nulls, so they are dropped before validating.
 */
function withoutNulls(value: any): any {
    if (Array.isArray(value)) return value.map(withoutNulls);
    if (!isMap(value)) return value;
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
}

/**
 * Errors of a built-in Kubernetes object against the 1.35 spec's definition of its apiVersion and
 * kind (empty when valid), unknown fields forbidden. Each kind's validator is compiled on first use.
 */
export function builtinObjectErrors(object: { apiVersion: string; kind: string; [field: string]: unknown }): string[] {
    const key = `${object.apiVersion}/${object.kind}`;
    const definition = loadSpec().byApiVersionKind.get(key);
    if (!definition) return [`no Kubernetes schema for ${key}`];
    let validate = validators.get(definition);
    if (!validate) {
        validate = ajv!.compile({ $ref: `${SPEC_ID}#/definitions/${definition}` });
        validators.set(definition, validate);
    }
    return validate(withoutNulls(object)) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`);
}
