//! `quant.batch_norm`, computed in f64: inference mode with the op's running
//! statistics, and training mode with the batch's own (for BN tuning).

use super::op::vector;
use ndarray::ArrayD;

/// The statistics of one batch_norm's input over one batch, per channel:
/// mean and biased variance over N (and H, W), and how many values each
/// channel had (to derive the unbiased variance).
#[derive(Clone, Debug, PartialEq)]
pub struct BatchStats {
    pub mean: Vec<f64>,
    pub var: Vec<f64>,
    pub count: usize,
}

fn check_rank(x: &ArrayD<f32>) -> Result<usize, String> {
    if x.ndim() != 2 && x.ndim() != 4 {
        return Err(format!("input must have rank 2 or 4, got shape {:?}", x.shape()));
    }
    Ok(x.shape()[1])
}

/// y = (x − mean) / sqrt(var + ε) · γ + β over axis 1.
fn normalize(x: &ArrayD<f32>, gamma: &[f64], beta: &[f64], mean: &[f64], var: &[f64], epsilon: f64) -> ArrayD<f32> {
    let mut out = x.clone();
    for (index, y) in out.indexed_iter_mut() {
        let ch = index[1];
        let normalized = (*y as f64 - mean[ch]) / (var[ch] + epsilon).sqrt();
        *y = (normalized * gamma[ch] + beta[ch]) as f32;
    }
    out
}

fn widen(v: ndarray::ArrayView1<f32>) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

/// Inference mode. `params` are γ, β, mean, var.
pub(super) fn batch_norm(x: &ArrayD<f32>, params: [&ArrayD<f32>; 4], epsilon: f64) -> Result<ArrayD<f32>, String> {
    let c = check_rank(x)?;
    let names = ["scale", "bias", "mean", "var"];
    let [gamma, beta, mean, var] = [0, 1, 2, 3].map(|i| vector(params[i], c, names[i]).map(widen));
    Ok(normalize(x, &gamma?, &beta?, &mean?, &var?, epsilon))
}

/// Training mode: normalizes with the batch's mean and biased variance
/// (PyTorch's BatchNorm forward in training) and returns them.
pub(super) fn batch_norm_training(
    x: &ArrayD<f32>,
    gamma: &ArrayD<f32>,
    beta: &ArrayD<f32>,
    epsilon: f64,
) -> Result<(ArrayD<f32>, BatchStats), String> {
    let c = check_rank(x)?;
    let (gamma, beta) = (widen(vector(gamma, c, "scale")?), widen(vector(beta, c, "bias")?));
    let count = x.len() / c.max(1);
    if count == 0 {
        return Err("training-mode batch_norm needs a non-empty batch".into());
    }
    let (mut sum, mut sq) = (vec![0f64; c], vec![0f64; c]);
    for (index, &v) in x.indexed_iter() {
        sum[index[1]] += f64::from(v);
    }
    let mean: Vec<f64> = sum.iter().map(|s| s / count as f64).collect();
    // Two passes: the variance from centered values does not cancel catastrophically.
    for (index, &v) in x.indexed_iter() {
        let d = f64::from(v) - mean[index[1]];
        sq[index[1]] += d * d;
    }
    let var: Vec<f64> = sq.iter().map(|s| s / count as f64).collect();
    let y = normalize(x, &gamma, &beta, &mean, &var, epsilon);
    Ok((y, BatchStats { mean, var, count }))
}
