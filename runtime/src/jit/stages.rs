//! Element-wise stages: the body of element-wise kernels and the fused
//! epilogue of conv2d/linear. A chain of stages maps one vector of f32 (or,
//! after a quantize, i32) lanes to the next.

use super::ir::{Elem, Ir, Lanes, Res};
use inkwell::{
    values::{PointerValue, VectorValue},
    FloatPredicate,
};

/// A one-input f32 activation; float attributes are kept as bits so
/// that kernels can be keyed by them.
pub(super) type Unary = quant_dialect::views::Activation<u32>;

/// One stage and the buffers it reads (after the kernel's own buffers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Stage {
    Unary(Unary),
    /// x·scale[c] + shift[c]: inference batch norm. Buffers: scale, shift.
    Affine,
    /// x + other, `other` laid out as the output. Buffer: other.
    Residual,
    /// ONNX QuantizeLinear, f32 → i32 lanes. Buffers: scale, zero point (f32).
    Quantize {
        per_channel: bool,
        qmin: i64,
        qmax: i64,
    },
    /// ONNX DequantizeLinear, i32 → f32 lanes. Buffers: scale, zero point (f32).
    Dequantize {
        per_channel: bool,
    },
}

impl Stage {
    /// How many buffers the stage reads.
    pub fn buffers(self) -> usize {
        match self {
            Stage::Unary(_) => 0,
            Stage::Residual => 1,
            Stage::Affine | Stage::Quantize { .. } | Stage::Dequantize { .. } => 2,
        }
    }

    /// Whether its parameters have one entry per channel (else one per tensor).
    pub fn per_channel(self) -> bool {
        match self {
            Stage::Affine => true,
            Stage::Quantize { per_channel, .. } | Stage::Dequantize { per_channel } => per_channel,
            Stage::Unary(_) | Stage::Residual => false,
        }
    }

    /// The lane type a stage takes, and the one it gives.
    pub fn elems(self) -> (Elem, Elem) {
        match self {
            Stage::Quantize { .. } => (Elem::F32, Elem::I32),
            Stage::Dequantize { .. } => (Elem::I32, Elem::F32),
            _ => (Elem::F32, Elem::F32),
        }
    }
}

/// Element type and minimum length of the buffers `stages` read, in order,
/// for a kernel writing `output_len` elements over `channels` channels: a
/// residual is laid out as the output; other parameters have one value per
/// channel or one in all.
pub(super) fn buffers(stages: &[Stage], output_len: usize, channels: usize) -> Vec<(Elem, usize)> {
    let len = |stage: &Stage| match stage {
        Stage::Residual => output_len,
        s if s.per_channel() => channels,
        _ => 1,
    };
    stages.iter().flat_map(|stage| std::iter::repeat_n((Elem::F32, len(stage)), stage.buffers())).collect()
}

/// The lane type at the end of `stages` applied to `input` lanes.
pub(super) fn output_elem(stages: &[Stage], input: Elem) -> Elem {
    stages.last().map_or(input, |s| s.elems().1)
}

/// Where the lanes being computed sit: `channels` indexes per-channel
/// parameters, `elements` the residual operands.
pub(super) struct Place<'p, 'ctx> {
    pub channels: &'p Lanes<'ctx>,
    pub elements: &'p Lanes<'ctx>,
}

