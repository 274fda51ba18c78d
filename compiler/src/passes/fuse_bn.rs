//! `quant-fuse-bn`: folds `batch_norm(conv2d|linear(x, W, b))` into one
//! conv2d/linear, quantization-aware (sparsebit's fuse_bn / fuse_qconv_qbn).
//!
//! With r = γ / sqrt(σ² + ε) per output channel (computed in f64):
//! W' = W·r over weight axis 0, b' = (b − μ)·r + β (b = 0 without bias).
//!
//! Weight forms:
//! - `arith.constant` f32: W' replaces W.
//! - `dequantize(quantize(W))` (fake quant): W' with the quantizer rescaled to
//!   per-channel (axis 0) scales s·|r|; the integers round(W/s) are unchanged.
//! - `dequantize(int constant)` (post-training quantized): the integers stay,
//!   the dequantize scales become s·|r| per channel.
//!
//! Negative r (scales stay positive): with a zero point of 0 on signed storage
//! (symmetric), the channel's integers are negated, so the most negative value
//! (−128 for i8) saturates to the most positive (127): counted as
//! "saturations". Otherwise (asymmetric) the channel is mirrored exactly:
//! q' = qmin + qmax − q and z' = qmin + qmax − z, so (q' − z')·s' = (q − z)·s·r.
//!
//! A Q/DQ pair between the conv and the batch_norm is the BN's input
//! quantizer; it goes away with the BN when it has no other users.

use super::{
    functions,
    rewrite::{self, Callback, Counters},
};
use melior::{
    ir::{
        operation::{OperationBuilder, OperationLike},
        r#type::{IntegerType, RankedTensorType},
        Attribute, Identifier, Location, Operation, OperationRef, Type, Value, ValueLike,
    },
    Context, PatternRewriter, RewriterBase,
};
use quant_dialect::{
    diag::{self, Severity},
    ffi,
    qparams::QuantParams,
    tensor::{ConstTensor, ElemType, TensorType, Values},
    OpKind,
};
use std::{borrow::Cow, cell::RefCell, collections::HashSet, rc::Rc};

pub(super) fn run(root: OperationRef) -> Result<(), String> {
    let counters = Counters::default();
    let reported = Rc::new(RefCell::new(HashSet::new()));
    for func in functions(root) {
        let (counters, reported) = (counters.clone(), reported.clone());
        let callback: Callback = Box::new(move |bn, rewriter| fold(bn, rewriter, &counters, &reported));
        rewrite::apply(func, vec![(OpKind::BatchNorm.name(), callback)])?;
    }
    counters.log("quant-fuse-bn");
    Ok(())
}

fn kind_of(op: &OperationRef) -> Option<OpKind> {
    op.name().as_string_ref().as_str().ok().and_then(OpKind::from_name)
}

/// The only user of `value`, if it has exactly one use.
fn sole_user<'c, 'a>(value: Value<'c, 'a>) -> Option<OperationRef<'c, 'a>> {
    let users = ffi::users(value);
    (users.len() == 1).then(|| users[0])
}

fn operand<'c, 'a>(op: &OperationRef<'c, 'a>, i: usize) -> Option<Value<'c, 'a>> {
    op.operand(i).ok()
}

