//! Lowering the entry function into steps: constants decoded, conv/linear
//! and element-wise ops grouped with the element-wise ops that consume their
//! result (when it has a single user) into one kernel, weights packed, steps
//! on constants folded, and the kernels of the other steps fetched from the
//! cache in one batch.

use super::{
    buffers::BufferPool,
    cache::{self, Signature},
    decode::{
        check_result, conv_sig_for, key, linear_sig, max_pool_sig, name_of, op_error, operand, quant_args, result,
        spec_of, stage_shape, unary_of,
    },
    host::Host,
    ir::Elem,
    map::MapSig,
    stages::{self, Stage},
    step::{Kind, StageArgs, Step, Values},
    winograd::{self, Winograd},
    workers::Workers,
    Options,
};
use crate::{numbering::Numbering, reference::Op, RuntimeError, Site, Tensor, TensorSpec};
use melior::ir::{operation::OperationLike, BlockLike, Module, OperationRef, RegionLike, Value};
use quant_dialect::{
    attrs, ffi,
    qparams::QuantParams,
    tensor::ConstTensor,
    views::{Conv2dAttrs, PoolAttrs},
    OpKind,
};
use std::{
    borrow::Cow,
    collections::{HashMap, HashSet},
};

/// A lowered function. Slots number the values: arguments first, then
/// constants and results in program order.
pub(super) struct Plan {
    pub specs: Vec<TensorSpec>,
    pub arguments: usize,
    /// The value of each constant slot (folded steps included).
    pub constants: Vec<Option<Tensor>>,
    pub steps: Vec<Step>,
    pub returns: Vec<usize>,
    /// Per step, the computed values no later step reads and the function
    /// does not return: their storage is recycled once the step is done.
    pub dead_after: Vec<Vec<usize>>,
}

/// For each step, the results of steps whose last reader (or, unread, whose
/// producer) it is, leaving out returned values.
fn dead_after(steps: &[Step], returns: &[usize]) -> Vec<Vec<usize>> {
    let mut last_use: HashMap<usize, usize> = HashMap::new();
    for (index, step) in steps.iter().enumerate() {
        last_use.insert(step.result, index);
        for slot in step.operands() {
            last_use.entry(slot).and_modify(|last| *last = index);
        }
    }
    let mut dead = vec![Vec::new(); steps.len()];
    for (slot, index) in last_use {
        if !returns.contains(&slot) {
            dead[index].push(slot);
        }
    }
    dead
}

struct Lowering {
    numbering: Numbering,
    constants: Vec<Option<Tensor>>,
    steps: Vec<Step>,
    /// Ops claimed by the chain of an earlier head, by op; the last op of
    /// each chain maps to its head and chain, lowered when the walk reaches
    /// that last op (all operands of the chain are defined by then).
    absorbed: HashSet<usize>,
    pending: HashMap<usize, (usize, Vec<usize>, Option<usize>)>,
    options: Options,
}

pub(super) fn lower(module: &Module, entry: &str, options: &Options) -> Result<Plan, RuntimeError> {
    let func = quant_dialect::func::find_function(module, entry)
        .ok_or_else(|| RuntimeError::MissingEntry(entry.to_string()))?;
    let block = func.region(0).ok().and_then(|r| r.first_block()).ok_or_else(|| op_error(&func, "has no body"))?;
    if block.next_in_region().is_some() {
        return Err(op_error(&func, "functions with several blocks are not supported"));
    }
    let mut lowering = Lowering {
        numbering: Numbering::default(),
        constants: Vec::new(),
        steps: Vec::new(),
        absorbed: HashSet::new(),
        pending: HashMap::new(),
        options: options.clone(),
    };
    for i in 0..block.argument_count() {
        let value: Value = block.argument(i).map_err(|e| op_error(&func, e.to_string()))?.into();
        let spec = spec_of(value).map_err(|e| op_error(&func, format!("argument #{i}: {e}")))?;
        lowering.numbering.define(value, spec);
    }
    let mut returns = None;
    let mut ops = HashMap::new();
    let mut next = block.first_operation();
    while let Some(op) = next {
        ops.insert(op.to_raw().ptr as usize, op);
        if name_of(&op) == "func.return" {
            let slots = op.operands().map(|v| lowering.numbering.slot(v)).collect::<Result<Vec<_>, _>>();
            returns = Some(slots.map_err(|e| op_error(&op, e))?);
        } else {
            lowering.visit(&op, &ops)?;
        }
        next = op.next_in_block();
    }
    let returns = returns.ok_or_else(|| op_error(&func, "has no func.return"))?;
    lowering.attach_kernels().map_err(|message| op_error(&func, message))?;
    let mut constants = lowering.constants;
    constants.resize_with(lowering.numbering.specs.len(), || None);
    Ok(Plan {
        specs: lowering.numbering.specs,
        arguments: block.argument_count(),
        constants,
        dead_after: dead_after(&lowering.steps, &returns),
        steps: lowering.steps,
        returns,
    })
}

