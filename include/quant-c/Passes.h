/*
 * quant-c/Passes.h: qopt's `quant` dialect and passes for C programs that use
 * the MLIR C API.
 *
 * Link libquant_capi.a (built by `cargo build -p quant-capi`) and NOT libMLIR
 * or libMLIRCAPI*: the archive already contains MLIR, and a second copy would
 * make handles from one copy invalid in the other. See docs/embedding.md for
 * the full link line and the ownership rules.
 *
 * Errors are reported as MLIR error diagnostics on the context (attach a
 * handler with mlirContextAttachDiagnosticHandler, or they go to stderr) and
 * as a failed MlirLogicalResult.
 */
#ifndef QUANT_C_PASSES_H
#define QUANT_C_PASSES_H

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Loads the `quant` dialect, and the `func` and `arith` dialects its IR and
 * passes use, into `context`. Idempotent. Fails when the context already holds
 * MLIR's upstream `quant` dialect (same name): do not call
 * mlirRegisterAllDialects on a context that is to hold ours.
 * The context stays owned by the caller.
 */
MlirLogicalResult quantLoadDialect(MlirContext context);

/*
 * New pass objects. Each is owned by the caller until handed to
 * mlirPassManagerAddOwnedPass or mlirOpPassManagerAddOwnedPass, which take
 * ownership. Each runs on the op it is anchored on (add it to the top-level,
 * builtin.module pass manager) and visits every func.func inside.
 */
MlirPass quantCreateFuseBnPass(void);
MlirPass quantCreateDisableUnnecessaryQuantPass(void);
MlirPass quantCreatePrunePass(void);

/*
 * Runs the default pipeline, in sparsebit's fuse_operations order (prune,
 * quant-fuse-bn, prune, quant-disable-unnecessary-quant, prune), on `module`
 * in place, verifying the IR after each step. The module stays owned by the
 * caller; its context must have the dialect loaded (quantLoadDialect).
 */
MlirLogicalResult quantRunDefaultPipeline(MlirModule module);

#ifdef __cplusplus
}
#endif

#endif /* QUANT_C_PASSES_H */
