//! An example compiler that embeds qopt's passes: it builds its own melior
//! `PassManager`, mixing the `quant-*` passes with MLIR's upstream
//! `canonicalize` and `cse`, as a compiler engineer would in their pipeline.

use anyhow::{bail, Context as _};
use melior::{
    pass::{transform, PassManager},
    Context,
};

/// Our pipeline: fold batch norms, let MLIR clean up (canonicalize folds,
/// cse merges equal constants), drop Q/DQ pairs the backend fuses, then prune
/// what no longer reaches the return (the greedy driver keeps IRDL ops).
///
/// ```
/// let context = quant_dialect::create_context().unwrap();
/// let pm = embed_example::pass_manager(&context);
/// let mut module = quant_dialect::parse_source(&context, "func.func @f() { return }", "ex").unwrap();
/// pm.run(&mut module).unwrap();
/// ```
pub fn pass_manager(context: &Context) -> PassManager<'_> {
    let pm = PassManager::new(context);
    pm.add_pass(quant_compiler::fuse_bn());
    pm.add_pass(transform::create_canonicalizer());
    pm.add_pass(transform::create_cse());
    pm.add_pass(quant_compiler::disable_unnecessary_quant());
    pm.add_pass(quant_compiler::prune());
    pm
}

/// Parses `source` (named `source_name` in diagnostics), runs [`pass_manager`]
/// on it, checks the result with qopt's semantic verifier and returns the IR.
///
/// ```
/// let ir = embed_example::compile(include_str!("../../conv-bn-relu.mlir"), "conv-bn-relu.mlir").unwrap();
/// assert!(!ir.contains("quant.batch_norm"));
/// ```
pub fn compile(source: &str, source_name: &str) -> anyhow::Result<String> {
    let context = quant_dialect::create_context()?;
    let Some(mut module) = quant_dialect::parse_source(&context, source, source_name) else {
        bail!("{source_name}: cannot parse");
    };
    pass_manager(&context).run(&mut module).with_context(|| format!("{source_name}: the pipeline failed"))?;
    if quant_dialect::verify::verify_module(&module).is_err() {
        bail!("{source_name}: the result does not verify");
    }
    Ok(module.as_operation().to_string())
}
