#!/usr/bin/env bash
# The 1x1 conv shapes of ResNet-50 (bias + relu fused, random input,
# constant weights), each alone on one thread: least and median time of
# ITERS runs, and GFLOP/s at the median against the FMA peak qrun prints.
#
# usage: benches/pointwise-convs.sh [ITERS]   (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
iters=${1:-100}
out=bench-out/pointwise
mkdir -p "$out"
cargo build --release -q -p qrun
printf '%-22s %9s %9s %8s\n' "conv (C->O at HxW)" "min ms" "median ms" "GFLOP/s"
for shape in "64 256 56" "256 64 56" "128 512 28" "512 128 28" "256 1024 14" "1024 256 14" "512 2048 7" "2048 512 7"; do
  read -r c o hw <<<"$shape"
  model="$out/conv1x1-$c-$o-$hw.mlir"
  x="tensor<1x${c}x${hw}x${hw}xf32>"
  y="tensor<1x${o}x${hw}x${hw}xf32>"
  cat > "$model" <<MLIR
func.func @main(%x: $x) -> $y {
  %w = arith.constant dense<0.01> : tensor<${o}x${c}x1x1xf32>
  %b = arith.constant dense<0.1> : tensor<${o}xf32>
  %y = "quant.conv2d"(%x, %w, %b) : ($x, tensor<${o}x${c}x1x1xf32>, tensor<${o}xf32>) -> $y
  %r = "quant.relu"(%y) : ($y) -> $y
  return %r : $y
}
MLIR
  target/release/qrun bench "$model" --threads 1 --iters "$iters" --json |
    python3 -c "import json, sys; d = json.load(sys.stdin); print(f\"{'$c->$o at ${hw}x$hw':22s} {d['min_ms']:9.3f} {d['median_ms']:9.3f} {d['gflops']:8.1f}\")"
done
