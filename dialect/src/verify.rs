//! The semantic verifier: what IRDL cannot say (shapes, element types,
//! attribute values). Each violation is an error diagnostic at the op.

use crate::{
    attrs, diag,
    ops::OpKind,
    qparams::QuantParams,
    tensor::{ElemType, TensorType},
    views::{normalize_axis, Conv2dAttrs, PoolAttrs},
};
use melior::ir::{
    operation::{OperationLike, WalkOrder, WalkResult},
    Module, OperationRef, ValueLike,
};

/// Parses `source` (MLIR text or bytecode, named `name` in locations) and
/// verifies it; the error is MLIR's diagnostics, one per line (or a plain
/// "invalid model" when there are none).
pub fn parse_verified<'c>(context: &'c melior::Context, source: &[u8], name: &str) -> Result<Module<'c>, String> {
    let capture = diag::Capture::new(context);
    let module = crate::ffi::parse_module(context, source, name).filter(|m| verify_module(m).is_ok());
    module.ok_or_else(|| {
        let lines: Vec<String> = capture.take().iter().map(ToString::to_string).collect();
        if lines.is_empty() {
            format!("{name}: invalid model")
        } else {
            lines.join("\n")
        }
    })
}

/// Verifies every `quant` op of the module. Returns the number of errors
/// (each already reported as a diagnostic) when there are any.
pub fn verify_module(module: &Module) -> Result<(), usize> {
    let mut errors = 0;
    module.as_operation().walk(WalkOrder::PreOrder, |op| {
        let name = op.name();
        if let Some(kind) = name.as_string_ref().as_str().ok().and_then(OpKind::from_name) {
            if let Err(message) = verify_op(kind, &op) {
                diag::emit(op.location(), diag::Severity::Error, &format!("'{}' op {message}", kind.name()));
                errors += 1;
            }
        }
        WalkResult::Advance
    });
    if errors == 0 {
        Ok(())
    } else {
        Err(errors)
    }
}

type Check = Result<(), String>;

fn types(op: &OperationRef) -> Result<(Vec<TensorType>, TensorType), String> {
    let mut inputs = Vec::with_capacity(op.operand_count());
    for (i, value) in op.operands().enumerate() {
        inputs.push(TensorType::of(value.r#type()).ok_or_else(|| {
            format!("operand #{i} must be a ranked tensor with a static shape, got {}", value.r#type())
        })?);
    }
    let result = op.result(0).map_err(|e| e.to_string())?.r#type();
    let output = TensorType::of(result)
        .ok_or_else(|| format!("result must be a ranked tensor with a static shape, got {result}"))?;
    Ok((inputs, output))
}

fn expect(cond: bool, message: impl FnOnce() -> String) -> Check {
    if cond {
        Ok(())
    } else {
        Err(message())
    }
}

fn f32_tensor(t: &TensorType, what: &str) -> Check {
    expect(t.elem_name == "f32", || format!("{what} must have f32 elements, got {}", t.elem_name))
}

fn rank(t: &TensorType, r: usize, what: &str) -> Check {
    expect(t.shape.len() == r, || format!("{what} must have rank {r}, got shape {:?}", t.shape))
}

fn same_as_input(input: &TensorType, output: &TensorType) -> Check {
    expect(input == output, || {
        format!(
            "result type must equal the input type: expected {:?}x{}, got {:?}x{}",
            input.shape, input.elem_name, output.shape, output.elem_name
        )
    })
}

