//! The conversion of each supported ONNX op.

use super::{attrs, mlir, shape, Importer, Ssa, Val};
use crate::constant::{Const, Data, Elem};
use crate::proto::NodeProto;
use quant_dialect::views::{Conv2dAttrs, PoolAttrs};
use std::rc::Rc;

/// The ONNX ops (default domain) the importer converts.
pub const SUPPORTED: &[&str] = &[
    "Add",
    "AveragePool",
    "BatchNormalization",
    "Clip",
    "Concat",
    "Constant",
    "ConstantOfShape",
    "Conv",
    "DequantizeLinear",
    "Dropout",
    "Flatten",
    "Gelu",
    "Gemm",
    "GlobalAveragePool",
    "HardSigmoid",
    "Identity",
    "LeakyRelu",
    "MatMul",
    "MaxPool",
    "Mish",
    "QuantizeLinear",
    "Relu",
    "Reshape",
    "Sigmoid",
    "Softmax",
    "Squeeze",
    "Sum",
    "Transpose",
    "Unsqueeze",
];

/// Every op type of `nodes` the importer does not convert, with its count,
/// in order of first appearance (ops of other domains are named `domain.Op`).
pub fn unsupported(nodes: &[NodeProto]) -> Vec<(String, usize)> {
    let mut found: Vec<(String, usize)> = Vec::new();
    for node in nodes {
        let domain = node.domain();
        if matches!(domain, "" | "ai.onnx") && SUPPORTED.contains(&node.op_type()) {
            continue;
        }
        let name = if matches!(domain, "" | "ai.onnx") {
            node.op_type().to_string()
        } else {
            format!("{domain}.{}", node.op_type())
        };
        match found.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => *count += 1,
            None => found.push((name, 1)),
        }
    }
    found
}

const F32: Elem = Elem::F32;

fn ints_attr(key: &'static str, v: &[usize]) -> (&'static str, String) {
    (key, mlir::i64_array(v))
}

fn int_attr(key: &'static str, v: i64) -> (&'static str, String) {
    (key, format!("{v} : i64"))
}

impl Importer {
    pub(super) fn convert(&mut self, node: &NodeProto) -> Result<(), String> {
        match node.op_type() {
            "Relu" => self.unary(node, "quant.relu", vec![]),
            "Sigmoid" => self.unary(node, "quant.sigmoid", vec![]),
            "Mish" => self.unary(node, "quant.mish", vec![]),
            "LeakyRelu" => {
                let alpha = attrs::float(node, "alpha", 0.01);
                self.unary(node, "quant.leaky_relu", vec![("alpha", mlir::f32_attr(alpha))])
            }
            "HardSigmoid" => {
                let alpha = ("alpha", mlir::f32_attr(attrs::float(node, "alpha", 0.2)));
                let beta = ("beta", mlir::f32_attr(attrs::float(node, "beta", 0.5)));
                self.unary(node, "quant.hardsigmoid", vec![alpha, beta])
            }
            "Gelu" => match attrs::string(node, "approximate", "none").as_str() {
                mode @ ("none" | "tanh") => self.unary(node, "quant.gelu", vec![("approximate", mlir::string(mode))]),
                other => Err(format!("unknown approximate '{other}'")),
            },
            "Clip" => self.clip(node),
            "Softmax" => self.softmax(node),
            "Add" | "Sum" => self.add(node),
            "Conv" => self.conv(node),
            "BatchNormalization" => self.batch_norm(node),
            "Gemm" => self.gemm(node),
            "MatMul" => self.matmul(node),
            "MaxPool" | "AveragePool" => self.pool(node),
            "GlobalAveragePool" => self.global_avg_pool(node),
            "Flatten" | "Reshape" | "Squeeze" | "Unsqueeze" => self.reshape_node(node),
            "Transpose" => self.transpose(node),
            "Concat" => self.concat(node),
            "Dropout" | "Identity" => {
                if self.output_used(node, 1) {
                    return Err("the mask output is not supported".into());
                }
                let x = self.input(node, 0)?;
                self.bind(node, 0, x);
                Ok(())
            }
            "Constant" => {
                let c = constant_attr(node)?;
                self.bind(node, 0, Val::Const(Rc::new(c)));
                Ok(())
            }
            "ConstantOfShape" => self.constant_of_shape(node),
            "QuantizeLinear" | "DequantizeLinear" => self.quant(node),
            other => Err(format!("unsupported op {other}")),
        }
    }

