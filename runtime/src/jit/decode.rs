//! Reading ops for the lowering: operands and results, which ops can be
//! element-wise stages and their parameters, and conv/linear signatures.

use super::{
    conv::{self, ConvSig},
    host::Host,
    ir::Elem,
    pool::MaxPoolSig,
    stages::{Stage, Unary},
    staging::Staging,
    step::StageArgs,
};
use crate::{RuntimeError, Site, TensorSpec};
use melior::ir::{operation::OperationLike, OperationRef, Value, ValueLike};
use quant_dialect::{
    qparams::QuantParams,
    tensor::ElemType,
    views::{Activation, Conv2dAttrs, PoolAttrs},
    OpKind,
};

pub(super) use quant_dialect::func::op_name as name_of;

pub(super) fn op_error(op: &OperationRef, message: impl Into<String>) -> RuntimeError {
    RuntimeError::Op { op: name_of(op), site: Site::of(op.location()), message: message.into() }
}

pub(super) fn key(value: Value) -> usize {
    value.to_raw().ptr as usize
}

pub(super) fn spec_of(value: Value) -> Result<TensorSpec, String> {
    TensorSpec::of(value.r#type())
}

pub(super) fn operand<'c, 'a>(op: &OperationRef<'c, 'a>, i: usize) -> Result<Value<'c, 'a>, String> {
    op.operand(i).map_err(|e| e.to_string())
}

pub(super) fn result<'c, 'a>(op: &OperationRef<'c, 'a>) -> Result<Value<'c, 'a>, String> {
    Ok(op.result(0).map_err(|e| e.to_string())?.into())
}

/// The element type of a stage's lanes and the channel axis its
/// parameters index, for the ops that can be stages.
pub(super) struct StageShape {
    pub input: Elem,
    pub output: Elem,
    pub axis: Option<usize>,
}

pub(super) fn stage_shape(op: &OperationRef, flowing: Value) -> Option<StageShape> {
    let kind = OpKind::of(op)?;
    let f32_stage = |axis| Some(StageShape { input: Elem::F32, output: Elem::F32, axis });
    match kind {
        k if k.is_unary_elementwise() => f32_stage(None),
        OpKind::Add => f32_stage(None),
        OpKind::BatchNorm => {
            let rank = spec_of(flowing).ok()?.shape.len();
            (key(operand(op, 0).ok()?) == key(flowing) && (rank == 2 || rank == 4)).then_some(())?;
            f32_stage(Some(1))
        }
        OpKind::Quantize => {
            let p = QuantParams::from_op(op).ok()?;
            Some(StageShape { input: Elem::F32, output: Elem::I32, axis: p.axis })
        }
        OpKind::Dequantize => {
            let p = QuantParams::from_op(op).ok()?;
            Some(StageShape { input: Elem::I32, output: Elem::F32, axis: p.axis })
        }
        _ => None,
    }
}

/// The kernel form of an activation: attributes as f32 bits, so kernels can be keyed by them.
pub(super) fn unary_of(op: &OperationRef) -> Result<Unary, String> {
    Ok(Activation::from_op(op)?.map(|x| (x as f32).to_bits()))
}

/// Quantization parameters as stage arguments, zero points widened to
/// one per channel.
pub(super) fn quant_args(p: &QuantParams) -> StageArgs {
    let zero = p.zero_point.iter().map(|&z| z as f32);
    let zero: Vec<f32> =
        if p.zero_point.len() == 1 { vec![p.zero_point[0] as f32; p.scale.len()] } else { zero.collect() };
    StageArgs::Quant { scale: p.scale.clone(), zero }
}

/// Fails unless a kernel computing `shape` with `elem` lanes fits the declared result.
pub(super) fn check_result(shape: &[usize], elem: Elem, spec: &TensorSpec) -> Result<(), String> {
    if shape != spec.shape || (elem == Elem::F32) != (spec.elem == ElemType::F32) {
        let elem = if elem == Elem::F32 { "f32" } else { "an integer type" };
        return Err(format!("computes {shape:?} of {elem}, but the result type is tensor<{spec}>"));
    }
    Ok(())
}

pub(super) fn check_f32(spec: &TensorSpec, what: &str) -> Result<(), String> {
    if spec.elem != ElemType::F32 || spec.shape.contains(&0) {
        return Err(format!("{what} must be a non-empty f32 tensor, got tensor<{spec}>"));
    }
    Ok(())
}

/// The kernel of a max_pool2d over an NCHW input `x` and its result shape.
pub(super) fn max_pool_sig(op: &OperationRef, x: &TensorSpec) -> Result<(MaxPoolSig, Vec<usize>), String> {
    check_f32(x, "input")?;
    let a = PoolAttrs::from_op(op)?;
    let &[n, c, h, w] = x.shape.as_slice() else {
        return Err(format!("input must have rank 4, got tensor<{x}>"));
    };
    let [ho, wo] = a.output_hw(h, w).ok_or("the window does not fit the padded input")?;
    let sig = MaxPoolSig {
        planes: n * c,
        in_hw: [h, w],
        out_hw: [ho, wo],
        kernel: a.kernel,
        stride: a.strides,
        top_left: [a.padding[0], a.padding[1]],
        lanes: Host::detect().lanes as usize,
    };
    Ok((sig, vec![n, c, ho, wo]))
}

/// The direct conv kernel of a conv2d of `x` by `w` with attributes `a`.
pub(super) fn conv_sig_for(
    a: &Conv2dAttrs,
    x: &TensorSpec,
    w: &TensorSpec,
    bias: bool,
    stages: Vec<Stage>,
) -> Result<Lowered, String> {
    check_f32(x, "input")?;
    check_f32(w, "weight")?;
    let (&[n, c, h, wd], &[o, cg, kh, kw]) = (x.shape.as_slice(), w.shape.as_slice()) else {
        return Err(format!("input and weight must have rank 4, got {x} and {w}"));
    };
    let g = a.groups;
    if cg * g != c || o % g != 0 {
        return Err(format!("weight tensor<{w}> does not fit {c} input channels in {g} groups"));
    }
    let [ho, wo] = a.output_hw(h, wd, kh, kw).ok_or("the (dilated) kernel does not fit the padded input")?;
    let pointwise = [kh, kw] == [1, 1] && a.padding == [0; 4];
    // A 1×1 conv runs over one long row of all ho·wo output pixels (7×7
    // planes: 49 pixels, not 7 rows of 7 with ragged ends); a strided one
    // runs unstrided on a copy of just the pixels it reads (a small copy
    // next to the conv's work).
    let out_hw = if pointwise { [1, ho * wo] } else { [ho, wo] };
    // Over a small plane whose pixels do not fill whole vectors, a 1×1 conv
    // reads a pixel-major copy instead, its tiles channel vectors × pixels:
    // pixel vectors would leave lanes idle (49 pixels fill 7 vectors of 8
    // at best). Its reduction runs in K chunks whose weights stay in L1
    // across the tiles (see `ConvSig::k_chunks`). Planes of whole vectors
    // gain nothing from the copy (8×8: within 5% either way; Winograd's
    // 16-tile products for a 7×7 conv: 2.0 against 2.1–2.4 ms).
    let pixel_major = pointwise && ho * wo <= SMALL_PLANE && !(ho * wo).is_multiple_of(Host::detect().lanes as usize);
    let (staging, stride, [hs, ws]) = if pixel_major {
        (Some(Staging::pixel_major([h, wd], a.strides, [ho, wo], c)), [1, 1], [ho, wo])
    } else if a.padding != [0; 4] {
        let [top, left, bottom, right] = a.padding;
        let padded = [h + top + bottom, wd + left + right];
        (Some(Staging::padding([h, wd], top, left, padded)), a.strides, padded)
    } else if pointwise && a.strides != [1, 1] {
        (Some(Staging::subsample([h, wd], a.strides, [ho, wo])), [1, 1], [ho, wo])
    } else {
        (None, a.strides, [h, wd])
    };
    let conv::Blocking { lanes, tile, mr, nr, whole_plane } =
        conv::blocking(Host::detect(), o / g, out_hw, kh * kw, stride[1] == 1 && !pixel_major);
    let sig = ConvSig {
        batch: n,
        groups: g,
        cg,
        og: o / g,
        kernel: [kh, kw],
        stride,
        dilation: a.dilations,
        out_hw,
        input_strides: if pixel_major {
            [c * hs * ws, 1, c * hs * ws, c]
        } else {
            [c * hs * ws, hs * ws, if pointwise { hs * ws } else { ws }, 1]
        },
        pack_input: pointwise && !pixel_major && ConvSig::panel_fits(cg, nr * lanes),
        whole_plane,
        output_strides: [o * ho * wo, ho * wo, out_hw[1], 1],
        bias,
        stages,
        lanes,
        tile,
        mr,
        nr,
    };
    Ok((sig, staging, vec![n, o, ho, wo]))
}

/// Output planes of at most this many pixels count as small (7×7). Over
/// larger ones pixel vectors fill their lanes and a pixel-major copy
/// lost (1024→256 at 14×14: 1.95 instead of 1.15 ms; 128→512 at 28×28:
/// 1.37 instead of 1.11).
const SMALL_PLANE: usize = 64;

/// A conv kernel's signature, the staged copy of the input it reads (if
/// any) and the shape it computes.
type Lowered = (ConvSig, Option<Staging>, Vec<usize>);

/// y = x·wᵀ as a 1×1 conv whose pixels are the batch rows: input channel
/// stride 1, pixel stride K; output channel stride 1, pixel stride M.
pub(super) fn linear_sig(x: &TensorSpec, w: &TensorSpec, bias: bool, stages: Vec<Stage>) -> Result<Lowered, String> {
    check_f32(x, "input")?;
    check_f32(w, "weight")?;
    let (&[n, k], &[m, kw]) = (x.shape.as_slice(), w.shape.as_slice()) else {
        return Err(format!("input and weight must have rank 2, got {x} and {w}"));
    };
    if k != kw {
        return Err(format!("weight tensor<{w}> does not match input tensor<{x}>"));
    }
    let conv::Blocking { lanes, tile, mr, nr, .. } = conv::blocking(Host::detect(), m, [1, n], 1, false);
    let sig = ConvSig {
        batch: 1,
        groups: 1,
        cg: k,
        og: m,
        kernel: [1, 1],
        stride: [1, 1],
        dilation: [1, 1],
        out_hw: [1, n],
        input_strides: [0, 1, 0, k],
        pack_input: false,
        whole_plane: false,
        output_strides: [0, 1, 0, m],
        bias,
        stages,
        lanes,
        tile,
        mr,
        nr,
    };
    Ok((sig, None, vec![n, m]))
}
