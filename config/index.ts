// Stack config → the model's input: schema (shape and typos), defaults, then the model's checks.
// Every problem is collected and thrown at once, before any resource is registered.
import * as pulumi from "@pulumi/pulumi";
import Ajv, { ErrorObject } from "ajv";
import type { EdgeSpec } from "../model/types";
import { validateEdge } from "../model/validate";
import { addonStackProblems } from "../model/addonChecks";
import { missingChartFiles } from "./charts";
import { missingGatewayApiManifest } from "./gatewayApi";
import { withDefaults } from "./defaults";
import { ConfigError, PROJECT } from "./errors";
import { describeSchemaError } from "./messages";
import { stackConfigSchema } from "./schema";
import { coerceToSchema } from "./coerce";
import { caMaterialProblems } from "../model/ca";
import { renderDirectoryProblems } from "./program";
import { misspeltProjectKeys, rawConfigFrom } from "./stackFile";

export { ConfigError, PROJECT } from "./errors";
export { DEFAULTS, withDefaults } from "./defaults";
export { flatConfigFrom, rawConfigFrom, misspeltProjectKeys } from "./stackFile";
export { stackConfigSchema } from "./schema";
export { missingChartFiles } from "./charts";
export { ProgramSettings, programSettings, renderDirectoryProblems } from "./program";
export type { EdgeSpec } from "../model/types";
/** The validated stack config: the model's EdgeSpec. */
export type StackConfig = EdgeSpec;

const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictTuples: false });
const validateShape = ajv.compile(stackConfigSchema);

/**
 * A value that matches no branch of a `oneOf` makes ajv report every branch's error too; keep
 * the most specific: errors inside the value if any, else one message for the value itself.
 */
function schemaProblems(errors: ErrorObject[]): string[] {
    const oneOfPaths = new Set(errors.filter((e) => e.keyword === "oneOf").map((e) => e.instancePath));
    const kept = errors.filter((e) => {
        if (e.keyword === "oneOf") return !errors.some((o) => o.instancePath.startsWith(`${e.instancePath}/`));
        return !oneOfPaths.has(e.instancePath);
    });
    return [...new Set(kept.map((e) => e.keyword === "oneOf"
        ? describeSchemaError({ ...e, keyword: "pattern" })
        : describeSchemaError(e)))];
}

/** Choices that defaults would hide: keys of which exactly one must be set. */
function conflicts(raw: Record<string, any>): string[] {
    const problems: string[] = [];
    (raw.gateways as Record<string, any>[]).forEach((gw, g) => {
        if (gw.autoscaling && gw.replicas !== undefined) {
            problems.push(`gateways[${g}].replicas: ${gw.replicas} conflicts with gateways[${g}].autoscaling; set one of them (autoscaling.minReplicas is the floor)`);
        }
        ((gw.routes ?? []) as Record<string, any>[]).forEach((route, r) => {
            const kinds = ["exact", "prefix"].filter((k) => route.match[k] !== undefined);
            if (kinds.length !== 1) {
                problems.push(`gateways[${g}].routes[${r}].match: ${JSON.stringify(route.match)} must set exactly one of "exact" or "prefix" (it sets ${kinds.length === 0 ? "neither" : "both"}); e.g. { "exact": "/hello" } or { "prefix": "/" }`);
            }
        });
    });
    return problems;
}

/**
 * Every problem of raw config values (JSON-decoded, keyed without the project prefix), and the
 * edge with every default filled in when the shape allowed filling them.
 */
