//! `quant.max_pool2d`, `quant.avg_pool2d` and `quant.global_avg_pool`, with
//! PyTorch/ONNX semantics: padding never wins a max; with `ceil_mode` the
//! last window must start inside the input or the top/left padding; an
//! average divides by the in-bounds count, or with `count_include_pad` by the
//! window's extent clipped to the padded input.

use super::{op::rank_error, window::source};
use ndarray::{Array4, ArrayD, ArrayView4, Ix4};
use quant_dialect::views::PoolAttrs;

/// The taps of one window along one axis.
struct Span {
    /// In-bounds input indices.
    inside: Vec<usize>,
    /// Taps within the padded input (bottom/right padding included).
    padded: usize,
}

fn span(out: usize, kernel: usize, stride: usize, pad_lo: usize, pad_hi: usize, size: usize) -> Span {
    let inside = (0..kernel).filter_map(|tap| source(out, tap, stride, 1, pad_lo, size)).collect();
    let start = out * stride;
    let padded = (start + kernel).min(size + pad_lo + pad_hi).saturating_sub(start);
    Span { inside, padded }
}

/// Applies `reduce(values, padded_count)` to every window.
fn pool(x: &ArrayD<f32>, a: &PoolAttrs, reduce: impl Fn(&[f32], usize) -> f32) -> Result<ArrayD<f32>, String> {
    let x: ArrayView4<f32> = x.view().into_dimensionality::<Ix4>().map_err(|_| rank_error("input", 4, x.shape()))?;
    let (n, c, h, w) = x.dim();
    let [ho, wo] = a.output_hw(h, w).ok_or_else(|| {
        format!("the {:?} window does not fit the {h}x{w} input with padding {:?}", a.kernel, a.padding)
    })?;
    let rows: Vec<Span> = (0..ho).map(|o| span(o, a.kernel[0], a.strides[0], a.padding[0], a.padding[2], h)).collect();
    let cols: Vec<Span> = (0..wo).map(|o| span(o, a.kernel[1], a.strides[1], a.padding[1], a.padding[3], w)).collect();
    let out = Array4::from_shape_fn((n, c, ho, wo), |(b, ch, oy, ox)| {
        let (row, col) = (&rows[oy], &cols[ox]);
        let values: Vec<f32> =
            row.inside.iter().flat_map(|&iy| col.inside.iter().map(move |&ix| x[[b, ch, iy, ix]])).collect();
        reduce(&values, row.padded * col.padded)
    });
    Ok(out.into_dyn())
}

pub(super) fn max_pool2d(x: &ArrayD<f32>, a: &PoolAttrs) -> Result<ArrayD<f32>, String> {
    pool(x, a, |values, _| values.iter().fold(f32::NEG_INFINITY, |m, &v| if v > m || v.is_nan() { v } else { m }))
}

pub(super) fn avg_pool2d(x: &ArrayD<f32>, a: &PoolAttrs) -> Result<ArrayD<f32>, String> {
    let include_pad = a.count_include_pad;
    pool(x, a, |values, padded| {
        let sum: f64 = values.iter().map(|&v| v as f64).sum();
        let count = if include_pad { padded } else { values.len() };
        (sum / count as f64) as f32
    })
}

/// The mean over H and W: NxCxHxW → NxCx1x1.
pub(super) fn global_avg_pool(x: &ArrayD<f32>) -> Result<ArrayD<f32>, String> {
    let x: ArrayView4<f32> = x.view().into_dimensionality::<Ix4>().map_err(|_| rank_error("input", 4, x.shape()))?;
    let (n, c, h, w) = x.dim();
    let out = Array4::from_shape_fn((n, c, 1, 1), |(b, ch, _, _)| {
        let sum: f64 = x.slice(ndarray::s![b, ch, .., ..]).iter().map(|&v| v as f64).sum();
        (sum / (h * w) as f64) as f32
    });
    Ok(out.into_dyn())
}
