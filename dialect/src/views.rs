//! Typed views of op attributes, with the contract's defaults, and the
//! output-shape formulas shared by the verifier and the runtime.

use crate::attrs;
use melior::ir::OperationRef;

/// `quant.conv2d` attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conv2dAttrs {
    pub strides: [usize; 2],
    /// top, left, bottom, right
    pub padding: [usize; 4],
    pub dilations: [usize; 2],
    pub groups: usize,
}

/// `quant.max_pool2d` / `quant.avg_pool2d` attributes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolAttrs {
    pub kernel: [usize; 2],
    pub strides: [usize; 2],
    pub padding: [usize; 4],
    pub ceil_mode: bool,
    pub count_include_pad: bool,
}

fn positive<const N: usize>(name: &str, v: Vec<i64>) -> Result<[usize; N], String> {
    if v.iter().any(|&x| x < 1) {
        return Err(format!("attribute '{name}' must be positive, got {v:?}"));
    }
    Ok(std::array::from_fn(|i| v[i] as usize))
}

fn padding(op: &OperationRef) -> Result<[usize; 4], String> {
    let v = attrs::i64_array_or(op, "padding", 4, 0)?;
    if v.iter().any(|&x| x < 0) {
        return Err(format!("attribute 'padding' must be non-negative, got {v:?}"));
    }
    Ok(std::array::from_fn(|i| v[i] as usize))
}

impl Conv2dAttrs {
    pub fn from_op(op: &OperationRef) -> Result<Self, String> {
        let groups = attrs::int(op, "groups")?.unwrap_or(1);
        if groups < 1 {
            return Err(format!("attribute 'groups' must be positive, got {groups}"));
        }
        Ok(Conv2dAttrs {
            strides: positive("strides", attrs::i64_array_or(op, "strides", 2, 1)?)?,
            padding: padding(op)?,
            dilations: positive("dilations", attrs::i64_array_or(op, "dilations", 2, 1)?)?,
            groups: groups as usize,
        })
    }

    /// Output height and width for an input of `h`x`w` and a `kh`x`kw` kernel,
    /// or `None` when the (dilated) kernel does not fit the padded input or a
    /// size overflows (attributes and shapes come from untrusted input).
    pub fn output_hw(&self, h: usize, w: usize, kh: usize, kw: usize) -> Option<[usize; 2]> {
        let dim = |size: usize, pad_lo: usize, pad_hi: usize, k: usize, d: usize, s: usize| {
            let span = d.checked_mul(k.checked_sub(1)?)?.checked_add(1)?;
            let padded = size.checked_add(pad_lo)?.checked_add(pad_hi)?;
            (padded >= span).then(|| (padded - span) / s + 1)
        };
        Some([
            dim(h, self.padding[0], self.padding[2], kh, self.dilations[0], self.strides[0])?,
            dim(w, self.padding[1], self.padding[3], kw, self.dilations[1], self.strides[1])?,
        ])
    }
}

impl PoolAttrs {
    pub fn from_op(op: &OperationRef) -> Result<Self, String> {
        let kernel = attrs::i64_array(op, "kernel")?.ok_or("requires attribute 'kernel'")?;
        if kernel.len() != 2 {
            return Err(format!("attribute 'kernel' must have 2 values, got {}", kernel.len()));
        }
        Ok(PoolAttrs {
            kernel: positive("kernel", kernel)?,
            strides: positive("strides", attrs::i64_array_or(op, "strides", 2, 1)?)?,
            padding: padding(op)?,
            ceil_mode: attrs::boolean(op, "ceil_mode")?.unwrap_or(false),
            count_include_pad: attrs::boolean(op, "count_include_pad")?.unwrap_or(false),
        })
    }

