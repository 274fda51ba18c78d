//! Numerical tests of `quant-fuse-bn`: random conv2d/linear + batch_norm
//! graphs run through the reference interpreter before and after
//! `quant-fuse-bn,quant-prune`. Every batch_norm must go, outputs must agree
//! within 1e-5 relative (max|a − b| / max|b|), and quantized weights must keep
//! their integers: unchanged for γ > 0, negated for γ < 0 on symmetric
//! channels (−128 saturating to 127, the documented exception) and mirrored
//! (qmin + qmax − q) on asymmetric ones.

#[path = "fuse_bn_numeric/graph.rs"]
mod graph;
#[path = "fuse_bn_numeric/inspect.rs"]
mod inspect;

use graph::{Bias, Block, Case, Conv, Layer, Scheme, Weight};
use inspect::WeightView;
use ndarray::{ArrayD, IxDyn};
use quant_compiler::{Pipeline, RunOptions};
use quant_dialect::{qparams::QuantParams, tensor::ElemType};
use quant_runtime::{Interpreter, Tensor};
use rand::{rngs::StdRng, Rng, SeedableRng};

const TOLERANCE: f64 = 1e-5;

/// What one fold did to the weights.
#[derive(Debug, Default, PartialEq)]
struct Outcome {
    /// Old −128 in a symmetric channel with γ < 0, now 127.
    saturations: usize,
}

/// The integer the pass must leave in place of `q` in channel `c`, and
/// whether it saturated.
fn expected_int(q: i32, negative: bool, params: &QuantParams, c: usize) -> (i32, bool) {
    let (qmin, qmax) = (params.qmin as i32, params.qmax as i32);
    let symmetric = params.channel(c).1 == 0 && qmin < 0;
    match (negative, symmetric) {
        (false, _) => (q, false),
        (true, true) => ((-q).clamp(qmin, qmax), -q > qmax),
        (true, false) => (qmin + qmax - q, false),
    }
}

/// Checks the integers of one folded weight against the original's.
fn check_weight(old: &WeightView, new: &WeightView, negative: &[bool], outcome: &mut Outcome) {
    let per = match new {
        WeightView::Float(w) | WeightView::FakeQuant(w, _) => w.len(),
        WeightView::Int(q, _) => q.len(),
    } / negative.len();
    let (old_ints, new_ints, old_params, new_params): (Vec<i32>, Vec<i32>, &QuantParams, &QuantParams) =
        match (old, new) {
            (WeightView::Float(_), WeightView::Float(_)) => return,
            (WeightView::FakeQuant(w, p), WeightView::FakeQuant(w2, p2)) => {
                let old = w.iter().enumerate().map(|(i, &x)| p.quantize_value(x, i / per)).collect();
                let new = w2.iter().enumerate().map(|(i, &x)| p2.quantize_value(x, i / per)).collect();
                (old, new, p, p2)
            }
            (WeightView::Int(q, p), WeightView::Int(q2, p2)) => (q.clone(), q2.clone(), p, p2),
            _ => panic!("the weight changed form: {old:?} became {new:?}"),
        };
    assert_eq!(new_params.axis, Some(0), "folded parameters are per output channel");
    assert_eq!(new_params.storage, old_params.storage);
    for (i, (&q, &q2)) in old_ints.iter().zip(&new_ints).enumerate() {
        let c = i / per;
        let (expected, saturated) = expected_int(q, negative[c], old_params, c);
        assert_eq!(q2, expected, "element {i} (channel {c}, γ < 0: {}): {q} became {q2}", negative[c]);
        outcome.saturations += usize::from(saturated);
    }
}

/// Asserts max|a − b| ≤ TOLERANCE·max|b| + `slack` (TOLERANCE when b is all zeros).
#[track_caller]
fn assert_agree(a: &ArrayD<f32>, b: &ArrayD<f32>, slack: f64, source: &str) {
    let diff = a.iter().zip(b).fold(0f64, |m, (&x, &y)| m.max((x as f64 - y as f64).abs()));
    let scale = b.iter().fold(0f64, |m, &y| m.max((y as f64).abs()));
    let allowed = TOLERANCE * if scale == 0.0 { 1.0 } else { scale } + slack;
    assert!(diff <= allowed, "max|a − b| = {diff:e} > {allowed:e} (max|b| = {scale:e}) on:\n{source}");
}