/// Applies `stages` to `x`; `buffers` are the stages' buffers in order.
pub(super) fn emit<'ctx>(
    ir: &Ir<'ctx>,
    stages: &[Stage],
    buffers: &[PointerValue<'ctx>],
    place: &Place<'_, 'ctx>,
    mut x: VectorValue<'ctx>,
) -> Res<VectorValue<'ctx>> {
    let width = x.get_type().get_size();
    let mut next_buffer = buffers.iter();
    for &stage in stages {
        let mut param = || -> Res<VectorValue<'ctx>> {
            let buffer = *next_buffer.next().expect("the kernel passes one buffer per stage parameter");
            let per_tensor = Lanes { base: ir.int(0), stride: 0, valid: width };
            let lanes = if stage.per_channel() { place.channels } else { &per_tensor };
            let lanes = if stage == Stage::Residual { place.elements } else { lanes };
            ir.load_lanes(Elem::F32, buffer, lanes, width)
        };
        x = match stage {
            Stage::Unary(u) => unary(ir, u, x)?,
            Stage::Affine => {
                let (scale, shift) = (param()?, param()?);
                ir.fma(x, scale, shift)?
            }
            Stage::Residual => ir.b.build_float_add(x, param()?, "")?,
            Stage::Quantize { qmin, qmax, .. } => {
                let (scale, zero) = (param()?, param()?);
                let scaled = ir.b.build_float_div(x, scale, "")?;
                let rounded = ir.intrinsic("llvm.roundeven", x.get_type().into(), &[scaled.into()])?;
                let q = ir.b.build_float_add(rounded.into_vector_value(), zero, "")?;
                // Compare-and-select keeps NaN, which `to_int` maps to 0
                // (as the reference does).
                let q = ir.select_if(
                    FloatPredicate::OLT,
                    q,
                    ir.splat_f32(qmin as f64, width)?,
                    ir.splat_f32(qmin as f64, width)?,
                )?;
                let q = ir.select_if(
                    FloatPredicate::OGT,
                    q,
                    ir.splat_f32(qmax as f64, width)?,
                    ir.splat_f32(qmax as f64, width)?,
                )?;
                to_int(ir, q)?
            }
            Stage::Dequantize { .. } => {
                let (scale, zero) = (param()?, param()?);
                let q = ir.b.build_signed_int_to_float(x, ir.f32.vec_type(width), "")?;
                ir.b.build_float_mul(ir.b.build_float_sub(q, zero, "")?, scale, "")?
            }
        };
    }
    Ok(x)
}

fn unary<'ctx>(ir: &Ir<'ctx>, u: Unary, x: VectorValue<'ctx>) -> Res<VectorValue<'ctx>> {
    let width = x.get_type().get_size();
    let c = |v: f64| ir.splat_f32(v, width);
    let bits = |b: u32| f32::from_bits(b) as f64;
    let zero = c(0.0)?;
    Ok(match u {
        // Compare-and-select keeps NaN, as the reference's clamp does.
        Unary::Relu => ir.select_if(FloatPredicate::OLT, x, zero, zero)?,
        Unary::Relu6 => {
            let low = ir.select_if(FloatPredicate::OLT, x, zero, zero)?;
            ir.select_if(FloatPredicate::OGT, low, c(6.0)?, c(6.0)?)?
        }
        Unary::Sigmoid => sigmoid(ir, x)?,
        Unary::Silu => ir.b.build_float_mul(x, sigmoid(ir, x)?, "")?,
        Unary::Mish => ir.b.build_float_mul(x, tanh(ir, softplus(ir, x)?)?, "")?,
        Unary::LeakyRelu { alpha } => {
            let scaled = ir.b.build_float_mul(x, c(bits(alpha))?, "")?;
            ir.select_if(FloatPredicate::OLT, x, zero, scaled)?
        }
        Unary::HardSigmoid { alpha, beta } => {
            let y = ir.fma(x, c(bits(alpha))?, c(bits(beta))?)?;
            let low = ir.select_if(FloatPredicate::OLT, y, zero, zero)?;
            ir.select_if(FloatPredicate::OGT, low, c(1.0)?, c(1.0)?)?
        }
        Unary::Gelu { tanh: false } => {
            let y = ir.b.build_float_mul(x, c(std::f64::consts::FRAC_1_SQRT_2)?, "")?;
            let half_x = ir.b.build_float_mul(x, c(0.5)?, "")?;
            ir.b.build_float_mul(half_x, one_plus_erf(ir, y)?, "")?
        }
        // 0.5·x·(1 + tanh(u)) as x·sigmoid(2u): the same, without 1 + tanh
        // cancelling to 0 where u is very negative.
        Unary::Gelu { tanh: true } => {
            let cube = ir.b.build_float_mul(ir.b.build_float_mul(x, x, "")?, x, "")?;
            let inner = ir.fma(cube, c(0.044715)?, x)?;
            let two_u = ir.b.build_float_mul(inner, c(2.0 * (2.0 / std::f64::consts::PI).sqrt())?, "")?;
            ir.b.build_float_mul(x, sigmoid(ir, two_u)?, "")?
        }
        // ONNX Clip: NaN becomes max (as f64::min does); min > max gives max.
        Unary::Clip { min, max } => {
            let low = ir.select_if(FloatPredicate::OLT, x, c(bits(min))?, c(bits(min))?)?;
            ir.intrinsic("llvm.minnum", x.get_type().into(), &[low.into(), c(bits(max))?.into()])?.into_vector_value()
        }
    })
}

