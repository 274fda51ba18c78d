//! Random conv/linear + batch_norm graphs as MLIR text. Weights are printed
//! as decimal `dense<...>` with `{:e}` (shortest round-trip form of the f32).

use rand::{rngs::StdRng, Rng};

/// How a quantized weight's parameters look.
#[derive(Clone, Copy, Debug, Default)]
pub struct Scheme {
    /// One scale (and zero point) per output channel, on axis 0.
    pub per_channel: bool,
    /// ui8 with a zero point inside the range; else i8 with zero point 0.
    pub asymmetric: bool,
    /// 4-bit: `quant_min`/`quant_max` of [−8, 7] (i8) or [0, 15] (ui8).
    pub four_bit: bool,
    /// Puts the symmetric minimum (−128, or −8 in 4 bits) into every channel.
    pub saturating: bool,
}

impl Scheme {
    fn storage(&self) -> &'static str {
        if self.asymmetric {
            "ui8"
        } else {
            "i8"
        }
    }

    fn range(&self) -> (i32, i32) {
        match (self.asymmetric, self.four_bit) {
            (false, false) => (-128, 127),
            (false, true) => (-8, 7),
            (true, false) => (0, 255),
            (true, true) => (0, 15),
        }
    }
}

/// How a layer's weight is written.
#[derive(Clone, Copy, Debug)]
pub enum Weight {
    Float,
    /// `dequantize(quantize(W))`; W lies at least 0.1 step away from every
    /// rounding tie.
    FakeQuant(Scheme),
    /// `dequantize(integer constant)`.
    Int(Scheme),
}

#[derive(Clone, Copy, Debug)]
pub struct Conv {
    pub out: usize,
    pub kernel: usize,
    pub stride: usize,
    pub dilation: usize,
    /// top, left, bottom, right
    pub padding: [usize; 4],
    pub groups: usize,
}

#[derive(Clone, Copy, Debug)]
pub enum Layer {
    Conv(Conv),
    Linear { out: usize },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bias {
    None,
    Float,
    /// ONNX Runtime's form: `dequantize(i32)` with scales input scale × weight
    /// scale; needs a quantized weight and the quantized graph input.
    Int32,
}

/// layer → batch_norm (→ relu).
#[derive(Clone, Copy, Debug)]
pub struct Block {
    pub layer: Layer,
    pub weight: Weight,
    pub bias: Bias,
    pub relu: bool,
}

#[derive(Clone, Debug)]
pub struct Case {
    /// NxCxHxW for convolutions, NxK for linear layers.
    pub input: Vec<usize>,
    /// Fake-quantize the graph input (per tensor, i8).
    pub quantize_input: bool,
    pub blocks: Vec<Block>,
}

/// The scale of the graph input's quantizer.
const INPUT_SCALE: f32 = 1.5625e-2;

/// The generated function and, per block, which BN channels have γ < 0.
pub struct Generated {
    pub source: String,
    pub negative: Vec<Vec<bool>>,
}

fn tensor_type(shape: &[usize], elem: &str) -> String {
    let dims: String = shape.iter().map(|d| format!("{d}x")).collect();
    format!("tensor<{dims}{elem}>")
}

/// Nested `[...]` literal of `values` in row-major order.
fn nested(shape: &[usize], values: &[String]) -> String {
    match shape.split_first() {
        None => values[0].clone(),
        Some((&n, rest)) => {
            let step = rest.iter().product::<usize>();
            let parts: Vec<String> = (0..n).map(|i| nested(rest, &values[i * step..(i + 1) * step])).collect();
            format!("[{}]", parts.join(", "))
        }
    }
}

fn floats(values: &[f32]) -> Vec<String> {
    values.iter().map(|v| format!("{v:e}")).collect()
}

fn uniform(rng: &mut StdRng, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n).map(|_| rng.gen_range(lo..hi)).collect()
}

/// The attributes of a quantize/dequantize op; `range` is (quant_min, quant_max).
fn qparams(scale: &[f32], zero_point: &[i32], axis: Option<usize>, range: Option<(i32, i32)>) -> String {
    let range = range.map_or(String::new(), |(lo, hi)| format!(", quant_min = {lo} : i64, quant_max = {hi} : i64"));
    let params = match axis {
        None => format!("scale = {:e} : f32, zero_point = {} : i32", scale[0], zero_point[0]),
        Some(axis) => {
            let zp: Vec<String> = zero_point.iter().map(i32::to_string).collect();
            let n = [scale.len()];
            format!(
                "axis = {axis} : i64, scale = dense<{}> : {}, zero_point = dense<{}> : {}",
                nested(&n, &floats(scale)),
                tensor_type(&n, "f32"),
                nested(&n, &zp),
                tensor_type(&n, "i32")
            )
        }
    };
    params + &range
}

