//! Loading a model file (MLIR text or bytecode) into an engine, with MLIR
//! diagnostics on failure.

use melior::{ir::Module, Context};
use quant_dialect::diag::Capture;
use quant_runtime::{Interpreter, Tensor, TensorSpec};

/// Parses and verifies the model at `path`; errors carry MLIR's diagnostics.
pub fn parse<'c>(context: &'c Context, path: &str) -> Result<Module<'c>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot open model '{path}': {e}"))?;
    let capture = Capture::new(context);
    let module = quant_dialect::ffi::parse_module(context, &bytes, path)
        .filter(|m| quant_dialect::verify::verify_module(m).is_ok());
    module.ok_or_else(|| {
        let lines: Vec<String> = capture.take().iter().map(ToString::to_string).collect();
        if lines.is_empty() {
            format!("{path}: invalid model")
        } else {
            lines.join("\n")
        }
    })
}

/// A loaded entry function, ready to run.
pub struct Model {
    pub path: String,
    engine: Interpreter,
}

impl Model {
    /// Parses, verifies and prepares `entry` of the file at `path`.
    pub fn load(context: &Context, path: &str, entry: &str) -> Result<Self, String> {
        let module = parse(context, path)?;
        let engine = Interpreter::new(&module, entry).map_err(|e| format!("{path}: {e}"))?;
        Ok(Model { path: path.to_string(), engine })
    }

    pub fn inputs(&self) -> &[TensorSpec] {
        self.engine.inputs()
    }

    pub fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>, String> {
        self.engine.run(inputs).map_err(|e| format!("{}: {e}", self.path))
    }
}
