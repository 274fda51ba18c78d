//! Element-wise ops and softmax, computed in f64 and rounded once to f32.

use ndarray::{ArrayD, Axis};
use quant_dialect::views::normalize_axis;
use std::f64::consts::PI;

/// One-input element-wise ops, with their attributes (decoded by the dialect crate).
pub(super) use quant_dialect::views::Activation as Unary;

/// Clamps to [lo, hi], keeping NaN (as PyTorch does).
fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn scalar(u: Unary, x: f64) -> f64 {
    match u {
        Unary::Relu => clamp(x, 0.0, f64::INFINITY),
        Unary::Relu6 => clamp(x, 0.0, 6.0),
        Unary::Sigmoid => sigmoid(x),
        Unary::Silu => x * sigmoid(x),
        // softplus(x) = ln(1 + eˣ); for large x it is +inf and tanh gives 1.
        Unary::Mish => x * x.exp().ln_1p().tanh(),
        Unary::LeakyRelu { alpha } => {
            if x < 0.0 {
                alpha * x
            } else {
                x
            }
        }
        Unary::HardSigmoid { alpha, beta } => clamp(alpha * x + beta, 0.0, 1.0),
        Unary::Gelu { tanh: false } => 0.5 * x * (1.0 + libm::erf(x / 2f64.sqrt())),
        Unary::Gelu { tanh: true } => 0.5 * x * (1.0 + ((2.0 / PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh()),
        // ONNX Clip: with min > max every value becomes max.
        Unary::Clip { min, max } => clamp(x, min, f64::INFINITY).min(max),
    }
}

pub(super) fn apply(u: Unary, x: &ArrayD<f32>) -> ArrayD<f32> {
    x.mapv(|v| scalar(u, v as f64) as f32)
}

pub(super) fn add(a: &ArrayD<f32>, b: &ArrayD<f32>) -> Result<ArrayD<f32>, String> {
    if a.shape() != b.shape() {
        return Err(format!("operand shapes differ: {:?} and {:?}", a.shape(), b.shape()));
    }
    Ok(a + b)
}

/// exp(x − max) / Σ exp(x − max) along `axis`.
pub(super) fn softmax(x: &ArrayD<f32>, axis: i64) -> Result<ArrayD<f32>, String> {
    let axis =
        normalize_axis(axis, x.ndim()).ok_or_else(|| format!("axis {axis} is out of range for rank {}", x.ndim()))?;
    let mut out = x.clone();
    for mut lane in out.lanes_mut(Axis(axis)) {
        let max = lane.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(v as f64));
        let exps: Vec<f64> = lane.iter().map(|&v| (v as f64 - max).exp()).collect();
        let sum: f64 = exps.iter().sum();
        lane.iter_mut().zip(&exps).for_each(|(y, e)| *y = (e / sum) as f32);
    }
    Ok(out)
}
