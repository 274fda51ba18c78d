// quant-fuse-bn: batch_norm folded into conv2d/linear, quantization-aware.
// With r = γ/sqrt(σ²+ε): W' = W·r (weight axis 0), b' = (b − μ)·r + β,
// computed in f64 and rounded once to f32. The expected constants below were
// computed by hand (ε = 0 where the numbers should stay exact).
//
// RUN: qopt --fuse-bn --split-input-file --verify-diagnostics %s | FileCheck %s
// RUN: qopt --fuse-bn -v %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS
// RUN: qopt --fuse-bn %S/../../examples/conv-bn-relu.mlir | FileCheck %s --check-prefix=README

// Whole file as one module (no split): the per-pass statistics under -v.
// STATS-DAG: conv2d+batch_norm fused pass="quant-fuse-bn" count=25
// STATS-DAG: linear+batch_norm fused pass="quant-fuse-bn" count=2
// STATS-DAG: negative-scale channels (sign flips) pass="quant-fuse-bn" count=7
// STATS-DAG: saturations pass="quant-fuse-bn" count=4
// STATS-DAG: refused: producer has other users pass="quant-fuse-bn" count=1
// STATS-DAG: refused: shared quantize/dequantize pass="quant-fuse-bn" count=1
// STATS-DAG: refused: non-constant weight pass="quant-fuse-bn" count=1
// STATS-DAG: refused: non-constant parameters pass="quant-fuse-bn" count=1
// STATS-DAG: refused: non-constant bias pass="quant-fuse-bn" count=1
// STATS-DAG: refused: invalid parameters pass="quant-fuse-bn" count=4
// STATS-DAG: refused: weight scale out of range pass="quant-fuse-bn" count=1
// STATS-DAG: remark: batch_norm not folded: the conv2d result has other users
// STATS-DAG: warning: batch_norm not folded: a parameter is NaN or infinite
// STATS-DAG: warning: batch_norm not folded: var + epsilon <= 0 in channel 1
// STATS-DAG: remark: batch_norm not folded: the conv2d weight is not a constant

// The README example: every batch_norm goes, the 108 folded weights are
// emitted as hex (r = [0.999995, -0.707100, 1.414210, 1.999960] per channel).
// README-LABEL: func.func @main
// README-DAG:   [[B:%[^ ]+]] = arith.constant dense<[-9.999950e-02, 0.141419947, -0.42426303, -0.799984037]> : tensor<4xf32>
// README-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{"0x(8ACCCC3D){27}(64D090BD){27}(ABD0103E){27}(C1CB4C3E){27}"}}> : tensor<4x3x3x3xf32>
// README:       [[X:%[^ ]+]] = "quant.dequantize"
// README-NEXT:  [[C:%[^ ]+]] = "quant.conv2d"([[X]], [[W]], [[B]]) {padding = array<i64: 1, 1, 1, 1>}
// README-NEXT:  "quant.relu"([[C]])
// README-NOT:   quant.batch_norm

// 1x1 conv with a bias, decimal weights, default ε:
// r = [2/sqrt(4.00001), 0.5/sqrt(0.25001)] = [0.99999875, 0.99998].
// CHECK-LABEL: func.func @conv_bias_1x1
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<[-0.249999374, 1.499990e+00]> : tensor<2xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}0.999998748]], {{\[\[}}1.9999975]]], {{\[\[\[}}2.999940e+00]], {{\[\[}}-3.999920e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-NOT:   quant.batch_norm
// CHECK:       [[C:%[^ ]+]] = "quant.conv2d"(%arg0, [[W]], [[B]]) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NOT:   quant.batch_norm
// CHECK:       return [[C]]
func.func @conv_bias_1x1(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[-4.0]]]]> : tensor<2x2x1x1xf32>
  %b = arith.constant dense<[0.5, -1.5]> : tensor<2xf32>
  %g = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  %be = arith.constant dense<[0.25, 1.0]> : tensor<2xf32>
  %m = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %v = arith.constant dense<[4.0, 0.25]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w, %b) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// 3x3 conv without a bias: the folded conv gets one, b' = β − μ·r with
// r = [1/sqrt(1.001), −2/sqrt(3.001)] = [0.99950037, −1.15450811].
// CHECK-LABEL: func.func @conv_no_bias_3x3
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<[-0.499750197, 0.211372972]> : tensor<2xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}0.0999500378, 0.199900076, 0.299850136], [0.399800152, 0.499750197, 0.599700272], [0.699650228, 0.799600303, 0.899550318]]], {{\[\[\[}}1.15450811, -0.000000e+00, -1.15450811], [2.30901623, -0.000000e+00, -2.30901623], [1.15450811, -0.000000e+00, -1.15450811]]]]> : tensor<2x1x3x3xf32>
// CHECK:       "quant.conv2d"(%arg0, [[W]], [[B]]) : (tensor<1x1x5x5xf32>, tensor<2x1x3x3xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @conv_no_bias_3x3(%x: tensor<1x1x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %w = arith.constant dense<[[[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]]], [[[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]]]> : tensor<2x1x3x3xf32>
  %g = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.5]> : tensor<2xf32>
  %m = arith.constant dense<[0.5, -0.25]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 3.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x1x5x5xf32>, tensor<2x1x3x3xf32>) -> tensor<1x2x3x3xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 1.0e-03 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  return %n : tensor<1x2x3x3xf32>
}

// -----

