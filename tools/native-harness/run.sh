#!/usr/bin/env bash
# Builds a harness against the engine's own src/main/c/tagllm_bf16.c and runs it (it needs a CPU with AVX512_BF16).
#   run.sh [m] [rounds] [threads of the cut] [tasks per thread]
#       products.c on one core (core 1 when there are two or more): B packed per task against B packed once, on
#       Gemm's cut of the SmolLM2-135M training step's products; defaults 1024 11 2 16.
#   run.sh threads [m] [rounds] [tasks per thread]
#       threads.c on two threads: tasks from one shared counter against owned contiguous shares (Parallel's order);
#       defaults 1024 15 16.
#   run.sh lanes [m] [rounds]
#       lanes.c on two threads: both on every product (Gemm's cut, a join per product) against each on its own half
#       of the rows with no join until the round ends (the batch split by sequence); defaults 1024 15.
#   run.sh tile [red] [rounds]
#       tile.c on one core: the register tile alone on operands that stay in L1 (one 14-row tile of A, one panel of B),
#       as a share of the BF16 peak loop; defaults 576 15.
#   run.sh packing [rounds]
#       packing.c on one core: the backward's B = W packed from W^T packed (BF16 compute's one copy) for every layer matrix of SmolLM2-135M
#       (from memory), against packing the same words from row-major W (the reference), alternated round by round.
#   run.sh attention [rows] [rounds] [sets] [dense]
#       attention.c on one core: BF16 compute's attention forward and backward of one block (a SmolLM2-135M kv group of
#       3 heads, a causal sequence of rows query rows and keys), as useful GFLOP/s and a share of the BF16 peak;
#       sets > 1 cycles through that many blocks' operands (from memory), dense keeps only the block's columns;
#       defaults 128 7 1.
#   run.sh weights [m] [rounds]
#       weights.c on one core: the forward products of all 30 layers (B = W^T packed, as BF16 compute holds it), each
#       layer's own weights (212 MB, from memory) against layer 0's for every layer (from cache); defaults 1024 9.
#   run.sh matvec [rounds]
#       matvec.c on one core: decode's one-row loop over W^T packed against Java's BF16 panels, the same memory, on
#       4 KB pages and on huge pages; default 15.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
lib="$here/../../src/main/c/tagllm_bf16.c"
core=$(( $(nproc) > 1 ? 1 : 0 ))
# build NAME [compiler arguments...]: NAME.c (with the library or its other arguments) into $out/NAME
build() { local name=$1; shift; "${CC:-gcc}" -O3 -Wall "$@" -o "$out/$name" "$here/$name.c"; }
case "${1:-}" in
  packing) shift; build packing -Wno-unused-function; taskset -c "$core" "$out/packing" "$@" ;; # includes the library
  matvec|tile|weights) name=$1; shift; build "$name" "$lib"; taskset -c "$core" "$out/$name" "$@" ;;
  # libm after the sources that call it, which build() cannot put there
  attention) shift; "${CC:-gcc}" -O3 -Wall -o "$out/attention" "$here/attention.c" "$lib" -lm; taskset -c "$core" "$out/attention" "$@" ;;
  threads|lanes) name=$1; shift; build "$name" -pthread "$lib"; "$out/$name" "$@" ;;
  *) build products "$lib"; taskset -c "$core" "$out/products" "$@" ;;
esac
