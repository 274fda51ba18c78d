"""Median latency of an ONNX model in ONNX Runtime, with all graph
optimizations on and with all off, on random inputs (seeded). The two
sessions run in turn (one run each per iteration), so that a change of
machine load hits both alike.

usage: ort_latency.py MODEL.onnx THREADS [ITERS] ; prints JSON
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort


def session(path, threads, level):
    options = ort.SessionOptions()
    options.graph_optimization_level = level
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def main():
    path, threads = sys.argv[1], int(sys.argv[2])
    iters = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    levels = {
        "ort_enable_all_ms": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
        "ort_disable_all_ms": ort.GraphOptimizationLevel.ORT_DISABLE_ALL,
    }
    sessions = {name: session(path, threads, level) for name, level in levels.items()}
    rng = np.random.default_rng(0)
    inputs = next(iter(sessions.values())).get_inputs()
    feed = {i.name: rng.uniform(-1, 1, i.shape).astype(np.float32) for i in inputs}
    for s in sessions.values():
        for _ in range(3):
            s.run(None, feed)
    times = {name: [] for name in sessions}
    for _ in range(iters):
        for name, s in sessions.items():
            start = time.perf_counter()
            s.run(None, feed)
            times[name].append((time.perf_counter() - start) * 1e3)
    report = {name: sorted(t)[len(t) // 2] for name, t in times.items()}
    report["ort_speedup"] = report["ort_disable_all_ms"] / report["ort_enable_all_ms"]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
