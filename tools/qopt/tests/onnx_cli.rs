//! `qopt import` and `qopt export-onnx`: the round trip through files, the
//! error for unsupported models (nothing written), and that the first words
//! leave qopt's flat command line alone.

use quant_onnx::proto::{
    tensor_shape_proto::{dimension, Dimension},
    type_proto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorShapeProto, TypeProto, ValueInfoProto,
};
use std::{fs, process::Command};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/conv-bn-relu.mlir");

fn qopt(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qopt")).args(args).output().expect("qopt runs")
}

fn tensor(name: &str) -> ValueInfoProto {
    let dim = [1, 4].map(|d| Dimension { value: Some(dimension::Value::DimValue(d)), ..Default::default() });
    let t = type_proto::Tensor { elem_type: Some(1), shape: Some(TensorShapeProto { dim: dim.to_vec() }) };
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto { value: Some(type_proto::Value::TensorType(t)), ..Default::default() }),
        ..Default::default()
    }
}

fn unsupported_model() -> Vec<u8> {
    let node = |op: &str, i: &str, o: &str| NodeProto {
        op_type: Some(op.into()),
        input: vec![i.into()],
        output: vec![o.into()],
        ..Default::default()
    };
    let model = ModelProto {
        ir_version: Some(8),
        opset_import: vec![OperatorSetIdProto { domain: Some(String::new()), version: Some(13) }],
        graph: Some(GraphProto {
            node: vec![node("Tanh", "x", "a"), node("Softplus", "a", "b"), node("Tanh", "b", "y")],
            input: vec![tensor("x")],
            output: vec![tensor("y")],
            ..Default::default()
        }),
        ..Default::default()
    };
    prost::Message::encode_to_vec(&model)
}

#[test]
fn export_import_fuse_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let onnx = dir.path().join("m.onnx");
    let mlir = dir.path().join("m.mlir");
    let out = qopt(&["export-onnx", EXAMPLE, "-o", onnx.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = qopt(&["import", onnx.to_str().unwrap(), "-o", mlir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(fs::read_to_string(&mlir).unwrap().contains("quant.batch_norm"));
    let out = qopt(&["--fuse-bn", mlir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("quant.batch_norm"));
}

#[test]
fn unsupported_model_lists_ops_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let onnx = dir.path().join("bad.onnx");
    fs::write(&onnx, unsupported_model()).unwrap();
    let target = dir.path().join("out.mlir");
    fs::write(&target, "previous").unwrap();
    let out = qopt(&["import", onnx.to_str().unwrap(), "-o", target.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unsupported ONNX ops: Tanh (2), Softplus (1)"), "{stderr}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "previous");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file is left behind");
}

#[test]
fn usage_errors_and_flat_cli_unchanged() {
    assert_eq!(qopt(&["import"]).status.code(), Some(2));
    assert_eq!(qopt(&["export-onnx", EXAMPLE]).status.code(), Some(2), "-o is required");
    assert!(qopt(&[EXAMPLE]).status.success());
}
