//! Constant tensors: decoding ONNX `TensorProto`s (typed fields, raw data or
//! external files), encoding them back, and the layout changes the importer
//! folds into constants instead of emitting ops for.

use crate::proto::{tensor_proto::DataType, TensorProto};
use std::path::Path;

/// The element types the importer and exporter handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elem {
    F32,
    I8,
    U8,
    I32,
    /// Only for shapes and axes; never an MLIR value of the model.
    I64,
}

impl Elem {
    pub fn from_onnx(code: i32) -> Option<Elem> {
        Some(match DataType::try_from(code).ok()? {
            DataType::Float => Elem::F32,
            DataType::Int8 => Elem::I8,
            DataType::Uint8 => Elem::U8,
            DataType::Int32 => Elem::I32,
            DataType::Int64 => Elem::I64,
            _ => return None,
        })
    }

    pub fn onnx(self) -> DataType {
        match self {
            Elem::F32 => DataType::Float,
            Elem::I8 => DataType::Int8,
            Elem::U8 => DataType::Uint8,
            Elem::I32 => DataType::Int32,
            Elem::I64 => DataType::Int64,
        }
    }

    /// The MLIR element type.
    pub fn mlir(self) -> &'static str {
        match self {
            Elem::F32 => "f32",
            Elem::I8 => "i8",
            Elem::U8 => "ui8",
            Elem::I32 => "i32",
            Elem::I64 => "i64",
        }
    }

    pub fn byte_size(self) -> usize {
        match self {
            Elem::I8 | Elem::U8 => 1,
            Elem::F32 | Elem::I32 => 4,
            Elem::I64 => 8,
        }
    }
}

/// The name ONNX gives a data type code, for error messages.
pub fn onnx_type_name(code: i32) -> String {
    DataType::try_from(code).map(|t| t.as_str_name().to_string()).unwrap_or_else(|_| format!("type #{code}"))
}

#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    F32(Vec<f32>),
    /// Integers of any storage type, widened.
    Int(Elem, Vec<i64>),
}

/// A constant tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct Const {
    pub shape: Vec<usize>,
    pub data: Data,
}

impl Const {
    pub fn f32(shape: Vec<usize>, values: Vec<f32>) -> Const {
        Const { shape, data: Data::F32(values) }
    }

    pub fn elem(&self) -> Elem {
        match &self.data {
            Data::F32(_) => Elem::F32,
            Data::Int(e, _) => *e,
        }
    }

    pub fn len(&self) -> usize {
        match &self.data {
            Data::F32(v) => v.len(),
            Data::Int(_, v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as f32 (integers converted).
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.data {
            Data::F32(v) => v.clone(),
            Data::Int(_, v) => v.iter().map(|&x| x as f32).collect(),
        }
    }

    /// The values of an integer constant.
    pub fn ints(&self) -> Option<&[i64]> {
        match &self.data {
            Data::Int(_, v) => Some(v),
            Data::F32(_) => None,
        }
    }

    /// Decodes a TensorProto; external data is read relative to `base_dir`.
    pub fn from_proto(t: &TensorProto, base_dir: Option<&Path>) -> Result<Const, String> {
        let code = t.data_type.unwrap_or(0);
        let elem = Elem::from_onnx(code).ok_or_else(|| format!("unsupported tensor type {}", onnx_type_name(code)))?;
        let shape = t
            .dims
            .iter()
            .map(|&d| usize::try_from(d).map_err(|_| format!("negative dimension {d}")))
            .collect::<Result<Vec<_>, _>>()?;
        let len = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d)).ok_or("tensor size overflows")?;
        let external = t.data_location == Some(crate::proto::tensor_proto::DataLocation::External as i32);
        let raw = if external { Some(read_external(t, base_dir)?) } else { t.raw_data.clone() };
        let data = match raw {
            Some(bytes) => {
                let need = len.checked_mul(elem.byte_size()).ok_or("tensor size overflows")?;
                if bytes.len() != need {
                    return Err(format!("raw data holds {} bytes, the shape {shape:?} needs {need}", bytes.len()));
                }
                decode_raw(&bytes, elem)
            }
            None => match elem {
                Elem::F32 => Data::F32(t.float_data.clone()),
                Elem::I64 => Data::Int(elem, t.int64_data.clone()),
                _ => Data::Int(elem, t.int32_data.iter().map(|&x| x as i64).collect()),
            },
        };
        let c = Const { shape, data };
        if c.len() != len {
            return Err(format!("tensor holds {} values, its shape {:?} needs {len}", c.len(), c.shape));
        }
        Ok(c)
    }

    /// Encodes as a TensorProto with raw little-endian data.
    pub fn to_proto(&self, name: &str) -> TensorProto {
        let mut raw = Vec::with_capacity(self.len() * self.elem().byte_size());
        match &self.data {
            Data::F32(v) => v.iter().for_each(|x| raw.extend_from_slice(&x.to_le_bytes())),
            Data::Int(Elem::I8 | Elem::U8, v) => raw.extend(v.iter().map(|&x| x as u8)),
            Data::Int(Elem::I64, v) => v.iter().for_each(|x| raw.extend_from_slice(&x.to_le_bytes())),
            Data::Int(_, v) => v.iter().for_each(|&x| raw.extend_from_slice(&(x as i32).to_le_bytes())),
        }
        TensorProto {
            name: Some(name.to_string()),
            dims: self.shape.iter().map(|&d| d as i64).collect(),
            data_type: Some(self.elem().onnx() as i32),
            raw_data: Some(raw),
            ..Default::default()
        }
    }

