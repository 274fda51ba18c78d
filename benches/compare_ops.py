"""Per-op least times of qrun's JIT beside ONNX Runtime's, by conv shape.

Reads the JSON of `qrun bench MODEL.mlir --profile --json`, runs the same
model's ONNX export in ONNX Runtime (all graph optimizations on) with its
profiler, and prints per kind of op (conv: kernel, stride, channels, output
pixels) the sum over its ops of each op's least time, ours and ORT's.

usage: compare_ops.py QRUN_PROFILE.json MODEL.onnx THREADS [RUNS]
"""
import collections
import json
import os
import re
import sys
import tempfile

import numpy as np
import onnxruntime as ort


def ort_least_times(path, threads, runs, level=ort.GraphOptimizationLevel.ORT_ENABLE_ALL):
    """Each node's least time over `runs` runs, with its profiler arguments."""
    options = ort.SessionOptions()
    options.graph_optimization_level = level
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.enable_profiling = True
    options.profile_file_prefix = os.path.join(tempfile.mkdtemp(), "ort")
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feed = {i.name: rng.uniform(-1, 1, i.shape).astype(np.float32) for i in session.get_inputs()}
    for _ in range(runs):
        session.run(None, feed)
    events = json.load(open(session.end_profiling()))
    times = collections.defaultdict(list)
    args = {}
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            times[event["name"]].append(event["dur"] / 1000)
            args[event["name"]] = event["args"]
    return [(args[name], min(durations)) for name, durations in times.items()]


def ort_kind(args):
    if args.get("op_name") != "Conv":
        return args.get("op_name")
    x, w = (shape["float"] for shape in args["input_type_shape"][:2])
    y = args["output_type_shape"][0]["float"]
    return conv_kind(w[2], w[3], x[2] // y[2], x[1], w[0], y[2] * y[3])


def our_kind(runs_as):
    conv = re.search(r"(\d+)x(\d+)/s(\d+) (\d+)->(\d+) at (\d+)x(\d+)", runs_as)
    if not conv:
        return runs_as.split(",")[0]
    kh, kw, stride, c, o, h, w = map(int, conv.groups())
    return conv_kind(kh, kw, stride, c, o, h * w)


def conv_kind(kh, kw, stride, c, o, pixels):
    # qrun runs a strided 1x1 conv unstrided on a subsampled copy and
    # reports stride 1: 1x1 convs are told apart by their shapes alone.
    stride = "" if (kh, kw) == (1, 1) else f" s{stride}"
    return f"{kh}x{kw}{stride} {c}->{o} px{pixels}"


def main():
    ours_json, model, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    ours = collections.defaultdict(float)
    for step in json.load(open(ours_json))["profile"]:
        ours[our_kind(step["runs_as"])] += step["min_ms"]
    theirs = collections.defaultdict(float)
    for args, least in ort_least_times(model, threads, runs):
        theirs[ort_kind(args)] += least
    rows = sorted(set(ours) | set(theirs), key=lambda k: theirs.get(k, 0) - ours.get(k, 0))
    print(f"{'op kind':34s} {'qrun ms':>8s} {'ORT ms':>8s}")
    for kind in rows:
        print(f"{kind:34s} {ours.get(kind, 0):8.2f} {theirs.get(kind, 0):8.2f}")
    print(f"{'sum':34s} {sum(ours.values()):8.2f} {sum(theirs.values()):8.2f}")


if __name__ == "__main__":
    main()