export function checkStackConfig(given: Record<string, unknown>, options: { baseDir?: string; stack?: string } = {}): { spec?: EdgeSpec; problems: string[] } {
    // Numbers and booleans that Pulumi stored as text are taken as the schema means them.
    const raw = coerceToSchema(stackConfigSchema, given) as Record<string, unknown>;
    if (!validateShape(raw)) {
        return { problems: schemaProblems(validateShape.errors ?? []) };
    }
    const problems = conflicts(raw);
    // Defaults cannot be filled in over an unresolved choice; the model's checks would only echo it.
    if (problems.length > 0) return { problems };
    const spec = withDefaults(raw);
    problems.push(...validateEdge(spec));
    // Rules that depend on which stack this is (no anonymous Kiali on a production stack).
    if (options.stack !== undefined) problems.push(...addonStackProblems(spec, options.stack));
    problems.push(...broughtCaProblems(raw, spec));
    if (problems.length === 0) problems.push(...missingChartFiles(spec, options.baseDir));
    if (problems.length === 0) problems.push(...missingGatewayApiManifest(spec, options.baseDir));
    if (typeof raw.renderDirectory === "string") problems.push(...renderDirectoryProblems(raw.renderDirectory, options.baseDir));
    return { spec, problems };
}

/** Stands in for CA material that arrives later (a secret Output): checked when it arrives. */
export const DEFERRED_SECRET = "(checked when it arrives)";

/** Problems of bring-your-own CA material given in the config itself (never printed). */
function broughtCaProblems(raw: Record<string, any>, spec: EdgeSpec): string[] {
    const byo = raw.pki?.bringYourOwnCa;
    if (!byo || byo.certificatePem === DEFERRED_SECRET || byo.privateKeyPem === DEFERRED_SECRET) return [];
    return caMaterialProblems(byo.certificatePem, byo.privateKeyPem, { validityHours: spec.pki.validityHours });
}

/** Like {@link checkStackConfig}, but throws a ConfigError listing every problem. */
export function parseStackConfig(raw: Record<string, unknown>, options: { baseDir?: string; stack?: string } = {}): EdgeSpec {
    const { spec, problems } = checkStackConfig(raw, options);
    if (problems.length > 0 || !spec) throw new ConfigError(problems);
    return spec;
}

/** Pulumi's flat config map → the validated edge; a misspelt project prefix is a problem too. */
export function parseFlatConfig(all: Record<string, string>, project = PROJECT): EdgeSpec {
    const prefixProblems = misspeltProjectKeys(all, project);
    if (prefixProblems.length > 0) throw new ConfigError(prefixProblems);
    return parseStackConfig(rawConfigFrom(all, project));
}

/**
 * The program's view of stack config: this project's keys, JSON-decoded, scalars as the schema
 * means them. Secret values arrive decrypted, as plain strings: check them as they are (messages
 * never print them), then hand them on with {@link edgeArgsFromStackConfig}.
 */
export function readStackConfig(all: Record<string, string>, project = PROJECT): Record<string, any> {
    const prefixProblems = misspeltProjectKeys(all, project);
    if (prefixProblems.length > 0) throw new ConfigError(prefixProblems);
    return coerceToSchema(stackConfigSchema, rawConfigFrom(all, project)) as Record<string, any>;
}

/**
 * Checked stack config as Edge args: the CA key of `pki.bringYourOwnCa` and the BGP peers' passwords
 * made secrets, so no output or state shows them.
 */
export function edgeArgsFromStackConfig(raw: Record<string, any>): Record<string, any> {
    let args = raw;
    const byo = raw.pki?.bringYourOwnCa;
    if (byo && typeof byo === "object") {
        args = { ...args, pki: { ...raw.pki, bringYourOwnCa: { ...byo, privateKeyPem: pulumi.secret(byo.privateKeyPem) } } };
    }
    const peers = raw.metallb?.bgp?.peers;
    if (Array.isArray(peers) && peers.some((p) => p?.password !== undefined)) {
        const secretPeers = peers.map((p) => (p?.password === undefined ? p : { ...p, password: pulumi.secret(String(p.password)) }));
        args = { ...args, metallb: { ...raw.metallb, bgp: { ...raw.metallb.bgp, peers: secretPeers } } };
    }
    return args;
}

export { encryptedConfigKeys, stackSecretWarnings } from "./secretWarnings";
