//! quantize and dequantize (ONNX QuantizeLinear / DequantizeLinear).

use super::{assert_close, f32s, ints, run, single_op};
use quant_dialect::tensor::ElemType;

fn quantize(attrs: &str, shape: &str, storage: &str, x: &[f32]) -> Vec<i32> {
    let shape_dims: Vec<usize> = shape.split('x').map(|d| d.parse().expect("a dimension")).collect();
    let source = single_op("quantize", attrs, &format!("{shape}xf32"), &format!("{shape}x{storage}"));
    let out = run(&source, &[f32s(&shape_dims, x)]);
    assert_eq!(out[0].elem().name(), storage);
    out[0].as_int().expect("integers").iter().copied().collect()
}

const UNIT: &str = "{scale = 1.0 : f32, zero_point = 0 : i32}";

#[test]
fn quantize_rounds_half_to_even() {
    let x = [2.5, -2.5, 0.5, 1.5, -0.5, -1.5, 2.4, 2.6];
    assert_eq!(quantize(UNIT, "8", "i8", &x), [2, -2, 0, 2, 0, -2, 2, 3]);
    // 1.25 / 0.5 = 2.5 → 2, then + zero point 3.
    let attrs = "{scale = 0.5 : f32, zero_point = 3 : i32}";
    assert_eq!(quantize(attrs, "2", "ui8", &[1.25, 0.75]), [5, 5]);
}

#[test]
fn quantize_saturates_to_the_storage_range() {
    assert_eq!(quantize(UNIT, "4", "i8", &[200.0, -300.0, 127.4, -128.4]), [127, -128, 127, -128]);
    let attrs = "{scale = 0.5 : f32, zero_point = 3 : i32}";
    assert_eq!(quantize(attrs, "2", "ui8", &[-10.0, 200.0]), [0, 255]);
    assert_eq!(quantize(UNIT, "3", "i32", &[1e10, -1e10, -2.5]), [i32::MAX, i32::MIN, -2]);
}

#[test]
fn quantize_saturates_to_quant_min_max() {
    let attrs = "{scale = 1.0 : f32, zero_point = 0 : i32, quant_min = -7 : i64, quant_max = 7 : i64}";
    assert_eq!(quantize(attrs, "3", "i8", &[10.0, -10.0, 3.5]), [7, -7, 4]);
}

const PER_AXIS: &str =
    "{axis = 1 : i64, scale = dense<[1.0, 0.5]> : tensor<2xf32>, zero_point = dense<[0, 10]> : tensor<2xi32>}";

#[test]
fn quantize_per_axis() {
    // Column 0: scale 1, zero point 0; column 1: scale 0.5, zero point 10.
    assert_eq!(quantize(PER_AXIS, "2x2", "i8", &[1.0, 1.0, 3.0, -3.0]), [1, 12, 3, 4]);
    let negative_axis = PER_AXIS.replace("axis = 1", "axis = -1");
    assert_eq!(quantize(&negative_axis, "2x2", "i8", &[1.0, 1.0, 3.0, -3.0]), [1, 12, 3, 4]);
}

#[test]
fn dequantize_per_tensor_and_per_axis() {
    let source = single_op("dequantize", "{scale = 0.5 : f32, zero_point = -1 : i32}", "3xi8", "3xf32");
    let out = run(&source, &[ints(ElemType::I8, &[3], &[-128, 0, 127])]);
    assert_close(&out[0], &[3], &[-63.5, 0.5, 64.0], 0.0);
    let source = single_op("dequantize", PER_AXIS, "2x2xi8", "2x2xf32");
    let out = run(&source, &[ints(ElemType::I8, &[2, 2], &[1, 12, 3, 4])]);
    assert_close(&out[0], &[2, 2], &[1.0, 1.0, 3.0, -3.0], 0.0);
}

#[test]
fn fake_quant_round_trip() {
    let source = "func.func @main(%x: tensor<3xf32>) -> tensor<3xf32> {
  %q = \"quant.quantize\"(%x) {scale = 0.1 : f32, zero_point = 128 : i32} : (tensor<3xf32>) -> tensor<3xui8>
  %y = \"quant.dequantize\"(%q) {scale = 0.1 : f32, zero_point = 128 : i32} : (tensor<3xui8>) -> tensor<3xf32>
  return %y : tensor<3xf32>
}";
    let out = run(source, &[f32s(&[3], &[0.26, -20.0, 1.0])]);
    assert_close(&out[0], &[3], &[0.3, -12.8, 1.0], 1e-6);
}
