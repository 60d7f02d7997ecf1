#!/usr/bin/env bash
# Proves the built package works from another program: examples/use-as-library resolves
# "istio-metallb-ingress" to this package as npm links a file: dependency, so the type check goes
# through package.json "exports" and the emitted .d.ts files, not the sources.
set -euo pipefail
cd "$(dirname "$0")/.."
example=examples/use-as-library
mkdir -p "$example/node_modules"
ln -sfn ../../.. "$example/node_modules/istio-metallb-ingress"
npx tsc -p "$example"
echo "examples/use-as-library type-checks against the built package"