    /// Output height and width (PyTorch/ONNX rule: with ceil_mode, a last
    /// window that would start inside the bottom/right padding is dropped).
    pub fn output_hw(&self, h: usize, w: usize) -> Option<[usize; 2]> {
        let dim = |size: usize, pad_lo: usize, pad_hi: usize, k: usize, s: usize| {
            if pad_lo >= k || pad_hi >= k {
                return None;
            }
            let padded = size.checked_add(pad_lo)?.checked_add(pad_hi)?;
            let steps = padded.checked_sub(k)?;
            let mut out = if self.ceil_mode { steps.div_ceil(s) + 1 } else { steps / s + 1 };
            // (out - 1) * s <= steps + s - 1 < padded + s: no overflow for sane s; checked anyway.
            if self.ceil_mode && (out - 1).checked_mul(s)? >= size + pad_lo {
                out -= 1;
            }
            Some(out)
        };
        Some([
            dim(h, self.padding[0], self.padding[2], self.kernel[0], self.strides[0])?,
            dim(w, self.padding[1], self.padding[3], self.kernel[1], self.strides[1])?,
        ])
    }
}

/// Normalizes a possibly negative axis for `rank`.
pub fn normalize_axis(axis: i64, rank: usize) -> Option<usize> {
    let r = rank as i64;
    (-r..r).contains(&axis).then(|| axis.rem_euclid(r.max(1)) as usize)
}

/// The `epsilon` of a batch_norm. The default is the f32 value of 1e-5, the
/// same number an explicit `epsilon = 1.0e-05 : f32` gives.
pub fn batch_norm_epsilon(op: &OperationRef) -> Result<f64, String> {
    Ok(attrs::float(op, "epsilon")?.unwrap_or(f64::from(1e-5f32)))
}

/// A one-input activation op with its attributes read (defaults filled in),
/// decoded once here for every consumer: interpreter, JIT, lowering. Each
/// takes the attributes in the form it computes with (`T`, via
/// [`Activation::map`]): f64 as read, f32, or f32 bits to key kernels by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Activation<T = f64> {
    Relu,
    Relu6,
    Sigmoid,
    Silu,
    Mish,
    LeakyRelu { alpha: T },
    HardSigmoid { alpha: T, beta: T },
    Gelu { tanh: bool },
    Clip { min: T, max: T },
}

impl<T> Activation<T> {
    /// The same activation with each attribute converted by `f`.
    pub fn map<U>(self, f: impl Fn(T) -> U) -> Activation<U> {
        use Activation as A;
        match self {
            A::Relu => A::Relu,
            A::Relu6 => A::Relu6,
            A::Sigmoid => A::Sigmoid,
            A::Silu => A::Silu,
            A::Mish => A::Mish,
            A::LeakyRelu { alpha } => A::LeakyRelu { alpha: f(alpha) },
            A::HardSigmoid { alpha, beta } => A::HardSigmoid { alpha: f(alpha), beta: f(beta) },
            A::Gelu { tanh } => A::Gelu { tanh },
            A::Clip { min, max } => A::Clip { min: f(min), max: f(max) },
        }
    }
}

impl Activation {
    pub fn from_op(op: &OperationRef) -> Result<Self, String> {
        use crate::OpKind as K;
        let required = |name| attrs::float(op, name)?.ok_or_else(|| format!("requires attribute '{name}'"));
        Ok(match crate::OpKind::of(op) {
            Some(K::Relu) => Activation::Relu,
            Some(K::Relu6) => Activation::Relu6,
            Some(K::Sigmoid) => Activation::Sigmoid,
            Some(K::Silu) => Activation::Silu,
            Some(K::Mish) => Activation::Mish,
            Some(K::LeakyRelu) => Activation::LeakyRelu { alpha: attrs::float(op, "alpha")?.unwrap_or(0.01) },
            Some(K::HardSigmoid) => Activation::HardSigmoid {
                alpha: attrs::float(op, "alpha")?.unwrap_or(1.0 / 6.0),
                beta: attrs::float(op, "beta")?.unwrap_or(0.5),
            },
            Some(K::Gelu) => match attrs::string(op, "approximate")?.as_deref() {
                None | Some("none") => Activation::Gelu { tanh: false },
                Some("tanh") => Activation::Gelu { tanh: true },
                Some(other) => return Err(format!("approximate must be \"none\" or \"tanh\", got \"{other}\"")),
            },
            Some(K::Clip) => Activation::Clip { min: required("min")?, max: required("max")? },
            _ => return Err(format!("'{}' is not an activation", crate::func::op_name(op))),
        })
    }
}
