//! Average pooling by a plain Rust loop, its planes split over the
//! workers: rare in the models served, so JIT'ing it gains little, but the
//! interpreter's one window at a time is slow on large planes. (Other ops
//! the JIT does not compile run through the interpreter's code.)

use ndarray::ArrayD;
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