fn verify_op(kind: OpKind, op: &OperationRef) -> Check {
    use OpKind::*;
    let (ins, out) = types(op)?;
    match kind {
        Quantize | Dequantize => return verify_quant(kind, op, &ins[0], &out),
        _ => {
            for (i, t) in ins.iter().enumerate() {
                f32_tensor(t, &format!("operand #{i}"))?;
            }
            f32_tensor(&out, "result")?;
        }
    }
    match kind {
        Conv2d => verify_conv(op, &ins, &out),
        Linear => {
            rank(&ins[0], 2, "input")?;
            rank(&ins[1], 2, "weight")?;
            let (n, k, m) = (ins[0].shape[0], ins[0].shape[1], ins[1].shape[0]);
            expect(ins[1].shape[1] == k, || {
                format!("weight must be Mx{k} to match the input's K = {k}, got {:?}", ins[1].shape)
            })?;
            if let Some(bias) = ins.get(2) {
                expect(bias.shape == [m], || format!("bias must have shape [{m}], got {:?}", bias.shape))?;
            }
            expect(out.shape == [n, m], || format!("result must have shape [{n}, {m}], got {:?}", out.shape))
        }
        BatchNorm => {
            let r = ins[0].shape.len();
            expect(r == 2 || r == 4, || format!("input must have rank 2 or 4, got shape {:?}", ins[0].shape))?;
            let c = ins[0].shape[1];
            for (i, name) in ["scale", "bias", "mean", "var"].iter().enumerate() {
                expect(ins[i + 1].shape == [c], || {
                    format!("{name} must have shape [{c}], got {:?}", ins[i + 1].shape)
                })?;
            }
            let eps = crate::views::batch_norm_epsilon(op)?;
            expect(eps.is_finite() && eps >= 0.0, || format!("epsilon must be finite and non-negative, got {eps}"))?;
            same_as_input(&ins[0], &out)
        }
        Relu | Relu6 | Sigmoid | Silu | Mish => same_as_input(&ins[0], &out),
        LeakyRelu => {
            attrs::float(op, "alpha")?;
            same_as_input(&ins[0], &out)
        }
        HardSigmoid => {
            attrs::float(op, "alpha")?;
            attrs::float(op, "beta")?;
            same_as_input(&ins[0], &out)
        }
        Gelu => {
            let approx = attrs::string(op, "approximate")?.unwrap_or_else(|| "none".into());
            expect(approx == "none" || approx == "tanh", || {
                format!("approximate must be \"none\" or \"tanh\", got \"{approx}\"")
            })?;
            same_as_input(&ins[0], &out)
        }
        Clip => {
            let lo = attrs::float(op, "min")?.ok_or("requires attribute 'min'")?;
            let hi = attrs::float(op, "max")?.ok_or("requires attribute 'max'")?;
            expect(lo <= hi, || format!("min ({lo}) must not exceed max ({hi})"))?;
            same_as_input(&ins[0], &out)
        }
        Add => {
            expect(ins[0] == ins[1], || {
                format!("operands must have the same shape, got {:?} and {:?}", ins[0].shape, ins[1].shape)
            })?;
            same_as_input(&ins[0], &out)
        }
        MaxPool2d | AvgPool2d => {
            rank(&ins[0], 4, "input")?;
            let attrs = PoolAttrs::from_op(op)?;
            let s = &ins[0].shape;
            let [ho, wo] = attrs.output_hw(s[2], s[3]).ok_or_else(|| {
                format!("kernel {:?} with padding {:?} does not fit input {:?}", attrs.kernel, attrs.padding, s)
            })?;
            let want = [s[0], s[1], ho, wo];
            expect(out.shape == want, || format!("result shape must be {want:?}, got {:?}", out.shape))
        }
        GlobalAvgPool => {
            rank(&ins[0], 4, "input")?;
            let want = [ins[0].shape[0], ins[0].shape[1], 1, 1];
            expect(out.shape == want, || format!("result shape must be {want:?}, got {:?}", out.shape))
        }
        Reshape => expect(ins[0].num_elements() == out.num_elements(), || {
            format!(
                "element count must be preserved: {:?} has {}, {:?} has {}",
                ins[0].shape,
                ins[0].num_elements(),
                out.shape,
                out.num_elements()
            )
        }),
        Transpose => {
            let perm = attrs::i64_array(op, "perm")?.ok_or("requires attribute 'perm'")?;
            let r = ins[0].shape.len();
            let mut seen = vec![false; r];
            let valid = perm.len() == r
                && perm.iter().all(|&p| p >= 0 && (p as usize) < r && !std::mem::replace(&mut seen[p as usize], true));
            expect(valid, || format!("perm {perm:?} is not a permutation of 0..{r}"))?;
            let want: Vec<usize> = perm.iter().map(|&p| ins[0].shape[p as usize]).collect();
            expect(out.shape == want, || format!("result shape must be {want:?}, got {:?}", out.shape))
        }
        Concat => verify_concat(op, &ins, &out),
        Softmax => {
            let axis = attrs::int(op, "axis")?.unwrap_or(-1);
            normalize_axis(axis, ins[0].shape.len())
                .ok_or_else(|| format!("axis {axis} is out of range for rank {}", ins[0].shape.len()))?;
            same_as_input(&ins[0], &out)
        }
        Quantize | Dequantize => unreachable!("handled above"),
    }
}

