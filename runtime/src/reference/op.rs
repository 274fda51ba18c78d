//! The ops the interpreter runs: decoding their attributes from the IR
//! (with the contract's defaults) and dispatching to the kernels.

use super::{activation, activation::Unary, conv, layout, norm, pool, quant};
use crate::{Tensor, TensorSpec};
use melior::ir::OperationRef;
use ndarray::{ArrayD, ArrayView1, Ix1};
use quant_dialect::{
    attrs,
    qparams::QuantParams,
    views::{Conv2dAttrs, PoolAttrs},
    OpKind,
};

/// A decoded op.
pub(crate) enum Op {
    Conv2d(Conv2dAttrs),
    Linear,
    BatchNorm { epsilon: f64 },
    Unary(Unary),
    Add,
    MaxPool2d(PoolAttrs),
    AvgPool2d(PoolAttrs),
    GlobalAvgPool,
    Reshape,
    Transpose(Vec<i64>),
    Concat(i64),
    Softmax(i64),
    Quantize(QuantParams),
    Dequantize(QuantParams),
}

/// Window attributes (strides, dilations, padding, kernel) above this would
/// overflow the shape arithmetic; no model comes near it.
const MAX_WINDOW_ATTRIBUTE: usize = 1 << 31;

fn bounded(values: [&[usize]; 3]) -> Result<(), String> {
    match values.iter().flat_map(|v| v.iter()).find(|&&v| v > MAX_WINDOW_ATTRIBUTE) {
        Some(v) => Err(format!("window attribute value {v} is too large (at most 2^31)")),
        None => Ok(()),
    }
}

fn conv2d_attrs(op: &OperationRef) -> Result<Conv2dAttrs, String> {
    let a = Conv2dAttrs::from_op(op)?;
    bounded([&a.strides, &a.dilations, &a.padding])?;
    Ok(a)
}

fn pool_attrs(op: &OperationRef) -> Result<PoolAttrs, String> {
    let a = PoolAttrs::from_op(op)?;
    bounded([&a.kernel, &a.strides, &a.padding])?;
    Ok(a)
}

fn required<T>(value: Option<T>, name: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("requires attribute '{name}'"))
}

/// The f32 data of an operand.
pub(super) fn f32_of<'t>(tensor: &'t Tensor, what: &str) -> Result<&'t ArrayD<f32>, String> {
    tensor.as_f32().ok_or_else(|| format!("{what} must be f32, got {}", tensor.elem().name()))
}

pub(super) fn rank_error(what: &str, rank: usize, shape: &[usize]) -> String {
    format!("{what} must have rank {rank}, got shape {shape:?}")
}

/// `bias` as a vector of `len` entries.
pub(super) fn vector<'a>(v: &'a ArrayD<f32>, len: usize, what: &str) -> Result<ArrayView1<'a, f32>, String> {
    v.view()
        .into_dimensionality::<Ix1>()
        .ok()
        .filter(|v| v.len() == len)
        .ok_or_else(|| format!("{what} must have shape [{len}], got {:?}", v.shape()))
}

impl Op {
    pub(crate) fn decode(kind: OpKind, op: &OperationRef) -> Result<Op, String> {
        use OpKind as K;
        Ok(match kind {
            K::Conv2d => Op::Conv2d(conv2d_attrs(op)?),
            K::Linear => Op::Linear,
            K::BatchNorm => Op::BatchNorm { epsilon: quant_dialect::views::batch_norm_epsilon(op)? },
            K::Relu | K::Relu6 | K::Sigmoid | K::Silu | K::Mish | K::LeakyRelu | K::HardSigmoid | K::Gelu | K::Clip => {
                Op::Unary(Unary::from_op(op)?)
            }
            K::Add => Op::Add,
            K::MaxPool2d => Op::MaxPool2d(pool_attrs(op)?),
            K::AvgPool2d => Op::AvgPool2d(pool_attrs(op)?),
            K::GlobalAvgPool => Op::GlobalAvgPool,
            K::Reshape => Op::Reshape,
            K::Transpose => Op::Transpose(required(attrs::i64_array(op, "perm")?, "perm")?),
            K::Concat => Op::Concat(required(attrs::int(op, "axis")?, "axis")?),
            K::Softmax => Op::Softmax(attrs::int(op, "axis")?.unwrap_or(-1)),
            K::Quantize => Op::Quantize(QuantParams::from_op(op)?),
            K::Dequantize => Op::Dequantize(QuantParams::from_op(op)?),
        })
    }

