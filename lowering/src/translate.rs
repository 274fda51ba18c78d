//! Walks a `quant` module (in its own context) and writes the equivalent
//! upstream module as text: functions, constants, one lowering per op.

use crate::{
    conv,
    elementwise::{self, Activation},
    emit::{tensor_type, Emitter, Val},
    pool, quantize,
};
use melior::ir::{
    attribute::{StringAttribute, TypeAttribute},
    operation::OperationLike,
    r#type::FunctionType,
    BlockLike, Module, OperationRef, RegionLike, Value, ValueLike,
};
use quant_dialect::{
    attrs, diag,
    qparams::QuantParams,
    tensor::{ConstTensor, TensorType},
    views::{batch_norm_epsilon, normalize_axis, Conv2dAttrs, PoolAttrs},
    OpKind,
};
use std::collections::HashMap;

/// Values of the source module (by their MLIR handle) → values of the text.
type Values = HashMap<usize, Val>;

fn key(value: Value) -> usize {
    value.to_raw().ptr as usize
}

fn val_of_type(name: String, ty: melior::ir::Type) -> Result<Val, String> {
    let t = TensorType::of(ty).ok_or_else(|| format!("only statically shaped tensors can be lowered, got {ty}"))?;
    Ok(Val { name, shape: t.shape, elem: t.elem_name })
}

/// Translates every function of `module`; errors are reported as diagnostics
/// at the offending op and returned.
pub fn module(module: &Module) -> Result<String, String> {
    let mut em = Emitter::default();
    em.line("module {");
    let mut next = module.body().first_operation();
    while let Some(op) = next {
        next = op.next_in_block();
        let result = match op.name().as_string_ref().as_str() {
            Ok("func.func") => function(&mut em, op),
            Ok(other) => Err(format!("cannot lower top-level op '{other}' (only func.func)")),
            Err(_) => Err("op name is not UTF-8".into()),
        };
        result.inspect_err(|message| diag::emit(op.location(), diag::Severity::Error, message))?;
    }
    em.line("}");
    Ok(em.into_text())
}

/// The type of the `func.func` op `func`.
pub fn signature<'c>(func: &OperationRef<'c, '_>) -> Result<FunctionType<'c>, String> {
    func.attribute("function_type")
        .ok()
        .and_then(|a| TypeAttribute::try_from(a).ok())
        .and_then(|t| FunctionType::try_from(t.value()).ok())
        .ok_or_else(|| "func.func without a function type".to_string())
}

