// RUN: qopt %s --split-input-file --disable-unnecessary-quant | FileCheck %s
// RUN: qopt %s --split-input-file --disable-unnecessary-quant -v 2>&1 >/dev/null | FileCheck %s --check-prefix=STATS

// STATS-DAG: INFO fusible-edge quantize/dequantize pairs removed pass="quant-disable-unnecessary-quant" count=1
// STATS-DAG: INFO batch_norm parameter quantizers disabled pass="quant-disable-unnecessary-quant" count=1
// STATS-DAG: INFO quantize(dequantize(q)) folded to q pass="quant-disable-unnecessary-quant" count=1
// STATS-DAG: INFO duplicate dequantize ops merged pass="quant-disable-unnecessary-quant" count=1
// STATS-DAG: INFO duplicate quantize ops merged pass="quant-disable-unnecessary-quant" count=1

// One row of the table per producer: conv2d → relu.
// CHECK-LABEL: func.func @conv_relu
// CHECK: %[[C:.*]] = "quant.conv2d"
// CHECK-NOT: quant.quantize
// CHECK: %[[R:.*]] = "quant.relu"(%[[C]])
// The consumer's own output quantizer stays.
// CHECK: "quant.quantize"(%[[R]])
// CHECK: "quant.dequantize"
func.func @conv_relu(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<0.5> : tensor<2x2x1x1xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q = "quant.quantize"(%c) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %r = "quant.relu"(%d) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %q2 = "quant.quantize"(%r) {scale = 0.1 : f32, zero_point = -128 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %d2 = "quant.dequantize"(%q2) {scale = 0.1 : f32, zero_point = -128 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  return %d2 : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @linear_gelu
// CHECK: %[[L:.*]] = "quant.linear"
// CHECK-NEXT: "quant.gelu"(%[[L]])
// CHECK-NOT: quant.quantize
func.func @linear_gelu(%x: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %w = arith.constant dense<0.25> : tensor<3x4xf32>
  %l = "quant.linear"(%x, %w) : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<2x3xf32>
  %q = "quant.quantize"(%l) {scale = 0.02 : f32, zero_point = 3 : i32} : (tensor<2x3xf32>) -> tensor<2x3xui8>
  %d = "quant.dequantize"(%q) {scale = 0.02 : f32, zero_point = 3 : i32} : (tensor<2x3xui8>) -> tensor<2x3xf32>
  %g = "quant.gelu"(%d) {approximate = "tanh"} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %g : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @batch_norm_clip
// CHECK: %[[N:.*]] = "quant.batch_norm"(%arg0
// CHECK-NEXT: "quant.clip"(%[[N]])
func.func @batch_norm_clip(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %p = arith.constant dense<1.0> : tensor<2xf32>
  %n = "quant.batch_norm"(%x, %p, %p, %p, %p) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %q = "quant.quantize"(%n) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %r = "quant.clip"(%d) {min = -1.0 : f32, max = 1.0 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @add_relu6
// CHECK: %[[A:.*]] = "quant.add"(%arg0, %arg1)
// CHECK-NEXT: "quant.relu6"(%[[A]])
func.func @add_relu6(%x: tensor<1x8xf32>, %y: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %a = "quant.add"(%x, %y) : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %q = "quant.quantize"(%a) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x8xf32>) -> tensor<1x8xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x8xi8>) -> tensor<1x8xf32>
  %r = "quant.relu6"(%d) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  return %r : tensor<1x8xf32>
}

// -----

// conv2d → batch_norm: the edge pair goes, and the batch_norm reads its
// fake-quantized parameters as the float constants.
// CHECK-LABEL: func.func @conv_batch_norm
// CHECK-DAG: %[[G:.*]] = arith.constant dense<[1.000000e+00, 2.000000e+00]>
// CHECK-DAG: %[[P:.*]] = arith.constant dense<5.000000e-01> : tensor<2xf32>
// CHECK: %[[C:.*]] = "quant.conv2d"
// CHECK-NEXT: "quant.batch_norm"(%[[C]], %[[G]], %[[P]], %[[P]], %[[P]])
// CHECK-NOT: quant.quantize
// CHECK-NOT: quant.dequantize
func.func @conv_batch_norm(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<0.5> : tensor<2x2x1x1xf32>
  %g = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %p = arith.constant dense<0.5> : tensor<2xf32>
  %qg = "quant.quantize"(%g) {scale = 0.03 : f32, zero_point = 0 : i32} : (tensor<2xf32>) -> tensor<2xi8>
  %dg = "quant.dequantize"(%qg) {scale = 0.03 : f32, zero_point = 0 : i32} : (tensor<2xi8>) -> tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q = "quant.quantize"(%c) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%d, %dg, %p, %p, %p) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// Negative: add → sigmoid is not in the table.
// CHECK-LABEL: func.func @add_sigmoid_kept
// CHECK: "quant.quantize"
// CHECK: "quant.dequantize"
// CHECK: "quant.sigmoid"
func.func @add_sigmoid_kept(%x: tensor<1x8xf32>) -> tensor<1x8xf32> {
  %a = "quant.add"(%x, %x) : (tensor<1x8xf32>, tensor<1x8xf32>) -> tensor<1x8xf32>
  %q = "quant.quantize"(%a) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x8xf32>) -> tensor<1x8xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x8xi8>) -> tensor<1x8xf32>
  %r = "quant.sigmoid"(%d) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  return %r : tensor<1x8xf32>
}

// -----

// Negative: relu → conv2d is not in the table (the conv's input quantizer stays).
// CHECK-LABEL: func.func @relu_conv_kept
// CHECK: "quant.relu"
// CHECK-NEXT: "quant.quantize"
// CHECK-NEXT: "quant.dequantize"
// CHECK-NEXT: "quant.conv2d"
func.func @relu_conv_kept(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<0.5> : tensor<2x2x1x1xf32>
  %r = "quant.relu"(%x) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %q = "quant.quantize"(%r) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %c = "quant.conv2d"(%d, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %c : tensor<1x2x4x4xf32>
}

// -----

// Negative: the dequantize has a second user.
// CHECK-LABEL: func.func @shared_dequantize
// CHECK: %[[D:.*]] = "quant.dequantize"
// CHECK: "quant.relu"(%[[D]])
// CHECK: "quant.sigmoid"(%[[D]])
func.func @shared_dequantize(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = arith.constant dense<0.5> : tensor<2x2x1x1xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q = "quant.quantize"(%c) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %r = "quant.relu"(%d) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %s = "quant.sigmoid"(%d) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %r, %s : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Negative: the quantize has a second user (the integers are returned).
// CHECK-LABEL: func.func @shared_quantize
// CHECK: %[[Q:.*]] = "quant.quantize"
// CHECK: %[[D:.*]] = "quant.dequantize"(%[[Q]])
// CHECK: "quant.relu"(%[[D]])
func.func @shared_quantize(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xi8>) {
  %w = arith.constant dense<0.5> : tensor<2x2x1x1xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q = "quant.quantize"(%c) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %r = "quant.relu"(%d) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %r, %q : tensor<1x2x4x4xf32>, tensor<1x2x4x4xi8>
}

// -----

// Negative: the producer's result has a second user.
// CHECK-LABEL: func.func @shared_producer
// CHECK: %[[C:.*]] = "quant.conv2d"
// CHECK: %[[Q:.*]] = "quant.quantize"(%[[C]])
// CHECK: %[[D:.*]] = "quant.dequantize"(%[[Q]])
// CHECK: "quant.relu"(%[[D]])
func.func @shared_producer(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = arith.constant dense<0.5> : tensor<2x2x1x1xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q = "quant.quantize"(%c) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %r = "quant.relu"(%d) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %r, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// quantize(dequantize(q)) with identical parameters is q.
// CHECK-LABEL: func.func @requantize_identity
// CHECK-NEXT: return %arg0
func.func @requantize_identity(%q: tensor<4xi8>) -> tensor<4xi8> {
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 5 : i32} : (tensor<4xi8>) -> tensor<4xf32>
  %r = "quant.quantize"(%d) {scale = 0.1 : f32, zero_point = 5 : i32} : (tensor<4xf32>) -> tensor<4xi8>
  return %r : tensor<4xi8>
}

// -----

// Per-axis parameters fold too when every bit matches.
// CHECK-LABEL: func.func @requantize_identity_per_axis
// CHECK-NEXT: return %arg0
func.func @requantize_identity_per_axis(%q: tensor<2x3xui8>) -> tensor<2x3xui8> {
  %d = "quant.dequantize"(%q) {scale = dense<[0.1, 0.2, 0.3]> : tensor<3xf32>, zero_point = dense<[0, 7, 255]> : tensor<3xi32>, axis = 1 : i64} : (tensor<2x3xui8>) -> tensor<2x3xf32>
  %r = "quant.quantize"(%d) {scale = dense<[0.1, 0.2, 0.3]> : tensor<3xf32>, zero_point = dense<[0, 7, 255]> : tensor<3xi32>, axis = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xui8>
  return %r : tensor<2x3xui8>
}

// -----

// Near-identical parameters never fold: a scale one ulp apart, another zero
// point, another axis, a narrower range, and i32 storage (not exact in f32).
// CHECK-LABEL: func.func @requantize_scale_ulp
// CHECK: "quant.dequantize"
// CHECK-NEXT: "quant.quantize"
func.func @requantize_scale_ulp(%q: tensor<4xi8>) -> tensor<4xi8> {
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<4xi8>) -> tensor<4xf32>
  %r = "quant.quantize"(%d) {scale = 0.100000009 : f32, zero_point = 0 : i32} : (tensor<4xf32>) -> tensor<4xi8>
  return %r : tensor<4xi8>
}

// -----

// CHECK-LABEL: func.func @requantize_zero_point
// CHECK: "quant.dequantize"
// CHECK-NEXT: "quant.quantize"
func.func @requantize_zero_point(%q: tensor<4xi8>) -> tensor<4xi8> {
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<4xi8>) -> tensor<4xf32>
  %r = "quant.quantize"(%d) {scale = 0.1 : f32, zero_point = 1 : i32} : (tensor<4xf32>) -> tensor<4xi8>
  return %r : tensor<4xi8>
}

// -----

// CHECK-LABEL: func.func @requantize_axis
// CHECK: "quant.dequantize"
// CHECK-NEXT: "quant.quantize"
func.func @requantize_axis(%q: tensor<2x2xi8>) -> tensor<2x2xi8> {
  %d = "quant.dequantize"(%q) {scale = dense<[0.1, 0.2]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>, axis = 0 : i64} : (tensor<2x2xi8>) -> tensor<2x2xf32>
  %r = "quant.quantize"(%d) {scale = dense<[0.1, 0.2]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>, axis = 1 : i64} : (tensor<2x2xf32>) -> tensor<2x2xi8>
  return %r : tensor<2x2xi8>
}

// -----

// CHECK-LABEL: func.func @requantize_range
// CHECK: "quant.dequantize"
// CHECK-NEXT: "quant.quantize"
func.func @requantize_range(%q: tensor<4xi8>) -> tensor<4xi8> {
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<4xi8>) -> tensor<4xf32>
  %r = "quant.quantize"(%d) {scale = 0.1 : f32, zero_point = 0 : i32, quant_min = -127 : i64, quant_max = 127 : i64} : (tensor<4xf32>) -> tensor<4xi8>
  return %r : tensor<4xi8>
}

// -----

// CHECK-LABEL: func.func @requantize_i32
// CHECK: "quant.dequantize"
// CHECK-NEXT: "quant.quantize"
func.func @requantize_i32(%q: tensor<4xi32>) -> tensor<4xi32> {
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<4xi32>) -> tensor<4xf32>
  %r = "quant.quantize"(%d) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<4xf32>) -> tensor<4xi32>
  return %r : tensor<4xi32>
}

