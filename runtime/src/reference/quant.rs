//! `quant.quantize` and `quant.dequantize` (ONNX QuantizeLinear and
//! DequantizeLinear: round half to even, saturate; per tensor or per axis).

use crate::Tensor;
use ndarray::{ArrayD, Dimension};
use quant_dialect::qparams::QuantParams;

/// Checks the parameters against a tensor of `shape`; returns the function
/// mapping an element's index to its channel.
fn channels(p: &QuantParams, shape: &[usize]) -> Result<impl Fn(&[usize]) -> usize, String> {
    let count = match p.axis {
        None => 1,
        Some(a) => *shape.get(a).ok_or_else(|| format!("axis {a} is out of range for shape {shape:?}"))?,
    };
    let fits = |n: usize| n == count || (p.axis.is_some() && n == 1 && count > 0);
    if p.scale.len() != count || !fits(p.zero_point.len()) {
        return Err(format!(
            "expected {count} scale and zero_point entries, got {} and {}",
            p.scale.len(),
            p.zero_point.len()
        ));
    }
    let (lo, hi) = p.storage.int_range().ok_or("the storage type must be an integer type")?;
    if !(lo <= p.qmin && p.qmin <= p.qmax && p.qmax <= hi) {
        return Err(format!("quant range [{}, {}] must lie within [{lo}, {hi}]", p.qmin, p.qmax));
    }
    let axis = p.axis;
    Ok(move |index: &[usize]| axis.map_or(0, |a| index[a]))
}

pub(super) fn quantize(x: &ArrayD<f32>, p: &QuantParams) -> Result<Tensor, String> {
    let channel = channels(p, x.shape())?;
    let mut data = ArrayD::zeros(x.raw_dim());
    for ((index, &v), q) in x.indexed_iter().zip(data.iter_mut()) {
        *q = p.quantize_value(v, channel(index.slice()));
    }
    Ok(Tensor::Int { elem: p.storage, data })
}

pub(super) fn dequantize(q: &Tensor, p: &QuantParams) -> Result<ArrayD<f32>, String> {
    let data = q.as_int().ok_or_else(|| format!("input must be an integer tensor, got {}", q.elem().name()))?;
    let channel = channels(p, data.shape())?;
    let mut out = ArrayD::zeros(data.raw_dim());
    for ((index, &v), y) in data.indexed_iter().zip(out.iter_mut()) {
        *y = p.dequantize_value(v, channel(index.slice()));
    }
    Ok(out)
}
