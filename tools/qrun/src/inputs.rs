//! A model's inputs: from `.npy` files in argument order, or random from a seed.

use crate::npy;
use ndarray::{ArrayD, IxDyn};
use quant_runtime::{Tensor, TensorSpec};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::path::PathBuf;

/// Reads one tensor per file and checks them against the entry's argument types.
pub fn from_files(files: &[PathBuf], specs: &[TensorSpec]) -> Result<Vec<Tensor>, String> {
    if files.len() != specs.len() {
        return Err(format!("the model takes {} inputs, {} --input files were given", specs.len(), files.len()));
    }
    files
        .iter()
        .zip(specs)
        .enumerate()
        .map(|(i, (file, spec))| {
            let tensor = npy::read(file)?;
            if tensor.spec() != *spec {
                return Err(format!(
                    "--input #{} '{}': expected tensor<{spec}>, got tensor<{}>",
                    i + 1,
                    file.display(),
                    tensor.spec()
                ));
            }
            Ok(tensor)
        })
        .collect()
}

/// Uniform values in [-1, 1) for f32 inputs, the whole storage range for integers.
pub fn random(specs: &[TensorSpec], seed: u64) -> Vec<Tensor> {
    let mut rng = StdRng::seed_from_u64(seed);
    specs
        .iter()
        .map(|spec| {
            let shape = IxDyn(&spec.shape);
            match spec.elem.int_range() {
                None => Tensor::F32(ArrayD::from_shape_fn(shape, |_| rng.gen_range(-1.0f32..1.0))),
                Some((lo, hi)) => Tensor::Int {
                    elem: spec.elem,
                    data: ArrayD::from_shape_fn(shape, |_| rng.gen_range(lo..=hi) as i32),
                },
            }
        })
        .collect()
}
