//! `quant-disable-unnecessary-quant`: sparsebit's disable_unnecessary_quant
//! in QDQ form, plus exact quantize/dequantize identities.
//!
//! Fusible edges (table in `fusible.rs`): for producer A → consumer B, when
//! B's data input is `dequantize(quantize(a))`, a = A's result, and a, the
//! quantize and the dequantize each have that one user, B reads a directly.
//! When B is a batch_norm fed by a fusible producer, its parameters that come
//! through quantize→dequantize of float constants read the constants (the
//! backend folds them in float). B's own output quantizer stays.
//!
//! Identities (bit-exact, so always applied):
//! - `quantize(dequantize(q))` with identical parameters and types → q. For
//!   k = q − z with |k| ≤ 2^16, a normal scale s and no overflow,
//!   round(fl(fl(k·s)/s)) = k: the two roundings move k by at most 2^-7.
//!   Wider (i32) storage is left alone: (q − z) is not exact in f32.
//! - A quantize or dequantize whose input already feeds an earlier op of the
//!   same name, parameters and type in the same block → that op's result
//!   (CSE, which MLIR cannot do for IRDL ops of unknown effects).
//!   Together these turn dq(q(dq(q(x)))) with identical pairs into dq(q(x)).
//!
//! The pairs made dead are left for quant-prune.

use super::{
    functions, fusible,
    rewrite::{self, Callback, Counters},
};
use melior::{
    ir::{operation::OperationLike, OperationRef, Value, ValueLike},
    PatternRewriter,
};
use quant_dialect::{
    ffi,
    qparams::QuantParams,
    tensor::{ConstTensor, ElemType},
    OpKind,
};

pub(super) fn run(root: OperationRef) -> Result<(), String> {
    let counters = Counters::default();
    for func in functions(root) {
        let patterns: Vec<(&'static str, Callback)> = vec![
            (OpKind::Dequantize.name(), with(&counters, bypass_fusible_edge)),
            (OpKind::BatchNorm.name(), with(&counters, float_bn_parameters)),
            (OpKind::Quantize.name(), with(&counters, fold_requantize)),
            (OpKind::Quantize.name(), with(&counters, merge_duplicate)),
            (OpKind::Dequantize.name(), with(&counters, merge_duplicate)),
        ];
        rewrite::apply(func, patterns)?;
    }
    counters.log("quant-disable-unnecessary-quant");
    Ok(())
}

/// A pattern: returns the counter to bump when it rewrote the op.
type Pattern = fn(OperationRef, &PatternRewriter) -> Option<&'static str>;

fn with(counters: &Counters, pattern: Pattern) -> Callback {
    let counters = counters.clone();
    Box::new(move |op, rewriter| match pattern(op, &rewriter) {
        Some(event) => {
            counters.bump(event);
            true
        }
        None => false,
    })
}

/// The op defining `value`, if it is a `kind` op.
fn producer<'c, 'a>(value: Value<'c, 'a>, kind: OpKind) -> Option<OperationRef<'c, 'a>> {
    ffi::defining_op(value).filter(|op| OpKind::of(op) == Some(kind))
}

fn result<'c, 'a>(op: &OperationRef<'c, 'a>) -> Value<'c, 'a> {
    op.result(0).expect("quant ops have one result").into()
}

fn has_one_use(value: Value) -> bool {
    ffi::users(value).len() == 1
}

fn params(op: &OperationRef) -> Option<QuantParams> {
    QuantParams::from_op(op).ok()
}

/// A → quantize → dequantize → B on a fusible edge, nothing else reading the
/// intermediate values: B reads A's result.
fn bypass_fusible_edge(dq: OperationRef, rewriter: &PatternRewriter) -> Option<&'static str> {
    let users = ffi::users(result(&dq));
    let [consumer] = users.as_slice() else { return None };
    let q = producer(dq.operand(0).ok()?, OpKind::Quantize)?;
    let a = q.operand(0).ok()?;
    let a_kind = ffi::defining_op(a).and_then(|op| OpKind::of(&op))?;
    let fusible = fusible::is_fusible(a_kind, OpKind::of(consumer)?)
        && consumer.operand(0).ok() == Some(result(&dq))
        && has_one_use(result(&q))
        && has_one_use(a);
    if !fusible {
        return None;
    }
    rewriter.as_rewriter_base().replace_op_with_values(dq, &[a]);
    Some("fusible-edge quantize/dequantize pairs removed")
}

