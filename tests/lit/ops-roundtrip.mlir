// Every op of the dialect contract parses, verifies and prints, and the
// printed form parses again to the same text.
// RUN: qopt %s | FileCheck %s
// RUN: qopt %s | qopt | FileCheck %s
// RUN: qopt %s --emit=bytecode -o %t.mlirbc && qopt %t.mlirbc | FileCheck %s

// CHECK-LABEL: func.func @conv_family
func.func @conv_family(%x: tensor<2x4x9x9xf32>, %w: tensor<8x2x3x3xf32>, %b: tensor<8xf32>, %wl: tensor<5x12xf32>, %bl: tensor<5xf32>, %xl: tensor<3x12xf32>) -> (tensor<2x8x4x4xf32>, tensor<2x8x9x9xf32>, tensor<3x5xf32>, tensor<3x5xf32>) {
  // CHECK: "quant.conv2d"(%{{.*}}, %{{.*}}, %{{.*}}) {dilations = array<i64: 1, 2>, groups = 2 : i64, padding = array<i64: 1, 2, 0, 1>, strides = array<i64: 2, 2>}
  %c = "quant.conv2d"(%x, %w, %b) {strides = array<i64: 2, 2>, padding = array<i64: 1, 2, 0, 1>, dilations = array<i64: 1, 2>, groups = 2 : i64} : (tensor<2x4x9x9xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<2x8x4x4xf32>
  // CHECK: "quant.conv2d"(%{{.*}}, %{{.*}}) {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>}
  %d = "quant.conv2d"(%x, %w) {padding = array<i64: 1, 1, 1, 1>, groups = 2 : i64} : (tensor<2x4x9x9xf32>, tensor<8x2x3x3xf32>) -> tensor<2x8x9x9xf32>
  // CHECK: "quant.linear"(%{{.*}}, %{{.*}}, %{{.*}}) : (tensor<3x12xf32>, tensor<5x12xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  %l = "quant.linear"(%xl, %wl, %bl) : (tensor<3x12xf32>, tensor<5x12xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  // CHECK: "quant.linear"(%{{.*}}, %{{.*}}) : (tensor<3x12xf32>, tensor<5x12xf32>) -> tensor<3x5xf32>
  %m = "quant.linear"(%xl, %wl) : (tensor<3x12xf32>, tensor<5x12xf32>) -> tensor<3x5xf32>
  return %c, %d, %l, %m : tensor<2x8x4x4xf32>, tensor<2x8x9x9xf32>, tensor<3x5xf32>, tensor<3x5xf32>
}

// CHECK-LABEL: func.func @norm_and_activations
func.func @norm_and_activations(%x: tensor<2x3x4x4xf32>, %p: tensor<3xf32>, %y: tensor<5x3xf32>) -> tensor<2x3x4x4xf32> {
  // CHECK: "quant.batch_norm"({{.*}}) {epsilon = 1.000000e-03 : f32}
  %0 = "quant.batch_norm"(%x, %p, %p, %p, %p) {epsilon = 1.0e-03 : f32} : (tensor<2x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: "quant.batch_norm"({{.*}}) : (tensor<5x3xf32>
  %1 = "quant.batch_norm"(%y, %p, %p, %p, %p) : (tensor<5x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<5x3xf32>
  // CHECK: "quant.relu"
  %2 = "quant.relu"(%0) : (tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: "quant.relu6"
  %3 = "quant.relu6"(%2) : (tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: "quant.sigmoid"
  %4 = "quant.sigmoid"(%3) : (tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: "quant.silu"
  %5 = "quant.silu"(%4) : (tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: "quant.mish"
  %6 = "quant.mish"(%5) : (tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: "quant.leaky_relu"({{.*}}) {alpha = 2.000000e-01 : f32}
  %7 = "quant.leaky_relu"(%6) {alpha = 0.2 : f32} : (tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: "quant.hardsigmoid"({{.*}}) {alpha = 2.000000e-01 : f32, beta = 5.000000e-01 : f32}
  %8 = "quant.hardsigmoid"(%7) {alpha = 0.2 : f32, beta = 0.5 : f32} : (tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: "quant.gelu"({{.*}}) {approximate = "tanh"}
  %9 = "quant.gelu"(%8) {approximate = "tanh"} : (tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: "quant.gelu"({{.*}}) : (
  %10 = "quant.gelu"(%9) : (tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: "quant.clip"({{.*}}) {max = 6.000000e+00 : f32, min = -1.000000e+00 : f32}
  %11 = "quant.clip"(%10) {min = -1.0 : f32, max = 6.0 : f32} : (tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  // CHECK: "quant.add"
  %12 = "quant.add"(%11, %x) : (tensor<2x3x4x4xf32>, tensor<2x3x4x4xf32>) -> tensor<2x3x4x4xf32>
  return %12 : tensor<2x3x4x4xf32>
}

// CHECK-LABEL: func.func @pooling_and_shapes
func.func @pooling_and_shapes(%x: tensor<1x2x7x7xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x3x3xf32>, tensor<1x2x1x1xf32>, tensor<7x2x7xf32>, tensor<1x4x7x7xf32>, tensor<1x98xf32>) {
  // CHECK: "quant.max_pool2d"({{.*}}) {ceil_mode = true, kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}
  %0 = "quant.max_pool2d"(%x) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = true} : (tensor<1x2x7x7xf32>) -> tensor<1x2x4x4xf32>
  // CHECK: "quant.avg_pool2d"({{.*}}) {count_include_pad = true, kernel = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 3, 3>}
  %1 = "quant.avg_pool2d"(%x) {kernel = array<i64: 3, 3>, strides = array<i64: 3, 3>, padding = array<i64: 1, 1, 1, 1>, count_include_pad = true} : (tensor<1x2x7x7xf32>) -> tensor<1x2x3x3xf32>
  // CHECK: "quant.global_avg_pool"
  %2 = "quant.global_avg_pool"(%x) : (tensor<1x2x7x7xf32>) -> tensor<1x2x1x1xf32>
  // CHECK: "quant.reshape"({{.*}}) : (tensor<1x2x7x7xf32>) -> tensor<1x98xf32>
  %3 = "quant.reshape"(%x) : (tensor<1x2x7x7xf32>) -> tensor<1x98xf32>
  // CHECK: "quant.transpose"({{.*}}) {perm = array<i64: 2, 1, 3, 0>}
  %4 = "quant.transpose"(%x) {perm = array<i64: 2, 1, 3, 0>} : (tensor<1x2x7x7xf32>) -> tensor<7x2x7x1xf32>
  %5 = "quant.reshape"(%4) : (tensor<7x2x7x1xf32>) -> tensor<7x2x7xf32>
  // IRDL binds one type per variadic group, so concat inputs share a type (docs/dialect.md).
  // CHECK: "quant.concat"({{.*}}) {axis = 1 : i64}
  %6 = "quant.concat"(%x, %x) {axis = 1 : i64} : (tensor<1x2x7x7xf32>, tensor<1x2x7x7xf32>) -> tensor<1x4x7x7xf32>
  // CHECK: "quant.softmax"({{.*}}) {axis = 1 : i64}
  %7 = "quant.softmax"(%3) {axis = 1 : i64} : (tensor<1x98xf32>) -> tensor<1x98xf32>
  return %0, %1, %2, %5, %6, %7 : tensor<1x2x4x4xf32>, tensor<1x2x3x3xf32>, tensor<1x2x1x1xf32>, tensor<7x2x7xf32>, tensor<1x4x7x7xf32>, tensor<1x98xf32>
}

// CHECK-LABEL: func.func @quantization
func.func @quantization(%x: tensor<4x3xf32>) -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>) {
  // CHECK: "quant.quantize"({{.*}}) {scale = 1.000000e-01 : f32, zero_point = -3 : i32} : (tensor<4x3xf32>) -> tensor<4x3xi8>
  %q0 = "quant.quantize"(%x) {scale = 0.1 : f32, zero_point = -3 : i32} : (tensor<4x3xf32>) -> tensor<4x3xi8>
  %d0 = "quant.dequantize"(%q0) {scale = 0.1 : f32, zero_point = -3 : i32} : (tensor<4x3xi8>) -> tensor<4x3xf32>
  // CHECK: "quant.quantize"({{.*}}) {axis = 1 : i64, scale = dense<[1.000000e-01, 2.000000e-01, 3.000000e-01]> : tensor<3xf32>, zero_point = dense<[0, 1, 2]> : tensor<3xi32>} : (tensor<4x3xf32>) -> tensor<4x3xui8>
  %q1 = "quant.quantize"(%x) {axis = 1 : i64, scale = dense<[0.1, 0.2, 0.3]> : tensor<3xf32>, zero_point = dense<[0, 1, 2]> : tensor<3xi32>} : (tensor<4x3xf32>) -> tensor<4x3xui8>
  %d1 = "quant.dequantize"(%q1) {axis = 1 : i64, scale = dense<[0.1, 0.2, 0.3]> : tensor<3xf32>, zero_point = dense<[0, 1, 2]> : tensor<3xi32>} : (tensor<4x3xui8>) -> tensor<4x3xf32>
  // CHECK: "quant.quantize"({{.*}}) {quant_max = 7 : i64, quant_min = -8 : i64, scale = 5.000000e-01 : f32, zero_point = 0 : i32}
  %q2 = "quant.quantize"(%x) {scale = 0.5 : f32, zero_point = 0 : i32, quant_min = -8 : i64, quant_max = 7 : i64} : (tensor<4x3xf32>) -> tensor<4x3xi8>
  %d2 = "quant.dequantize"(%q2) {scale = 0.5 : f32, zero_point = 0 : i32, quant_min = -8 : i64, quant_max = 7 : i64} : (tensor<4x3xi8>) -> tensor<4x3xf32>
  // CHECK: "quant.dequantize"(%{{.*}}) {scale = {{.*}} : f32, zero_point = 0 : i32} : (tensor<4x3xi32>) -> tensor<4x3xf32>
  %c = arith.constant dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]> : tensor<4x3xi32>
  %d3 = "quant.dequantize"(%c) {scale = 0.01 : f32, zero_point = 0 : i32} : (tensor<4x3xi32>) -> tensor<4x3xf32>
  return %d0, %d1, %d2, %d3 : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>
}
