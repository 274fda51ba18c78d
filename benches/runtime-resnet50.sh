#!/usr/bin/env bash
# ResNet-50 (53 conv+batch_norm, 224x224, batch 1, random weights from qgen):
# qrun's JIT on the fused graph (qopt --fuse-bn) and on the unfused graph
# (with the JIT's epilogue fusion, and without any fusion: the like-for-like
# baseline of ORT_DISABLE_ALL), and ONNX Runtime (the PyPI wheel's library,
# from the tests' venv) on the same unfused graph exported to ONNX with all
# graph optimizations on and off; same thread count for all.
# All five run in one process (benches/vs-ort), taking turns of BURST runs
# in ROUNDS rounds: this machine kind changes speed for seconds at a time
# (other tenants), and engines that take turns meet the same changes. The
# comparisons are ratios within a round, median over rounds.
# Then the JIT compile time of the fused graph in fresh processes, and the
# conv 3x3 64->64 56x56 kernel against the FMA peak (one thread), direct and
# as Winograd.
#
# usage: benches/runtime-resnet50.sh [THREADS] [ROUNDS] [BURST]   (default: all cores, 20, 4)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
rounds=${2:-20}
burst=${3:-4}
out=bench-out
mkdir -p "$out"
cargo build --release -q -p qopt -p qgen -p qrun -p quant-vs-ort
python=$(scripts/python-env.sh)
model="$out/resnet50-none.mlir"
[ -f "$model" ] || target/release/qgen -o "$model"
target/release/qopt --fuse-bn "$model" -o "$out/resnet50-fused.mlir"
target/release/qopt export-onnx "$model" -o "$out/resnet50.onnx"
ort_lib=$("$python" -c "import glob, os, onnxruntime as o; \
print(sorted(glob.glob(os.path.join(os.path.dirname(o.__file__), 'capi', 'libonnxruntime.so*')))[0])")

echo "== ResNet-50, $threads threads, side by side in one process"
target/release/vs-ort --ort-lib "$ort_lib" --fused "$out/resnet50-fused.mlir" --unfused "$model" \
  --onnx "$out/resnet50.onnx" --threads "$threads" --rounds "$rounds" --burst "$burst"

echo "== JIT compile of the fused graph, 5 fresh processes (ms)"
for _ in 1 2 3 4 5; do
  target/release/qrun bench "$out/resnet50-fused.mlir" --threads "$threads" --warmup 0 --iters 1 --json |
    "$python" -c "import json, sys; print(round(json.load(sys.stdin)['compile_ms']))"
done | sort -n | tr '\n' ' '
echo

echo "== conv 3x3 64->64 56x56, one thread: the direct kernel, then Winograd (GFLOP/s of the direct sum's work)"
cat > "$out/conv64.mlir" <<'MLIR'
func.func @main(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
  %w = arith.constant dense<0.01> : tensor<64x64x3x3xf32>
  %b = arith.constant dense<0.1> : tensor<64xf32>
  %y = "quant.conv2d"(%x, %w, %b) {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>, tensor<64xf32>) -> tensor<1x64x56x56xf32>
  return %y : tensor<1x64x56x56xf32>
}
MLIR
target/release/qrun bench "$out/conv64.mlir" --threads 1 --iters 50 --no-winograd
target/release/qrun bench "$out/conv64.mlir" --threads 1 --iters 50
