//! Shared by the JIT tests: random tensors, MLIR type strings, and running a
//! function with the JIT and the reference interpreter side by side.

#![allow(dead_code)] // each test crate uses a different subset

use ndarray::{ArrayD, IxDyn};
use quant_dialect::tensor::ElemType;
use quant_runtime::{
    jit::{Executor, Options},
    Interpreter, Tensor,
};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// `tensor<AxBxf32>` for a shape.
pub fn ty(shape: &[usize], elem: &str) -> String {
    let dims: String = shape.iter().map(|d| format!("{d}x")).collect();
    format!("tensor<{dims}{elem}>")
}

/// Uniform values in [-1, 1), fixed by `seed`.
pub fn random(shape: &[usize], seed: u64) -> Tensor {
    let mut rng = StdRng::seed_from_u64(seed);
    let n = shape.iter().product();
    let data = (0..n).map(|_| rng.gen_range(-1.0f32..1.0)).collect();
    Tensor::F32(ArrayD::from_shape_vec(IxDyn(shape), data).unwrap())
}

/// Uniform integers in the range of `elem`.
pub fn random_int(elem: ElemType, shape: &[usize], seed: u64) -> Tensor {
    let mut rng = StdRng::seed_from_u64(seed);
    let (lo, hi) = elem.int_range().unwrap();
    let (lo, hi) = (lo.max(-1000) as i32, hi.min(1000) as i32);
    let n = shape.iter().product();
    let data = (0..n).map(|_| rng.gen_range(lo..=hi)).collect();
    Tensor::Int { elem, data: ArrayD::from_shape_vec(IxDyn(shape), data).unwrap() }
}

/// Runs `main` of `source` with the JIT (`threads`) and with the interpreter.
pub fn run_both(source: &str, inputs: &[Tensor], threads: usize) -> (Vec<Tensor>, Vec<Tensor>) {
    run_with(source, inputs, Options { threads, ..Options::default() })
}

/// Runs `main` of `source` with the JIT (`options`) and with the interpreter.
pub fn run_with(source: &str, inputs: &[Tensor], options: Options) -> (Vec<Tensor>, Vec<Tensor>) {
    (run_jit(source, inputs, options), run_reference(source, inputs))
}

fn run_jit(source: &str, inputs: &[Tensor], options: Options) -> Vec<Tensor> {
    with_module(source, |module| {
        Executor::compile(module, "main", options).expect("compiles").run(inputs).expect("JIT runs")
    })
}

fn run_reference(source: &str, inputs: &[Tensor]) -> Vec<Tensor> {
    with_module(source, |module| {
        Interpreter::new(module, "main").expect("lowers").run(inputs).expect("interpreter runs")
    })
}

fn with_module<R>(source: &str, f: impl FnOnce(&melior::ir::Module) -> R) -> R {
    let context = quant_dialect::create_context().expect("context");
    let module = quant_dialect::parse_source(&context, source, "test.mlir").expect("the test source parses");
    f(&module)
}

/// max|a − b| / max|b| of two f32 tensors.
pub fn relative_error(a: &Tensor, b: &Tensor) -> f64 {
    let (a, b) = (a.as_f32().expect("f32"), b.as_f32().expect("f32"));
    assert_eq!(a.shape(), b.shape());
    let diff = a.iter().zip(b).fold(0.0f64, |m, (&x, &y)| m.max((x as f64 - y as f64).abs()));
    let scale = b.iter().fold(0.0f64, |m, &y| m.max((y as f64).abs()));
    if scale == 0.0 {
        diff
    } else {
        diff / scale
    }
}

/// Cosine similarity of two f32 tensors (the whole-graph metric of
/// quantized models).
pub fn cosine(a: &Tensor, b: &Tensor) -> f64 {
    let (a, b) = (a.as_f32().expect("f32"), b.as_f32().expect("f32"));
    let dot: f64 = a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum();
    let norm = |v: &ndarray::ArrayD<f32>| v.iter().map(|&x| (x as f64).powi(2)).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

/// Asserts that the JIT matches the interpreter within 1e-5 relative on
/// f32 results and within one quantization step on integer results, with
/// one thread and with two, with one thread and every op in its own
/// kernel (the `--no-fusion` baseline), and with every conv direct (no
/// Winograd).
pub fn check(source: &str, inputs: &[Tensor]) {
    // The interpreter (unoptimized in test builds) runs once for all four.
    let reference = run_reference(source, inputs);
    for (threads, fuse, winograd) in [(1, true, true), (2, true, true), (1, false, true), (1, true, false)] {
        let jit = run_jit(source, inputs, Options { threads, fuse, winograd });
        assert_eq!(jit.len(), reference.len());
        for (k, (a, b)) in jit.iter().zip(&reference).enumerate() {
            assert_eq!(a.spec(), b.spec(), "result #{k}");
            match (a, b) {
                (Tensor::F32(_), Tensor::F32(_)) => {
                    let e = relative_error(a, b);
                    assert!(e <= 1e-5, "result #{k}: relative error {e:e} ({threads} threads, fuse {fuse}, winograd {winograd})\n{source}");
                }
                _ => {
                    let (a, b) = (a.as_int().unwrap(), b.as_int().unwrap());
                    let steps = a.iter().zip(b).map(|(x, y)| (x - y).abs()).max().unwrap_or(0);
                    assert!(
                        steps <= 1,
                        "result #{k}: {steps} quantization steps apart ({threads} threads, fuse {fuse}, winograd {winograd})\n{source}"
                    );
                }
            }
        }
    }
}