/// 1 + erf(y) on whole vectors, as erfc(−y) (libm's erff would run per
/// lane): erfc(|y|) ≈ t·e^(P(t) − y²) with t = 1/(1 + |y|/2) and P of
/// degree 9 (the Chebyshev fit of Numerical Recipes' `erfcc`, fractional
/// error below 1.2e-7); erfc(−y) is 2 − erfc(|y|) for y ≥ 0. Keeping
/// erfc, not 1 + erf, keeps its relative accuracy where gelu is tiny.
fn one_plus_erf<'ctx>(ir: &Ir<'ctx>, y: VectorValue<'ctx>) -> Res<VectorValue<'ctx>> {
    const P: [f64; 10] = [
        0.17087277,
        -0.82215223,
        1.48851587,
        -1.13520398,
        0.27886807,
        -0.18628806,
        0.09678418,
        0.37409196,
        1.00002368,
        -1.26551223,
    ];
    let c = |v: f64| ir.splat_f32(v, y.get_type().get_size());
    let z = ir.intrinsic("llvm.fabs", y.get_type().into(), &[y.into()])?.into_vector_value();
    let t = ir.b.build_float_div(c(1.0)?, ir.fma(z, c(0.5)?, c(1.0)?)?, "")?;
    let mut p = c(P[0])?;
    for k in &P[1..] {
        p = ir.fma(p, t, c(*k)?)?;
    }
    let minus_z = ir.b.build_float_neg(z, "")?;
    let erfc = ir.b.build_float_mul(t, exp(ir, ir.fma(minus_z, z, p)?)?, "")?;
    let two_minus = ir.b.build_float_sub(c(2.0)?, erfc, "")?;
    let non_negative = ir.b.build_float_compare(FloatPredicate::OGE, y, c(0.0)?, "")?;
    Ok(ir.b.build_select(non_negative, two_minus, erfc, "")?.into_vector_value())
}

/// e^x on whole vectors (LLVM turns `llvm.exp` of a vector into one libm
/// call per lane). x = n·ln2 + r with |r| ≤ ln2/2; e^r from Cephes' expf
/// polynomial (about 1 ulp); 2^n = 2^⌊n/2⌋ · 2^(n−⌊n/2⌋), two normal
/// powers built from exponent bits, so that the product overflows to +inf
/// and underflows through the subnormals as e^x does. x is clamped to
/// [-104, 89] first, beyond which e^x is 0 or +inf in f32; NaN stays NaN.
fn exp<'ctx>(ir: &Ir<'ctx>, x: VectorValue<'ctx>) -> Res<VectorValue<'ctx>> {
    let width = x.get_type().get_size();
    let c = |v: f64| ir.splat_f32(v, width);
    let x = ir.select_if(FloatPredicate::OLT, x, c(-104.0)?, c(-104.0)?)?;
    let x = ir.select_if(FloatPredicate::OGT, x, c(89.0)?, c(89.0)?)?;
    let n = ir.b.build_float_mul(x, c(std::f64::consts::LOG2_E)?, "")?;
    let n = ir.intrinsic("llvm.roundeven", x.get_type().into(), &[n.into()])?.into_vector_value();
    // ln2 in two parts: n·LN2_HI is exact, so r keeps its low bits.
    let r = ir.fma(n, c(-0.693359375)?, x)?;
    let r = ir.fma(n, c(2.12194440e-4)?, r)?;
    let coefficients = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1];
    let mut p = c(coefficients[0])?;
    for k in &coefficients[1..] {
        p = ir.fma(p, r, c(*k)?)?;
    }
    let p = ir.fma(p, r, c(5.0000001201e-1)?)?;
    let r2 = ir.b.build_float_mul(r, r, "")?;
    let y = ir.fma(p, r2, ir.b.build_float_add(r, c(1.0)?, "")?)?;
    let n = to_int(ir, n)?;
    let int = |v: u64| ir.splat(ir.i32.const_int(v, false).into(), width);
    let half = ir.b.build_right_shift(n, int(1)?, true, "")?;
    let mut y = y;
    for power in [half, ir.b.build_int_sub(n, half, "")?] {
        let bits = ir.b.build_left_shift(ir.b.build_int_add(power, int(127)?, "")?, int(23)?, "")?;
        let scale = ir.b.build_bit_cast(bits, x.get_type(), "")?.into_vector_value();
        y = ir.b.build_float_mul(y, scale, "")?;
    }
    Ok(y)
}

