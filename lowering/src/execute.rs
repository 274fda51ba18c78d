//! Running a `quant` module with MLIR's own execution engine: the module is
//! lowered to linalg, then through [`LLVM_PIPELINE`] to the LLVM dialect in
//! the upstream context, and JIT-compiled there. An independent second way to
//! execute a graph, to cross-check our own JIT runtime.

use crate::{lower_to_linalg, translate, upstream, LoweringError, LLVM_PIPELINE};
use melior::{
    ir::{
        operation::{OperationLike, WalkOrder, WalkResult},
        Module, Type,
    },
    ExecutionEngine,
};
use ndarray::{ArrayD, IxDyn};
use quant_dialect::tensor::TensorType;

/// `memref.copy` between strided memrefs (pads, concats) calls `memrefCopy`
/// from MLIR's C runner utilities. NUL-terminated: MLIR reads the engine's
/// library paths as C strings.
const RUNNER_UTILS: &str = concat!(env!("MLIR_SYS_220_PREFIX"), "/lib/libmlir_c_runner_utils.so\0");

/// LLVM's -O2: the loops from linalg are slow unoptimized.
const OPT_LEVEL: usize = 2;

// Descriptors are built as arrays of `usize`, which must be as wide as the
// pointers and the i64 offsets, sizes and strides they hold.
const _: () = assert!(size_of::<usize>() == 8 && size_of::<*mut f32>() == 8);

/// One entry function of a module, compiled by MLIR's execution engine. It
/// takes and returns f32 tensors only.
pub struct MlirEngine {
    engine: ExecutionEngine,
    entry: String,
    inputs: Vec<Vec<usize>>,
    outputs: Vec<Vec<usize>>,
}

impl MlirEngine {
    /// Lowers `module` to the LLVM dialect and compiles `entry` of it.
    pub fn compile(module: &Module, entry: &str) -> Result<Self, LoweringError> {
        let func = quant_dialect::func::find_function(module, entry)
            .ok_or_else(|| LoweringError::Engine(format!("no function @{entry}")))?;
        let ty = translate::signature(&func).map_err(LoweringError::Engine)?;
        let error = |e: melior::Error| LoweringError::Engine(e.to_string());
        let inputs = (0..ty.input_count()).map(|i| f32_shape(ty.input(i).map_err(error)?));
        let inputs = inputs.collect::<Result<Vec<_>, _>>()?;
        let outputs = (0..ty.result_count()).map(|i| f32_shape(ty.result(i).map_err(error)?));
        let outputs = outputs.collect::<Result<Vec<_>, _>>()?;
        let runner_utils = RUNNER_UTILS.trim_end_matches('\0');
        if !std::path::Path::new(runner_utils).exists() {
            return Err(LoweringError::Engine(format!("MLIR's runner utilities are missing: {runner_utils}")));
        }
        let linalg = lower_to_linalg(module)?;
        let engine = upstream::with_module(&linalg, Some(LLVM_PIPELINE), |lowered| {
            // The engine cannot report a failed translation, so only LLVM
            // dialect ops may reach it.
            if let Some(op) = first_non_llvm_op(lowered) {
                return Err(LoweringError::Engine(format!("the LLVM pipeline left '{op}' behind")));
            }
            Ok(ExecutionEngine::new(lowered, OPT_LEVEL, &[RUNNER_UTILS], false, false))
        })
        .map_err(LoweringError::Pipeline)??;
        if engine.lookup(&format!("_mlir__mlir_ciface_{entry}")).is_null() {
            return Err(LoweringError::Engine(format!("@{entry} was not compiled")));
        }
        Ok(MlirEngine { engine, entry: entry.to_string(), inputs, outputs })
    }

    /// The shapes of the entry's arguments.
    pub fn inputs(&self) -> &[Vec<usize>] {
        &self.inputs
    }

