//! Ops run by plain Rust loops: average pooling, softmax and data
//! movement. They move or reduce data rather than compute, and are rare in
//! the models served, so JIT'ing them gains little.

use crate::Tensor;
use ndarray::{ArrayD, ArrayViewD, Axis, IxDyn};
use quant_dialect::views::PoolAttrs;

use super::workers::Workers;

/// One axis of a pooling window: in-bounds taps `[lo, hi)` and the number
/// of taps inside the padded input.
fn window(
    out: usize,
    kernel: usize,
    stride: usize,
    pad_lo: usize,
    pad_hi: usize,
    size: usize,
) -> (usize, usize, usize) {
    let start = out * stride;
    let lo = start.saturating_sub(pad_lo).min(size);
    let hi = (start + kernel).saturating_sub(pad_lo).min(size);
    let padded = (start + kernel).min(size + pad_lo + pad_hi).saturating_sub(start);
    (lo, hi.max(lo), padded)
}

/// avg_pool2d over an NCHW input into `out` (NCHW of `out_shape`), planes
/// split over the workers.
pub(super) fn avg_pool2d(
    x: &ArrayD<f32>,
    a: &PoolAttrs,
    out_shape: &[usize],
    out: &mut [f32],
    workers: &Workers,
) -> Result<(), String> {
    let [n, c, h, w] =
        <[usize; 4]>::try_from(x.shape()).map_err(|_| format!("input must have rank 4, got {:?}", x.shape()))?;
    let [ho, wo] = a.output_hw(h, w).ok_or("the window does not fit the padded input")?;
    if out_shape != [n, c, ho, wo] {
        return Err(format!("computed shape {:?}, but the result type is {out_shape:?}", [n, c, ho, wo]));
    }
    let x = x.as_standard_layout();
    let x = x.as_slice().ok_or("input is not contiguous")?;
    let windows = Windows {
        rows: (0..ho).map(|o| window(o, a.kernel[0], a.strides[0], a.padding[0], a.padding[2], h)).collect(),
        cols: (0..wo).map(|o| window(o, a.kernel[1], a.strides[1], a.padding[1], a.padding[3], w)).collect(),
        width: w,
        count_include_pad: a.count_include_pad,
    };
    workers.split_mut(out, ho * wo, |first, output| {
        for (plane, out) in x[first * h * w..].chunks(h * w).zip(output.chunks_mut(ho * wo)) {
            windows.pool_plane(plane, out);
        }
    });
    Ok(())
}

/// The windows of one pooling op over an input plane of `width` columns.
struct Windows {
    rows: Vec<(usize, usize, usize)>,
    cols: Vec<(usize, usize, usize)>,
    width: usize,
    count_include_pad: bool,
}

impl Windows {
    /// Averages one plane: first sums down each window's rows into one row
    /// (in f64), then across each window's columns.
    fn pool_plane(&self, plane: &[f32], out: &mut [f32]) {
        let w = self.width;
        let mut column = vec![0.0f64; w];
        for (&(y0, y1, ph), out_row) in self.rows.iter().zip(out.chunks_mut(self.cols.len())) {
            column.fill(0.0);
            for row in plane[y0 * w..y1 * w].chunks(w) {
                column.iter_mut().zip(row).for_each(|(s, &v)| *s += f64::from(v));
            }
            for (&(x0, x1, pw), y) in self.cols.iter().zip(out_row) {
                let count = if self.count_include_pad { ph * pw } else { (y1 - y0) * (x1 - x0) };
                *y = (column[x0..x1].iter().sum::<f64>() / count as f64) as f32;
            }
        }
    }
}

/// Mean over H and W of an NCHW input, one per plane into `out`.
pub(super) fn global_avg_pool(x: &ArrayD<f32>, out: &mut [f32]) -> Result<(), String> {
    if x.ndim() != 4 {
        return Err(format!("input must have rank 4, got {:?}", x.shape()));
    }
    let plane = x.shape()[2] * x.shape()[3];
    let x = x.as_standard_layout();
    let x = x.as_slice().ok_or("input is not contiguous")?;
    if out.len() * plane != x.len() {
        return Err(format!("{} planes do not fit {} results", x.len() / plane.max(1), out.len()));
    }
    for (mean, p) in out.iter_mut().zip(x.chunks(plane.max(1))) {
        *mean = (p.iter().map(|&v| f64::from(v)).sum::<f64>() / plane as f64) as f32;
    }
    Ok(())
}

/// exp(x − max) / Σ exp(x − max) along `axis`, summed in f64.
pub(super) fn softmax(x: &ArrayD<f32>, axis: usize) -> ArrayD<f32> {
    let mut out = x.clone();
    for mut lane in out.lanes_mut(Axis(axis)) {
        let max = lane.fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        lane.mapv_inplace(|v| (v - max).exp());
        let sum: f64 = lane.iter().map(|&v| f64::from(v)).sum();
        lane.mapv_inplace(|v| (f64::from(v) / sum) as f32);
    }
    out
}

/// A data-movement op, applied alike to f32 and integer tensors.
pub(super) enum Movement {
    Reshape(Vec<usize>),
    Transpose(Vec<usize>),
    Concat(usize),
}

impl Movement {
    fn apply<T: Clone>(&self, arrays: &[&ArrayD<T>]) -> Result<ArrayD<T>, String> {
        let first = arrays.first().ok_or("requires an operand")?;
        match self {
            Movement::Reshape(shape) => ArrayD::from_shape_vec(IxDyn(shape), first.iter().cloned().collect())
                .map_err(|_| format!("cannot reshape {:?} to {shape:?}", first.shape())),
            Movement::Transpose(perm) => {
                if perm.len() != first.ndim() {
                    return Err(format!("perm {perm:?} does not fit rank {}", first.ndim()));
                }
                Ok(first.view().permuted_axes(IxDyn(perm)).as_standard_layout().into_owned())
            }
            Movement::Concat(axis) => {
                let views: Vec<ArrayViewD<T>> = arrays.iter().map(|a| a.view()).collect();
                ndarray::concatenate(Axis(*axis), &views).map_err(|e| format!("cannot concatenate: {e}"))
            }
        }
    }

    pub fn run(&self, inputs: &[&Tensor]) -> Result<Tensor, String> {
        match inputs.first() {
            Some(Tensor::Int { elem, .. }) => {
                let ints =
                    inputs.iter().map(|t| t.as_int().ok_or("element types differ")).collect::<Result<Vec<_>, _>>()?;
                Ok(Tensor::Int { elem: *elem, data: self.apply(&ints)? })
            }
            _ => {
                let floats =
                    inputs.iter().map(|t| t.as_f32().ok_or("element types differ")).collect::<Result<Vec<_>, _>>()?;
                Ok(Tensor::F32(self.apply(&floats)?))
            }
        }
    }
}
