// A quantized conv → batch_norm → relu block (the README's example).
func.func @main(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w = arith.constant dense<0.1> : tensor<4x3x3x3xf32>
  %g = arith.constant dense<[1.0, -0.5, 2.0, 1.0]> : tensor<4xf32>
  %b = arith.constant dense<0.0> : tensor<4xf32>
  %m = arith.constant dense<[0.1, 0.2, 0.3, 0.4]> : tensor<4xf32>
  %v = arith.constant dense<[1.0, 0.5, 2.0, 0.25]> : tensor<4xf32>
  %qx = "quant.quantize"(%x) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x3x8x8xf32>) -> tensor<1x3x8x8xi8>
  %dx = "quant.dequantize"(%qx) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<1x3x8x8xi8>) -> tensor<1x3x8x8xf32>
  %c = "quant.conv2d"(%dx, %w) {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>) -> tensor<1x4x8x8xf32>
  %n = "quant.batch_norm"(%c, %g, %b, %m, %v) {epsilon = 1.0e-05 : f32} : (tensor<1x4x8x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>
  %r = "quant.relu"(%n) : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %r : tensor<1x4x8x8xf32>
}