/// Whole numbers within i32's range, or NaN (as 0), to i32 lanes. A plain
/// conversion once NaN is out of the way: `llvm.fptosi.sat` would do the
/// same, but LLVM expands it lane by lane with branches on AVX2, which
/// made a conv with three fused Q/DQ pairs 5× slower than without them.
fn to_int<'ctx>(ir: &Ir<'ctx>, x: VectorValue<'ctx>) -> Res<VectorValue<'ctx>> {
    let width = x.get_type().get_size();
    let x = ir.select_if(FloatPredicate::UNO, x, x, ir.splat_f32(0.0, width)?)?;
    ir.b.build_float_to_signed_int(x, ir.i32.vec_type(width), "")
}

/// ln(1 + e^x) on whole vectors (libm's log1pf would run per lane), as
/// max(x, 0) + ln(1 + u) with u = e^(−|x|) in (0, 1]: ln(1 + u) =
/// 2·atanh(s) with s = u/(2 + u) ≤ 1/3, the odd series of atanh to s¹⁷
/// (relative error below 1e-9), accurate for the tiniest u too. NaN stays
/// NaN.
fn softplus<'ctx>(ir: &Ir<'ctx>, x: VectorValue<'ctx>) -> Res<VectorValue<'ctx>> {
    let c = |v: f64| ir.splat_f32(v, x.get_type().get_size());
    let a = ir.intrinsic("llvm.fabs", x.get_type().into(), &[x.into()])?.into_vector_value();
    let u = exp(ir, ir.b.build_float_neg(a, "")?)?;
    let s = ir.b.build_float_div(u, ir.b.build_float_add(u, c(2.0)?, "")?, "")?;
    let s2 = ir.b.build_float_mul(s, s, "")?;
    let mut p = c(1.0 / 17.0)?;
    for k in (0..8).rev() {
        p = ir.fma(p, s2, c(1.0 / (2 * k + 1) as f64)?)?;
    }
    let log1p = ir.b.build_float_mul(ir.b.build_float_add(s, s, "")?, p, "")?;
    let positive = ir.select_if(FloatPredicate::OLT, x, c(0.0)?, c(0.0)?)?;
    ir.b.build_float_add(positive, log1p, "")
}

/// tanh on whole vectors (LLVM calls tanhf per lane), for mish: from
/// |x| = 1/4 on, 1 − 2/(e^(2|x|) + 1) with the sign of x (e^(2|x|)
/// overflowing to +∞ gives ±1); below, where that form cancels, the odd
/// Taylor series to x⁹ (relative error below 1e-8 at 1/4).
fn tanh<'ctx>(ir: &Ir<'ctx>, x: VectorValue<'ctx>) -> Res<VectorValue<'ctx>> {
    let c = |v: f64| ir.splat_f32(v, x.get_type().get_size());
    let a = ir.intrinsic("llvm.fabs", x.get_type().into(), &[x.into()])?.into_vector_value();
    let e = exp(ir, ir.b.build_float_add(a, a, "")?)?;
    let far =
        ir.b.build_float_sub(c(1.0)?, ir.b.build_float_div(c(2.0)?, ir.b.build_float_add(e, c(1.0)?, "")?, "")?, "")?;
    let far = ir.intrinsic("llvm.copysign", x.get_type().into(), &[far.into(), x.into()])?.into_vector_value();
    let x2 = ir.b.build_float_mul(x, x, "")?;
    let mut p = c(62.0 / 2835.0)?;
    for k in [-17.0 / 315.0, 2.0 / 15.0, -1.0 / 3.0, 1.0] {
        p = ir.fma(p, x2, c(k)?)?;
    }
    let near = ir.b.build_float_mul(x, p, "")?;
    let small = ir.b.build_float_compare(FloatPredicate::OLT, a, c(0.25)?, "")?;
    Ok(ir.b.build_select(small, near, far, "")?.into_vector_value())
}

fn sigmoid<'ctx>(ir: &Ir<'ctx>, x: VectorValue<'ctx>) -> Res<VectorValue<'ctx>> {
    let one = ir.splat_f32(1.0, x.get_type().get_size())?;
    let e = exp(ir, ir.b.build_float_neg(x, "")?)?;
    ir.b.build_float_div(one, ir.b.build_float_add(one, e, "")?, "")
}
