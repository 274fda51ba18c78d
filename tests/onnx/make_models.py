"""Builds the small ONNX models of the importer tests, with reference outputs
from ONNX Runtime (graph optimizations disabled).

usage: make_models.py OUT_DIR [NAME...]

Each model goes to OUT_DIR/NAME/model.onnx with OUT_DIR/NAME/test_data_set_0/
{input_0,output_0}.pb, the layout of ONNX's own backend test data, so one
reader serves these and the conformance cases.
"""

import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(7)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def rand(*shape, scale=1.0):
    return (RNG.standard_normal(shape) * scale).astype(np.float32)


def bn_params(prefix, c):
    return [
        const(f"{prefix}_g", RNG.uniform(0.5, 1.5, c).astype(np.float32)),
        const(f"{prefix}_b", rand(c, scale=0.1)),
        const(f"{prefix}_m", rand(c, scale=0.1)),
        const(f"{prefix}_v", RNG.uniform(0.5, 1.5, c).astype(np.float32)),
    ]


def bn(prefix, x, y):
    return helper.make_node(
        "BatchNormalization", [x, f"{prefix}_g", f"{prefix}_b", f"{prefix}_m", f"{prefix}_v"], [y], name=prefix
    )


def model(nodes, inputs, outputs, inits, opset):
    graph = helper.make_graph(nodes, "g", inputs, outputs, inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8 if opset < 21 else 10
    onnx.checker.check_model(m)
    return m


def tensor(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def conv_bn_relu():
    inits = [const("w", rand(4, 3, 3, 3, scale=0.3)), const("b", rand(4, scale=0.1))] + bn_params("bn", 4)
    nodes = [
        helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], name="conv"),
        bn("bn", "c", "n"),
        helper.make_node("Relu", ["n"], ["y"], name="relu"),
    ]
    return model(nodes, [tensor("x", [1, 3, 8, 8])], [tensor("y", [1, 4, 8, 8])], inits, 13), [rand(1, 3, 8, 8)]


def gemm():
    inits = [
        const("w1", rand(16, 48, scale=0.2)),
        const("b1", rand(16, scale=0.1)),
        const("w2", rand(16, 10, scale=0.3)),
        const("b2", rand(10, scale=0.1)),
        const("w3", rand(10, 5, scale=0.3)),
        const("b3", rand(1, 5, scale=0.1)),
    ]
    nodes = [
        helper.make_node("Flatten", ["x"], ["f"]),
        helper.make_node("Gemm", ["f", "w1", "b1"], ["g"], transB=1, name="fc1"),
        helper.make_node("Relu", ["g"], ["r"]),
        helper.make_node("MatMul", ["r", "w2"], ["m"], name="fc2"),
        helper.make_node("Add", ["m", "b2"], ["a"], name="fc2_bias"),
        helper.make_node("Gemm", ["a", "w3", "b3"], ["h"], name="fc3"),
        helper.make_node("Softmax", ["h"], ["y"], axis=-1),
    ]
    return model(nodes, [tensor("x", [2, 3, 4, 4])], [tensor("y", [2, 5])], inits, 13), [rand(2, 3, 4, 4)]


def pooling():
    nodes = [
        helper.make_node("MaxPool", ["x"], ["p1"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER"),
        helper.make_node("AveragePool", ["x"], ["p2"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]),
        # (ONNX Runtime disagrees with itself on count_include_pad with auto_pad
        # vs the same explicit pads, so the padded count is tested with explicit pads.)
        helper.make_node(
            "AveragePool", ["x"], ["p3"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1
        ),
        helper.make_node("Sum", ["p1", "p2", "p3"], ["s"]),
        helper.make_node("MaxPool", ["s"], ["p4"], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1),
        helper.make_node("GlobalAveragePool", ["p4"], ["y"]),
    ]
    outputs = [tensor("s", [1, 3, 5, 5]), tensor("y", [1, 3, 1, 1])]
    return model(nodes, [tensor("x", [1, 3, 9, 9])], outputs, [], 13), [rand(1, 3, 9, 9)]


def activations():
    nodes = [
        helper.make_node("LeakyRelu", ["x"], ["a"], alpha=0.2),
        helper.make_node("HardSigmoid", ["x"], ["b"]),
        helper.make_node("Clip", ["x", "zero", "six"], ["c"]),
        helper.make_node("Clip", ["x", "lo"], ["d"]),
        helper.make_node("Sigmoid", ["x"], ["e"]),
        helper.make_node("Mish", ["x"], ["f"]),
        helper.make_node("Gelu", ["x"], ["g"]),
        helper.make_node("Gelu", ["x"], ["h"], approximate="tanh"),
        helper.make_node("Sum", ["a", "b", "c", "d", "e", "f", "g", "h"], ["s"]),
        helper.make_node("Transpose", ["s"], ["t"], perm=[0, 2, 3, 1]),
        helper.make_node("Reshape", ["t", "shape"], ["r"]),
        helper.make_node("Concat", ["r", "r"], ["y"], axis=1),
    ]
    inits = [const("zero", np.float32(0)), const("six", np.float32(6)), const("lo", np.float32(-0.5)),
             const("shape", np.array([2, -1], dtype=np.int64))]
    x = rand(2, 3, 4, 4, scale=3.0)
    return model(nodes, [tensor("x", [2, 3, 4, 4])], [tensor("y", [2, 96])], inits, 20), [x]


def legacy_opset9():
    """Opset 9: Clip's bounds are attributes; Softmax flattens at its axis."""
    inits = [const("w", rand(6, 2, 3, 3, scale=0.3))]
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], group=2, strides=[2, 2], auto_pad="SAME_LOWER"),
        helper.make_node("Clip", ["c"], ["k"], min=-1.0, max=1.5),
        helper.make_node("Dropout", ["k"], ["d"]),
        helper.make_node("Softmax", ["d"], ["y"], axis=1),
    ]
    return model(nodes, [tensor("x", [1, 4, 7, 7])], [tensor("y", [1, 6, 4, 4])], inits, 9), [rand(1, 4, 7, 7)]


