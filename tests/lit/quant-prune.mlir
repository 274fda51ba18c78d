// quant-prune: ops whose results do not reach the function's return go;
// ops that may have side effects (anything but quant and arith ops) and
// everything feeding the return stay.
//
// RUN: qopt --prune --split-input-file %s | FileCheck %s
// RUN: qopt -p quant-prune --split-input-file %s | FileCheck %s
// RUN: qopt --prune --split-input-file -v %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// One statistics line per chunk, in file order.
// STATS: dead ops removed pass="quant-prune" removed=4
// STATS: dead ops removed pass="quant-prune" removed=0
// STATS: dead ops removed pass="quant-prune" removed=4
// STATS: dead ops removed pass="quant-prune" removed=2
// STATS: dead ops removed pass="quant-prune" removed=0
// STATS: dead ops removed pass="quant-prune" removed=2
// STATS: dead ops removed pass="quant-prune" removed=1
// STATS-NOT: dead ops removed

// A dead chain (sigmoid → relu → add with a constant) goes entirely; the op
// feeding the return stays.
// CHECK-LABEL: func.func @dead_chain
// CHECK-NEXT:    [[R:%[^ ]+]] = "quant.relu6"(%arg0)
// CHECK-NEXT:    return [[R]]
// CHECK-NEXT:  }
func.func @dead_chain(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %a = "quant.sigmoid"(%x) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %b = "quant.relu"(%a) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %k = arith.constant dense<1.0> : tensor<1x2x4x4xf32>
  %c = "quant.add"(%b, %k) : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %r = "quant.relu6"(%x) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %r : tensor<1x2x4x4xf32>
}

// -----

