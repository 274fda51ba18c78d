//! The engines the benchmark alternates between: qrun's JIT on a `.mlir`
//! model and ONNX Runtime on an `.onnx` one, each holding its own inputs.

use anyhow::{anyhow, bail, Context as _, Result};
use ndarray::{ArrayD, IxDyn};
use ort::{
    session::{builder::GraphOptimizationLevel, Session},
    value::TensorRef,
};
use quant_runtime::{
    jit::{Executor, Options},
    Tensor,
};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// One engine on one model, ready to run.
pub enum Engine {
    Jit { executor: Executor, inputs: Vec<Tensor> },
    Ort { session: Session, input: ArrayD<f32> },
}

/// How the JIT runs a model.
#[derive(Clone, Copy)]
pub struct JitMode {
    pub threads: usize,
    pub fuse: bool,
}

impl Engine {
    /// Compiles `entry` of the model at `path` for the JIT.
    pub fn jit(path: &str, entry: &str, mode: JitMode, seed: u64) -> Result<Self> {
        let source = std::fs::read(path).with_context(|| format!("cannot read '{path}'"))?;
        let context = quant_dialect::create_context().map_err(|e| anyhow!("{e}"))?;
        let module = quant_dialect::verify::parse_verified(&context, &source, path).map_err(anyhow::Error::msg)?;
        let options = Options { threads: mode.threads, fuse: mode.fuse, ..Options::default() };
        let executor = Executor::compile(&module, entry, options).map_err(|e| anyhow!("{path}: {e}"))?;
        let inputs = match executor.inputs() {
            [spec] if spec.elem.int_range().is_none() => vec![Tensor::F32(random(&spec.shape, seed))],
            _ => bail!("{path}: the benchmark takes models with one f32 input"),
        };
        Ok(Engine::Jit { executor, inputs })
    }

    /// Loads the model at `path` into ONNX Runtime with `threads` intra-op
    /// threads, ops run one after another, and all graph optimizations on
    /// (ORT_ENABLE_ALL) or off (ORT_DISABLE_ALL).
    pub fn ort(path: &str, threads: usize, optimize: bool, seed: u64) -> Result<Self> {
        let level = if optimize { GraphOptimizationLevel::Level3 } else { GraphOptimizationLevel::Disable };
        let session = Session::builder()
            .and_then(|b| b.with_optimization_level(level))
            .and_then(|b| b.with_intra_threads(threads))
            .and_then(|b| b.with_inter_threads(1))
            .and_then(|b| b.commit_from_file(path))
            .map_err(|e| anyhow!("{path}: {e}"))?;
        let shape = match session.inputs.as_slice() {
            [input] => input.input_type.tensor_shape().cloned(),
            _ => None,
        };
        let shape: Vec<usize> = shape
            .and_then(|s| s.iter().map(|&d| usize::try_from(d).ok()).collect())
            .ok_or_else(|| anyhow!("{path}: the benchmark takes models with one input of static shape"))?;
        Ok(Engine::Ort { session, input: random(&shape, seed) })
    }

    /// One run; returns the first output as f32 values.
    pub fn run(&mut self) -> Result<ArrayD<f32>> {
        match self {
            Engine::Jit { executor, inputs } => match executor.run(inputs)?.into_iter().next() {
                Some(Tensor::F32(output)) => Ok(output),
                _ => bail!("the model's first result is not an f32 tensor"),
            },
            Engine::Ort { session, input } => {
                let outputs = session.run(ort::inputs![TensorRef::from_array_view(input.view())?])?;
                Ok(outputs[0].try_extract_array::<f32>()?.to_owned())
            }
        }
    }
}

/// Uniform values in [-1, 1) from `seed`: the same input for every engine
/// whose input has this shape.
fn random(shape: &[usize], seed: u64) -> ArrayD<f32> {
    let mut rng = StdRng::seed_from_u64(seed);
    ArrayD::from_shape_fn(IxDyn(shape), |_| rng.gen_range(-1.0f32..1.0))
}
