// Every rule of the semantic verifier, and the IRDL-checked structure, has a
// negative case here.
// RUN: qopt %s --split-input-file --verify-diagnostics

func.func @conv_channels(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error@+1 {{input channels (3) must equal weight in-channels (2) x groups (1)}}
  %0 = "quant.conv2d"(%x, %w) : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_groups_divide(%x: tensor<1x4x8x8xf32>, %w: tensor<6x1x3x3xf32>) -> tensor<1x6x6x6xf32> {
  // expected-error@+1 {{input channels (4) must equal weight in-channels (1) x groups (3)}}
  %0 = "quant.conv2d"(%x, %w) {groups = 3 : i64} : (tensor<1x4x8x8xf32>, tensor<6x1x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %0 : tensor<1x6x6x6xf32>
}

// -----

func.func @conv_groups_out(%x: tensor<1x4x8x8xf32>, %w: tensor<5x2x3x3xf32>) -> tensor<1x5x6x6xf32> {
  // expected-error@+1 {{groups (2) must divide the output channels (5)}}
  %0 = "quant.conv2d"(%x, %w) {groups = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<5x2x3x3xf32>) -> tensor<1x5x6x6xf32>
  return %0 : tensor<1x5x6x6xf32>
}

// -----

func.func @conv_output_shape(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32> {
  // expected-error@+1 {{result shape must be [1, 4, 6, 6], got [1, 4, 8, 8]}}
  %0 = "quant.conv2d"(%x, %w) : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  return %0 : tensor<1x4x8x8xf32>
}

// -----

func.func @conv_bias(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error@+1 {{bias must have shape [4], got [3]}}
  %0 = "quant.conv2d"(%x, %w, %b) : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_strides(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error@+1 {{attribute 'strides' must be positive}}
  %0 = "quant.conv2d"(%x, %w) {strides = array<i64: 0, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_padding_arity(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error@+1 {{attribute 'padding' must have 4 values, got 2}}
  %0 = "quant.conv2d"(%x, %w) {padding = array<i64: 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_kernel_too_big(%x: tensor<1x3x2x2xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32> {
  // expected-error@+1 {{does not fit the padded input}}
  %0 = "quant.conv2d"(%x, %w) : (tensor<1x3x2x2xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x1x1xf32>
  return %0 : tensor<1x4x1x1xf32>
}

// -----

func.func @conv_dynamic(%x: tensor<?x3x8x8xf32>, %w: tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error@+1 {{operand #0 must be a ranked tensor with a static shape}}
  %0 = "quant.conv2d"(%x, %w) : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @conv_missing_weight(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x6x6xf32> {
  // expected-error@+1 {{}}
  %0 = "quant.conv2d"(%x) : (tensor<1x3x8x8xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}

// -----

func.func @activation_f16(%x: tensor<2x3xf16>) -> tensor<2x3xf16> {
  // expected-error@+1 {{operand #0 must have f32 elements, got f16}}
  %0 = "quant.relu"(%x) : (tensor<2x3xf16>) -> tensor<2x3xf16>
  return %0 : tensor<2x3xf16>
}

// -----

func.func @linear_k(%x: tensor<2x8xf32>, %w: tensor<4x7xf32>) -> tensor<2x4xf32> {
  // expected-error@+1 {{weight must be Mx8 to match the input's K = 8, got [4, 7]}}
  %0 = "quant.linear"(%x, %w) : (tensor<2x8xf32>, tensor<4x7xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @linear_result(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) -> tensor<2x5xf32> {
  // expected-error@+1 {{result must have shape [2, 4], got [2, 5]}}
  %0 = "quant.linear"(%x, %w) : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @batch_norm_params(%x: tensor<1x3x4x4xf32>, %p: tensor<3xf32>, %q: tensor<4xf32>) -> tensor<1x3x4x4xf32> {
  // expected-error@+1 {{var must have shape [3], got [4]}}
  %0 = "quant.batch_norm"(%x, %p, %p, %p, %q) : (tensor<1x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<4xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

func.func @batch_norm_rank(%x: tensor<3x4x4xf32>, %p: tensor<4xf32>) -> tensor<3x4x4xf32> {
  // expected-error@+1 {{input must have rank 2 or 4}}
  %0 = "quant.batch_norm"(%x, %p, %p, %p, %p) : (tensor<3x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<3x4x4xf32>
  return %0 : tensor<3x4x4xf32>
}

// -----

func.func @elementwise_shape(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error@+1 {{result type must equal the input type}}
  %0 = "quant.sigmoid"(%x) : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @clip_range(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{min (6) must not exceed max (0)}}
  %0 = "quant.clip"(%x) {min = 6.0 : f32, max = 0.0 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @clip_missing_max(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{attribute "max" is expected but not provided}}
  %0 = "quant.clip"(%x) {min = 0.0 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @gelu_mode(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{approximate must be "none" or "tanh", got "fast"}}
  %0 = "quant.gelu"(%x) {approximate = "fast"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @leaky_alpha_kind(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{attribute 'alpha' must be a float}}
  %0 = "quant.leaky_relu"(%x) {alpha = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @add_shapes(%x: tensor<2x3xf32>, %y: tensor<3x2xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{operands must have the same shape}}
  %0 = "quant.add"(%x, %y) : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @pool_shape(%x: tensor<1x2x7x7xf32>) -> tensor<1x2x4x4xf32> {
  // expected-error@+1 {{result shape must be [1, 2, 3, 3], got [1, 2, 4, 4]}}
  %0 = "quant.max_pool2d"(%x) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x2x7x7xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}

// -----

func.func @pool_kernel(%x: tensor<1x2x7x7xf32>) -> tensor<1x2x7x7xf32> {
  // expected-error@+1 {{attribute 'kernel' must have 2 values, got 1}}
  %0 = "quant.avg_pool2d"(%x) {kernel = array<i64: 1>} : (tensor<1x2x7x7xf32>) -> tensor<1x2x7x7xf32>
  return %0 : tensor<1x2x7x7xf32>
}

// -----

func.func @global_pool_shape(%x: tensor<1x2x7x7xf32>) -> tensor<1x2x1xf32> {
  // expected-error@+1 {{result shape must be [1, 2, 1, 1], got [1, 2, 1]}}
  %0 = "quant.global_avg_pool"(%x) : (tensor<1x2x7x7xf32>) -> tensor<1x2x1xf32>
  return %0 : tensor<1x2x1xf32>
}

// -----

func.func @reshape_count(%x: tensor<2x3xf32>) -> tensor<7xf32> {
  // expected-error@+1 {{element count must be preserved}}
  %0 = "quant.reshape"(%x) : (tensor<2x3xf32>) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

func.func @transpose_perm(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  // expected-error@+1 {{perm [1, 1] is not a permutation of 0..2}}
  %0 = "quant.transpose"(%x) {perm = array<i64: 1, 1>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

func.func @transpose_shape(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{result shape must be [3, 2], got [2, 3]}}
  %0 = "quant.transpose"(%x) {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @concat_axis(%x: tensor<2x3xf32>) -> tensor<4x3xf32> {
  // expected-error@+1 {{axis 2 is out of range for rank 2}}
  %0 = "quant.concat"(%x, %x) {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return %0 : tensor<4x3xf32>
}

// -----

func.func @concat_shape(%x: tensor<2x3xf32>) -> tensor<5x3xf32> {
  // expected-error@+1 {{result shape must be [4, 3], got [5, 3]}}
  %0 = "quant.concat"(%x, %x) {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<5x3xf32>
  return %0 : tensor<5x3xf32>
}

// -----

func.func @softmax_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{axis -3 is out of range for rank 2}}
  %0 = "quant.softmax"(%x) {axis = -3 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @quant_scale_positive(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  // expected-error@+1 {{scale must be finite and positive, got -0.1}}
  %0 = "quant.quantize"(%x) {scale = -0.1 : f32, zero_point = 0 : i32} : (tensor<2x3xf32>) -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}

// -----

func.func @quant_scale_finite(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  // expected-error@+1 {{scale must be finite and positive, got inf}}
  %0 = "quant.quantize"(%x) {scale = 0x7F800000 : f32, zero_point = 0 : i32} : (tensor<2x3xf32>) -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}

// -----

func.func @quant_zero_point(%x: tensor<2x3xf32>) -> tensor<2x3xui8> {
  // expected-error@+1 {{zero_point -1 is outside the quant range [0, 255]}}
  %0 = "quant.quantize"(%x) {scale = 0.1 : f32, zero_point = -1 : i32} : (tensor<2x3xf32>) -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}

// -----

func.func @quant_axis_length(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  // expected-error@+1 {{per-axis scale and zero_point must have 3 entries (dim 1), got 2 and 2}}
  %0 = "quant.quantize"(%x) {axis = 1 : i64, scale = dense<[0.1, 0.2]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>} : (tensor<2x3xf32>) -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}

// -----

func.func @quant_axis_missing(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  // expected-error@+1 {{per-axis scale or zero_point requires an 'axis' attribute}}
  %0 = "quant.quantize"(%x) {scale = dense<[0.1, 0.2, 0.3]> : tensor<3xf32>, zero_point = dense<0> : tensor<3xi32>} : (tensor<2x3xf32>) -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}

// -----

func.func @quant_storage(%x: tensor<2x3xf32>) -> tensor<2x3xi16> {
  // expected-error@+1 {{storage type must be i8, ui8 or i32, got i16}}
  %0 = "quant.quantize"(%x) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<2x3xf32>) -> tensor<2x3xi16>
  return %0 : tensor<2x3xi16>
}

// -----

func.func @quant_narrow_range(%x: tensor<2x3xf32>) -> tensor<2x3xi8> {
  // expected-error@+1 {{quant range [-200, 7] must lie within the i8 range [-128, 127]}}
  %0 = "quant.quantize"(%x) {scale = 0.1 : f32, zero_point = 0 : i32, quant_min = -200 : i64, quant_max = 7 : i64} : (tensor<2x3xf32>) -> tensor<2x3xi8>
  return %0 : tensor<2x3xi8>
}

// -----

func.func @dequant_input(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{storage type must be i8, ui8 or i32, got f32}}
  %0 = "quant.dequantize"(%x) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @quant_shape(%x: tensor<2x3xf32>) -> tensor<3x2xi8> {
  // expected-error@+1 {{result shape [3, 2] must equal the input shape [2, 3]}}
  %0 = "quant.quantize"(%x) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<2x3xf32>) -> tensor<3x2xi8>
  return %0 : tensor<3x2xi8>
}

// -----

func.func @unknown_op(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error@+1 {{}}
  %0 = "quant.frobnicate"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Huge attribute values are rejected, never overflowed.
func.func @conv_huge_dilation(%x: tensor<1x1x7x7xf32>, %w: tensor<1x1x7x7xf32>) -> tensor<1x1x1x1xf32> {
  // expected-error@+1 {{kernel 7x7 (dilations [4611686018427387904, 1]) does not fit the padded input}}
  %0 = "quant.conv2d"(%x, %w) {dilations = array<i64: 4611686018427387904, 1>} : (tensor<1x1x7x7xf32>, tensor<1x1x7x7xf32>) -> tensor<1x1x1x1xf32>
  return %0 : tensor<1x1x1x1xf32>
}

// -----

func.func @pool_huge_padding(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x1x1xf32> {
  // expected-error@+1 {{kernel [2, 2] with padding}}
  %0 = "quant.max_pool2d"(%x) {kernel = array<i64: 2, 2>, padding = array<i64: 9223372036854775807, 0, 9223372036854775807, 0>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x1x1xf32>
  return %0 : tensor<1x1x1x1xf32>
}
