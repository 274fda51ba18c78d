//! Every non-conv op of the dialect in the JIT against the reference
//! interpreter, element-wise chains fused into one kernel, and errors.

mod jit_support;

use jit_support::{check, random, random_int, run_both, ty};
use ndarray::{ArrayD, IxDyn};
use quant_dialect::tensor::ElemType;
use quant_runtime::{
    jit::{Executor, Options},
    RuntimeError, Tensor,
};

/// A function applying one op to its arguments.
fn single(op: &str, attrs: &str, inputs: &[impl AsRef<str>], result: &str) -> String {
    let inputs: Vec<&str> = inputs.iter().map(AsRef::as_ref).collect();
    let args: Vec<String> = inputs.iter().enumerate().map(|(i, t)| format!("%a{i}: {t}")).collect();
    let uses: Vec<String> = (0..inputs.len()).map(|i| format!("%a{i}")).collect();
    format!(
        "func.func @main({}) -> {result} {{
  %y = \"quant.{op}\"({}) {attrs} : ({}) -> {result}
  return %y : {result}
}}",
        args.join(", "),
        uses.join(", "),
        inputs.join(", ")
    )
}

/// Inputs in [-4, 4), so that activations see both tails.
fn wide(shape: &[usize], seed: u64) -> Tensor {
    Tensor::F32(random(shape, seed).as_f32().unwrap().mapv(|v| v * 4.0))
}

#[test]
fn unary_activations() {
    // 3x5x7 has a scalar tail after the vectors.
    let shape = [3, 5, 7];
    let t = ty(&shape, "f32");
    for (op, attrs) in [
        ("relu", ""),
        ("relu6", ""),
        ("sigmoid", ""),
        ("silu", ""),
        ("mish", ""),
        ("leaky_relu", "{alpha = 0.1 : f32}"),
        ("leaky_relu", ""),
        ("hardsigmoid", ""),
        ("hardsigmoid", "{alpha = 0.3 : f32, beta = 0.4 : f32}"),
        ("gelu", ""),
        ("gelu", "{approximate = \"tanh\"}"),
        ("clip", "{min = -1.5 : f32, max = 2.0 : f32}"),
    ] {
        check(&single(op, attrs, &[&t], &t), &[wide(&shape, 1)]);
    }
}

/// The vectorized e^x behind sigmoid and silu over the whole f32 range:
/// saturating tails, overflow of e^x, subnormal results, infinities, NaN.
#[test]
fn exponential_activations_over_the_f32_range() {
    let tensor = |values: Vec<f32>| Tensor::F32(ArrayD::from_shape_vec(IxDyn(&[values.len()]), values).unwrap());
    let finite: Vec<f32> = (0..64)
        .map(|i| (i as f32 - 32.0) * 3.5)
        .chain([1e-8, -1e-8, 0.0, 88.5, -88.5, 89.5, -103.5, 110.0, -110.0, 0.3466, -0.3466])
        .collect();
    let t = ty(&[finite.len()], "f32");
    for op in ["sigmoid", "silu"] {
        check(&single(op, "", &[&t], &t), &[tensor(finite.clone())]);
    }
    let special = vec![f32::INFINITY, f32::NEG_INFINITY, f32::NAN, 1.0];
    let t = ty(&[special.len()], "f32");
    let context = quant_dialect::create_context().unwrap();
    let module = quant_dialect::parse_source(&context, &single("sigmoid", "", &[&t], &t), "t.mlir").unwrap();
    let y = Executor::compile(&module, "main", Options::default()).unwrap().run(&[tensor(special)]).unwrap();
    let y = y[0].as_f32().unwrap();
    assert_eq!((y[0], y[1]), (1.0, 0.0));
    assert!(y[2].is_nan(), "NaN in, NaN out: {y}");
    assert!((y[3] - 0.731_058_6).abs() < 1e-6, "{y}");
}

#[test]
fn add_and_batch_norm() {
    let t = ty(&[2, 3, 33], "f32");
    check(&single("add", "", &[t.clone(), t.clone()], &t), &[random(&[2, 3, 33], 1), random(&[2, 3, 33], 2)]);
    for shape in [vec![2, 6, 5, 7], vec![9, 6]] {
        let (x, c) = (ty(&shape, "f32"), ty(&[6], "f32"));
        let source =
            single("batch_norm", "{epsilon = 1.0e-3 : f32}", &[x.clone(), c.clone(), c.clone(), c.clone(), c], &x);
        let var = Tensor::F32(random(&[6], 5).as_f32().unwrap().mapv(|v| v.abs() + 0.1));
        check(&source, &[random(&shape, 1), random(&[6], 2), random(&[6], 3), random(&[6], 4), var]);
    }
}

