"""Where each engine's fusion speedup comes from: per op type, the sum over
its ops of each op's least time, for qrun's JIT without and with fusion and
for ONNX Runtime with all graph optimizations off and on.

The element-wise ops a fused graph no longer runs (batch_norm, relu, add)
are the gain of fusion proper; whatever else changes is the kernels.

usage: fusion_breakdown.py NO_FUSION.json FUSED.json MODEL.onnx THREADS [RUNS]
  (the JSONs from `qrun bench ... --profile --json` of the unfused graph
  with --no-fusion and of the fused graph)
"""
import collections
import json
import sys

import onnxruntime as ort

from compare_ops import ort_least_times

# Our op names as ONNX's, so that rows line up.
ONNX_NAMES = {
    "quant.conv2d": "Conv",
    "quant.batch_norm": "BatchNormalization",
    "quant.relu": "Relu",
    "quant.add": "Add",
    "quant.linear": "Gemm",
    "quant.max_pool2d": "MaxPool",
    "quant.global_avg_pool": "GlobalAveragePool",
    "quant.reshape": "Reshape",
}


def ours(path):
    sums = collections.defaultdict(float)
    for step in json.load(open(path))["profile"]:
        sums[ONNX_NAMES.get(step["op"], step["op"])] += step["min_ms"]
    return sums


def theirs(model, threads, runs, level):
    sums = collections.defaultdict(float)
    for args, least in ort_least_times(model, threads, runs, level):
        sums[args["op_name"]] += least
    return sums


def main():
    no_fusion, fused, model, threads = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    runs = int(sys.argv[5]) if len(sys.argv) > 5 else 30
    levels = ort.GraphOptimizationLevel
    columns = {
        "qrun no fusion": ours(no_fusion),
        "qrun fused": ours(fused),
        "ORT_DISABLE_ALL": theirs(model, threads, runs, levels.ORT_DISABLE_ALL),
        "ORT_ENABLE_ALL": theirs(model, threads, runs, levels.ORT_ENABLE_ALL),
    }
    names = sorted(set().union(*columns.values()), key=lambda n: -columns["ORT_DISABLE_ALL"].get(n, 0))
    print(f"{'op type (ms)':20s}" + "".join(f"{c:>17s}" for c in columns))
    for name in names:
        print(f"{name:20s}" + "".join(f"{col.get(name, 0):17.2f}" for col in columns.values()))
    totals = {c: sum(col.values()) for c, col in columns.items()}
    print(f"{'sum':20s}" + "".join(f"{t:17.2f}" for t in totals.values()))
    for engine, (off, on) in {"qrun": ("qrun no fusion", "qrun fused"), "ORT": ("ORT_DISABLE_ALL", "ORT_ENABLE_ALL")}.items():
        elementwise = sum(columns[off].get(n, 0) for n in ("BatchNormalization", "Relu", "Add"))
        conv = (columns[off].get("Conv", 0), columns[on].get("Conv", 0))
        print(
            f"{engine}: speedup {totals[off] / totals[on]:.3f}x; the element-wise ops it no longer runs "
            f"{elementwise:.2f} ms ({totals[off] / (totals[off] - elementwise):.3f}x alone); "
            f"convs {conv[0]:.2f} -> {conv[1]:.2f} ms"
        )


if __name__ == "__main__":
    main()
