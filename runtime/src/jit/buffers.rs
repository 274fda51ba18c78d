//! Storage for step results, recycled across steps and runs. A fresh
//! allocation per result costs the kernel's page faults on every run: 50
//! relus over 1×64×56×56 took 0.8 ms each, most of it faulting in and
//! zeroing new pages, instead of tens of microseconds.

use crate::{Tensor, TensorSpec};
use ndarray::{ArrayD, IxDyn};
use quant_dialect::tensor::ElemType;
use std::{collections::HashMap, sync::Mutex};

/// Free buffers by element kind and length.
#[derive(Default)]
pub(super) struct BufferPool {
    f32: Mutex<HashMap<usize, Vec<Vec<f32>>>>,
    i32: Mutex<HashMap<usize, Vec<Vec<i32>>>>,
}

/// Takes a free buffer of `len` elements, or makes a zeroed one.
/// Debug builds hand out reused buffers filled with `poison`, so that a
/// kernel leaving an element unwritten shows in the tests' results.
fn take<T: Copy + Default>(free: &Mutex<HashMap<usize, Vec<Vec<T>>>>, len: usize, poison: T) -> Vec<T> {
    let reused = free.lock().unwrap_or_else(|e| e.into_inner()).get_mut(&len).and_then(Vec::pop);
    match reused {
        Some(mut data) => {
            if cfg!(debug_assertions) {
                data.fill(poison);
            }
            data
        }
        None => vec![T::default(); len],
    }
}

fn give<T>(free: &Mutex<HashMap<usize, Vec<Vec<T>>>>, array: ArrayD<T>) {
    let (data, offset) = array.into_raw_vec_and_offset();
    if offset == Some(0) || (data.is_empty() && offset.is_none()) {
        free.lock().unwrap_or_else(|e| e.into_inner()).entry(data.len()).or_default().push(data);
    }
}

fn shaped<T>(shape: &[usize], data: Vec<T>) -> ArrayD<T> {
    ArrayD::from_shape_vec(IxDyn(shape), data).expect("buffer length matches the shape")
}

impl BufferPool {
    /// A tensor of type `spec` for a kernel to overwrite entirely: its
    /// elements are whatever an earlier result left (or zero).
    pub fn tensor(&self, spec: &TensorSpec) -> Tensor {
        let len = spec.shape.iter().product();
        match spec.elem {
            ElemType::F32 => Tensor::F32(shaped(&spec.shape, take(&self.f32, len, f32::NAN))),
            elem => Tensor::Int { elem, data: shaped(&spec.shape, take(&self.i32, len, i32::MIN)) },
        }
    }

    /// Keeps the storage of a result nobody reads any more.
    pub fn recycle(&self, tensor: Tensor) {
        match tensor {
            Tensor::F32(a) => give(&self.f32, a),
            Tensor::Int { data, .. } => give(&self.i32, data),
        }
    }
}
