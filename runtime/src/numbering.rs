//! Numbering the SSA values of a function body: each value gets a slot, in
//! definition order (arguments, then constants and op results), with its type.

use crate::TensorSpec;
use melior::ir::{Value, ValueLike};
use std::collections::HashMap;

#[derive(Default)]
pub(crate) struct Numbering {
    slots: HashMap<usize, usize>,
    pub specs: Vec<TensorSpec>,
}

impl Numbering {
    /// Gives `value` the next slot.
    pub fn define(&mut self, value: Value, spec: TensorSpec) -> usize {
        self.specs.push(spec);
        self.slots.insert(value.to_raw().ptr as usize, self.specs.len() - 1);
        self.specs.len() - 1
    }

    /// The slot of `value`, if it was defined.
    pub fn lookup(&self, value: Value) -> Option<usize> {
        self.slots.get(&(value.to_raw().ptr as usize)).copied()
    }

    /// The slot of an operand, or the error of a use before its definition.
    pub fn slot(&self, value: Value) -> Result<usize, String> {
        self.lookup(value).ok_or_else(|| "an operand is not defined before use".to_string())
    }
}
