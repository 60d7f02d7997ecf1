// Which chart values a chart actually uses, so that a key we set and the chart ignores (a typo, a
// key from another chart version) is reported instead of silently doing nothing.
//
// A value path is used when it, or the part of it that is a free-form map, is in the chart's
// values.yaml; when a template reads it (or a map above it as a whole: toYaml, include, range…);
// when it enables a subchart (Chart.yaml `condition`/tags); or when a subchart uses it.
// Templates are read symbolically: `.Values.a.b`, `$.Values…`, `index`/`get`/`hasKey`/`dig`,
// `with` blocks and variables are followed; merges of one values subtree into another (Istio's
// `_internal_defaults_do_not_set` and `pilot` descoping) make the two paths aliases.
import type { ChartTree } from "./charts";

export type ValuePath = string[];

/** `a.b["x.y/z"]`: dots between plain keys, brackets around keys that hold dots or slashes. */
export function formatPath(path: ValuePath): string {
    return path.map((seg, i) => (/^[A-Za-z0-9_-]+$/.test(seg) ? (i === 0 ? seg : `.${seg}`) : `[${JSON.stringify(seg)}]`)).join("");
}

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Every leaf of a values tree; lists and empty maps are leaves (they are set as a whole). */
export function leafPaths(values: unknown, prefix: ValuePath = []): ValuePath[] {
    if (!isMap(values) || (Object.keys(values).length === 0 && prefix.length > 0)) return prefix.length > 0 ? [prefix] : [];
    return Object.entries(values).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
}

// ---------------------------------------------------------------------------------------------
// Template actions → tokens → pipelines

type Token =
    | { t: "str"; v: string }
    | { t: "num" }
    | { t: "ident"; v: string }
    | { t: "field"; path: string[]; attached: boolean }
    | { t: "var"; name: string; path: string[] }
    | { t: "(" | ")" | "|" | "," | ":=" | "=" };

/** The actions (`{{ … }}`, comments dropped) of a template, tokenized. */
export function templateActions(text: string): Token[][] {
    const actions: Token[][] = [];
    let i = 0;
    while ((i = text.indexOf("{{", i)) >= 0) {
        i += 2;
        if (text[i] === "-" && /\s/.test(text[i + 1] ?? "")) i += 1;
        while (/\s/.test(text[i] ?? "")) i++;
        if (text.startsWith("/*", i)) {
            const end = text.indexOf("*/", i + 2);
            i = end < 0 ? text.length : text.indexOf("}}", end) + 2;
            if (i < 2) break;
            continue;
        }
        const tokens: Token[] = [];
        for (;;) {
            while (/\s/.test(text[i] ?? "")) i++;
            if (i >= text.length) break;
            if (text.startsWith("}}", i)) {
                i += 2;
                break;
            }
            if (text[i] === "-" && text.startsWith("}}", i + 1)) {
                i += 3;
                break;
            }
            const c = text[i];
            if (c === '"' || c === "'") {
                let j = i + 1;
                let value = "";
                while (j < text.length && text[j] !== c) {
                    if (text[j] === "\\") j++;
                    value += text[j++];
                }
                tokens.push({ t: "str", v: value });
                i = j + 1;
            } else if (c === "`") {
                let j = text.indexOf("`", i + 1);
                if (j < 0) j = text.length;
                tokens.push({ t: "str", v: text.slice(i + 1, j) });
                i = j + 1;
            } else if (c === "(" || c === ")" || c === "|" || c === ",") {
                tokens.push({ t: c });
                i++;
            } else if (text.startsWith(":=", i)) {
                tokens.push({ t: ":=" });
                i += 2;
            } else if (c === "=") {
                tokens.push({ t: "=" });
                i++;
            } else if (c === "." || c === "$") {
                const m = /^(\$[A-Za-z0-9_]*)?((?:\.[A-Za-z0-9_]+)*)(\.?)/.exec(text.slice(i))!;
                const path = m[2] ? m[2].slice(1).split(".") : [];
                const attached = tokens.length > 0 && tokens[tokens.length - 1].t === ")" && !/\s/.test(text[i - 1]);
                tokens.push(m[1] ? { t: "var", name: m[1], path } : { t: "field", path, attached });
                i += Math.max(1, m[0].length);
            } else if (/[0-9+-]/.test(c)) {
                const m = /^[-+]?[0-9][0-9a-fA-FxXoObB._eEpP+-]*/.exec(text.slice(i));
                tokens.push({ t: "num" });
                i += m ? m[0].length : 1;
            } else if (/[A-Za-z_]/.test(c)) {
                const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i))!;
                tokens.push({ t: "ident", v: m[0] });
                i += m[0].length;
            } else {
                i++;
            }
        }
        actions.push(tokens);
    }
    return actions;
}

