//! Numerical contract of `quant-disable-unnecessary-quant`, checked with the
//! reference interpreter: after the pass, a graph is bit-identical to the
//! same graph written without the removed pairs, and the identities it
//! applies really are identities.

use ndarray::{ArrayD, IxDyn};
use quant_compiler::{passes::fusible::is_fusible, Pipeline, RunOptions};
use quant_dialect::{tensor::ElemType, OpKind};
use quant_runtime::{Interpreter, Tensor};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn run_pass(source: &str) -> String {
    let context = quant_dialect::create_context().unwrap();
    let mut module = quant_dialect::parse_source(&context, source, "test.mlir").expect("parses");
    Pipeline::parse_list("quant-disable-unnecessary-quant,quant-prune")
        .unwrap()
        .run(&mut module, RunOptions { verify_each: true, print_ir_after_all: false })
        .unwrap();
    module.as_operation().to_string()
}

fn interpret(source: &str, inputs: &[Tensor]) -> Vec<Tensor> {
    let context = quant_dialect::create_context().unwrap();
    let module = quant_dialect::parse_source(&context, source, "test.mlir").expect("parses");
    Interpreter::new(&module, "main").unwrap().run(inputs).unwrap()
}

/// Producers of the table, each as (lines computing %a from %x and %y, result shape).
fn producer(kind: OpKind) -> (&'static str, &'static str) {
    match kind {
        OpKind::Conv2d => (
            "%w = arith.constant dense<[[[[0.5]], [[-0.25]]], [[[0.75]], [[1.5]]]]> : tensor<2x2x1x1xf32>
  %a = \"quant.conv2d\"(%x, %w) : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>) -> tensor<1x2x3x3xf32>",
            "1x2x3x3",
        ),
        OpKind::Linear => (
            "%x2 = \"quant.reshape\"(%x) : (tensor<1x2x3x3xf32>) -> tensor<2x9xf32>
  %w = arith.constant dense<0.125> : tensor<2x9xf32>
  %a = \"quant.linear\"(%x2, %w) : (tensor<2x9xf32>, tensor<2x9xf32>) -> tensor<2x2xf32>",
            "2x2",
        ),
        OpKind::BatchNorm => (
            "%p = arith.constant dense<[0.5, 2.0]> : tensor<2xf32>
  %a = \"quant.batch_norm\"(%x, %p, %p, %p, %p) : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>",
            "1x2x3x3",
        ),
        OpKind::Add => (
            "%a = \"quant.add\"(%x, %y) : (tensor<1x2x3x3xf32>, tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>",
            "1x2x3x3",
        ),
        _ => unreachable!(),
    }
}

/// `B(%in)` as one line, for every single-input consumer kind.
fn consumer(kind: OpKind, shape: &str) -> String {
    let ty = format!("tensor<{shape}xf32>");
    let attrs = match kind {
        OpKind::Clip => " {min = -0.5 : f32, max = 0.75 : f32}",
        OpKind::LeakyRelu => " {alpha = 0.2 : f32}",
        OpKind::Gelu => " {approximate = \"tanh\"}",
        _ => "",
    };
    if kind == OpKind::BatchNorm {
        return format!(
            "%g = arith.constant dense<[1.5, -0.5]> : tensor<2xf32>
  %v = arith.constant dense<[0.25, 2.0]> : tensor<2xf32>
  %b = \"quant.batch_norm\"(%in, %g, %v, %v, %v) : ({ty}, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> {ty}"
        );
    }
    format!("%b = \"{}\"(%in){attrs} : ({ty}) -> {ty}", kind.name())
}

fn graph(a: OpKind, b: OpKind, with_pair: bool) -> String {
    let (a_lines, shape) = producer(a);
    let pair = if with_pair {
        format!(
            "%q = \"quant.quantize\"(%a) {{scale = 0.0625 : f32, zero_point = 3 : i32}} : (tensor<{shape}xf32>) -> tensor<{shape}xi8>
  %in = \"quant.dequantize\"(%q) {{scale = 0.0625 : f32, zero_point = 3 : i32}} : (tensor<{shape}xi8>) -> tensor<{shape}xf32>"
        )
    } else {
        String::new()
    };
    let input = if with_pair { "%in" } else { "%a" };
    let b_line = consumer(b, shape).replace("%in", input);
    format!(
        "func.func @main(%x: tensor<1x2x3x3xf32>, %y: tensor<1x2x3x3xf32>) -> tensor<{shape}xf32> {{
  {a_lines}
  {pair}
  {b_line}
  return %b : tensor<{shape}xf32>
}}"
    )
}