// Grouped conv (groups = 2), splat weight 0.5; r = [2, 0.5, −1, 3].
// CHECK-LABEL: func.func @conv_grouped
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<[0.000000e+00, 1.750000e+00, 3.500000e+00, 2.500000e+00]> : tensor<4xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}1.000000e+00]]], {{\[\[\[}}2.500000e-01]], {{\[\[}}2.500000e-01]]], {{\[\[\[}}-5.000000e-01]], {{\[\[}}-5.000000e-01]]], {{\[\[\[}}1.500000e+00]], {{\[\[}}1.500000e+00]]]]> : tensor<4x2x1x1xf32>
// CHECK:       "quant.conv2d"(%arg0, [[W]], [[B]]) {groups = 2 : i64} : (tensor<1x4x4x4xf32>, tensor<4x2x1x1xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @conv_grouped(%x: tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %w = arith.constant dense<0.5> : tensor<4x2x1x1xf32>
  %g = arith.constant dense<[2.0, 1.0, -1.0, 6.0]> : tensor<4xf32>
  %be = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %m = arith.constant dense<[0.5, 0.5, 0.5, 0.5]> : tensor<4xf32>
  %v = arith.constant dense<[1.0, 4.0, 1.0, 4.0]> : tensor<4xf32>
  %c = "quant.conv2d"(%x, %w) {groups = 2 : i64} : (tensor<1x4x4x4xf32>, tensor<4x2x1x1xf32>) -> tensor<1x4x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x4x4x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %n : tensor<1x4x4x4xf32>
}

// -----

// Depthwise conv (groups = C = 3) with a bias; r = [2, 1.5, −2].
// CHECK-LABEL: func.func @conv_depthwise
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<[2.000000e+00, -3.000000e+00, -2.000000e+00]> : tensor<3xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}2.000000e+00, 2.000000e+00, 2.000000e+00], [2.000000e+00, 2.000000e+00, 2.000000e+00], [2.000000e+00, 2.000000e+00, 2.000000e+00]]], {{\[\[\[}}1.500000e+00, 1.500000e+00, 1.500000e+00], [1.500000e+00, 1.500000e+00, 1.500000e+00], [1.500000e+00, 1.500000e+00, 1.500000e+00]]], {{\[\[\[}}-2.000000e+00, -2.000000e+00, -2.000000e+00], [-2.000000e+00, -2.000000e+00, -2.000000e+00], [-2.000000e+00, -2.000000e+00, -2.000000e+00]]]]> : tensor<3x1x3x3xf32>
// CHECK:       "quant.conv2d"(%arg0, [[W]], [[B]]) {groups = 3 : i64, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x3x5x5xf32>, tensor<3x1x3x3xf32>, tensor<3xf32>) -> tensor<1x3x5x5xf32>
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @conv_depthwise(%x: tensor<1x3x5x5xf32>) -> tensor<1x3x5x5xf32> {
  %w = arith.constant dense<1.0> : tensor<3x1x3x3xf32>
  %b = arith.constant dense<[1.0, -1.0, 0.5]> : tensor<3xf32>
  %g = arith.constant dense<[2.0, 3.0, -1.0]> : tensor<3xf32>
  %be = arith.constant dense<[0.0, 0.0, 0.0]> : tensor<3xf32>
  %m = arith.constant dense<[0.0, 1.0, -0.5]> : tensor<3xf32>
  %v = arith.constant dense<[1.0, 4.0, 0.25]> : tensor<3xf32>
  %c = "quant.conv2d"(%x, %w, %b) {groups = 3 : i64, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x3x5x5xf32>, tensor<3x1x3x3xf32>, tensor<3xf32>) -> tensor<1x3x5x5xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x3x5x5xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<1x3x5x5xf32>
  return %n : tensor<1x3x5x5xf32>
}

// -----

// Strided, dilated, asymmetrically padded conv with batch 2: every attribute
// survives on the folded op. r = [2, 1]; b' = −μ·r + β = [−2, −2] (a splat).
// CHECK-LABEL: func.func @conv_strided_dilated_padded_batch2
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<-2.000000e+00> : tensor<2xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}1.000000e+00, {{.*}}]]], {{\[\[\[}}5.000000e-01, {{.*}}]]]]> : tensor<2x2x3x3xf32>
// CHECK:       "quant.conv2d"(%arg0, [[W]], [[B]])
// CHECK-SAME:    {dilations = array<i64: 2, 1>, padding = array<i64: 1, 0, 1, 2>, strides = array<i64: 2, 2>}
// CHECK-SAME:    : (tensor<2x2x9x9xf32>, tensor<2x2x3x3xf32>, tensor<2xf32>) -> tensor<2x2x4x5xf32>
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @conv_strided_dilated_padded_batch2(%x: tensor<2x2x9x9xf32>) -> tensor<2x2x4x5xf32> {
  %w = arith.constant dense<0.5> : tensor<2x2x3x3xf32>
  %g = arith.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, -1.0]> : tensor<2xf32>
  %m = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %v = arith.constant dense<[4.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) {strides = array<i64: 2, 2>, dilations = array<i64: 2, 1>, padding = array<i64: 1, 0, 1, 2>} : (tensor<2x2x9x9xf32>, tensor<2x2x3x3xf32>) -> tensor<2x2x4x5xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<2x2x4x5xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2x4x5xf32>
  return %n : tensor<2x2x4x5xf32>
}

// -----

