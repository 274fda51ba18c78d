//! Creating an MLIR context that holds the `quant` dialect and nothing that
//! clashes with it.

use melior::{
    dialect::{DialectHandle, DialectRegistry},
    ir::Module,
    utility::load_irdl_dialects,
    Context,
};

/// The IRDL definition of the dialect, embedded at build time.
pub const IRDL_SOURCE: &str = include_str!("../irdl/quant.irdl.mlir");

#[derive(Debug, thiserror::Error)]
pub enum DialectError {
    #[error(
        "the context already holds MLIR's upstream `quant` dialect, which has the same name as \
         ours; create the context without registering it (do not use register_all_dialects)"
    )]
    UpstreamQuantLoaded,
    #[error("the built-in IRDL definition of the quant dialect failed to {0}")]
    BadDefinition(&'static str),
}

fn irdl_handle() -> DialectHandle {
    // SAFETY: returns a static handle owned by libMLIR.
    unsafe { DialectHandle::from_raw(mlir_sys::mlirGetDialectHandle__irdl__()) }
}

/// Loads the `quant` dialect into `context`. Idempotent. Fails when MLIR's own
/// `quant` dialect is already there (same name, different ops).
pub fn load(context: &Context) -> Result<(), DialectError> {
    if context.is_registered_operation("quant.conv2d") {
        return Ok(());
    }
    if context.is_registered_operation("quant.qcast") || context.is_registered_operation("quant.dcast") {
        return Err(DialectError::UpstreamQuantLoaded);
    }
    irdl_handle().load_dialect(context);
    let module = Module::parse(context, IRDL_SOURCE).ok_or(DialectError::BadDefinition("parse"))?;
    if !load_irdl_dialects(&module) {
        return Err(DialectError::BadDefinition("load"));
    }
    Ok(())
}

/// A fresh single-threaded context with builtin, func, arith and irdl, and
/// the `quant` dialect loaded.
pub fn create_context() -> Result<Context, DialectError> {
    let registry = DialectRegistry::new();
    DialectHandle::func().insert_dialect(&registry);
    DialectHandle::arith().insert_dialect(&registry);
    irdl_handle().insert_dialect(&registry);
    let context = Context::new_with_registry(&registry, false);
    context.load_all_available_dialects();
    load(&context)?;
    Ok(context)
}

/// Parses MLIR text or bytecode; `source_name` appears in locations and
/// diagnostics. Errors are reported through the context's diagnostics.
pub fn parse_source<'c>(context: &'c Context, source: &str, source_name: &str) -> Option<Module<'c>> {
    crate::ffi::parse_module(context, source.as_bytes(), source_name)
}
