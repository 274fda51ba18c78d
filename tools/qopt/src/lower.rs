//! The lowering steps qopt runs after every pass: `quant-lower-to-tosa` and
//! `quant-lower-to-linalg`. They are translations into a second MLIR context
//! (see quant-lowering), not passes of the pipeline, so they always run last
//! and their result replaces the printed module.

use crate::cli::Cli;
use clap::ValueEnum;
use melior::ir::{operation::OperationLike, Module};
use quant_dialect::diag::Severity;
use quant_lowering::LoweringError;

/// `--quant-pipeline` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum NamedPipeline {
    /// fuse-bn → disable-unnecessary-quant → prune → lower-to-tosa.
    Deploy,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lowering {
    Tosa,
    Linalg,
}

impl Lowering {
    fn name(self) -> &'static str {
        match self {
            Lowering::Tosa => "quant-lower-to-tosa",
            Lowering::Linalg => "quant-lower-to-linalg",
        }
    }
}

/// The lowering the options ask for, the deepest one when several do.
pub fn requested(cli: &Cli) -> Option<Lowering> {
    if cli.lower_to_linalg {
        Some(Lowering::Linalg)
    } else if cli.lower_to_tosa || cli.quant_pipeline == Some(NamedPipeline::Deploy) {
        Some(Lowering::Tosa)
    } else {
        None
    }
}

/// `--list-passes` lines for the lowering steps.
pub fn list() {
    println!("  --{:<28} Translate to upstream TOSA (runs last; prints TOSA) (quant-lower-to-tosa)", "lower-to-tosa");
    println!(
        "  --{:<28} TOSA, then MLIR's tosa-to-linalg passes (runs last) (quant-lower-to-linalg)",
        "lower-to-linalg"
    );
}

/// Lowers `module` and returns the printed upstream module. Failures are
/// reported as diagnostics in the module's context.
pub fn run(module: &Module, lowering: Lowering, print_ir_after_all: bool) -> Option<Vec<u8>> {
    let result = match lowering {
        Lowering::Tosa => quant_lowering::lower_to_tosa(module),
        Lowering::Linalg => quant_lowering::lower_to_linalg(module),
    };
    match result {
        Ok(text) => {
            if print_ir_after_all {
                eprintln!("// -----// IR Dump After {} //----- //\n{text}", lowering.name());
            }
            Some(text.into_bytes())
        }
        // Already reported at the op.
        Err(LoweringError::Op(_)) => None,
        Err(e) => {
            quant_dialect::diag::emit(module.as_operation().location(), Severity::Error, &e.to_string());
            None
        }
    }
}
