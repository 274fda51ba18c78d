//! Runtime tensors: f32 activations and integer (quantized) tensors.

use melior::ir::Type;
use ndarray::{ArrayD, IxDyn};
use quant_dialect::tensor::{ConstTensor, ElemType, TensorType, Values};
use std::fmt;

/// A tensor value. Integer storage types (`i8`, `ui8`, `i32`) are held
/// widened to i32, with their storage type beside them.
#[derive(Clone, Debug, PartialEq)]
pub enum Tensor {
    F32(ArrayD<f32>),
    Int { elem: ElemType, data: ArrayD<i32> },
}

/// The static type of a tensor: shape and element type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorSpec {
    pub shape: Vec<usize>,
    pub elem: ElemType,
}

impl TensorSpec {
    /// The spec of a statically shaped tensor type of a supported element type.
    pub fn of(ty: Type) -> Result<Self, String> {
        let tensor = TensorType::of(ty).ok_or_else(|| format!("expected a statically shaped tensor, got {ty}"))?;
        let elem = tensor.elem().ok_or_else(|| format!("unsupported element type {}", tensor.elem_name))?;
        Ok(TensorSpec { shape: tensor.shape, elem })
    }
}

impl fmt::Display for TensorSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.shape {
            write!(f, "{d}x")?;
        }
        f.write_str(self.elem.name())
    }
}

impl Tensor {
    pub fn elem(&self) -> ElemType {
        match self {
            Tensor::F32(_) => ElemType::F32,
            Tensor::Int { elem, .. } => *elem,
        }
    }

    pub fn shape(&self) -> &[usize] {
        match self {
            Tensor::F32(a) => a.shape(),
            Tensor::Int { data, .. } => data.shape(),
        }
    }

    pub fn spec(&self) -> TensorSpec {
        TensorSpec { shape: self.shape().to_vec(), elem: self.elem() }
    }

    pub fn as_f32(&self) -> Option<&ArrayD<f32>> {
        match self {
            Tensor::F32(a) => Some(a),
            Tensor::Int { .. } => None,
        }
    }

    pub fn as_int(&self) -> Option<&ArrayD<i32>> {
        match self {
            Tensor::F32(_) => None,
            Tensor::Int { data, .. } => Some(data),
        }
    }

    /// Fails when an integer tensor holds a value outside its storage range.
    pub fn check_range(&self) -> Result<(), String> {
        let (Tensor::Int { elem, data }, Some((lo, hi))) = (self, self.elem().int_range()) else { return Ok(()) };
        match data.iter().find(|&&v| (v as i64) < lo || (v as i64) > hi) {
            Some(v) => Err(format!("value {v} is outside the {} range [{lo}, {hi}]", elem.name())),
            None => Ok(()),
        }
    }

    /// The tensor of a constant read from the IR.
    pub fn from_const(constant: ConstTensor) -> Option<Self> {
        let shape = IxDyn(&constant.shape);
        match constant.values {
            Values::F32(v) if constant.elem == ElemType::F32 => ArrayD::from_shape_vec(shape, v).ok().map(Tensor::F32),
            Values::Int(v) if constant.elem != ElemType::F32 => {
                ArrayD::from_shape_vec(shape, v).ok().map(|data| Tensor::Int { elem: constant.elem, data })
            }
            _ => None,
        }
    }
}
