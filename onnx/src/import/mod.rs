//! ONNX `ModelProto` → `quant` dialect MLIR text (generic op syntax).
//!
//! Constants (initializers, `Constant` nodes, shapes) stay symbolic while the
//! graph is walked: layout ops on them are folded, ops that take them as
//! attributes (Reshape, Clip, Q/DQ parameters) read them, and only constants
//! that an op uses as an operand become `arith.constant`.

mod attrs;
mod mlir;
mod ops;
mod shape;

use crate::constant::{onnx_type_name, Const, Elem};
use crate::proto::{tensor_shape_proto::dimension, type_proto, ModelProto, NodeProto, ValueInfoProto};
use prost::Message;
use std::{collections::HashMap, fmt::Write, path::Path, rc::Rc};

/// The opsets whose semantics of the supported ops the importer implements.
/// Opsets 6 to 8 behave like 9 for these ops (and the ONNX conformance models are opset 6).
pub const OPSETS: std::ops::RangeInclusive<i64> = 6..=21;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read '{path}': {message}")]
    Read { path: String, message: String },
    #[error("not a valid ONNX model: {0}")]
    Decode(String),
    #[error("unsupported ONNX ops: {}", .0.iter().map(|(op, n)| format!("{op} ({n})")).collect::<Vec<_>>().join(", "))]
    Unsupported(Vec<(String, usize)>),
    #[error("{0}")]
    Model(String),
    #[error("node '{node}' ({op}): {message}")]
    Node { node: String, op: String, message: String },
}

/// Imports the ONNX file at `path` (external data is read beside it).
pub fn import_file(path: &Path) -> Result<String, ImportError> {
    let read_error = |e: std::io::Error| ImportError::Read { path: path.display().to_string(), message: e.to_string() };
    let bytes = std::fs::read(path).map_err(read_error)?;
    import_bytes(&bytes, path.parent())
}

/// Imports a serialized `ModelProto`.
pub fn import_bytes(bytes: &[u8], base_dir: Option<&Path>) -> Result<String, ImportError> {
    let model = ModelProto::decode(bytes).map_err(|e| ImportError::Decode(e.to_string()))?;
    import_model(&model, base_dir)
}

/// Imports a model into the text of a module with one function, `@main`.
pub fn import_model(model: &ModelProto, base_dir: Option<&Path>) -> Result<String, ImportError> {
    let graph = model.graph.as_ref().ok_or(ImportError::Model("the model has no graph".into()))?;
    let opset = model
        .opset_import
        .iter()
        .find(|o| matches!(o.domain.as_deref(), None | Some("") | Some("ai.onnx")))
        .and_then(|o| o.version)
        .unwrap_or(1);
    if !OPSETS.contains(&opset) {
        return Err(ImportError::Model(format!(
            "opset {opset} is not supported (supported: {} to {})",
            OPSETS.start(),
            OPSETS.end()
        )));
    }
    let unsupported = ops::unsupported(&graph.node);
    if !unsupported.is_empty() {
        return Err(ImportError::Unsupported(unsupported));
    }
    let mut importer = Importer { opset, ..Importer::default() };
    for t in &graph.initializer {
        let name = t.name.clone().unwrap_or_default();
        let c = Const::from_proto(t, base_dir).map_err(|e| ImportError::Model(format!("initializer '{name}': {e}")))?;
        importer.env.insert(name, Val::Const(Rc::new(c)));
    }
    // Before IR version 4, initializers are also listed among the inputs: only the rest are real inputs.
    let inputs: Vec<_> = graph.input.iter().filter(|i| !importer.env.contains_key(i.name())).collect();
    for input in inputs {
        let (shape, elem) = value_type(input).map_err(ImportError::Model)?;
        let ssa = Ssa { name: format!("%arg{}", importer.arguments.len()), shape, elem };
        importer.arguments.push(ssa.clone());
        importer.env.insert(input.name().to_string(), Val::Ssa(ssa));
    }
    for name in graph.node.iter().flat_map(|n| &n.input).chain(graph.output.iter().filter_map(|o| o.name.as_ref())) {
        *importer.uses.entry(name.clone()).or_default() += 1;
    }
    for node in &graph.node {
        importer.location = node.name.clone().filter(|n| !n.is_empty());
        importer.convert(node).map_err(|message| ImportError::Node {
            node: node.name().to_string(),
            op: node.op_type().to_string(),
            message,
        })?;
    }
    importer.location = None;
    let mut results = Vec::new();
    for output in &graph.output {
        let val = importer.env.get(output.name()).cloned();
        let val =
            val.ok_or_else(|| ImportError::Model(format!("graph output '{}' is never computed", output.name())))?;
        results.push(importer.ssa(&val));
    }
    if results.is_empty() {
        return Err(ImportError::Model("the graph has no outputs".into()));
    }
    Ok(importer.print(&results))
}

