//! qopt's compiler: the `quant-*` passes, the pass registry and pipelines,
//! and sparsebit-style configuration.
//!
//! To embed the passes in another MLIR compiler, see [`fuse_bn`],
//! [`disable_unnecessary_quant`], [`prune`], [`register_passes`] and
//! [`fuse_operations`] (and docs/embedding.md).

mod api;
pub mod config;
pub mod passes;
pub mod pipeline;

pub use api::{disable_unnecessary_quant, fuse_bn, fuse_operations, prune, register_passes};
pub use passes::{registry, PassInfo};
pub use pipeline::{Pipeline, PipelineError, RunOptions};
