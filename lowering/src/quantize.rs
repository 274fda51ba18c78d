//! `quant.quantize` / `quant.dequantize` as exact arithmetic, ONNX's rules:
//! q = clamp(round_half_even(x / s) + z, qmin, qmax) and x = (q − z) · s.
//!
//! The division is `arith.divf` (TOSA has no float division, and x · (1/s)
//! can differ from x / s in the last bit). `tosa.cast` f32 → i32 rounds half
//! to even; clamping x / s first to integer bounds keeps that cast and the
//! zero-point add in range without changing the result. The storage type is
//! reached with `arith.trunci` (values are in range by then), and `ui8`, which
//! arith does not compute on, with `tensor.bitcast` from `i8`.

use crate::emit::{f32_literal, Emitter, Val};
use quant_dialect::{qparams::QuantParams, tensor::ElemType};

fn vector(em: &mut Emitter, literals: Vec<String>, elem: &str) -> Val {
    let len = literals.len();
    em.constant(&format!("dense<[{}]>", literals.join(", ")), &[len], elem)
}

/// The scales as a tensor that broadcasts against `x` (rank-equal).
fn scales(em: &mut Emitter, p: &QuantParams, x: &Val) -> Val {
    match p.axis {
        None => em.scalar_f32(p.scale[0], x.rank()),
        Some(axis) => {
            let v = vector(em, p.scale.iter().map(|&s| f32_literal(s)).collect(), "f32");
            em.along_axis(&v, axis, x.rank())
        }
    }
}

/// The zero points as a broadcasting i32 tensor, or `None` when all are 0.
fn zero_points(em: &mut Emitter, p: &QuantParams, rank: usize) -> Option<Val> {
    if p.zero_point.iter().all(|&z| z == 0) {
        return None;
    }
    Some(match p.axis {
        Some(axis) if p.zero_point.len() > 1 => {
            let v = vector(em, p.zero_point.iter().map(|z| z.to_string()).collect(), "i32");
            em.along_axis(&v, axis, rank)
        }
        _ => em.constant(&format!("dense<{}>", p.zero_point[0]), &vec![1; rank], "i32"),
    })
}

/// The f32 nearest to the integer `v` on its inner side (at most `v` when
/// `upper`, at least `v` otherwise): i32 bounds are not all representable.
fn inner_f32(v: i64, upper: bool) -> f32 {
    let f = v as f32;
    let outside = if upper { f as f64 > v as f64 } else { (f as f64) < v as f64 };
    if !outside {
        return f;
    }
    let toward_zero = (f > 0.0) == upper;
    f32::from_bits(if toward_zero { f.to_bits() - 1 } else { f.to_bits() + 1 })
}

pub fn quantize(em: &mut Emitter, p: &QuantParams, x: &Val) -> Val {
    let rank = x.rank();
    // arith.divf does not broadcast: the scales take x's full shape.
    let s_full = if p.axis.is_some() {
        let s = scales(em, p, x);
        let multiples: Vec<usize> = x.shape.iter().zip(&s.shape).map(|(d, sd)| d / sd).collect();
        em.tile(&s, &multiples)
    } else {
        em.splat_f32(p.scale[0], &x.shape)
    };
    let y = em.op("arith.divf", &[x, &s_full], "", x.shape.clone(), "f32");
    // round(clamp(y, a, b)) = clamp(round(y), a, b) for integer a, b; these
    // bounds also keep round(y) + z inside i32.
    let (zmin, zmax) =
        p.zero_point.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &z| (lo.min(z.into()), hi.max(z.into())));
    let lo = (p.qmin - zmax).max(i64::from(i32::MIN) - zmin);
    let hi = (p.qmax - zmin).min(i64::from(i32::MAX) - zmax);
    let y = em.clamp_f32(&y, inner_f32(lo, false), inner_f32(hi, true));
    let mut q = em.cast(&y, "i32");
    if let Some(z) = zero_points(em, p, rank) {
        q = em.binary("tosa.add", &q, &z);
    }
    let q = em.clamp_i32(&q, p.qmin, p.qmax);
    match p.storage {
        ElemType::I8 | ElemType::U8 => {
            let narrow = em.op("arith.trunci", &[&q], "", q.shape.clone(), "i8");
            if p.storage == ElemType::U8 {
                em.op("tensor.bitcast", &[&narrow], "", q.shape.clone(), "ui8")
            } else {
                narrow
            }
        }
        _ => q,
    }
}

pub fn dequantize(em: &mut Emitter, p: &QuantParams, q: &Val) -> Val {
    let rank = q.rank();
    let wide = match p.storage {
        ElemType::I8 => em.op("arith.extsi", &[q], "", q.shape.clone(), "i32"),
        ElemType::U8 => {
            let signless = em.op("tensor.bitcast", &[q], "", q.shape.clone(), "i8");
            em.op("arith.extui", &[&signless], "", q.shape.clone(), "i32")
        }
        _ => q.clone(),
    };
    let centered = match zero_points(em, p, rank) {
        Some(z) => em.binary("tosa.sub", &wide, &z),
        None => wide,
    };
    let f = em.cast(&centered, "f32");
    let s = scales(em, p, &f);
    em.mul(&f, &s)
}

#[cfg(test)]
mod tests {
    use super::inner_f32;

    #[test]
    fn bounds_stay_inside_the_integer_range() {
        assert_eq!(inner_f32(127, true), 127.0);
        assert!((inner_f32(i32::MAX as i64, true) as f64) <= i32::MAX as f64);
        assert!((inner_f32(i32::MIN as i64 + 3, false) as f64) >= i32::MIN as f64 + 3.0);
        assert!((inner_f32(-(i32::MAX as i64) + 5, true) as f64) <= -(i32::MAX as f64) + 5.0);
    }
}
