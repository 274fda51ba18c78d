"""Independent reference for `qrun bn-tune` (numpy, PyTorch semantics).

The model is x -> fake-quant(scale, zero_point, int8) -> batch_norm -> batch_norm.
Each batch is normalized with its own mean and biased variance; the running
estimates take the unbiased variance, averaged over all batches (momentum
None) or exponentially (momentum m) from the initial values.

usage: bn_tune_reference.py SPEC.json BATCH.npy... ; prints JSON
  SPEC: {"scale", "zero_point", "eps", "momentum" (or null),
         "bn": [{"gamma", "beta", "mean", "var"}, ...]}
"""
import json
import sys

import numpy as np


def fake_quant(x, scale, zero_point):
    q = np.clip(np.rint(x / np.float32(scale)) + zero_point, -128, 127)
    return ((q - zero_point) * np.float32(scale)).astype(np.float32)


def main():
    spec = json.load(open(sys.argv[1]))
    batches = [np.load(path).astype(np.float32) for path in sys.argv[2:]]
    running = [{"mean": np.array(bn["mean"], np.float64), "var": np.array(bn["var"], np.float64)} for bn in spec["bn"]]
    for n, x in enumerate(batches, start=1):
        y = fake_quant(x, spec["scale"], spec["zero_point"])
        for bn, state in zip(spec["bn"], running):
            y64 = y.astype(np.float64)
            axes = (0, 2, 3) if y.ndim == 4 else (0,)
            mean = y64.mean(axis=axes)
            var = y64.var(axis=axes)
            count = y.size // y.shape[1]
            shape = [1, -1] + [1] * (y.ndim - 2)
            normalized = (y64 - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + spec["eps"])
            y = (normalized * np.array(bn["gamma"]).reshape(shape) + np.array(bn["beta"]).reshape(shape)).astype(np.float32)
            factor = spec["momentum"] if spec["momentum"] is not None else 1.0 / n
            state["mean"] += factor * (mean - state["mean"])
            state["var"] += factor * (var * count / (count - 1) - state["var"])
    print(json.dumps([{"mean": s["mean"].tolist(), "var": s["var"].tolist()} for s in running]))


if __name__ == "__main__":
    main()
