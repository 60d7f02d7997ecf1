#!/usr/bin/env bash
# End-to-end test on a throw-away kind cluster, on your machine or in CI:
#   create the cluster → pick MetalLB addresses from its docker network → write a "ci" stack →
#   pulumi up (with the policy pack) → npm run verify → pulumi preview --expect-no-changes →
#   pulumi destroy and delete the cluster (always, also on failure; E2E_KEEP=1 keeps them).
# E2E_API=gateway-api builds the gateways with the Gateway API (and waits for them to be Programmed);
# E2E_SWITCH_TO=<api> then switches the same stack to the other API and verifies again.
# The dev stack's observability addons are on (verify checks each addon's page on the secondary
# gateway and that the primary refuses its host); E2E_ADDONS=0 leaves them out.
# Needs: docker, kind, kubectl, pulumi, node and npm. State lives in a temporary file backend.
set -euo pipefail

cd "$(dirname "$0")/.."

CLUSTER="${E2E_CLUSTER:-istio-metallb-e2e}"
STACK="${E2E_STACK:-ci}"
KEEP="${E2E_KEEP:-0}"
VERIFY_TIMEOUT="${E2E_VERIFY_TIMEOUT:-300}"
API="${E2E_API:-istio}"
SWITCH_TO="${E2E_SWITCH_TO:-}"
# Read by scripts/ciStack.ts when it writes the stack.
export E2E_ADDONS="${E2E_ADDONS:-1}"

log() { printf '\n== %s\n' "$*"; }
die() { printf 'e2e: %s\n' "$*" >&2; exit 1; }

for tool in docker kind kubectl pulumi node npm; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (needed: docker, kind, kubectl, pulumi, node, npm)"
done

state_dir="$(mktemp -d)"
outputs="$state_dir/outputs.json"
export PULUMI_BACKEND_URL="file://$state_dir"
# A throw-away stack in a throw-away backend: the passphrase protects nothing that outlives the run.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-e2e-throwaway}"
export PULUMI_SKIP_UPDATE_CHECK=true

cleanup() {
    status=$?
    if [ "$KEEP" = "1" ]; then
        log "E2E_KEEP=1: leaving cluster kind-$CLUSTER and backend $PULUMI_BACKEND_URL in place"
        exit "$status"
    fi
    log "cleaning up"
    pulumi destroy --yes --non-interactive --stack "$STACK" >/dev/null 2>&1 || echo "pulumi destroy failed (the cluster is deleted next anyway)"
    pulumi stack rm --yes --force --non-interactive --stack "$STACK" >/dev/null 2>&1 || true
    kind delete cluster --name "$CLUSTER" || true
    rm -rf "$state_dir" "Pulumi.$STACK.yaml"
    exit "$status"
}
trap cleanup EXIT INT TERM

log "installing dependencies"
npm ci --no-audit --no-fund
npm ci --no-audit --no-fund --prefix policy

log "creating kind cluster $CLUSTER"
kind create cluster --name "$CLUSTER" --wait 180s
kubectl config use-context "kind-$CLUSTER"

log "deriving MetalLB addresses from the kind docker network"
subnet="$(docker network inspect kind -f '{{range .IPAM.Config}}{{.Subnet}} {{end}}' | tr ' ' '\n' | grep -m1 -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/')"
[ -n "$subnet" ] || die "no IPv4 subnet on the docker network 'kind'"
echo "kind network: $subnet"
npx ts-node --transpile-only scripts/ciStack.ts "$subnet" "$STACK" "$API"

log "pulumi up (stack $STACK, policy pack enforced)"
pulumi login "$PULUMI_BACKEND_URL"
pulumi stack init "$STACK" --non-interactive
pulumi config set --stack "$STACK" kubernetes:context "kind-$CLUSTER"
pulumi up --yes --non-interactive --stack "$STACK" --policy-pack policy

# Gateway API gateways are ready when Programmed (istiod programmed them and MetalLB gave their Service its IP).
wait_programmed() {
    if [ "$1" = "gateway-api" ]; then
        log "waiting for every Gateway to be Programmed"
        kubectl wait --for=condition=Programmed --all --all-namespaces gateways.gateway.networking.k8s.io --timeout="${VERIFY_TIMEOUT}s"
    fi
}

verify() {
    log "verifying the edge from outside the cluster"
    pulumi stack output --json --stack "$STACK" > "$outputs"
    npm run verify -- --outputs "$outputs" --timeout "$VERIFY_TIMEOUT"
}

wait_programmed "$API"
verify

if [ -n "$SWITCH_TO" ]; then
    log "switching the stack from api $API to api $SWITCH_TO"
    pulumi config set --stack "$STACK" istio-metallb-ingress:api "$SWITCH_TO"
    pulumi up --yes --non-interactive --stack "$STACK" --policy-pack policy
    wait_programmed "$SWITCH_TO"
    verify
fi

log "idempotence: a second preview must show no changes"
pulumi preview --non-interactive --stack "$STACK" --expect-no-changes --policy-pack policy

log "end-to-end test passed"
