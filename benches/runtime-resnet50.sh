#!/usr/bin/env bash
# ResNet-50 (53 conv+batch_norm, 224x224, batch 1, random weights from qgen):
# qrun's JIT on the fused graph (qopt --fuse-bn) and on the unfused graph,
# and ONNX Runtime (from PyPI, in the tests' venv) on the same unfused graph
# exported to ONNX with all graph optimizations on and off; same thread
# count for all. The unfused graph runs with the JIT's epilogue fusion and
# without any fusion (the like-for-like baseline of ORT_DISABLE_ALL).
# This machine kind is noisy (other tenants), so the measurements run in
# ROUNDS, qrun and ORT processes alternating; the summary is the median over
# rounds of each round's median.
# Also the conv 3x3 64->64 56x56 kernel against the FMA peak (one thread),
# direct and as Winograd.
#
# usage: benches/runtime-resnet50.sh [THREADS] [ITERS] [ROUNDS]   (default: all cores, 20, 5)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
iters=${2:-20}
rounds=${3:-5}
out=bench-out
mkdir -p "$out"
cargo build --release -q -p qopt -p qgen -p qrun
python=$(scripts/python-env.sh)
model="$out/resnet50-none.mlir"
[ -f "$model" ] || target/release/qgen -o "$model"
target/release/qopt --fuse-bn "$model" -o "$out/resnet50-fused.mlir"
target/release/qopt export-onnx "$model" -o "$out/resnet50.onnx"

log="$out/runtime-resnet50-$threads.jsonl"
: > "$log"
bench() {
  target/release/qrun bench "$out/resnet50-fused.mlir" --baseline "$model" --threads "$threads" \
    --iters "$iters" --json "$@"
}
for round in $(seq "$rounds"); do
  echo "round $round/$rounds" >&2
  echo "{\"no_fusion\": $(bench --baseline-no-fusion)}" >> "$log"
  echo "{\"epilogue_fusion\": $(bench)}" >> "$log"
  echo "{\"ort\": $("$python" benches/ort_latency.py "$out/resnet50.onnx" "$threads" "$iters")}" >> "$log"
done
"$python" - "$log" "$threads" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def med(values):
    return statistics.median(values)
nf = [r["no_fusion"] for r in rows if "no_fusion" in r]
ef = [r["epilogue_fusion"] for r in rows if "epilogue_fusion" in r]
ort = [r["ort"] for r in rows if "ort" in r]
print(f"ResNet-50, {sys.argv[2]} threads, {len(nf)} rounds (median over rounds of each round's median, ms)")
print(f"  qrun JIT, fused graph:                        {med([r['median_ms'] for r in nf + ef]):8.1f}")
print(f"  qrun JIT, unfused graph, epilogue fusion:     {med([r['baseline']['median_ms'] for r in ef]):8.1f}")
print(f"  qrun JIT, unfused graph, no fusion:           {med([r['baseline']['median_ms'] for r in nf]):8.1f}")
print(f"  ONNX Runtime ORT_ENABLE_ALL:                  {med([r['ort_enable_all_ms'] for r in ort]):8.1f}")
print(f"  ONNX Runtime ORT_DISABLE_ALL:                 {med([r['ort_disable_all_ms'] for r in ort]):8.1f}")
print(f"  fusion speedup: qrun {med([r['speedup'] for r in nf]):.2f}x, ORT {med([r['ort_speedup'] for r in ort]):.2f}x")
print(f"  qrun fused / ORT_ENABLE_ALL latency: "
      f"{med([r['median_ms'] for r in nf + ef]) / med([r['ort_enable_all_ms'] for r in ort]):.2f}")
print(f"  JIT compile of the fused graph: {med([r['compile_ms'] for r in nf + ef]):.0f} ms")
print(f"  least single run: qrun fused {min(r['min_ms'] for r in nf + ef):.1f}, "
      f"ORT_ENABLE_ALL {min(r['ort_enable_all_min_ms'] for r in ort):.1f} ms")
PY

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
