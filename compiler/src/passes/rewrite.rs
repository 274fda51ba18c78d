//! Running a set of rewrite patterns on a function with MLIR's greedy driver,
//! and counting what they did.
//!
//! What a pattern may do: match on one root op, read anything, create new ops
//! before the root and replace the root's results. What it may not do: erase
//! ops other than the root (the driver tracks erasures; prune cleans up dead
//! producers), mutate constants in place (attributes are uniqued and shared),
//! or report success without changing the IR (the driver would loop).

use melior::{
    apply_patterns_and_fold_greedily_with_op, create_op_rewrite_pattern,
    ir::{operation::OperationLike, OperationRef},
    GreedyRewriteDriverConfig, PatternRewriter, RewritePatternSet,
};
use std::{cell::RefCell, collections::BTreeMap, rc::Rc};

/// Named event counters shared by the patterns of one pass run.
#[derive(Clone, Default)]
pub struct Counters(Rc<RefCell<BTreeMap<&'static str, usize>>>);

impl Counters {
    pub fn bump(&self, name: &'static str) {
        *self.0.borrow_mut().entry(name).or_default() += 1;
    }

    pub fn add(&self, name: &'static str, n: usize) {
        if n == 0 {
            return;
        }
        *self.0.borrow_mut().entry(name).or_default() += n;
    }

    pub fn get(&self, name: &str) -> usize {
        self.0.borrow().get(name).copied().unwrap_or(0)
    }

    /// Logs every counter at info level under the pass's name.
    pub fn log(&self, pass: &str) {
        for (name, count) in self.0.borrow().iter() {
            tracing::info!(pass, count, "{name}");
        }
    }
}

/// A pattern callback: gets the matched root op and a rewriter; returns
/// whether it changed the IR.
pub type Callback = Box<dyn FnMut(OperationRef, PatternRewriter) -> bool>;

/// Applies `patterns` (root op name, callback) to `func` until fixpoint.
pub fn apply(func: OperationRef, patterns: Vec<(&'static str, Callback)>) -> Result<(), String> {
    let set = quant_dialect::ffi::with_context(func.context(), |context| {
        let set = RewritePatternSet::new(context);
        for (root, mut callback) in patterns {
            set.add(create_op_rewrite_pattern(
                root,
                1,
                context,
                move |_pattern, op, rewriter| {
                    // SAFETY: the greedy driver hands us a live op and rewriter for the
                    // duration of this call only; neither escapes it.
                    let (op, rewriter) = unsafe { (OperationRef::from_raw(op), PatternRewriter::from_raw(rewriter)) };
                    callback(op, rewriter)
                },
                &[],
            ));
        }
        set.freeze()
    });
    let config = GreedyRewriteDriverConfig::new();
    apply_patterns_and_fold_greedily_with_op(func, set, &config)
        .map_err(|_| "the rewrite patterns did not converge".to_string())
}
