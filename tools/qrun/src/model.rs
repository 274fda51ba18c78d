//! Loading a model file (MLIR text or bytecode) into an engine, with MLIR
//! diagnostics on failure.

use clap::ValueEnum;
use melior::{ir::Module, Context};
use quant_dialect::tensor::ElemType;
use quant_lowering::MlirEngine;
use quant_runtime::{
    jit::{Executor, Options},
    Interpreter, RuntimeError, Tensor, TensorSpec,
};

/// What runs the graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EngineKind {
    /// LLVM-JIT SIMD kernels.
    Jit,
    /// The reference interpreter (slow, obviously correct).
    Reference,
    /// MLIR's own execution engine, on the graph lowered through TOSA and
    /// linalg (f32 inputs and outputs only): a cross-check of the JIT.
    Mlir,
}

/// How to run a model: engine and threads, shared by the commands.
#[derive(clap::Args, Clone, Copy, Debug)]
pub struct EngineArgs {
    #[arg(long, value_enum, default_value = "jit")]
    pub engine: EngineKind,
    /// Worker threads of the JIT engine (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// JIT engine: run every op in its own kernel, without epilogue fusion.
    #[arg(long)]
    pub no_fusion: bool,
    /// JIT engine: run stride-1 3×3 convs directly, not as Winograd
    /// F(2×2, 3×3).
    #[arg(long)]
    pub no_winograd: bool,
}

impl EngineArgs {
    pub fn threads(&self) -> usize {
        self.threads.unwrap_or_else(|| Options::default().threads).max(1)
    }
}

/// Parses and verifies the model at `path`; errors carry MLIR's diagnostics.
pub fn parse<'c>(context: &'c Context, path: &str) -> Result<Module<'c>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot open model '{path}': {e}"))?;
    quant_dialect::verify::parse_verified(context, &bytes, path)
}

enum Engine {
    Jit(Executor),
    Reference(Interpreter),
    /// The engine and its input specs (all f32).
    Mlir(MlirEngine, Vec<TensorSpec>),
}

/// A loaded entry function, ready to run.
pub struct Model {
    pub path: String,
    engine: Engine,
}

impl Model {
    /// Parses, verifies and prepares (compiles, for the JIT) `entry` of the file at `path`.
    pub fn load(context: &Context, path: &str, entry: &str, how: EngineArgs) -> Result<Self, String> {
        Self::from_module(&parse(context, path)?, path, entry, how)
    }

    /// Prepares `entry` of an already parsed `module` read from `path`.
    pub fn from_module(module: &Module, path: &str, entry: &str, how: EngineArgs) -> Result<Self, String> {
        let at = |e: RuntimeError| format!("{path}: {e}");
        let engine = match how.engine {
            EngineKind::Jit => Engine::Jit(
                Executor::compile(
                    module,
                    entry,
                    Options { threads: how.threads(), fuse: !how.no_fusion, winograd: !how.no_winograd },
                )
                .map_err(at)?,
            ),
            EngineKind::Reference => Engine::Reference(Interpreter::new(module, entry).map_err(at)?),
            EngineKind::Mlir => {
                let engine = MlirEngine::compile(module, entry).map_err(|e| format!("{path}: {e}"))?;
                let specs =
                    engine.inputs().iter().map(|s| TensorSpec { shape: s.clone(), elem: ElemType::F32 }).collect();
                Engine::Mlir(engine, specs)
            }
        };
        Ok(Model { path: path.to_string(), engine })
    }

    pub fn inputs(&self) -> &[TensorSpec] {
        match &self.engine {
            Engine::Jit(e) => e.inputs(),
            Engine::Reference(i) => i.inputs(),
            Engine::Mlir(_, specs) => specs,
        }
    }

    /// The JIT executor, when that is the engine.
    pub fn jit(&self) -> Option<&Executor> {
        match &self.engine {
            Engine::Jit(e) => Some(e),
            _ => None,
        }
    }

    pub fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>, String> {
        let result = match &self.engine {
            Engine::Jit(e) => e.run(inputs).map_err(|e| e.to_string()),
            Engine::Reference(i) => i.run(inputs).map_err(|e| e.to_string()),
            Engine::Mlir(e, _) => run_mlir(e, inputs),
        };
        result.map_err(|e| format!("{}: {e}", self.path))
    }
}

fn run_mlir(engine: &MlirEngine, inputs: &[Tensor]) -> Result<Vec<Tensor>, String> {
    let arrays = inputs.iter().map(|t| match t {
        Tensor::F32(a) => Ok(a.clone()),
        Tensor::Int { elem, .. } => Err(format!("the mlir engine takes f32 inputs only, got {}", elem.name())),
    });
    let outputs = engine.run(&arrays.collect::<Result<Vec<_>, _>>()?).map_err(|e| e.to_string())?;
    Ok(outputs.into_iter().map(Tensor::F32).collect())
}
