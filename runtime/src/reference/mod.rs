//! The reference interpreter. [`Interpreter::new`] lowers the entry function
//! into an owned list of steps (constants decoded, attributes read, every op
//! checked to be supported); [`Interpreter::run`] evaluates the steps in
//! order, checking each result against the type the IR declares.

mod activation;
mod conv;
mod layout;
mod norm;
mod op;
mod pool;
mod quant;
mod window;

use crate::{numbering::Numbering, RuntimeError, Site, Tensor, TensorSpec};
use melior::ir::{operation::OperationLike, BlockLike, Module, OperationRef, RegionLike, Value, ValueLike};
use quant_dialect::{
    func::{find_function, op_name},
    tensor::ConstTensor,
    OpKind,
};
use std::borrow::Cow;

pub use norm::BatchStats;
pub(crate) use op::Op;

/// One op of the entry function, ready to evaluate.
struct Step {
    name: String,
    site: Site,
    op: Op,
    operands: Vec<usize>,
    result: usize,
}

/// A lowered entry function. Values are numbered: the arguments first, then
/// constants and op results in program order.
pub struct Interpreter {
    entry: String,
    specs: Vec<TensorSpec>,
    arguments: usize,
    constants: Vec<(usize, Tensor)>,
    steps: Vec<Step>,
    returns: Vec<usize>,
    return_site: Option<Site>,
    /// Per value: whether it depends on an argument (an activation, whose
    /// dimension 0 is the batch) rather than on constants only.
    activation: Vec<bool>,
}

fn op_error(op: &OperationRef, message: impl Into<String>) -> RuntimeError {
    RuntimeError::Op { op: op_name(op), site: Site::of(op.location()), message: message.into() }
}

