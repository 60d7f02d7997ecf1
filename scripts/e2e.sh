#!/usr/bin/env bash
# End-to-end test on a throw-away kind cluster, on your machine or in CI:
#   create the cluster → pick MetalLB addresses from its docker network → write a "ci" stack →
#   pulumi up (with the policy pack) → npm run verify → pulumi preview --expect-no-changes →
#   pulumi destroy and delete the cluster (always, also on failure; E2E_KEEP=1 keeps them).
# E2E_API=gateway-api builds the gateways with the Gateway API (and waits for them to be Programmed);
# E2E_SWITCH_TO=<api> then switches the same stack to the other API and verifies again.
# The dev stack's observability addons are on (verify checks each addon's page on the secondary
# gateway and that the primary refuses its host); E2E_ADDONS=0 leaves them out.
# E2E_BGP=1 announces the gateways over BGP instead, as MetalLB's own e2e tests do: an FRR router
# container on the kind network (scripts/e2eRouter.ts writes its configuration from the nodes'
# InternalIPs) peers with every node over eBGP (router AS 64500, cluster AS 64512) with a TCP MD5
# password and BFD; the gateways get addresses outside the kind network (BGP_PREFIX) in a pool
# announced over BGP only, so only the router has a route to them. The script waits until the router
# shows every session Established (BFD up) and has learned each gateway IP with a next hop on a node,
# then routes BGP_PREFIX from this host to the router and runs verify through it (--router).
# Each step says how long the one before it took, and a summary of all of them ends the run.
# Needs: docker, kind, kubectl, pulumi, node and npm (E2E_BGP=1: also Linux, ip and root or sudo).
# State lives in a temporary file backend.
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
export E2E_BGP="${E2E_BGP:-0}"
BGP="$E2E_BGP"
# The BGP router container (E2E_BGP=1), on the kind docker network; its image pinned.
ROUTER="${E2E_ROUTER:-$CLUSTER-frr}"
FRR_IMAGE="${E2E_FRR_IMAGE:-quay.io/frrouting/frr:10.5.3}"
# The gateways' addresses over BGP: scripts/e2eRouter.ts BGP_E2E.gatewayPrefix, outside the kind network.
BGP_PREFIX="10.99.0.0/24"

# Step timings: each `log` closes the step before it and says how long it took; print_timings sums up.
step=""
step_started=$SECONDS
run_started=$SECONDS
timings=""

duration() {
    if [ "$1" -ge 60 ]; then printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); else printf '%ds' "$1"; fi
}

end_step() {
    [ -n "$step" ] || return 0
    local took=$((SECONDS - step_started))
    printf -- '-- %s took %s\n' "$step" "$(duration "$took")"
    timings+="$(printf '%8s  %s' "$(duration "$took")" "$step")"$'\n'
    step=""
}

log() {
    end_step
    step="$*"
    step_started=$SECONDS
    printf '\n== %s\n' "$*"
}

print_timings() {
    end_step
    printf '\n== timings\n%s%8s  total\n' "$timings" "$(duration $((SECONDS - run_started)))"
}

die() { printf 'e2e: %s\n' "$*" >&2; exit 1; }

# Root for `ip route` (the host route to the BGP router): directly, or through sudo.
as_root() {
    if [ "$(id -u)" = "0" ]; then "$@"; else sudo "$@"; fi
}

for tool in docker kind kubectl pulumi node npm; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (needed: docker, kind, kubectl, pulumi, node, npm)"
done

case "$BGP" in
    0) ;;
    1)
        # Only on Linux is this host on the kind bridge, so that a route via the router's address works
        # (Docker Desktop keeps the bridge inside its VM).
        [ "$(uname -s)" = "Linux" ] || die "E2E_BGP=1 needs Linux: the host routes $BGP_PREFIX to the router container on the kind bridge, which Docker Desktop keeps inside its VM"
        command -v ip >/dev/null 2>&1 || die "E2E_BGP=1 needs ip (iproute2) to route $BGP_PREFIX to the router"
        [ "$(id -u)" = "0" ] || command -v sudo >/dev/null 2>&1 || die "E2E_BGP=1 needs root or sudo for \`ip route replace $BGP_PREFIX via <router>\`"
        if [ -n "$(ip route show "$BGP_PREFIX")" ]; then
            die "this host already routes $BGP_PREFIX ($(ip route show "$BGP_PREFIX")); the BGP test would take that route over"
        fi
        ;;
    *) die "E2E_BGP must be 0 or 1, not $BGP" ;;
