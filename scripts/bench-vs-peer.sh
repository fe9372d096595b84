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
#   ROUNDS        1 (default): runs of the pair; with more, the order alternates (peer first, then tagllm first, ...)
#                 and a summary gives, per work, the median of each side, the ratio of the medians, the median and
#                 range of the per-round ratios (each round's two sides ran minutes apart, so their ratio is the
#                 paired estimate, steadier when the machine's speed moves between rounds) and the range of
#                 tagllm's share of the peak of its precision (the bench's
#                 peaks: the higher of the measurements before and after its works), then the range of its memory
#                 ratios. This machine's speed drifts 15-40% between launches minutes apart, so one pair is a
#                 sample, not a measurement.
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
predict_opts=()
# bench refuses --molecules when no chosen work reads it
[ "${PREDICT:-1}" = 1 ] && works="$works,predict" && predict_opts=(--molecules "$molecules")
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "== machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(nproc) cores"
rounds="${ROUNDS:-1}"
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT
run_peer() {
  "${peer_env[@]}" "$python" -u "$peer" --shape "$shape" --batch "$batch" "${peer_opts[@]}" ${PEER_ARGS:-} | tee -a "$1"
  if [ "${PREDICT:-1}" = 1 ]; then
    echo "== [$prec] peer predict: load $(load)"
    "${peer_env[@]}" SHARED="$shared" "$python" -u "$here/scripts/torch_predict.py" --shape "$shape" --molecules "$molecules" \
      "${peer_opts[@]}" | tee -a "$1"
  fi
}
for prec in "${precisions[@]}"; do
  if [ "$prec" = bf16 ]; then
    peer_opts=(--autocast bf16 --threads "${PEER_THREADS:-2}")
  else
    peer_opts=(--threads "${PEER_THREADS:-1}")
  fi
  peer_env=(env OPENBLAS_NUM_THREADS=2 LD_LIBRARY_PATH="${PEER_BLAS_DIR:-}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
  for r in $(seq 1 "$rounds"); do
    order=(peer tagllm)
    [ $((r % 2)) = 0 ] && order=(tagllm peer)
    for side in "${order[@]}"; do
      if [ "$side" = peer ]; then
        echo "== [$prec] round $r/$rounds peer train/prefill/decode: load $(load)"
        run_peer "$log/$prec.peer.$r"
      else
        echo "== [$prec] round $r/$rounds tagllm: load $(load)"
        "$here/tagllm" bench --shape "$shape" --batch "$batch" --compute "$prec" --work "$works" "${predict_opts[@]}" "$@" \
          | tee "$log/$prec.tagllm.$r"
      fi
    done
  done
  if [ "$rounds" -gt 1 ]; then
    echo "== [$prec] summary over $rounds rounds (tokens/s; predict: molecules/s)"
    "$python" - "$log" "$prec" "$rounds" <<'PY'
import json, statistics, sys
log, prec, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
peer, ours, share, memory = {}, {}, {}, []
for r in range(1, rounds + 1):
    for line in open(f"{log}/{prec}.peer.{r}"):
        if line.startswith("{"):
            d = json.loads(line)
            peer.setdefault(d["work"], {})[r] = d["molecules_per_s"] if d["work"] == "predict" else d["tokens_per_s"]
    for line in open(f"{log}/{prec}.tagllm.{r}"):
        f = line.split()
        # the memory line ends with the ratio to the budget
        if line.startswith("memory:"):
            memory.append(float(f[-1]))
        # the table row: work, median s, tokens/s, examples/s, ...
        if len(f) >= 4 and f[0] in ("train", "prefill", "decode", "predict"):
            ours.setdefault(f[0], {})[r] = float(f[3]) if f[0] == "predict" else float(f[2])
            # the last column: the share of the peak of the precision computed in (% BF16 with bf16, else % peak)
            if f[-1].endswith("%"):
                share.setdefault(f[0], {})[r] = float(f[-1].rstrip("%"))
print(f"{'work':<8} {'peer median':>12} {'tagllm median':>14} {'ratio':>6}  per-round ratios: median (range)   tagllm % of the {prec.upper()} peak per round")
for w in ("train", "prefill", "decode", "predict"):
    if w not in peer or w not in ours: continue
    both = sorted(set(peer[w]) & set(ours[w]))
    rs = [ours[w][r] / peer[w][r] for r in both]
    pm, om = statistics.median(peer[w].values()), statistics.median(ours[w].values())
    sh = sorted(share.get(w, {}).values())
    shares = f"{sh[0]:.0f}-{sh[-1]:.0f}%" if sh else "-"
    print(f"{w:<8} {pm:>12.1f} {om:>14.1f} {om / pm:>6.2f}  {statistics.median(rs):.2f} ({min(rs):.2f}-{max(rs):.2f}) over {len(rs)}   {shares}")
if memory:
    print(f"memory: peak RSS / (1.5·weights + activations) {min(memory):.2f}-{max(memory):.2f} over {len(memory)}")
PY
  fi
done
echo "== done: load $(load)"
