//! The steps of a compiled function and how each runs: JIT kernels for
//! conv/linear, element-wise chains and max pooling, a Rust loop for
//! average pooling, the interpreter's code for the rest.

use super::{
    aligned::Floats,
    avg_pool,
    buffers::BufferPool,
    cache::Signature,
    conv::ConvSig,
    kernel::{Buf, BufMut, Kernel},
    map::MapSig,
    pool::MaxPoolSig,
    stages::Stage,
    staging::Staging,
    winograd::Winograd,
    workers::Workers,
};
use crate::{reference::Op, Tensor, TensorSpec};
use quant_dialect::views::PoolAttrs;
use std::borrow::Cow;

/// Values by slot: constants borrowed, computed tensors owned.
pub(super) type Values<'a> = Vec<Option<Cow<'a, Tensor>>>;

/// Where a stage's parameters come from.
pub(super) enum StageArgs {
    None,
    Residual(usize),
    /// Inference batch norm over γ, β, mean, var.
    BatchNorm {
        params: [usize; 4],
        epsilon: f64,
    },
    /// Scale and zero point (as f32), one or one per channel.
    Quant {
        scale: Vec<f32>,
        zero: Vec<f32>,
    },
}

pub(super) enum Kind {
    Conv {
        // Boxed: the signature is large and conv steps are few.
        sig: Box<ConvSig>,
        input: usize,
        weight: usize,
        packed: Option<Floats>,
        bias: Option<usize>,
        staging: Option<Staging>,
    },
    /// A stride-1 3×3 conv as Winograd F(2×2, 3×3): three kernels.
    Winograd {
        winograd: Box<Winograd>,
        input: usize,
        weight: usize,
        /// The transformed weights, when the weights are constant.
        transformed: Option<Floats>,
        bias: Option<usize>,
    },
    Map {
        sig: MapSig,
        input: usize,
    },
    MaxPool {
        sig: MaxPoolSig,
        input: usize,
    },
    AvgPool {
        input: usize,
        attrs: PoolAttrs,
    },
    /// Run by the reference interpreter's code.
    Interpreted {
        op: Op,
        inputs: Vec<usize>,
    },
}

pub(super) struct Step {
    pub name: String,
    pub site: crate::Site,
    pub kind: Kind,
    /// Parameters of the fused stages (conv and map steps).
    pub args: Vec<StageArgs>,
    /// The compiled kernels of the step's signatures (attached after
    /// lowering): one for conv, map and max pooling steps, three for
    /// Winograd convs.
    pub kernels: Vec<Kernel>,
    /// The kernel's parameter buffers (see [`Step::params`]), made once at
    /// lowering when they come from constants alone.
    pub params: Option<Vec<Vec<f32>>>,
    pub result: usize,
    pub spec: TensorSpec,
}

fn value<'v>(values: &'v Values, slot: usize) -> Result<&'v Tensor, String> {
    values.get(slot).and_then(|v| v.as_deref()).ok_or_else(|| "an operand has no value".to_string())
}

fn floats<'v>(values: &'v Values, slot: usize) -> Result<&'v [f32], String> {
    let tensor = value(values, slot)?;
    tensor
        .as_f32()
        .and_then(|a| a.as_slice())
        .ok_or_else(|| format!("expected an f32 tensor, got {}", tensor.elem().name()))
}

fn buf<'v>(values: &'v Values, slot: usize) -> Result<Buf<'v>, String> {
    match value(values, slot)? {
        Tensor::F32(a) => a.as_slice().map(Buf::F32),
        Tensor::Int { data, .. } => data.as_slice().map(Buf::I32),
    }
    .ok_or_else(|| "operand is not contiguous".to_string())
}

/// Calls `f` with the weights prepared at load time (`kept`), or, for
/// weights that are not constant, with those `make` prepares now.
fn with_weights<R>(
    kept: &Option<Floats>,
    make: impl FnOnce() -> Result<Floats, String>,
    f: impl FnOnce(&[f32]) -> Result<R, String>,
) -> Result<R, String> {
    match kept {
        Some(weights) => f(weights),
        None => f(&make()?),
    }
}

impl Step {
    fn kernel(&self) -> Result<&Kernel, String> {
        self.kernels.first().ok_or_else(|| "the kernel was not compiled".to_string())
    }

    /// The slots this step reads.
    pub fn operands(&self) -> Vec<usize> {
        let mut slots = match &self.kind {
            Kind::Conv { input, weight, .. } | Kind::Winograd { input, weight, .. } => vec![*input, *weight],
            Kind::Map { input, .. } | Kind::MaxPool { input, .. } | Kind::AvgPool { input, .. } => vec![*input],
            Kind::Interpreted { inputs, .. } => inputs.clone(),
        };
        slots.extend(self.param_slots());
        slots
    }

