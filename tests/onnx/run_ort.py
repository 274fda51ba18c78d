"""Runs an ONNX model in ONNX Runtime (graph optimizations disabled).

usage: run_ort.py MODEL.onnx OUT_DIR INPUT.pb...

Inputs are TensorProto files fed in the order of the model's inputs; the
outputs are written to OUT_DIR/output_<i>.pb.
"""

import os
import sys

import onnx
import onnxruntime as ort
from onnx import numpy_helper


def main():
    model, out, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    feed = {}
    for info, path in zip(session.get_inputs(), inputs):
        t = onnx.TensorProto()
        with open(path, "rb") as f:
            t.ParseFromString(f.read())
        feed[info.name] = numpy_helper.to_array(t)
    for i, y in enumerate(session.run(None, feed)):
        with open(os.path.join(out, f"output_{i}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(y).SerializeToString())


if __name__ == "__main__":
    main()
