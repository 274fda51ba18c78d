//! qopt's compiler: the `quant-*` passes, the pass registry and pipelines,
//! and sparsebit-style configuration.

pub mod config;
pub mod passes;
pub mod pipeline;

pub use passes::{registry, PassInfo};
pub use pipeline::{Pipeline, PipelineError, RunOptions};