def resnet_float():
    """A tiny ResNet: stem conv-bn-relu, one basic block, pooling and a classifier."""
    c = 8
    inits = [const("stem_w", rand(c, 3, 3, 3, scale=0.3))] + bn_params("stem_bn", c)
    inits += [const("b1_w", rand(c, c, 3, 3, scale=0.15))] + bn_params("b1_bn", c)
    inits += [const("b2_w", rand(c, c, 3, 3, scale=0.15))] + bn_params("b2_bn", c)
    inits += [const("fc_w", rand(10, c, scale=0.3)), const("fc_b", rand(10, scale=0.1))]
    nodes = [
        helper.make_node("Conv", ["x", "stem_w"], ["s0"], pads=[1, 1, 1, 1], name="stem"),
        bn("stem_bn", "s0", "s1"),
        helper.make_node("Relu", ["s1"], ["s2"], name="stem_relu"),
        helper.make_node("Conv", ["s2", "b1_w"], ["a0"], pads=[1, 1, 1, 1], name="b1"),
        bn("b1_bn", "a0", "a1"),
        helper.make_node("Relu", ["a1"], ["a2"], name="b1_relu"),
        helper.make_node("Conv", ["a2", "b2_w"], ["a3"], pads=[1, 1, 1, 1], name="b2"),
        bn("b2_bn", "a3", "a4"),
        helper.make_node("Add", ["a4", "s2"], ["r0"], name="residual"),
        helper.make_node("Relu", ["r0"], ["r1"], name="out_relu"),
        helper.make_node("GlobalAveragePool", ["r1"], ["p"], name="gap"),
        helper.make_node("Flatten", ["p"], ["f"], name="flatten"),
        helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["y"], transB=1, name="fc"),
    ]
    return model(nodes, [tensor("x", [1, 3, 8, 8])], [tensor("y", [1, 10])], inits, 13), [rand(1, 3, 8, 8)]


def resnet_qdq():
    """resnet_float quantized by ONNX Runtime (QDQ, per-channel int8 weights)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    float_model, inputs = resnet_float()

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter([{"x": rand(1, 3, 8, 8)} for _ in range(8)])

        def get_next(self):
            return next(self.batches, None)

    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "f.onnx"), os.path.join(tmp, "q.onnx")
        onnx.save(float_model, src)
        quantize_static(
            src, dst, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
            activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
        )
        return onnx.load(dst), inputs


def external_data():
    """A conv whose weights live in a separate file (ONNX external data)."""
    inits = [const("w", rand(8, 3, 3, 3, scale=0.3)), const("b", rand(8, scale=0.1))]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["y"], strides=[2, 2])]
    return model(nodes, [tensor("x", [1, 3, 9, 9])], [tensor("y", [1, 8, 4, 4])], inits, 17), [rand(1, 3, 9, 9)]


MODELS = {f.__name__: f for f in [conv_bn_relu, gemm, pooling, activations, legacy_opset9, resnet_float, resnet_qdq,
                                  external_data]}


def reference(path, inputs):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    feed = {i.name: x for i, x in zip(session.get_inputs(), inputs)}
    return session.run(None, feed)


def main():
    out = sys.argv[1]
    for name in sys.argv[2:] or MODELS:
        m, inputs = MODELS[name]()
        folder = os.path.join(out, name)
        data = os.path.join(folder, "test_data_set_0")
        os.makedirs(data, exist_ok=True)
        path = os.path.join(folder, "model.onnx")
        if name == "external_data":
            onnx.save_model(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                            location="weights.bin", size_threshold=0)
        else:
            onnx.save(m, path)
        for kind, arrays in [("input", inputs), ("output", reference(path, inputs))]:
            for i, a in enumerate(arrays):
                with open(os.path.join(data, f"{kind}_{i}.pb"), "wb") as f:
                    f.write(numpy_helper.from_array(a).SerializeToString())


if __name__ == "__main__":
    main()
