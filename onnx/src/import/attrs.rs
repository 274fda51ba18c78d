//! Reading the attributes of an ONNX node, with their defaults.

use crate::proto::{AttributeProto, NodeProto, TensorProto};

fn find<'n>(node: &'n NodeProto, name: &str) -> Option<&'n AttributeProto> {
    node.attribute.iter().find(|a| a.name.as_deref() == Some(name))
}

pub fn int(node: &NodeProto, name: &str, default: i64) -> i64 {
    find(node, name).and_then(|a| a.i).unwrap_or(default)
}

pub fn float(node: &NodeProto, name: &str, default: f32) -> f32 {
    find(node, name).and_then(|a| a.f).unwrap_or(default)
}

pub fn has(node: &NodeProto, name: &str) -> bool {
    find(node, name).is_some()
}

pub fn ints(node: &NodeProto, name: &str) -> Option<Vec<i64>> {
    find(node, name).map(|a| a.ints.clone())
}

pub fn floats(node: &NodeProto, name: &str) -> Option<Vec<f32>> {
    find(node, name).map(|a| a.floats.clone())
}

pub fn string(node: &NodeProto, name: &str, default: &str) -> String {
    find(node, name)
        .and_then(|a| a.s.as_ref())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .unwrap_or_else(|| default.to_string())
}

pub fn tensor<'n>(node: &'n NodeProto, name: &str) -> Option<&'n TensorProto> {
    find(node, name).and_then(|a| a.t.as_ref())
}