// 7x7 kernel (294 weights): the folded weight is printed as hex.
// r = [3, −0.5]: 0.25·3 = 0.75 (0x3F400000), 0.25·−0.5 = −0.125 (0xBE000000),
// stored little-endian, 147 of each.
// CHECK-LABEL: func.func @conv_7x7
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<[3.500000e+00, -5.000000e-01]> : tensor<2xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{"0x(0000403F){147}(000000BE){147}"}}> : tensor<2x3x7x7xf32>
// CHECK:       "quant.conv2d"(%arg0, [[W]], [[B]]) : (tensor<1x3x7x7xf32>, tensor<2x3x7x7xf32>, tensor<2xf32>) -> tensor<1x2x1x1xf32>
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @conv_7x7(%x: tensor<1x3x7x7xf32>) -> tensor<1x2x1x1xf32> {
  %w = arith.constant dense<0.25> : tensor<2x3x7x7xf32>
  %b = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %g = arith.constant dense<[3.0, -0.5]> : tensor<2xf32>
  %be = arith.constant dense<[0.5, 0.5]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w, %b) : (tensor<1x3x7x7xf32>, tensor<2x3x7x7xf32>, tensor<2xf32>) -> tensor<1x2x1x1xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x1x1xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x1x1xf32>
  return %n : tensor<1x2x1x1xf32>
}

// -----

// linear + rank-2 batch_norm (BatchNorm1d) with a bias, default ε:
// r = [1.5/sqrt(2.00001), 2/sqrt(0.50001)] = [1.0606575, 2.82839894].
// CHECK-LABEL: func.func @linear_bias
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<[0.312131494, 0.648519694]> : tensor<2xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{\[\[}}1.0606575, -1.0606575, 2.121315, 0.530328751], [0.707099735, 0.000000e+00, -8.48519611, 2.82839894]]> : tensor<2x4xf32>
// CHECK:       [[L:%[^ ]+]] = "quant.linear"(%arg0, [[W]], [[B]]) : (tensor<3x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<3x2xf32>
// CHECK-NOT:   quant.batch_norm
// CHECK:       return [[L]]
func.func @linear_bias(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -1.0, 2.0, 0.5], [0.25, 0.0, -3.0, 1.0]]> : tensor<2x4xf32>
  %b = arith.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %g = arith.constant dense<[1.5, 2.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.1, -0.2]> : tensor<2xf32>
  %m = arith.constant dense<[0.3, 0.7]> : tensor<2xf32>
  %v = arith.constant dense<[2.0, 0.5]> : tensor<2xf32>
  %l = "quant.linear"(%x, %w, %b) : (tensor<3x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %n = "quant.batch_norm"(%l, %g, %be, %m, %v) : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %n : tensor<3x2xf32>
}

// -----

// linear without a bias; r = [1, −2], b' = β − μ·r = [−1.5, −1.5].
// CHECK-LABEL: func.func @linear_no_bias
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<-1.500000e+00> : tensor<2xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{\[\[}}1.000000e+00, -1.000000e+00, 2.000000e+00, 5.000000e-01], [-5.000000e-01, -0.000000e+00, 6.000000e+00, -2.000000e+00]]> : tensor<2x4xf32>
// CHECK:       "quant.linear"(%arg0, [[W]], [[B]]) : (tensor<3x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<3x2xf32>
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @linear_no_bias(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, -1.0, 2.0, 0.5], [0.25, 0.0, -3.0, 1.0]]> : tensor<2x4xf32>
  %g = arith.constant dense<[1.0, -4.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.5, 0.5]> : tensor<2xf32>
  %m = arith.constant dense<[2.0, -1.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %l = "quant.linear"(%x, %w) : (tensor<3x4xf32>, tensor<2x4xf32>) -> tensor<3x2xf32>
  %n = "quant.batch_norm"(%l, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %n : tensor<3x2xf32>
}

// -----

// Weight as hex dense<"0x..."> = [1.0, 2.0]; r = [2, −0.5].
// CHECK-LABEL: func.func @weight_hex
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<[-2.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}2.000000e+00]]], {{\[\[\[}}-1.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK:       "quant.conv2d"(%arg0, [[W]], [[B]])
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @weight_hex(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense<"0x0000803F00000040"> : tensor<2x1x1x1xf32>
  %g = arith.constant dense<[2.0, -0.5]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %n : tensor<1x2x2x2xf32>
}

// -----

// Weight as a dense_resource blob: 4 alignment bytes, then [0.5, −1.0];
// r = [2, −0.5]. The unused blob is not printed again.
// CHECK-LABEL: func.func @weight_resource
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<[-2.000000e+00, 5.000000e-01]> : tensor<2xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}5.000000e-01]]]]> : tensor<2x1x1x1xf32>
// CHECK:       "quant.conv2d"(%arg0, [[W]], [[B]])
// CHECK-NOT:   quant.batch_norm
// CHECK-NOT:   dense_resource
// CHECK:       return
func.func @weight_resource(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense_resource<conv_w> : tensor<2x1x1x1xf32>
  %g = arith.constant dense<[2.0, -0.5]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %n : tensor<1x2x2x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      conv_w: "0x040000000000003F000080BF"
    }
  }
#-}

// -----

