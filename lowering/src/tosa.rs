//! Builders for the TOSA ops the lowering uses, with MLIR 22's operand
//! conventions (zero-point operands, `!tosa.shape` operands, mul's shift).

use crate::emit::{f32_literal, Emitter, Operand, Val};

/// NCHW → NHWC and back: TOSA's convolutions and pools are channels-last.
pub const TO_NHWC: [usize; 4] = [0, 2, 3, 1];
pub const TO_NCHW: [usize; 4] = [0, 3, 1, 2];

/// The shape two rank-equal operands broadcast to (TOSA broadcasts size-1 dims).
fn broadcast(a: &[usize], b: &[usize]) -> Vec<usize> {
    a.iter().zip(b).map(|(&x, &y)| if x == 1 { y } else { x }).collect()
}

impl Emitter {
    /// A tensor of `shape` whose every element is `v`.
    pub fn splat_f32(&mut self, v: f32, shape: &[usize]) -> Val {
        self.constant(&format!("dense<{}>", f32_literal(v)), shape, "f32")
    }

    /// `v` as an all-ones-shaped tensor of `rank`, which broadcasts against anything of that rank.
    pub fn scalar_f32(&mut self, v: f32, rank: usize) -> Val {
        self.splat_f32(v, &vec![1; rank])
    }

    /// The zero point operand of float convolutions, matmuls and pools.
    pub fn float_zero_point(&mut self) -> Val {
        self.splat_f32(0.0, &[1])
    }

    pub fn transpose(&mut self, x: &Val, perm: &[usize]) -> Val {
        let shape = perm.iter().map(|&p| x.shape[p]).collect();
        let perms: Vec<String> = perm.iter().map(|p| p.to_string()).collect();
        self.op("tosa.transpose", &[x], &format!("perms = array<i32: {}>", perms.join(", ")), shape, &x.elem)
    }

    pub fn reshape(&mut self, x: &Val, shape: &[usize]) -> Val {
        let s = self.shape(shape);
        self.op("tosa.reshape", &[x, &s], "", shape.to_vec(), &x.elem)
    }

    pub fn slice(&mut self, x: &Val, start: &[usize], size: &[usize]) -> Val {
        let (start, size_val) = (self.shape(start), self.shape(size));
        self.op("tosa.slice", &[x, &start, &size_val], "", size.to_vec(), &x.elem)
    }

    pub fn tile(&mut self, x: &Val, multiples: &[usize]) -> Val {
        let shape = x.shape.iter().zip(multiples).map(|(d, m)| d * m).collect();
        let m = self.shape(multiples);
        self.op("tosa.tile", &[x, &m], "", shape, &x.elem)
    }

    /// Zero padding: `pads` holds (before, after) per dimension.
    pub fn pad_zero(&mut self, x: &Val, pads: &[(usize, usize)]) -> Val {
        let shape = x.shape.iter().zip(pads).map(|(d, (lo, hi))| d + lo + hi).collect();
        let flat: Vec<usize> = pads.iter().flat_map(|&(lo, hi)| [lo, hi]).collect();
        let p = self.shape(&flat);
        let zero = self.float_zero_point();
        self.op("tosa.pad", &[x, &p, &zero], "", shape, &x.elem)
    }

    /// An element-wise op of one operand with a result of the same type.
    pub fn unary(&mut self, name: &str, x: &Val) -> Val {
        self.op(name, &[x], "", x.shape.clone(), &x.elem)
    }

    /// An element-wise op of two rank-equal operands (broadcasting size-1 dims).
    pub fn binary(&mut self, name: &str, a: &Val, b: &Val) -> Val {
        self.op(name, &[a, b], "", broadcast(&a.shape, &b.shape), &a.elem)
    }

    /// A comparison, giving an `i1` tensor.
    pub fn compare(&mut self, name: &str, a: &Val, b: &Val) -> Val {
        self.op(name, &[a, b], "", broadcast(&a.shape, &b.shape), "i1")
    }

    /// `tosa.mul`; its shift operand must be 0 for floats.
    pub fn mul(&mut self, a: &Val, b: &Val) -> Val {
        let shift = self.constant("dense<0>", &[1], "i8");
        self.op("tosa.mul", &[a, b, &shift], "", broadcast(&a.shape, &b.shape), &a.elem)
    }

    pub fn select(&mut self, cond: &Val, a: &Val, b: &Val) -> Val {
        self.op("tosa.select", &[cond, a, b], "", a.shape.clone(), &a.elem)
    }

    pub fn clamp_f32(&mut self, x: &Val, lo: f32, hi: f32) -> Val {
        let attrs = format!("min_val = {} : f32, max_val = {} : f32", f32_literal(lo), f32_literal(hi));
        self.op("tosa.clamp", &[x], &attrs, x.shape.clone(), "f32")
    }

    pub fn clamp_i32(&mut self, x: &Val, lo: i64, hi: i64) -> Val {
        self.op("tosa.clamp", &[x], &format!("min_val = {lo} : i32, max_val = {hi} : i32"), x.shape.clone(), "i32")
    }

    /// `tosa.cast`: float → int rounds half to even and saturates; int → float rounds to nearest.
    pub fn cast(&mut self, x: &Val, elem: &str) -> Val {
        self.op("tosa.cast", &[x], "", x.shape.clone(), elem)
    }

    /// A `reduce_*` op along `axis`, keeping the axis with size 1.
    pub fn reduce(&mut self, name: &str, x: &Val, axis: usize) -> Val {
        let mut shape = x.shape.clone();
        shape[axis] = 1;
        self.op(name, &[x], &format!("axis = {axis} : i32"), shape, &x.elem)
    }

    pub fn concat(&mut self, inputs: &[Val], axis: usize) -> Val {
        let mut shape = inputs[0].shape.clone();
        shape[axis] = inputs.iter().map(|v| v.shape[axis]).sum();
        let operands: Vec<&dyn Operand> = inputs.iter().map(|v| v as &dyn Operand).collect();
        self.op("tosa.concat", &operands, &format!("axis = {axis} : i32"), shape, &inputs[0].elem)
    }

    /// A length-`C` vector reshaped to broadcast along `axis` of a rank-`rank` tensor.
    pub fn along_axis(&mut self, v: &Val, axis: usize, rank: usize) -> Val {
        let mut shape = vec![1; rank];
        shape[axis] = v.shape[0];
        self.reshape(v, &shape)
    }
}
