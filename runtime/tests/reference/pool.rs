//! max_pool2d, avg_pool2d and global_avg_pool.

use super::{assert_close, f32s, run, single_op};

fn iota(n: usize) -> Vec<f32> {
    (0..n).map(|i| i as f32).collect()
}

#[test]
fn max_pool_floor_and_ceil() {
    let x = f32s(&[1, 1, 5, 5], &iota(25));
    let floor = single_op(
        "max_pool2d",
        "{kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}",
        "1x1x5x5xf32",
        "1x1x2x2xf32",
    );
    assert_close(&run(&floor, std::slice::from_ref(&x))[0], &[1, 1, 2, 2], &[6.0, 8.0, 16.0, 18.0], 0.0);
    // ceil_mode adds the partial windows over row/column 4.
    let ceil = single_op(
        "max_pool2d",
        "{kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = true}",
        "1x1x5x5xf32",
        "1x1x3x3xf32",
    );
    let expected = [6.0, 8.0, 9.0, 16.0, 18.0, 19.0, 21.0, 23.0, 24.0];
    assert_close(&run(&ceil, &[x])[0], &[1, 1, 3, 3], &expected, 0.0);
}

#[test]
fn max_pool_ceil_mode_drops_a_window_starting_in_the_padding() {
    // Padded size 7: ceil gives 4 windows, but the 4th would start in the
    // bottom/right padding, so there are 3 (as PyTorch).
    let source = single_op(
        "max_pool2d",
        "{kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>, ceil_mode = true}",
        "1x1x5x5xf32",
        "1x1x3x3xf32",
    );
    let out = run(&source, &[f32s(&[1, 1, 5, 5], &iota(25))]);
    assert_close(&out[0], &[1, 1, 3, 3], &[0.0, 2.0, 4.0, 10.0, 12.0, 14.0, 20.0, 22.0, 24.0], 0.0);
}

#[test]
fn max_pool_ignores_padding_for_negative_inputs() {
    let source = single_op(
        "max_pool2d",
        "{kernel = array<i64: 2, 2>, padding = array<i64: 1, 1, 0, 0>}",
        "1x1x1x1xf32",
        "1x1x1x1xf32",
    );
    assert_close(&run(&source, &[f32s(&[1, 1, 1, 1], &[-3.0])])[0], &[1, 1, 1, 1], &[-3.0], 0.0);
}

/// 1x3 windows, stride 2, one column of padding each side, over [1, 2, 3, 4]:
/// padded columns [p, 1, 2, 3, 4, p]; ceil_mode adds a window at padded
/// columns 4..7 that holds 4, one padding column and one column past it.
fn pool_1d(op: &str, extra: &str, out_w: usize) -> Vec<f32> {
    let attrs =
        format!("{{kernel = array<i64: 1, 3>, strides = array<i64: 1, 2>, padding = array<i64: 0, 1, 0, 1>{extra}}}");
    let source = single_op(op, &attrs, "1x1x1x4xf32", &format!("1x1x1x{out_w}xf32"));
    let out = run(&source, &[f32s(&[1, 1, 1, 4], &[1.0, 2.0, 3.0, 4.0])]);
    out[0].as_f32().expect("f32").iter().copied().collect()
}

#[test]
fn avg_pool_count_include_pad() {
    assert_eq!(pool_1d("avg_pool2d", "", 2), [1.5, 3.0]);
    assert_eq!(pool_1d("avg_pool2d", ", count_include_pad = true", 2), [1.0, 3.0]);
}

#[test]
fn avg_pool_ceil_mode_divisor_stops_at_the_padded_input() {
    // Third window: 4 alone; with count_include_pad the divisor counts the
    // padding column but not the column beyond it: 4 / 2.
    assert_eq!(pool_1d("avg_pool2d", ", ceil_mode = true", 3), [1.5, 3.0, 4.0]);
    assert_eq!(pool_1d("avg_pool2d", ", ceil_mode = true, count_include_pad = true", 3), [1.0, 3.0, 2.0]);
    assert_eq!(pool_1d("max_pool2d", ", ceil_mode = true", 3), [2.0, 4.0, 4.0]);
}

#[test]
fn global_avg_pool() {
    let source = single_op("global_avg_pool", "", "1x2x2x2xf32", "1x2x1x1xf32");
    assert_close(&run(&source, &[f32s(&[1, 2, 2, 2], &iota(8))])[0], &[1, 2, 1, 1], &[1.5, 5.5], 0.0);
}