impl Lowering {
    fn visit<'c, 'a>(
        &mut self,
        op: &OperationRef<'c, 'a>,
        ops: &HashMap<usize, OperationRef<'c, 'a>>,
    ) -> Result<(), RuntimeError> {
        let id = op.to_raw().ptr as usize;
        if self.absorbed.contains(&id) {
            // The last op of a chain lowers the whole chain, from its head.
            return match self.pending.remove(&id) {
                Some((head, chain, axis)) => {
                    let chain: Vec<OperationRef> = chain.iter().map(|op| ops[op]).collect();
                    self.lower_chain(&ops[&head], &chain, axis)
                }
                None => Ok(()),
            };
        }
        let name = name_of(op);
        if name == "arith.constant" {
            let value = result(op).map_err(|e| op_error(op, e))?;
            let spec = spec_of(value).map_err(|e| op_error(op, format!("result: {e}")))?;
            let tensor = ConstTensor::of_value(value)
                .and_then(Tensor::from_const)
                .ok_or_else(|| op_error(op, "expected a dense or dense_resource tensor of f32, i8, ui8 or i32"))?;
            let slot = self.numbering.define(value, spec);
            self.set_constant(slot, tensor);
            return Ok(());
        }
        if OpKind::of(op).is_none() {
            return Err(RuntimeError::Unsupported { op: name, site: Site::of(op.location()) });
        }
        if op.result_count() != 1 {
            return Err(op_error(op, format!("expected one result, got {}", op.result_count())));
        }
        let (chain, axis) = self.chain(op);
        let ids: Vec<usize> = chain.iter().map(|o| o.to_raw().ptr as usize).collect();
        match ids.last() {
            Some(&last) => {
                self.absorbed.extend(&ids);
                self.pending.insert(last, (id, ids, axis));
                Ok(())
            }
            None => self.lower_chain(op, &[], axis),
        }
    }

    /// Compiles (or finds) the kernels of all steps at once.
    fn attach_kernels(&mut self) -> Result<(), String> {
        let per_step: Vec<Vec<Signature>> = self.steps.iter().map(Step::signatures).collect();
        let signatures = per_step.concat();
        let start = std::time::Instant::now();
        let mut kernels = cache::kernels(&signatures, self.options.threads)?.into_iter();
        tracing::debug!(kernels = signatures.len(), ms = start.elapsed().as_secs_f64() * 1e3, "kernels ready");
        for (step, own) in self.steps.iter_mut().zip(&per_step) {
            step.kernels = kernels.by_ref().take(own.len()).collect();
        }
        Ok(())
    }

    fn set_constant(&mut self, slot: usize, tensor: Tensor) {
        if self.constants.len() <= slot {
            self.constants.resize_with(slot + 1, || None);
        }
        self.constants[slot] = Some(tensor);
    }

    fn is_constant(&self, slot: usize) -> bool {
        self.constants.get(slot).is_some_and(Option::is_some)
    }

