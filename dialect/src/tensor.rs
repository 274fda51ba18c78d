//! Tensor types and constant tensors: reading `dense<...>` (decimal, splat or
//! hex) and `dense_resource<...>` attributes, and building new ones.

use crate::ffi;
use melior::ir::r#type::ShapedTypeLike;
use melior::ir::{
    attribute::DenseElementsAttribute, operation::OperationLike, r#type::RankedTensorType, Attribute, Type, Value,
    ValueLike,
};

/// Element types the dialect computes with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElemType {
    F32,
    I8,
    U8,
    I32,
}

impl ElemType {
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "f32" => ElemType::F32,
            "i8" | "si8" => ElemType::I8,
            "ui8" => ElemType::U8,
            "i32" | "si32" => ElemType::I32,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ElemType::F32 => "f32",
            ElemType::I8 => "i8",
            ElemType::U8 => "ui8",
            ElemType::I32 => "i32",
        }
    }

    pub fn byte_size(self) -> usize {
        match self {
            ElemType::I8 | ElemType::U8 => 1,
            ElemType::F32 | ElemType::I32 => 4,
        }
    }

    /// The representable range of an integer storage type.
    pub fn int_range(self) -> Option<(i64, i64)> {
        match self {
            ElemType::I8 => Some((-128, 127)),
            ElemType::U8 => Some((0, 255)),
            ElemType::I32 => Some((i32::MIN as i64, i32::MAX as i64)),
            ElemType::F32 => None,
        }
    }
}

/// A ranked tensor type with a static shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorType {
    pub shape: Vec<usize>,
    /// The printed element type (`f32`, `i8`, `f16`, ...).
    pub elem_name: String,
}

impl TensorType {
    /// `None` unless `ty` is a ranked tensor with a fully static shape.
    pub fn of(ty: Type) -> Option<Self> {
        let ranked = RankedTensorType::try_from(ty).ok()?;
        let mut shape = Vec::with_capacity(ranked.rank());
        for i in 0..ranked.rank() {
            let d = ranked.dim_size(i).ok()?;
            match d {
                melior::ir::r#type::DimSize::Static(n) => shape.push(usize::try_from(n).ok()?),
                melior::ir::r#type::DimSize::Dynamic => return None,
            }
        }
        Some(TensorType { shape, elem_name: ffi::type_name(ranked.element()) })
    }

    pub fn elem(&self) -> Option<ElemType> {
        ElemType::from_name(&self.elem_name)
    }

    pub fn num_elements(&self) -> usize {
        self.shape.iter().product()
    }
}

/// The values of a constant tensor; integer storage types are widened to i32.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    F32(Vec<f32>),
    Int(Vec<i32>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ConstTensor {
    pub shape: Vec<usize>,
    pub elem: ElemType,
    pub values: Values,
}

impl ConstTensor {
    /// The values as f32 (integers converted exactly when |v| < 2^24).
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.values {
            Values::F32(v) => v.clone(),
            Values::Int(v) => v.iter().map(|&x| x as f32).collect(),
        }
    }

    pub fn as_f32(&self) -> Option<&[f32]> {
        match &self.values {
            Values::F32(v) => Some(v),
            Values::Int(_) => None,
        }
    }

    pub fn as_int(&self) -> Option<&[i32]> {
        match &self.values {
            Values::Int(v) => Some(v),
            Values::F32(_) => None,
        }
    }

    /// Reads an elements attribute of the given tensor type.
    pub fn from_attribute(attr: Attribute, ty: &TensorType) -> Option<Self> {
        let elem = ty.elem()?;
        let n = ty.num_elements();
        let values = if ffi::is_dense_elements(attr) {
            let (bytes, splat) = ffi::dense_raw_bytes(attr, elem.byte_size());
            decode(bytes, elem, if splat { Some(n) } else { None })
        } else if ffi::is_dense_resource(attr) {
            let raw = ffi::resource_values(attr, elem.name())?;
            match elem {
                ElemType::F32 => Values::F32(raw.into_iter().map(|x| x as f32).collect()),
                _ => Values::Int(raw.into_iter().map(|x| x as i32).collect()),
            }
        } else {
            return None;
        };
        let len = match &values {
            Values::F32(v) => v.len(),
            Values::Int(v) => v.len(),
        };
        (len == n).then(|| ConstTensor { shape: ty.shape.clone(), elem, values })
    }

    /// The constant behind `value` when it is defined by `arith.constant`.
    pub fn of_value(value: Value) -> Option<Self> {
        let op = ffi::defining_op(value)?;
        if op.name().as_string_ref().as_str().ok()? != "arith.constant" {
            return None;
        }
        let ty = TensorType::of(value.r#type())?;
        Self::from_attribute(op.attribute("value").ok()?, &ty)
    }

    /// Builds a `dense<...>` attribute of type `ty` holding these values
    /// (stored as raw bytes: printed as hex when large, never re-parsed).
    pub fn to_attribute<'c>(&self, ty: Type<'c>) -> Attribute<'c> {
        let mut bytes = Vec::with_capacity(self.shape.iter().product::<usize>() * self.elem.byte_size());
        match (&self.values, self.elem) {
            (Values::F32(v), _) => v.iter().for_each(|x| bytes.extend_from_slice(&x.to_ne_bytes())),
            (Values::Int(v), ElemType::I8 | ElemType::U8) => bytes.extend(v.iter().map(|&x| x as u8)),
            (Values::Int(v), _) => v.iter().for_each(|x| bytes.extend_from_slice(&x.to_ne_bytes())),
        }
        DenseElementsAttribute::raw_buffer(ty, &bytes).into()
    }
}

/// Decodes packed native-endian elements; `splat_len` repeats a single element.
fn decode(bytes: &[u8], elem: ElemType, splat_len: Option<usize>) -> Values {
    let mut values = match elem {
        ElemType::F32 => {
            Values::F32(bytes.chunks_exact(4).map(|c| f32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect())
        }
        ElemType::I8 => Values::Int(bytes.iter().map(|&b| b as i8 as i32).collect()),
        ElemType::U8 => Values::Int(bytes.iter().map(|&b| b as i32).collect()),
        ElemType::I32 => {
            Values::Int(bytes.chunks_exact(4).map(|c| i32::from_ne_bytes([c[0], c[1], c[2], c[3]])).collect())
        }
    };
    if let Some(n) = splat_len {
        values = match values {
            Values::F32(v) => Values::F32(vec![v[0]; n]),
            Values::Int(v) => Values::Int(vec![v[0]; n]),
        };
    }
    values
}
