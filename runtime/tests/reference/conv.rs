//! conv2d and linear.

use super::{assert_close, f32s, run};

/// main(x) = conv2d(x, weight [, bias]) {attrs}.
fn conv(x: &[usize], weight: (&[usize], &str), bias: Option<&str>, attrs: &str, out: &[usize]) -> String {
    let ty =
        |shape: &[usize]| format!("tensor<{}xf32>", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("x"));
    let (x, w, y) = (ty(x), ty(weight.0), ty(out));
    let o = weight.0[0];
    let (bias_def, bias_use, bias_ty) = match bias {
        Some(values) => {
            (format!("  %b = arith.constant dense<{values}> : tensor<{o}xf32>\n"), ", %b", format!(", tensor<{o}xf32>"))
        }
        None => (String::new(), "", String::new()),
    };
    format!(
        "func.func @main(%x: {x}) -> {y} {{
  %w = arith.constant dense<{}> : {w}
{bias_def}  %y = \"quant.conv2d\"(%x, %w{bias_use}) {attrs} : ({x}, {w}{bias_ty}) -> {y}
  return %y : {y}
}}",
        weight.1
    )
}

fn iota(n: usize, start: f32) -> Vec<f32> {
    (0..n).map(|i| start + i as f32).collect()
}

#[test]
fn conv2d_valid_batch_2_with_bias() {
    let source = conv(&[2, 1, 3, 3], (&[1, 1, 2, 2], "[[[[1.0, 2.0], [3.0, 4.0]]]]"), Some("0.5"), "", &[2, 1, 2, 2]);
    let mut x = iota(9, 1.0);
    x.extend(iota(9, 1.0).iter().map(|v| -v));
    let out = run(&source, &[f32s(&[2, 1, 3, 3], &x)]);
    // 1·1 + 2·2 + 3·4 + 4·5 = 37, ...; the second image is negated.
    assert_close(&out[0], &[2, 1, 2, 2], &[37.5, 47.5, 67.5, 77.5, -36.5, -46.5, -66.5, -76.5], 0.0);
}

#[test]
fn conv2d_asymmetric_padding() {
    // padding top 1, left 0, bottom 0, right 1.
    let source = conv(
        &[1, 1, 3, 3],
        (&[1, 1, 2, 2], "[[[[1.0, 2.0], [3.0, 4.0]]]]"),
        None,
        "{padding = array<i64: 1, 0, 0, 1>}",
        &[1, 1, 3, 3],
    );
    let out = run(&source, &[f32s(&[1, 1, 3, 3], &iota(9, 1.0))]);
    assert_close(&out[0], &[1, 1, 3, 3], &[11.0, 18.0, 9.0, 37.0, 47.0, 21.0, 67.0, 77.0, 33.0], 0.0);
}

#[test]
fn conv2d_strided_and_dilated() {
    let source = conv(
        &[1, 1, 5, 5],
        (&[1, 1, 2, 2], "1.0"),
        None,
        "{strides = array<i64: 2, 2>, dilations = array<i64: 2, 2>}",
        &[1, 1, 2, 2],
    );
    let out = run(&source, &[f32s(&[1, 1, 5, 5], &iota(25, 0.0))]);
    // x[0,0] + x[0,2] + x[2,0] + x[2,2] = 0 + 2 + 10 + 12, ...
    assert_close(&out[0], &[1, 1, 2, 2], &[24.0, 32.0, 64.0, 72.0], 0.0);
}

#[test]
fn conv2d_groups() {
    let source = conv(
        &[1, 4, 1, 1],
        (&[2, 2, 1, 1], "[[[[1.0]], [[10.0]]], [[[100.0]], [[1000.0]]]]"),
        None,
        "{groups = 2 : i64}",
        &[1, 2, 1, 1],
    );
    let out = run(&source, &[f32s(&[1, 4, 1, 1], &[1.0, 2.0, 3.0, 4.0])]);
    assert_close(&out[0], &[1, 2, 1, 1], &[21.0, 4300.0], 0.0);
    // Two output channels per group.
    let source = conv(
        &[1, 2, 1, 1],
        (&[4, 1, 1, 1], "[[[[1.0]]], [[[2.0]]], [[[3.0]]], [[[4.0]]]]"),
        None,
        "{groups = 2 : i64}",
        &[1, 4, 1, 1],
    );
    let out = run(&source, &[f32s(&[1, 2, 1, 1], &[5.0, 7.0])]);
    assert_close(&out[0], &[1, 4, 1, 1], &[5.0, 10.0, 21.0, 28.0], 0.0);
}

#[test]
fn conv2d_depthwise() {
    let source = conv(
        &[1, 3, 2, 2],
        (&[3, 1, 1, 1], "[[[[2.0]]], [[[3.0]]], [[[-1.0]]]]"),
        Some("[0.0, 1.0, 0.0]"),
        "{groups = 3 : i64}",
        &[1, 3, 2, 2],
    );
    let out = run(&source, &[f32s(&[1, 3, 2, 2], &iota(12, 0.0))]);
    let expected = [0.0, 2.0, 4.0, 6.0, 13.0, 16.0, 19.0, 22.0, -8.0, -9.0, -10.0, -11.0];
    assert_close(&out[0], &[1, 3, 2, 2], &expected, 0.0);
}

#[test]
fn conv2d_accumulates_in_f64() {
    // 1e8 + 1 − 1e8 is 1 in f64 but 0 in f32.
    let source = conv(&[1, 3, 1, 1], (&[1, 3, 1, 1], "1.0"), None, "", &[1, 1, 1, 1]);
    let out = run(&source, &[f32s(&[1, 3, 1, 1], &[1e8, 1.0, -1e8])]);
    assert_close(&out[0], &[1, 1, 1, 1], &[1.0], 0.0);
}

fn linear(bias: bool) -> String {
    let (def, operand, ty) = if bias {
        ("  %b = arith.constant dense<[10.0, 20.0]> : tensor<2xf32>\n", ", %b", ", tensor<2xf32>")
    } else {
        ("", "", "")
    };
    format!(
        "func.func @main(%x: tensor<2x3xf32>) -> tensor<2x2xf32> {{
  %w = arith.constant dense<[[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]]> : tensor<2x3xf32>
{def}  %y = \"quant.linear\"(%x, %w{operand}) : (tensor<2x3xf32>, tensor<2x3xf32>{ty}) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}}"
    )
}

#[test]
fn linear_with_and_without_bias() {
    let x = f32s(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    assert_close(&run(&linear(false), std::slice::from_ref(&x))[0], &[2, 2], &[-2.0, 3.0, -2.0, 7.5], 0.0);
    assert_close(&run(&linear(true), &[x])[0], &[2, 2], &[8.0, 23.0, 8.0, 27.5], 0.0);
}
