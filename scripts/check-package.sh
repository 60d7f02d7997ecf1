#!/usr/bin/env bash
# Proves the built package works from another program: examples/use-as-library resolves
# "istio-metallb-ingress" to this package as npm links a file: dependency, so the type check goes
# through package.json "exports" and the emitted .d.ts files, not the sources. Then checks that
# `npm pack` would ship only what a user needs: the built library and the README.
set -euo pipefail
cd "$(dirname "$0")/.."
example=examples/use-as-library
mkdir -p "$example/node_modules"
ln -sfn ../../.. "$example/node_modules/istio-metallb-ingress"
npx tsc -p "$example"
echo "examples/use-as-library type-checks against the built package"

npm pack --dry-run --json 2>/dev/null | node -e '
const [pack] = JSON.parse(require("fs").readFileSync(0, "utf8"));
const files = pack.files.map((f) => f.path);
const allowed = /^(package\.json|README\.md|LICENSE|bin\/(components|config|model|policy\/lib)\/[^/]+\.(js|d\.ts))$/;
const extra = files.filter((f) => !allowed.test(f));
const needed = ["bin/components/index.js", "bin/components/index.d.ts", "bin/model/plan.js", "bin/config/index.js", "bin/policy/lib/istio.js"];
const missing = needed.filter((f) => !files.includes(f));
if (extra.length || missing.length) {
    console.error(`npm pack would ship ${extra.length ? `files a user does not need: ${extra.join(", ")}` : ""}${missing.length ? ` and lacks ${missing.join(", ")}` : ""}`);
    process.exit(1);
}
console.log(`npm pack ships ${files.length} files: the built library and the README`);
'
