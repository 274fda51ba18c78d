//! `quant.batch_norm` in inference mode, computed in f64.

use super::op::vector;
use ndarray::ArrayD;

/// y = (x − mean) / sqrt(var + ε) · γ + β over axis 1 of a rank-2 or rank-4 input.
/// `params` are γ, β, mean, var.
pub(super) fn batch_norm(x: &ArrayD<f32>, params: [&ArrayD<f32>; 4], epsilon: f64) -> Result<ArrayD<f32>, String> {
    if x.ndim() != 2 && x.ndim() != 4 {
        return Err(format!("input must have rank 2 or 4, got shape {:?}", x.shape()));
    }
    let c = x.shape()[1];
    let names = ["scale", "bias", "mean", "var"];
    let [gamma, beta, mean, var] = [0, 1, 2, 3].map(|i| vector(params[i], c, names[i]));
    let (gamma, beta, mean, var) = (gamma?, beta?, mean?, var?);
    let mut out = x.clone();
    for (index, y) in out.indexed_iter_mut() {
        let ch = index[1];
        let normalized = (*y as f64 - mean[ch] as f64) / (var[ch] as f64 + epsilon).sqrt();
        *y = (normalized * gamma[ch] as f64 + beta[ch] as f64) as f32;
    }
    Ok(out)
}
