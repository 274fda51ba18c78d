#!/usr/bin/env bash
# qopt on ResNet-50-sized graphs (53 conv+batch_norm, 25.5M f32 weights as
# hex dense, ~205 MB of text): wall time and peak memory of
#   qopt (parse + verify + print), qopt --fuse-bn,
#   qopt --fuse-bn --disable-unnecessary-quant
# on the float model and on the sparsebit-style fake-quant model.
# Goal (issues 3 and 4): passes <= 1.25x the time and <= 1.5x the memory of
# the no-pass run. Prints a Markdown table; median of RUNS runs.
#
# usage: benches/qopt-resnet50.sh [RUNS]   (default 5; output files in bench-out/)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
out=bench-out
mkdir -p "$out"
cargo build --release -q -p qopt -p qgen
for quant in none fake-quant; do
  [ -f "$out/resnet50-$quant.mlir" ] || target/release/qgen --quant "$quant" -o "$out/resnet50-$quant.mlir"
done

echo "| model | qopt flags | median s | peak RSS MB | time ratio | memory ratio |"
echo "|---|---|---|---|---|---|"
configs=("" "--fuse-bn" "--fuse-bn --disable-unnecessary-quant")
for quant in none fake-quant; do
  model="$out/resnet50-$quant.mlir"
  declare -A times=() mems=()
  # Runs interleaved across configurations, so that drifting machine load
  # affects all of them alike; output to /dev/null keeps disk writes out.
  for _ in $(seq "$runs"); do
    for i in "${!configs[@]}"; do
      # shellcheck disable=SC2086
      read -r t m < <( { /usr/bin/time -f "%e %M" target/release/qopt ${configs[$i]} "$model" >/dev/null; } 2>&1 | tail -1)
      times[$i]+="$t " mems[$i]+="$m "
    done
  done
  base_t="" base_m=""
  for i in "${!configs[@]}"; do
    t=$(printf '%s\n' ${times[$i]} | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    m=$(printf '%s\n' ${mems[$i]} | sort -n | tail -1)
    [ -z "$base_t" ] && base_t=$t base_m=$m
    awk -v q="$quant" -v f="${configs[$i]:-(none)}" -v t="$t" -v m="$m" -v bt="$base_t" -v bm="$base_m" \
      'BEGIN { printf "| %s | `%s` | %.2f | %.0f | %.2f | %.2f |\n", q, f, t, m / 1024, t / bt, m / bm }'
  done
  unset times mems
done