#[test]
fn pooling() {
    let x = [2, 3, 9, 8];
    for (op, attrs, out) in [
        (
            "max_pool2d",
            "{kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}",
            [2, 3, 5, 4],
        ),
        ("max_pool2d", "{kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, ceil_mode = true}", [2, 3, 5, 4]),
        // Column strides 1 and 3 take other paths than 2.
        ("max_pool2d", "{kernel = array<i64: 3, 2>, padding = array<i64: 1, 0, 1, 1>}", [2, 3, 9, 8]),
        (
            "max_pool2d",
            "{kernel = array<i64: 2, 3>, strides = array<i64: 3, 3>, padding = array<i64: 0, 1, 0, 1>}",
            [2, 3, 3, 3],
        ),
        (
            "avg_pool2d",
            "{kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}",
            [2, 3, 5, 4],
        ),
        (
            "avg_pool2d",
            "{kernel = array<i64: 3, 2>, padding = array<i64: 1, 0, 1, 1>, count_include_pad = true}",
            [2, 3, 9, 8],
        ),
    ] {
        check(&single(op, attrs, &[ty(&x, "f32")], &ty(&out, "f32")), &[random(&x, 1)]);
    }
    check(&single("global_avg_pool", "", &[ty(&x, "f32")], &ty(&[2, 3, 1, 1], "f32")), &[random(&x, 2)]);
}

/// A NaN in a max pooling window makes that window's maximum NaN (PyTorch's
/// rule), whatever the other taps hold; windows without it are unaffected.
#[test]
fn max_pool_propagates_nan() {
    let mut x = random(&[1, 1, 4, 20], 7).as_f32().unwrap().clone();
    x[IxDyn(&[0, 0, 1, 9])] = f32::NAN;
    let attrs = "{kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}";
    let source = single("max_pool2d", attrs, &[ty(&[1, 1, 4, 20], "f32")], &ty(&[1, 1, 2, 10], "f32"));
    let (jit, _) = run_both(&source, &[Tensor::F32(x)], 1);
    for (at, v) in jit[0].as_f32().unwrap().indexed_iter() {
        assert_eq!(v.is_nan(), (at[2], at[3]) == (0, 4), "output {at:?} = {v}");
    }
}

#[test]
fn softmax_on_every_axis() {
    let shape = [3, 4, 5];
    for axis in [-1, 0, 1] {
        let t = ty(&shape, "f32");
        check(&single("softmax", &format!("{{axis = {axis} : i64}}"), &[&t], &t), &[wide(&shape, 1)]);
    }
}

#[test]
fn data_movement() {
    let x = ty(&[2, 3, 4], "f32");
    check(&single("reshape", "", &[&x], &ty(&[6, 4], "f32")), &[random(&[2, 3, 4], 1)]);
    check(
        &single("transpose", "{perm = array<i64: 2, 0, 1>}", &[&x], &ty(&[4, 2, 3], "f32")),
        &[random(&[2, 3, 4], 2)],
    );
    check(
        &single("concat", "{axis = 1 : i64}", &[x.clone(), x], &ty(&[2, 6, 4], "f32")),
        &[random(&[2, 3, 4], 3), random(&[2, 3, 4], 4)],
    );
    let q = ty(&[2, 3], "i8");
    check(
        &single("transpose", "{perm = array<i64: 1, 0>}", &[&q], &ty(&[3, 2], "i8")),
        &[random_int(ElemType::I8, &[2, 3], 5)],
    );
}

