//! Activations, batch_norm and softmax as compositions of TOSA element-wise
//! ops, following the formulas of docs/dialect.md.

use crate::emit::{Emitter, Val};
use std::f32::consts::{FRAC_1_SQRT_2, FRAC_2_PI};

/// The activations, with their attributes read as f32.
pub type Activation = quant_dialect::views::Activation<f32>;

pub fn activation(em: &mut Emitter, act: &Activation, x: &Val) -> Val {
    let rank = x.rank();
    match *act {
        Activation::Relu => em.clamp_f32(x, 0.0, f32::MAX),
        Activation::Relu6 => em.clamp_f32(x, 0.0, 6.0),
        // ONNX Clip: with min > max every value becomes max; TOSA wants min <= max.
        Activation::Clip { min, max } => em.clamp_f32(x, min.min(max), max),
        Activation::Sigmoid => em.unary("tosa.sigmoid", x),
        Activation::Silu => {
            let s = em.unary("tosa.sigmoid", x);
            em.mul(x, &s)
        }
        Activation::Mish => {
            // x · tanh(ln(1 + eˣ)); for large x, eˣ = inf and tanh(inf) = 1.
            let e = em.unary("tosa.exp", x);
            let one = em.scalar_f32(1.0, rank);
            let e1 = em.binary("tosa.add", &e, &one);
            let softplus = em.unary("tosa.log", &e1);
            let t = em.unary("tosa.tanh", &softplus);
            em.mul(x, &t)
        }
        Activation::LeakyRelu { alpha } => {
            let zero = em.scalar_f32(0.0, rank);
            let alpha = em.scalar_f32(alpha, rank);
            let scaled = em.mul(x, &alpha);
            let non_negative = em.compare("tosa.greater_equal", x, &zero);
            em.select(&non_negative, x, &scaled)
        }
        Activation::HardSigmoid { alpha, beta } => {
            let (alpha, beta) = (em.scalar_f32(alpha, rank), em.scalar_f32(beta, rank));
            let ax = em.mul(x, &alpha);
            let y = em.binary("tosa.add", &ax, &beta);
            em.clamp_f32(&y, 0.0, 1.0)
        }
        Activation::Gelu { tanh } => {
            // 0.5·x·(1 + erf(x/√2)), or 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
            let inner = if tanh {
                let cube = em.mul(x, x);
                let cube = em.mul(&cube, x);
                let k = em.scalar_f32(0.044715, rank);
                let kc = em.mul(&cube, &k);
                let sum = em.binary("tosa.add", x, &kc);
                let c = em.scalar_f32(FRAC_2_PI.sqrt(), rank);
                let arg = em.mul(&sum, &c);
                em.unary("tosa.tanh", &arg)
            } else {
                let c = em.scalar_f32(FRAC_1_SQRT_2, rank);
                let arg = em.mul(x, &c);
                em.unary("tosa.erf", &arg)
            };
            let one = em.scalar_f32(1.0, rank);
            let half = em.scalar_f32(0.5, rank);
            let plus = em.binary("tosa.add", &inner, &one);
            let hx = em.mul(x, &half);
            em.mul(&hx, &plus)
        }
    }
}

/// Inference batch_norm: (x − mean) · (γ / √(var + ε)) + β, per channel (axis 1).
pub fn batch_norm(em: &mut Emitter, inputs: &[Val], epsilon: f32) -> Val {
    let x = &inputs[0];
    let rank = x.rank();
    let [gamma, beta, mean, var] = [1, 2, 3, 4].map(|i| em.along_axis(&inputs[i], 1, rank));
    let eps = em.scalar_f32(epsilon, rank);
    let shifted_var = em.binary("tosa.add", &var, &eps);
    let inv_std = em.unary("tosa.rsqrt", &shifted_var);
    let scale = em.mul(&gamma, &inv_std);
    let centered = em.binary("tosa.sub", x, &mean);
    let scaled = em.mul(&centered, &scale);
    em.binary("tosa.add", &scaled, &beta)
}

/// exp(x − max) / Σ exp(x − max) along `axis`.
pub fn softmax(em: &mut Emitter, x: &Val, axis: usize) -> Val {
    let max = em.reduce("tosa.reduce_max", x, axis);
    let centered = em.binary("tosa.sub", x, &max);
    let e = em.unary("tosa.exp", &centered);
    let sum = em.reduce("tosa.reduce_sum", &e, axis);
    let inv = em.unary("tosa.reciprocal", &sum);
    em.mul(&e, &inv)
}
