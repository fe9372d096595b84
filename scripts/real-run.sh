#!/usr/bin/env bash
# A training run and a prediction run as a user makes them, on batches whose lengths differ from step to step (the
# fixed-shape step of `tagllm bench` never sees that): SmolLM2-135M's shape with random BF16 weights (`tagllm model
# init`), 160 stage-2 steps of ESOL from ../shared, then ESOL predictions for 4,000 ZINC molecules; for each, the
# wall time, the peak resident memory, the young collections and their pauses (from -Xlog:gc), and the training's
# tokens/s. Issue 16's eighth pass found the engine's buffer pool missing on every new batch length here (8 GB
# resident, a fifth of the wall time in GC) while the bench looked clean.
#
#   scripts/real-run.sh [TAGLLM_CHECKOUT] [WORK_DIR]
#
# TAGLLM_CHECKOUT (default: this one) is the checkout whose ./tagllm runs, so two versions can be alternated; WORK_DIR
# (default: a temporary folder, removed afterwards) keeps the model between calls. Environment: COMPUTE (bf16 or
# f32, default bf16), STEPS (default 160), ROWS (molecules to predict, default 4000).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
checkout="$(cd "${1:-$here}" && pwd)"
shared="$(cd "$here/../shared" 2>/dev/null && pwd)" || { echo "error: needs ../shared beside $here (the ESOL and ZINC data)" >&2; exit 2; }
compute=${COMPUTE:-bf16} steps=${STEPS:-160} rows=${ROWS:-4000}
if [ $# -ge 2 ]; then
  work="$2"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi
if [ ! -f "$work/smol/model.safetensors" ]; then
  cat > "$work/config.json" <<'EOF'
{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 576, "intermediate_size": 1536,
 "num_hidden_layers": 30, "num_attention_heads": 9, "num_key_value_heads": 3, "vocab_size": 49152,
 "max_position_embeddings": 8192, "rms_norm_eps": 1e-5, "rope_theta": 100000, "tie_word_embeddings": true,
 "hidden_act": "silu", "initializer_range": 0.041666666666666664, "bos_token_id": 0, "eos_token_id": 0,
 "torch_dtype": "bfloat16"}
EOF
  "$checkout/tagllm" model init --config "$work/config.json" --dtype bf16 --out "$work/smol" --force >/dev/null
fi
cat > "$work/esol.yaml" <<EOF
model: smol
output: run
seed: 0
tag_length: 10
defaults: {batch_size: 8, grad_accum: 1, warmup_ratio: 0.03, schedule: cosine}
tasks:
  esol:
    preset: ESOL
    max_length: 128
    head: {bias: true, standardize: true}
    data: {path: $shared/data/smiles/esol.csv, split: {scaffold: [0.8, 0.1, 0.1], seed: 0}}
stages:
  - {name: s2, stage: 2, tasks: [esol], max_steps: $steps, lr: 0.005, eval_every: 1000}
EOF
head -n $((rows + 1)) "$shared/data/smiles/zinc20k.csv" > "$work/zinc.csv"

# what: the label; the rest: the tagllm command line, run with GC logging under /usr/bin/time when it exists
measure() {
  local what=$1
  shift
  rm -f "$work/gc.log" "$work/time.txt"
  local timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%e %M" -o "$work/time.txt")
  local start=$SECONDS
  TAGLLM_JAVA_OPTS="${TAGLLM_JAVA_OPTS:-} -Xlog:gc:file=$work/gc.log" ${timer[@]+"${timer[@]}"} "$checkout/tagllm" "$@" -q --force \
      > "$work/out.txt" 2>&1 || { echo "error: $what failed:" >&2; tail -5 "$work/out.txt" >&2; exit 1; }
  local wall=$((SECONDS - start)) rss="n/a"
  if [ -f "$work/time.txt" ]; then
    read -r wall kb < "$work/time.txt"
    rss="$((kb / 1024)) MB"
  fi
  local young pause
  young=$(grep -c 'Pause Young' "$work/gc.log" || true)
  pause=$(awk '/Pause/ { v = $NF; sub("ms", "", v); s += v } END { printf "%.2f", s / 1000 }' "$work/gc.log")
  printf '%-8s wall %s s, peak RSS %s, young collections %s, GC pauses %s s' "$what" "$wall" "$rss" "$young" "$pause"
}

cd "$work"
measure train train esol.yaml --compute "$compute"
echo ", $(grep -o '"tokens_per_s":[0-9]*' run/metrics.jsonl | tail -1 | cut -d: -f2) tokens/s over the run"
measure predict predict --model smol --tags run/final.tags.safetensors --task ESOL --input zinc.csv -o preds.csv --compute "$compute"
echo ", $rows molecules"
