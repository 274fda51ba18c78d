//! Unit tests of the reference interpreter: each op on small tensors with
//! hand-computed expected values.

mod conv;
mod elementwise;
mod errors;
mod layout;
mod pool;
mod quant;

use ndarray::{ArrayD, IxDyn};
use quant_dialect::tensor::ElemType;
use quant_runtime::{Interpreter, RuntimeError, Tensor};

/// An f32 tensor of `shape` holding `values` in row-major order.
pub fn f32s(shape: &[usize], values: &[f32]) -> Tensor {
    Tensor::F32(ArrayD::from_shape_vec(IxDyn(shape), values.to_vec()).expect("values fit the shape"))
}

/// An integer tensor of storage type `elem`.
pub fn ints(elem: ElemType, shape: &[usize], values: &[i32]) -> Tensor {
    Tensor::Int { elem, data: ArrayD::from_shape_vec(IxDyn(shape), values.to_vec()).expect("values fit the shape") }
}

/// Parses `source` as `test.mlir` and runs its `main` on `inputs`.
pub fn try_run(source: &str, inputs: &[Tensor]) -> Result<Vec<Tensor>, RuntimeError> {
    let context = quant_dialect::create_context().expect("context");
    let module = quant_dialect::parse_source(&context, source, "test.mlir").expect("the test source parses");
    Interpreter::new(&module, "main")?.run(inputs)
}

pub fn run(source: &str, inputs: &[Tensor]) -> Vec<Tensor> {
    try_run(source, inputs).unwrap_or_else(|e| panic!("{e}"))
}

/// The message of the error that running `source` gives.
pub fn run_error(source: &str, inputs: &[Tensor]) -> String {
    match try_run(source, inputs) {
        Ok(_) => panic!("expected an error running:\n{source}"),
        Err(e) => e.to_string(),
    }
}

/// Asserts that `actual` is an f32 tensor of `shape` within `tol` of `expected`.
#[track_caller]
pub fn assert_close(actual: &Tensor, shape: &[usize], expected: &[f32], tol: f32) {
    let data = actual.as_f32().expect("an f32 tensor");
    assert_eq!(data.shape(), shape, "shape");
    for (i, (a, e)) in data.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= tol,
            "element {i}: got {a}, expected {e} (all: {:?})",
            data.iter().collect::<Vec<_>>()
        );
    }
}

/// A function applying `op` with `attrs` to one tensor of type `ty`, giving `result`.
pub fn single_op(op: &str, attrs: &str, ty: &str, result: &str) -> String {
    let (ty, result) = (format!("tensor<{ty}>"), format!("tensor<{result}>"));
    format!(
        "func.func @main(%x: {ty}) -> {result} {{\n  %y = \"quant.{op}\"(%x) {attrs} : ({ty}) -> {result}\n  \
         return %y : {result}\n}}\n"
    )
}
