//! Floating-point work of a graph: 2·MACs of its conv2d and linear ops
//! (everything else is negligible next to them), for GFLOP/s figures.

use melior::ir::{operation::OperationLike, BlockLike, Module, RegionLike, ValueLike};
use quant_dialect::{tensor::TensorType, OpKind};

fn shape(value: melior::ir::Value) -> Vec<usize> {
    TensorType::of(value.r#type()).map(|t| t.shape).unwrap_or_default()
}

/// FLOPs of one run of every function in `module`.
pub fn count(module: &Module) -> f64 {
    let mut total = 0.0;
    let mut func = module.body().first_operation();
    while let Some(f) = func {
        let mut next = f.region(0).ok().and_then(|r| r.first_block()).and_then(|b| b.first_operation());
        while let Some(op) = next {
            let kind = OpKind::of(&op);
            if matches!(kind, Some(OpKind::Conv2d | OpKind::Linear)) {
                let out: usize = op.result(0).map(|r| shape(r.into()).iter().product()).unwrap_or(0);
                // Each output element takes one MAC per weight element of its output channel.
                let w = op.operand(1).map(shape).unwrap_or_default();
                let per_output: usize = w.iter().skip(1).product();
                total += 2.0 * out as f64 * per_output as f64;
            }
            next = op.next_in_block();
        }
        func = f.next_in_block();
    }
    total
}