// Everything reaches the return: nothing is removed, constants included.
// CHECK-LABEL: func.func @all_live
// CHECK-NEXT:    [[W:%[^ ]+]] = arith.constant dense<5.000000e-01> : tensor<2x2x1x1xf32>
// CHECK-NEXT:    [[Q:%[^ ]+]] = "quant.quantize"(%arg0)
// CHECK-NEXT:    [[D:%[^ ]+]] = "quant.dequantize"([[Q]])
// CHECK-NEXT:    [[C:%[^ ]+]] = "quant.conv2d"([[D]], [[W]])
// CHECK-NEXT:    [[R:%[^ ]+]] = "quant.relu"([[C]])
// CHECK-NEXT:    [[S:%[^ ]+]] = "quant.add"([[R]], [[C]])
// CHECK-NEXT:    return [[S]], [[D]]
func.func @all_live(%x: tensor<1x2x4x4xf32>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %w = arith.constant dense<0.5> : tensor<2x2x1x1xf32>
  %q = "quant.quantize"(%x) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %c = "quant.conv2d"(%d, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  %r = "quant.relu"(%c) : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %s = "quant.add"(%r, %c) : (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %s, %d : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// A dead quantize → dequantize pair (and a dequantized constant nobody uses)
// go; the live conv keeps its own operands.
// CHECK-LABEL: func.func @dead_qdq
// CHECK-NOT:     quant.quantize
// CHECK-NOT:     quant.dequantize
// CHECK:         [[W:%[^ ]+]] = arith.constant dense<5.000000e-01> : tensor<2x2x1x1xf32>
// CHECK-NEXT:    [[C:%[^ ]+]] = "quant.conv2d"(%arg0, [[W]])
// CHECK-NEXT:    return [[C]]
// CHECK-NEXT:  }
func.func @dead_qdq(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w = arith.constant dense<0.5> : tensor<2x2x1x1xf32>
  %q = "quant.quantize"(%x) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8>
  %d = "quant.dequantize"(%q) {scale = 0.1 : f32, zero_point = 0 : i32} : (tensor<1x2x4x4xi8>) -> tensor<1x2x4x4xf32>
  %ci = arith.constant dense<[1, 2]> : tensor<2xi8>
  %cd = "quant.dequantize"(%ci) {scale = 0.5 : f32, zero_point = 0 : i32} : (tensor<2xi8>) -> tensor<2xf32>
  %c = "quant.conv2d"(%x, %w) : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %c : tensor<1x2x4x4xf32>
}

// -----

// An op with a live user and a dead user: the dead user goes, the op stays.
// A block argument used only by dead ops is of course untouched.
// CHECK-LABEL: func.func @shared_value
// CHECK-SAME:    (%arg0: tensor<4xf32>, %arg1: tensor<4xf32>)
// CHECK-NEXT:    [[A:%[^ ]+]] = "quant.relu"(%arg0)
// CHECK-NEXT:    [[B:%[^ ]+]] = "quant.sigmoid"([[A]])
// CHECK-NEXT:    return [[B]]
// CHECK-NEXT:  }
func.func @shared_value(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %a = "quant.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  %dead = "quant.add"(%a, %y) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = "quant.sigmoid"(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %dead2 = "quant.mish"(%dead) : (tensor<4xf32>) -> tensor<4xf32>
  return %b : tensor<4xf32>
}

// -----

// Ops with several results stay when any result is used (even when the used
// result is only used by a result-less op, kept for its effects). Calls stay
// even when their results are unused: they may have effects. Declarations are
// left alone.
// CHECK-LABEL: func.func private @pair() -> (tensor<4xi32>, tensor<4xi32>)
// CHECK-LABEL: func.func private @effect(tensor<4xi32>)
// CHECK-LABEL: func.func @multi_result
// CHECK-NEXT:    %low, %high = arith.mulsi_extended %arg0, %arg1 : tensor<4xi32>
// CHECK-NEXT:    %sum, %overflow = arith.addui_extended %arg0, %arg1 : tensor<4xi32>, tensor<4xi1>
// CHECK-NEXT:    [[P:%[^:]+]]:2 = call @pair()
// CHECK-NEXT:    {{%[^:]+}}:2 = call @pair()
// CHECK-NEXT:    call @effect(%sum)
// CHECK-NEXT:    [[T:%[^ ]+]] = arith.addi %high, [[P]]#1 : tensor<4xi32>
// CHECK-NEXT:    return [[T]]
// CHECK-NEXT:  }
func.func private @pair() -> (tensor<4xi32>, tensor<4xi32>)
func.func private @effect(tensor<4xi32>)
func.func @multi_result(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %lo, %hi = arith.mulsi_extended %a, %b : tensor<4xi32>
  %s, %o = arith.addui_extended %a, %b : tensor<4xi32>, tensor<4xi1>
  %p:2 = func.call @pair() : () -> (tensor<4xi32>, tensor<4xi32>)
  %unused:2 = func.call @pair() : () -> (tensor<4xi32>, tensor<4xi32>)
  func.call @effect(%s) : (tensor<4xi32>) -> ()
  %t = arith.addi %hi, %p#1 : tensor<4xi32>
  return %t : tensor<4xi32>
}

// -----

// Functions inside nested modules are pruned too, each on its own.
// CHECK-LABEL: module @outer
// CHECK:         module @inner
// CHECK-LABEL:   func.func @nested_a
// CHECK-NOT:       quant.relu
// CHECK:           return %arg0
// CHECK-LABEL:   func.func @nested_b
// CHECK-NEXT:      [[S:%[^ ]+]] = "quant.sigmoid"(%arg0)
// CHECK-NEXT:      return [[S]]
// CHECK-NEXT:    }
module @outer {
  module @inner {
    func.func @nested_a(%x: tensor<4xf32>) -> tensor<4xf32> {
      %d = "quant.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
      return %x : tensor<4xf32>
    }
  }
  func.func @nested_b(%x: tensor<4xf32>) -> tensor<4xf32> {
    %s = "quant.sigmoid"(%x) : (tensor<4xf32>) -> tensor<4xf32>
    %d = "quant.softmax"(%x) : (tensor<4xf32>) -> tensor<4xf32>
    return %s : tensor<4xf32>
  }
}

// -----

// A function returning nothing: every op with results is dead, a call
// without results stays.
// CHECK-LABEL: func.func @no_results
// CHECK-NOT:     quant.relu
// CHECK:    call @sink(%arg0)
// CHECK-NEXT:    return
// CHECK-NEXT:  }
func.func private @sink(tensor<4xf32>)
func.func @no_results(%x: tensor<4xf32>) {
  %r = "quant.relu"(%x) : (tensor<4xf32>) -> tensor<4xf32>
  func.call @sink(%x) : (tensor<4xf32>) -> ()
  return
}
