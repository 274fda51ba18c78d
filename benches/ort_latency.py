"""Median latency of an ONNX model in ONNX Runtime, with all graph
optimizations on (and its least time) and with all off, on random inputs
(seeded). One session at a time: an idle session's worker threads keep
spinning and would slow the other down.

usage: ort_latency.py MODEL.onnx THREADS [ITERS] ; prints JSON
"""
import json
import sys
import time

import numpy as np
import onnxruntime as ort


def run_times_ms(path, threads, level, iters):
    """The times of `iters` runs after 3 warm-up runs, sorted."""
    options = ort.SessionOptions()
    options.graph_optimization_level = level
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    feed = {i.name: rng.uniform(-1, 1, i.shape).astype(np.float32) for i in session.get_inputs()}
    for _ in range(3):
        session.run(None, feed)
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        session.run(None, feed)
        times.append((time.perf_counter() - start) * 1e3)
    return sorted(times)


def median(times):
    """The median of sorted `times`."""
    return times[len(times) // 2]


def main():
    path, threads = sys.argv[1], int(sys.argv[2])
    iters = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    enabled = run_times_ms(path, threads, ort.GraphOptimizationLevel.ORT_ENABLE_ALL, iters)
    disabled = run_times_ms(path, threads, ort.GraphOptimizationLevel.ORT_DISABLE_ALL, iters)
    print(json.dumps({
        "ort_enable_all_ms": median(enabled),
        "ort_enable_all_min_ms": enabled[0],
        "ort_disable_all_ms": median(disabled),
        "ort_speedup": median(disabled) / median(enabled),
    }))


if __name__ == "__main__":
    main()
