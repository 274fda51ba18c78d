//! The C API of qopt's passes (header: `include/quant-c/Passes.h`), over MLIR
//! C API handles. Built as a static library that also carries MLIR itself, so
//! a C program linking it shares one MLIR with our passes (docs/embedding.md).
//!
//! Errors are reported as MLIR error diagnostics on the caller's context (so
//! its diagnostic handlers see them) and as a failed `MlirLogicalResult`.

use melior::{
    dialect::DialectHandle,
    ir::{operation::OperationLike, Location, Module},
    ContextRef,
};
use mlir_sys::{MlirContext, MlirLogicalResult, MlirModule, MlirPass};
use quant_compiler::config::Schedule;
use quant_dialect::ffi::{emit_error, with_context};
use std::{
    mem::ManuallyDrop,
    panic::{catch_unwind, AssertUnwindSafe},
};

fn result(success: bool) -> MlirLogicalResult {
    MlirLogicalResult { value: success.into() }
}

/// Runs `f`, turning a panic into a failure: unwinding into C is not allowed.
fn guarded(f: impl FnOnce() -> bool) -> MlirLogicalResult {
    result(catch_unwind(AssertUnwindSafe(f)).unwrap_or(false))
}

/// Loads the `quant` dialect, and the `func` and `arith` dialects its IR and
/// passes use, into `context`. Idempotent. Fails, with an error diagnostic,
/// when the context already holds MLIR's upstream `quant` dialect.
///
/// # Safety
///
/// `context` must be null or a live context that no other thread uses during the call.
#[export_name = "quantLoadDialect"]
pub unsafe extern "C" fn load_dialect(context: MlirContext) -> MlirLogicalResult {
    if context.ptr.is_null() {
        return result(false);
    }
    // SAFETY: the caller guarantees a live context; the reference does not outlive the call.
    let context = unsafe { ContextRef::from_raw(context) };
    guarded(|| {
        with_context(context, |context| {
            DialectHandle::func().load_dialect(context);
            DialectHandle::arith().load_dialect(context);
            quant_dialect::load(context).map_err(|e| emit_error(Location::unknown(context), &e.to_string())).is_ok()
        })
    })
}

/// A new `quant-fuse-bn` pass, owned by the caller until added to a pass manager.
#[export_name = "quantCreateFuseBnPass"]
pub extern "C" fn create_fuse_bn_pass() -> MlirPass {
    quant_compiler::fuse_bn().to_raw()
}

/// A new `quant-disable-unnecessary-quant` pass, owned by the caller until added to a pass manager.
#[export_name = "quantCreateDisableUnnecessaryQuantPass"]
pub extern "C" fn create_disable_unnecessary_quant_pass() -> MlirPass {
    quant_compiler::disable_unnecessary_quant().to_raw()
}

/// A new `quant-prune` pass, owned by the caller until added to a pass manager.
#[export_name = "quantCreatePrunePass"]
pub extern "C" fn create_prune_pass() -> MlirPass {
    quant_compiler::prune().to_raw()
}

/// Runs the default pipeline (sparsebit's `fuse_operations` order: prune,
/// fuse-bn, prune, disable-unnecessary-quant, prune) on `module` in place,
/// verifying after each step. The module stays owned by the caller.
///
/// # Safety
///
/// `module` must be null or a live module whose context has the dialect loaded
/// (see [`load_dialect`]) and is not used by another thread during the call.
#[export_name = "quantRunDefaultPipeline"]
pub unsafe extern "C" fn run_default_pipeline(module: MlirModule) -> MlirLogicalResult {
    if module.ptr.is_null() {
        return result(false);
    }
    // SAFETY: the caller guarantees a live module and keeps ownership of it:
    // ManuallyDrop stops melior from destroying it when this borrow ends.
    let mut module = ManuallyDrop::new(unsafe { Module::from_raw(module) });
    guarded(|| {
        quant_compiler::fuse_operations(&mut module, &Schedule::default())
            .map_err(|e| emit_error(module.as_operation().location(), &e.to_string()))
            .is_ok()
    })
}