    /// Runs the entry on `inputs`, which must have the argument shapes.
    pub fn run(&self, inputs: &[ArrayD<f32>]) -> Result<Vec<ArrayD<f32>>, LoweringError> {
        if inputs.len() != self.inputs.len() {
            return Err(LoweringError::Engine(format!("takes {} inputs, got {}", self.inputs.len(), inputs.len())));
        }
        if let Some(i) = (0..inputs.len()).find(|&i| inputs[i].shape() != self.inputs[i].as_slice()) {
            return Err(LoweringError::Engine(format!(
                "input #{} has shape {:?}, expected {:?}",
                i + 1,
                inputs[i].shape(),
                self.inputs[i]
            )));
        }
        // Row-major copies: the entry reads that layout, and may write into
        // its arguments (bufferization treats them as writable).
        let mut inputs: Vec<Vec<f32>> = inputs.iter().map(|a| a.iter().copied().collect()).collect();
        let mut outputs: Vec<Vec<f32>> = self.outputs.iter().map(|s| vec![0.0; s.iter().product()]).collect();
        let mut descriptors: Vec<Vec<usize>> = inputs
            .iter_mut()
            .zip(&self.inputs)
            .chain(outputs.iter_mut().zip(&self.outputs))
            .map(|(data, shape)| descriptor(data, shape))
            .collect();
        self.call(&mut descriptors)?;
        outputs
            .into_iter()
            .zip(&self.outputs)
            .map(|(data, shape)| {
                ArrayD::from_shape_vec(IxDyn(shape), data).map_err(|e| LoweringError::Engine(e.to_string()))
            })
            .collect()
    }

    /// Calls the entry's C interface through its packed wrapper: one memref
    /// descriptor per argument, inputs then outputs (the out-parameters).
    fn call(&self, descriptors: &mut [Vec<usize>]) -> Result<(), LoweringError> {
        let mut pointers: Vec<*mut usize> = descriptors.iter_mut().map(|d| d.as_mut_ptr()).collect();
        let mut arguments: Vec<*mut ()> = pointers.iter_mut().map(|p| std::ptr::from_mut(p).cast()).collect();
        // SAFETY: `_mlir_ciface_<entry>` takes one pointer to a memref
        // descriptor per argument of the bufferized entry: its inputs, then its
        // results as out-parameters, all identity-layout f32 memrefs of the
        // shapes in `self.inputs` and `self.outputs` (LLVM_PIPELINE). `run`
        // checked the input shapes and built each descriptor over a buffer of
        // exactly that many elements; the packed wrapper gets a pointer to each
        // descriptor pointer. All of them outlive the call.
        unsafe { self.engine.invoke_packed(&self.entry, &mut arguments) }
            .map_err(|e| LoweringError::Engine(format!("calling @{}: {e}", self.entry)))
    }
}

/// The shape of `ty`, an f32 tensor of static shape.
fn f32_shape(ty: Type) -> Result<Vec<usize>, LoweringError> {
    match TensorType::of(ty) {
        Some(t) if t.elem_name == "f32" => Ok(t.shape),
        _ => Err(LoweringError::Engine(format!("the MLIR engine supports static f32 tensors only, got {ty}"))),
    }
}

/// A strided memref descriptor over `data`, row-major with shape `shape`:
/// allocated and aligned pointers, offset 0, the sizes, the strides.
fn descriptor(data: &mut [f32], shape: &[usize]) -> Vec<usize> {
    let pointer = data.as_mut_ptr().expose_provenance();
    let mut strides = vec![1; shape.len()];
    for i in (1..shape.len()).rev() {
        strides[i - 1] = strides[i] * shape[i];
    }
    [pointer, pointer, 0].into_iter().chain(shape.iter().copied()).chain(strides).collect()
}

/// The name of the first op of `module` outside the LLVM dialect, if any.
fn first_non_llvm_op(module: &Module) -> Option<String> {
    let mut found = None;
    module.as_operation().walk(WalkOrder::PreOrder, |op| {
        let name = op.name().as_string_ref().as_str().unwrap_or_default().to_string();
        if name == "builtin.module" || name.starts_with("llvm.") {
            WalkResult::Advance
        } else {
            found = Some(name);
            WalkResult::Interrupt
        }
    });
    found
}
