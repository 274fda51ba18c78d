//! `quant.conv2d` and `quant.linear`, accumulating in f64.

use super::{
    op::{rank_error, vector},
    window::source,
};
use ndarray::{Array2, Array4, ArrayD, Ix2, Ix4};
use quant_dialect::views::Conv2dAttrs;

pub(super) fn conv2d(
    x: &ArrayD<f32>,
    w: &ArrayD<f32>,
    bias: Option<&ArrayD<f32>>,
    a: &Conv2dAttrs,
) -> Result<ArrayD<f32>, String> {
    let x = x.view().into_dimensionality::<Ix4>().map_err(|_| rank_error("input", 4, x.shape()))?;
    let w = w.view().into_dimensionality::<Ix4>().map_err(|_| rank_error("weight", 4, w.shape()))?;
    let (n, c, h, wd) = x.dim();
    let (o, cg, kh, kw) = w.dim();
    let g = a.groups;
    if cg * g != c || o % g != 0 {
        return Err(format!("weight shape {:?} does not fit {c} input channels in {g} groups", w.shape()));
    }
    let bias = bias.map(|b| vector(b, o, "bias")).transpose()?;
    if kh == 0 || kw == 0 {
        return Err(format!("kernel must not be empty, got weight shape {:?}", w.shape()));
    }
    let [ho, wo] = a
        .output_hw(h, wd, kh, kw)
        .ok_or_else(|| format!("the {kh}x{kw} kernel (dilated) does not fit the padded {h}x{wd} input"))?;
    let per_group = o / g;
    let out = Array4::from_shape_fn((n, o, ho, wo), |(b, oc, oy, ox)| {
        let first_channel = oc / per_group * cg;
        let mut acc = bias.map_or(0.0, |bias| bias[oc] as f64);
        for ci in 0..cg {
            for ky in 0..kh {
                let Some(iy) = source(oy, ky, a.strides[0], a.dilations[0], a.padding[0], h) else { continue };
                for kx in 0..kw {
                    let Some(ix) = source(ox, kx, a.strides[1], a.dilations[1], a.padding[1], wd) else { continue };
                    acc += x[[b, first_channel + ci, iy, ix]] as f64 * w[[oc, ci, ky, kx]] as f64;
                }
            }
        }
        acc as f32
    });
    Ok(out.into_dyn())
}

/// y = x·wᵀ + b.
pub(super) fn linear(x: &ArrayD<f32>, w: &ArrayD<f32>, bias: Option<&ArrayD<f32>>) -> Result<ArrayD<f32>, String> {
    let x = x.view().into_dimensionality::<Ix2>().map_err(|_| rank_error("input", 2, x.shape()))?;
    let w = w.view().into_dimensionality::<Ix2>().map_err(|_| rank_error("weight", 2, w.shape()))?;
    let ((n, k), (m, kw)) = (x.dim(), w.dim());
    if k != kw {
        return Err(format!("weight shape {:?} does not match input shape {:?}", w.shape(), x.shape()));
    }
    let bias = bias.map(|b| vector(b, m, "bias")).transpose()?;
    let out = Array2::from_shape_fn((n, m), |(row, col)| {
        let dot: f64 = (0..k).map(|i| x[[row, i]] as f64 * w[[col, i]] as f64).sum();
        (dot + bias.map_or(0.0, |bias| bias[col] as f64)) as f32
    });
    Ok(out.into_dyn())
}
