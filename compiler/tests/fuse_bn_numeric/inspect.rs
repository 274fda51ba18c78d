//! Reads back what the pass produced: the ops of `main` and the weights of
//! its conv2d/linear ops.

use melior::ir::{operation::OperationLike, BlockLike, Module, OperationRef, RegionLike, Value};
use quant_dialect::{ffi, qparams::QuantParams, tensor::ConstTensor};

/// A producer's weight, in the form the IR spells it.
#[derive(Debug)]
pub enum WeightView {
    Float(Vec<f32>),
    FakeQuant(Vec<f32>, QuantParams),
    Int(Vec<i32>, QuantParams),
}

fn name(op: &OperationRef) -> String {
    op.name().as_string_ref().as_str().expect("an op name").to_string()
}

/// The ops of the (single-block) function `main`, in order.
pub fn ops_of_main<'c, 'a>(module: &'a Module<'c>) -> Vec<OperationRef<'c, 'a>> {
    let func = module.body().first_operation().expect("a function");
    let block = func.region(0).expect("a body").first_block().expect("a block");
    let mut out = Vec::new();
    let mut next = block.first_operation();
    while let Some(op) = next {
        out.push(op);
        next = op.next_in_block();
    }
    out
}

pub fn count(module: &Module, op_name: &str) -> usize {
    ops_of_main(module).iter().filter(|op| name(op) == op_name).count()
}

fn defining<'c, 'a>(value: Value<'c, 'a>, expected: &str) -> OperationRef<'c, 'a> {
    let op = ffi::defining_op(value).expect("an op result");
    assert_eq!(name(&op), expected);
    op
}

fn weight(value: Value) -> WeightView {
    if let Some(c) = ConstTensor::of_value(value) {
        return WeightView::Float(c.as_f32().expect("an f32 weight").to_vec());
    }
    let dq = defining(value, "quant.dequantize");
    let source = dq.operand(0).expect("an operand");
    if let Some(c) = ConstTensor::of_value(source) {
        return WeightView::Int(c.as_int().expect("integers").to_vec(), QuantParams::from_op(&dq).expect("params"));
    }
    let q = defining(source, "quant.quantize");
    let w = ConstTensor::of_value(q.operand(0).expect("an operand")).expect("a constant weight");
    WeightView::FakeQuant(w.as_f32().expect("f32").to_vec(), QuantParams::from_op(&q).expect("params"))
}

fn producers<'c, 'a>(module: &'a Module<'c>) -> Vec<OperationRef<'c, 'a>> {
    ops_of_main(module).into_iter().filter(|op| matches!(name(op).as_str(), "quant.conv2d" | "quant.linear")).collect()
}

/// The weights of the conv2d and linear ops of `main`, in program order.
pub fn weights(module: &Module) -> Vec<WeightView> {
    producers(module).iter().map(|op| weight(op.operand(1).expect("a weight"))).collect()
}

/// The scales of the biases written as `dequantize(i32 constant)`, one list per such bias.
pub fn int_bias_scales(module: &Module) -> Vec<Vec<f32>> {
    producers(module)
        .iter()
        .filter_map(|op| op.operand(2).ok())
        .filter_map(|bias| ffi::defining_op(bias).filter(|op| name(op) == "quant.dequantize"))
        .map(|dq| QuantParams::from_op(&dq).expect("params").scale)
        .collect()
}
