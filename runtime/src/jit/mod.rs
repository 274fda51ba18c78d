//! The LLVM JIT executor: runs a `quant` function with kernels generated per
//! op, specialized to its static shapes and compiled for the host CPU.
//!
//! conv2d and linear run as a register-blocked SIMD micro-kernel over
//! weights packed at load time, with the element-wise ops that consume
//! their result (bias, activations, batch norm, residual add, Q/DQ) fused
//! into its epilogue; stride-1 3×3 convs with enough channels run as
//! Winograd F(2×2, 3×3) (two transform kernels around that micro-kernel,
//! the epilogue after the output transform). Other element-wise chains run
//! as vectorized map kernels, max pooling as its own kernel; average
//! pooling as a Rust loop over the workers; global average pooling, softmax
//! and data movement through the reference interpreter's code. Kernels are
//! cached per signature for the life of the process. Work items are split
//! over worker threads started once per process and thread count; result
//! storage is recycled as soon as the last reader of a value has run.
//!
//! ```
//! use quant_runtime::{jit::{Executor, Options}, Tensor};
//! let context = quant_dialect::create_context().unwrap();
//! let source = r#"func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
//!   %y = "quant.relu"(%x) : (tensor<2xf32>) -> tensor<2xf32>
//!   return %y : tensor<2xf32>
//! }"#;
//! let module = quant_dialect::parse_source(&context, source, "doc.mlir").unwrap();
//! let executor = Executor::compile(&module, "main", Options::default()).unwrap();
//! let x = Tensor::F32(ndarray::arr1(&[-1.0f32, 2.0]).into_dyn());
//! assert_eq!(executor.run(&[x]).unwrap()[0], Tensor::F32(ndarray::arr1(&[0.0f32, 2.0]).into_dyn()));
//! ```

mod aligned;
mod avg_pool;
mod buffers;
mod cache;
mod conv;
mod decode;
mod engine;
mod host;
mod ir;
mod kernel;
mod map;
mod peak;
mod plan;
mod pool;
mod stages;
mod staging;
mod step;
mod winograd;
mod workers;

use crate::{RuntimeError, Tensor, TensorSpec};
use melior::ir::Module;
use std::{
    borrow::Cow,
    time::{Duration, Instant},
};

pub use host::Host;
pub use peak::fma_peak_gflops;

/// Executor settings.
#[derive(Clone, Debug)]
pub struct Options {
    /// Threads per kernel (work is split over output channels and rows).
    pub threads: usize,
    /// Run element-wise ops in the kernel of the conv, linear or
    /// element-wise op whose result they consume (epilogue fusion). Off,
    /// every op runs alone: the baseline that shows what fusion gains.
    pub fuse: bool,
    /// Run stride-1 3×3 convs with enough channels as Winograd F(2×2,
    /// 3×3) (fewer multiplies; results differ from the direct sum's in
    /// the last bits). Off, every conv runs the direct kernel.
    pub winograd: bool,
}

impl Default for Options {
    /// All cores, fusion and Winograd on.
    fn default() -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        Options { threads, fuse: true, winograd: true }
    }
}

/// A function compiled for the host.
pub struct Executor {
    entry: String,
    plan: plan::Plan,
    workers: workers::Workers,
    /// Storage of dead intermediate results, reused by later steps and runs.
    pool: buffers::BufferPool,
}

impl Executor {
    /// Compiles function `entry` of `module`. Fails on ops outside the
    /// dialect contract, naming the op and its location.
    ///
    /// The first compile in a process switches off LLVM's loop strength
    /// reduction for the process (a global LLVM option; see `engine.rs`):
    /// a host that generates code with the same LLVM library shares that.
    pub fn compile(module: &Module, entry: &str, options: Options) -> Result<Self, RuntimeError> {
        let threads = options.threads.max(1);
        Ok(Executor {
            entry: entry.to_string(),
            plan: plan::lower(module, entry, &Options { threads, ..options })?,
            workers: workers::Workers::new(threads).map_err(RuntimeError::Threads)?,
            pool: buffers::BufferPool::default(),
        })
    }

    /// The types of the entry function's arguments.
    pub fn inputs(&self) -> &[TensorSpec] {
        &self.plan.specs[..self.plan.arguments]
    }

    /// The types of the values the entry function returns.
    pub fn outputs(&self) -> Vec<TensorSpec> {
        self.plan.returns.iter().map(|&slot| self.plan.specs[slot].clone()).collect()
    }

    /// The steps that run, as `(op name, kernel or loop)`; fused ops appear
    /// under their head op.
    pub fn steps(&self) -> Vec<(String, String)> {
        self.plan.steps.iter().map(|s| (s.name.clone(), s.describe())).collect()
    }

