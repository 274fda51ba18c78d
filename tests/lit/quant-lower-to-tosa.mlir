// quant-lower-to-tosa: every op of the dialect translated to upstream TOSA
// (plus arith.divf, arith casts and tensor.bitcast for quantize/dequantize),
// printed by MLIR after its verifiers accepted it. Stock mlir-opt parses and
// verifies the result: the second RUN line pipes it through mlir-opt-22 and
// checks the same lines. The lowering to linalg runs MLIR's own passes.
//
// RUN: qopt --lower-to-tosa --split-input-file %s | FileCheck %s
// RUN: qopt --lower-to-tosa --split-input-file %s | mlir-opt --split-input-file | FileCheck %s
// RUN: qopt --lower-to-tosa --split-input-file %s | FileCheck %s --check-prefix=NOQUANT
// RUN: qopt --lower-to-linalg --split-input-file %s | FileCheck %s --check-prefix=LINALG
// RUN: qopt --lower-to-linalg --split-input-file %s | FileCheck %s --check-prefix=NOTOSA
// RUN: qopt --quant-pipeline=deploy --print-ir-after-all %S/../../examples/conv-bn-relu.mlir 2>&1 >/dev/null | FileCheck %s --check-prefix=DEPLOY
// RUN: qopt --quant-pipeline=deploy %S/../../examples/conv-bn-relu.mlir | mlir-opt | FileCheck %s --check-prefix=DEPLOY-OUT

// NOQUANT-NOT: quant.

// MLIR's tosa-to-linalg passes leave no TOSA op.
// NOTOSA-NOT: tosa.
// LINALG-LABEL: func.func @conv2d
// LINALG:         linalg.conv_2d_nhwc_fhwc
// LINALG-LABEL: func.func @conv2d_depthwise
// LINALG:         linalg.depthwise_conv_2d_nhwc_hwcm
// LINALG-LABEL: func.func @quantize
// LINALG:         math.roundeven

// The deploy pipeline: our passes, then the translation, last.
// DEPLOY:      IR Dump After quant-fuse-bn
// DEPLOY:      IR Dump After quant-disable-unnecessary-quant
// DEPLOY:      IR Dump After quant-prune
// DEPLOY:      IR Dump After quant-lower-to-tosa
// DEPLOY-NEXT: module {
// DEPLOY-OUT:      tosa.conv2d
// batch_norm was folded into the conv before lowering.
// DEPLOY-OUT-NOT:  tosa.rsqrt