/// The static tensor type of a graph input.
fn value_type(info: &ValueInfoProto) -> Result<(Vec<usize>, Elem), String> {
    let name = info.name();
    let Some(type_proto::Value::TensorType(t)) = info.r#type.as_ref().and_then(|t| t.value.as_ref()) else {
        return Err(format!("input '{name}' is not a tensor"));
    };
    let code = t.elem_type.unwrap_or(0);
    let elem = Elem::from_onnx(code)
        .filter(|&e| e != Elem::I64)
        .ok_or_else(|| format!("input '{name}' has unsupported element type {}", onnx_type_name(code)))?;
    let dims = t.shape.as_ref().ok_or_else(|| format!("input '{name}' has no shape"))?;
    let shape = dims
        .dim
        .iter()
        .map(|d| match &d.value {
            Some(dimension::Value::DimValue(v)) if *v >= 0 => Ok(*v as usize),
            Some(dimension::Value::DimParam(p)) => {
                Err(format!("input '{name}' has a symbolic dimension '{p}'; the importer needs static shapes"))
            }
            _ => Err(format!("input '{name}' has an unknown dimension; the importer needs static shapes")),
        })
        .collect::<Result<_, _>>()?;
    Ok((shape, elem))
}

/// An SSA value of the emitted function.
#[derive(Clone, Debug)]
struct Ssa {
    name: String,
    shape: Vec<usize>,
    elem: Elem,
}

impl Ssa {
    fn ty(&self) -> String {
        mlir::tensor_type(&self.shape, self.elem)
    }
}

/// What an ONNX tensor name stands for.
#[derive(Clone, Debug)]
enum Val {
    Const(Rc<Const>),
    Ssa(Ssa),
}

impl Val {
    fn shape(&self) -> &[usize] {
        match self {
            Val::Const(c) => &c.shape,
            Val::Ssa(s) => &s.shape,
        }
    }
}

enum Body {
    Constant(Rc<Const>),
    Quant { name: &'static str, operands: Vec<Ssa>, attrs: Vec<(&'static str, String)> },
}

struct Op {
    result: Ssa,
    body: Body,
    location: Option<String>,
}

#[derive(Default)]
struct Importer {
    opset: i64,
    env: HashMap<String, Val>,
    /// How many node inputs and graph outputs name each tensor.
    uses: HashMap<String, usize>,
    arguments: Vec<Ssa>,
    /// Constants, printed first so that they dominate every use.
    constants: Vec<Op>,
    ops: Vec<Op>,
    /// SSA values numbered so far.
    values: usize,
    /// Constants already emitted, by the address of their (kept alive) Rc.
    materialized: HashMap<*const Const, (Rc<Const>, Ssa)>,
    /// `quant.linear` ops without bias, by result name: a following Add of a bias fills them.
    biasless_linear: HashMap<String, usize>,
    /// The name of the node being converted, for `loc(...)`.
    location: Option<String>,
}

impl Importer {
    /// The SSA value of `val`, emitting an `arith.constant` for a constant once.
    fn ssa(&mut self, val: &Val) -> Ssa {
        match val {
            Val::Ssa(s) => s.clone(),
            Val::Const(c) => {
                if let Some((_, s)) = self.materialized.get(&Rc::as_ptr(c)) {
                    return s.clone();
                }
                let result = self.fresh(c.shape.clone(), c.elem());
                self.constants.push(Op { result: result.clone(), body: Body::Constant(c.clone()), location: None });
                self.materialized.insert(Rc::as_ptr(c), (c.clone(), result.clone()));
                result
            }
        }
    }

    fn fresh(&mut self, shape: Vec<usize>, elem: Elem) -> Ssa {
        self.values += 1;
        Ssa { name: format!("%v{}", self.values - 1), shape, elem }
    }

