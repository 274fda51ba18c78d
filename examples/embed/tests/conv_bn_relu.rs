//! The example compiler on the bundled model, and proof that the upstream
//! passes in its pipeline run next to ours.

const EXAMPLE: &str = include_str!("../../conv-bn-relu.mlir");

#[test]
fn conv_bn_relu_is_fused() {
    let ir = embed_example::compile(EXAMPLE, "conv-bn-relu.mlir").unwrap();
    assert!(!ir.contains("quant.batch_norm"), "batch_norm survived:\n{ir}");
    // One conv, now with the folded batch norm as its bias, then the relu.
    assert_eq!(ir.matches("\"quant.conv2d\"").count(), 1, "{ir}");
    assert!(ir.contains("(tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x8x8xf32>"), "{ir}");
    assert!(ir.contains("\"quant.relu\"(%2)"), "{ir}");
    // gamma/beta/mean/variance are gone: only the new weight and bias remain.
    assert_eq!(ir.matches("arith.constant").count(), 2, "{ir}");
    // The output is valid input again.
    let again = embed_example::compile(&ir, "output").unwrap();
    assert_eq!(again, ir);
}

#[test]
fn upstream_passes_merge_equal_constants() {
    let source = r#"func.func @f(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
  %a = arith.constant dense<1.0> : tensor<1x4xf32>
  %b = arith.constant dense<1.0> : tensor<1x4xf32>
  %s = "quant.add"(%x, %a) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %t = "quant.add"(%s, %b) : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  return %t : tensor<1x4xf32>
}"#;
    let ir = embed_example::compile(source, "inline").unwrap();
    assert_eq!(ir.matches("arith.constant").count(), 1, "{ir}");
    assert_eq!(ir.matches("\"quant.add\"").count(), 2, "{ir}");
}