/// Why a batch_norm was left alone.
enum Skip {
    /// Not a conv/linear producer: nothing to say.
    NoMatch,
    /// A remark under -v.
    Refused(&'static str, String),
    /// A warning diagnostic (bad BN parameters).
    Invalid(String),
}

fn fold(bn: OperationRef, rewriter: PatternRewriter, counters: &Counters, reported: &RefCell<HashSet<usize>>) -> bool {
    match plan(&bn) {
        Ok(plan) => {
            apply_plan(&bn, &plan, rewriter);
            counters.bump(if plan.producer_kind == OpKind::Conv2d {
                "conv2d+batch_norm fused"
            } else {
                "linear+batch_norm fused"
            });
            counters.add("negative-scale channels (sign flips)", plan.sign_flips);
            counters.add("saturations", plan.saturations);
            true
        }
        Err(Skip::NoMatch) => false,
        Err(skip) => {
            // The driver may visit the op again; report each batch_norm once.
            if reported.borrow_mut().insert(bn.to_raw().ptr as usize) {
                match skip {
                    Skip::Refused(reason, detail) => {
                        counters.bump(reason);
                        diag::emit(bn.location(), Severity::Remark, &format!("batch_norm not folded: {detail}"));
                    }
                    Skip::Invalid(detail) => {
                        counters.bump("refused: invalid parameters");
                        diag::emit(bn.location(), Severity::Warning, &format!("batch_norm not folded: {detail}"));
                    }
                    Skip::NoMatch => {}
                }
            }
            false
        }
    }
}

/// The weight of the producer and how it is quantized.
enum Weight {
    Float(ConstTensor),
    /// dequantize(quantize(W)) with the quantizer's parameters.
    FakeQuant(ConstTensor, QuantParams),
    /// dequantize(integers) with its parameters.
    Int(ConstTensor, QuantParams),
}

/// Everything the rewrite needs, computed before touching the IR.
struct Plan<'c, 'a> {
    producer: OperationRef<'c, 'a>,
    producer_kind: OpKind,
    input: Value<'c, 'a>,
    weight_type: Type<'c>,
    /// Type of the integer tensor between quantize and dequantize, if quantized.
    int_type: Option<Type<'c>>,
    new_weight: ConstTensor,
    new_params: Option<QuantParams>,
    /// A fake-quant weight keeps its quantize op; an int weight does not.
    fake_quant: bool,
    new_bias: Vec<f32>,
    /// Int32 bias with per-channel scales (ONNX Runtime's convention).
    int_bias: Option<(Vec<i32>, QuantParams)>,
    sign_flips: usize,
    saturations: usize,
}

fn refused(reason: &'static str, detail: impl Into<String>) -> Skip {
    Skip::Refused(reason, detail.into())
}

fn plan<'c, 'a>(bn: &OperationRef<'c, 'a>) -> Result<Plan<'c, 'a>, Skip> {
    let bn_input = operand(bn, 0).ok_or(Skip::NoMatch)?;
    let mut def = ffi::defining_op(bn_input).ok_or(Skip::NoMatch)?;
    // Look through the BN's own input quantizer: conv → quantize → dequantize → BN.
    if kind_of(&def) == Some(OpKind::Dequantize) {
        let q = operand(&def, 0).and_then(ffi::defining_op).filter(|q| kind_of(q) == Some(OpKind::Quantize));
        let producer = q.and_then(|q| operand(&q, 0)).and_then(ffi::defining_op);
        let (Some(q), Some(producer)) = (q, producer) else { return Err(Skip::NoMatch) };
        if !matches!(kind_of(&producer), Some(OpKind::Conv2d | OpKind::Linear)) {
            return Err(Skip::NoMatch);
        }
        let single = sole_user(producer.result(0).unwrap().into()).is_some()
            && sole_user(q.result(0).unwrap().into()).is_some()
            && sole_user(def.result(0).unwrap().into()).is_some();
        if !single {
            return Err(refused(
                "refused: shared quantize/dequantize",
                "the quantize/dequantize between the producer and the batch_norm has other users",
            ));
        }
        def = producer;
    }
    let producer_kind = match kind_of(&def) {
        Some(k @ (OpKind::Conv2d | OpKind::Linear)) => k,
        _ => return Err(Skip::NoMatch),
    };
    let bn_rank = TensorType::of(bn_input.r#type()).map(|t| t.shape.len()).unwrap_or(0);
    if (producer_kind == OpKind::Conv2d) != (bn_rank == 4) {
        return Err(refused("refused: rank mismatch", "the batch_norm rank does not match its producer"));
    }
    if ffi::users(def.result(0).unwrap().into()).len() != 1 {
        return Err(refused(
            "refused: producer has other users",
            format!("the {} result has other users", producer_kind.short_name()),
        ));
    }
    let params: Vec<Vec<f32>> = (1..5)
        .map(|i| operand(bn, i).and_then(float_constant))
        .collect::<Option<_>>()
        .ok_or_else(|| refused("refused: non-constant parameters", "batch_norm parameters are not constants"))?;
    let [gamma, beta, mean, var] = [&params[0], &params[1], &params[2], &params[3]];
    let eps = quant_dialect::views::batch_norm_epsilon(bn).unwrap_or(f64::NAN);
    if params.iter().flatten().any(|x| !x.is_finite()) || !eps.is_finite() {
        return Err(Skip::Invalid("a parameter is NaN or infinite".into()));
    }
    if let Some(c) = var.iter().position(|&v| v as f64 + eps <= 0.0) {
        return Err(Skip::Invalid(format!("var + epsilon <= 0 in channel {c}")));
    }
    let r: Vec<f64> = gamma.iter().zip(var).map(|(&g, &v)| g as f64 / (v as f64 + eps).sqrt()).collect();

    let weight_value = operand(&def, 1).ok_or(Skip::NoMatch)?;
    let (weight, weight_type, int_type) = read_weight(weight_value).ok_or_else(|| {
        refused("refused: non-constant weight", format!("the {} weight is not a constant", producer_kind.short_name()))
    })?;
    let bias = match operand(&def, 2) {
        None => Some(vec![0.0; r.len()]),
        Some(b) => float_constant(b),
    }
    .ok_or_else(|| refused("refused: non-constant bias", "the bias is not a constant"))?;
    let new_bias: Vec<f32> =
        (0..r.len()).map(|c| ((bias[c] as f64 - mean[c] as f64) * r[c] + beta[c] as f64) as f32).collect();

    let mut plan = Plan {
        producer: def,
        producer_kind,
        input: operand(&def, 0).ok_or(Skip::NoMatch)?,
        weight_type,
        int_type,
        new_weight: scale_channels(weight_values(&weight), &r),
        new_params: None,
        fake_quant: matches!(weight, Weight::FakeQuant(..)),
        new_bias,
        int_bias: None,
        sign_flips: 0,
        saturations: 0,
    };
    match &weight {
        Weight::Float(_) => {}
        Weight::FakeQuant(w, q) | Weight::Int(w, q) => {
            if q.axis.is_some_and(|a| a != 0) {
                return Err(refused(
                    "refused: weight quantized on another axis",
                    "the weight is quantized per channel on an axis other than 0",
                ));
            }
            let (params, mirrored) = rescale_params(q, &r);
            // γ = 0 (or an f32 underflow/overflow) leaves no valid scale s·|r|.
            if let Some(c) = params.scale.iter().position(|&s| !is_valid_scale(s)) {
                return Err(refused(
                    "refused: weight scale out of range",
                    format!("the rescaled weight scale of channel {c} is not finite and positive"),
                ));
            }
            plan.sign_flips = r.iter().filter(|&&x| x < 0.0).count();
            plan.saturations = count_saturations(w, q, &r);
            if let Weight::Int(ints, _) = &weight {
                plan.new_weight = flip_ints(ints, q, &r, &mirrored);
            }
            plan.int_bias = operand(&def, 2).and_then(|b| ort_int_bias(b, &plan.input, q, &params, &plan.new_bias));
            plan.new_params = Some(params);
        }
    }
    Ok(plan)
}

/// An f32 constant, or the dequantized values of `dequantize(int constant)`.
fn float_constant(value: Value) -> Option<Vec<f32>> {
    if let Some(c) = ConstTensor::of_value(value) {
        return c.as_f32().map(<[f32]>::to_vec);
    }
    let dq = ffi::defining_op(value).filter(|op| kind_of(op) == Some(OpKind::Dequantize))?;
    let ints = ConstTensor::of_value(operand(&dq, 0)?)?;
    let params = QuantParams::from_op(&dq).ok()?;
    Some(dequantize(&ints, &params))
}

/// Channel index (along the quantization axis) of each flat element.
fn channel_of(shape: &[usize], axis: Option<usize>) -> impl Fn(usize) -> usize + '_ {
    move |i| match axis {
        None => 0,
        Some(a) => (i / shape[a + 1..].iter().product::<usize>()) % shape[a],
    }
}

fn dequantize(ints: &ConstTensor, params: &QuantParams) -> Vec<f32> {
    let ch = channel_of(&ints.shape, params.axis);
    ints.as_int().unwrap_or(&[]).iter().enumerate().map(|(i, &q)| params.dequantize_value(q, ch(i))).collect()
}

/// The weight constant in one of its three forms, its type, and the type of
/// the integer tensor if quantized.
fn read_weight<'c>(value: Value<'c, '_>) -> Option<(Weight, Type<'c>, Option<Type<'c>>)> {
    if let Some(w) = ConstTensor::of_value(value).filter(|w| w.elem == ElemType::F32) {
        return Some((Weight::Float(w), value.r#type(), None));
    }
    let dq = ffi::defining_op(value).filter(|op| kind_of(op) == Some(OpKind::Dequantize))?;
    let dq_input = operand(&dq, 0)?;
    if let Some(ints) = ConstTensor::of_value(dq_input) {
        let params = QuantParams::from_op(&dq).ok()?;
        return Some((Weight::Int(ints, params), dq_input.r#type(), Some(dq_input.r#type())));
    }
    let q = ffi::defining_op(dq_input).filter(|op| kind_of(op) == Some(OpKind::Quantize))?;
    let qp = QuantParams::from_op(&q).ok()?;
    let dp = QuantParams::from_op(&dq).ok()?;
    if !qp.identical(&dp) {
        return None;
    }
    let float_value = operand(&q, 0)?;
    let w = ConstTensor::of_value(float_value).filter(|w| w.elem == ElemType::F32)?;
    Some((Weight::FakeQuant(w, qp), float_value.r#type(), Some(dq_input.r#type())))
}

/// The float values of the weight (borrowed unless they must be dequantized:
/// ResNet-50 weights are 100 MB, so no copy is made that is not needed).
fn weight_values(weight: &Weight) -> (&[usize], Cow<'_, [f32]>) {
    match weight {
        Weight::Float(w) | Weight::FakeQuant(w, _) => (&w.shape, Cow::Borrowed(w.as_f32().unwrap_or(&[]))),
        Weight::Int(ints, q) => (&ints.shape, Cow::Owned(dequantize(ints, q))),
    }
}

/// W·r over axis 0, computed in f64.
fn scale_channels((shape, w): (&[usize], Cow<[f32]>), r: &[f64]) -> ConstTensor {
    let per = shape[1..].iter().product::<usize>().max(1);
    let values = w.iter().enumerate().map(|(i, &x)| (x as f64 * r[i / per]) as f32).collect();
    ConstTensor { shape: shape.to_vec(), elem: ElemType::F32, values: Values::F32(values) }
}

/// What the verifier accepts as a quantization scale.
fn is_valid_scale(s: f32) -> bool {
    s.is_finite() && s > 0.0
}

fn is_symmetric(q: &QuantParams, c: usize) -> bool {
    q.channel(c).1 == 0 && q.qmin < 0
}

/// Per-channel (axis 0) parameters with scales s·|r|; returns which channels
/// are mirrored (negative r with an asymmetric zero point).
fn rescale_params(q: &QuantParams, r: &[f64]) -> (QuantParams, Vec<bool>) {
    let mut out = q.clone();
    out.axis = Some(0);
    out.scale = Vec::with_capacity(r.len());
    out.zero_point = Vec::with_capacity(r.len());
    let mut mirrored = vec![false; r.len()];
    for (c, &rc) in r.iter().enumerate() {
        let (s, z) = q.channel(c);
        out.scale.push((s as f64 * rc.abs()) as f32);
        mirrored[c] = rc < 0.0 && !is_symmetric(q, c);
        out.zero_point.push(if mirrored[c] { (q.qmin + q.qmax - z as i64) as i32 } else { z });
    }
    (out, mirrored)
}

/// The integers of a post-training-quantized weight after folding.
fn flip_ints(ints: &ConstTensor, q: &QuantParams, r: &[f64], mirrored: &[bool]) -> ConstTensor {
    let per = ints.shape[1..].iter().product::<usize>().max(1);
    let values = ints
        .as_int()
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let c = i / per;
            match (r[c] < 0.0, mirrored[c]) {
                (false, _) => v,
                (true, true) => (q.qmin + q.qmax - v as i64) as i32,
                (true, false) => (-(v as i64)).clamp(q.qmin, q.qmax) as i32,
            }
        })
        .collect();
    ConstTensor { shape: ints.shape.clone(), elem: ints.elem, values: Values::Int(values) }
}

/// Elements whose negation saturates (symmetric channels with negative r).
fn count_saturations(w: &ConstTensor, q: &QuantParams, r: &[f64]) -> usize {
    let per = w.shape[1..].iter().product::<usize>().max(1);
    // Only flipped symmetric channels can saturate; the others are not read.
    let flipped = (0..r.len()).filter(|&c| r[c] < 0.0 && is_symmetric(q, c));
    flipped
        .map(|c| {
            let range = c * per..(c + 1) * per;
            match &w.values {
                Values::Int(ints) => ints[range].iter().filter(|&&v| -(v as i64) > q.qmax).count(),
                Values::F32(xs) => xs[range].iter().filter(|&&x| -(q.quantize_value(x, c) as i64) > q.qmax).count(),
            }
        })
        .sum()
}

/// ONNX Runtime's int32 bias: `dequantize(int32)` whose scales equal input
/// scale × weight scale. Returns the folded bias in the same form.
fn ort_int_bias(
    bias: Value,
    input: &Value,
    weight_q: &QuantParams,
    new_weight_q: &QuantParams,
    new_bias: &[f32],
) -> Option<(Vec<i32>, QuantParams)> {
    let dq = ffi::defining_op(bias).filter(|op| kind_of(op) == Some(OpKind::Dequantize))?;
    let bias_q = QuantParams::from_op(&dq).ok().filter(|p| p.storage == ElemType::I32)?;
    ConstTensor::of_value(operand(&dq, 0)?)?;
    let in_dq = ffi::defining_op(*input).filter(|op| kind_of(op) == Some(OpKind::Dequantize))?;
    let in_q = QuantParams::from_op(&in_dq).ok().filter(|p| p.axis.is_none())?;
    let sx = in_q.scale[0] as f64;
    let matches = (0..new_bias.len()).all(|c| {
        let expect = sx * weight_q.channel(c).0 as f64;
        (bias_q.channel(c).0 as f64 - expect).abs() <= 1e-6 * expect && bias_q.channel(c).1 == 0
    });
    if !matches {
        return None;
    }
    let scales: Vec<f32> = (0..new_bias.len()).map(|c| (sx * new_weight_q.channel(c).0 as f64) as f32).collect();
    if !scales.iter().all(|&s| is_valid_scale(s)) {
        return None;
    }
    let ints = new_bias
        .iter()
        .zip(&scales)
        .map(|(&b, &s)| (b as f64 / s as f64).round_ties_even().clamp(i32::MIN as f64, i32::MAX as f64) as i32)
        .collect();
    let params = QuantParams {
        scale: scales,
        zero_point: vec![0; new_bias.len()],
        axis: Some(0),
        storage: ElemType::I32,
        qmin: i32::MIN as i64,
        qmax: i32::MAX as i64,
        narrow: false,
    };
    Some((ints, params))
}

fn build<'c>(
    location: Location<'c>,
    name: &str,
    operands: &[Value<'c, '_>],
    attributes: &[(Identifier<'c>, Attribute<'c>)],
    result: Type<'c>,
) -> Operation<'c> {
    OperationBuilder::new(name, location)
        .add_operands(operands)
        .add_attributes(attributes)
        .add_results(&[result])
        .build()
        .expect("a well-formed op")
}

fn constant_op<'c>(context: &'c Context, location: Location<'c>, tensor: &ConstTensor, ty: Type<'c>) -> Operation<'c> {
    build(location, "arith.constant", &[], &[(Identifier::new(context, "value"), tensor.to_attribute(ty))], ty)
}

