#!/usr/bin/env bash
# ResNet-50 (53 conv+batch_norm, 224x224, batch 1, random weights from qgen):
# qrun's JIT on the fused and the unfused graph, and ONNX Runtime (from PyPI,
# in the tests' venv) on the same unfused graph exported to ONNX, with all
# graph optimizations on and off; same thread count for all. Also the conv
# 3x3 64->64 56x56 kernel against the machine's FMA peak (one thread).
#
# usage: benches/runtime-resnet50.sh [THREADS] [ITERS]   (default: all cores, 20)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
iters=${2:-20}
out=bench-out
mkdir -p "$out"
cargo build --release -q -p qopt -p qgen -p qrun
python=$(scripts/python-env.sh)
model="$out/resnet50-none.mlir"
[ -f "$model" ] || target/release/qgen -o "$model"
target/release/qopt --fuse-bn "$model" -o "$out/resnet50-fused.mlir"
target/release/qopt export-onnx "$model" -o "$out/resnet50.onnx"

echo "== qrun bench: fused vs unfused, $threads threads"
target/release/qrun bench "$out/resnet50-fused.mlir" --baseline "$model" --threads "$threads" --iters "$iters"
echo "== ONNX Runtime, $threads threads"
"$python" benches/ort_latency.py "$out/resnet50.onnx" "$threads" "$iters"
echo "== conv 3x3 64->64 56x56, one thread"
cat > "$out/conv64.mlir" <<'MLIR'
func.func @main(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
  %w = arith.constant dense<0.01> : tensor<64x64x3x3xf32>
  %b = arith.constant dense<0.1> : tensor<64xf32>
  %y = "quant.conv2d"(%x, %w, %b) {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  return %y : tensor<1x64x56x56xf32>
}
MLIR
target/release/qrun bench "$out/conv64.mlir" --threads 1 --iters 50
