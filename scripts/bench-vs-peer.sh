#!/usr/bin/env bash
# Times the PyTorch peer (../shared/bench/torch_tagstep.py) and `tagllm bench` back to back on one shape, in the
# same conditions, and prints the load average before each run. Nothing else should be running.
#
#   scripts/bench-vs-peer.sh [shape] [batch] [-- extra tagllm bench options]
#
# Environment: PEER_THREADS (torch threads, default 1: the peer's fastest setting on 2 cores), PEER_BLAS_DIR (a
# folder holding an OpenBLAS libblas.so.3 to load instead of the system BLAS), SHARED (default ../shared).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shape="${1:-smollm2-135m}"
batch="${2:-8}"
shift $(( $# > 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
shared="${SHARED:-$here/../shared}"
peer="$shared/bench/torch_tagstep.py"
[ -f "$peer" ] || { echo "error: $peer not found (set SHARED)" >&2; exit 1; }

echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores"
echo "== peer: load $(cut -d' ' -f1-3 /proc/loadavg)"
OPENBLAS_NUM_THREADS=2 LD_LIBRARY_PATH="${PEER_BLAS_DIR:-}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  /usr/bin/python3 -u "$peer" --shape "$shape" --batch "$batch" --threads "${PEER_THREADS:-1}"
echo "== tagllm: load $(cut -d' ' -f1-3 /proc/loadavg)"
"$here/tagllm" bench --shape "$shape" --batch "$batch" "$@"
echo "== done: load $(cut -d' ' -f1-3 /proc/loadavg)"
