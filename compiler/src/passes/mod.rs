//! The pass registry and what the passes share.
//!
//! MLIR's C API cannot register external passes by name, so this table is
//! how pipelines find them; upstream names go to MLIR's own parser.

mod disable_unnecessary_quant;
mod fuse_bn;
pub mod fusible;
mod prune;
pub mod rewrite;

use melior::{
    ir::{operation::OperationLike, r#type::TypeId, BlockLike, OperationRef, RegionLike},
    pass::{create_external, ExternalPass, Pass, RunExternalPass},
    ContextRef,
};

/// One entry of the registry.
pub struct PassInfo {
    /// The stable pass name (`quant-fuse-bn`), used in pipelines.
    pub name: &'static str,
    /// The qopt flag (`fuse-bn`) and sparsebit schedule name (`fuse_bn`) derive from it.
    pub flag: &'static str,
    pub sparsebit_name: Option<&'static str>,
    pub description: &'static str,
    run: fn(OperationRef) -> Result<(), String>,
    id: &'static PassId,
}

#[repr(align(8))]
struct PassId;

static PRUNE_ID: PassId = PassId;
static FUSE_BN_ID: PassId = PassId;
static DUQ_ID: PassId = PassId;

static REGISTRY: [PassInfo; 3] = [
    PassInfo {
        name: "quant-prune",
        flag: "prune",
        sparsebit_name: None,
        description: "Remove ops whose results do not reach the function's return (sparsebit PruneGraph)",
        run: prune::run,
        id: &PRUNE_ID,
    },
    PassInfo {
        name: "quant-fuse-bn",
        flag: "fuse-bn",
        sparsebit_name: Some("fuse_bn"),
        description: "Fold batch_norm into the preceding conv2d/linear, quantization-aware",
        run: fuse_bn::run,
        id: &FUSE_BN_ID,
    },
    PassInfo {
        name: "quant-disable-unnecessary-quant",
        flag: "disable-unnecessary-quant",
        sparsebit_name: Some("disable_unnecessary_quant"),
        description: "Remove quantize/dequantize pairs on edges a backend fuses, and exact Q/DQ identities",
        run: disable_unnecessary_quant::run,
        id: &DUQ_ID,
    },
];

/// Every pass qopt knows by name.
pub fn registry() -> &'static [PassInfo] {
    &REGISTRY
}

/// Looks a pass up by its name (`quant-fuse-bn`) or its flag (`fuse-bn`).
pub fn lookup(name: &str) -> Option<&'static PassInfo> {
    REGISTRY.iter().find(|p| p.name == name || p.flag == name)
}

#[derive(Clone)]
struct External(&'static PassInfo);

impl<'c> RunExternalPass<'c> for External {
    fn initialize(&mut self, _context: ContextRef<'c>) {}

    fn run(&mut self, operation: OperationRef<'c, '_>, pass: ExternalPass<'_>) {
        if let Err(message) = (self.0.run)(operation) {
            quant_dialect::diag::emit(operation.location(), quant_dialect::diag::Severity::Error, &message);
            pass.signal_failure();
        }
    }
}

impl PassInfo {
    /// A fresh MLIR pass object running this pass on any op it is anchored on.
    pub fn create(&'static self) -> Pass {
        create_external(External(self), TypeId::create(self.id), self.name, self.name, self.description, "", &[])
    }
}

/// The `func.func` ops at `root` or directly inside (nested) modules under it.
pub(crate) fn functions<'c, 'a>(root: OperationRef<'c, 'a>) -> Vec<OperationRef<'c, 'a>> {
    let name = root.name();
    match name.as_string_ref().as_str() {
        Ok("func.func") => vec![root],
        Ok("builtin.module") => {
            let mut out = Vec::new();
            let mut next = root.region(0).ok().and_then(|r| r.first_block()).and_then(|b| b.first_operation());
            while let Some(op) = next {
                out.extend(functions(op));
                next = op.next_in_block();
            }
            out
        }
        _ => Vec::new(),
    }
}