/// Runs `case` unfused and fused; returns what the fold did.
fn check(case: &Case, seed: u64) -> Outcome {
    let mut rng = StdRng::seed_from_u64(seed);
    let generated = graph::generate(case, &mut rng);
    let source = &generated.source;
    let context = quant_dialect::create_context().expect("a context");
    let parse = || quant_dialect::parse_source(&context, source, "fuse_bn_numeric.mlir").expect("the graph parses");
    let (before, mut after) = (parse(), parse());
    Pipeline::parse_list("quant-fuse-bn,quant-prune")
        .expect("a pipeline")
        .run(&mut after, RunOptions { verify_each: true, print_ir_after_all: false })
        .unwrap_or_else(|e| panic!("{e} on:\n{source}"));
    let blocks = case.blocks.len();
    assert_eq!(inspect::count(&before, "quant.batch_norm"), blocks);
    assert_eq!(inspect::count(&after, "quant.batch_norm"), 0, "batch_norm left in:\n{}", after.as_operation());

    let mut outcome = Outcome::default();
    let (old, new) = (inspect::weights(&before), inspect::weights(&after));
    assert_eq!(new.len(), blocks, "one conv2d/linear per block after folding:\n{}", after.as_operation());
    for ((old, new), negative) in old.iter().zip(&new).zip(&generated.negative) {
        check_weight(old, new, negative, &mut outcome);
    }

    let unfused = Interpreter::new(&before, "main").expect("the unfused graph lowers");
    let fused = Interpreter::new(&after, "main").expect("the fused graph lowers");
    let inputs: Vec<Tensor> = unfused
        .inputs()
        .iter()
        .map(|spec| {
            assert_eq!(spec.elem, ElemType::F32);
            let n = spec.shape.iter().product();
            let values = (0..n).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
            Tensor::F32(ArrayD::from_shape_vec(IxDyn(&spec.shape), values).expect("values fit"))
        })
        .collect();
    let expected = unfused.run(&inputs).expect("the unfused graph runs");
    let actual = fused.run(&inputs).expect("the fused graph runs");
    // An int32 bias is re-rounded onto its new grid: up to half a step off.
    let int_biases = inspect::int_bias_scales(&after);
    let int32_blocks = case.blocks.iter().filter(|b| b.bias == Bias::Int32).count();
    assert_eq!(int_biases.len(), int32_blocks, "int32 biases stay int32:\n{}", after.as_operation());
    let slack = 0.5 * int_biases.iter().flatten().fold(0f32, |m, &s| m.max(s)) as f64;
    if outcome.saturations == 0 {
        for (a, b) in actual.iter().zip(&expected) {
            assert_agree(a.as_f32().expect("f32"), b.as_f32().expect("f32"), slack, source);
        }
    }
    outcome
}

fn conv(out: usize, kernel: usize) -> Conv {
    Conv { out, kernel, stride: 1, dilation: 1, padding: [kernel / 2; 4], groups: 1 }
}

fn block(layer: Layer, weight: Weight, bias: Bias) -> Block {
    Block { layer, weight, bias, relu: true }
}

fn conv_case(input: [usize; 4], weight: Weight, convs: &[(Conv, Bias)]) -> Case {
    let blocks = convs.iter().map(|&(c, bias)| block(Layer::Conv(c), weight, bias)).collect();
    Case { input: input.to_vec(), quantize_input: !matches!(weight, Weight::Float), blocks }
}

fn linear_case(weight: Weight) -> Case {
    let blocks =
        vec![block(Layer::Linear { out: 7 }, weight, Bias::Float), block(Layer::Linear { out: 5 }, weight, Bias::None)];
    Case { input: vec![3, 10], quantize_input: !matches!(weight, Weight::Float), blocks }
}

#[test]
fn conv_3x3_with_and_without_bias() {
    check(&conv_case([1, 4, 8, 8], Weight::Float, &[(conv(6, 3), Bias::Float), (conv(5, 3), Bias::None)]), 1);
}

#[test]
fn conv_1x1_and_7x7_kernels() {
    check(&conv_case([1, 3, 12, 12], Weight::Float, &[(conv(8, 7), Bias::None), (conv(4, 1), Bias::Float)]), 2);
}

#[test]
fn grouped_and_depthwise_conv() {
    let grouped = Conv { groups: 3, ..conv(9, 3) };
    let depthwise = Conv { groups: 9, ..conv(9, 3) };
    let multiplier = Conv { groups: 9, ..conv(18, 5) };
    check(
        &conv_case(
            [1, 6, 8, 8],
            Weight::Float,
            &[(grouped, Bias::Float), (depthwise, Bias::None), (multiplier, Bias::Float)],
        ),
        3,
    );
}

#[test]
fn strided_dilated_padded_conv_batch_2() {
    let strided = Conv { stride: 2, padding: [1, 0, 2, 1], ..conv(5, 3) };
    let dilated = Conv { dilation: 2, padding: [2; 4], ..conv(6, 3) };
    let both = Conv { stride: 2, dilation: 3, padding: [0, 1, 1, 0], ..conv(4, 3) };
    check(
        &conv_case(
            [2, 4, 15, 13],
            Weight::Float,
            &[(strided, Bias::None), (dilated, Bias::Float), (both, Bias::Float)],
        ),
        4,
    );
}

#[test]
fn linear_with_and_without_bias() {
    check(&linear_case(Weight::Float), 5);
}

