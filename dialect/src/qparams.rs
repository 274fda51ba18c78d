//! Quantization parameters of `quant.quantize` / `quant.dequantize`.

use crate::{
    attrs,
    tensor::{ConstTensor, ElemType, TensorType},
};
use melior::{
    ir::{
        attribute::{DenseElementsAttribute, FloatAttribute, IntegerAttribute},
        operation::OperationLike,
        r#type::{IntegerType, RankedTensorType},
        Attribute, Identifier, OperationRef, Type, ValueLike,
    },
    Context,
};

/// ONNX QuantizeLinear/DequantizeLinear parameters, per tensor or per axis.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantParams {
    /// One scale per tensor, or one per slice along `axis`.
    pub scale: Vec<f32>,
    pub zero_point: Vec<i32>,
    /// The normalized (non-negative) axis of per-axis parameters.
    pub axis: Option<usize>,
    pub storage: ElemType,
    /// The clamp range: `quant_min`/`quant_max` when given, else the storage range.
    pub qmin: i64,
    pub qmax: i64,
    /// Whether `quant_min`/`quant_max` were written explicitly.
    pub narrow: bool,
}

fn scalar_or_dense(op: &OperationRef, name: &str, as_float: bool) -> Result<Vec<f64>, String> {
    let attr = op.attribute(name).map_err(|_| format!("requires attribute '{name}'"))?;
    if as_float {
        if let Ok(f) = FloatAttribute::try_from(attr) {
            return Ok(vec![f.value()]);
        }
    } else if let Ok(i) = IntegerAttribute::try_from(attr) {
        return Ok(vec![i.value() as f64]);
    }
    let ty = DenseElementsAttribute::try_from(attr)
        .ok()
        .and_then(|d| TensorType::of(melior::ir::attribute::AttributeLike::r#type(&d)))
        .filter(|t| t.shape.len() == 1)
        .ok_or_else(|| format!("attribute '{name}' must be a scalar or a 1-D dense tensor, got {attr}"))?;
    let values = ConstTensor::from_attribute(attr, &ty)
        .ok_or_else(|| format!("attribute '{name}' has an unsupported element type {}", ty.elem_name))?;
    match (&values.values, as_float) {
        (crate::tensor::Values::F32(v), true) => Ok(v.iter().map(|&x| x as f64).collect()),
        (crate::tensor::Values::Int(v), false) => Ok(v.iter().map(|&x| x as f64).collect()),
        _ => Err(format!("attribute '{name}' must hold {} values", if as_float { "f32" } else { "i32" })),
    }
}

impl QuantParams {
    /// Reads the parameters of a quantize or dequantize op. Structural errors
    /// (missing or ill-typed attributes) are returned; value checks (scale
    /// sign, zero-point range) are the verifier's.
    pub fn from_op(op: &OperationRef) -> Result<Self, String> {
        let is_quantize = op.name().as_string_ref().as_str() == Ok("quant.quantize");
        let (float_ty, int_ty) = {
            let input = op.operand(0).map_err(|e| e.to_string())?.r#type();
            let output = op.result(0).map_err(|e| e.to_string())?.r#type();
            if is_quantize {
                (input, output)
            } else {
                (output, input)
            }
        };
        let float_ty = TensorType::of(float_ty).ok_or("operands must be statically shaped tensors")?;
        let int_ty = TensorType::of(int_ty).ok_or("operands must be statically shaped tensors")?;
        let storage = int_ty
            .elem()
            .filter(|e| *e != ElemType::F32)
            .ok_or_else(|| format!("storage type must be i8, ui8 or i32, got {}", int_ty.elem_name))?;
        let scale: Vec<f32> = scalar_or_dense(op, "scale", true)?.into_iter().map(|x| x as f32).collect();
        let zero_point: Vec<i32> = scalar_or_dense(op, "zero_point", false)?.into_iter().map(|x| x as i32).collect();
        let rank = float_ty.shape.len() as i64;
        let axis = match attrs::int(op, "axis")? {
            None => None,
            Some(a) if (-rank..rank).contains(&a) => Some(a.rem_euclid(rank.max(1)) as usize),
            Some(a) => return Err(format!("axis {a} is out of range for rank {rank}")),
        };
        let (lo, hi) = storage.int_range().expect("integer storage");
        let qmin = attrs::int(op, "quant_min")?;
        let qmax = attrs::int(op, "quant_max")?;
        Ok(QuantParams {
            scale,
            zero_point,
            axis,
            storage,
            narrow: qmin.is_some() || qmax.is_some(),
            qmin: qmin.unwrap_or(lo),
            qmax: qmax.unwrap_or(hi),
        })
    }

    /// The scale and zero point that apply to slice `c` along the axis (or the tensor).
    pub fn channel(&self, c: usize) -> (f32, i32) {
        let i = if self.scale.len() == 1 { 0 } else { c };
        let z = if self.zero_point.len() == 1 { 0 } else { c };
        (self.scale[i], self.zero_point[z])
    }

    /// Bit-for-bit equality of every parameter (scales compared by bits, so
    /// 0.1 and the next float are different).
    pub fn identical(&self, other: &QuantParams) -> bool {
        self.scale.len() == other.scale.len()
            && self.scale.iter().zip(&other.scale).all(|(a, b)| a.to_bits() == b.to_bits())
            && self.zero_point == other.zero_point
            && self.axis == other.axis
            && self.storage == other.storage
            && (self.qmin, self.qmax) == (other.qmin, other.qmax)
    }

    /// ONNX QuantizeLinear of one value: round half to even, add the zero point, saturate.
    pub fn quantize_value(&self, x: f32, c: usize) -> i32 {
        let (s, z) = self.channel(c);
        let q = (x / s).round_ties_even() as f64 + z as f64;
        q.clamp(self.qmin as f64, self.qmax as f64) as i32
    }

    /// ONNX DequantizeLinear of one value.
    pub fn dequantize_value(&self, q: i32, c: usize) -> f32 {
        let (s, z) = self.channel(c);
        ((q as i64 - z as i64) as f32) * s
    }

    /// The attributes that encode these parameters, for a tensor of `rank`.
    pub fn to_attributes<'c>(&self, context: &'c Context) -> Vec<(Identifier<'c>, Attribute<'c>)> {
        let f32_ty = Type::float32(context);
        let i32_ty: Type = IntegerType::new(context, 32).into();
        let i64_ty: Type = IntegerType::new(context, 64).into();
        let mut out = Vec::new();
        match self.axis {
            None => {
                out.push((
                    Identifier::new(context, "scale"),
                    FloatAttribute::new(context, f32_ty, self.scale[0] as f64).into(),
                ));
                out.push((
                    Identifier::new(context, "zero_point"),
                    IntegerAttribute::new(i32_ty, self.zero_point[0] as i64).into(),
                ));
            }
            Some(axis) => {
                let n = self.scale.len() as u64;
                let zp = if self.zero_point.len() == 1 {
                    vec![self.zero_point[0]; n as usize]
                } else {
                    self.zero_point.clone()
                };
                let sty = RankedTensorType::new(&[n], f32_ty, None).into();
                let zty = RankedTensorType::new(&[n], i32_ty, None).into();
                out.push((
                    Identifier::new(context, "scale"),
                    DenseElementsAttribute::f32_values(sty, &self.scale).into(),
                ));
                out.push((Identifier::new(context, "zero_point"), DenseElementsAttribute::i32_values(zty, &zp).into()));
                out.push((Identifier::new(context, "axis"), IntegerAttribute::new(i64_ty, axis as i64).into()));
            }
        }
        if self.narrow {
            out.push((Identifier::new(context, "quant_min"), IntegerAttribute::new(i64_ty, self.qmin).into()));
            out.push((Identifier::new(context, "quant_max"), IntegerAttribute::new(i64_ty, self.qmax).into()));
        }
        out
    }
}