/// A batch_norm on a fusible edge reads its fake-quantized float parameters
/// as floats (sparsebit disables the fused op's weight quantizer).
fn float_bn_parameters(bn: OperationRef, rewriter: &PatternRewriter) -> Option<&'static str> {
    let a_kind = ffi::defining_op(bn.operand(0).ok()?).and_then(|op| OpKind::of(&op))?;
    if !fusible::is_fusible(a_kind, OpKind::BatchNorm) {
        return None;
    }
    let floats: Vec<(usize, Value)> =
        (1..bn.operand_count()).filter_map(|i| Some((i, fake_quantized_constant(bn.operand(i).ok()?)?))).collect();
    if floats.is_empty() {
        return None;
    }
    let rw = rewriter.as_rewriter_base();
    rw.start_op_modification(bn);
    for (i, value) in floats {
        ffi::set_operand(bn, i, value);
    }
    rw.finalize_op_modification(bn);
    Some("batch_norm parameter quantizers disabled")
}

/// The float constant x of `dequantize(quantize(x))`.
fn fake_quantized_constant<'c: 'a, 'a>(value: Value<'c, 'a>) -> Option<Value<'c, 'a>> {
    let dq = producer(value, OpKind::Dequantize)?;
    let q = producer(dq.operand(0).ok()?, OpKind::Quantize)?;
    let x = q.operand(0).ok()?;
    let is_float = ConstTensor::of_value(x).is_some_and(|c| c.elem == ElemType::F32);
    is_float.then_some(x)
}

/// Whether dequantize-then-quantize with `p` gives back every integer exactly.
fn round_trips_exactly(p: &QuantParams) -> bool {
    let span = (p.qmax - p.qmin) as f32;
    p.storage != ElemType::I32
        && p.qmax - p.qmin <= 1 << 16
        && p.scale.iter().all(|&s| s >= f32::MIN_POSITIVE && (s * span).is_finite())
        && p.zero_point.iter().all(|&z| (p.qmin..=p.qmax).contains(&(z as i64)))
}

/// `quantize(dequantize(q))` with identical parameters and types → q.
fn fold_requantize(q: OperationRef, rewriter: &PatternRewriter) -> Option<&'static str> {
    let dq = producer(q.operand(0).ok()?, OpKind::Dequantize)?;
    let ints = dq.operand(0).ok()?;
    let (qp, dp) = (params(&q)?, params(&dq)?);
    if ints.r#type() != result(&q).r#type() || !qp.identical(&dp) || !round_trips_exactly(&qp) {
        return None;
    }
    rewriter.as_rewriter_base().replace_op_with_values(q, &[ints]);
    Some("quantize(dequantize(q)) folded to q")
}

/// A quantize/dequantize identical to an earlier one of the same input.
fn merge_duplicate(op: OperationRef, rewriter: &PatternRewriter) -> Option<&'static str> {
    let input = op.operand(0).ok()?;
    let mine = params(&op)?;
    let ty = result(&op).r#type();
    let earlier = ffi::users(input).into_iter().find(|other| {
        *other != op
            && other.name() == op.name()
            && other.block() == op.block()
            && other.is_before_in_block(op)
            && result(other).r#type() == ty
            && params(other).is_some_and(|p| p.identical(&mine))
    })?;
    rewriter.as_rewriter_base().replace_op_with_values(op, &[result(&earlier)]);
    Some(match OpKind::of(&op) {
        Some(OpKind::Quantize) => "duplicate quantize ops merged",
        _ => "duplicate dequantize ops merged",
    })
}
