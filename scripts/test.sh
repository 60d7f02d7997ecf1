#!/usr/bin/env bash
# `npm test`: the type checks and the mocha suite side by side (tsc runs on one core while mocha's
# workers load), the type checks' output after mocha's; either failing fails the run.
set -u
cd "$(dirname "$0")/.."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
npm run -s typecheck >"$log" 2>&1 &
typecheck=$!
npx mocha "$@"
tests=$?
wait "$typecheck"
types=$?
if [ "$types" -ne 0 ]; then
    echo "== type check failed"
    cat "$log"
else
    echo "type check passed"
fi
[ "$tests" -eq 0 ] && [ "$types" -eq 0 ]