    fn unary(
        &mut self,
        node: &NodeProto,
        name: &'static str,
        attrs: Vec<(&'static str, String)>,
    ) -> Result<(), String> {
        let x = self.activation(node, 0)?;
        let y = self.emit(name, vec![x.clone()], attrs, x.shape, F32);
        self.bind(node, 0, Val::Ssa(y));
        Ok(())
    }

    /// A scalar constant input, if given.
    fn scalar(&self, node: &NodeProto, i: usize) -> Result<Option<f32>, String> {
        match self.constant(node, i)? {
            None => Ok(None),
            Some(c) if c.len() == 1 => Ok(Some(c.to_f32()[0])),
            Some(_) => Err(format!("input #{i} must be a scalar")),
        }
    }

    fn clip(&mut self, node: &NodeProto) -> Result<(), String> {
        let (lo, hi) = if self.opset < 11 {
            (attrs::float(node, "min", f32::NEG_INFINITY), attrs::float(node, "max", f32::INFINITY))
        } else {
            (self.scalar(node, 1)?.unwrap_or(f32::NEG_INFINITY), self.scalar(node, 2)?.unwrap_or(f32::INFINITY))
        };
        match (lo, hi) {
            (0.0, 6.0) => self.unary(node, "quant.relu6", vec![]),
            (0.0, f32::INFINITY) => self.unary(node, "quant.relu", vec![]),
            _ => {
                let min = ("min", mlir::f32_attr(lo.max(f32::MIN)));
                let max = ("max", mlir::f32_attr(hi.min(f32::MAX)));
                self.unary(node, "quant.clip", vec![min, max])
            }
        }
    }

    fn softmax(&mut self, node: &NodeProto) -> Result<(), String> {
        let x = self.activation(node, 0)?;
        let rank = x.shape.len();
        let legacy = self.opset < 13;
        let axis = shape::axis(attrs::int(node, "axis", if legacy { 1 } else { -1 }), rank, false)?;
        let y = if !legacy || axis + 1 == rank {
            self.emit("quant.softmax", vec![x.clone()], vec![int_attr("axis", axis as i64)], x.shape, F32)
        } else {
            // Before opset 13, Softmax works on the input flattened to 2-D at `axis`.
            let rows = x.shape[..axis].iter().product();
            let flat = self.reshape(x.clone(), vec![rows, x.shape[axis..].iter().product()]);
            let s = self.emit("quant.softmax", vec![flat.clone()], vec![int_attr("axis", 1)], flat.shape, F32);
            self.reshape(s, x.shape)
        };
        self.bind(node, 0, Val::Ssa(y));
        Ok(())
    }

    fn add(&mut self, node: &NodeProto) -> Result<(), String> {
        if node.input.len() == 2 && self.fuse_bias(node)? {
            return Ok(());
        }
        let mut acc = self.input(node, 0)?;
        for i in 1..node.input.len() {
            let rhs = self.input(node, i)?;
            acc = Val::Ssa(self.add_values(acc, rhs)?);
        }
        self.bind(node, 0, acc);
        Ok(())
    }

    fn add_values(&mut self, a: Val, b: Val) -> Result<Ssa, String> {
        let (x, y) = match (&a, &b) {
            (Val::Ssa(x), Val::Ssa(y)) if x.shape == y.shape => (x.clone(), y.clone()),
            (Val::Ssa(x), Val::Const(c)) | (Val::Const(c), Val::Ssa(x)) => {
                let full = c
                    .broadcast_to(&x.shape)
                    .ok_or_else(|| format!("constant of shape {:?} does not broadcast to {:?}", c.shape, x.shape))?;
                (x.clone(), self.ssa(&Val::Const(Rc::new(full))))
            }
            _ => {
                return Err(format!(
                    "Add of shapes {:?} and {:?} is not supported (quant.add needs one shape, or a constant operand)",
                    a.shape(),
                    b.shape()
                ))
            }
        };
        if x.elem != F32 || y.elem != F32 {
            return Err("Add needs f32 operands".into());
        }
        Ok(self.emit("quant.add", vec![x.clone(), y], vec![], x.shape, F32))
    }

    /// MatMul + Add (or Gemm without C + Add) of a bias: the bias goes into
    /// the `quant.linear`. Only when the linear's result has no other use.
    fn fuse_bias(&mut self, node: &NodeProto) -> Result<bool, String> {
        for (lin, other) in [(0, 1), (1, 0)] {
            let Val::Ssa(y) = self.input(node, lin)? else { continue };
            let Some(&index) = self.biasless_linear.get(&y.name) else { continue };
            if self.uses.get(&node.input[lin]) != Some(&1) {
                continue;
            }
            let Some(bias) = bias_of(&self.input(node, other)?, y.shape[1]) else { continue };
            let bias = self.ssa(&bias);
            if !self.defined_before(&bias, index) {
                continue;
            }
            if let super::Body::Quant { operands, .. } = &mut self.ops[index].body {
                operands.push(bias);
            }
            self.biasless_linear.remove(&y.name);
            self.bind(node, 0, Val::Ssa(y));
            return Ok(true);
        }
        Ok(false)
    }

    fn conv(&mut self, node: &NodeProto) -> Result<(), String> {
        let x = self.activation(node, 0)?;
        let lifted = lift_1d(&x.shape)?;
        let w = self.input(node, 1)?;
        if w.shape().len() != x.shape.len() {
            return Err(format!("weight rank {} does not match input rank {}", w.shape().len(), x.shape.len()));
        }
        let (x4, w4) = if lifted {
            let ws = w.shape();
            (self.lift(x.clone()), self.reshape_val(w.clone(), vec![ws[0], ws[1], ws[2], 1]))
        } else {
            (x.clone(), w)
        };
        let w4 = self.ssa(&w4);
        let [n, c, h, wd] = dims4(&x4.shape);
        let [o, cg, kh, kw] = dims4(&w4.shape);
        let window = shape::window(node, &x.shape[2..], Some(&w4.shape[2..2 + x.shape.len() - 2]))?;
        let groups = attrs::int(node, "group", 1);
        let groups = usize::try_from(groups).ok().filter(|&g| g > 0).ok_or(format!("invalid group {groups}"))?;
        if cg * groups != c || o % groups != 0 {
            return Err(format!("weight {:?} does not fit {c} input channels in {groups} groups", w4.shape));
        }
        let conv = Conv2dAttrs { strides: window.strides, padding: window.pads, dilations: window.dilations, groups };
        let [ho, wo] = conv.output_hw(h, wd, kh, kw).ok_or("the kernel does not fit the padded input")?;
        let mut operands = vec![x4, w4];
        if let Some(b) = self.optional_input(node, 2)? {
            if b.shape() != [o] {
                return Err(format!("bias shape {:?} is not [{o}]", b.shape()));
            }
            operands.push(self.ssa(&b));
        }
        let attrs = vec![
            ints_attr("strides", &window.strides),
            ints_attr("padding", &window.pads),
            ints_attr("dilations", &window.dilations),
            int_attr("groups", groups as i64),
        ];
        let y = self.emit("quant.conv2d", operands, attrs, vec![n, o, ho, wo], F32);
        let y = if lifted { self.reshape(y, vec![n, o, ho]) } else { y };
        self.bind(node, 0, Val::Ssa(y));
        Ok(())
    }

    fn pool(&mut self, node: &NodeProto) -> Result<(), String> {
        let x = self.activation(node, 0)?;
        let lifted = lift_1d(&x.shape)?;
        if self.output_used(node, 1) {
            return Err("the Indices output is not supported".into());
        }
        let window = shape::window(node, &x.shape[2..], None)?;
        if window.dilations != [1, 1] {
            return Err("dilated pooling is not supported".into());
        }
        let avg = node.op_type() == "AveragePool";
        let pool = PoolAttrs {
            kernel: window.kernel,
            strides: window.strides,
            padding: window.pads,
            ceil_mode: attrs::int(node, "ceil_mode", 0) != 0,
            count_include_pad: avg && attrs::int(node, "count_include_pad", 0) != 0,
        };
        let x4 = if lifted { self.lift(x.clone()) } else { x.clone() };
        let [n, c, h, w] = dims4(&x4.shape);
        let [ho, wo] = pool.output_hw(h, w).ok_or("the window does not fit the padded input")?;
        let mut attrs = vec![
            ints_attr("kernel", &pool.kernel),
            ints_attr("strides", &pool.strides),
            ints_attr("padding", &pool.padding),
        ];
        attrs.push(("ceil_mode", pool.ceil_mode.to_string()));
        let name = if avg {
            attrs.push(("count_include_pad", pool.count_include_pad.to_string()));
            "quant.avg_pool2d"
        } else {
            "quant.max_pool2d"
        };
        let y = self.emit(name, vec![x4], attrs, vec![n, c, ho, wo], F32);
        let y = if lifted { self.reshape(y, vec![n, c, ho]) } else { y };
        self.bind(node, 0, Val::Ssa(y));
        Ok(())
    }

    fn global_avg_pool(&mut self, node: &NodeProto) -> Result<(), String> {
        let x = self.activation(node, 0)?;
        if x.shape.len() != 4 {
            return Err(format!("only 4-D inputs are supported, got rank {}", x.shape.len()));
        }
        let shape = vec![x.shape[0], x.shape[1], 1, 1];
        let y = self.emit("quant.global_avg_pool", vec![x], vec![], shape, F32);
        self.bind(node, 0, Val::Ssa(y));
        Ok(())
    }

    fn batch_norm(&mut self, node: &NodeProto) -> Result<(), String> {
        if attrs::int(node, "training_mode", 0) != 0 || (1..=4).any(|i| self.output_used(node, i)) {
            return Err("only inference mode is supported".into());
        }
        if attrs::int(node, "spatial", 1) != 1 {
            return Err("spatial = 0 is not supported".into());
        }
        let x = self.activation(node, 0)?;
        let rank3 = x.shape.len() == 3;
        if !matches!(x.shape.len(), 2..=4) {
            return Err(format!("inputs of rank {} are not supported", x.shape.len()));
        }
        let channels = x.shape[1];
        let input = if rank3 { self.lift(x.clone()) } else { x.clone() };
        let mut operands = vec![input.clone()];
        for i in 1..=4 {
            let p = self.value(node, i)?;
            if p.shape != [channels] || p.elem != F32 {
                return Err(format!("input #{i} must be f32 of shape [{channels}], got {:?}", p.shape));
            }
            operands.push(p);
        }
        let epsilon = ("epsilon", mlir::f32_attr(attrs::float(node, "epsilon", 1e-5)));
        let y = self.emit("quant.batch_norm", operands, vec![epsilon], input.shape, F32);
        let y = if rank3 { self.reshape(y, x.shape) } else { y };
        self.bind(node, 0, Val::Ssa(y));
        Ok(())
    }

    fn gemm(&mut self, node: &NodeProto) -> Result<(), String> {
        let mut a = self.activation(node, 0)?;
        if a.shape.len() != 2 {
            return Err(format!("input A must be 2-D, got {:?}", a.shape));
        }
        if attrs::int(node, "transA", 0) != 0 {
            a = self.transpose2d(Val::Ssa(a))?;
        }
        let b = self.input(node, 1)?;
        let mut w = if attrs::int(node, "transB", 0) != 0 { b } else { Val::Ssa(self.transpose2d(b)?) };
        let alpha = attrs::float(node, "alpha", 1.0);
        if alpha != 1.0 {
            w = scaled(&w, alpha).ok_or("alpha != 1 needs a constant B")?;
        }
        let beta = attrs::float(node, "beta", 1.0);
        let c = match self.optional_input(node, 2)? {
            Some(c) if beta != 1.0 => Some(scaled(&c, beta).ok_or("beta != 1 needs a constant C")?),
            c => c,
        };
        self.linear(node, a, w, c)
    }

    fn matmul(&mut self, node: &NodeProto) -> Result<(), String> {
        let a = self.activation(node, 0)?;
        if a.shape.len() != 2 {
            return Err(format!("only 2-D inputs are supported, got {:?}", a.shape));
        }
        let b = self.input(node, 1)?;
        let w = self.transpose2d(b)?;
        self.linear(node, a, Val::Ssa(w), None)
    }

    /// `quant.linear` of `a` (`NxK`) and `w` (`MxK`), with bias `c` when given.
    fn linear(&mut self, node: &NodeProto, a: Ssa, w: Val, c: Option<Val>) -> Result<(), String> {
        let (n, k) = (a.shape[0], a.shape[1]);
        let &[m, wk] = w.shape() else { return Err(format!("weight must be 2-D, got {:?}", w.shape())) };
        if wk != k {
            return Err(format!("weight {:?} does not match input {:?}", w.shape(), a.shape));
        }
        let mut operands = vec![a, self.ssa(&w)];
        if let Some(c) = c {
            let bias = bias_of(&c, m).ok_or_else(|| format!("C of shape {:?} is not a bias of {m}", c.shape()))?;
            operands.push(self.ssa(&bias));
        }
        let has_bias = operands.len() == 3;
        let y = self.emit("quant.linear", operands, vec![], vec![n, m], F32);
        if !has_bias {
            self.biasless_linear.insert(y.name.clone(), self.ops.len() - 1);
        }
        self.bind(node, 0, Val::Ssa(y));
        Ok(())
    }

    fn transpose2d(&mut self, v: Val) -> Result<Ssa, String> {
        if v.shape().len() != 2 {
            return Err(format!("expected a 2-D matrix, got {:?}", v.shape()));
        }
        Ok(match v {
            Val::Const(c) => self.ssa(&Val::Const(Rc::new(c.transposed(&[1, 0])))),
            Val::Ssa(s) => {
                let shape = vec![s.shape[1], s.shape[0]];
                let elem = s.elem;
                self.emit("quant.transpose", vec![s], vec![ints_attr("perm", &[1, 0])], shape, elem)
            }
        })
    }

    fn reshape_node(&mut self, node: &NodeProto) -> Result<(), String> {
        let x = self.input(node, 0)?;
        let input = x.shape().to_vec();
        let axes = |this: &Self| -> Result<Option<Vec<i64>>, String> {
            if this.opset < 13 {
                Ok(attrs::ints(node, "axes"))
            } else {
                Ok(this
                    .constant(node, 1)?
                    .map(|c| c.ints().map(<[i64]>::to_vec).ok_or("axes must be integers"))
                    .transpose()?)
            }
        };
        let target = match node.op_type() {
            "Flatten" => {
                let axis = shape::axis(attrs::int(node, "axis", 1), input.len(), true)?;
                vec![input[..axis].iter().product(), input[axis..].iter().product()]
            }
            "Reshape" => {
                let spec = if self.opset < 5 {
                    attrs::ints(node, "shape").ok_or("requires 'shape'")?
                } else {
                    let c = self.constant(node, 1)?.ok_or("requires a constant shape")?;
                    c.ints().ok_or("the shape must be integers")?.to_vec()
                };
                shape::reshape_target(&input, &spec, attrs::int(node, "allowzero", 0) != 0)?
            }
            "Squeeze" => shape::squeeze(&input, axes(self)?.as_deref())?,
            _ => shape::unsqueeze(&input, &axes(self)?.ok_or("requires axes")?)?,
        };
        let y = self.reshape_val(x, target);
        self.bind(node, 0, y);
        Ok(())
    }

    fn transpose(&mut self, node: &NodeProto) -> Result<(), String> {
        let x = self.input(node, 0)?;
        let rank = x.shape().len();
        let perm: Vec<usize> = match attrs::ints(node, "perm") {
            None => (0..rank).rev().collect(),
            Some(p) => p.iter().map(|&a| shape::axis(a, rank, false)).collect::<Result<_, _>>()?,
        };
        let mut sorted = perm.clone();
        sorted.sort_unstable();
        if sorted != (0..rank).collect::<Vec<_>>() {
            return Err(format!("invalid perm {perm:?} for rank {rank}"));
        }
        let y = match x {
            Val::Const(c) => Val::Const(Rc::new(c.transposed(&perm))),
            Val::Ssa(s) => {
                let shape = perm.iter().map(|&p| s.shape[p]).collect();
                let elem = s.elem;
                Val::Ssa(self.emit("quant.transpose", vec![s], vec![ints_attr("perm", &perm)], shape, elem))
            }
        };
        self.bind(node, 0, y);
        Ok(())
    }

    fn concat(&mut self, node: &NodeProto) -> Result<(), String> {
        let inputs: Vec<Ssa> = (0..node.input.len()).map(|i| self.value(node, i)).collect::<Result<_, _>>()?;
        let first = inputs.first().ok_or("requires inputs")?.clone();
        let axis = shape::axis(attrs::int(node, "axis", 0), first.shape.len(), false)?;
        if inputs.iter().any(|i| i.shape != first.shape || i.elem != first.elem) {
            let shapes: Vec<_> = inputs.iter().map(|i| i.shape.clone()).collect();
            return Err(format!("quant.concat needs inputs of one type (an MLIR 22 IRDL limitation), got {shapes:?}"));
        }
        let mut shape = first.shape.clone();
        shape[axis] *= inputs.len();
        let y = self.emit("quant.concat", inputs, vec![int_attr("axis", axis as i64)], shape, first.elem);
        self.bind(node, 0, Val::Ssa(y));
        Ok(())
    }

    fn constant_of_shape(&mut self, node: &NodeProto) -> Result<(), String> {
        let dims = self.constant(node, 0)?.ok_or("requires a constant shape")?;
        let shape: Vec<usize> = dims
            .ints()
            .ok_or("the shape must be integers")?
            .iter()
            .map(|&d| usize::try_from(d).map_err(|_| format!("negative dim {d}")))
            .collect::<Result<_, _>>()?;
        let fill = match attrs::tensor(node, "value") {
            Some(t) => Const::from_proto(t, None)?,
            None => Const::f32(vec![1], vec![0.0]),
        };
        if fill.len() != 1 {
            return Err("'value' must hold one element".into());
        }
        let c = fill.reshaped(vec![]).broadcast_to(&shape).ok_or("bad shape")?;
        self.bind(node, 0, Val::Const(Rc::new(c)));
        Ok(())
    }

    fn quant(&mut self, node: &NodeProto) -> Result<(), String> {
        let quantize = node.op_type() == "QuantizeLinear";
        if attrs::int(node, "block_size", 0) != 0 {
            return Err("blocked quantization is not supported".into());
        }
        let x = self.value(node, 0)?;
        let scale = self.constant(node, 1)?.ok_or("requires a constant scale")?;
        let zero_point = self.constant(node, 2)?;
        let Data::F32(scales) = &scale.data else { return Err("the scale must be f32".into()) };
        let storage = match (&zero_point, quantize) {
            (_, false) => x.elem,
            (Some(z), true) => z.elem(),
            (None, true) if attrs::has(node, "output_dtype") => {
                let code = attrs::int(node, "output_dtype", 0) as i32;
                Elem::from_onnx(code)
                    .ok_or(format!("unsupported output_dtype {}", crate::constant::onnx_type_name(code)))?
            }
            (None, true) => Elem::U8,
        };
        if !matches!(storage, Elem::I8 | Elem::U8 | Elem::I32) {
            return Err(format!("storage type {} is not supported (i8, ui8 or i32)", storage.mlir()));
        }
        if (quantize && x.elem != F32) || (!quantize && x.elem == F32) {
            return Err(format!("unexpected input type {}", x.elem.mlir()));
        }
        let points: Vec<i64> = match &zero_point {
            Some(z) => z.ints().ok_or("the zero point must be an integer")?.to_vec(),
            None => vec![0; scales.len()],
        };
        if points.len() != scales.len() {
            return Err("scale and zero point differ in length".into());
        }
        let mut attrs = Vec::new();
        if scales.len() == 1 {
            attrs.push(("scale", mlir::f32_attr(scales[0])));
            attrs.push(("zero_point", format!("{} : i32", points[0])));
        } else {
            let axis = shape::axis(attrs::int(node, "axis", 1), x.shape.len(), false)?;
            let d = scales.len();
            if x.shape[axis] != d {
                return Err(format!("{d} scales for axis {axis} of size {}", x.shape[axis]));
            }
            let zp = Const { shape: vec![d], data: Data::Int(Elem::I32, points) };
            attrs.push((
                "scale",
                format!("{} : {}", mlir::dense(&scale.reshaped(vec![d])), mlir::tensor_type(&[d], F32)),
            ));
            attrs.push(("zero_point", format!("{} : {}", mlir::dense(&zp), mlir::tensor_type(&[d], Elem::I32))));
            attrs.push(int_attr("axis", axis as i64));
        }
        let (name, elem) = if quantize { ("quant.quantize", storage) } else { ("quant.dequantize", F32) };
        let y = self.emit(name, vec![x.clone()], attrs, x.shape, elem);
        self.bind(node, 0, Val::Ssa(y));
        Ok(())
    }

    /// `x` reshaped (a `quant.reshape`, or nothing when the shape is the same).
    fn reshape(&mut self, x: Ssa, shape: Vec<usize>) -> Ssa {
        if x.shape == shape {
            return x;
        }
        let elem = x.elem;
        self.emit("quant.reshape", vec![x], vec![], shape, elem)
    }

    /// Like [`Self::reshape`], folded for constants.
    fn reshape_val(&mut self, x: Val, shape: Vec<usize>) -> Val {
        match x {
            Val::Const(c) => Val::Const(Rc::new(c.reshaped(shape))),
            Val::Ssa(s) => Val::Ssa(self.reshape(s, shape)),
        }
    }

    /// A 1-D (`NxCxL`) activation as 2-D (`NxCxLx1`).
    fn lift(&mut self, x: Ssa) -> Ssa {
        let mut shape = x.shape.clone();
        shape.push(1);
        self.reshape(x, shape)
    }
}

/// Whether a conv/pool input is 1-D (lifted to 2-D); errors for other than 1-D or 2-D.
fn lift_1d(shape: &[usize]) -> Result<bool, String> {
    match shape.len() {
        3 => Ok(true),
        4 => Ok(false),
        r => Err(format!("only 1-D and 2-D spatial inputs are supported (input rank {r})")),
    }
}

fn dims4(s: &[usize]) -> [usize; 4] {
    [s[0], s[1], s[2], s[3]]
}

/// `v` as a bias of length `m`: a constant that broadcasts along rows, or a
/// computed `[m]` vector (e.g. a dequantized int32 bias).
fn bias_of(v: &Val, m: usize) -> Option<Val> {
    match v {
        Val::Const(c) => {
            let row = c.broadcast_to(&[1, m])?;
            Some(Val::Const(Rc::new(row.reshaped(vec![m]))))
        }
        Val::Ssa(s) if s.shape == [m] => Some(v.clone()),
        Val::Ssa(_) => None,
    }
}

/// A constant multiplied by `factor`; `None` for computed values.
fn scaled(v: &Val, factor: f32) -> Option<Val> {
    let Val::Const(c) = v else { return None };
    let values = c.to_f32().iter().map(|x| x * factor).collect();
    Some(Val::Const(Rc::new(Const::f32(c.shape.clone(), values))))
}

/// The tensor of a `Constant` node.
fn constant_attr(node: &NodeProto) -> Result<Const, String> {
    if let Some(t) = attrs::tensor(node, "value") {
        return Const::from_proto(t, None);
    }
    if attrs::has(node, "value_float") {
        return Ok(Const::f32(vec![], vec![attrs::float(node, "value_float", 0.0)]));
    }
    if let Some(v) = attrs::floats(node, "value_floats") {
        return Ok(Const::f32(vec![v.len()], v));
    }
    if attrs::has(node, "value_int") {
        return Ok(Const { shape: vec![], data: Data::Int(Elem::I64, vec![attrs::int(node, "value_int", 0)]) });
    }
    if let Some(v) = attrs::ints(node, "value_ints") {
        return Ok(Const { shape: vec![v.len()], data: Data::Int(Elem::I64, v) });
    }
    Err("only tensor, float(s) and int(s) values are supported".into())
}