fn quant_op<'c>(
    context: &'c Context,
    location: Location<'c>,
    name: &str,
    input: Value<'c, '_>,
    params: &QuantParams,
    ty: Type<'c>,
) -> Operation<'c> {
    build(location, name, &[input], &params.to_attributes(context), ty)
}

fn insert<'c, 'r>(rw: &'r RewriterBase<'c, '_>, op: Operation<'c>) -> Value<'c, 'r> {
    rw.insert(op).result(0).expect("one result").into()
}

fn vector_type(len: usize, elem: Type) -> Type {
    RankedTensorType::new(&[len as u64], elem, None).into()
}

fn apply_plan(bn: &OperationRef, plan: &Plan, rewriter: PatternRewriter) {
    let rw = rewriter.as_rewriter_base();
    rw.set_insertion_point_before(*bn);
    let context = rw.context();
    quant_dialect::ffi::with_context(context, |context| {
        let location = plan.producer.location();
        let mut weight = insert(&rw, constant_op(context, location, &plan.new_weight, plan.weight_type));
        if let (Some(params), Some(int_ty)) = (&plan.new_params, plan.int_type) {
            let float_ty = plan.producer.operand(1).expect("weight operand").r#type();
            if plan.fake_quant {
                weight = insert(&rw, quant_op(context, location, "quant.quantize", weight, params, int_ty));
            }
            weight = insert(&rw, quant_op(context, location, "quant.dequantize", weight, params, float_ty));
        }
        let n = plan.new_bias.len();
        let bias_ty = vector_type(n, Type::float32(context));
        let bias = match &plan.int_bias {
            Some((ints, params)) => {
                let int_ty = vector_type(n, IntegerType::new(context, 32).into());
                let tensor = ConstTensor { shape: vec![n], elem: ElemType::I32, values: Values::Int(ints.clone()) };
                let ints = insert(&rw, constant_op(context, location, &tensor, int_ty));
                insert(&rw, quant_op(context, location, "quant.dequantize", ints, params, bias_ty))
            }
            None => {
                let tensor =
                    ConstTensor { shape: vec![n], elem: ElemType::F32, values: Values::F32(plan.new_bias.clone()) };
                insert(&rw, constant_op(context, location, &tensor, bias_ty))
            }
        };
        let attributes: Vec<_> = plan.producer.attributes().collect();
        let result_ty = plan.producer.result(0).expect("one result").r#type();
        let fused = insert(
            &rw,
            build(location, plan.producer_kind.name(), &[plan.input, weight, bias], &attributes, result_ty),
        );
        rw.replace_op_with_values(*bn, &[fused]);
    });
}
