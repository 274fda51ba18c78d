//! The ONNX nodes of each op of the dialect.

use super::{constant_of, elem_of, tensor_type, Exporter};
use crate::constant::{Const, Data, Elem};
use crate::proto::{attribute_proto::AttributeType, AttributeProto};
use melior::ir::{operation::OperationLike, OperationRef, Value};
use quant_dialect::{
    attrs,
    qparams::QuantParams,
    views::{batch_norm_epsilon, Activation, Conv2dAttrs, PoolAttrs},
    OpKind,
};

fn attr(name: &str, kind: AttributeType) -> AttributeProto {
    AttributeProto { name: Some(name.to_string()), r#type: Some(kind as i32), ..Default::default() }
}

fn int(name: &str, v: i64) -> AttributeProto {
    AttributeProto { i: Some(v), ..attr(name, AttributeType::Int) }
}

fn ints(name: &str, v: &[usize]) -> AttributeProto {
    AttributeProto { ints: v.iter().map(|&x| x as i64).collect(), ..attr(name, AttributeType::Ints) }
}

fn float(name: &str, v: f64) -> AttributeProto {
    AttributeProto { f: Some(v as f32), ..attr(name, AttributeType::Float) }
}

fn string(name: &str, v: &str) -> AttributeProto {
    AttributeProto { s: Some(v.as_bytes().to_vec()), ..attr(name, AttributeType::String) }
}

fn scalar(elem: Elem, v: f64) -> Const {
    match elem {
        Elem::F32 => Const::f32(vec![], vec![v as f32]),
        e => Const { shape: vec![], data: Data::Int(e, vec![v as i64]) },
    }
}

impl Exporter {
    /// An activation as ONNX nodes: SiLU as x·sigmoid(x), ReLU6 as Clip.
    fn activation(&mut self, act: Activation, x: String, out: String) {
        use Activation as A;
        let (op_type, attrs) = match act {
            A::Relu => ("Relu", vec![]),
            A::Sigmoid => ("Sigmoid", vec![]),
            A::Mish => ("Mish", vec![]),
            A::LeakyRelu { alpha } => ("LeakyRelu", vec![float("alpha", alpha)]),
            A::HardSigmoid { alpha, beta } => ("HardSigmoid", vec![float("alpha", alpha), float("beta", beta)]),
            A::Gelu { tanh } => ("Gelu", vec![string("approximate", if tanh { "tanh" } else { "none" })]),
            A::Silu => {
                let s = self.fresh("sigmoid");
                self.node("Sigmoid", vec![x.clone()], vec![s.clone()], vec![]);
                return self.node("Mul", vec![x, s], vec![out], vec![]);
            }
            A::Relu6 => return self.clip(x, 0.0, 6.0, out),
            A::Clip { min, max } => return self.clip(x, min, max, out),
        };
        self.node(op_type, vec![x], vec![out], attrs)
    }

    /// ONNX Clip, its bounds as scalar initializers.
    fn clip(&mut self, x: String, min: f64, max: f64, out: String) {
        let min = self.initializer("min", &scalar(Elem::F32, min));
        let max = self.initializer("max", &scalar(Elem::F32, max));
        self.node("Clip", vec![x, min, max], vec![out], vec![]);
    }

    pub(super) fn op(&mut self, op: &OperationRef) -> Result<(), String> {
        let result: Value = op.result(0).map_err(|e| e.to_string())?.into();
        let Some(kind) = OpKind::of(op) else {
            if super::op_name(op) != "arith.constant" {
                return Err("unsupported op (only quant ops and arith.constant export)".into());
            }
            let c = constant_of(result).ok_or("expected a dense tensor of f32, i8, ui8 or i32")?;
            let name = self.define(result);
            self.graph.initializer.push(c.to_proto(&name));
            return Ok(());
        };
        let inputs: Vec<String> = op.operands().map(|v| self.name(v)).collect::<Result<_, _>>()?;
        let out = self.define(result);
        let x = inputs[0].clone();
        let unary = |this: &mut Self, op_type: &str, attrs: Vec<AttributeProto>| {
            this.node(op_type, vec![x.clone()], vec![out.clone()], attrs)
        };
        use OpKind::*;
        match kind {
            Relu | Relu6 | Sigmoid | Silu | Mish | LeakyRelu | HardSigmoid | Gelu | Clip => {
                self.activation(Activation::from_op(op)?, x, out)
            }
            Add => self.node("Add", inputs, vec![out], vec![]),
            Softmax => unary(self, "Softmax", vec![int("axis", attrs::int(op, "axis")?.unwrap_or(-1))]),
            Concat => {
                let axis = attrs::int(op, "axis")?.ok_or("requires 'axis'")?;
                self.node("Concat", inputs, vec![out], vec![int("axis", axis)]);
            }
            Transpose => {
                let perm = attrs::i64_array(op, "perm")?.ok_or("requires 'perm'")?;
                let perm = AttributeProto { ints: perm, ..attr("perm", AttributeType::Ints) };
                unary(self, "Transpose", vec![perm]);
            }
            Reshape => {
                let (shape, _) = tensor_type(result)?;
                let dims = Const {
                    shape: vec![shape.len()],
                    data: Data::Int(Elem::I64, shape.iter().map(|&d| d as i64).collect()),
                };
                let shape = self.initializer("shape", &dims);
                self.node("Reshape", vec![x, shape], vec![out], vec![]);
            }
            GlobalAvgPool => unary(self, "GlobalAveragePool", vec![]),
            BatchNorm => {
                self.node("BatchNormalization", inputs, vec![out], vec![float("epsilon", batch_norm_epsilon(op)?)])
            }
            Linear => self.node("Gemm", inputs, vec![out], vec![int("transB", 1)]),
            Conv2d => {
                let a = Conv2dAttrs::from_op(op)?;
                let (weight, _) = tensor_type(op.operand(1).map_err(|e| e.to_string())?)?;
                let attrs = vec![
                    ints("kernel_shape", &weight[2..]),
                    ints("strides", &a.strides),
                    ints("pads", &a.padding),
                    ints("dilations", &a.dilations),
                    int("group", a.groups as i64),
                ];
                self.node("Conv", inputs, vec![out], attrs);
            }
            MaxPool2d | AvgPool2d => {
                let a = PoolAttrs::from_op(op)?;
                let mut attrs = vec![
                    ints("kernel_shape", &a.kernel),
                    ints("strides", &a.strides),
                    ints("pads", &a.padding),
                    int("ceil_mode", a.ceil_mode as i64),
                ];
                let op_type = if kind == AvgPool2d {
                    attrs.push(int("count_include_pad", a.count_include_pad as i64));
                    "AveragePool"
                } else {
                    "MaxPool"
                };
                unary(self, op_type, attrs);
            }
            Quantize | Dequantize => self.quant(op, kind == Quantize, x, out)?,
        }
        Ok(())
    }

    /// QuantizeLinear/DequantizeLinear with scale and zero-point initializers;
    /// a narrow range (`quant_min`/`quant_max`) adds a Clip after QuantizeLinear.
    fn quant(&mut self, op: &OperationRef, quantize: bool, x: String, out: String) -> Result<(), String> {
        let q = QuantParams::from_op(op)?;
        let storage = elem_of(q.storage);
        let (scale, zero_point) = match q.axis {
            None => (Const::f32(vec![], vec![q.scale[0]]), scalar(storage, q.zero_point[0] as f64)),
            Some(_) => {
                let d = q.scale.len();
                let zp = (0..d).map(|c| q.channel(c).1 as i64).collect();
                (Const::f32(vec![d], q.scale.clone()), Const { shape: vec![d], data: Data::Int(storage, zp) })
            }
        };
        let scale = self.initializer("scale", &scale);
        let zero_point = self.initializer("zero_point", &zero_point);
        let attrs: Vec<AttributeProto> = q.axis.map(|a| int("axis", a as i64)).into_iter().collect();
        let (lo, hi) = q.storage.int_range().ok_or("integer storage expected")?;
        let narrow = quantize && (q.qmin, q.qmax) != (lo, hi);
        let q_out = if narrow { self.fresh("unclamped") } else { out.clone() };
        let op_type = if quantize { "QuantizeLinear" } else { "DequantizeLinear" };
        self.node(op_type, vec![x, scale, zero_point], vec![q_out.clone()], attrs);
        if narrow {
            let lo = self.initializer("quant_min", &scalar(storage, q.qmin as f64));
            let hi = self.initializer("quant_max", &scalar(storage, q.qmax as f64));
            self.node("Clip", vec![q_out, lo, hi], vec![out], vec![]);
        }
        Ok(())
    }
}