type Operand =
    | { k: "str"; v: string }
    | { k: "lit" }
    | { k: "ident"; name: string }
    | { k: "field"; path: string[] }
    | { k: "var"; name: string; path: string[] }
    | { k: "group"; pipe: Pipeline; path: string[] };
type Command = Operand[];
interface Pipeline {
    vars: string[];
    cmds: Command[];
}

function parsePipeline(tokens: Token[], start: number, stopAtParen: boolean): { pipe: Pipeline; next: number } {
    let i = start;
    const vars: string[] = [];
    // Declarations: `$x :=`, `$k, $v :=`, `$x =`.
    let j = i;
    const declared: string[] = [];
    while (j < tokens.length && tokens[j].t === "var" && (tokens[j] as { path: string[] }).path.length === 0) {
        declared.push((tokens[j] as { name: string }).name);
        j++;
        if (tokens[j]?.t === ",") j++;
        else break;
    }
    if (declared.length > 0 && (tokens[j]?.t === ":=" || tokens[j]?.t === "=")) {
        vars.push(...declared);
        i = j + 1;
    }
    const cmds: Command[] = [[]];
    while (i < tokens.length) {
        const tok = tokens[i];
        if (tok.t === ")") {
            if (stopAtParen) break;
            i++;
            continue;
        }
        if (tok.t === "|") {
            cmds.push([]);
            i++;
            continue;
        }
        const cmd = cmds[cmds.length - 1];
        if (tok.t === "(") {
            const inner = parsePipeline(tokens, i + 1, true);
            i = inner.next + 1;
            let path: string[] = [];
            const after = tokens[i];
            if (after?.t === "field" && after.attached) {
                path = after.path;
                i++;
            }
            cmd.push({ k: "group", pipe: inner.pipe, path });
            continue;
        }
        if (tok.t === "str") cmd.push({ k: "str", v: tok.v });
        else if (tok.t === "num") cmd.push({ k: "lit" });
        else if (tok.t === "ident") cmd.push(tok.v === "true" || tok.v === "false" || tok.v === "nil" ? { k: "lit" } : { k: "ident", name: tok.v });
        else if (tok.t === "field") cmd.push({ k: "field", path: tok.path });
        else if (tok.t === "var") cmd.push({ k: "var", name: tok.name, path: tok.path });
        i++;
    }
    return { pipe: { vars, cmds: cmds.filter((c) => c.length > 0) }, next: i };
}

// ---------------------------------------------------------------------------------------------
// Symbolic evaluation

/** What an expression may denote: the template root (`$`), some values paths, or anything else. */
type Sym = { k: "ctx" } | { k: "refs"; paths: ValuePath[] } | { k: "str"; v: string } | { k: "other" };
const CTX: Sym = { k: "ctx" };
const OTHER: Sym = { k: "other" };

function access(base: Sym, fields: string[]): Sym {
    if (fields.length === 0) return base;
    if (base.k === "ctx") return fields[0] === "Values" ? { k: "refs", paths: [fields.slice(1)] } : OTHER;
    if (base.k === "refs") return { k: "refs", paths: base.paths.map((p) => [...p, ...fields]) };
    return OTHER;
}

const refsOf = (...syms: Sym[]): Sym => {
    const paths = syms.flatMap((s) => (s.k === "refs" ? s.paths : []));
    return paths.length > 0 ? { k: "refs", paths } : OTHER;
};

/** Functions that only test their arguments: a map argument's contents are not used. */
const TESTS = new Set(["not", "eq", "ne", "lt", "le", "gt", "ge", "empty", "kindIs", "typeIs", "kindOf", "typeOf", "len", "hasPrefix", "hasSuffix", "contains"]);
/** Functions returning one of their arguments as it is. */
const PASS_THROUGH = new Set(["default", "required", "deepCopy", "mustDeepCopy", "coalesce", "ternary", "first", "last", "and", "or"]);
const MERGES = new Set(["merge", "mustMerge", "mergeOverwrite", "mustMergeOverwrite"]);