    /// The element-wise ops that can run in `head`'s kernel: each the single
    /// user of the previous result, with matching lane types and channel
    /// axis. Also returns that axis (the one per-channel parameters index).
    fn chain<'c, 'a>(&self, head: &OperationRef<'c, 'a>) -> (Vec<OperationRef<'c, 'a>>, Option<usize>) {
        let none = (Vec::new(), None);
        let Some(kind) = OpKind::of(head) else { return none };
        let (mut elem, mut axis, axis_fixed) = match kind {
            OpKind::Conv2d | OpKind::Linear => (Elem::F32, Some(1), true),
            _ => match operand(head, 0).ok().and_then(|x| stage_shape(head, x)) {
                Some(shape) => (shape.output, shape.axis, false),
                None => return none,
            },
        };
        // Unfused, a head still indexes its own parameters by its axis.
        let Ok(mut flowing) = result(head) else { return none };
        if !self.options.fuse {
            return (Vec::new(), axis);
        }
        let mut chain = Vec::new();
        loop {
            let users = ffi::users(flowing);
            let [user] = users.as_slice() else { break };
            // An op joining two chains (an add) belongs to the first.
            if self.absorbed.contains(&(user.to_raw().ptr as usize)) {
                break;
            }
            let Some(shape) = stage_shape(user, flowing) else { break };
            let axis_ok = match (shape.axis, axis) {
                (None, _) => true,
                (Some(a), Some(b)) => a == b,
                (Some(_), None) => !axis_fixed,
            };
            if shape.input != elem || !axis_ok {
                break;
            }
            axis = axis.or(shape.axis);
            elem = shape.output;
            chain.push(*user);
            let Ok(next) = result(user) else { break };
            flowing = next;
        }
        (chain, axis)
    }

    /// The stage of element-wise `op` whose operand `flowing` comes from the
    /// previous stage.
    fn stage(&self, op: &OperationRef, flowing: Value) -> Result<(Stage, StageArgs), String> {
        let kind = OpKind::of(op).ok_or("not a quant op")?;
        Ok(match kind {
            OpKind::Add => {
                let lhs = operand(op, 0)?;
                let other = if key(lhs) == key(flowing) { operand(op, 1)? } else { lhs };
                (Stage::Residual, StageArgs::Residual(self.numbering.slot(other)?))
            }
            OpKind::BatchNorm => {
                if op.operand_count() != 5 {
                    return Err(format!("expected 5 operands, got {}", op.operand_count()));
                }
                let slot = |i| operand(op, i).and_then(|v| self.numbering.slot(v));
                let params = [slot(1)?, slot(2)?, slot(3)?, slot(4)?];
                let epsilon = attrs::float(op, "epsilon")?.unwrap_or(1e-5);
                (Stage::Affine, StageArgs::BatchNorm { params, epsilon })
            }
            OpKind::Quantize => {
                let p = QuantParams::from_op(op)?;
                let stage = Stage::Quantize { per_channel: p.axis.is_some(), qmin: p.qmin, qmax: p.qmax };
                (stage, quant_args(&p))
            }
            OpKind::Dequantize => {
                let p = QuantParams::from_op(op)?;
                (Stage::Dequantize { per_channel: p.axis.is_some() }, quant_args(&p))
            }
            _ => (Stage::Unary(unary_of(op)?), StageArgs::None),
        })
    }

    /// Lowers `head` with the ops of `chain` fused into it; folds the step
    /// when all it reads is constant.
    fn lower_chain(
        &mut self,
        head: &OperationRef,
        chain: &[OperationRef],
        axis: Option<usize>,
    ) -> Result<(), RuntimeError> {
        let last = chain.last().unwrap_or(head);
        let fail = |e: String| op_error(head, e);
        let mut stages = Vec::new();
        let mut args = Vec::new();
        let mut flowing = result(head).map_err(fail)?;
        for op in chain {
            let (stage, arg) = self.stage(op, flowing).map_err(|e| op_error(op, e))?;
            stages.push(stage);
            args.push(arg);
            flowing = result(op).map_err(|e| op_error(op, e))?;
        }
        let value = result(last).map_err(fail)?;
        let spec = spec_of(value).map_err(|e| op_error(last, format!("result: {e}")))?;
        let (kind, args) = self.kind(head, stages, args, axis, &spec).map_err(fail)?;
        let slot = self.numbering.define(value, spec.clone());
        let name = name_of(head);
        let site = Site::of(head.location());
        let mut step = Step { name, site, kind, args, kernels: Vec::new(), params: None, result: slot, spec };
        let values: Values = self.constants.iter().map(|c| c.as_ref().map(Cow::Borrowed)).collect();
        if step.operands().iter().all(|&s| self.is_constant(s)) {
            step.kernels = cache::kernels(&step.signatures(), 1).map_err(fail)?;
            let tensor = step.run(&values, &Workers::new(1).map_err(fail)?, &BufferPool::default()).map_err(fail)?;
            self.set_constant(slot, tensor);
        } else {
            step.prepare(&values, |s| self.is_constant(s)).map_err(fail)?;
            self.steps.push(step);
        }
        Ok(())
    }