fn random_input(rng: &mut StdRng) -> Tensor {
    Tensor::F32(ArrayD::from_shape_fn(IxDyn(&[1, 2, 3, 3]), |_| rng.gen_range(-4.0f32..4.0)))
}

#[test]
fn every_producer_consumer_pair_matches_the_graph_without_the_pair() {
    let producers = [OpKind::Conv2d, OpKind::Linear, OpKind::BatchNorm, OpKind::Add];
    let consumers: Vec<OpKind> =
        OpKind::ALL.iter().copied().filter(|k| k.is_unary_elementwise() || *k == OpKind::BatchNorm).collect();
    let mut rng = StdRng::seed_from_u64(4);
    let mut fused = 0;
    for a in producers {
        for &b in &consumers {
            if b == OpKind::BatchNorm && a == OpKind::Add {
                continue;
            }
            let with_pair = graph(a, b, true);
            let optimized = run_pass(&with_pair);
            let reference = if is_fusible(a, b) { graph(a, b, false) } else { with_pair.clone() };
            fused += usize::from(is_fusible(a, b));
            for _ in 0..3 {
                let inputs = [random_input(&mut rng), random_input(&mut rng)];
                assert_eq!(
                    interpret(&optimized, &inputs),
                    interpret(&reference, &inputs),
                    "{a:?} -> {b:?}:\n{optimized}"
                );
            }
        }
    }
    assert_eq!(fused, 9 + 10 + 8 + 3, "every row of the table was exercised");
}

/// dequantize → quantize with identical parameters, as a graph.
fn requantize(storage: &str, scale: f32, zero_point: i32) -> String {
    let p = format!("scale = {scale:.9e} : f32, zero_point = {zero_point} : i32");
    format!(
        "func.func @main(%q: tensor<256x{storage}>) -> tensor<256x{storage}> {{
  %d = \"quant.dequantize\"(%q) {{{p}}} : (tensor<256x{storage}>) -> tensor<256xf32>
  %r = \"quant.quantize\"(%d) {{{p}}} : (tensor<256xf32>) -> tensor<256x{storage}>
  return %r : tensor<256x{storage}>
}}"
    )
}

#[test]
fn requantize_identity_holds_wherever_it_is_applied() {
    let mut rng = StdRng::seed_from_u64(9);
    for (storage, elem, lo) in [("i8", ElemType::I8, -128), ("ui8", ElemType::U8, 0)] {
        let all = Tensor::Int { elem, data: ArrayD::from_shape_fn(IxDyn(&[256]), |i| lo + i[0] as i32) };
        for _ in 0..200 {
            let scale = 10f32.powf(rng.gen_range(-30.0..30.0)) * rng.gen_range(1.0f32..10.0);
            let zero_point = rng.gen_range(lo..lo + 256);
            let source = requantize(storage, scale, zero_point);
            let folded = !run_pass(&source).contains("quant.quantize");
            let round_trip = interpret(&source, std::slice::from_ref(&all));
            if folded {
                assert_eq!(round_trip[0], all, "folded, but not an identity for scale {scale:e}, zp {zero_point}");
            }
            assert!(folded || scale * 255.0 > f32::MAX / 4.0, "not folded for scale {scale:e}");
        }
    }
}

#[test]
fn double_pair_collapses_to_one_pair_with_the_same_values() {
    let p = "scale = 0.037 : f32, zero_point = -7 : i32";
    let source = format!(
        "func.func @main(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {{
  %q1 = \"quant.quantize\"(%x) {{{p}}} : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xi8>
  %d1 = \"quant.dequantize\"(%q1) {{{p}}} : (tensor<1x2x3x3xi8>) -> tensor<1x2x3x3xf32>
  %q2 = \"quant.quantize\"(%d1) {{{p}}} : (tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xi8>
  %d2 = \"quant.dequantize\"(%q2) {{{p}}} : (tensor<1x2x3x3xi8>) -> tensor<1x2x3x3xf32>
  return %d2 : tensor<1x2x3x3xf32>
}}"
    );
    let optimized = run_pass(&source);
    assert_eq!(optimized.matches("quant.quantize").count(), 1, "{optimized}");
    let mut rng = StdRng::seed_from_u64(2);
    for _ in 0..10 {
        let x = [random_input(&mut rng)];
        assert_eq!(interpret(&optimized, &x), interpret(&source, &x));
    }
}