/// The vectorized erfc, sigmoid and tanh behind gelu (both forms) and mish,
/// value by value within 1e-5 of the interpreter's (a whole-tensor error
/// would hide the small values behind the large): from where they round
/// to 0 to where they saturate, both sides of tanh's switch of form at
/// |x| = 1/4 (mish takes tanh of values below it where x < -1.2), and NaN.
#[test]
fn gelu_and_mish_value_by_value() {
    let tensor = |values: Vec<f32>| Tensor::F32(ArrayD::from_shape_vec(IxDyn(&[values.len()]), values).unwrap());
    let finite: Vec<f32> = (0..81)
        .map(|i| (i as f32 - 40.0) * 0.75)
        .chain((0..40).map(|i| -3.0 + i as f32 * 0.1))
        .chain([1e-8, -1e-8, 0.0, 0.2499, 0.2501, -0.2499, -0.2501, 9.5, -9.5, 14.0, -14.0])
        .collect();
    let t = ty(&[finite.len()], "f32");
    let ops = [("gelu", ""), ("gelu", "{approximate = \"tanh\"}"), ("mish", "")];
    for (op, attrs) in ops {
        let (jit, reference) = run_both(&single(op, attrs, &[&t], &t), &[tensor(finite.clone())], 1);
        let (jit, reference) = (jit[0].as_f32().unwrap(), reference[0].as_f32().unwrap());
        for ((x, a), b) in finite.iter().zip(jit).zip(reference) {
            // The reference forms 1 + erf and 1 + tanh in f64, exact to
            // about 1e-16 absolutely: where gelu is smaller, it gives 0.
            let error = (a - b).abs() as f64;
            assert!(error <= 1e-5 * b.abs() as f64 + 1e-15 * x.abs() as f64, "{op} {attrs} at {x}: {a} against {b}");
        }
    }
    let t = ty(&[3], "f32");
    let context = quant_dialect::create_context().unwrap();
    for (op, attrs) in ops {
        let module = quant_dialect::parse_source(&context, &single(op, attrs, &[&t], &t), "t.mlir").unwrap();
        let executor = Executor::compile(&module, "main", Options::default()).unwrap();
        let y = executor.run(&[tensor(vec![f32::NAN, f32::INFINITY, 1.0])]).unwrap();
        let y = y[0].as_f32().unwrap();
        assert!(y[0].is_nan() && y[1] == f32::INFINITY && y[2] > 0.8 && y[2] < 0.9, "{op} {attrs}: {y}");
    }
}

#[test]
fn quantize_and_dequantize_per_tensor() {
    let shape = [2, 3, 37];
    let f = ty(&shape, "f32");
    for (storage, attrs) in [
        ("i8", "{scale = 0.02 : f32, zero_point = -3 : i32}"),
        ("ui8", "{scale = 0.03 : f32, zero_point = 128 : i32}"),
        ("i8", "{scale = 0.01 : f32, zero_point = 0 : i32, quant_min = -127 : i64, quant_max = 127 : i64}"),
        ("i32", "{scale = 0.001 : f32, zero_point = 5 : i32}"),
    ] {
        let q = ty(&shape, storage);
        check(&single("quantize", attrs, &[&f], &q), &[wide(&shape, 1)]);
        let elem = ElemType::from_name(storage).unwrap();
        check(&single("dequantize", attrs, &[&q], &f), &[random_int(elem, &shape, 2)]);
    }
}