esac

state_dir="$(mktemp -d)"
outputs="$state_dir/outputs.json"
export PULUMI_BACKEND_URL="file://$state_dir"
# A throw-away stack in a throw-away backend: the passphrase protects nothing that outlives the run.
export PULUMI_CONFIG_PASSPHRASE="${PULUMI_CONFIG_PASSPHRASE:-e2e-throwaway}"
export PULUMI_SKIP_UPDATE_CHECK=true

# Set once the BGP router is started / the host routes BGP_PREFIX to it, so that cleanup removes them.
router_started=0
router_ip=""
host_route=0
node_ips=""

cleanup() {
    status=$?
    if [ "$status" != "0" ] && [ -n "$step" ]; then step="$step (FAILED)"; fi
    if [ "$KEEP" = "1" ]; then
        log "E2E_KEEP=1: leaving cluster kind-$CLUSTER and backend $PULUMI_BACKEND_URL in place"
        if [ "$router_started" = "1" ]; then echo "and the BGP router: docker rm -f $ROUTER removes it"; fi
        if [ "$host_route" = "1" ]; then echo "and the host route: sudo ip route del $BGP_PREFIX via $router_ip"; fi
        print_timings
        exit "$status"
    fi
    log "cleaning up"
    pulumi destroy --yes --non-interactive --stack "$STACK" >/dev/null 2>&1 || echo "pulumi destroy failed (the cluster is deleted next anyway)"
    pulumi stack rm --yes --force --non-interactive --stack "$STACK" >/dev/null 2>&1 || true
    if [ "$host_route" = "1" ]; then
        as_root ip route del "$BGP_PREFIX" via "$router_ip" || echo "could not remove the host route; remove it with: sudo ip route del $BGP_PREFIX via $router_ip"
    fi
    if [ "$router_started" = "1" ]; then
        # Hand /etc/frr back to this user in case the image's daemons took files of it, so that rm works.
        docker exec "$ROUTER" chown -R "$(id -u):$(id -g)" /etc/frr >/dev/null 2>&1 || true
        docker rm -f "$ROUTER" >/dev/null 2>&1 || echo "could not remove the BGP router; remove it with: docker rm -f $ROUTER"
    fi
    kind delete cluster --name "$CLUSTER" || true
    rm -rf "$state_dir" "Pulumi.$STACK.yaml" || echo "could not remove $state_dir"
    print_timings
    exit "$status"
}
# Always on the way out; ctrl-c and TERM leave through it with their own exit codes.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The BGP router (E2E_BGP=1), as MetalLB's dev-env starts it: FRR in a privileged container on the
# kind network, its /etc/frr written from the nodes' InternalIPs. MetalLB's speakers only dial out,
# so the router listens on TCP 179. Its IP, from docker, becomes the stack's peer address.
start_router() {
    node_ips="$(kubectl get nodes -o jsonpath='{.items[*].status.addresses[?(@.type=="InternalIP")].address}')"
    [ -n "$node_ips" ] || die "the cluster's nodes have no InternalIP address (kubectl get nodes -o wide)"
    echo "node InternalIPs: $node_ips"
    if docker container inspect "$ROUTER" >/dev/null 2>&1; then
        die "a container named $ROUTER exists already (left by a run with E2E_KEEP=1?); remove it with: docker rm -f $ROUTER"
    fi
    # The sessions' TCP MD5 password: new for every run; the router's bgpd.conf has it, and the stack
    # gets it as a secret (never in plain text in Pulumi.$STACK.yaml). "e2e-" keeps it a string for
    # `pulumi config set --path`, which would read digits alone as a number.
    bgp_password="e2e-$(node -e 'process.stdout.write(require("crypto").randomBytes(16).toString("hex"))')"
    E2E_BGP_PASSWORD="$bgp_password" npx ts-node --transpile-only scripts/e2eRouter.ts files "$state_dir/frr" --nodes "$node_ips"
    router_started=1
    docker run -d --privileged --network kind --rm --name "$ROUTER" --label "istio-metallb-ingress.e2e=$CLUSTER" \
        --volume "$state_dir/frr:/etc/frr" "$FRR_IMAGE" >/dev/null
    router_ip="$(docker inspect -f '{{(index .NetworkSettings.Networks "kind").IPAddress}}' "$ROUTER")"
    [ -n "$router_ip" ] || die "the router container $ROUTER has no address on the docker network kind"
    echo "BGP router $ROUTER: $router_ip (AS 64500; the cluster is AS 64512)"
    # The router forwards the host's traffic for the gateways to the nodes; without redirects, so that
    # the host keeps sending it through the router instead of learning the node as a shortcut.
    # shellcheck disable=SC2016 # expanded by the router's shell
    docker exec "$ROUTER" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward && for f in /proc/sys/net/ipv4/conf/*/send_redirects; do echo 0 > "$f"; done'
    npx ts-node --transpile-only scripts/e2eRouter.ts wait-ready --router "$ROUTER" --nodes "$node_ips" --timeout 120 \
        || { bgp_diagnostics; die "the BGP router did not start with its configuration"; }
    export E2E_BGP_ROUTER_IP="$router_ip"
}

# What the router and MetalLB say about the sessions, when a BGP wait fails (no password in it).
bgp_diagnostics() {
    docker exec "$ROUTER" vtysh -c "show bgp summary" || true
    docker exec "$ROUTER" vtysh -c "show bfd peers brief" || true
    docker exec "$ROUTER" tail -n 50 /tmp/bgpd.log || true
    docker logs --tail 20 "$ROUTER" || true
    kubectl get bgppeers,bfdprofiles,bgpadvertisements,ipaddresspools -A || true
    kubectl get bgpsessionstates -A || true
}

# After `pulumi up`: the sessions, then the routes, as the router sees them.
bgp_checks() {
    log "waiting until the router has every node's BGP session Established, with BFD up"
    npx ts-node --transpile-only scripts/e2eRouter.ts wait-sessions --router "$ROUTER" --nodes "$node_ips" --timeout "$VERIFY_TIMEOUT" \
        || { bgp_diagnostics; die "the BGP sessions did not come up"; }
    log "waiting until the router has learned every gateway IP, with next hops on the nodes"
    npx ts-node --transpile-only scripts/e2eRouter.ts wait-routes --router "$ROUTER" --nodes "$node_ips" --outputs "$outputs" --timeout "$VERIFY_TIMEOUT" \
        || { bgp_diagnostics; die "the router did not learn the gateway IPs"; }
    if [ "$host_route" = "0" ]; then
        # Only the router has a (BGP) route to the gateways; this host reaches them through it, as a
        # client behind that router would. The replies come straight from the node: same bridge.
        log "routing $BGP_PREFIX from this host through the router ($router_ip)"
        as_root ip route replace "$BGP_PREFIX" via "$router_ip"
        host_route=1
        ip route show "$BGP_PREFIX"
    fi
}

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
if [ "$BGP" = "1" ]; then
    log "starting the BGP router $ROUTER ($FRR_IMAGE) on the kind network"
    start_router
fi
npx ts-node --transpile-only scripts/ciStack.ts "$subnet" "$STACK" "$API"

log "pulumi up (stack $STACK, policy pack enforced)"
pulumi login "$PULUMI_BACKEND_URL"
pulumi stack init "$STACK" --non-interactive
pulumi config set --stack "$STACK" kubernetes:context "kind-$CLUSTER"
if [ "$BGP" = "1" ]; then
    # The password MetalLB's side of the sessions uses, encrypted in the stack file (a throw-away value).
    pulumi config set --stack "$STACK" --secret --path 'metallb.bgp.peers[0].password' "$bgp_password"
fi
pulumi up --yes --non-interactive --stack "$STACK" --policy-pack policy

# Gateway API gateways are ready when Programmed (istiod programmed them and MetalLB gave their Service its IP).
wait_programmed() {
    if [ "$1" = "gateway-api" ]; then
        log "waiting for every Gateway to be Programmed"
        kubectl wait --for=condition=Programmed --all --all-namespaces gateways.gateway.networking.k8s.io --timeout="${VERIFY_TIMEOUT}s"
    fi
}

verify() {
    if [ "$BGP" = "1" ]; then
        log "reading the stack outputs (stack $STACK)"
        pulumi stack output --json --stack "$STACK" > "$outputs"
        bgp_checks
        log "verifying the edge from outside the cluster, through the BGP router $ROUTER"
        # --router: verify also reports the router's next hops for each gateway IP.
        npm run verify -- --outputs "$outputs" --timeout "$VERIFY_TIMEOUT" --router "$ROUTER"
    else
        log "verifying the edge from outside the cluster"
        pulumi stack output --json --stack "$STACK" > "$outputs"
        npm run verify -- --outputs "$outputs" --timeout "$VERIFY_TIMEOUT"
    fi
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
