#!/usr/bin/env bash
# Builds tools/native-harness/products.c against the engine's own src/main/c/tagllm_bf16.c and runs it on one core
# (core 1 when there are two or more; it needs a CPU with AVX512_BF16). Arguments: [m] [rounds] [threads of the cut]
# [tasks per thread]; defaults 1024 11 2 16, Gemm's cut of the SmolLM2-135M training step's products.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
"${CC:-gcc}" -O3 -Wall -o "$out/products" "$here/products.c" "$here/../../src/main/c/tagllm_bf16.c"
core=$(( $(nproc) > 1 ? 1 : 0 ))
taskset -c "$core" "$out/products" "$@"