    /// The same values under another shape of equal element count.
    pub fn reshaped(&self, shape: Vec<usize>) -> Const {
        debug_assert_eq!(shape.iter().product::<usize>(), self.len());
        Const { shape, data: self.data.clone() }
    }

    /// The tensor with its dimensions permuted (`perm` as ONNX Transpose's).
    pub fn transposed(&self, perm: &[usize]) -> Const {
        let shape: Vec<usize> = perm.iter().map(|&p| self.shape[p]).collect();
        let strides = strides(&self.shape);
        let source: Vec<usize> = (0..self.len())
            .map(|i| unravel(i, &shape).iter().zip(perm).map(|(&idx, &p)| idx * strides[p]).sum())
            .collect();
        Const { shape, data: self.gather(&source) }
    }

    /// The tensor broadcast (numpy rules) to `shape`, or `None` when it does not broadcast.
    pub fn broadcast_to(&self, shape: &[usize]) -> Option<Const> {
        let offset = shape.len().checked_sub(self.shape.len())?;
        let own = &self.shape;
        if own.iter().zip(&shape[offset..]).any(|(&a, &b)| a != b && a != 1) {
            return None;
        }
        let strides = strides(own);
        let total: usize = shape.iter().product();
        let source: Vec<usize> = (0..total)
            .map(|i| {
                let idx = unravel(i, shape);
                (0..own.len()).map(|d| if own[d] == 1 { 0 } else { idx[offset + d] * strides[d] }).sum()
            })
            .collect();
        Some(Const { shape: shape.to_vec(), data: self.gather(&source) })
    }

    fn gather(&self, source: &[usize]) -> Data {
        match &self.data {
            Data::F32(v) => Data::F32(source.iter().map(|&s| v[s]).collect()),
            Data::Int(e, v) => Data::Int(*e, source.iter().map(|&s| v[s]).collect()),
        }
    }
}

fn decode_raw(bytes: &[u8], elem: Elem) -> Data {
    match elem {
        Elem::F32 => Data::F32(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()),
        Elem::I8 => Data::Int(elem, bytes.iter().map(|&b| b as i8 as i64).collect()),
        Elem::U8 => Data::Int(elem, bytes.iter().map(|&b| b as i64).collect()),
        Elem::I32 => Data::Int(
            elem,
            bytes.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]) as i64).collect(),
        ),
        Elem::I64 => {
            Data::Int(elem, bytes.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect())
        }
    }
}

/// Reads the bytes of an external-data tensor. The file must lie inside the
/// model's directory (as ONNX Runtime requires), so a model cannot make the
/// importer read arbitrary files.
fn read_external(t: &TensorProto, base_dir: Option<&Path>) -> Result<Vec<u8>, String> {
    let entry =
        |key: &str| t.external_data.iter().find(|e| e.key.as_deref() == Some(key)).and_then(|e| e.value.clone());
    let location = entry("location").ok_or("external data without a location")?;
    let base = base_dir.ok_or("external data needs the model's directory (import from a file)")?;
    let relative = Path::new(&location);
    if relative.is_absolute() || relative.components().any(|c| matches!(c, std::path::Component::ParentDir)) {
        return Err(format!("external data location '{location}' is outside the model's directory"));
    }
    let bytes =
        std::fs::read(base.join(relative)).map_err(|e| format!("cannot read external data '{location}': {e}"))?;
    let number = |key: &str| -> Result<Option<usize>, String> {
        entry(key).map(|v| v.parse::<usize>().map_err(|_| format!("bad external data {key} '{v}'"))).transpose()
    };
    let offset = number("offset")?.unwrap_or(0);
    let end = match number("length")? {
        Some(length) => offset.checked_add(length).ok_or("external data length overflows")?,
        None => bytes.len(),
    };
    bytes.get(offset..end).map(<[u8]>::to_vec).ok_or_else(|| format!("external data '{location}' is too short"))
}

fn strides(shape: &[usize]) -> Vec<usize> {
    let mut strides = vec![1; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        strides[d] = strides[d + 1] * shape[d + 1];
    }
    strides
}

fn unravel(mut i: usize, shape: &[usize]) -> Vec<usize> {
    let mut idx = vec![0; shape.len()];
    for d in (0..shape.len()).rev() {
        idx[d] = i % shape[d];
        i /= shape[d];
    }
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_and_broadcast() {
        let c = Const::f32(vec![2, 3], vec![1., 2., 3., 4., 5., 6.]);
        assert_eq!(c.transposed(&[1, 0]), Const::f32(vec![3, 2], vec![1., 4., 2., 5., 3., 6.]));
        let row = Const::f32(vec![3], vec![1., 2., 3.]);
        assert_eq!(row.broadcast_to(&[2, 3]).unwrap(), Const::f32(vec![2, 3], vec![1., 2., 3., 1., 2., 3.]));
        assert!(row.broadcast_to(&[3, 2]).is_none());
    }

    #[test]
    fn raw_round_trip() {
        let c = Const { shape: vec![3], data: Data::Int(Elem::I8, vec![-128, 0, 127]) };
        assert_eq!(Const::from_proto(&c.to_proto("c"), None).unwrap(), c);
    }
}