    /// The slots the kernel's parameter buffers come from: a conv's bias,
    /// the fused stages' operands.
    fn param_slots(&self) -> Vec<usize> {
        let bias = match &self.kind {
            Kind::Conv { bias, .. } | Kind::Winograd { bias, .. } => *bias,
            _ => None,
        };
        let stage_slots = self.args.iter().flat_map(|arg| match arg {
            StageArgs::Residual(slot) => vec![*slot],
            StageArgs::BatchNorm { params, .. } => params.to_vec(),
            StageArgs::None | StageArgs::Quant { .. } => Vec::new(),
        });
        bias.into_iter().chain(stage_slots).collect()
    }

    /// Makes the parameter buffers once, when `is_constant` holds for every
    /// slot they come from: runs then skip padding them and working out
    /// batch norm's scale and shift.
    pub fn prepare(&mut self, constants: &Values, is_constant: impl Fn(usize) -> bool) -> Result<(), String> {
        if matches!(self.kind, Kind::Conv { .. } | Kind::Winograd { .. } | Kind::Map { .. })
            && self.param_slots().into_iter().all(is_constant)
        {
            let params = self.params(constants)?.into_iter().map(Cow::into_owned).collect();
            self.params = Some(params);
        }
        Ok(())
    }

    /// The buffers a conv or map kernel takes after its input (and
    /// weights): a conv's bias, then the fused stages' parameters, spread
    /// over a conv's padded channels (none for other kernels).
    fn params<'v>(&'v self, values: &'v Values) -> Result<Vec<Cow<'v, [f32]>>, String> {
        if let Some(params) = &self.params {
            return Ok(params.iter().map(|p| Cow::Borrowed(p.as_slice())).collect());
        }
        match &self.kind {
            Kind::Conv { sig, bias, .. } => {
                let bias = bias.map(|b| floats(values, b).map(|b| Cow::Owned(sig.pad_channels(b)))).transpose()?;
                let stages = self.stage_buffers(&sig.stages, values, |p| sig.pad_channels(p))?;
                Ok(bias.into_iter().chain(stages).collect())
            }
            Kind::Winograd { winograd, bias, .. } => {
                let bias = bias.map(|b| floats(values, b).map(Cow::Borrowed)).transpose()?;
                let stages = self.stage_buffers(&winograd.output_sig().stages, values, <[f32]>::to_vec)?;
                Ok(bias.into_iter().chain(stages).collect())
            }
            Kind::Map { sig, .. } => self.stage_buffers(&sig.stages, values, <[f32]>::to_vec),
            _ => Ok(Vec::new()),
        }
    }

