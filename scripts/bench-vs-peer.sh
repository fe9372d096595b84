#!/usr/bin/env bash
# Times the PyTorch peer (../shared/bench/torch_tagstep.py for train/prefill/decode, scripts/torch_predict.py for
# batch prediction) and `tagllm bench` back to back on one shape, at the same precision and in the same conditions,
# and prints the load average before each run. Nothing else should be running.
#
#   scripts/bench-vs-peer.sh [shape] [batch] [-- extra tagllm bench options]
#
# Environment:
#   PRECISION     f32 (default): the peer in FP32 (OpenBLAS: OPENBLAS_NUM_THREADS=2, torch threads PEER_THREADS,
#                 default 1, its fastest setting on 2 cores) beside tagllm --compute f32;
#                 bf16: the peer under torch.autocast bfloat16 (oneDNN, torch threads PEER_THREADS, default 2) beside
#                 tagllm --compute bf16; both: f32, then bf16.
#   PREDICT       1 (default): also batch prediction (MOLECULES molecules, default 64); 0: skip it.
#   PEER_BLAS_DIR a folder holding an OpenBLAS libblas.so.3 to load instead of the system BLAS.
#   PEER_ARGS     more torch_tagstep.py options, e.g. "--repeats 3"; SHARED (default ../shared); PYTHON (default
#                 /usr/bin/python3, where Debian's python3-torch is).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shape="${1:-smollm2-135m}"
batch="${2:-8}"
shift $(( $# > 2 ? 2 : $# ))
[ "${1:-}" = "--" ] && shift
shared="${SHARED:-$here/../shared}"
peer="$shared/bench/torch_tagstep.py"
[ -f "$peer" ] || { echo "error: $peer not found (set SHARED)" >&2; exit 1; }
python="${PYTHON:-/usr/bin/python3}"
"$python" -c 'import torch' 2>/dev/null || { echo "error: $python cannot import torch (apt-get install python3-torch)" >&2; exit 1; }
precision="${PRECISION:-f32}"
case "$precision" in
  f32|bf16) precisions=("$precision") ;;
  both) precisions=(f32 bf16) ;;
  *) echo "error: PRECISION must be f32, bf16 or both, got '$precision'" >&2; exit 2 ;;
esac
molecules="${MOLECULES:-64}"
works=train,prefill,decode
[ "${PREDICT:-1}" = 1 ] && works="$works,predict"
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores"
for prec in "${precisions[@]}"; do
  if [ "$prec" = bf16 ]; then
    peer_opts=(--autocast bf16 --threads "${PEER_THREADS:-2}")
  else
    peer_opts=(--threads "${PEER_THREADS:-1}")
  fi
  peer_env=(env OPENBLAS_NUM_THREADS=2 LD_LIBRARY_PATH="${PEER_BLAS_DIR:-}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
  echo "== [$prec] peer train/prefill/decode: load $(load)"
  "${peer_env[@]}" "$python" -u "$peer" --shape "$shape" --batch "$batch" "${peer_opts[@]}" ${PEER_ARGS:-}
  if [ "${PREDICT:-1}" = 1 ]; then
    echo "== [$prec] peer predict: load $(load)"
    "${peer_env[@]}" SHARED="$shared" "$python" -u "$here/scripts/torch_predict.py" --shape "$shape" --molecules "$molecules" \
      "${peer_opts[@]}"
  fi
  echo "== [$prec] tagllm: load $(load)"
  "$here/tagllm" bench --shape "$shape" --batch "$batch" --compute "$prec" --work "$works" --molecules "$molecules" "$@"
done
echo "== done: load $(load)"
