//! Errors name the op and its location, or the argument at fault; none panics.

use super::{f32s, ints, run_error, single_op};
use quant_dialect::tensor::ElemType;
use quant_runtime::{Interpreter, TensorSpec};

const RELU: &str = "func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = \"quant.relu\"(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}";

#[test]
fn unsupported_op_names_op_and_location() {
    let source = "func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = arith.addf %x, %x : tensor<2xf32>
  return %y : tensor<2xf32>
}";
    let message = run_error(source, &[f32s(&[2], &[1.0, 2.0])]);
    assert!(message.starts_with("test.mlir:2:8: unsupported op 'arith.addf'"), "{message}");
}

#[test]
fn entry_lookup_and_signature() {
    let context = quant_dialect::create_context().expect("context");
    let module = quant_dialect::parse_source(&context, RELU, "test.mlir").expect("parses");
    let error = Interpreter::new(&module, "forward").err().expect("an error");
    assert_eq!(error.to_string(), "no function @forward in the module");
    let interpreter = Interpreter::new(&module, "main").expect("lowers");
    let f32x2 = TensorSpec { shape: vec![2], elem: ElemType::F32 };
    assert_eq!(interpreter.outputs(), [f32x2]);
    assert_eq!(interpreter.inputs(), interpreter.outputs());
}

#[test]
fn inputs_are_checked() {
    assert_eq!(run_error(RELU, &[]), "@main takes 1 inputs, got 0");
    assert_eq!(
        run_error(RELU, &[f32s(&[3], &[1.0, 2.0, 3.0])]),
        "input #0 of @main: expected tensor<2xf32>, got tensor<3xf32>"
    );
    assert_eq!(
        run_error(RELU, &[ints(ElemType::I8, &[2], &[1, 2])]),
        "input #0 of @main: expected tensor<2xf32>, got tensor<2xi8>"
    );
    let source = single_op("dequantize", "{scale = 1.0 : f32, zero_point = 0 : i32}", "1xi8", "1xf32");
    assert_eq!(
        run_error(&source, &[ints(ElemType::I8, &[1], &[200])]),
        "input #0 of @main: value 200 is outside the i8 range [-128, 127]"
    );
}

#[test]
fn bad_attributes_name_the_op() {
    let source = single_op("transpose", "{perm = array<i64: 0, 0>}", "2x2xf32", "2x2xf32");
    let message = run_error(&source, &[f32s(&[2, 2], &[0.0; 4])]);
    assert_eq!(message, "test.mlir:2:8: 'quant.transpose': perm [0, 0] is not a permutation of the 2 axes");
    let source = single_op("gelu", "{approximate = \"fast\"}", "2xf32", "2xf32");
    let message = run_error(&source, &[f32s(&[2], &[0.0; 2])]);
    assert!(message.contains("'quant.gelu': approximate must be"), "{message}");
}

#[test]
fn wrong_result_types_are_reported() {
    let source = "func.func @main(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32> {
  %w = arith.constant dense<1.0> : tensor<1x1x2x2xf32>
  %y = \"quant.conv2d\"(%x, %w) : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}";
    let message = run_error(source, &[f32s(&[1, 1, 3, 3], &[0.0; 9])]);
    assert_eq!(
        message,
        "test.mlir:3:8: 'quant.conv2d': computed tensor<1x1x2x2xf32>, but the result type is tensor<1x1x3x3xf32>"
    );
    let source = single_op("reshape", "", "2x3xf32", "2x2xf32");
    let message = run_error(&source, &[f32s(&[2, 3], &[0.0; 6])]);
    assert!(message.contains("cannot reshape [2, 3] to [2, 2]"), "{message}");
    let source = single_op("max_pool2d", "{kernel = array<i64: 4, 4>}", "1x1x2x2xf32", "1x1x1x1xf32");
    let message = run_error(&source, &[f32s(&[1, 1, 2, 2], &[0.0; 4])]);
    assert!(message.contains("'quant.max_pool2d': the [4, 4] window does not fit"), "{message}");
}

#[test]
fn huge_attributes_do_not_panic() {
    let source = "func.func @main(%x: tensor<1x1x7x7xf32>) -> tensor<1x1x1x1xf32> {
  %w = arith.constant dense<1.0> : tensor<1x1x7x7xf32>
  %y = \"quant.conv2d\"(%x, %w) {dilations = array<i64: 4611686018427387904, 1>} : (tensor<1x1x7x7xf32>, tensor<1x1x7x7xf32>) -> tensor<1x1x1x1xf32>
  return %y : tensor<1x1x1x1xf32>
}";
    let message = run_error(source, &[f32s(&[1, 1, 7, 7], &[0.0; 49])]);
    assert!(
        message.starts_with("test.mlir:3:8: 'quant.conv2d': window attribute value 4611686018427387904 is too large")
    );
    let source = single_op(
        "max_pool2d",
        "{kernel = array<i64: 2, 2>, strides = array<i64: 4611686018427387904, 1>, padding = array<i64: 1, 1, 1, 1>, ceil_mode = true}",
        "1x1x2x2xf32",
        "1x1x1x2xf32",
    );
    let message = run_error(&source, &[f32s(&[1, 1, 2, 2], &[0.0; 4])]);
    assert!(message.contains("'quant.max_pool2d': window attribute value"), "{message}");
}
