//! `quant-prune`: sparsebit's PruneGraph. Removes every op whose results do
//! not reach the function's return. MLIR's greedy driver keeps IRDL ops (their
//! side effects are unknown), so dead-code removal is this explicit pass.
//! Only ops known to be free of side effects are removed: the quant ops and
//! arith's. Anything else (a `func.call`, another dialect's op) may have
//! effects that MLIR's C API cannot tell us about, so it stays.

use super::functions;
use melior::ir::{operation::OperationLike, BlockLike, BlockRef, OperationRef, RegionLike};
use quant_dialect::{ffi, OpKind};
use std::collections::HashSet;

pub(super) fn run(root: OperationRef) -> Result<(), String> {
    let removed: usize = functions(root).into_iter().map(prune_function).sum();
    tracing::info!(pass = "quant-prune", removed, "dead ops removed");
    Ok(())
}

/// The op of `block` that is `op` or contains it.
fn ancestor_in<'c, 'a>(mut op: OperationRef<'c, 'a>, block: &BlockRef) -> Option<OperationRef<'c, 'a>> {
    loop {
        if op.block().map(|b| b == *block).unwrap_or(false) {
            return Some(op);
        }
        op = op.parent_operation()?;
    }
}

fn is_pure(op: &OperationRef) -> bool {
    OpKind::of(op).is_some() || op.name().as_string_ref().as_str().is_ok_and(|n| n.starts_with("arith."))
}

fn prune_function(func: OperationRef) -> usize {
    let Some(block) = func.region(0).ok().and_then(|r| r.first_block()) else {
        return 0;
    };
    let mut ops = Vec::new();
    let mut next = block.first_operation();
    while let Some(op) = next {
        next = op.next_in_block();
        ops.push(op);
    }
    let terminator = block.terminator();
    // Walking backwards, every user of an op has been classified already.
    let mut live = HashSet::new();
    let mut dead = Vec::new();
    for op in ops.into_iter().rev() {
        let keep = Some(op) == terminator
            || !is_pure(&op)
            || op.results().any(|r| {
                ffi::users(r.into())
                    .into_iter()
                    .filter_map(|user| ancestor_in(user, &block))
                    .any(|user| live.contains(&user.to_raw().ptr))
            });
        if keep {
            live.insert(op.to_raw().ptr);
        } else {
            dead.push(op);
        }
    }
    // Users come before the ops they use in `dead`, so each erase leaves no dangling use.
    let count = dead.len();
    dead.into_iter().for_each(ffi::erase_op);
    count
}