// BN parameters as dequantize(int constant): γ = dequantize(i8 [20, 40], 0.05)
// = [1, 2], β = dequantize(ui8 [130, 126], 0.5, zero point 128) = [1, −1].
// CHECK-LABEL: func.func @bn_params_dequantized
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<[0.000000e+00, -3.000000e+00]> : tensor<2xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}1.000000e+00]]], {{\[\[\[}}-2.000000e+00]]]]> : tensor<2x1x1x1xf32>
// CHECK-NOT:   quant.dequantize
// CHECK:       "quant.conv2d"(%arg0, [[W]], [[B]])
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @bn_params_dequantized(%x: tensor<1x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense<[[[[1.0]]], [[[-1.0]]]]> : tensor<2x1x1x1xf32>
  %gi = arith.constant dense<[20, 40]> : tensor<2xi8>
  %g = "quant.dequantize"(%gi) {scale = 0.05 : f32, zero_point = 0 : i32} : (tensor<2xi8>) -> tensor<2xf32>
  %bi = arith.constant dense<[130, 126]> : tensor<2xui8>
  %be = "quant.dequantize"(%bi) {scale = 0.5 : f32, zero_point = 128 : i32} : (tensor<2xui8>) -> tensor<2xf32>
  %m = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x1x2x2xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  return %n : tensor<1x2x2x2xf32>
}

// -----