/** What the templates of one chart read, and which values paths they merge into which. */
export interface TemplateReads {
    /** Paths read for their own value only (tests such as `if`, `eq`, `hasKey`). */
    exact: Set<string>;
    /** Paths read with everything below them (printed, toYaml'd, passed to include, ranged over). */
    subtree: Set<string>;
    /** `merge dst src`: a value under `from` takes effect as if set under `to`. */
    aliases: { from: ValuePath; to: ValuePath }[];
}

const key = (path: ValuePath) => JSON.stringify(path);

class Evaluator {
    readonly reads: TemplateReads = { exact: new Set(), subtree: new Set(), aliases: [] };
    vars = new Map<string, Sym>();

    /** Set while reading a template whose dump of all values is a record, not configuration. */
    recordOnly = false;

    use(sym: Sym, mode: "exact" | "subtree"): void {
        if (sym.k !== "refs") return;
        for (const path of sym.paths) {
            // Testing the whole values tree says nothing about any key; a recorded copy neither.
            if (path.length === 0 && (mode === "exact" || this.recordOnly)) continue;
            this.reads[mode].add(key(path));
        }
    }

    operand(op: Operand, dot: Sym): Sym {
        switch (op.k) {
            case "str":
                return { k: "str", v: op.v };
            case "field":
                return access(dot, op.path);
            case "var":
                return access(op.name === "$" ? CTX : this.vars.get(op.name) ?? OTHER, op.path);
            case "group":
                return access(this.pipeline(op.pipe, dot), op.path);
            case "ident":
                // A function called without arguments, e.g. `dict` in `default dict`.
                return this.call(op.name, []);
            default:
                return OTHER;
        }
    }

    pipeline(pipe: Pipeline, dot: Sym): Sym {
        let value: Sym | undefined;
        for (const cmd of pipe.cmds) value = this.command(cmd, dot, value);
        return value ?? OTHER;
    }

    command(cmd: Command, dot: Sym, piped: Sym | undefined): Sym {
        const [head, ...rest] = cmd;
        if (head.k === "ident") {
            const args = rest.map((op) => this.operand(op, dot));
            if (piped) args.push(piped);
            return this.call(head.name, args);
        }
        const value = this.operand(head, dot);
        if (rest.length === 0 && !piped) return value;
        // Not a function call (a method call, or a malformed pipe): everything involved is used.
        for (const s of [value, ...rest.map((op) => this.operand(op, dot)), ...(piped ? [piped] : [])]) this.use(s, "subtree");
        return OTHER;
    }

    call(name: string, args: Sym[]): Sym {
        const literal = (s: Sym | undefined) => (s?.k === "str" ? s.v : undefined);
        if (name === "index" || name === "get") {
            const [base, ...keys] = args;
            if (base?.k !== "refs") return OTHER;
            let path = base.paths;
            for (const k of keys) {
                const seg = literal(k);
                if (seg === undefined) {
                    // A computed key may be any key: the whole map is used.
                    this.use({ k: "refs", paths: path }, "subtree");
                    return OTHER;
                }
                path = path.map((p) => [...p, seg]);
            }
            return { k: "refs", paths: path };
        }
        if (name === "hasKey") {
            const [base, k] = args;
            const seg = literal(k);
            if (base?.k === "refs" && seg !== undefined) this.use({ k: "refs", paths: base.paths.map((p) => [...p, seg]) }, "exact");
            else this.use(base ?? OTHER, "subtree");
            return OTHER;
        }
        if (name === "dig") {
            // dig "a" "b" <default> <map>
            const base = args[args.length - 1];
            const keys = args.slice(0, -2).map(literal);
            if (base?.k !== "refs" || keys.some((k) => k === undefined)) {
                this.use(base ?? OTHER, "subtree");
                return OTHER;
            }
            return { k: "refs", paths: base.paths.map((p) => [...p, ...(keys as string[])]) };
        }
        if (name === "pick") {
            const [base, ...keys] = args;
            if (base?.k === "refs") {
                for (const k of keys) {
                    const seg = literal(k);
                    this.use(seg === undefined ? base : { k: "refs", paths: base.paths.map((p) => [...p, seg]) }, "subtree");
                }
            }
            return OTHER;
        }
        if (MERGES.has(name)) {
            const [target, ...sources] = args;
            for (const source of sources) {
                if (target?.k === "refs" && source.k === "refs") {
                    for (const to of target.paths) for (const from of source.paths) this.reads.aliases.push({ from, to });
                } else {
                    // Merged into something we cannot follow: count it as used.
                    this.use(source, "subtree");
                }
            }
            return target ?? OTHER;
        }
        if (name === "set") {
            const [target, , value] = args;
            // Into the values tree (`set $ "Values" merged`, `set $.Values "_original" (deepCopy
            // $.Values)`): only a later read of that key uses it. Into a dict: used with the dict.
            if (target?.k !== "ctx" && target?.k !== "refs" && value) this.use(value, "subtree");
            return target ?? OTHER;
        }
        if (name === "unset") return args[0] ?? OTHER;
        if (TESTS.has(name)) {
            for (const a of args) this.use(a, "exact");
            return OTHER;
        }
        if (PASS_THROUGH.has(name)) return refsOf(...args);
        // include, tpl, toYaml, quote, printf, dict, list, …: the argument is used as a whole.
        for (const a of args) this.use(a, "subtree");
        return OTHER;
    }
}