    /// Training-mode batch_norm: normalizes with the batch's statistics.
    pub(super) fn eval_training_batch_norm(
        &self,
        operands: &[&Tensor],
    ) -> Option<Result<(Tensor, norm::BatchStats), String>> {
        let (Op::BatchNorm { epsilon }, [x, gamma, beta, _, _]) = (self, operands) else { return None };
        let run = || {
            let (y, stats) = norm::batch_norm_training(
                f32_of(x, "input")?,
                f32_of(gamma, "scale")?,
                f32_of(beta, "bias")?,
                *epsilon,
            )?;
            Ok((Tensor::F32(y), stats))
        };
        Some(run())
    }

    /// Evaluates the op; `result` is the declared result type (reshape's target).
    pub(crate) fn eval(&self, operands: &[&Tensor], result: &TensorSpec) -> Result<Tensor, String> {
        let f32_result = |a: ArrayD<f32>| Tensor::F32(a);
        match (self, operands) {
            (Op::Conv2d(a), [x, w, bias @ ..]) if bias.len() <= 1 => {
                let bias = bias.first().map(|b| f32_of(b, "bias")).transpose()?;
                conv::conv2d(f32_of(x, "input")?, f32_of(w, "weight")?, bias, a).map(f32_result)
            }
            (Op::Linear, [x, w, bias @ ..]) if bias.len() <= 1 => {
                let bias = bias.first().map(|b| f32_of(b, "bias")).transpose()?;
                conv::linear(f32_of(x, "input")?, f32_of(w, "weight")?, bias).map(f32_result)
            }
            (Op::BatchNorm { epsilon }, [x, params @ ..]) if params.len() == 4 => {
                let names = ["scale", "bias", "mean", "var"];
                let params: Vec<&ArrayD<f32>> =
                    params.iter().zip(names).map(|(p, name)| f32_of(p, name)).collect::<Result<_, _>>()?;
                norm::batch_norm(f32_of(x, "input")?, [params[0], params[1], params[2], params[3]], *epsilon)
                    .map(f32_result)
            }
            (Op::Unary(u), [x]) => Ok(Tensor::F32(activation::apply(*u, f32_of(x, "input")?))),
            (Op::Add, [a, b]) => activation::add(f32_of(a, "lhs")?, f32_of(b, "rhs")?).map(f32_result),
            (Op::MaxPool2d(a), [x]) => pool::max_pool2d(f32_of(x, "input")?, a).map(f32_result),
            (Op::AvgPool2d(a), [x]) => pool::avg_pool2d(f32_of(x, "input")?, a).map(f32_result),
            (Op::GlobalAvgPool, [x]) => pool::global_avg_pool(f32_of(x, "input")?).map(f32_result),
            (Op::Reshape, [x]) => layout::reshape(x, &result.shape),
            (Op::Transpose(perm), [x]) => layout::transpose(x, perm),
            (Op::Concat(axis), [_, ..]) => layout::concat(operands, *axis),
            (Op::Softmax(axis), [x]) => activation::softmax(f32_of(x, "input")?, *axis).map(f32_result),
            (Op::Quantize(p), [x]) => quant::quantize(f32_of(x, "input")?, p),
            (Op::Dequantize(p), [x]) => quant::dequantize(x, p).map(f32_result),
            _ => Err(format!("unexpected number of operands ({})", operands.len())),
        }
    }
}
