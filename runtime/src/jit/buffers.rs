//! Storage for step results, recycled across steps and runs. A fresh
//! allocation per result costs the kernel's page faults on every run: 50
//! relus over 1×64×56×56 took 0.8 ms each, most of it faulting in and
//! zeroing new pages, instead of tens of microseconds.

use super::aligned::{self, SLACK};
use crate::{Tensor, TensorSpec};
use ndarray::{s, Array1, ArrayD, IxDyn};
use quant_dialect::tensor::ElemType;
use std::{collections::HashMap, sync::Mutex};

/// Free buffers by element kind and length (of the whole allocation).
#[derive(Default)]
pub(super) struct BufferPool {
    f32: Mutex<HashMap<usize, Vec<Vec<f32>>>>,
    i32: Mutex<HashMap<usize, Vec<Vec<i32>>>>,
}

/// Takes a free allocation for `len` elements, or makes a zeroed one.
/// Debug builds hand out reused buffers filled with `poison`, so that a
/// kernel leaving an element unwritten shows in the tests' results.
fn take<T: Copy + Default>(free: &Mutex<HashMap<usize, Vec<Vec<T>>>>, len: usize, poison: T) -> Vec<T> {
    let reused = free.lock().unwrap_or_else(|e| e.into_inner()).get_mut(&(len + SLACK)).and_then(Vec::pop);
    match reused {
        Some(mut data) => {
            if cfg!(debug_assertions) {
                data.fill(poison);
            }
            data
        }
        None => vec![T::default(); len + SLACK],
    }
}

/// Keeps the allocation of `array` if it came from [`take`]. (Another
/// one would only be taken again by a result `SLACK` elements shorter, and
/// storage made afresh on every run would pile up meanwhile.)
fn give<T>(free: &Mutex<HashMap<usize, Vec<Vec<T>>>>, array: ArrayD<T>) {
    let len = array.len();
    let (data, _) = array.into_raw_vec_and_offset();
    if data.len() == len + SLACK {
        free.lock().unwrap_or_else(|e| e.into_inner()).entry(data.len()).or_default().push(data);
    }
}

/// The array of `shape` over `data` (`SLACK` elements longer), its first
/// element on a cache line.
fn shaped<T>(shape: &[usize], data: Vec<T>) -> ArrayD<T> {
    let (len, skip) = (data.len() - SLACK, aligned::start(&data));
    Array1::from_vec(data)
        .slice_move(s![skip..skip + len])
        .into_shape_with_order(IxDyn(shape))
        .expect("buffer length matches the shape")
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

#[cfg(test)]
mod tests {
    use super::*;

    fn data_ptr(tensor: &Tensor) -> usize {
        match tensor {
            Tensor::F32(a) => a.as_ptr() as usize,
            Tensor::Int { data, .. } => data.as_ptr() as usize,
        }
    }

    #[test]
    fn results_start_on_a_cache_line_and_their_storage_comes_back() {
        let pool = BufferPool::default();
        for elem in [ElemType::F32, ElemType::I8] {
            let spec = TensorSpec { shape: vec![2, 3, 5], elem };
            let first = pool.tensor(&spec);
            assert_eq!(first.spec(), spec);
            assert_eq!(data_ptr(&first) % 64, 0, "{elem:?}");
            let at = data_ptr(&first);
            pool.recycle(first);
            assert_eq!(data_ptr(&pool.tensor(&spec)), at, "{elem:?}: the recycled storage is taken again");
        }
    }

    #[test]
    fn storage_made_elsewhere_is_not_kept() {
        let pool = BufferPool::default();
        let len = 4 * SLACK;
        pool.recycle(Tensor::F32(ArrayD::zeros(IxDyn(&[len]))));
        assert!(pool.f32.lock().unwrap().values().all(Vec::is_empty));
        let spec = TensorSpec { shape: vec![len - SLACK], elem: ElemType::F32 };
        assert_eq!(pool.tensor(&spec).spec(), spec);
    }
}
