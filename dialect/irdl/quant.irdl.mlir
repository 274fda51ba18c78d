// The `quant` dialect, defined in MLIR's IRDL and loaded at run time.
//
// This file is the single source of the op set: operand names and arity,
// optional operands and required attributes. MLIR's own verifier checks
// those; shapes, element types and attribute values are checked by the
// semantic verifier in dialect/src/verify.rs.
//
// IRDL binds each constraint value once per op, so every operand and result
// gets its own constraint value. Optional attributes (strides, padding,
// epsilon, ...) are not listed: IRDL attributes are required.
irdl.dialect @quant {
  // 2-D convolution, NCHW input, OIHW weight, optional per-output-channel bias.
  irdl.operation @conv2d {
    %input = irdl.base "!builtin.tensor"
    %weight = irdl.base "!builtin.tensor"
    %bias = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input, weight: %weight, bias: optional %bias)
    irdl.results(output: %output)
  }
  // y = x * transpose(w) + b, input NxK, weight MxK.
  irdl.operation @linear {
    %input = irdl.base "!builtin.tensor"
    %weight = irdl.base "!builtin.tensor"
    %bias = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input, weight: %weight, bias: optional %bias)
    irdl.results(output: %output)
  }
  // Inference-mode batch normalization over axis 1.
  irdl.operation @batch_norm {
    %input = irdl.base "!builtin.tensor"
    %scale = irdl.base "!builtin.tensor"
    %bias = irdl.base "!builtin.tensor"
    %mean = irdl.base "!builtin.tensor"
    %var = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input, scale: %scale, bias: %bias, mean: %mean, var: %var)
    irdl.results(output: %output)
  }
  // max(x, 0).
  irdl.operation @relu {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // min(max(x, 0), 6).
  irdl.operation @relu6 {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // 1 / (1 + exp(-x)).
  irdl.operation @sigmoid {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // x * sigmoid(x).
  irdl.operation @silu {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // x * tanh(softplus(x)).
  irdl.operation @mish {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // x if x >= 0 else alpha * x (alpha defaults to 0.01).
  irdl.operation @leaky_relu {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // max(0, min(1, alpha * x + beta)) (defaults 1/6, 0.5).
  irdl.operation @hardsigmoid {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // Gaussian error linear unit, approximate = none | tanh.
  irdl.operation @gelu {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // min(max(x, min), max).
  irdl.operation @clip {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    %attr_min = irdl.base "#builtin.float"
    %attr_max = irdl.base "#builtin.float"
    irdl.attributes {"min" = %attr_min, "max" = %attr_max}
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // Element-wise sum of two tensors of one shape.
  irdl.operation @add {
    %lhs = irdl.base "!builtin.tensor"
    %rhs = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(lhs: %lhs, rhs: %rhs)
    irdl.results(output: %output)
  }
  // 2-D max pooling.
  irdl.operation @max_pool2d {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    %attr_kernel = irdl.base "#builtin.dense_array"
    irdl.attributes {"kernel" = %attr_kernel}
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // 2-D average pooling.
  irdl.operation @avg_pool2d {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    %attr_kernel = irdl.base "#builtin.dense_array"
    irdl.attributes {"kernel" = %attr_kernel}
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // Mean over H and W, keeping them as 1x1.
  irdl.operation @global_avg_pool {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // Same elements, shape of the result type.
  irdl.operation @reshape {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // Permutes dimensions.
  irdl.operation @transpose {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    %attr_perm = irdl.base "#builtin.dense_array"
    irdl.attributes {"perm" = %attr_perm}
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // Joins tensors along axis.
  irdl.operation @concat {
    %inputs = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    %attr_axis = irdl.base "#builtin.integer"
    irdl.attributes {"axis" = %attr_axis}
    irdl.operands(inputs: variadic %inputs)
    irdl.results(output: %output)
  }
  // Softmax along axis (default -1).
  irdl.operation @softmax {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // ONNX QuantizeLinear: f32 to i8/ui8/i32.
  irdl.operation @quantize {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    %attr_scale = irdl.any
    %attr_zero_point = irdl.any
    irdl.attributes {"scale" = %attr_scale, "zero_point" = %attr_zero_point}
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
  // ONNX DequantizeLinear: i8/ui8/i32 to f32.
  irdl.operation @dequantize {
    %input = irdl.base "!builtin.tensor"
    %output = irdl.base "!builtin.tensor"
    %attr_scale = irdl.any
    %attr_zero_point = irdl.any
    irdl.attributes {"scale" = %attr_scale, "zero_point" = %attr_zero_point}
    irdl.operands(input: %input)
    irdl.results(output: %output)
  }
}
