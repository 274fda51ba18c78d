//! Float models built with onnx.helper: the import, run by the reference
//! interpreter, matches ONNX Runtime within 2e-4 relative.

mod common;

use common::{check_case, Case};

const TOLERANCE: f32 = 2e-4;

fn check(name: &str) {
    let case = Case::named(name);
    if let Err(e) = check_case(&case, TOLERANCE) {
        panic!("{name}: {e}");
    }
}

#[test]
fn conv_bn_relu() {
    check("conv_bn_relu");
}

#[test]
fn gemm_matmul_add_softmax() {
    check("gemm");
    // MatMul + Add became one linear with bias.
    let text = quant_onnx::import::import_file(&Case::named("gemm").model).unwrap();
    assert_eq!(text.matches("quant.linear").count(), 3, "{text}");
    assert!(!text.contains("quant.add"), "{text}");
}

#[test]
fn pooling_and_sum() {
    check("pooling");
}

#[test]
fn activations_transpose_reshape_concat() {
    check("activations");
}

#[test]
fn legacy_opset9_clip_softmax_dropout() {
    check("legacy_opset9");
}

#[test]
fn resnet_float() {
    check("resnet_float");
}

#[test]
fn external_data() {
    check("external_data");
}

#[test]
fn large_weights_are_hex() {
    let text = quant_onnx::import::import_file(&Case::named("resnet_float").model).unwrap();
    let weight = text.lines().find(|l| l.contains("tensor<8x8x3x3xf32>") && l.contains("arith.constant")).unwrap();
    assert!(weight.contains("dense<\"0x"), "{weight}");
}
