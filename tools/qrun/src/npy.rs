//! Tensors in `.npy` files: f32 activations, and i8/u8/i32 quantized data.

use ndarray::ArrayD;
use ndarray_npy::{ReadNpyError, ReadNpyExt, WriteNpyExt};
use quant_dialect::tensor::ElemType;
use quant_runtime::Tensor;
use std::{fs::File, io::BufReader, path::Path};

fn read_as<T: ndarray_npy::ReadableElement>(path: &Path) -> Result<ArrayD<T>, ReadNpyError> {
    let file = File::open(path).map_err(ReadNpyError::Io)?;
    ArrayD::<T>::read_npy(BufReader::new(file))
}

/// Reads an f32, i8, u8 or i32 array.
pub fn read(path: &Path) -> Result<Tensor, String> {
    let fail = |e: ReadNpyError| format!("cannot read '{}': {e}", path.display());
    match read_as::<f32>(path) {
        Ok(a) => return Ok(Tensor::F32(a)),
        Err(ReadNpyError::WrongDescriptor(_)) => {}
        Err(e) => return Err(fail(e)),
    }
    let widen = |elem, data: ArrayD<i32>| Tensor::Int { elem, data };
    if let Ok(a) = read_as::<i8>(path) {
        return Ok(widen(ElemType::I8, a.mapv(i32::from)));
    }
    if let Ok(a) = read_as::<u8>(path) {
        return Ok(widen(ElemType::U8, a.mapv(i32::from)));
    }
    read_as::<i32>(path).map(|a| widen(ElemType::I32, a)).map_err(fail)
}

/// Writes a tensor with its own element type, atomically.
pub fn write(path: &Path, tensor: &Tensor) -> Result<(), String> {
    quant_cli_output::write_atomic(path, |out| {
        let written = match tensor {
            Tensor::F32(a) => a.write_npy(out),
            Tensor::Int { elem: ElemType::I8, data } => data.mapv(|v| v as i8).write_npy(out),
            Tensor::Int { elem: ElemType::U8, data } => data.mapv(|v| v as u8).write_npy(out),
            Tensor::Int { data, .. } => data.write_npy(out),
        };
        written.map_err(|e| e.to_string())
    })
}
