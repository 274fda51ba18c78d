//! Element-wise ops, add, batch_norm and softmax.

use super::{assert_close, f32s, run, single_op};

fn unary(op: &str, attrs: &str, x: &[f32]) -> Vec<f32> {
    let ty = format!("{}xf32", x.len());
    let out = run(&single_op(op, attrs, &ty, &ty), &[f32s(&[x.len()], x)]);
    out[0].as_f32().expect("f32").iter().copied().collect()
}

#[track_caller]
fn check(op: &str, attrs: &str, x: &[f32], expected: &[f32]) {
    let got = unary(op, attrs, x);
    for (i, (g, e)) in got.iter().zip(expected).enumerate() {
        assert!((g - e).abs() <= 1e-6 * e.abs().max(1.0), "{op}({}) = {g}, expected {e}", x[i]);
    }
}

#[test]
fn relu_and_relu6() {
    check("relu", "", &[-2.0, -0.0, 0.5, 7.0], &[0.0, 0.0, 0.5, 7.0]);
    check("relu6", "", &[-2.0, 0.5, 6.0, 7.0], &[0.0, 0.5, 6.0, 6.0]);
}

#[test]
fn sigmoid_silu_mish() {
    // sigmoid(1) = 1 / (1 + e^-1); mish(1) = tanh(ln(1 + e)).
    check("sigmoid", "", &[0.0, 1.0, -1.0], &[0.5, 0.731_058_6, 0.268_941_43]);
    check("silu", "", &[0.0, 1.0, -1.0], &[0.0, 0.731_058_6, -0.268_941_43]);
    check("mish", "", &[0.0, 1.0, -1.0], &[0.0, 0.865_098_4, -0.303_401_3]);
    // Saturating inputs stay finite.
    check("mish", "", &[100.0, -100.0], &[100.0, 0.0]);
    check("sigmoid", "", &[100.0, -100.0], &[1.0, 0.0]);
}

#[test]
fn leaky_relu_and_hardsigmoid() {
    check("leaky_relu", "", &[-2.0, 3.0], &[-0.02, 3.0]);
    check("leaky_relu", "{alpha = 0.5 : f32}", &[-2.0, 3.0], &[-1.0, 3.0]);
    // Default α = 1/6, β = 0.5 (PyTorch's Hardsigmoid).
    check("hardsigmoid", "", &[-4.0, 0.0, 1.5, 4.0], &[0.0, 0.5, 0.75, 1.0]);
    check("hardsigmoid", "{alpha = 0.2 : f32, beta = 0.5 : f32}", &[-3.0, 1.0, 3.0], &[0.0, 0.7, 1.0]);
}

#[test]
fn gelu_erf_and_tanh() {
    // 0.5·x·(1 + erf(x/√2)): Φ(1) = 0.8413447, Φ(2) = 0.9772499.
    check("gelu", "", &[0.0, 1.0, -1.0, 2.0], &[0.0, 0.841_344_7, -0.158_655_25, 1.954_499_7]);
    check("gelu", "{approximate = \"none\"}", &[1.0], &[0.841_344_7]);
    // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
    check("gelu", "{approximate = \"tanh\"}", &[1.0, -1.0, 2.0], &[0.841_192, -0.158_808, 1.954_597_7]);
}

#[test]
fn clip() {
    check("clip", "{min = -1.0 : f32, max = 2.0 : f32}", &[-3.0, 0.5, 5.0], &[-1.0, 0.5, 2.0]);
}

#[test]
fn add() {
    let source = "func.func @main(%a: tensor<2x2xf32>, %b: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %y = \"quant.add\"(%a, %b) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}";
    let out = run(source, &[f32s(&[2, 2], &[1.0, 2.0, 3.0, 4.0]), f32s(&[2, 2], &[0.5, -2.0, 0.0, 1.0])]);
    assert_close(&out[0], &[2, 2], &[1.5, 0.0, 3.0, 5.0], 0.0);
}

const BN_PARAMS: &str = "  %g = arith.constant dense<[2.0, -1.0]> : tensor<2xf32>
  %b = arith.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %m = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %v = arith.constant dense<[3.0, 0.0]> : tensor<2xf32>";

#[test]
fn batch_norm_rank_2() {
    // Channel 0: (x − 1)/√(3 + 1) · 2 + 0.5 = x − 0.5; channel 1 (ε = 1): −(x + 2) + 1.
    let source = format!(
        "func.func @main(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {{
{BN_PARAMS}
  %y = \"quant.batch_norm\"(%x, %g, %b, %m, %v) {{epsilon = 1.0 : f32}} : (tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}}"
    );
    let out = run(&source, &[f32s(&[2, 2], &[1.0, 0.0, 3.0, -2.0])]);
    assert_close(&out[0], &[2, 2], &[0.5, -1.0, 2.5, 1.0], 1e-6);
}

#[test]
fn batch_norm_rank_4_default_epsilon() {
    // Channel 1 has var 0: 1/√ε = 316.22777.
    let source = format!(
        "func.func @main(%x: tensor<1x2x1x2xf32>) -> tensor<1x2x1x2xf32> {{
{BN_PARAMS}
  %y = \"quant.batch_norm\"(%x, %g, %b, %m, %v) : (tensor<1x2x1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x1x2xf32>
  return %y : tensor<1x2x1x2xf32>
}}"
    );
    let out = run(&source, &[f32s(&[1, 2, 1, 2], &[1.0, 4.0, -2.0, -1.99])]);
    let r0 = 2.0 / (3.0f64 + 1e-5).sqrt();
    let r1 = -1.0 / 1e-5f64.sqrt();
    let expected = [0.5, (3.0 * r0 + 0.5) as f32, 1.0, ((-1.99f32 as f64 + 2.0) * r1 + 1.0) as f32];
    assert_close(&out[0], &[1, 2, 1, 2], &expected, 1e-4);
}

#[test]
fn softmax_last_and_first_axis() {
    let x = f32s(&[2, 3], &[1.0, 2.0, 3.0, 1.0, 1.0, 1.0]);
    let out = run(&single_op("softmax", "", "2x3xf32", "2x3xf32"), std::slice::from_ref(&x));
    let third = 1.0 / 3.0;
    assert_close(&out[0], &[2, 3], &[0.090_030_57, 0.244_728_48, 0.665_240_94, third, third, third], 1e-7);
    let out = run(&single_op("softmax", "{axis = 0 : i64}", "2x3xf32", "2x3xf32"), &[x]);
    // Column-wise: softmax([1, 1]) = 0.5, softmax([2, 1]) = [0.7310586, 0.2689414].
    assert_close(&out[0], &[2, 3], &[0.5, 0.731_058_6, 0.880_797_1, 0.5, 0.268_941_43, 0.119_202_92], 1e-7);
}

#[test]
fn softmax_is_stable_for_large_inputs() {
    let out = run(&single_op("softmax", "{axis = -1 : i64}", "2xf32", "2xf32"), &[f32s(&[2], &[1000.0, 1000.0])]);
    assert_close(&out[0], &[2], &[0.5, 0.5], 0.0);
}
