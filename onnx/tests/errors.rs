//! Models the importer refuses, built in Rust (no Python needed).

use quant_onnx::import::{import_model, ImportError};
use quant_onnx::proto::{
    tensor_shape_proto::{dimension, Dimension},
    type_proto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorShapeProto, TypeProto, ValueInfoProto,
};

fn tensor(name: &str, dims: &[i64]) -> ValueInfoProto {
    let dim = dims.iter().map(|&d| Dimension { value: Some(dimension::Value::DimValue(d)), ..Default::default() });
    let t = type_proto::Tensor { elem_type: Some(1), shape: Some(TensorShapeProto { dim: dim.collect() }) };
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto { value: Some(type_proto::Value::TensorType(t)), ..Default::default() }),
        ..Default::default()
    }
}

fn node(op: &str, input: &str, output: &str) -> NodeProto {
    NodeProto { op_type: Some(op.into()), input: vec![input.into()], output: vec![output.into()], ..Default::default() }
}

fn model(nodes: Vec<NodeProto>, opset: i64) -> ModelProto {
    ModelProto {
        ir_version: Some(8),
        opset_import: vec![OperatorSetIdProto { domain: Some(String::new()), version: Some(opset) }],
        graph: Some(GraphProto {
            node: nodes,
            input: vec![tensor("x", &[1, 4])],
            output: vec![tensor("y", &[1, 4])],
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[test]
fn every_unsupported_op_is_listed_with_its_count() {
    let nodes = vec![node("Tanh", "x", "a"), node("Relu", "a", "b"), node("Tanh", "b", "c"), node("Elu", "c", "y")];
    let err = import_model(&model(nodes, 13), None).unwrap_err();
    assert!(matches!(err, ImportError::Unsupported(_)));
    assert_eq!(err.to_string(), "unsupported ONNX ops: Tanh (2), Elu (1)");
}

#[test]
fn opset_out_of_range() {
    let err = import_model(&model(vec![node("Relu", "x", "y")], 22), None).unwrap_err();
    assert!(err.to_string().contains("opset 22 is not supported"), "{err}");
}

#[test]
fn symbolic_dims_are_reported() {
    let mut m = model(vec![node("Relu", "x", "y")], 13);
    let graph = m.graph.as_mut().unwrap();
    let Some(type_proto::Value::TensorType(t)) = graph.input[0].r#type.as_mut().unwrap().value.as_mut() else {
        unreachable!()
    };
    t.shape.as_mut().unwrap().dim[0].value = Some(dimension::Value::DimParam("N".into()));
    let err = import_model(&m, None).unwrap_err();
    assert!(err.to_string().contains("symbolic dimension 'N'"), "{err}");
}

#[test]
fn relu_imports() {
    let text = import_model(&model(vec![node("Relu", "x", "y")], 13), None).unwrap();
    assert!(text.contains("\"quant.relu\"(%arg0)"), "{text}");
}

#[test]
fn garbage_is_not_a_model() {
    let err = quant_onnx::import::import_bytes(b"\xff\xff\xff\xff garbage", None).unwrap_err();
    assert!(matches!(err, ImportError::Decode(_)), "{err}");
}
