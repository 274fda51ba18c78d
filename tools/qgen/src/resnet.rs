//! ResNet with bottleneck blocks (ResNet-50 for blocks 3,4,6,3): a 7×7 stem,
//! four stages of 1×1 → 3×3 → 1×1 convolutions with a residual add, global
//! average pooling and a linear classifier. Every conv is followed by a
//! batch_norm; all weights are random from `seed`.

use crate::{
    emit::{Emitter, Val},
    Quant,
};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::io::{self, Write};

pub struct Spec {
    pub blocks: [usize; 4],
    pub size: usize,
    pub batch: usize,
    pub width: usize,
    pub classes: usize,
    pub quant: Quant,
    pub seed: u64,
}

/// Activation fake-quant scale: int8 covers ±6.35.
const ACT_SCALE: f32 = 0.05;

struct Builder<W: Write> {
    e: Emitter<W>,
    rng: StdRng,
    quant: Quant,
}

impl<W: Write> Builder<W> {
    /// Q/DQ on an op's input in fake-quant mode (sparsebit quantizes the
    /// inputs of conv, linear, batch_norm, relu and add).
    fn input(&mut self, x: &Val) -> io::Result<Val> {
        match self.quant {
            Quant::None => Ok(x.clone()),
            Quant::FakeQuant => self.e.fake_quant(x, ACT_SCALE),
        }
    }

    fn uniform(&mut self, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..n).map(|_| self.rng.gen_range(lo..hi)).collect()
    }

    /// A weight constant, fake-quantized per channel in fake-quant mode.
    fn weight(&mut self, shape: &[usize], fan_in: usize) -> io::Result<Val> {
        let bound = (3.0 / fan_in as f32).sqrt();
        let values = self.uniform(shape.iter().product(), -bound, bound);
        let w = self.e.constant(&values, shape)?;
        match self.quant {
            Quant::None => Ok(w),
            Quant::FakeQuant => self.e.fake_quant_weight(&w, &values),
        }
    }

    fn conv_bn(&mut self, x: &Val, out: usize, k: usize, stride: usize, relu: bool) -> io::Result<Val> {
        let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        let weight = self.weight(&[out, c, k, k], c * k * k)?;
        let pad = k / 2;
        let (ho, wo) = ((h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1);
        let attrs =
            format!("strides = array<i64: {stride}, {stride}>, padding = array<i64: {pad}, {pad}, {pad}, {pad}>");
        let input = self.input(x)?;
        let y = self.e.op("conv2d", &[&input, &weight], &attrs, &[n, out, ho, wo])?;
        let y = self.batch_norm(&y)?;
        if relu {
            self.relu(&y)
        } else {
            Ok(y)
        }
    }

    fn batch_norm(&mut self, x: &Val) -> io::Result<Val> {
        let c = x.shape[1];
        let mut gamma = self.uniform(c, 0.5, 1.5);
        // A few negative scales exercise the sign handling of quantized folding.
        gamma.iter_mut().step_by(17).for_each(|g| *g = -*g);
        let params = [gamma, self.uniform(c, -0.1, 0.1), self.uniform(c, -0.1, 0.1), self.uniform(c, 0.5, 1.5)];
        let mut names = Vec::new();
        for p in &params {
            names.push(self.e.constant(p, &[c])?);
        }
        let input = self.input(x)?;
        let operands = [&input, &names[0], &names[1], &names[2], &names[3]];
        self.e.op("batch_norm", &operands, "epsilon = 1.0e-05 : f32", &x.shape)
    }

    fn relu(&mut self, x: &Val) -> io::Result<Val> {
        let input = self.input(x)?;
        self.e.op("relu", &[&input], "", &x.shape)
    }

    fn bottleneck(&mut self, x: &Val, width: usize, stride: usize) -> io::Result<Val> {
        let out = width * 4;
        let a = self.conv_bn(x, width, 1, 1, true)?;
        let b = self.conv_bn(&a, width, 3, stride, true)?;
        let c = self.conv_bn(&b, out, 1, 1, false)?;
        let shortcut =
            if stride != 1 || x.shape[1] != out { self.conv_bn(x, out, 1, stride, false)? } else { x.clone() };
        let (lhs, rhs) = (self.input(&c)?, self.input(&shortcut)?);
        let sum = self.e.op("add", &[&lhs, &rhs], "", &c.shape)?;
        self.relu(&sum)
    }
}

pub fn write<W: Write>(spec: &Spec, out: W) -> io::Result<()> {
    let mut b = Builder { e: Emitter::new(out), rng: StdRng::seed_from_u64(spec.seed), quant: spec.quant };
    let input = Val { name: "%x".into(), shape: vec![spec.batch, 3, spec.size, spec.size] };
    let logits = [spec.batch, spec.classes];
    b.e.raw(&format!(
        "module {{\n  func.func @main(%x: {}) -> {} {{\n",
        crate::emit::tensor_type(&input.shape, "f32"),
        crate::emit::tensor_type(&logits, "f32")
    ))?;
    let stem = b.conv_bn(&input, spec.width, 7, 2, true)?;
    let (n, c, h, w) = (stem.shape[0], stem.shape[1], stem.shape[2], stem.shape[3]);
    let pool_attrs = "kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>";
    let mut x = b.e.op("max_pool2d", &[&stem], pool_attrs, &[n, c, h.div_ceil(2), w.div_ceil(2)])?;
    for (stage, &count) in spec.blocks.iter().enumerate() {
        let width = spec.width << stage;
        for block in 0..count {
            let stride = if stage > 0 && block == 0 { 2 } else { 1 };
            x = b.bottleneck(&x, width, stride)?;
        }
    }
    let pooled = b.e.op("global_avg_pool", &[&x], "", &[n, x.shape[1], 1, 1])?;
    let flat = b.e.op("reshape", &[&pooled], "", &[n, x.shape[1]])?;
    let features = x.shape[1];
    let weight = b.weight(&[spec.classes, features], features)?;
    let bias_values = b.uniform(spec.classes, -0.1, 0.1);
    let bias = b.e.constant(&bias_values, &[spec.classes])?;
    let input = b.input(&flat)?;
    let y = b.e.op("linear", &[&input, &weight, &bias], "", &logits)?;
    b.e.raw(&format!("    return {} : {}\n  }}\n}}\n", y.name, crate::emit::tensor_type(&logits, "f32")))
}