// A 3x3 stride-2 conv: NCHW→NHWC, OIHW→OHWI, pads reordered to top, bottom,
// left, right; the bottom/right pad that no window reaches is dropped (TOSA
// wants the padded extent to be a whole number of strides).
// CHECK-LABEL: func.func @conv2d
// CHECK:       [[X:%.+]] = tosa.transpose %arg0 {perms = array<i32: 0, 2, 3, 1>} : (tensor<1x3x8x8xf32>) -> tensor<1x8x8x3xf32>
// CHECK:       [[W:%.+]] = tosa.transpose %{{.+}} {perms = array<i32: 0, 2, 3, 1>} : (tensor<4x3x3x3xf32>) -> tensor<4x3x3x3xf32>
// CHECK:       [[Y:%.+]] = tosa.conv2d [[X]], [[W]], %{{.+}}, [[ZP:%.+]], [[ZP]] {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>}
// CHECK-SAME:    -> tensor<1x4x4x4xf32>
// CHECK:       [[R:%.+]] = tosa.transpose [[Y]] {perms = array<i32: 0, 3, 1, 2>}
// CHECK:       return [[R]] : tensor<1x4x4x4xf32>
func.func @conv2d(%x: tensor<1x3x8x8xf32>) -> tensor<1x4x4x4xf32> {
  %w = arith.constant dense<0.1> : tensor<4x3x3x3xf32>
  %b = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y = "quant.conv2d"(%x, %w, %b) {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x4x4xf32>
  return %y : tensor<1x4x4x4xf32>
}

// -----

// groups = C: tosa.depthwise_conv2d with the weight as KHxKWxCxM.
// CHECK-LABEL: func.func @conv2d_depthwise
// CHECK:       tosa.reshape %{{.+}} : (tensor<8x1x3x3xf32>, !tosa.shape<4>) -> tensor<4x2x3x3xf32>
// CHECK:       tosa.transpose %{{.+}} {perms = array<i32: 2, 3, 0, 1>} : (tensor<4x2x3x3xf32>) -> tensor<3x3x4x2xf32>
// CHECK:       tosa.depthwise_conv2d {{.+}} pad = array<i64: 1, 1, 1, 1>
// CHECK-SAME:    -> tensor<1x8x8x8xf32>
func.func @conv2d_depthwise(%x: tensor<1x4x8x8xf32>) -> tensor<1x8x8x8xf32> {
  %w = arith.constant dense<0.5> : tensor<8x1x3x3xf32>
  %y = "quant.conv2d"(%x, %w) {padding = array<i64: 1, 1, 1, 1>, groups = 4 : i64} : (tensor<1x4x8x8xf32>, tensor<8x1x3x3xf32>) -> tensor<1x8x8x8xf32>
  return %y : tensor<1x8x8x8xf32>
}

// -----

// Other group counts: one conv2d per group on channel slices, concatenated.
// CHECK-LABEL: func.func @conv2d_grouped
// CHECK-COUNT-2: tosa.conv2d {{.+}} -> tensor<1x6x6x3xf32>
// CHECK:       tosa.concat %{{.+}}, %{{.+}} {axis = 3 : i32} : (tensor<1x6x6x3xf32>, tensor<1x6x6x3xf32>) -> tensor<1x6x6x6xf32>
func.func @conv2d_grouped(%x: tensor<1x4x8x8xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32> {
  %y = "quant.conv2d"(%x, %w) {groups = 2 : i64} : (tensor<1x4x8x8xf32>, tensor<6x2x3x3xf32>) -> tensor<1x6x6x6xf32>
  return %y : tensor<1x6x6x6xf32>
}

// -----

// Floor division leaves the last input row unused: it is sliced off.
// CHECK-LABEL: func.func @conv2d_floor
// CHECK:       tosa.slice %{{.+}} : (tensor<1x7x7x1xf32>, !tosa.shape<4>, !tosa.shape<4>) -> tensor<1x6x6x1xf32>
// CHECK:       tosa.conv2d {{.+}} dilation = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 3, 3>
func.func @conv2d_floor(%x: tensor<1x1x7x7xf32>, %w: tensor<2x1x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %y = "quant.conv2d"(%x, %w) {strides = array<i64: 3, 3>, dilations = array<i64: 2, 2>} : (tensor<1x1x7x7xf32>, tensor<2x1x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %y : tensor<1x2x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @linear
// CHECK:       [[A:%.+]] = tosa.reshape %arg0, %{{.+}} -> tensor<1x2x3xf32>
// CHECK:       [[WT:%.+]] = tosa.transpose %arg1 {perms = array<i32: 1, 0>} : (tensor<4x3xf32>) -> tensor<3x4xf32>
// CHECK:       [[B:%.+]] = tosa.reshape [[WT]], %{{.+}} -> tensor<1x3x4xf32>
// CHECK:       [[M:%.+]] = tosa.matmul [[A]], [[B]], {{.+}} -> tensor<1x2x4xf32>
// CHECK:       [[Y:%.+]] = tosa.reshape [[M]], %{{.+}} -> tensor<2x4xf32>
// CHECK:       [[BIAS:%.+]] = tosa.reshape %arg2, %{{.+}} -> tensor<1x4xf32>
// CHECK:       tosa.add [[Y]], [[BIAS]]
func.func @linear(%x: tensor<2x3xf32>, %w: tensor<4x3xf32>, %b: tensor<4xf32>) -> tensor<2x4xf32> {
  %y = "quant.linear"(%x, %w, %b) : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  return %y : tensor<2x4xf32>
}

// -----

// (x − mean) · γ·rsqrt(var + ε) + β, the parameters reshaped to 1xC.
// CHECK-LABEL: func.func @batch_norm
// CHECK:       [[EPS:%.+]] = "tosa.const"() <{values = dense<9.99999974E-6> : tensor<1x1xf32>}>
// CHECK:       [[V:%.+]] = tosa.add %{{.+}}, [[EPS]]
// CHECK:       [[INV:%.+]] = tosa.rsqrt [[V]]
// CHECK:       [[SCALE:%.+]] = tosa.mul %{{.+}}, [[INV]], %{{.+}}
// CHECK:       [[C:%.+]] = tosa.sub %arg0, %{{.+}} : (tensor<2x3xf32>, tensor<1x3xf32>)
// CHECK:       [[S:%.+]] = tosa.mul [[C]], [[SCALE]], %{{.+}}
// CHECK:       tosa.add [[S]], %{{.+}} : (tensor<2x3xf32>, tensor<1x3xf32>) -> tensor<2x3xf32>
func.func @batch_norm(%x: tensor<2x3xf32>, %g: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<2x3xf32> {
  %y = "quant.batch_norm"(%x, %g, %b, %m, %v) : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @activations
// CHECK:       tosa.clamp %arg0 {max_val = 3.40282347E+38 : f32, min_val = 0.000000e+00 : f32}
// CHECK:       tosa.clamp %arg0 {max_val = 6.000000e+00 : f32, min_val = 0.000000e+00 : f32}
// CHECK:       tosa.clamp %arg0 {max_val = 2.500000e+00 : f32, min_val = -1.500000e+00 : f32}
// CHECK:       tosa.sigmoid %arg0
func.func @activations(%x: tensor<1x2x2x2xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %a = "quant.relu"(%x) : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %b = "quant.relu6"(%x) : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %c = "quant.clip"(%x) {min = -1.5 : f32, max = 2.5 : f32} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %d = "quant.sigmoid"(%x) : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %a, %b, %c, %d : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}

// -----

// CHECK-LABEL: func.func @silu
// CHECK:       [[S:%.+]] = tosa.sigmoid %arg0
// CHECK:       tosa.mul %arg0, [[S]], %{{.+}}
func.func @silu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "quant.silu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// x · tanh(ln(1 + eˣ)).
// CHECK-LABEL: func.func @mish
// CHECK:       [[E:%.+]] = tosa.exp %arg0
// CHECK:       [[E1:%.+]] = tosa.add [[E]], %{{.+}}
// CHECK:       [[SP:%.+]] = tosa.log [[E1]]
// CHECK:       [[T:%.+]] = tosa.tanh [[SP]]
// CHECK:       tosa.mul %arg0, [[T]], %{{.+}}
func.func @mish(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "quant.mish"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @leaky_relu
// CHECK:       [[ALPHA:%.+]] = "tosa.const"() <{values = dense<2.000000e-01> : tensor<1xf32>}>
// CHECK:       [[AX:%.+]] = tosa.mul %arg0, [[ALPHA]], %{{.+}}
// CHECK:       [[GE:%.+]] = tosa.greater_equal %arg0, %{{.+}} -> tensor<4xi1>
// CHECK:       tosa.select [[GE]], %arg0, [[AX]]
func.func @leaky_relu(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "quant.leaky_relu"(%x) {alpha = 0.2 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Default α = 1/6, β = 0.5.
// CHECK-LABEL: func.func @hardsigmoid
// CHECK:       "tosa.const"() <{values = dense<0.166666672> : tensor<1xf32>}>
// CHECK:       tosa.mul
// CHECK:       tosa.add
// CHECK:       tosa.clamp %{{.+}} {max_val = 1.000000e+00 : f32, min_val = 0.000000e+00 : f32}
func.func @hardsigmoid(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = "quant.hardsigmoid"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// The erf form, then the tanh form.
// CHECK-LABEL: func.func @gelu
// CHECK:       "tosa.const"() <{values = dense<0.707106769> : tensor<1xf32>}>
// CHECK:       tosa.erf
// CHECK:       "tosa.const"() <{values = dense<4.471500e-02> : tensor<1xf32>}>
// CHECK:       "tosa.const"() <{values = dense<0.797884523> : tensor<1xf32>}>
// CHECK:       tosa.tanh
func.func @gelu(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %a = "quant.gelu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %b = "quant.gelu"(%x) {approximate = "tanh"} : (tensor<4xf32>) -> tensor<4xf32>
  return %a, %b : tensor<4xf32>, tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @add
// CHECK:       tosa.add %arg0, %arg1 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
func.func @add(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %z = "quant.add"(%x, %y) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %z : tensor<2x3xf32>
}

// -----

// ceil_mode: the partial last window gets one more row/column of padding.
// CHECK-LABEL: func.func @max_pool2d
// CHECK:       [[X:%.+]] = tosa.transpose %arg0 {perms = array<i32: 0, 2, 3, 1>}
// CHECK:       [[Y:%.+]] = tosa.max_pool2d [[X]] {kernel = array<i64: 2, 2>, pad = array<i64: 0, 1, 0, 1>, stride = array<i64: 2, 2>} : (tensor<1x7x7x2xf32>) -> tensor<1x4x4x2xf32>
// CHECK:       tosa.transpose [[Y]] {perms = array<i32: 0, 3, 1, 2>}
func.func @max_pool2d(%x: tensor<1x2x7x7xf32>) -> tensor<1x2x4x4xf32> {
  %y = "quant.max_pool2d"(%x) {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = true} : (tensor<1x2x7x7xf32>) -> tensor<1x2x4x4xf32>
  return %y : tensor<1x2x4x4xf32>
}

// -----

// count_include_pad = false is TOSA's own divisor; true pads explicitly with zeros.
// CHECK-LABEL: func.func @avg_pool2d
// CHECK:       tosa.avg_pool2d %{{.+}} {acc_type = f32, kernel = array<i64: 3, 3>, pad = array<i64: 1, 0, 1, 0>, stride = array<i64: 2, 2>} : (tensor<1x8x8x2xf32>
// CHECK:       tosa.pad %{{.+}} : (tensor<1x8x8x2xf32>, !tosa.shape<8>, tensor<1xf32>) -> tensor<1x10x10x2xf32>
// CHECK:       tosa.slice {{.+}} -> tensor<1x9x9x2xf32>
// CHECK:       tosa.avg_pool2d %{{.+}} {acc_type = f32, kernel = array<i64: 3, 3>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x9x9x2xf32>
func.func @avg_pool2d(%x: tensor<1x2x8x8xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %a = "quant.avg_pool2d"(%x) {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  %b = "quant.avg_pool2d"(%x) {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, count_include_pad = true} : (tensor<1x2x8x8xf32>) -> tensor<1x2x4x4xf32>
  return %a, %b : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// CHECK-LABEL: func.func @global_avg_pool
// CHECK:       [[H:%.+]] = tosa.reduce_sum %arg0 {axis = 2 : i32}
// CHECK:       [[HW:%.+]] = tosa.reduce_sum [[H]] {axis = 3 : i32} : (tensor<1x2x1x4xf32>) -> tensor<1x2x1x1xf32>
// CHECK:       [[N:%.+]] = "tosa.const"() <{values = dense<6.250000e-02> : tensor<1x1x1x1xf32>}>
// CHECK:       tosa.mul [[HW]], [[N]], %{{.+}}
func.func @global_avg_pool(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32> {
  %y = "quant.global_avg_pool"(%x) : (tensor<1x2x4x4xf32>) -> tensor<1x2x1x1xf32>
  return %y : tensor<1x2x1x1xf32>
}

// -----

// CHECK-LABEL: func.func @reshape
// CHECK:       [[S:%.+]] = tosa.const_shape {{ *}}{values = dense<[1, 2]> : tensor<2xindex>}
// CHECK:       tosa.reshape %arg0, [[S]] : (tensor<1x2x1x1xf32>, !tosa.shape<2>) -> tensor<1x2xf32>
func.func @reshape(%x: tensor<1x2x1x1xf32>) -> tensor<1x2xf32> {
  %y = "quant.reshape"(%x) : (tensor<1x2x1x1xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

// CHECK-LABEL: func.func @transpose
// CHECK:       tosa.transpose %arg0 {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x2x3x4xf32>) -> tensor<1x4x2x3xf32>
func.func @transpose(%x: tensor<1x2x3x4xf32>) -> tensor<1x4x2x3xf32> {
  %y = "quant.transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x2x3x4xf32>) -> tensor<1x4x2x3xf32>
  return %y : tensor<1x4x2x3xf32>
}

// -----

// CHECK-LABEL: func.func @concat
// CHECK:       tosa.concat %arg0, %arg1 {axis = 1 : i32}
func.func @concat(%x: tensor<1x2x4x4xf32>, %y: tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %z = "quant.concat"(%x, %y) {axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %z : tensor<1x4x4x4xf32>
}

// -----

// exp(x − max) · 1/Σ, along the last axis by default.
// CHECK-LABEL: func.func @softmax
// CHECK:       [[M:%.+]] = tosa.reduce_max %arg0 {axis = 1 : i32}
// CHECK:       [[C:%.+]] = tosa.sub %arg0, [[M]]
// CHECK:       [[E:%.+]] = tosa.exp [[C]]
// CHECK:       [[S:%.+]] = tosa.reduce_sum [[E]] {axis = 1 : i32}
// CHECK:       [[R:%.+]] = tosa.reciprocal [[S]]
// CHECK:       tosa.mul [[E]], [[R]], %{{.+}}
func.func @softmax(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %y = "quant.softmax"(%x) : (tensor<2x5xf32>) -> tensor<2x5xf32>
  return %y : tensor<2x5xf32>
}

// -----

// x / s (exact division), clamped to the integer bounds minus the zero point,
// cast (round half to even), plus the zero point, clamped, narrowed. Per-axis
// scales are tiled to the full shape; ui8 is reached by a bitcast from i8.
// CHECK-LABEL: func.func @quantize
// CHECK:       [[S:%.+]] = "tosa.const"() <{values = dense<1.000000e-01> : tensor<1x3x2x2xf32>}>
// CHECK:       [[D:%.+]] = arith.divf %arg0, [[S]] : tensor<1x3x2x2xf32>
// CHECK:       [[C:%.+]] = tosa.clamp [[D]] {max_val = 1.240000e+02 : f32, min_val = -1.300000e+02 : f32}
// CHECK:       [[R:%.+]] = tosa.cast [[C]] : (tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xi32>
// CHECK:       [[Z:%.+]] = "tosa.const"() <{values = dense<3> : tensor<1x1x1x1xi32>}>
// CHECK:       [[Q:%.+]] = tosa.add [[R]], [[Z]]
// CHECK:       [[QC:%.+]] = tosa.clamp [[Q]] {max_val = 127 : i32, min_val = -127 : i32}
// CHECK:       arith.trunci [[QC]] : tensor<1x3x2x2xi32> to tensor<1x3x2x2xi8>
// CHECK:       tosa.tile %{{.+}} : (tensor<1x3x1x1xf32>, !tosa.shape<4>) -> tensor<1x3x2x2xf32>
// CHECK:       arith.divf
// CHECK:       tosa.clamp %{{.+}} {max_val = 2.550000e+02 : f32, min_val = -2.550000e+02 : f32}
// CHECK:       tosa.add %{{.+}} : (tensor<1x3x2x2xi32>, tensor<1x3x1x1xi32>)
// CHECK:       tosa.clamp %{{.+}} {max_val = 255 : i32, min_val = 0 : i32}
// CHECK:       [[N:%.+]] = arith.trunci
// CHECK:       tensor.bitcast [[N]] : tensor<1x3x2x2xi8> to tensor<1x3x2x2xui8>
// i32 storage: the f32 bounds stay inside i32.
// CHECK:       tosa.clamp %{{.+}} {max_val = 2.14748352E+9 : f32, min_val = -2.14748365E+9 : f32}
func.func @quantize(%x: tensor<1x3x2x2xf32>) -> (tensor<1x3x2x2xi8>, tensor<1x3x2x2xui8>, tensor<1x3x2x2xi32>) {
  %a = "quant.quantize"(%x) {scale = 0.1 : f32, zero_point = 3 : i32, quant_min = -127 : i64, quant_max = 127 : i64} : (tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xi8>
  %b = "quant.quantize"(%x) {scale = dense<[0.1, 0.2, 0.4]> : tensor<3xf32>, zero_point = dense<[128, 0, 255]> : tensor<3xi32>, axis = 1 : i64} : (tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xui8>
  %c = "quant.quantize"(%x) {scale = 0.001 : f32, zero_point = 0 : i32} : (tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xi32>
  return %a, %b, %c : tensor<1x3x2x2xi8>, tensor<1x3x2x2xui8>, tensor<1x3x2x2xi32>
}

// -----

// (q − z) in i32, then to f32, times the scale.
// CHECK-LABEL: func.func @dequantize
// CHECK:       [[W:%.+]] = arith.extsi %arg0 : tensor<1x3x2x2xi8> to tensor<1x3x2x2xi32>
// CHECK:       [[C:%.+]] = tosa.sub [[W]], %{{.+}}
// CHECK:       [[F:%.+]] = tosa.cast [[C]] : (tensor<1x3x2x2xi32>) -> tensor<1x3x2x2xf32>
// CHECK:       tosa.mul [[F]], %{{.+}}, %{{.+}}
// CHECK:       [[B:%.+]] = tensor.bitcast %arg1 : tensor<1x3x2x2xui8> to tensor<1x3x2x2xi8>
// CHECK:       arith.extui [[B]] : tensor<1x3x2x2xi8> to tensor<1x3x2x2xi32>
// CHECK:       tosa.sub %{{.+}} : (tensor<1x3x2x2xi32>, tensor<1x3x1x1xi32>)
// CHECK:       tosa.mul %{{.+}} : (tensor<1x3x2x2xf32>, tensor<1x3x1x1xf32>, tensor<1xi8>)
func.func @dequantize(%a: tensor<1x3x2x2xi8>, %b: tensor<1x3x2x2xui8>) -> (tensor<1x3x2x2xf32>, tensor<1x3x2x2xf32>) {
  %x = "quant.dequantize"(%a) {scale = 0.1 : f32, zero_point = -2 : i32} : (tensor<1x3x2x2xi8>) -> tensor<1x3x2x2xf32>
  %y = "quant.dequantize"(%b) {scale = dense<[0.1, 0.2, 0.4]> : tensor<3xf32>, zero_point = dense<[128, 0, 255]> : tensor<3xi32>, axis = 1 : i64} : (tensor<1x3x2x2xui8>) -> tensor<1x3x2x2xf32>
  return %x, %y : tensor<1x3x2x2xf32>, tensor<1x3x2x2xf32>
}

// -----

// Constants become tosa.const; integer weights are dequantized like activations.
// CHECK-LABEL: func.func @weight_constant
// CHECK:       "tosa.const"() <{values = dense<{{\[\[}}1, -2, 3, -4], [5, 6, -7, 8]]> : tensor<2x4xi8>}>
// CHECK:       tosa.matmul
func.func @weight_constant(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %q = arith.constant dense<[[1, -2, 3, -4], [5, 6, -7, 8]]> : tensor<2x4xi8>
  %w = "quant.dequantize"(%q) {scale = 0.5 : f32, zero_point = 0 : i32} : (tensor<2x4xi8>) -> tensor<2x4xf32>
  %y = "quant.linear"(%x, %w) : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}
