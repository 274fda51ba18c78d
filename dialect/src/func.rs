//! Finding functions and walking their bodies: what every consumer of a
//! parsed module (runtime, exporter, tools) starts with.

use melior::ir::{attribute::StringAttribute, operation::OperationLike, BlockLike, Module, OperationRef, RegionLike};

/// The name of an op (`quant.conv2d`).
pub fn op_name(op: &OperationRef) -> String {
    op.name().as_string_ref().as_str().unwrap_or("<invalid name>").to_string()
}

/// The `func.func` named `name` at the top level of `module`.
pub fn find_function<'c, 'a>(module: &'a Module<'c>, name: &str) -> Option<OperationRef<'c, 'a>> {
    let mut next = module.body().first_operation();
    while let Some(op) = next {
        let symbol = op.attribute("sym_name").ok().and_then(|a| StringAttribute::try_from(a).ok());
        if op_name(&op) == "func.func" && symbol.is_some_and(|s| s.value() == name) {
            return Some(op);
        }
        next = op.next_in_block();
    }
    None
}

/// The ops of the first block of `func`, in order.
pub fn body_ops<'c, 'a>(func: OperationRef<'c, 'a>) -> Vec<OperationRef<'c, 'a>> {
    let mut ops = Vec::new();
    let mut next = func.region(0).ok().and_then(|r| r.first_block()).and_then(|b| b.first_operation());
    while let Some(op) = next {
        next = op.next_in_block();
        ops.push(op);
    }
    ops
}
