//! Throughput of the conv micro-kernel against the FMA peak. Ignored by
//! default (timing); run with
//! `cargo test --release -p quant-runtime --test jit_bench -- --ignored --nocapture`.

mod jit_support;

use jit_support::{random, ty};
use quant_runtime::jit::{fma_peak_gflops, Executor, Options};
use std::time::Instant;

/// Median seconds of `iters` runs after `warmup` runs.
fn median_seconds(executor: &Executor, inputs: &[quant_runtime::Tensor], warmup: usize, iters: usize) -> f64 {
    for _ in 0..warmup {
        executor.run(inputs).unwrap();
    }
    let mut times: Vec<f64> = (0..iters)
        .map(|_| {
            let start = Instant::now();
            executor.run(inputs).unwrap();
            start.elapsed().as_secs_f64()
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[iters / 2]
}

#[test]
#[ignore = "timing; run in release"]
fn conv3x3_64x64x56x56_against_peak() {
    let (c, o, hw) = (64, 64, 56);
    let (x, w, b, y) =
        (ty(&[1, c, hw, hw], "f32"), ty(&[o, c, 3, 3], "f32"), ty(&[o], "f32"), ty(&[1, o, hw, hw], "f32"));
    let source = format!(
        "func.func @main(%x: {x}) -> {y} {{
  %w = arith.constant dense<0.01> : {w}
  %b = arith.constant dense<0.5> : {b}
  %y = \"quant.conv2d\"(%x, %w, %b) {{padding = array<i64: 1, 1, 1, 1>}} : ({x}, {w}, {b}) -> {y}
  %z = \"quant.relu\"(%y) : ({y}) -> {y}
  return %z : {y}
}}"
    );
    let context = quant_dialect::create_context().unwrap();
    let module = quant_dialect::parse_source(&context, &source, "bench.mlir").unwrap();
    let peak = fma_peak_gflops().unwrap();
    let flops = 2.0 * (o * c * 9 * hw * hw) as f64;
    let inputs = [random(&[1, c, hw, hw], 1)];
    // The direct kernel is the micro-kernel measured against the peak;
    // Winograd does less work for the same result (GFLOP/s of the direct sum).
    for (threads, winograd) in [(1, false), (2, false), (1, true), (2, true)] {
        let start = Instant::now();
        let executor = Executor::compile(&module, "main", Options { threads, winograd, ..Options::default() }).unwrap();
        let compile = start.elapsed().as_secs_f64();
        let seconds = median_seconds(&executor, &inputs, 5, 50);
        let gflops = flops / seconds / 1e9;
        println!(
            "conv 3x3 64->64 56x56 +bias+relu, {threads} thread(s), winograd {winograd}: {:.3} ms, {gflops:.1} GFLOP/s = {:.0}% of {threads}x the {peak:.1} GFLOP/s FMA peak (compile {:.0} ms)",
            seconds * 1e3,
            100.0 * gflops / (peak * threads as f64),
            compile * 1e3
        );
    }
}

/// A whole model given by `QRUN_MODEL` (e.g. a ResNet-50 from `qgen`):
/// JIT compile time, latency, and agreement with the interpreter.
#[test]
#[ignore = "needs QRUN_MODEL=path.mlir; timing; run in release"]
fn model_from_env() {
    let Ok(path) = std::env::var("QRUN_MODEL") else { return };
    let source = std::fs::read_to_string(&path).unwrap();
    let context = quant_dialect::create_context().unwrap();
    let module = quant_dialect::parse_source(&context, &source, &path).unwrap();
    for threads in [2, 1] {
        let start = Instant::now();
        let executor = Executor::compile(&module, "main", Options { threads, ..Options::default() }).unwrap();
        let compile = start.elapsed().as_secs_f64();
        let inputs: Vec<_> = executor.inputs().iter().map(|s| random(&s.shape, 7)).collect();
        let seconds = median_seconds(&executor, &inputs, 2, 10);
        println!(
            "{path}: {threads} thread(s): compile {compile:.2} s, median {:.1} ms, {} steps",
            seconds * 1e3,
            executor.steps().len()
        );
    }
    let executor = Executor::compile(&module, "main", Options::default()).unwrap();
    let inputs: Vec<_> = executor.inputs().iter().map(|s| random(&s.shape, 7)).collect();
    let jit = executor.run(&inputs).unwrap();
    let reference = quant_runtime::Interpreter::new(&module, "main").unwrap().run(&inputs).unwrap();
    for (a, b) in jit.iter().zip(&reference) {
        let (error, cosine) = (jit_support::relative_error(a, b), jit_support::cosine(a, b));
        println!("vs the interpreter: max relative error {error:e}, cosine similarity {cosine:.6}");
    }
}
