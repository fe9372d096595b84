#!/usr/bin/env bash
# Load test of `tagllm serve` on loopback, bounded in clients and time (docs/reliability.md has the measured table).
#
#   scripts/load-test.sh [CLIENTS=200] [SECONDS=60] [SLOW_LORIS=16] [PORT=18080]
#
# Makes a QED tag file for ../shared/models/stories260K with a 2-step training run (a few seconds), starts the
# server with a 512 MB heap, warms it up (WARMUP=20 s of sequential requests, so that the JIT has compiled the
# model before the clock starts), runs scripts/LoadTest.java (JDK only: keep-alive clients sending one-molecule QED
# requests back to back, slow-loris sockets, a /health probe and the server's RSS every second), then stops it.
# TAG_SETS=n (default 1) serves the tag file as n tag sets on the one model (--tags set1=FILE ...) and spreads the
# clients over them with "tag_set" (batches are per set, so more sets mean smaller batches).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
clients=${1:-200}
seconds=${2:-60}
loris=${3:-16}
port=${4:-18080}
[ "$clients" -le 2000 ] && [ "$seconds" -le 600 ] && [ "$loris" -le 256 ] || { echo "load-test: at most 2000 clients, 600 s, 256 slow-loris sockets" >&2; exit 2; }
. "$here/.ci/java-home.sh"
tagllm_find_java
shared="${TAGLLM_SHARED:-$here/../shared}"
model="$shared/models/stories260K"
[ -d "$model" ] || { echo "load-test: no model at $model (set TAGLLM_SHARED)" >&2; exit 2; }
work="$(mktemp -d)"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cat > "$work/exp.yaml" <<YAML
model: $model
output: $work/run
defaults: {max_steps: 2, batch_size: 4}
tasks:
  qed: {preset: QED, data: {path: $shared/data/smiles/esol.csv, max_train: 16, max_eval: 4}}
stages:
  - {name: qed, stage: 2, tasks: [qed]}
YAML
"$here/tagllm" train "$work/exp.yaml" --quiet >/dev/null
sets=${TAG_SETS:-1}
[ "$sets" -ge 1 ] && [ "$sets" -le 16 ] || { echo "load-test: TAG_SETS must be 1..16" >&2; exit 2; }
tags=(--tags "$work/run/final.tags.safetensors")
if [ "$sets" -gt 1 ]; then tags=(); for i in $(seq 1 "$sets"); do tags+=(--tags "set$i=$work/run/final.tags.safetensors"); done; fi
TAGLLM_JAVA_OPTS="-Xmx512m ${TAGLLM_JAVA_OPTS:-}" "$here/tagllm" serve --model "$model" "${tags[@]}" \
  --port "$port" --quiet > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
  grep -q "listening on" "$work/serve.log" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
  sleep 0.5
done
grep -q "listening on" "$work/serve.log" || { echo "load-test: the server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }
# ./tagllm execs java, which may restart itself with the JVM flags it needs: the server is the last descendant
pid=$server
while child=$(pgrep -P "$pid" | head -1) && [ -n "$child" ]; do pid=$child; done
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
"$JAVA_HOME/bin/java" -Xss256k "$here/scripts/LoadTest.java" "http://127.0.0.1:$port" "$clients" "$seconds" "$loris" "$pid" "${WARMUP:-20}" "$sets"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
