#!/usr/bin/env bash
# Compiles the optional native BF16 kernels: every src/main/c/*.c into OUTDIR/native/linux-x86_64/libtagllm_bf16.so.
# Run by Maven (exec-maven-plugin, phase process-classes) with OUTDIR = target/classes, so the library travels in the
# jar. Optional on purpose: without Linux x86-64, gcc or a C source the Java kernels do all the work, so those cases
# print why and exit 0. A compile error does fail: a broken kernel must not ship silently as "no kernel".
# No -march=native: the kernels carry their own __attribute__((target(...))) and check the CPU at run time, so the
# library loads on any x86-64.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: build.sh OUTDIR" >&2
  exit 2
fi
out="$1"
# Only bash builtins until a compiler is found: the script must also explain itself on a bare PATH.
here="${BASH_SOURCE[0]}"
[[ "$here" == */* ]] && src="${here%/*}" || src=.
dir="$out/native/linux-x86_64"
lib="$dir/libtagllm_bf16.so"
# A skip also removes a library left by an earlier build, so OUTDIR never ships kernels older than the sources.
skip() { if [ -e "$lib" ]; then rm -f "$lib" 2>/dev/null || true; fi; echo "tagllm: native BF16 kernels skipped: $1 (the Java kernels are used)"; exit 0; }

case "${OSTYPE:-unknown}/${HOSTTYPE:-unknown}" in
  linux*/x86_64) ;;
  *) skip "not Linux x86-64 (${OSTYPE:-unknown} ${HOSTTYPE:-unknown})" ;;
esac
cc="${CC:-gcc}"
command -v "$cc" >/dev/null 2>&1 || skip "no C compiler ($cc not on PATH)"
shopt -s nullglob
sources=("$src"/*.c)
[ ${#sources[@]} -gt 0 ] || skip "no C source in $src"

# Maven runs this on every build: nothing to do, and nothing to say, while the library is newer than every source
# and this script.
fresh=1
for f in "${sources[@]}" "$src"/*.h "$here"; do [ "$lib" -nt "$f" ] || fresh=0; done
[ $fresh = 0 ] || exit 0
mkdir -p "$dir"
# Build beside the target and rename, so an interrupted or failed compile never leaves a half-written library.
tmp="$(mktemp "$dir/.libtagllm_bf16.so.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
# -ffp-contract=off: a multiply then an add stay two roundings, as in Java; the compiler may otherwise fuse them into
# one FMA (gcc does by default), and the kernels promise the Java kernels' bits.
if ! "$cc" -O3 -ffp-contract=off -fPIC -shared -Wall -o "$tmp" "${sources[@]}"; then
  echo "tagllm: native BF16 kernels failed to compile (see the $cc messages above)" >&2
  exit 1
fi
chmod 755 "$tmp"
mv -f "$tmp" "$lib"
trap - EXIT
echo "tagllm: native BF16 kernels built: $lib"