/// Quantized weights in every scheme, on a conv pair and a linear pair.
fn check_schemes(fake: bool, first_seed: u64) {
    for (i, (per_channel, asymmetric, four_bit)) in (0..8).map(|i| (i & 1 != 0, i & 2 != 0, i & 4 != 0)).enumerate() {
        let scheme = Scheme { per_channel, asymmetric, four_bit, saturating: false };
        let weight = if fake { Weight::FakeQuant(scheme) } else { Weight::Int(scheme) };
        let seed = first_seed + i as u64;
        let grouped = Conv { groups: 2, ..conv(6, 3) };
        let convs = [(conv(6, 3), Bias::Float), (grouped, Bias::None)];
        assert_eq!(check(&conv_case([2, 4, 7, 7], weight, &convs), seed), Outcome::default());
        assert_eq!(check(&linear_case(weight), seed), Outcome::default());
    }
}

#[test]
fn fake_quant_weights() {
    check_schemes(true, 20);
}

#[test]
fn int_weights() {
    check_schemes(false, 30);
}

#[test]
fn symmetric_weights_saturate_only_at_the_minimum() {
    // Every channel holds the minimum; channels with γ < 0 turn it into the maximum.
    for (seed, fake, four_bit) in [(12, false, false), (13, true, false), (14, false, true)] {
        let scheme = Scheme { per_channel: true, four_bit, saturating: true, ..Scheme::default() };
        let weight = if fake { Weight::FakeQuant(scheme) } else { Weight::Int(scheme) };
        let outcome = check(&conv_case([1, 3, 6, 6], weight, &[(conv(8, 3), Bias::Float)]), seed);
        assert!(outcome.saturations > 0, "seed {seed} has negative-γ channels");
    }
}

/// A random chain of 1 to 3 conv blocks that fit their input.
fn random_case(rng: &mut StdRng) -> Case {
    let mut shape =
        [rng.gen_range(1..=2), [2, 3, 4, 6][rng.gen_range(0..4)], rng.gen_range(5..=12), rng.gen_range(5..=12)];
    let input = shape.to_vec();
    let quantized = rng.gen_bool(0.5);
    let mut blocks = Vec::new();
    for _ in 0..rng.gen_range(1..=3) {
        let channels = shape[1];
        let groups = *[1, 2, channels].iter().filter(|&&g| channels % g == 0).nth(rng.gen_range(0..2)).unwrap_or(&1);
        let out = groups * rng.gen_range(1..=3);
        let kernel = [1, 3, 5, 7][rng.gen_range(0..4)];
        let padding = [0; 4].map(|_| rng.gen_range(0..=kernel / 2));
        let dilation = rng.gen_range(1..=2);
        let span = dilation * (kernel - 1) + 1;
        if shape[2] + padding[0] + padding[2] < span || shape[3] + padding[1] + padding[3] < span {
            continue;
        }
        let c = Conv { out, kernel, stride: rng.gen_range(1..=2), dilation, padding, groups };
        let weight = match (quantized, rng.gen_range(0..3)) {
            (false, _) => Weight::Float,
            (true, form) => {
                let scheme = Scheme {
                    per_channel: rng.gen_bool(0.5),
                    asymmetric: rng.gen_bool(0.5),
                    four_bit: rng.gen_bool(0.3),
                    saturating: false,
                };
                if form == 0 {
                    Weight::FakeQuant(scheme)
                } else {
                    Weight::Int(scheme)
                }
            }
        };
        let bias = if rng.gen_bool(0.5) { Bias::Float } else { Bias::None };
        blocks.push(Block { layer: Layer::Conv(c), weight, bias, relu: rng.gen_bool(0.5) });
        let dim = |size: usize, lo: usize, hi: usize| (size + lo + hi - span) / c.stride + 1;
        shape = [shape[0], out, dim(shape[2], padding[0], padding[2]), dim(shape[3], padding[1], padding[3])];
    }
    Case { input, quantize_input: quantized, blocks }
}

#[test]
fn random_conv_graphs() {
    let mut rng = StdRng::seed_from_u64(2024);
    let mut checked = 0;
    for seed in 100..124 {
        let case = random_case(&mut rng);
        if case.blocks.is_empty() {
            continue;
        }
        checked += 1;
        check(&case, seed);
    }
    assert!(checked >= 20);
}

#[test]
fn int32_bias_keeps_the_onnx_runtime_form() {
    // dequantize(i32) bias with scales input scale × weight scale (per tensor
    // and per channel); the fold re-quantizes it with the new scales.
    for (seed, per_channel) in [(15, false), (16, true)] {
        let weight = Weight::Int(Scheme { per_channel, ..Scheme::default() });
        let grouped = Conv { groups: 2, ..conv(6, 3) };
        check(&conv_case([1, 4, 7, 7], weight, &[(grouped, Bias::Int32)]), seed);
        let linear = Case {
            input: vec![2, 12],
            quantize_input: true,
            blocks: vec![block(Layer::Linear { out: 6 }, weight, Bias::Int32)],
        };
        check(&linear, seed);
    }
    let fake_quant = Weight::FakeQuant(Scheme::default());
    check(&conv_case([2, 3, 6, 6], fake_quant, &[(conv(5, 3), Bias::Int32)]), 17);
}