    /// The buffers of the fused stages; per-channel ones go through `pad`.
    fn stage_buffers<'v>(
        &'v self,
        stages: &[Stage],
        values: &'v Values,
        pad: impl Fn(&[f32]) -> Vec<f32>,
    ) -> Result<Vec<Cow<'v, [f32]>>, String> {
        let mut out: Vec<Cow<[f32]>> = Vec::new();
        for (stage, arg) in stages.iter().zip(&self.args) {
            let params: Vec<Cow<[f32]>> = match arg {
                StageArgs::None => Vec::new(),
                StageArgs::Residual(slot) => vec![Cow::Borrowed(floats(values, *slot)?)],
                StageArgs::Quant { scale, zero } => {
                    vec![Cow::Borrowed(scale.as_slice()), Cow::Borrowed(zero.as_slice())]
                }
                StageArgs::BatchNorm { params, epsilon } => {
                    let [gamma, beta, mean, var] = params.map(|p| floats(values, p));
                    let (gamma, beta, mean, var) = (gamma?, beta?, mean?, var?);
                    let scale: Vec<f64> =
                        gamma.iter().zip(var).map(|(&g, &v)| g as f64 / (v as f64 + epsilon).sqrt()).collect();
                    let shift =
                        beta.iter().zip(mean).zip(&scale).map(|((&b, &m), &s)| (b as f64 - m as f64 * s) as f32);
                    vec![Cow::Owned(scale.iter().map(|&s| s as f32).collect()), Cow::Owned(shift.collect())]
                }
            };
            out.extend(params.into_iter().map(|p| if stage.per_channel() { Cow::Owned(pad(&p)) } else { p }));
        }
        Ok(out)
    }

    /// An output tensor of the result type for a kernel to fill.
    fn kernel_output(
        &self,
        pool: &BufferPool,
        fill: impl FnOnce(BufMut) -> Result<(), String>,
    ) -> Result<Tensor, String> {
        let mut result = pool.tensor(&self.spec);
        let out = match &mut result {
            Tensor::F32(a) => a.as_slice_mut().map(BufMut::F32),
            Tensor::Int { data, .. } => data.as_slice_mut().map(BufMut::I32),
        };
        fill(out.ok_or("result is not contiguous")?)?;
        Ok(result)
    }

    /// An f32 output tensor of the result type for a Rust loop to fill.
    fn f32_output(
        &self,
        pool: &BufferPool,
        fill: impl FnOnce(&mut [f32]) -> Result<(), String>,
    ) -> Result<Tensor, String> {
        self.kernel_output(pool, |out| match out {
            BufMut::F32(out) => fill(out),
            BufMut::I32(_) => Err("the result must be f32".into()),
        })
    }

    /// Computes the step's result from `values`; kernels write into storage
    /// from `pool`.
    pub fn run(&self, values: &Values, workers: &Workers, pool: &BufferPool) -> Result<Tensor, String> {
        let f32_input = |slot| value(values, slot)?.as_f32().ok_or_else(|| "input must be f32".to_string());
        let result = match &self.kind {
            Kind::Conv { sig, input, weight, packed, staging, .. } => {
                let x = floats(values, *input)?;
                let params = self.params(values)?;
                let pack = || Ok(sig.pack_weights(floats(values, *weight)?));
                with_weights(packed, pack, |weights| {
                    let run = |x: &[f32]| {
                        let mut buffers = vec![Buf::F32(x), Buf::F32(weights)];
                        buffers.extend(params.iter().map(|b| Buf::F32(b)));
                        self.kernel_output(pool, |out| self.kernel()?.run(out, &buffers, workers))
                    };
                    match staging {
                        Some(s) => s.with_staged(x, workers, run),
                        None => run(x),
                    }
                })?
            }
            Kind::Winograd { winograd, input, weight, transformed, .. } => {
                let x = floats(values, *input)?;
                let params = self.params(values)?;
                let transform = || Ok(winograd.transform_weights(floats(values, *weight)?));
                with_weights(transformed, transform, |weights| {
                    self.kernel_output(pool, |out| winograd.run(x, weights, &params, &self.kernels, out, workers, pool))
                })?
            }
            Kind::Map { input, .. } | Kind::MaxPool { input, .. } => {
                let mut buffers = vec![buf(values, *input)?];
                let params = self.params(values)?;
                buffers.extend(params.iter().map(|b| Buf::F32(b)));
                self.kernel_output(pool, |out| self.kernel()?.run(out, &buffers, workers))?
            }
            Kind::AvgPool { input, attrs } => {
                let x = f32_input(*input)?;
                self.f32_output(pool, |out| avg_pool::avg_pool2d(x, attrs, &self.spec.shape, out, workers))?
            }
            Kind::Interpreted { op, inputs } => {
                let inputs = inputs.iter().map(|&s| value(values, s)).collect::<Result<Vec<_>, _>>()?;
                op.eval(&inputs, &self.spec)?
            }
        };
        if result.spec() != self.spec {
            return Err(format!("computed tensor<{}>, but the result type is tensor<{}>", result.spec(), self.spec));
        }
        Ok(result)
    }
}

impl Step {
    /// The kernel signatures of a JIT step, in the order it runs them.
    pub fn signatures(&self) -> Vec<Signature> {
        match &self.kind {
            Kind::Conv { sig, .. } => vec![Signature::Conv(ConvSig::clone(sig))],
            Kind::Winograd { winograd, .. } => vec![
                Signature::WinogradInput(winograd.input_sig().clone()),
                Signature::Conv(winograd.products_sig().clone()),
                Signature::WinogradOutput(winograd.output_sig().clone()),
            ],
            Kind::Map { sig, .. } => vec![Signature::Map(sig.clone())],
            Kind::MaxPool { sig, .. } => vec![Signature::MaxPool(sig.clone())],
            _ => Vec::new(),
        }
    }

    /// Floating-point operations of one run (conv and linear steps; the
    /// rest count as 0).
    pub fn flops(&self) -> f64 {
        match &self.kind {
            Kind::Conv { sig, .. } => sig.flops(),
            Kind::Winograd { winograd, .. } => winograd.flops(),
            _ => 0.0,
        }
    }

    /// What runs the step, for logs and tests.
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Conv { sig, staging, .. } => format!(
                "jit conv, {}x{}/s{} {}->{} at {}x{}, {:?} tiles{}, fused {:?}",
                sig.kernel[0],
                sig.kernel[1],
                sig.stride[0],
                sig.groups * sig.cg,
                sig.groups * sig.og,
                sig.out_hw[0],
                sig.out_hw[1],
                sig.tile,
                if sig.pack_input {
                    " (packed input)"
                } else if staging.as_ref().is_some_and(Staging::is_pixel_major) {
                    " (pixel-major input)"
                } else if sig.whole_plane {
                    " (whole plane)"
                } else {
                    ""
                },
                sig.stages
            ),
            Kind::Winograd { winograd, .. } => format!("jit winograd {}", winograd.describe()),
            Kind::Map { sig, .. } => format!("jit map {:?}", sig.stages),
            Kind::MaxPool { sig, .. } => format!("jit max pool {}x{}/s{}", sig.kernel[0], sig.kernel[1], sig.stride[0]),
            Kind::AvgPool { .. } => "rust avg pool".into(),
            Kind::Interpreted { .. } => "interpreter".into(),
        }
    }
}
