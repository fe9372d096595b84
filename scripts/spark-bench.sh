#!/usr/bin/env bash
# QED scoring throughput on the same molecules: `tagllm predict` vs `tagllm spark score` on local[2] and on
# local-cluster[2,1,MB] (two executor JVMs of one core each), wall time of each whole command (JVM start, model load,
# Spark start included), with the load average before each run. (That the outputs agree to the bit is what the
# tests check: tagllm-spark ScorerTest, LocalClusterTest.)
#
#   scripts/spark-bench.sh MODEL N [WORK]     e.g. scripts/spark-bench.sh ../shared/models/stories260K 4000
#
# The QED tag file comes from a one-step training run (scoring speed does not depend on the tag values).
# Environment: SHARED (default ../shared), EXECUTOR_MB (local-cluster executor memory, default 2048).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
model="$(cd "$1" && pwd)"
n="$2"
work="${3:-$here/runs/spark-bench/$(basename "$model")}"
shared="${SHARED:-$here/../shared}"
zinc="$(cd "$shared/data/smiles" && pwd)/zinc20k.csv"
mkdir -p "$work"
# the first N molecules, one column
head -n $((n + 1)) "$zinc" | cut -d, -f1 > "$work/in.csv"
cat > "$work/qed.yaml" <<YAML
model: $model
output: $work/train
tasks:
  qed: {preset: QED, data: {path: $zinc, max_train: 8, max_eval: 4}}
stages:
  - {name: qed, stage: 2, tasks: [qed], max_steps: 1, batch_size: 2, grad_accum: 1}
YAML
"$here/tagllm" train "$work/qed.yaml" --force -q > /dev/null
tags="$work/train/final.tags.safetensors"
"$here/tagllm" spark --help > /dev/null # builds tagllm-spark when needed, outside the timings

run() {
  local name="$1"; shift
  echo "== $name: load $(cut -d' ' -f1-3 /proc/loadavg)"
  local t0 t1
  t0=$(date +%s.%N)
  "$@"
  t1=$(date +%s.%N)
  awk -v n="$n" -v a="$t0" -v b="$t1" -v name="$name" 'BEGIN { printf "%s: %d molecules in %.1f s = %.2f molecules/s\n", name, n, b - a, n / (b - a) }' | tee -a "$work/results.txt"
}
: > "$work/results.txt"
run "predict" "$here/tagllm" predict --model "$model" --tags "$tags" --task QED --input "$work/in.csv" --output "$work/predict.csv"
run "spark local[2]" "$here/tagllm" spark score --master 'local[2]' --model "$model" --tags "$tags" --task QED \
  --input "$work/in.csv" --output "$work/local2.parquet" --partitions 2 --force
run "spark local-cluster[2,1,${EXECUTOR_MB:-2048}]" "$here/tagllm" spark score --master "local-cluster[2,1,${EXECUTOR_MB:-2048}]" \
  --conf spark.executor.memory="${EXECUTOR_MB:-2048}m" --model "$model" --tags "$tags" --task QED \
  --input "$work/in.csv" --output "$work/cluster.parquet" --partitions 2 --force
echo "== done: load $(cut -d' ' -f1-3 /proc/loadavg)"
