#!/usr/bin/env bash
# Streaming time to first event for the peer comparison (docs/performance.md): the bare proxy, Portkey and
# Switchyard in front of the peer harness's fake upstream, one stream at a time, pinned (gateway on CPU 1,
# upstream and probe on CPU 0) and unpinned. The peer harness is a separate checkout, not part of this
# repository (docs/performance.md); its run.sh's wrk cells see only whole streams, so its ttfb.mjs probe
# is run here against each target in turn, after its run.sh has installed Portkey.
#
#   bash bench/peer-ttfb.sh PEER_HARNESS_DIR [STREAMS=1000]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -lt 1 ]; then
  echo "usage: bash bench/peer-ttfb.sh PEER_HARNESS_DIR [STREAMS=1000] (the peer harness checkout, with run.sh and ttfb.mjs)" >&2
  exit 2
fi
shared="$(cd "$1" && pwd)"
streams="${2:-1000}"
node="$root/node_modules/.bin/node"
upstream_port=19011
upstream="http://127.0.0.1:$upstream_port"
pids=()

stop_all() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=(); }
trap stop_all EXIT

wait_port() {
  for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on $1" >&2
  return 1
}

# probe NAME PORT CPU HEADERS...: start nothing, just measure the target on PORT.
probe() {
  local name=$1 port=$2 cpu=$3
  shift 3
  local result
  result=$(cd "$shared" && taskset -c 0 "$node" ttfb.mjs "http://127.0.0.1:$port/v1/chat/completions" 200 "$@" >/dev/null &&
    taskset -c 0 "$node" ttfb.mjs "http://127.0.0.1:$port/v1/chat/completions" "$streams" "$@")
  echo "  $name ($cpu): $(echo "$result" | tr '\n' ' ')"
}

# start PORT CPU DIR COMMAND...: a target, pinned to CPU unless CPU is "any".
start() {
  local port=$1 cpu=$2 dir=$3
  shift 3
  if [[ "$cpu" == any ]]; then (cd "$dir" && exec "$@") >/dev/null 2>&1 &
  else (cd "$dir" && exec taskset -c "$cpu" "$@") >/dev/null 2>&1 &
  fi
  pids+=($!)
  wait_port "$port"
}

for mode in pinned unpinned; do
  gateway_cpu=1
  [[ "$mode" == unpinned ]] && gateway_cpu=any
  echo "== $mode"
  start "$upstream_port" 0 "$shared" "$node" fake-upstream.mjs "$upstream_port"
  start 19111 "$gateway_cpu" "$shared" "$node" peers/bare-proxy.mjs 19111 "$upstream"
  probe bare 19111 "$mode"
  start 19211 "$gateway_cpu" "$shared" env NODE_BIN="$node" bash peers/portkey.sh start 19211
  mapfile -t portkey_headers < <(cd "$shared" && bash peers/portkey.sh headers "$upstream")
  probe portkey 19211 "$mode" "${portkey_headers[@]}"
  start 19311 "$gateway_cpu" "$root" env BENCH_UPSTREAM_URL="$upstream" "$node" bin/switchyard.js start \
    --config bench/switchyard.bench.yaml --port 19311
  probe switchyard 19311 "$mode" 'Authorization: Bearer sk-bench-tenant'
  stop_all
done