// ONNX Runtime's QDQ conv: int8 weight (scale 0.25), int32 bias with scale
// 0.5 × 0.25. r = [2, 0.5]: weight scales [0.5, 0.125], integers kept;
// b = [1.25, −2.5] → b' = [2, −0.5]; bias scales 0.5 × [0.5, 0.125] =
// [0.25, 0.0625] → integers [8, −8].
// CHECK-LABEL: func.func @ort_int32_bias
// CHECK-DAG:   [[BI:%[^ ]+]] = arith.constant dense<[8, -8]> : tensor<2xi32>
// CHECK-DAG:   [[WI:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}1]], {{\[\[}}-2]]], {{\[\[\[}}3]], {{\[\[}}4]]]]> : tensor<2x2x1x1xi8>
// CHECK:       [[X:%[^ ]+]] = "quant.dequantize"(%{{.*}}) {scale = 5.000000e-01 : f32, zero_point = 0 : i32}
// CHECK-DAG:   [[W:%[^ ]+]] = "quant.dequantize"([[WI]]) {axis = 0 : i64, scale = dense<[5.000000e-01, 1.250000e-01]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
// CHECK-DAG:   [[B:%[^ ]+]] = "quant.dequantize"([[BI]]) {axis = 0 : i64, scale = dense<[2.500000e-01, 6.250000e-02]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>} : (tensor<2xi32>) -> tensor<2xf32>
// CHECK:       "quant.conv2d"([[X]], [[W]], [[B]])
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @ort_int32_bias(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %qx = "quant.quantize"(%x) {scale = 0.5 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %dx = "quant.dequantize"(%qx) {scale = 0.5 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %wi = arith.constant dense<[[[[1]], [[-2]]], [[[3]], [[4]]]]> : tensor<2x2x1x1xi8>
  %w = "quant.dequantize"(%wi) {scale = 0.25 : f32, zero_point = 0 : i32} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
  %bi = arith.constant dense<[10, -20]> : tensor<2xi32>
  %b = "quant.dequantize"(%bi) {scale = 0.125 : f32, zero_point = 0 : i32} : (tensor<2xi32>) -> tensor<2xf32>
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.25, 0.5]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%dx, %w, %b) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// The same with per-channel weight scales [0.25, 0.5] and a negative γ:
// r = [−2, 0.5]. Channel 0's integers are negated, the scales stay positive
// ([0.5, 0.25]); b = [1.25, −5] → b' = [−2, −1.75]; bias scales
// 0.5 × [0.5, 0.25] = [0.25, 0.125] → integers [−8, −14].
// CHECK-LABEL: func.func @ort_int32_bias_negative_gamma
// CHECK-DAG:   [[BI:%[^ ]+]] = arith.constant dense<[-8, -14]> : tensor<2xi32>
// CHECK-DAG:   [[WI:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}-1]], {{\[\[}}2]]], {{\[\[\[}}3]], {{\[\[}}4]]]]> : tensor<2x2x1x1xi8>
// CHECK-DAG:   [[W:%[^ ]+]] = "quant.dequantize"([[WI]]) {axis = 0 : i64, scale = dense<[5.000000e-01, 2.500000e-01]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>}
// CHECK-DAG:   [[B:%[^ ]+]] = "quant.dequantize"([[BI]]) {axis = 0 : i64, scale = dense<[2.500000e-01, 1.250000e-01]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>}
// CHECK:       "quant.conv2d"(%{{.*}}, [[W]], [[B]])
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @ort_int32_bias_negative_gamma(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %qx = "quant.quantize"(%x) {scale = 0.5 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %dx = "quant.dequantize"(%qx) {scale = 0.5 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %wi = arith.constant dense<[[[[1]], [[-2]]], [[[3]], [[4]]]]> : tensor<2x2x1x1xi8>
  %w = "quant.dequantize"(%wi) {scale = dense<[0.25, 0.5]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>, axis = 0 : i64} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
  %bi = arith.constant dense<[10, -20]> : tensor<2xi32>
  %b = "quant.dequantize"(%bi) {scale = dense<[0.125, 0.25]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>, axis = 0 : i64} : (tensor<2xi32>) -> tensor<2xf32>
  %g = arith.constant dense<[-2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.25, 0.5]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%dx, %w, %b) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// Fake-quantized weight (QAT), per-tensor scale 0.25 → per-channel 0.25·|r|
// = [0.5, 0.125] on axis 0; W' = W·r = [1, −0.5, 0.5, 0.375], so the integers
// round(W'/s') = [2, −1, 4, 3] equal round(W/s).
// CHECK-LABEL: func.func @fake_quant_per_tensor
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<0.000000e+00> : tensor<2xf32>
// CHECK-DAG:   [[WF:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}1.000000e+00]], {{\[\[}}-5.000000e-01]]], {{\[\[\[}}5.000000e-01]], {{\[\[}}3.750000e-01]]]]> : tensor<2x2x1x1xf32>
// CHECK:       [[Q:%[^ ]+]] = "quant.quantize"([[WF]]) {axis = 0 : i64, scale = dense<[5.000000e-01, 1.250000e-01]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>} : (tensor<2x2x1x1xf32>) -> tensor<2x2x1x1xi8>
// CHECK-NEXT:  [[W:%[^ ]+]] = "quant.dequantize"([[Q]]) {axis = 0 : i64, scale = dense<[5.000000e-01, 1.250000e-01]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
// CHECK-NEXT:  "quant.conv2d"(%arg0, [[W]], [[B]])
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @fake_quant_per_tensor(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %wf = arith.constant dense<[[[[0.5]], [[-0.25]]], [[[1.0]], [[0.75]]]]> : tensor<2x2x1x1xf32>
  %wq = "quant.quantize"(%wf) {scale = 0.25 : f32, zero_point = 0 : i32} : (tensor<2x2x1x1xf32>) -> tensor<2x2x1x1xi8>
  %w = "quant.dequantize"(%wq) {scale = 0.25 : f32, zero_point = 0 : i32} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// Fake-quantized weight with per-channel scales [0.25, 0.125] and r = [−2, 3]:
// scales [0.5, 0.375]. Channel 0 is symmetric with a negative r: its −128
// (W = −32) becomes +128, which saturates to 127 (counted in the statistics).
// CHECK-LABEL: func.func @fake_quant_per_channel_saturation
// CHECK-DAG:   [[WF:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}6.400000e+01]], {{\[\[}}-2.000000e+00]]], {{\[\[\[}}1.500000e+00]], {{\[\[}}2.250000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK:       [[Q:%[^ ]+]] = "quant.quantize"([[WF]]) {axis = 0 : i64, scale = dense<[5.000000e-01, 3.750000e-01]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>}
// CHECK-NEXT:  [[W:%[^ ]+]] = "quant.dequantize"([[Q]]) {axis = 0 : i64, scale = dense<[5.000000e-01, 3.750000e-01]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>}
// CHECK-NEXT:  "quant.conv2d"(%arg0, [[W]], %{{.*}})
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @fake_quant_per_channel_saturation(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %wf = arith.constant dense<[[[[-32.0]], [[1.0]]], [[[0.5]], [[0.75]]]]> : tensor<2x2x1x1xf32>
  %wq = "quant.quantize"(%wf) {scale = dense<[0.25, 0.125]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>, axis = 0 : i64} : (tensor<2x2x1x1xf32>) -> tensor<2x2x1x1xi8>
  %w = "quant.dequantize"(%wq) {scale = dense<[0.25, 0.125]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>, axis = 0 : i64} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
  %g = arith.constant dense<[-2.0, 3.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// Post-training quantized weight (per-channel scales [0.1, 0.2], r = [2, 0.5]):
// the integers stay, the scales become [0.2, 0.1].
// CHECK-LABEL: func.func @ptq_int_weight
// CHECK-DAG:   [[WI:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}5]], {{\[\[}}-7]]], {{\[\[\[}}127]], {{\[\[}}-128]]]]> : tensor<2x2x1x1xi8>
// CHECK:       [[W:%[^ ]+]] = "quant.dequantize"([[WI]]) {axis = 0 : i64, scale = dense<[2.000000e-01, 1.000000e-01]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
// CHECK-NEXT:  "quant.conv2d"(%arg0, [[W]], %{{.*}})
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @ptq_int_weight(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %wi = arith.constant dense<[[[[5]], [[-7]]], [[[127]], [[-128]]]]> : tensor<2x2x1x1xi8>
  %w = "quant.dequantize"(%wi) {scale = dense<[0.1, 0.2]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>, axis = 0 : i64} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 4.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// Negative γ, symmetric int8 (zero point 0), r = [−2, 1]: channel 0 is
// negated and its −128 saturates to 127; channel 1 is untouched. Scales
// 0.5·|r| = [1, 0.5], zero points stay 0.
// CHECK-LABEL: func.func @neg_gamma_symmetric
// CHECK-DAG:   [[WI:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}127]], {{\[\[}}-5]]], {{\[\[\[}}7]], {{\[\[}}-3]]]]> : tensor<2x2x1x1xi8>
// CHECK:       [[W:%[^ ]+]] = "quant.dequantize"([[WI]]) {axis = 0 : i64, scale = dense<[1.000000e+00, 5.000000e-01]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>}
// CHECK-NEXT:  "quant.conv2d"(%arg0, [[W]], %{{.*}})
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @neg_gamma_symmetric(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %wi = arith.constant dense<[[[[-128]], [[5]]], [[[7]], [[-3]]]]> : tensor<2x2x1x1xi8>
  %w = "quant.dequantize"(%wi) {scale = 0.5 : f32, zero_point = 0 : i32} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
  %g = arith.constant dense<[-2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// Negative γ, asymmetric ui8 (zero point 100), r = [−2, 1]: channel 0 is
// mirrored, q' = 0 + 255 − q and z' = 255 − 100 = 155, so (q' − z')·s' =
// (q − z)·s·r exactly; channel 1 keeps zero point 100.
// CHECK-LABEL: func.func @neg_gamma_asymmetric
// CHECK-DAG:   [[WI:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}255]], {{\[\[}}0]]], {{\[\[\[}}10]], {{\[\[}}100]]]]> : tensor<2x2x1x1xui8>
// CHECK:       [[W:%[^ ]+]] = "quant.dequantize"([[WI]]) {axis = 0 : i64, scale = dense<[1.000000e+00, 5.000000e-01]> : tensor<2xf32>, zero_point = dense<[155, 100]> : tensor<2xi32>}
// CHECK-NEXT:  "quant.conv2d"(%arg0, [[W]], %{{.*}})
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @neg_gamma_asymmetric(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %wi = arith.constant dense<[[[[0]], [[255]]], [[[10]], [[100]]]]> : tensor<2x2x1x1xui8>
  %w = "quant.dequantize"(%wi) {scale = 0.5 : f32, zero_point = 100 : i32} : (tensor<2x2x1x1xui8>) -> tensor<2x2x1x1xf32>
  %g = arith.constant dense<[-2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// Negative γ on a fake-quantized int8 weight with zero point 3 (asymmetric),
// r = [1, −1]: channel 1 is mirrored, z' = −128 + 127 − 3 = −4; its integers
// 7, 6 become round(W'/s) + z' = −8, −7 = −1 − q.
// CHECK-LABEL: func.func @neg_gamma_fake_quant_asymmetric
// CHECK-DAG:   [[WF:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}5.000000e-01]], {{\[\[}}-2.500000e-01]]], {{\[\[\[}}-1.000000e+00]], {{\[\[}}-7.500000e-01]]]]> : tensor<2x2x1x1xf32>
// CHECK:       [[Q:%[^ ]+]] = "quant.quantize"([[WF]]) {axis = 0 : i64, scale = dense<2.500000e-01> : tensor<2xf32>, zero_point = dense<[3, -4]> : tensor<2xi32>}
// CHECK-NEXT:  [[W:%[^ ]+]] = "quant.dequantize"([[Q]]) {axis = 0 : i64, scale = dense<2.500000e-01> : tensor<2xf32>, zero_point = dense<[3, -4]> : tensor<2xi32>}
// CHECK-NEXT:  "quant.conv2d"(%arg0, [[W]], %{{.*}})
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @neg_gamma_fake_quant_asymmetric(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %wf = arith.constant dense<[[[[0.5]], [[-0.25]]], [[[1.0]], [[0.75]]]]> : tensor<2x2x1x1xf32>
  %wq = "quant.quantize"(%wf) {scale = 0.25 : f32, zero_point = 3 : i32} : (tensor<2x2x1x1xf32>) -> tensor<2x2x1x1xi8>
  %w = "quant.dequantize"(%wq) {scale = 0.25 : f32, zero_point = 3 : i32} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
  %g = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// Narrow 4-bit range [−8, 7], symmetric, r = [−1, −1]: both −8 saturate to 7.
// CHECK-LABEL: func.func @neg_gamma_narrow_range
// CHECK-DAG:   [[WI:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}7]], {{\[\[}}-7]]], {{\[\[\[}}7]], {{\[\[}}-3]]]]> : tensor<2x2x1x1xi8>
// CHECK:       [[W:%[^ ]+]] = "quant.dequantize"([[WI]]) {axis = 0 : i64, quant_max = 7 : i64, quant_min = -8 : i64, scale = dense<5.000000e-01> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>}
// CHECK-NEXT:  "quant.conv2d"(%arg0, [[W]], %{{.*}})
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @neg_gamma_narrow_range(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %wi = arith.constant dense<[[[[-8]], [[7]]], [[[-8]], [[3]]]]> : tensor<2x2x1x1xi8>
  %w = "quant.dequantize"(%wi) {scale = 0.5 : f32, zero_point = 0 : i32, quant_min = -8 : i64, quant_max = 7 : i64} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
  %g = arith.constant dense<[-1.0, -1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// The BN's input quantizer (a Q/DQ pair between conv and BN) goes away with
// the BN; r = [2, 1].
// CHECK-LABEL: func.func @qdq_between
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}2.000000e+00]], {{\[\[}}2.000000e+00]]], {{\[\[\[}}1.000000e+00]], {{\[\[}}1.000000e+00]]]]> : tensor<2x2x1x1xf32>
// CHECK-NOT:   quant.quantize
// CHECK-NOT:   quant.dequantize
// CHECK:       [[C:%[^ ]+]] = "quant.conv2d"(%arg0, [[W]], %{{.*}})
// CHECK-NEXT:  [[R:%[^ ]+]] = "quant.relu"([[C]])
// CHECK-NEXT:  return [[R]]
func.func @qdq_between(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q = "quant.quantize"(%c) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%d, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = "quant.relu"(%n) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// Two batch_norms in a row both fold: r = [2, 4] twice → W'' = [4, 16],
// b'' = (β·r + β) = [3, 0].
// CHECK-LABEL: func.func @bn_chain
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<[3.000000e+00, 0.000000e+00]> : tensor<2xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}4.000000e+00]], {{\[\[}}4.000000e+00]]], {{\[\[\[}}1.600000e+01]], {{\[\[}}1.600000e+01]]]]> : tensor<2x2x1x1xf32>
// CHECK:       [[C:%[^ ]+]] = "quant.conv2d"(%arg0, [[W]], [[B]])
// CHECK-NEXT:  return [[C]]
func.func @bn_chain(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
  %g = arith.constant dense<[2.0, 4.0]> : tensor<2xf32>
  %be = arith.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %n2 = "quant.batch_norm"(%n, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n2 : tensor<1x2x4x4xf32>
}

// -----

// Two convs sharing one weight constant each get their own folded weight.
// CHECK-LABEL: func.func @shared_weight
// CHECK-DAG:   [[W1:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}2.000000e+00]], {{\[\[}}2.000000e+00]]], {{\[\[\[}}4.000000e+00]], {{\[\[}}4.000000e+00]]]]>
// CHECK-DAG:   [[W2:%[^ ]+]] = arith.constant dense<{{\[\[\[\[}}3.000000e+00]], {{\[\[}}3.000000e+00]]], {{\[\[\[}}5.000000e+00]], {{\[\[}}5.000000e+00]]]]>
// CHECK-DAG:   [[C1:%[^ ]+]] = "quant.conv2d"(%arg0, [[W1]], %{{.*}})
// CHECK-DAG:   [[C2:%[^ ]+]] = "quant.conv2d"(%arg0, [[W2]], %{{.*}})
// CHECK-NOT:   quant.batch_norm
// CHECK:       return [[C1]], [[C2]]
func.func @shared_weight(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
  %g = arith.constant dense<[2.0, 4.0]> : tensor<2xf32>
  %g2 = arith.constant dense<[3.0, 5.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %c2 = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %n2 = "quant.batch_norm"(%c2, %g2, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n, %n2 : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// A function in a nested module is rewritten as well.
// CHECK-LABEL: module @inner
// CHECK-LABEL: func.func @nested
// CHECK:       "quant.conv2d"(%arg0, %{{.*}}, %{{.*}})
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
module @inner {
  func.func @nested(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
    %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
    %g = arith.constant dense<[2.0, 4.0]> : tensor<2xf32>
    %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
    %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
    %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
    %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
    %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
    return %n : tensor<1x2x4x4xf32>
  }
}

// -----

// Refused: the conv result has a second user. Nothing changes (a remark).
// CHECK-LABEL: func.func @refuse_conv_second_user
// CHECK:       [[C:%[^ ]+]] = "quant.conv2d"(%arg0, %{{[^,]+}}) :
// CHECK-NEXT:  [[N:%[^ ]+]] = "quant.batch_norm"([[C]],
// CHECK-NEXT:  return [[N]], [[C]]
func.func @refuse_conv_second_user(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  // expected-remark@+1 {{batch_norm not folded: the conv2d result has other users}}
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n, %c : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Refused: the Q/DQ pair between conv and BN has another user.
// CHECK-LABEL: func.func @refuse_qdq_second_user
// CHECK:       [[C:%[^ ]+]] = "quant.conv2d"(%arg0, %{{[^,]+}}) :
// CHECK-NEXT:  [[Q:%[^ ]+]] = "quant.quantize"([[C]])
// CHECK-NEXT:  [[D:%[^ ]+]] = "quant.dequantize"([[Q]])
// CHECK-NEXT:  [[N:%[^ ]+]] = "quant.batch_norm"([[D]],
// CHECK-NEXT:  [[R:%[^ ]+]] = "quant.relu"([[D]])
// CHECK-NEXT:  return [[N]], [[R]]
func.func @refuse_qdq_second_user(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %q = "quant.quantize"(%c) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  // expected-remark@+1 {{batch_norm not folded: the quantize/dequantize between the producer and the batch_norm has other users}}
  %n = "quant.batch_norm"(%d, %g, %be, %m, %v) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %r = "quant.relu"(%d) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %n, %r : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Refused: the weight is a function argument.
// CHECK-LABEL: func.func @refuse_weight_argument
// CHECK:       [[C:%[^ ]+]] = "quant.conv2d"(%arg0, %arg1) :
// CHECK-NEXT:  [[N:%[^ ]+]] = "quant.batch_norm"([[C]],
// CHECK-NEXT:  return [[N]]
func.func @refuse_weight_argument(%x: tensor<1x2x4x4xf32>, %w: tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32> {
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  // expected-remark@+1 {{batch_norm not folded: the conv2d weight is not a constant}}
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// Refused: γ is a function argument.
// CHECK-LABEL: func.func @refuse_param_argument
// CHECK:       [[C:%[^ ]+]] = "quant.conv2d"(%arg0, %{{[^,]+}}) :
// CHECK-NEXT:  [[N:%[^ ]+]] = "quant.batch_norm"([[C]], %arg1,
// CHECK-NEXT:  return [[N]]
func.func @refuse_param_argument(%x: tensor<1x2x4x4xf32>, %g: tensor<2xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  // expected-remark@+1 {{batch_norm not folded: batch_norm parameters are not constants}}
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// Refused: the linear bias is a function argument.
// CHECK-LABEL: func.func @refuse_bias_argument
// CHECK:       [[L:%[^ ]+]] = "quant.linear"(%arg0, %{{[^,]+}}, %arg1) :
// CHECK-NEXT:  [[N:%[^ ]+]] = "quant.batch_norm"([[L]],
// CHECK-NEXT:  return [[N]]
func.func @refuse_bias_argument(%x: tensor<3x4xf32>, %b: tensor<2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<1.0> : tensor<2x4xf32>
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %l = "quant.linear"(%x, %w, %b) : (tensor<3x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  // expected-remark@+1 {{batch_norm not folded: the bias is not a constant}}
  %n = "quant.batch_norm"(%l, %g, %be, %m, %v) : (tensor<3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  return %n : tensor<3x2xf32>
}

// -----

// γ = 0 on a quantized weight: no positive scale s·|r| exists, so the pair is
// refused (a remark) instead of emitting an invalid dequantize.
// CHECK-LABEL: func.func @refuse_zero_gamma_quantized
// CHECK:       [[W:%[^ ]+]] = "quant.dequantize"(%{{[^)]+}}) {scale = 2.500000e-01 : f32, zero_point = 0 : i32}
// CHECK-NEXT:  [[C:%[^ ]+]] = "quant.conv2d"(%arg0, [[W]]) :
// CHECK-NEXT:  [[N:%[^ ]+]] = "quant.batch_norm"([[C]],
// CHECK-NEXT:  return [[N]]
func.func @refuse_zero_gamma_quantized(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %wi = arith.constant dense<[[[[1]], [[-2]]], [[[3]], [[4]]]]> : tensor<2x2x1x1xi8>
  %w = "quant.dequantize"(%wi) {scale = 0.25 : f32, zero_point = 0 : i32} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
  %g = arith.constant dense<[0.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  // expected-remark@+1 {{batch_norm not folded: the rescaled weight scale of channel 0 is not finite and positive}}
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// ONNX Runtime's int32 bias whose new scale 2^-70 · 2^-82 underflows to 0 in
// f32 (scales given as f32 bit patterns: 2^-70 = 0x1C800000, 2^-140 =
// 0x00000200, γ0 = 2^-12 = 0x39800000): the folded bias falls back to f32,
// b' = b·r = [4·2^-140·2^-12 → 0, −8·2^-140].
// CHECK-LABEL: func.func @ort_bias_scale_underflow
// CHECK-DAG:   [[B:%[^ ]+]] = arith.constant dense<[0.000000e+00, -5.739710e-42]> : tensor<2xf32>
// CHECK-DAG:   [[W:%[^ ]+]] = "quant.dequantize"(%{{[^)]+}}) {axis = 0 : i64, scale = dense<[2.06795153E-25, 8.47032947E-22]> : tensor<2xf32>, zero_point = dense<0> : tensor<2xi32>}
// CHECK:       "quant.conv2d"(%{{[^,]+}}, [[W]], [[B]])
// CHECK-NOT:   quant.batch_norm
// CHECK:       return
func.func @ort_bias_scale_underflow(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %qx = "quant.quantize"(%x) {scale = 0x1C800000 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %dx = "quant.dequantize"(%qx) {scale = 0x1C800000 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %wi = arith.constant dense<[[[[1]], [[-2]]], [[[3]], [[4]]]]> : tensor<2x2x1x1xi8>
  %w = "quant.dequantize"(%wi) {scale = 0x1C800000 : f32, zero_point = 0 : i32} : (tensor<2x2x1x1xi8>) -> tensor<2x2x1x1xf32>
  %bi = arith.constant dense<[4, -8]> : tensor<2xi32>
  %b = "quant.dequantize"(%bi) {scale = 0x00000200 : f32, zero_point = 0 : i32} : (tensor<2xi32>) -> tensor<2xf32>
  %g = arith.constant dense<[0x39800000, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%dx, %w, %b) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 0.0 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// A batch_norm not fed by conv2d/linear is no candidate: no remark.
// CHECK-LABEL: func.func @no_producer
// CHECK:       [[R:%[^ ]+]] = "quant.relu"(%arg0)
// CHECK-NEXT:  [[N:%[^ ]+]] = "quant.batch_norm"([[R]],
// CHECK-NEXT:  return [[N]]
func.func @no_producer(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %r = "quant.relu"(%x) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %n = "quant.batch_norm"(%r, %g, %be, %m, %v) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// A NaN parameter: a warning at the batch_norm, nothing folded.
// CHECK-LABEL: func.func @nan_parameter
// CHECK:       [[C:%[^ ]+]] = "quant.conv2d"(%arg0, %{{[^,]+}}) :
// CHECK-NEXT:  [[N:%[^ ]+]] = "quant.batch_norm"([[C]],
// CHECK-NEXT:  return [[N]]
func.func @nan_parameter(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
  %g = arith.constant dense<[2.0, 0x7FC00000]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  // expected-warning@+1 {{batch_norm not folded: a parameter is NaN or infinite}}
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// An infinite mean: the same warning.
// CHECK-LABEL: func.func @inf_parameter
// CHECK:       "quant.batch_norm"
func.func @inf_parameter(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0xFF800000, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  // expected-warning@+1 {{batch_norm not folded: a parameter is NaN or infinite}}
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// var + ε < 0 in channel 1: a warning, nothing folded.
// CHECK-LABEL: func.func @var_eps_negative
// CHECK:       [[C:%[^ ]+]] = "quant.conv2d"(%arg0, %{{[^,]+}}) :
// CHECK-NEXT:  [[N:%[^ ]+]] = "quant.batch_norm"([[C]],
// CHECK-NEXT:  return [[N]]
func.func @var_eps_negative(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  // expected-warning@+1 {{batch_norm not folded: var + epsilon <= 0 in channel 1}}
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}

// -----

// var = −ε exactly (same f32 value): var + ε = 0 is refused as well.
// CHECK-LABEL: func.func @var_eps_zero
// CHECK:       "quant.batch_norm"
func.func @var_eps_zero(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<1.0> : tensor<2x2x1x1xf32>
  %g = arith.constant dense<[2.0, 1.0]> : tensor<2xf32>
  %be = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %m = arith.constant dense<[0.0, 0.0]> : tensor<2xf32>
  %v = arith.constant dense<[-1.0e-03, 1.0]> : tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  // expected-warning@+1 {{batch_norm not folded: var + epsilon <= 0 in channel 0}}
  %n = "quant.batch_norm"(%c, %g, %be, %m, %v) {epsilon = 1.0e-03 : f32} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x4x4xf32>
  return %n : tensor<1x2x4x4xf32>
}
