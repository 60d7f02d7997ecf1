#!/usr/bin/env bash
# The package as its users get it (`npm run check:package`; .ci/run runs it after `npm test`):
#   pack     `npm pack` (which runs `prepare`, the build) gives a tarball with the built library
#            (bin/{components,config,model,policy/lib}/*.js and .d.ts), README.md, LICENSE and
#            CHANGELOG.md when the repository has one, and nothing else: no sources, test/,
#            policy/node_modules, .charts, examples, stack files;
#   tarball  a temporary copy of examples/use-as-library installs that tarball over its "^x.y.z"
#            dependency, as a user would: require() and import find Edge (and every entry point) in the
#            installed copy, and the example plus a small file importing every entry point
#            type-check, with the example's tsconfig (node16) and with the tsconfig of
#            `pulumi new typescript` (moduleResolution "node");
#   git      a temporary project installs the repository as a git dependency,
#            `npm install git+file://<snapshot>#HEAD`, where the snapshot is a fresh git repository
#            of the files git would commit from this work tree (tracked or new, none it ignores, so
#            no bin/): npm installs its devDependencies and runs `prepare`, and require() works and
#            the installed files are the tarball's.
# Dependencies come from the npm registry through the ordinary npm cache (--prefer-offline), so a
# second run is nearly offline. The repository is not modified (but bin/, rebuilt by `npm pack`).
# Each failure is named with the end of its output; CHECK_PACKAGE_KEEP=1 keeps the temporary folder.
# shellcheck disable=SC2016 # the node -e programs are JavaScript: their ${…} are template literals
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
root="$(pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/check-package.XXXXXX")"
cleanup() {
    if [ -n "${CHECK_PACKAGE_KEEP:-}" ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
mkdir -p "$work/logs"

npm_flags=(--no-audit --no-fund --prefer-offline)
failed=()
steps=0
started=$SECONDS

# step NAME COMMAND...: runs the command with its output in a log; prints ok with the seconds it
# took, or FAIL with the last lines of the log.
step() {
    local name="$1" log t0
    shift
    steps=$((steps + 1))
    log="$work/logs/$steps-${name// /-}.log"
    t0=$SECONDS
    if "$@" >"$log" 2>&1; then
        echo "ok   $name ($((SECONDS - t0)) s)"
        return 0
    fi
    echo "FAIL $name ($((SECONDS - t0)) s): $*"
    grep -v "^npm notice" "$log" | tail -n 40 | sed 's/^/     | /'
    failed+=("$name")
    return 1
}

# require_check DIR: require() and import, from DIR's own node_modules, give every export.
require_check() {
    (cd "$1" && node -e '
const path = require("path");
const fs = require("fs");
const problems = [];
let entry, lib;
try {
    entry = require.resolve("istio-metallb-ingress");
    lib = require("istio-metallb-ingress");
} catch (err) {
    const dir = path.join("node_modules", "istio-metallb-ingress");
    const has = fs.existsSync(dir) ? fs.readdirSync(dir).join(", ") : "nothing";
    console.error(`require("istio-metallb-ingress") throws: ${err.message.split("\n")[0]}\n(${dir} holds ${has}; without bin/, the build did not run)`);
    process.exit(1);
}
if (!fs.realpathSync(entry).startsWith(fs.realpathSync(process.cwd()) + path.sep)) problems.push(`resolved outside the project: ${entry}`);
for (const name of ["Edge", "MetalLb", "IstioMesh", "CertificateAuthority", "IngressGateway", "SampleApps", "planEdge"]) {
    if (typeof lib[name] !== "function") problems.push(`require("istio-metallb-ingress").${name} is ${typeof lib[name]}`);
}
if (require("istio-metallb-ingress/components").Edge !== lib.Edge) problems.push("istio-metallb-ingress/components is not the main entry");
if (typeof require("istio-metallb-ingress/model").planEdge !== "function") problems.push("istio-metallb-ingress/model has no planEdge");
if (typeof require("istio-metallb-ingress/config").parseStackConfig !== "function") problems.push("istio-metallb-ingress/config has no parseStackConfig");
const version = require("istio-metallb-ingress/package.json").version;
for (const f of ["bin/components/index.d.ts", "bin/components/edge.d.ts", "LICENSE", "README.md"]) {
    if (!fs.existsSync(path.join(path.dirname(require.resolve("istio-metallb-ingress/package.json")), f))) problems.push(`no ${f} in the installed package`);
}
if (problems.length) { console.error(problems.join("\n")); process.exit(1); }
console.log(`istio-metallb-ingress@${version} from ${path.relative(process.cwd(), entry)}: Edge and every entry point load`);
' && node --input-type=module -e '
// An ES module program (package.json "type": "module") gets the named exports too.
import { Edge, planEdge } from "istio-metallb-ingress";
import { parseStackConfig } from "istio-metallb-ingress/config";
if (typeof Edge !== "function" || typeof planEdge !== "function" || typeof parseStackConfig !== "function") {
    console.error("import { Edge } from \"istio-metallb-ingress\" in an ES module gives no Edge");
    process.exit(1);
}
console.log("and import { Edge } from an ES module");
')
}

# ---- pack
version="$(node -p 'require("./package.json").version')"
tarball="$work/istio-metallb-ingress-$version.tgz"
pack() {
    npm pack --pack-destination "$work" "${npm_flags[@]}" || return 1
    [ -f "$tarball" ] || { echo "npm pack wrote no $tarball"; return 1; }
    tar -tzf "$tarball" | sed 's#^package/##' | sort >"$work/tarball-files.txt"
    tar -xzf "$tarball" -C "$work" package/package.json
    ROOT="$root" node -e '
const fs = require("fs");
const files = fs.readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
const pkg = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const problems = [];
const allowed = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|bin\/(components|config|model|policy\/lib)\/[^/]+\.(js|d\.ts))$/;
const extra = files.filter((f) => !allowed.test(f));
if (extra.length) problems.push(`ships files a user does not need: ${extra.join(", ")}`);
const needed = ["package.json", "README.md", "LICENSE", "bin/components/index.js", "bin/components/index.d.ts", "bin/components/edge.d.ts",
    "bin/config/index.js", "bin/config/index.d.ts", "bin/model/index.js", "bin/model/index.d.ts", "bin/policy/lib/addresses.js"];
if (fs.existsSync(`${process.env.ROOT}/CHANGELOG.md`)) needed.push("CHANGELOG.md");
const missing = needed.filter((f) => !files.includes(f));
if (missing.length) problems.push(`lacks ${missing.join(", ")}`);
const untyped = files.filter((f) => f.endsWith(".js") && !files.includes(f.replace(/\.js$/, ".d.ts")));
if (untyped.length) problems.push(`.js without .d.ts: ${untyped.join(", ")}`);
const targets = [pkg.main, pkg.types, ...Object.values(pkg.exports).flatMap((e) => typeof e === "string" ? [e] : Object.values(e)),
    ...Object.values(pkg.typesVersions["*"]).flat()];
const dangling = [...new Set(targets.map((t) => t.replace(/^\.\//, "")))].filter((t) => !files.includes(t));
if (dangling.length) problems.push(`package.json points at files not in the tarball: ${dangling.join(", ")}`);
if (pkg.private) problems.push("package.json says private: npm publish would refuse it");
if (!/^Apache License\s+Version 2\.0, January 2004/.test(fs.readFileSync(`${process.env.ROOT}/LICENSE`, "utf8").trim())) problems.push("LICENSE is not the Apache License 2.0 text");
if (problems.length) { console.error(`npm pack: ${problems.join("\n")}`); process.exit(1); }
console.log(`the tarball holds ${files.length} files: the built library with its .d.ts files, ${needed.filter((f) => !f.startsWith("bin/") && f !== "package.json").join(", ")}`);
' "$work/tarball-files.txt" "$work/package/package.json"
}

# ---- tarball: the example, copied, with the tarball installed over its dependency
tarball_install() {
    local dir="$work/example"
    mkdir -p "$dir"
    (cd examples/use-as-library && tar --exclude=node_modules -cf - .) | tar -xf - -C "$dir"
    node -e '
const pkg = require(process.argv[1] + "/package.json");
const dep = pkg.dependencies["istio-metallb-ingress"];
if (!/^[\^~]?\d+\.\d+\.\d+$/.test(dep)) { console.error(`the example depends on istio-metallb-ingress as "${dep}", not a version range a user would write`); process.exit(1); }
' "$dir" || return 1
    # One install: npm replaces the range by the tarball before resolving anything, so a published
    # version of the same range never stands in for this checkout.
    (cd "$dir" && npm install "${npm_flags[@]}" "$tarball") || return 1
    node -e '
const spec = require(process.argv[1] + "/package.json").dependencies["istio-metallb-ingress"];
if (!spec.startsWith("file:") || !spec.endsWith(".tgz")) { console.error(`installed as ${spec}, not from the tarball`); process.exit(1); }
' "$dir"
}

tarball_typecheck() {
    local dir="$work/example"
    cat >"$dir/consumer.ts" <<'EOF'
// Every entry point, with types: a user's program importing the package.
import * as pulumi from "@pulumi/pulumi";
import { Edge, EdgeArgs, MetalLb, planEdge } from "istio-metallb-ingress";
import { planEdge as planFromModel } from "istio-metallb-ingress/model";
import { Edge as EdgeFromComponents } from "istio-metallb-ingress/components";
import { parseStackConfig } from "istio-metallb-ingress/config";

const args: EdgeArgs = {
    metallb: { pools: [{ name: "lab", addresses: ["10.0.0.240/29"] }] },
    pki: { caCommonName: "lab CA" },
    gateways: [{ name: "web", ip: pulumi.output("10.0.0.241"), hosts: ["web.lab.example"], routes: [] }],
};
export const edge: Edge = new EdgeFromComponents("lab", args);
export const pools: MetalLb = edge.metallb;
export const same: typeof planEdge = planFromModel;
export const parse: (raw: Record<string, unknown>) => unknown = parseStackConfig;
// The types are the package's own, not `any`: a wrong argument is an error.
// @ts-expect-error gateways must be a list
export const wrong = new Edge("wrong", { ...args, gateways: "web" });
EOF
    # The tsconfig `pulumi new typescript` writes: CommonJS, moduleResolution "node" (no "exports").
    cat >"$dir/tsconfig.pulumi-new.json" <<'EOF'
{
    "compilerOptions": {
        "strict": true,
        "outDir": "bin",
        "target": "es2020",
        "module": "commonjs",
        "moduleResolution": "node",
        "sourceMap": true,
        "experimentalDecorators": true,
        "pretty": false,
        "noEmit": true,
        "noFallthroughCasesInSwitch": true,
        "noImplicitReturns": true,
        "forceConsistentCasingInFileNames": true
    },
    "files": ["index.ts", "consumer.ts"]
}
EOF
    (cd "$dir" && node -e '
const t = require("./tsconfig.json");
t.files = [...t.files, "consumer.ts"];
require("fs").writeFileSync("tsconfig.with-consumer.json", JSON.stringify(t));
' && ./node_modules/.bin/tsc -p tsconfig.with-consumer.json && ./node_modules/.bin/tsc -p tsconfig.pulumi-new.json \
        && echo "index.ts and consumer.ts type-check against the installed .d.ts files (node16 and node resolution)")
}

# ---- git: the repository as a git dependency
git_install() {
    local snap="$work/repo" dir="$work/git-consumer"
    git -C "$root" rev-parse --is-inside-work-tree >/dev/null || { echo "$root is not a git work tree"; return 1; }
    mkdir -p "$snap" "$dir"
    git -C "$root" ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' f; do
            case "/$f/" in */node_modules/* | /bin/*) continue ;; esac  # a symlinked node_modules is not ignored by "node_modules/"
            if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
        done \
        | tar --null -T - -cf - | tar -xf - -C "$snap"
    # A throwaway repository in the temporary folder (never this one) holding the snapshot.
    git -C "$snap" init -q \
        && git -C "$snap" add -A \
        && git -C "$snap" -c user.name=check-package -c user.email=check-package@localhost -c commit.gpgsign=false \
            commit -q --no-verify -m "snapshot of $root" || return 1
    [ ! -e "$snap/bin" ] || { echo "the snapshot has bin/: the git install would not prove that prepare builds it"; return 1; }
    printf '{ "name": "git-consumer", "version": "0.0.0", "private": true }\n' >"$dir/package.json"
    (cd "$dir" && npm install "${npm_flags[@]}" "git+file://$snap#HEAD") || return 1
    node -e '
const spec = require(process.argv[1] + "/package.json").dependencies["istio-metallb-ingress"];
if (!spec || !spec.startsWith("git+file://")) { console.error(`installed as ${spec}, not as a git dependency`); process.exit(1); }
' "$dir"
}

git_files() {
    local installed="$work/git-consumer/node_modules/istio-metallb-ingress"
    (cd "$installed" && find . -type f | sed 's#^\./##' | sort) >"$work/git-files.txt"
    if ! diff -u "$work/tarball-files.txt" "$work/git-files.txt" >"$work/git-files.diff"; then
        echo "the git install holds other files than the tarball (- tarball, + git install):"
        cat "$work/git-files.diff"
        return 1
    fi
    echo "the git install holds the tarball's $(wc -l <"$work/git-files.txt") files: prepare built bin/"
}

if step "pack" pack; then
    step "tarball install" tarball_install \
        && step "tarball require" require_check "$work/example" \
        && step "tarball type-check" tarball_typecheck
fi
step "git install" git_install && step "git require" require_check "$work/git-consumer" \
    && { [ ! -f "$work/tarball-files.txt" ] || step "git files" git_files; }

if [ "${#failed[@]}" -gt 0 ]; then
    echo "check:package failed ($((SECONDS - started)) s): ${failed[*]}"
    exit 1
fi
echo "check:package passed ($((SECONDS - started)) s): the tarball and the git install work as a dependency"
