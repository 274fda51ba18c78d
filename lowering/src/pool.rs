//! Pooling: `tosa.max_pool2d` / `tosa.avg_pool2d` in NHWC, and the global
//! average as two sums and a multiply.
//!
//! TOSA's average divides by the in-bounds element count, which is PyTorch's
//! `count_include_pad = false`. With `count_include_pad = true` the padding is
//! made explicit (`tosa.pad` with zeros), so it counts; only ceil_mode's
//! partial-window overhang stays implicit, and PyTorch leaves it out too.

use crate::{
    emit::{Emitter, Val},
    tosa::{TO_NCHW, TO_NHWC},
    window::fit,
};
use quant_dialect::views::PoolAttrs;

pub fn pool2d(em: &mut Emitter, max: bool, a: &PoolAttrs, x: &Val, out: &[usize]) -> Result<Val, String> {
    let [n, c, h, w] = [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
    let mut xt = em.transpose(x, &TO_NHWC);
    let [mut top, mut left, bottom, right] = a.padding;
    let (mut h, mut w) = (h, w);
    if !max && a.count_include_pad {
        xt = em.pad_zero(&xt, &[(0, 0), (top, bottom), (left, right), (0, 0)]);
        (h, w, top, left) = (h + top + bottom, w + left + right, 0, 0);
    }
    let unfit = || "the output shape does not match the pooling windows".to_string();
    let rows = fit(h, top, a.kernel[0], a.strides[0], out[2]).ok_or_else(unfit)?;
    let cols = fit(w, left, a.kernel[1], a.strides[1], out[3]).ok_or_else(unfit)?;
    if (rows.keep, cols.keep) != (h, w) {
        xt = em.slice(&xt, &[0, 0, 0, 0], &[n, rows.keep, cols.keep, c]);
    }
    let attrs = format!(
        "kernel = array<i64: {}, {}>, stride = array<i64: {}, {}>, pad = array<i64: {top}, {}, {left}, {}>",
        a.kernel[0], a.kernel[1], a.strides[0], a.strides[1], rows.pad_after, cols.pad_after
    );
    let shape = vec![n, out[2], out[3], c];
    let y = if max {
        em.op("tosa.max_pool2d", &[&xt], &attrs, shape, "f32")
    } else {
        let zp = em.float_zero_point();
        em.op("tosa.avg_pool2d", &[&xt, &zp, &zp], &format!("{attrs}, acc_type = f32"), shape, "f32")
    };
    Ok(em.transpose(&y, &TO_NCHW))
}

/// The mean over H and W: sum, sum, times 1/(H·W).
pub fn global_avg(em: &mut Emitter, x: &Val) -> Val {
    let rows = em.reduce("tosa.reduce_sum", x, 2);
    let sum = em.reduce("tosa.reduce_sum", &rows, 3);
    let inv = em.scalar_f32(1.0 / (x.shape[2] * x.shape[3]) as f32, 4);
    em.mul(&sum, &inv)
}