    fn slot(&self, op: &OperationRef, i: usize) -> Result<usize, String> {
        self.numbering.slot(operand(op, i)?)
    }

    /// What runs `head` (with fused `stages` after it).
    fn kind(
        &self,
        head: &OperationRef,
        mut stages: Vec<Stage>,
        mut args: Vec<StageArgs>,
        axis: Option<usize>,
        spec: &TensorSpec,
    ) -> Result<(Kind, Vec<StageArgs>), String> {
        let kind = OpKind::of(head).ok_or("not a quant op")?;
        let input = self.slot(head, 0)?;
        let input_spec = &self.numbering.specs[input];
        let single_input = || -> Result<usize, String> {
            if head.operand_count() != 1 {
                return Err(format!("expected one operand, got {}", head.operand_count()));
            }
            Ok(input)
        };
        Ok(match kind {
            OpKind::Conv2d | OpKind::Linear => {
                let weight = self.slot(head, 1)?;
                let weight_spec = &self.numbering.specs[weight];
                let bias = (head.operand_count() > 2).then(|| self.slot(head, 2)).transpose()?;
                let constant_weights = self.constants.get(weight).and_then(Option::as_ref).and_then(|w| w.as_f32());
                let attrs = (kind == OpKind::Conv2d).then(|| Conv2dAttrs::from_op(head)).transpose()?;
                if let Some(a) =
                    attrs.as_ref().filter(|a| self.options.winograd && winograd::applies(a, input_spec, weight_spec))
                {
                    let (winograd, shape) = Winograd::new(a, input_spec, weight_spec, bias.is_some(), stages)?;
                    check_result(&shape, stages::output_elem(&winograd.output_sig().stages, Elem::F32), spec)?;
                    let transformed =
                        constant_weights.and_then(|w| w.as_slice().map(|w| winograd.transform_weights(w)));
                    let winograd = Box::new(winograd);
                    return Ok((Kind::Winograd { winograd, input, weight, transformed, bias }, args));
                }
                let (sig, staging, shape) = if let Some(a) = &attrs {
                    conv_sig_for(a, input_spec, weight_spec, bias.is_some(), stages)?
                } else {
                    linear_sig(input_spec, weight_spec, bias.is_some(), stages)?
                };
                check_result(&shape, stages::output_elem(&sig.stages, Elem::F32), spec)?;
                let packed = constant_weights.and_then(|w| w.as_slice().map(|w| sig.pack_weights(w)));
                (Kind::Conv { sig: Box::new(sig), input, weight, packed, bias, staging }, args)
            }
            k if k.is_unary_elementwise()
                || matches!(k, OpKind::Add | OpKind::BatchNorm | OpKind::Quantize | OpKind::Dequantize) =>
            {
                let x = operand(head, 0)?;
                let shape = stage_shape(head, x).ok_or("unsupported operand layout")?;
                // A map's own op is its first stage, applied to operand 0.
                let (stage, arg) = self.stage(head, x)?;
                stages.insert(0, stage);
                args.insert(0, arg);
                check_result(&input_spec.shape, stages::output_elem(&stages, shape.input), spec)?;
                let (rows, channels, inner) = MapSig::layout(&input_spec.shape, axis);
                let sig =
                    MapSig { rows, channels, inner, input: shape.input, stages, lanes: Host::detect().lanes as usize };
                (Kind::Map { sig, input }, args)
            }
            OpKind::MaxPool2d => {
                let (sig, shape) = max_pool_sig(head, input_spec)?;
                check_result(&shape, Elem::F32, spec)?;
                (Kind::MaxPool { sig, input: single_input()? }, args)
            }
            OpKind::AvgPool2d => (Kind::AvgPool { input: single_input()?, attrs: PoolAttrs::from_op(head)? }, args),
            // Ops that move or reduce data more than they compute, and are
            // rare: the interpreter's own code runs them.
            OpKind::GlobalAvgPool | OpKind::Softmax | OpKind::Reshape | OpKind::Transpose | OpKind::Concat => {
                let inputs = (0..head.operand_count()).map(|i| self.slot(head, i)).collect::<Result<_, _>>()?;
                (Kind::Interpreted { op: Op::decode(kind, head)?, inputs }, args)
            }
            other => return Err(format!("{} is not lowered by the JIT", other.name())),
        })
    }
}
