//! reshape, transpose, concat and constants.

use super::{assert_close, f32s, ints, run, single_op};
use quant_dialect::tensor::ElemType;

#[test]
fn reshape_is_row_major() {
    let source = single_op("reshape", "", "2x3xf32", "3x2xf32");
    let out = run(&source, &[f32s(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])]);
    assert_close(&out[0], &[3, 2], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 0.0);
}

#[test]
fn transpose() {
    let source = single_op("transpose", "{perm = array<i64: 1, 0>}", "2x3xf32", "3x2xf32");
    let out = run(&source, &[f32s(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])]);
    assert_close(&out[0], &[3, 2], &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0], 0.0);
    // Output axis i is input axis perm[i]: 1x2x3 → 3x1x2.
    let source = single_op("transpose", "{perm = array<i64: 2, 0, 1>}", "1x2x3xf32", "3x1x2xf32");
    let out = run(&source, &[f32s(&[1, 2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])]);
    assert_close(&out[0], &[3, 1, 2], &[1.0, 4.0, 2.0, 5.0, 3.0, 6.0], 0.0);
}

#[test]
fn transpose_of_integers() {
    let source = single_op("transpose", "{perm = array<i64: 1, 0>}", "1x2xi8", "2x1xi8");
    let out = run(&source, &[ints(ElemType::I8, &[1, 2], &[-5, 7])]);
    assert_eq!(out[0], ints(ElemType::I8, &[2, 1], &[-5, 7]));
}

#[test]
fn concat_on_positive_and_negative_axes() {
    let source = "func.func @main(%a: tensor<1x2xf32>, %b: tensor<1x2xf32>) -> tensor<1x4xf32> {
  %y = \"quant.concat\"(%a, %b) {axis = -1 : i64} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x4xf32>
  return %y : tensor<1x4xf32>
}";
    let out = run(source, &[f32s(&[1, 2], &[1.0, 2.0]), f32s(&[1, 2], &[3.0, 4.0])]);
    assert_close(&out[0], &[1, 4], &[1.0, 2.0, 3.0, 4.0], 0.0);
    let source = "func.func @main(%a: tensor<1x2xui8>) -> tensor<3x2xui8> {
  %c = arith.constant dense<[[7, 255]]> : tensor<1x2xui8>
  %y = \"quant.concat\"(%a, %c, %a) {axis = 0 : i64} : (tensor<1x2xui8>, tensor<1x2xui8>, tensor<1x2xui8>) -> tensor<3x2xui8>
  return %y : tensor<3x2xui8>
}";
    let out = run(source, &[ints(ElemType::U8, &[1, 2], &[0, 1])]);
    assert_eq!(out[0], ints(ElemType::U8, &[3, 2], &[0, 1, 7, 255, 0, 1]));
}

#[test]
fn constants_in_every_form() {
    let source = r#"func.func @main() -> (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xi8>, tensor<2xi32>) {
  %a = arith.constant dense<[1.5, -2.0]> : tensor<2xf32>
  %b = arith.constant dense<0.25> : tensor<2xf32>
  %c = arith.constant dense<"0x0000803F00000040"> : tensor<2xf32>
  %d = arith.constant dense_resource<blob> : tensor<2xi8>
  %e = arith.constant dense<[-2147483648, 2147483647]> : tensor<2xi32>
  return %a, %b, %c, %d, %e : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xi8>, tensor<2xi32>
}
{-#
  dialect_resources: {
    builtin: {
      blob: "0x01000000FF80"
    }
  }
#-}
"#;
    let out = run(source, &[]);
    assert_close(&out[0], &[2], &[1.5, -2.0], 0.0);
    assert_close(&out[1], &[2], &[0.25, 0.25], 0.0);
    assert_close(&out[2], &[2], &[1.0, 2.0], 0.0);
    assert_eq!(out[3], ints(ElemType::I8, &[2], &[-1, -128]));
    assert_eq!(out[4], ints(ElemType::I32, &[2], &[i32::MIN, i32::MAX]));
}
