//! The second MLIR context: upstream dialects only (TOSA brings MLIR's own
//! `quant` dialect, which shares our dialect's namespace, so the two never
//! meet in one context). The translated text is parsed, verified and printed
//! here, and optionally run through upstream pipelines by name.

use melior::{
    dialect::DialectRegistry,
    ir::{operation::OperationLike, Module},
    pass::PassManager,
    utility::{parse_pass_pipeline, register_all_dialects, register_all_passes},
    Context,
};
use quant_dialect::diag::SourceLoc;
use std::{cell::RefCell, rc::Rc};

/// From TOSA to linalg on tensors: the named ops first (convolutions,
/// matmul, pools), then the element-wise rest, then the arith/tensor
/// leftovers of TOSA and the element-wise arith ops on tensors.
pub const LINALG_PIPELINE: &str = "builtin.module(func.func(tosa-to-linalg-named, tosa-to-linalg, tosa-to-arith, \
     tosa-to-tensor, convert-elementwise-to-linalg), canonicalize, cse)";

/// From linalg on tensors to the LLVM dialect, for MLIR's execution engine:
/// bufferize (functions take and return plain row-major memrefs), turn the
/// results into caller-allocated out-parameters, free the temporaries, lower
/// linalg to loops and everything to LLVM. Every function gets a C interface
/// (`_mlir_ciface_<name>`, memref arguments passed as descriptor pointers).
pub const LLVM_PIPELINE: &str = "builtin.module(one-shot-bufferize{bufferize-function-boundaries \
     function-boundary-type-conversion=identity-layout-map}, \
     buffer-results-to-out-params{hoist-static-allocs modify-public-functions}, buffer-deallocation-pipeline, \
     func.func(convert-linalg-to-loops, llvm-request-c-wrappers), expand-strided-metadata, lower-affine, \
     convert-scf-to-cf, convert-math-to-llvm, convert-math-to-libm, convert-arith-to-llvm, convert-index-to-llvm, \
     finalize-memref-to-llvm, convert-func-to-llvm, convert-cf-to-llvm, reconcile-unrealized-casts)";

fn context() -> Context {
    let registry = DialectRegistry::new();
    register_all_dialects(&registry);
    Context::new_with_registry(&registry, false)
}

/// Collects the context's diagnostics as `file:line:col: message` lines. Its
/// own handler, not quant_dialect's `Capture`: that one is the caller's, for
/// the source context, and must keep collecting meanwhile.
fn capture(context: &Context) -> Rc<RefCell<Vec<String>>> {
    let lines = Rc::new(RefCell::new(Vec::new()));
    let sink = lines.clone();
    context.attach_diagnostic_handler(move |d| {
        let place = SourceLoc::from_location(d.location())
            .map(|l| format!("{}:{}:{}: ", l.file, l.line, l.column))
            .unwrap_or_default();
        let severity = format!("{:?}", d.severity()).to_lowercase();
        sink.borrow_mut().push(format!("{place}{severity}: {d}"));
        true
    });
    lines
}

/// Parses and verifies `text`, runs `pipeline` on it when given, and prints it.
pub fn process(text: &str, pipeline: Option<&str>) -> Result<String, String> {
    with_module(text, pipeline, |module| format!("{}\n", module.as_operation()))
}

/// Parses and verifies `text`, runs `pipeline` on it when given, and hands
/// the module to `then` while its context is alive.
pub fn with_module<T>(text: &str, pipeline: Option<&str>, then: impl FnOnce(&Module) -> T) -> Result<T, String> {
    let context = context();
    let lines = capture(&context);
    let diagnostics = || lines.borrow().join("\n");
    let mut module = Module::parse(&context, text).ok_or_else(&diagnostics)?;
    if !module.as_operation().verify() {
        return Err(diagnostics());
    }
    if let Some(pipeline) = pipeline {
        static REGISTER: std::sync::Once = std::sync::Once::new();
        REGISTER.call_once(register_all_passes);
        let pm = PassManager::new(&context);
        pm.enable_verifier(true);
        parse_pass_pipeline(pm.as_operation_pass_manager(), pipeline).map_err(|e| e.to_string())?;
        pm.run(&mut module).map_err(|_| diagnostics())?;
    }
    Ok(then(&module))
}