#[test]
fn quantize_rounds_half_to_even_saturates_and_maps_nan_to_zero() {
    let values = vec![0.5, 1.5, 2.5, -0.5, -1.5, 300.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
    let f = ty(&[values.len()], "f32");
    let source = single("quantize", "{scale = 1.0 : f32, zero_point = 0 : i32}", &[f], &ty(&[values.len()], "i8"));
    let x = Tensor::F32(ArrayD::from_shape_vec(IxDyn(&[values.len()]), values).unwrap());
    let context = quant_dialect::create_context().unwrap();
    let module = quant_dialect::parse_source(&context, &source, "test.mlir").unwrap();
    let y =
        Executor::compile(&module, "main", Options { threads: 1, ..Options::default() }).unwrap().run(&[x]).unwrap();
    assert_eq!(y[0].as_int().unwrap().as_slice().unwrap(), [0, 2, 2, 0, -2, 127, 0, 127, -128]);
}

#[test]
fn quantize_and_dequantize_per_axis() {
    let shape = [2, 4, 3, 5];
    let f = ty(&shape, "f32");
    let attrs = "{scale = dense<[0.01, 0.02, 0.03, 0.04]> : tensor<4xf32>, zero_point = dense<[0, 1, -2, 3]> : tensor<4xi32>, axis = 1 : i64}";
    let q = ty(&shape, "i8");
    check(&single("quantize", attrs, &[&f], &q), &[wide(&shape, 1)]);
    check(&single("dequantize", attrs, &[q], &f), &[random_int(ElemType::I8, &shape, 2)]);
    let last = "{scale = dense<[0.1, 0.2, 0.3, 0.4, 0.5]> : tensor<5xf32>, zero_point = dense<0> : tensor<5xi32>, axis = -1 : i64}";
    check(&single("quantize", last, &[f], &ty(&shape, "ui8")), &[wide(&shape, 3)]);
}

#[test]
fn element_wise_chain_is_one_kernel() {
    let t = ty(&[4, 8, 6, 6], "f32");
    let q = ty(&[4, 8, 6, 6], "i8");
    let c = ty(&[8], "f32");
    let source = format!(
        "func.func @main(%x: {t}, %r: {t}, %g: {c}, %b: {c}, %m: {c}, %v: {c}) -> {q} {{
  %n = \"quant.batch_norm\"(%x, %g, %b, %m, %v) : ({t}, {c}, {c}, {c}, {c}) -> {t}
  %a = \"quant.add\"(%n, %r) : ({t}, {t}) -> {t}
  %s = \"quant.silu\"(%a) : ({t}) -> {t}
  %q = \"quant.quantize\"(%s) {{scale = 0.02 : f32, zero_point = 1 : i32}} : ({t}) -> {q}
  return %q : {q}
}}"
    );
    let var = Tensor::F32(random(&[8], 6).as_f32().unwrap().mapv(|v| v.abs() + 0.2));
    let inputs =
        [random(&[4, 8, 6, 6], 1), random(&[4, 8, 6, 6], 2), random(&[8], 3), random(&[8], 4), random(&[8], 5), var];
    check(&source, &inputs);
    let context = quant_dialect::create_context().unwrap();
    let module = quant_dialect::parse_source(&context, &source, "test.mlir").unwrap();
    assert_eq!(Executor::compile(&module, "main", Options::default()).unwrap().steps().len(), 1);
}

#[test]
fn a_value_with_two_users_is_not_fused_away() {
    let t = ty(&[3, 20], "f32");
    let source = format!(
        "func.func @main(%x: {t}) -> ({t}, {t}) {{
  %r = \"quant.relu\"(%x) : ({t}) -> {t}
  %s = \"quant.sigmoid\"(%r) : ({t}) -> {t}
  return %r, %s : {t}, {t}
}}"
    );
    check(&source, &[wide(&[3, 20], 1)]);
}

#[test]
fn a_value_returned_twice_comes_back_twice() {
    // Results are moved out of the run, except a slot returned again later.
    let t = ty(&[3, 20], "f32");
    let source = format!(
        "func.func @main(%x: {t}) -> ({t}, {t}, {t}) {{
  %r = \"quant.relu\"(%x) : ({t}) -> {t}
  return %r, %x, %r : {t}, {t}, {t}
}}"
    );
    check(&source, &[wide(&[3, 20], 1)]);
}

fn error(source: &str, inputs: &[Tensor]) -> String {
    let context = quant_dialect::create_context().unwrap();
    let module = quant_dialect::parse_source(&context, source, "test.mlir").unwrap();
    let result = Executor::compile(&module, "main", Options::default()).and_then(|e| e.run(inputs));
    result.err().map(|e: RuntimeError| e.to_string()).expect("an error")
}

#[test]
fn errors_name_the_op_or_the_argument() {
    let source = "func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
  %y = arith.addf %x, %x : tensor<2xf32>
  return %y : tensor<2xf32>
}";
    assert_eq!(error(source, &[]), "test.mlir:2:8: unsupported op 'arith.addf'");
    let relu = single("relu", "", &[ty(&[2], "f32")], &ty(&[2], "f32"));
    assert_eq!(error(&relu, &[]), "@main takes 1 inputs, got 0");
    assert_eq!(error(&relu, &[random(&[3], 1)]), "input #0 of @main: expected tensor<2xf32>, got tensor<3xf32>");
    let conv = "func.func @main(%x: tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32> {
  %w = arith.constant dense<1.0> : tensor<1x1x2x2xf32>
  %y = \"quant.conv2d\"(%x, %w) : (tensor<1x1x3x3xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x3x3xf32>
  return %y : tensor<1x1x3x3xf32>
}";
    let message = error(conv, &[random(&[1, 1, 3, 3], 1)]);
    assert!(message.starts_with("test.mlir:3:8: 'quant.conv2d': computes [1, 1, 2, 2]"), "{message}");
}