// -----

// dequantize(quantize(dequantize(quantize(x)))) with identical pairs is one pair.
// CHECK-LABEL: func.func @double_pair
// CHECK-NEXT: %[[Q:.*]] = "quant.quantize"(%arg0)
// CHECK-NEXT: %[[D:.*]] = "quant.dequantize"(%[[Q]])
// CHECK-NEXT: return %[[D]]
func.func @double_pair(%x: tensor<4xf32>) -> tensor<4xf32> {
  %q1 = "quant.quantize"(%x) {scale = 0.05 : f32, zero_point = -3 : i32} : (tensor<4xf32>) -> tensor<4xi8>
  %d1 = "quant.dequantize"(%q1) {scale = 0.05 : f32, zero_point = -3 : i32} : (tensor<4xi8>) -> tensor<4xf32>
  %q2 = "quant.quantize"(%d1) {scale = 0.05 : f32, zero_point = -3 : i32} : (tensor<4xf32>) -> tensor<4xi8>
  %d2 = "quant.dequantize"(%q2) {scale = 0.05 : f32, zero_point = -3 : i32} : (tensor<4xi8>) -> tensor<4xf32>
  return %d2 : tensor<4xf32>
}

// -----

// Two identical quantizers of one value become one; a different one stays.
// CHECK-LABEL: func.func @duplicate_quantize
// CHECK-NEXT: %[[Q:.*]] = "quant.quantize"(%arg0) {scale = 1.000000e-01 : f32
// CHECK-NEXT: %[[Q3:.*]] = "quant.quantize"(%arg0) {scale = 2.000000e-01 : f32
// CHECK-NEXT: return %[[Q]], %[[Q]], %[[Q3]]
func.func @duplicate_quantize(%x: tensor<4xf32>) -> (tensor<4xi8>, tensor<4xi8>, tensor<4xi8>) {
  %q1 = "quant.quantize"(%x) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<4xf32>) -> tensor<4xi8>
  %q2 = "quant.quantize"(%x) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<4xf32>) -> tensor<4xi8>
  %q3 = "quant.quantize"(%x) {scale = 0.2 : f32, zero_point = 0 : i32} : (tensor<4xf32>) -> tensor<4xi8>
  return %q1, %q2, %q3 : tensor<4xi8>, tensor<4xi8>, tensor<4xi8>
}