fn function(em: &mut Emitter, func: OperationRef) -> Result<(), String> {
    let name = func
        .attribute("sym_name")
        .ok()
        .and_then(|a| StringAttribute::try_from(a).ok())
        .map(|s| s.value().to_string())
        .ok_or("func.func without a name")?;
    let ty = signature(&func)?;
    let block = func.region(0).ok().and_then(|r| r.first_block()).ok_or_else(|| format!("@{name} has no body"))?;
    let mut values = Values::new();
    let mut args = Vec::new();
    for i in 0..block.argument_count() {
        let arg = block.argument(i).map_err(|e| e.to_string())?;
        let v = val_of_type(format!("%arg{i}"), arg.r#type())?;
        args.push(format!("{}: {}", v.name, tensor_type(&v.shape, &v.elem)));
        values.insert(key(arg.into()), v);
    }
    let results: Result<Vec<String>, String> = (0..ty.result_count())
        .map(|i| {
            let t = ty.result(i).map_err(|e| e.to_string())?;
            val_of_type(String::new(), t).map(|v| tensor_type(&v.shape, &v.elem))
        })
        .collect();
    let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
    em.begin_function(&format!("func.func @\"{quoted}\"({}) -> ({}) {{", args.join(", "), results?.join(", ")));
    let mut next = block.first_operation();
    while let Some(op) = next {
        next = op.next_in_block();
        em.set_location(format!(" {}", op.location()));
        op_in_function(em, op, &mut values).inspect_err(|m| diag::emit(op.location(), diag::Severity::Error, m))?;
    }
    em.line("}");
    Ok(())
}

fn op_in_function(em: &mut Emitter, op: OperationRef, values: &mut Values) -> Result<(), String> {
    let name = op.name().as_string_ref().as_str().unwrap_or("").to_string();
    let inputs: Vec<Val> = op
        .operands()
        .map(|v| values.get(&key(v)).cloned().ok_or_else(|| format!("'{name}' uses a value defined outside its block")))
        .collect::<Result<_, _>>()?;
    if name == "func.return" {
        em.ret(&inputs);
        return Ok(());
    }
    let result = op.result(0).map_err(|_| format!("cannot lower '{name}': it has no result"))?;
    let out = val_of_type(String::new(), result.r#type())?;
    let lowered = match (name.as_str(), OpKind::of(&op)) {
        ("arith.constant", _) => constant(em, op, &out)?,
        (_, Some(kind)) => quant_op(em, kind, &op, &inputs, &out).map_err(|m| format!("'{name}' op {m}"))?,
        _ => return Err(format!("cannot lower '{name}' to TOSA (only quant ops, arith.constant and func.return)")),
    };
    values.insert(key(result.into()), lowered);
    Ok(())
}

/// `arith.constant` → `tosa.const`. Dense attributes are carried over as
/// printed (MLIR prints large ones as hex); `dense_resource` blobs live in
/// the source module's resource section, so they are re-encoded as dense.
fn constant(em: &mut Emitter, op: OperationRef, out: &Val) -> Result<Val, String> {
    let attr = op.attribute("value").map_err(|_| "arith.constant without a value".to_string())?;
    let ty = TensorType { shape: out.shape.clone(), elem_name: out.elem.clone() };
    let dense = if quant_dialect::ffi::is_dense_elements(attr) {
        attr
    } else {
        let values = ConstTensor::from_attribute(attr, &ty)
            .ok_or_else(|| format!("cannot read the constant {attr} (f32, i8, ui8 and i32 are supported)"))?;
        values.to_attribute(op.result(0).map_err(|e| e.to_string())?.r#type())
    };
    let text = dense.to_string();
    // The attribute prints with its type (`dense<...> : tensor<...>`); the emitter adds it back.
    let value = text.rsplit_once(" : ").map_or(text.as_str(), |(v, _)| v);
    Ok(em.constant(value, &out.shape, &out.elem))
}

fn axis(op: &OperationRef, name: &str, default: Option<i64>, rank: usize) -> Result<usize, String> {
    let a = attrs::int(op, name)?.or(default).ok_or_else(|| format!("requires attribute '{name}'"))?;
    normalize_axis(a, rank).ok_or_else(|| format!("axis {a} is out of range for rank {rank}"))
}

/// The activation of an element-wise op, with its attributes read.
fn activation(op: &OperationRef) -> Result<Activation, String> {
    Ok(quant_dialect::views::Activation::from_op(op)?.map(|x| x as f32))
}

fn quant_op(em: &mut Emitter, kind: OpKind, op: &OperationRef, inputs: &[Val], out: &Val) -> Result<Val, String> {
    use OpKind as K;
    let x = &inputs[0];
    Ok(match kind {
        k if k.is_unary_elementwise() => elementwise::activation(em, &activation(op)?, x),
        K::Conv2d => conv::conv2d(em, &Conv2dAttrs::from_op(op)?, inputs, &out.shape)?,
        K::Linear => conv::linear(em, inputs),
        K::BatchNorm => elementwise::batch_norm(em, inputs, batch_norm_epsilon(op)? as f32),
        K::Add => em.binary("tosa.add", x, &inputs[1]),
        K::MaxPool2d | K::AvgPool2d => pool::pool2d(em, kind == K::MaxPool2d, &PoolAttrs::from_op(op)?, x, &out.shape)?,
        K::GlobalAvgPool => pool::global_avg(em, x),
        K::Reshape => em.reshape(x, &out.shape),
        K::Transpose => {
            let perm = attrs::i64_array(op, "perm")?.ok_or("requires attribute 'perm'")?;
            em.transpose(x, &perm.iter().map(|&p| p as usize).collect::<Vec<_>>())
        }
        K::Concat => em.concat(inputs, axis(op, "axis", None, x.rank())?),
        K::Softmax => elementwise::softmax(em, x, axis(op, "axis", Some(-1), x.rank())?),
        K::Quantize => quantize::quantize(em, &QuantParams::from_op(op)?, x),
        K::Dequantize => quantize::dequantize(em, &QuantParams::from_op(op)?, x),
        _ => unreachable!("{kind:?}: every element-wise kind is matched first"),
    })
}
