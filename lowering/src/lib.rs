//! Lowering of `quant` modules into upstream MLIR: TOSA (with a little arith
//! and tensor), and from there linalg through MLIR's own passes.
//!
//! MLIR's TOSA dialect depends on MLIR's upstream `quant` dialect, which has
//! the namespace of ours, so TOSA cannot be loaded next to our dialect. The
//! lowering is therefore a translation: the module is walked in its own
//! context and written as upstream MLIR text, which a second context (upstream
//! dialects only) parses, verifies and prints. See docs/lowering.md.

mod conv;
mod elementwise;
mod emit;
mod execute;
mod pool;
mod quantize;
mod tosa;
mod translate;
mod upstream;
mod window;

use melior::ir::Module;

#[derive(Debug, thiserror::Error)]
pub enum LoweringError {
    /// An op could not be lowered; the error was also reported as a
    /// diagnostic at that op in the source module's context.
    #[error("{0}")]
    Op(String),
    /// MLIR rejected the generated module (a bug in the lowering).
    #[error("the lowered module does not verify in upstream MLIR:\n{0}")]
    Upstream(String),
    /// An upstream pass pipeline failed.
    #[error("upstream lowering failed:\n{0}")]
    Pipeline(String),
    /// MLIR's execution engine could not compile or run the module.
    #[error("MLIR engine: {0}")]
    Engine(String),
}

/// The TOSA form of `module`, verified by MLIR, as text. Every op of the
/// dialect is supported; other ops (except `arith.constant` and
/// `func.return`) are an error.
pub fn lower_to_tosa(module: &Module) -> Result<String, LoweringError> {
    let text = translate::module(module).map_err(LoweringError::Op)?;
    upstream::process(&text, None).map_err(LoweringError::Upstream)
}

/// The module lowered to linalg on tensors: its TOSA form through MLIR's
/// upstream conversion passes, by name ([`LINALG_PIPELINE`]).
pub fn lower_to_linalg(module: &Module) -> Result<String, LoweringError> {
    let tosa = lower_to_tosa(module)?;
    upstream::process(&tosa, Some(LINALG_PIPELINE)).map_err(LoweringError::Pipeline)
}

pub use execute::MlirEngine;
pub use upstream::{LINALG_PIPELINE, LLVM_PIPELINE};