/// A function body under construction.
struct Body<'r> {
    rng: &'r mut StdRng,
    lines: Vec<String>,
    count: usize,
}

impl Body<'_> {
    /// Appends `%vN = rhs` and returns `%vN`.
    fn define(&mut self, rhs: String) -> String {
        let name = format!("%v{}", self.count);
        self.count += 1;
        self.lines.push(format!("  {name} = {rhs}"));
        name
    }

    fn constant(&mut self, shape: &[usize], values: &[f32]) -> String {
        let ty = tensor_type(shape, "f32");
        self.define(format!("arith.constant dense<{}> : {ty}", nested(shape, &floats(values))))
    }

    fn quant_pair(&mut self, input: &str, shape: &[usize], storage: &str, params: &str, quantize: bool) -> String {
        let (f, q) = (tensor_type(shape, "f32"), tensor_type(shape, storage));
        let ints = if quantize {
            self.define(format!("\"quant.quantize\"({input}) {{{params}}} : ({f}) -> {q}"))
        } else {
            input.to_string()
        };
        self.define(format!("\"quant.dequantize\"({ints}) {{{params}}} : ({q}) -> {f}"))
    }

    /// The weight of shape `shape` (output channels first) with entries of
    /// magnitude up to `bound`, in form `form`, and its scale per output
    /// channel when quantized.
    fn weight(&mut self, shape: &[usize], bound: f32, form: Weight) -> (String, Option<Vec<f32>>) {
        let n: usize = shape.iter().product();
        let per = n / shape[0];
        match form {
            Weight::Float => {
                let values = uniform(self.rng, n, -bound, bound);
                (self.constant(shape, &values), None)
            }
            Weight::FakeQuant(scheme) | Weight::Int(scheme) => {
                let (qmin, qmax) = scheme.range();
                let channels = if scheme.per_channel { shape[0] } else { 1 };
                let step = 2.0 * bound / (qmax - qmin) as f32;
                let scale = uniform(self.rng, channels, 0.5 * step, step);
                let third = (qmax - qmin) / 3;
                let zp: Vec<i32> = (0..channels)
                    .map(|_| if scheme.asymmetric { self.rng.gen_range(qmin + third..=qmax - third) } else { 0 })
                    .collect();
                let lowest = if scheme.asymmetric { qmin } else { qmin + 1 };
                let mut ints: Vec<i32> = (0..n).map(|_| self.rng.gen_range(lowest..=qmax)).collect();
                if scheme.saturating {
                    (0..shape[0]).for_each(|c| ints[c * per] = qmin);
                }
                let index = |i: usize| if scheme.per_channel { i / per } else { 0 };
                let range = scheme.four_bit.then_some((qmin, qmax));
                let params = qparams(&scale, &zp, scheme.per_channel.then_some(0), range);
                let storage = scheme.storage();
                let dq = if let Weight::FakeQuant(_) = form {
                    let values: Vec<f32> = (0..n)
                        .map(|i| ((ints[i] - zp[index(i)]) as f32 + self.rng.gen_range(-0.4f32..0.4)) * scale[index(i)])
                        .collect();
                    let w = self.constant(shape, &values);
                    self.quant_pair(&w, shape, storage, &params, true)
                } else {
                    let ints: Vec<String> = ints.iter().map(i32::to_string).collect();
                    let ty = tensor_type(shape, storage);
                    let constant = self.define(format!("arith.constant dense<{}> : {ty}", nested(shape, &ints)));
                    self.quant_pair(&constant, shape, storage, &params, false)
                };
                (dq, Some((0..shape[0]).map(|c| scale[index(c * per)]).collect()))
            }
        }
    }

    /// batch_norm over axis 1 of `x`; returns its result and which γ are negative.
    fn batch_norm(&mut self, x: &str, shape: &[usize]) -> (String, Vec<bool>) {
        let c = shape[1];
        let negative: Vec<bool> = (0..c).map(|_| self.rng.gen_bool(0.4)).collect();
        let gamma: Vec<f32> =
            negative.iter().map(|&neg| self.rng.gen_range(0.3f32..2.0) * if neg { -1.0 } else { 1.0 }).collect();
        let beta = uniform(self.rng, c, -0.5, 0.5);
        let mean = uniform(self.rng, c, -0.5, 0.5);
        let var = uniform(self.rng, c, 0.05, 2.0);
        let params: Vec<String> = [gamma, beta, mean, var].iter().map(|p| self.constant(&[c], p)).collect();
        let epsilon = if self.rng.gen_bool(0.5) { " {epsilon = 1.0e-03 : f32}" } else { "" };
        let (t, v) = (tensor_type(shape, "f32"), tensor_type(&[c], "f32"));
        let result = self.define(format!(
            "\"quant.batch_norm\"({x}, {}){epsilon} : ({t}, {v}, {v}, {v}, {v}) -> {t}",
            params.join(", ")
        ));
        (result, negative)
    }

    /// A bias of `n` values in form `form`.
    fn bias(&mut self, n: usize, form: Bias, input_scale: Option<f32>, weight_scales: Option<&[f32]>) -> String {
        let values = uniform(self.rng, n, -0.5, 0.5);
        if form == Bias::Float {
            return self.constant(&[n], &values);
        }
        let (sx, sw) = input_scale.zip(weight_scales).expect("an int32 bias needs quantized inputs and weights");
        let scales: Vec<f32> = sw.iter().map(|&s| (sx as f64 * s as f64) as f32).collect();
        let ints: Vec<String> = values.iter().zip(&scales).map(|(b, s)| ((b / s).round() as i32).to_string()).collect();
        let constant =
            self.define(format!("arith.constant dense<{}> : {}", nested(&[n], &ints), tensor_type(&[n], "i32")));
        self.quant_pair(&constant, &[n], "i32", &qparams(&scales, &vec![0; n], Some(0), None), false)
    }

    /// Emits one block on `x` of `shape` (quantized with `input_scale`, if
    /// given); returns the result, its shape and the negative-γ channels.
    fn block(
        &mut self,
        x: &str,
        shape: &[usize],
        block: &Block,
        input_scale: Option<f32>,
    ) -> (String, Vec<usize>, Vec<bool>) {
        let (weight_shape, out_shape, attrs, name) = match block.layer {
            Layer::Conv(c) => {
                let span = c.dilation * (c.kernel - 1) + 1;
                let dim = |size: usize, lo: usize, hi: usize| (size + lo + hi - span) / c.stride + 1;
                let out = vec![
                    shape[0],
                    c.out,
                    dim(shape[2], c.padding[0], c.padding[2]),
                    dim(shape[3], c.padding[1], c.padding[3]),
                ];
                let p = c.padding;
                let attrs = format!(
                    " {{strides = array<i64: {s}, {s}>, padding = array<i64: {}, {}, {}, {}>, \
                     dilations = array<i64: {d}, {d}>, groups = {} : i64}}",
                    p[0],
                    p[1],
                    p[2],
                    p[3],
                    c.groups,
                    s = c.stride,
                    d = c.dilation
                );
                (vec![c.out, shape[1] / c.groups, c.kernel, c.kernel], out, attrs, "conv2d")
            }
            Layer::Linear { out } => (vec![out, shape[1]], vec![shape[0], out], String::new(), "linear"),
        };
        let fan_in: usize = weight_shape[1..].iter().product();
        let (weight, weight_scales) = self.weight(&weight_shape, 1.0 / (fan_in as f32).sqrt(), block.weight);
        let mut operands = vec![x.to_string(), weight];
        let mut types = vec![tensor_type(shape, "f32"), tensor_type(&weight_shape, "f32")];
        if block.bias != Bias::None {
            let out = weight_shape[0];
            operands.push(self.bias(out, block.bias, input_scale, weight_scales.as_deref()));
            types.push(tensor_type(&[out], "f32"));
        }
        let out_ty = tensor_type(&out_shape, "f32");
        let y = self.define(format!(
            "\"quant.{name}\"({}){attrs} : ({}) -> {out_ty}",
            operands.join(", "),
            types.join(", ")
        ));
        let (mut y, negative) = self.batch_norm(&y, &out_shape);
        if block.relu {
            y = self.define(format!("\"quant.relu\"({y}) : ({out_ty}) -> {out_ty}"));
        }
        (y, out_shape, negative)
    }
}

pub fn generate(case: &Case, rng: &mut StdRng) -> Generated {
    let mut body = Body { rng, lines: Vec::new(), count: 0 };
    let mut x = "%x".to_string();
    let mut shape = case.input.clone();
    let mut input_scale = None;
    if case.quantize_input {
        x = body.quant_pair(&x, &shape, "i8", &qparams(&[INPUT_SCALE], &[0], None, None), true);
        input_scale = Some(INPUT_SCALE);
    }
    let mut negative = Vec::new();
    for block in &case.blocks {
        let (y, out_shape, neg) = body.block(&x, &shape, block, input_scale.take());
        (x, shape) = (y, out_shape);
        negative.push(neg);
    }
    let (in_ty, out_ty) = (tensor_type(&case.input, "f32"), tensor_type(&shape, "f32"));
    let source = format!(
        "func.func @main(%x: {in_ty}) -> {out_ty} {{\n{}\n  return {x} : {out_ty}\n}}\n",
        body.lines.join("\n")
    );
    Generated { source, negative }
}