impl Interpreter {
    /// Lowers function `entry` of `module`. Fails on ops outside the
    /// contract, malformed attributes and unsupported types.
    pub fn new(module: &Module, entry: &str) -> Result<Self, RuntimeError> {
        let func = find_function(module, entry).ok_or_else(|| RuntimeError::MissingEntry(entry.to_string()))?;
        let block = func.region(0).ok().and_then(|r| r.first_block()).ok_or_else(|| op_error(&func, "has no body"))?;
        if block.next_in_region().is_some() {
            return Err(op_error(&func, "functions with several blocks are not supported"));
        }
        let mut numbering = Numbering::default();
        for i in 0..block.argument_count() {
            let value: Value = block.argument(i).map_err(|e| op_error(&func, e.to_string()))?.into();
            let spec = TensorSpec::of(value.r#type()).map_err(|e| op_error(&func, format!("argument #{i}: {e}")))?;
            numbering.define(value, spec);
        }
        let mut interpreter = Interpreter {
            entry: entry.to_string(),
            specs: Vec::new(),
            arguments: block.argument_count(),
            constants: Vec::new(),
            steps: Vec::new(),
            returns: Vec::new(),
            return_site: None,
            activation: Vec::new(),
        };
        let mut next = block.first_operation();
        while let Some(op) = next {
            interpreter.lower(&op, &mut numbering)?;
            next = op.next_in_block();
        }
        if interpreter.return_site.is_none() {
            return Err(op_error(&func, "has no func.return"));
        }
        interpreter.activation = interpreter.activations(numbering.specs.len());
        interpreter.specs = numbering.specs;
        Ok(interpreter)
    }

    fn lower(&mut self, op: &OperationRef, numbering: &mut Numbering) -> Result<(), RuntimeError> {
        let name = op_name(op);
        let operands = op
            .operands()
            .enumerate()
            .map(|(i, v)| {
                numbering.lookup(v).ok_or_else(|| op_error(op, format!("operand #{i} is not defined before use")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if name == "func.return" {
            self.returns = operands;
            self.return_site = Some(Site::of(op.location()));
            return Ok(());
        }
        let kind = OpKind::from_name(&name);
        if kind.is_none() && name != "arith.constant" {
            return Err(RuntimeError::Unsupported { op: name, site: Site::of(op.location()) });
        }
        if op.result_count() != 1 {
            return Err(op_error(op, format!("expected one result, got {}", op.result_count())));
        }
        let value: Value = op.result(0).map_err(|e| op_error(op, e.to_string()))?.into();
        let spec = TensorSpec::of(value.r#type()).map_err(|e| op_error(op, format!("result: {e}")))?;
        let Some(kind) = kind else {
            let tensor = ConstTensor::of_value(value)
                .and_then(Tensor::from_const)
                .ok_or_else(|| op_error(op, "expected a dense or dense_resource tensor of f32, i8, ui8 or i32"))?;
            self.constants.push((numbering.define(value, spec), tensor));
            return Ok(());
        };
        let decoded = Op::decode(kind, op).map_err(|e| op_error(op, e))?;
        let result = numbering.define(value, spec);
        self.steps.push(Step { name, site: Site::of(op.location()), op: decoded, operands, result });
        Ok(())
    }

    /// The types of the entry function's arguments.
    pub fn inputs(&self) -> &[TensorSpec] {
        &self.specs[..self.arguments]
    }

    /// The types of the values the entry function returns.
    pub fn outputs(&self) -> Vec<TensorSpec> {
        self.returns.iter().map(|&slot| self.specs[slot].clone()).collect()
    }

    fn activations(&self, values: usize) -> Vec<bool> {
        let mut activation = vec![false; values];
        activation[..self.arguments].fill(true);
        for step in &self.steps {
            activation[step.result] = step.operands.iter().any(|&o| activation[o]);
        }
        activation
    }

    /// Evaluates the function on `inputs` (one per argument, of its type).
    pub fn run(&self, inputs: &[Tensor]) -> Result<Vec<Tensor>, RuntimeError> {
        self.evaluate(inputs, None)
    }

    /// Evaluates the function in training mode, for BN tuning: every
    /// batch_norm normalizes with the statistics of the batch, which are
    /// returned in program order. The batch size (dimension 0 of every
    /// argument and activation) may differ from the one the IR declares.
    pub fn run_training(&self, inputs: &[Tensor]) -> Result<(Vec<Tensor>, Vec<BatchStats>), RuntimeError> {
        let batch = inputs.first().and_then(|t| t.shape().first().copied()).unwrap_or(0);
        let mut stats = Vec::new();
        let outputs = self.evaluate(inputs, Some((batch, &mut stats)))?;
        Ok((outputs, stats))
    }

    /// The type of value `slot`, with the batch dimension of activations
    /// replaced by `batch` when given.
    fn spec_of(&self, slot: usize, batch: Option<usize>) -> Cow<'_, TensorSpec> {
        let spec = &self.specs[slot];
        match batch {
            Some(n) if self.activation[slot] && !spec.shape.is_empty() && spec.shape[0] != n => {
                let mut shape = spec.shape.clone();
                shape[0] = n;
                Cow::Owned(TensorSpec { shape, elem: spec.elem })
            }
            _ => Cow::Borrowed(spec),
        }
    }

    fn evaluate(
        &self,
        inputs: &[Tensor],
        mut training: Option<(usize, &mut Vec<BatchStats>)>,
    ) -> Result<Vec<Tensor>, RuntimeError> {
        if inputs.len() != self.arguments {
            return Err(RuntimeError::InputCount {
                entry: self.entry.clone(),
                expected: self.arguments,
                got: inputs.len(),
            });
        }
        let batch = training.as_ref().map(|(n, _)| *n);
        let mut values: Vec<Option<Cow<Tensor>>> = vec![None; self.specs.len()];
        for (index, input) in inputs.iter().enumerate() {
            let bad = |message: String| RuntimeError::BadInput { entry: self.entry.clone(), index, message };
            let spec = self.spec_of(index, batch);
            if input.spec() != *spec {
                return Err(bad(format!("expected tensor<{spec}>, got tensor<{}>", input.spec())));
            }
            input.check_range().map_err(bad)?;
            values[index] = Some(Cow::Borrowed(input));
        }
        for (slot, tensor) in &self.constants {
            values[*slot] = Some(Cow::Borrowed(tensor));
        }
        for step in &self.steps {
            let fail = |message: String| RuntimeError::Op { op: step.name.clone(), site: step.site.clone(), message };
            let operands: Vec<&Tensor> = step
                .operands
                .iter()
                .map(|&slot| values[slot].as_deref())
                .collect::<Option<_>>()
                .ok_or_else(|| fail("an operand has no value".into()))?;
            let expected = self.spec_of(step.result, batch);
            let trained = match &mut training {
                Some((_, stats)) => step.op.eval_training_batch_norm(&operands).map(|r| {
                    r.map(|(y, s)| {
                        stats.push(s);
                        y
                    })
                }),
                None => None,
            };
            let result = trained.unwrap_or_else(|| step.op.eval(&operands, &expected)).map_err(fail)?;
            if result.spec() != *expected {
                return Err(fail(format!(
                    "computed tensor<{}>, but the result type is tensor<{expected}>",
                    result.spec()
                )));
            }
            tracing::trace!(op = %step.name, site = %step.site, "evaluated");
            values[step.result] = Some(Cow::Owned(result));
        }
        self.returns
            .iter()
            .map(|&slot| values[slot].as_ref().map(|t| t.clone().into_owned()))
            .collect::<Option<_>>()
            .ok_or_else(|| RuntimeError::Op {
                op: "func.return".into(),
                site: self.return_site.clone().unwrap_or(Site::UNKNOWN),
                message: "a returned value has no value".into(),
            })
    }
}