fn verify_conv(op: &OperationRef, ins: &[TensorType], out: &TensorType) -> Check {
    rank(&ins[0], 4, "input")?;
    rank(&ins[1], 4, "weight")?;
    let attrs = Conv2dAttrs::from_op(op)?;
    let (x, w) = (&ins[0].shape, &ins[1].shape);
    let g = attrs.groups;
    expect(x[1] == w[1] * g, || {
        format!("input channels ({}) must equal weight in-channels ({}) x groups ({g})", x[1], w[1])
    })?;
    expect(w[0] % g == 0, || format!("groups ({g}) must divide the output channels ({})", w[0]))?;
    if let Some(bias) = ins.get(2) {
        expect(bias.shape == [w[0]], || format!("bias must have shape [{}], got {:?}", w[0], bias.shape))?;
    }
    let [ho, wo] = attrs.output_hw(x[2], x[3], w[2], w[3]).ok_or_else(|| {
        format!("kernel {}x{} (dilations {:?}) does not fit the padded input {:?}", w[2], w[3], attrs.dilations, x)
    })?;
    let want = [x[0], w[0], ho, wo];
    expect(out.shape == want, || format!("result shape must be {want:?}, got {:?}", out.shape))
}

fn verify_concat(op: &OperationRef, ins: &[TensorType], out: &TensorType) -> Check {
    expect(!ins.is_empty(), || "requires at least one input".into())?;
    let r = ins[0].shape.len();
    let a = attrs::int(op, "axis")?.ok_or("requires attribute 'axis'")?;
    let axis = normalize_axis(a, r).ok_or_else(|| format!("axis {a} is out of range for rank {r}"))?;
    let mut want = ins[0].shape.clone();
    for (i, t) in ins.iter().enumerate().skip(1) {
        let compatible = t.shape.len() == r && (0..r).all(|d| d == axis || t.shape[d] == want[d]);
        expect(compatible, || {
            format!("operand #{i} shape {:?} does not match {:?} outside axis {axis}", t.shape, ins[0].shape)
        })?;
        want[axis] += t.shape[axis];
    }
    expect(out.shape == want, || format!("result shape must be {want:?}, got {:?}", out.shape))
}

fn verify_quant(kind: OpKind, op: &OperationRef, input: &TensorType, out: &TensorType) -> Check {
    let (float_t, int_t) = if kind == OpKind::Quantize { (input, out) } else { (out, input) };
    f32_tensor(float_t, if kind == OpKind::Quantize { "input" } else { "result" })?;
    expect(input.shape == out.shape, || {
        format!("result shape {:?} must equal the input shape {:?}", out.shape, input.shape)
    })?;
    expect(matches!(int_t.elem(), Some(ElemType::I8 | ElemType::U8 | ElemType::I32)), || {
        format!("storage type must be i8, ui8 or i32, got {}", int_t.elem_name)
    })?;
    let p = QuantParams::from_op(op)?;
    let (lo, hi) = p.storage.int_range().expect("integer storage");
    expect(lo <= p.qmin && p.qmin <= p.qmax && p.qmax <= hi, || {
        format!("quant range [{}, {}] must lie within the {} range [{lo}, {hi}]", p.qmin, p.qmax, p.storage.name())
    })?;
    match p.axis {
        None => expect(p.scale.len() == 1 && p.zero_point.len() == 1, || {
            "per-axis scale or zero_point requires an 'axis' attribute".into()
        })?,
        Some(axis) => {
            let d = float_t.shape[axis];
            expect(p.scale.len() == d && p.zero_point.len() == d, || {
                format!(
                    "per-axis scale and zero_point must have {d} entries (dim {axis}), got {} and {}",
                    p.scale.len(),
                    p.zero_point.len()
                )
            })?
        }
    }
    if let Some(bad) = p.scale.iter().find(|s| !(s.is_finite() && **s > 0.0)) {
        return Err(format!("scale must be finite and positive, got {bad}"));
    }
    if let Some(z) = p.zero_point.iter().find(|&&z| (z as i64) < p.qmin || (z as i64) > p.qmax) {
        return Err(format!("zero_point {z} is outside the quant range [{}, {}]", p.qmin, p.qmax));
    }
    Ok(())
}