    /// Whether `s` is defined before op `index` (an argument, a constant or an earlier op).
    fn defined_before(&self, s: &Ssa, index: usize) -> bool {
        let named = |o: &Op| o.result.name == s.name;
        self.arguments.iter().any(|a| a.name == s.name)
            || self.constants.iter().any(named)
            || self.ops[..index].iter().any(named)
    }

    /// Emits a `quant` op and returns its result.
    fn emit(
        &mut self,
        name: &'static str,
        operands: Vec<Ssa>,
        attrs: Vec<(&'static str, String)>,
        shape: Vec<usize>,
        elem: Elem,
    ) -> Ssa {
        let result = self.fresh(shape, elem);
        let body = Body::Quant { name, operands, attrs };
        self.ops.push(Op { result: result.clone(), body, location: self.location.clone() });
        result
    }

    fn input(&self, node: &NodeProto, i: usize) -> Result<Val, String> {
        self.optional_input(node, i)?.ok_or_else(|| format!("requires input #{i}"))
    }

    fn optional_input(&self, node: &NodeProto, i: usize) -> Result<Option<Val>, String> {
        match node.input.get(i).filter(|n| !n.is_empty()) {
            None => Ok(None),
            Some(name) => self.env.get(name).cloned().map(Some).ok_or_else(|| format!("input '{name}' is not defined")),
        }
    }

    /// Input `i`, which must be a constant (an initializer or folded).
    fn constant(&self, node: &NodeProto, i: usize) -> Result<Option<Rc<Const>>, String> {
        match self.optional_input(node, i)? {
            None => Ok(None),
            Some(Val::Const(c)) => Ok(Some(c)),
            Some(Val::Ssa(_)) => Err(format!("input #{i} ('{}') must be a constant", node.input[i])),
        }
    }

    /// Input `i` as an SSA value.
    fn value(&mut self, node: &NodeProto, i: usize) -> Result<Ssa, String> {
        let val = self.input(node, i)?;
        Ok(self.ssa(&val))
    }

    /// An f32 SSA input (activations).
    fn activation(&mut self, node: &NodeProto, i: usize) -> Result<Ssa, String> {
        let x = self.value(node, i)?;
        if x.elem != Elem::F32 {
            return Err(format!("input #{i} must be f32, got {}", x.elem.mlir()));
        }
        Ok(x)
    }

    fn bind(&mut self, node: &NodeProto, i: usize, val: Val) {
        if let Some(name) = node.output.get(i).filter(|n| !n.is_empty()) {
            self.env.insert(name.clone(), val);
        }
    }

    /// Whether output `i` of `node` is read by anything.
    fn output_used(&self, node: &NodeProto, i: usize) -> bool {
        node.output.get(i).is_some_and(|n| !n.is_empty() && self.uses.get(n).is_some_and(|&u| u > 0))
    }

    fn print(&self, results: &[Ssa]) -> String {
        let mut out = String::new();
        let args: Vec<String> = self.arguments.iter().map(|a| format!("{}: {}", a.name, a.ty())).collect();
        let types: Vec<String> = results.iter().map(Ssa::ty).collect();
        let _ = writeln!(out, "func.func @main({}) -> ({}) {{", args.join(", "), types.join(", "));
        for op in self.constants.iter().chain(&self.ops) {
            let r = &op.result;
            match &op.body {
                Body::Constant(c) => _ = write!(out, "  {} = arith.constant {} : {}", r.name, mlir::dense(c), r.ty()),
                Body::Quant { name, operands, attrs } => {
                    let names: Vec<&str> = operands.iter().map(|o| o.name.as_str()).collect();
                    let types: Vec<String> = operands.iter().map(Ssa::ty).collect();
                    let _ = write!(out, "  {} = \"{name}\"({})", r.name, names.join(", "));
                    if !attrs.is_empty() {
                        let attrs: Vec<String> = attrs.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                        let _ = write!(out, " {{{}}}", attrs.join(", "));
                    }
                    let _ = write!(out, " : ({}) -> {}", types.join(", "), r.ty());
                }
            }
            if let Some(loc) = &op.location {
                let _ = write!(out, " loc({})", mlir::string(loc));
            }
            out.push('\n');
        }
        let names: Vec<&str> = results.iter().map(|r| r.name.as_str()).collect();
        let _ = writeln!(out, "  return {} : {}", names.join(", "), types.join(", "));
        out.push_str("}\n");
        out
    }
}