interface Frame {
    /** Dot inside the block (`with` and `range` change it). */
    dot: Sym;
    /** Dot outside the block, restored by `else`. */
    outer: Sym;
    skip: boolean;
    parentSkip: boolean;
    /** `if true`/`if false`: which branch is dead. */
    constant?: boolean;
}

/**
 * Templates that dump every value into an object nothing configures itself from (istiod keeps
 * the values it was installed with in a ConfigMap for istioctl). Elsewhere, a chart handing all
 * of its values to its application (Kiali's config) makes every key used: nothing to check there.
 */
export const VALUE_RECORDS: Record<string, string[]> = {
    istiod: ["templates/configmap-values.yaml"],
};

/** Reads of one chart's own templates (not its subcharts'). */
export function templateReads(templates: Record<string, string>, records: string[] = []): TemplateReads {
    const ev = new Evaluator();
    for (const [file, text] of Object.entries(templates)) {
        ev.vars = new Map();
        ev.recordOnly = records.includes(file);
        const stack: Frame[] = [];
        const top = (): Frame => stack[stack.length - 1] ?? { dot: CTX, outer: CTX, skip: false, parentSkip: false };
        for (const tokens of templateActions(text)) {
            if (tokens.length === 0) continue;
            const first = tokens[0];
            const word = first.t === "ident" ? first.v : undefined;
            const frame = top();
            const dot = frame.dot;
            if (word === "end") {
                stack.pop();
                continue;
            }
            if (word === "else") {
                const sub = tokens[1]?.t === "ident" ? (tokens[1] as { v: string }).v : undefined;
                frame.dot = frame.outer;
                frame.skip = frame.parentSkip || frame.constant === true;
                if (sub === "if" || sub === "with") {
                    const { pipe } = parsePipeline(tokens, 2, false);
                    if (!frame.skip) {
                        const v = ev.pipeline(pipe, frame.outer);
                        ev.use(v, "exact");
                        if (sub === "with") frame.dot = v;
                    }
                }
                continue;
            }
            if (word === "if" || word === "with" || word === "range" || word === "define" || word === "block") {
                const { pipe } = parsePipeline(tokens, word === "define" || word === "block" ? 2 : 1, false);
                const skip = frame.skip;
                const next: Frame = { dot, outer: dot, skip, parentSkip: skip };
                if (word === "if") {
                    const only = pipe.cmds.length === 1 && pipe.cmds[0].length === 1 && tokens.length === 2 ? tokens[1] : undefined;
                    if (only?.t === "ident" && (only.v === "true" || only.v === "false")) next.constant = only.v === "true";
                    if (next.constant === false) next.skip = true;
                }
                if (!skip) {
                    if (word === "define") {
                        // Helpers are called with the root context in the charts we meet; reads
                        // through other arguments are counted at the call site (include … .Values.x).
                        next.dot = CTX;
                        next.outer = CTX;
                    } else if (word === "block") {
                        ev.use(ev.pipeline(pipe, dot), "subtree");
                        next.dot = CTX;
                    } else {
                        const v = ev.pipeline({ vars: [], cmds: pipe.cmds }, dot);
                        if (word === "range") {
                            ev.use(v, "subtree");
                            next.dot = OTHER;
                            for (const name of pipe.vars) ev.vars.set(name, OTHER);
                        } else {
                            ev.use(v, "exact");
                            if (word === "with") next.dot = v;
                            for (const name of pipe.vars) ev.vars.set(name, v);
                        }
                    }
                }
                stack.push(next);
                continue;
            }
            if (frame.skip || word === "break" || word === "continue") continue;
            if (word === "template") {
                const { pipe } = parsePipeline(tokens, 2, false);
                ev.use(ev.pipeline(pipe, dot), "subtree");
                continue;
            }
            const { pipe } = parsePipeline(tokens, 0, false);
            const v = ev.pipeline({ vars: [], cmds: pipe.cmds }, dot);
            if (pipe.vars.length > 0) for (const name of pipe.vars) ev.vars.set(name, v);
            else ev.use(v, "subtree");
        }
    }
    return ev.reads;
}