    /// The floating-point operations of each step per run, in the order of
    /// [`Executor::steps`]: 2 per multiply-add of conv2d and linear, 0 for
    /// other steps.
    pub fn step_flops(&self) -> Vec<f64> {
        self.plan.steps.iter().map(step::Step::flops).collect()
    }

    /// The host assembly of the kernels of step `index`, if it has any.
    pub fn assembly(&self, index: usize) -> Result<Option<String>, RuntimeError> {
        let Some(step) = self.plan.steps.get(index) else { return Ok(None) };
        let fail = |message| RuntimeError::Op { op: step.name.clone(), site: step.site.clone(), message };
        let signatures = step.signatures();
        if signatures.is_empty() {
            return Ok(None);
        }
        let assembly = signatures.iter().map(|s| s.assembly().map_err(fail)).collect::<Result<Vec<_>, _>>()?;
        Ok(Some(assembly.concat()))
    }

    /// Runs the function on `inputs` (one per argument, of its type).
    pub fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>, RuntimeError> {
        self.run_observed(inputs, |_, _| {})
    }

    /// Runs like [`Executor::run`] and also returns the wall time of each
    /// step, in the order of [`Executor::steps`].
    pub fn run_profiled(&self, inputs: &[Tensor]) -> Result<(Vec<Tensor>, Vec<Duration>), RuntimeError> {
        let mut times = vec![Duration::ZERO; self.plan.steps.len()];
        let outputs = self.run_observed(inputs, |index, time| times[index] = time)?;
        Ok((outputs, times))
    }

    fn run_observed(
        &self,
        inputs: &[Tensor],
        observe: impl FnMut(usize, Duration) + Send,
    ) -> Result<Vec<Tensor>, RuntimeError> {
        if inputs.len() != self.plan.arguments {
            return Err(RuntimeError::InputCount {
                entry: self.entry.clone(),
                expected: self.plan.arguments,
                got: inputs.len(),
            });
        }
        let mut values: step::Values = self.plan.constants.iter().map(|c| c.as_ref().map(Cow::Borrowed)).collect();
        for (index, (input, spec)) in inputs.iter().zip(self.inputs()).enumerate() {
            let bad = |message: String| RuntimeError::BadInput { entry: self.entry.clone(), index, message };
            if input.spec() != *spec {
                return Err(bad(format!("expected tensor<{spec}>, got tensor<{}>", input.spec())));
            }
            input.check_range().map_err(bad)?;
            values[index] = Some(standard_layout(input));
        }
        self.workers.install(|| self.run_steps(&mut values, observe))?;
        let returns = &self.plan.returns;
        returns
            .iter()
            .enumerate()
            .map(|(i, &slot)| {
                // Move computed results out instead of copying them; only a
                // slot returned again later must stay in place.
                let value = if returns[i + 1..].contains(&slot) { values[slot].clone() } else { values[slot].take() };
                value.map(Cow::into_owned)
            })
            .collect::<Option<_>>()
            .ok_or_else(|| RuntimeError::Op {
                op: "func.return".into(),
                site: crate::Site::UNKNOWN,
                message: "a returned value has no value".into(),
            })
    }

    fn run_steps(
        &self,
        values: &mut step::Values,
        mut observe: impl FnMut(usize, Duration),
    ) -> Result<(), RuntimeError> {
        for (index, step) in self.plan.steps.iter().enumerate() {
            let fail = |message| RuntimeError::Op { op: step.name.clone(), site: step.site.clone(), message };
            let start = Instant::now();
            let result = step.run(values, &self.workers, &self.pool).map_err(fail)?;
            observe(index, start.elapsed());
            values[step.result] = Some(Cow::Owned(result));
            for &slot in &self.plan.dead_after[index] {
                if let Some(Cow::Owned(tensor)) = values[slot].take() {
                    self.pool.recycle(tensor);
                }
            }
        }
        Ok(())
    }
}

/// `tensor` with row-major contiguous data, as kernels index it.
fn standard_layout(tensor: &Tensor) -> Cow<'_, Tensor> {
    let contiguous = match tensor {
        Tensor::F32(a) => a.is_standard_layout(),
        Tensor::Int { data, .. } => data.is_standard_layout(),
    };
    if contiguous {
        return Cow::Borrowed(tensor);
    }
    Cow::Owned(match tensor {
        Tensor::F32(a) => Tensor::F32(a.as_standard_layout().into_owned()),
        Tensor::Int { elem, data } => Tensor::Int { elem: *elem, data: data.as_standard_layout().into_owned() },
    })
}
