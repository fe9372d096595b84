#!/usr/bin/env bash
# Two versions of tagllm timed against each other, alternated: builds each git revision in a temporary worktree, then
# runs `tagllm bench --no-peak` of each in turn, swapping which goes first every round, and prints every round, each
# side's median per work, the change of the medians and how many rounds the second side won. This machine's speed
# drifts 15-40% between launches minutes apart: a single before/after pair says little, alternated rounds do.
#
#   scripts/bench-ab.sh REV_A REV_B [tagllm bench options...]
#   e.g. ROUNDS=6 scripts/bench-ab.sh cf61350 HEAD --shape smollm2-135m --compute bf16 --work train,prefill
#
# Environment: ROUNDS (default 5). Nothing else should be running. REV_B may be the working tree: use "." (its
# target/tagllm.jar as last built by ./tagllm or mvn package).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
. "$here/.ci/java-home.sh"
tagllm_find_java
if [ $# -lt 2 ]; then
  echo "usage: scripts/bench-ab.sh REV_A REV_B [tagllm bench options...]" >&2
  exit 2
fi
rev_a=$1 rev_b=$2
shift 2
rounds=${ROUNDS:-5}
case "$rounds" in ''|*[!0-9]*|0) echo "error: ROUNDS must be a positive integer, not '$rounds'" >&2; exit 2 ;; esac
work="$(mktemp -d)"
cleanup() {
  for side in a b; do
    [ -d "$work/$side" ] && git -C "$here" worktree remove --force "$work/$side" >/dev/null 2>&1 || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

# the folder holding target/tagllm.jar and target/lib for one side: "." is this checkout, anything else is built
prepare() {
  local side=$1 rev=$2
  if [ "$rev" = . ]; then
    [ -f "$here/target/tagllm.jar" ] || { echo "error: no $here/target/tagllm.jar: build it first (mvn package -DskipTests)" >&2; exit 1; }
    echo "$here"
    return
  fi
  git -C "$here" rev-parse --verify --quiet "$rev^{commit}" >/dev/null || { echo "error: '$rev' is not a commit of $here" >&2; exit 1; }
  git -C "$here" worktree add --detach --quiet "$work/$side" "$rev" >&2
  echo "bench-ab: building $rev ..." >&2
  # (Maven 3.8 prints bare colour resets even in batch mode: dropped, as ./tagllm does)
  (cd "$work/$side" && mvn -q -B package -DskipTests 2>&1 | sed -e $'s/\x1b\\[0m//g' >&2)
  echo "$work/$side"
}
dir_a=$(prepare a "$rev_a")
dir_b=$(prepare b "$rev_b")

run() {
  "$JAVA_HOME/bin/java" -XX:+UseSerialGC --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
    -cp "$1/target/tagllm.jar:$1/target/lib/*" tagllm.cli.Main bench --no-peak --json "${@:2}" 2>/dev/null
}

results="$work/results.tsv"
: > "$results"
for r in $(seq 1 "$rounds"); do
  order="a b"
  [ $((r % 2)) = 0 ] && order="b a"
  for side in $order; do
    dir=$dir_a
    [ "$side" = b ] && dir=$dir_b
    echo "== round $r/$rounds, ${side^^} ($([ "$side" = a ] && echo "$rev_a" || echo "$rev_b")): load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    json=$(run "$dir" "$@") || { echo "error: tagllm bench failed for side ${side^^}" >&2; exit 1; }
    # one line per work: side, round, work, tokens/s (examples/s for predict)
    python3 - "$side" "$r" "$json" >> "$results" <<'PY'
import json, sys
side, rnd, text = sys.argv[1], sys.argv[2], sys.argv[3]
doc = json.loads(text)
for res in doc["results"]:
    rate = res.get("examples_per_s") if res["work"] == "predict" else res.get("tokens_per_s")
    print(f"{side}\t{rnd}\t{res['work']}\t{rate}")
PY
  done
done

python3 - "$results" "$rev_a" "$rev_b" <<'PY'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines() if line]
rev_a, rev_b = sys.argv[2], sys.argv[3]
works = list(dict.fromkeys(r[2] for r in rows))
print(f"{'work':<10} {'round':>5} {'A':>10} {'B':>10}")
for w in works:
    for rnd in sorted({int(r[1]) for r in rows}):
        a = [float(r[3]) for r in rows if r[2] == w and r[0] == "a" and int(r[1]) == rnd]
        b = [float(r[3]) for r in rows if r[2] == w and r[0] == "b" and int(r[1]) == rnd]
        print(f"{w:<10} {rnd:>5} {a[0]:>10.1f} {b[0]:>10.1f}")
print(f"\nA = {rev_a}, B = {rev_b}; tokens/s (predict: molecules/s)")
print(f"{'work':<10} {'A median':>10} {'B median':>10} {'change':>8}  B faster in")
for w in works:
    a = {int(r[1]): float(r[3]) for r in rows if r[2] == w and r[0] == "a"}
    b = {int(r[1]): float(r[3]) for r in rows if r[2] == w and r[0] == "b"}
    ma, mb = statistics.median(a.values()), statistics.median(b.values())
    won = sum(1 for k in a if b[k] > a[k])
    print(f"{w:<10} {ma:>10.1f} {mb:>10.1f} {100 * (mb / ma - 1):>+7.1f}%  {won} of {len(a)} rounds")
PY