// ---------------------------------------------------------------------------------------------
// Used and unused value paths

const readsCache = new WeakMap<ChartTree, TemplateReads>();
function readsOf(chart: ChartTree): TemplateReads {
    let reads = readsCache.get(chart);
    if (!reads) {
        reads = templateReads(chart.templates, VALUE_RECORDS[chart.name]);
        readsCache.set(chart, reads);
    }
    return reads;
}

/** The path and every path it is merged into, each alias applied at most once per chain. */
function aliasesOf(path: ValuePath, aliases: TemplateReads["aliases"]): ValuePath[] {
    const found = new Map<string, ValuePath>([[key(path), path]]);
    const queue: { path: ValuePath; used: Set<number> }[] = [{ path, used: new Set() }];
    while (queue.length > 0) {
        const current = queue.shift()!;
        aliases.forEach(({ from, to }, index) => {
            if (current.used.has(index) || from.length > current.path.length || !from.every((seg, i) => current.path[i] === seg)) return;
            const next = [...to, ...current.path.slice(from.length)];
            if (found.has(key(next))) return;
            found.set(key(next), next);
            queue.push({ path: next, used: new Set([...current.used, index]) });
        });
    }
    return [...found.values()];
}

/**
 * True when values.yaml has the path, or reaches a place below which anything goes (an empty
 * map or a null). A path going on below a scalar, a list or a map without that key is not there.
 */
export function inDefaults(defaults: unknown, path: ValuePath): boolean {
    let node: unknown = defaults;
    for (let i = 0; i < path.length; i++) {
        if (node === null || node === undefined) return i > 0;
        if (!isMap(node)) return false;
        if (Object.keys(node).length === 0) return i > 0;
        if (!Object.prototype.hasOwnProperty.call(node, path[i])) return false;
        node = node[path[i]];
    }
    return true;
}

function enablesSubchart(chart: ChartTree, path: ValuePath): boolean {
    const p = path.join(".");
    return chart.dependencies.some(
        (d) => (d.condition ?? "").split(",").map((c) => c.trim()).includes(p) || (path[0] === "tags" && path.length === 2 && (d.tags ?? []).includes(path[1])),
    );
}

function usedByOwnTemplatesOrDefaults(chart: ChartTree, path: ValuePath): boolean {
    const reads = readsOf(chart);
    return aliasesOf(path, reads.aliases).some(
        (candidate) =>
            inDefaults(chart.defaults, candidate) ||
            reads.exact.has(key(candidate)) ||
            candidate.some((_, i) => reads.subtree.has(key(candidate.slice(0, i)))) ||
            reads.subtree.has(key(candidate)),
    );
}

/** True when setting the value at `path` can change what the chart renders. */
export function isValueUsed(chart: ChartTree, path: ValuePath): boolean {
    if (path.length === 0) return true;
    if (enablesSubchart(chart, path) || usedByOwnTemplatesOrDefaults(chart, path)) return true;
    // Globals reach every subchart; other keys only the subchart they are named after.
    if (path[0] === "global") return Object.values(chart.subcharts).some((sub) => isValueUsed(sub, path));
    const sub = chart.subcharts[path[0]];
    return !!sub && isValueUsed(sub, path.slice(1));
}

/** Leaf paths of `values` that the chart neither defaults nor reads. */
export function unusedValuePaths(chart: ChartTree, values: unknown): ValuePath[] {
    return leafPaths(values).filter((path) => !isValueUsed(chart, path));
}
