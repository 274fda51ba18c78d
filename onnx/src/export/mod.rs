//! `quant` dialect module → ONNX `ModelProto` (opset 21): the inverse of the
//! importer's mapping, with Q/DQ kept as QuantizeLinear/DequantizeLinear.

mod nodes;

use crate::constant::{Const, Data, Elem};
use crate::proto::{
    tensor_shape_proto::{dimension, Dimension},
    type_proto, GraphProto, ModelProto, OperatorSetIdProto, TensorShapeProto, TypeProto, ValueInfoProto,
};
use melior::ir::{operation::OperationLike, BlockLike, Module, RegionLike, Value, ValueLike};
use quant_dialect::{
    func::op_name,
    tensor::{ConstTensor, ElemType, TensorType, Values},
};
use std::collections::HashMap;

/// The opset of exported models (Gelu needs 20; ONNX Runtime 1.17+ runs 21).
pub const OPSET: i64 = 21;
const IR_VERSION: i64 = 10;

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("no function @{0} in the module")]
    MissingEntry(String),
    #[error("{0}")]
    Function(String),
    #[error("{location}: '{op}': {message}")]
    Op { op: String, location: String, message: String },
}

/// Exports function `entry` of a verified module as an ONNX model.
pub fn export_module(module: &Module, entry: &str) -> Result<ModelProto, ExportError> {
    let func = quant_dialect::func::find_function(module, entry)
        .ok_or_else(|| ExportError::MissingEntry(entry.to_string()))?;
    let block = func
        .region(0)
        .ok()
        .and_then(|r| r.first_block())
        .ok_or_else(|| ExportError::Function(format!("@{entry} has no body")))?;
    let mut ops = Vec::new();
    let mut next = block.first_operation();
    while let Some(op) = next {
        next = op.next_in_block();
        ops.push(op);
    }
    let ret = ops.pop().filter(|op| op_name(op) == "func.return");
    let ret = ret.ok_or_else(|| ExportError::Function(format!("@{entry} does not end with func.return")))?;
    let mut exporter = Exporter::default();
    for i in 0..block.argument_count() {
        let value: Value = block.argument(i).map_err(|e| ExportError::Function(e.to_string()))?.into();
        let name = format!("input_{i}");
        exporter.graph.input.push(value_info(&name, value).map_err(ExportError::Function)?);
        exporter.names.insert(key(value), name);
    }
    let results: Vec<Value> = ret.operands().collect();
    for (i, value) in results.iter().enumerate() {
        exporter.output_names.entry(key(*value)).or_insert_with(|| format!("output_{i}"));
    }
    for op in &ops {
        exporter.op(op).map_err(|message| ExportError::Op {
            op: op_name(op),
            location: op.location().to_string(),
            message,
        })?;
    }
    for (i, value) in results.iter().enumerate() {
        let name = format!("output_{i}");
        let current = exporter.name(*value).map_err(ExportError::Function)?;
        if current != name {
            // Arguments and values returned twice need a node to produce the output name.
            exporter.node("Identity", vec![current], vec![name.clone()], vec![]);
        }
        exporter.graph.output.push(value_info(&name, *value).map_err(ExportError::Function)?);
    }
    exporter.graph.name = Some(entry.to_string());
    Ok(ModelProto {
        ir_version: Some(IR_VERSION),
        producer_name: Some("qopt".into()),
        producer_version: Some(env!("CARGO_PKG_VERSION").into()),
        opset_import: vec![OperatorSetIdProto { domain: Some(String::new()), version: Some(OPSET) }],
        graph: Some(exporter.graph),
        ..Default::default()
    })
}

fn key(value: Value) -> usize {
    value.to_raw().ptr as usize
}

pub(crate) fn elem_of(ty: ElemType) -> Elem {
    match ty {
        ElemType::F32 => Elem::F32,
        ElemType::I8 => Elem::I8,
        ElemType::U8 => Elem::U8,
        ElemType::I32 => Elem::I32,
    }
}

/// The static type of a value: shape and element type.
fn tensor_type(value: Value) -> Result<(Vec<usize>, Elem), String> {
    let t = TensorType::of(value.r#type())
        .ok_or_else(|| format!("{} is not a statically shaped tensor", value.r#type()))?;
    let elem = t.elem().ok_or_else(|| format!("element type {} has no ONNX export", t.elem_name))?;
    Ok((t.shape, elem_of(elem)))
}

fn value_info(name: &str, value: Value) -> Result<ValueInfoProto, String> {
    let (shape, elem) = tensor_type(value)?;
    let dim =
        shape.iter().map(|&d| Dimension { value: Some(dimension::Value::DimValue(d as i64)), ..Default::default() });
    let tensor = type_proto::Tensor {
        elem_type: Some(elem.onnx() as i32),
        shape: Some(TensorShapeProto { dim: dim.collect() }),
    };
    Ok(ValueInfoProto {
        name: Some(name.to_string()),
        r#type: Some(TypeProto { value: Some(type_proto::Value::TensorType(tensor)), ..Default::default() }),
        ..Default::default()
    })
}

/// The constant held by an `arith.constant` result.
fn constant_of(value: Value) -> Option<Const> {
    let c = ConstTensor::of_value(value)?;
    let data = match c.values {
        Values::F32(v) => Data::F32(v),
        Values::Int(v) => Data::Int(elem_of(c.elem), v.into_iter().map(i64::from).collect()),
    };
    Some(Const { shape: c.shape, data })
}

#[derive(Default)]
struct Exporter {
    graph: GraphProto,
    /// ONNX names of the SSA values defined so far.
    names: HashMap<usize, String>,
    /// The names of returned values (`output_<i>`).
    output_names: HashMap<usize, String>,
    counter: usize,
}

impl Exporter {
    fn name(&self, value: Value) -> Result<String, String> {
        self.names.get(&key(value)).cloned().ok_or_else(|| "an operand is not defined before use".to_string())
    }

    /// Names a new SSA value: its output name when it is returned.
    fn define(&mut self, value: Value) -> String {
        let name = self.output_names.get(&key(value)).cloned().unwrap_or_else(|| self.fresh("v"));
        self.names.insert(key(value), name.clone());
        name
    }

    fn fresh(&mut self, base: &str) -> String {
        self.counter += 1;
        format!("{base}_{}", self.counter)
    }

    /// Adds an initializer and returns its name.
    fn initializer(&mut self, base: &str, c: &Const) -> String {
        let name = self.fresh(base);
        self.graph.initializer.push(c.to_proto(&name));
        name
    }

    fn node(
        &mut self,
        op_type: &str,
        inputs: Vec<String>,
        outputs: Vec<String>,
        attrs: Vec<crate::proto::AttributeProto>,
    ) {
        let name = self.fresh(op_type);
        self.graph.node.push(crate::proto::NodeProto {
            name: Some(name),
            op_type: Some(op_type.to_string()),
            input: inputs,
            output: outputs,
            attribute: attrs,
            ..Default::default()
        });
    }
}
