//! The embedding API: our passes as plain `melior::pass::Pass` objects for a
//! caller's own pass manager, and sparsebit's `fuse_operations` as one call.
//!
//! Passes run on whatever op they are anchored on (normally `builtin.module`)
//! and visit every `func.func` in it, so add them to the top-level pass manager.

use crate::{
    config::Schedule,
    passes::lookup,
    pipeline::{PipelineError, RunOptions},
};
use melior::{ir::Module, pass::Pass};

fn create(name: &str) -> Pass {
    lookup(name).unwrap_or_else(|| panic!("{name} is missing from the pass registry")).create()
}

/// A new `quant-fuse-bn` pass: folds `quant.batch_norm` into the preceding
/// `quant.conv2d`/`quant.linear`.
///
/// ```
/// use melior::pass::PassManager;
///
/// let context = quant_dialect::create_context().unwrap();
/// let source = include_str!("../../examples/conv-bn-relu.mlir");
/// let mut module = quant_dialect::parse_source(&context, source, "conv-bn-relu.mlir").unwrap();
/// let pm = PassManager::new(&context);
/// pm.add_pass(quant_compiler::fuse_bn());
/// pm.run(&mut module).unwrap();
/// assert!(!module.as_operation().to_string().contains("quant.batch_norm"));
/// ```
pub fn fuse_bn() -> Pass {
    create("quant-fuse-bn")
}

/// A new `quant-disable-unnecessary-quant` pass: removes quantize/dequantize
/// pairs on edges a backend fuses, and exact Q/DQ identities.
///
/// ```
/// use melior::pass::PassManager;
///
/// let context = quant_dialect::create_context().unwrap();
/// let pm = PassManager::new(&context);
/// pm.add_pass(quant_compiler::disable_unnecessary_quant());
/// let mut module = quant_dialect::parse_source(&context, "func.func @f() { return }", "ex").unwrap();
/// assert!(pm.run(&mut module).is_ok());
/// ```
pub fn disable_unnecessary_quant() -> Pass {
    create("quant-disable-unnecessary-quant")
}

/// A new `quant-prune` pass: removes ops whose results do not reach the
/// function's return (MLIR's greedy driver keeps IRDL ops, so this is explicit).
///
/// ```
/// use melior::pass::PassManager;
///
/// let context = quant_dialect::create_context().unwrap();
/// let source = r#"func.func @f(%x: tensor<1x4xf32>) -> tensor<1x4xf32> {
///   %dead = "quant.relu"(%x) : (tensor<1x4xf32>) -> tensor<1x4xf32>
///   return %x : tensor<1x4xf32>
/// }"#;
/// let mut module = quant_dialect::parse_source(&context, source, "ex").unwrap();
/// let pm = PassManager::new(&context);
/// pm.add_pass(quant_compiler::prune());
/// pm.run(&mut module).unwrap();
/// assert!(!module.as_operation().to_string().contains("quant.relu"));
/// ```
pub fn prune() -> Pass {
    create("quant-prune")
}

/// Registers MLIR's upstream transform passes (`canonicalize`, `cse`,
/// `symbol-dce`, `inline`, ...) with MLIR's pass registry, so both MLIR's
/// pipeline parser (`melior::utility::parse_pass_pipeline`) and
/// [`Pipeline::parse_textual`](crate::Pipeline::parse_textual) accept them.
/// Idempotent.
///
/// Our own `quant-*` names are not registered with MLIR: its C API has no way
/// to register an external pass by name (that needs C++ `mlir::registerPass`).
/// [`Pipeline::parse_textual`](crate::Pipeline::parse_textual) and
/// [`Pipeline::parse_list`](crate::Pipeline::parse_list) resolve them through
/// [`registry`](crate::registry) instead; in a hand-built pass manager, add
/// them with [`fuse_bn`], [`disable_unnecessary_quant`] and [`prune`].
///
/// ```
/// use melior::{pass::PassManager, utility::parse_pass_pipeline};
///
/// quant_compiler::register_passes();
/// let pipeline = quant_compiler::Pipeline::parse_textual("builtin.module(quant-fuse-bn,canonicalize,cse)").unwrap();
/// assert_eq!(pipeline.names(), ["quant-fuse-bn", "canonicalize", "cse"]);
///
/// let context = quant_dialect::create_context().unwrap();
/// let pm = PassManager::new(&context);
/// assert!(parse_pass_pipeline(pm.as_operation_pass_manager(), "builtin.module(sccp,inline)").is_ok());
/// ```
pub fn register_passes() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: registers statically known passes in MLIR's global registry; no
    // arguments, and `Once` keeps concurrent callers from racing on it.
    ONCE.call_once(|| unsafe { mlir_sys::mlirRegisterTransformsPasses() });
}

/// sparsebit's `fuse_operations` on `module`: prune, then each step the
/// schedule enables (fuse-bn, then disable-unnecessary-quant), each followed
/// by prune. The IR is verified (MLIR's and the semantic verifier) after
/// every step; errors are also reported as diagnostics at the failing op.
///
/// ```
/// use quant_compiler::config::Schedule;
///
/// let context = quant_dialect::create_context().unwrap();
/// let source = include_str!("../../examples/conv-bn-relu.mlir");
/// let mut module = quant_dialect::parse_source(&context, source, "conv-bn-relu.mlir").unwrap();
/// quant_compiler::fuse_operations(&mut module, &Schedule::default()).unwrap();
/// let ir = module.as_operation().to_string();
/// assert!(!ir.contains("quant.batch_norm") && ir.contains("quant.conv2d"));
/// ```
pub fn fuse_operations(module: &mut Module, schedule: &Schedule) -> Result<(), PipelineError> {
    let pipeline = crate::config::fuse_operations(schedule, None).expect("the default tasks are in the registry");
    pipeline.run(module, RunOptions { verify_each: true, print_ir_after_all: false })
}
