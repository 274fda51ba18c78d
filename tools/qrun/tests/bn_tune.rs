//! `qrun bn-tune` against an independent numpy reference, and a check that
//! tuning pays: a fake-quant graph carrying the float model's statistics gets
//! closer to the float model once tuned.

use melior::ir::{operation::OperationLike, BlockLike, RegionLike};
use ndarray::{ArrayD, IxDyn};
use ndarray_npy::write_npy;
use quant_dialect::{tensor::ConstTensor, OpKind};
use quant_runtime::{Interpreter, Tensor};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::{
    path::{Path, PathBuf},
    process::Command,
};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn qrun(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_qrun")).args(args).output().unwrap();
    assert!(out.status.success(), "qrun {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn python() -> PathBuf {
    let out = Command::new("bash").arg(format!("{ROOT}/scripts/python-env.sh")).output().unwrap();
    assert!(out.status.success(), "scripts/python-env.sh: {}", String::from_utf8_lossy(&out.stderr));
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn dense(values: &[f64]) -> String {
    let v: Vec<String> = values.iter().map(|x| format!("{:.9e}", *x as f32)).collect();
    format!("dense<[{}]>", v.join(", "))
}

/// Batches of shape [n, c, h, w] with values of mean 0.3 and spread ~1.
fn write_batches(dir: &Path, shape: [usize; 4], count: usize, seed: u64) -> Vec<PathBuf> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count)
        .map(|i| {
            let path = dir.join(format!("batch{seed}_{i}.npy"));
            let x = ArrayD::from_shape_fn(IxDyn(&shape), |_| {
                0.3 + (0..3).map(|_| rng.gen_range(-1.0f32..1.0)).sum::<f32>()
            });
            write_npy(&path, &x).unwrap();
            path
        })
        .collect()
}

/// (mean, var) constants of every batch_norm of @main, in order.
fn statistics(path: &Path) -> Vec<(Vec<f32>, Vec<f32>)> {
    let context = quant_dialect::create_context().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let module = quant_dialect::parse_source(&context, &text, "tuned.mlir").unwrap();
    let func = module.body().first_operation().unwrap();
    let mut out = Vec::new();
    let mut next = func.region(0).unwrap().first_block().unwrap().first_operation();
    while let Some(op) = next {
        if OpKind::of(&op) == Some(OpKind::BatchNorm) {
            let read = |i| ConstTensor::of_value(op.operand(i).unwrap()).unwrap().to_f32();
            out.push((read(3), read(4)));
        }
        next = op.next_in_block();
    }
    out
}

const BN: [[f64; 3]; 4] = [[1.5, 0.5, 2.0], [0.1, -0.2, 0.3], [0.0, 0.0, 0.0], [1.0, 1.0, 1.0]];

fn cascaded_model(momentum_start: f64) -> String {
    let ty = "tensor<4x3x5x5xf32>";
    let p = "scale = 0.02 : f32, zero_point = 3 : i32";
    let [g, b, m, v] = BN.map(|row| dense(&row.map(|x| x * momentum_start.max(1.0))));
    format!(
        "func.func @main(%x: {ty}) -> {ty} {{
  %g = arith.constant {g} : tensor<3xf32>
  %b = arith.constant {b} : tensor<3xf32>
  %m = arith.constant {m} : tensor<3xf32>
  %v = arith.constant {v} : tensor<3xf32>
  %q = \"quant.quantize\"(%x) {{{p}}} : ({ty}) -> tensor<4x3x5x5xi8>
  %d = \"quant.dequantize\"(%q) {{{p}}} : (tensor<4x3x5x5xi8>) -> {ty}
  %n1 = \"quant.batch_norm\"(%d, %g, %b, %m, %v) {{epsilon = 1.0e-03 : f32}} : ({ty}, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> {ty}
  %n2 = \"quant.batch_norm\"(%n1, %g, %b, %m, %v) {{epsilon = 1.0e-03 : f32}} : ({ty}, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> {ty}
  return %n2 : {ty}
}}"
    )
}

fn check_against_numpy(momentum: Option<f64>) {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.mlir");
    std::fs::write(&model, cascaded_model(1.0)).unwrap();
    // Batches of 6, while the model declares 4: the batch size is free.
    let batches = write_batches(dir.path(), [6, 3, 5, 5], 3, 11);
    let tuned = dir.path().join("tuned.mlir");
    let mut args = vec!["bn-tune", s(&model), "-o", s(&tuned)];
    for b in &batches {
        args.extend(["--data", s(b)]);
    }
    let m = momentum.map(|m| m.to_string());
    if let Some(m) = &m {
        args.extend(["--momentum", m]);
    }
    qrun(&args);

    let bn: Vec<serde_json::Value> =
        (0..2).map(|_| serde_json::json!({"gamma": BN[0], "beta": BN[1], "mean": BN[2], "var": BN[3]})).collect();
    let spec =
        serde_json::json!({"scale": 0.02, "zero_point": 3, "eps": 1e-3f32 as f64, "momentum": momentum, "bn": bn});
    let spec_path = dir.path().join("spec.json");
    std::fs::write(&spec_path, spec.to_string()).unwrap();
    let out = Command::new(python())
        .arg(format!("{ROOT}/tests/python/bn_tune_reference.py"))
        .arg(&spec_path)
        .args(&batches)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let got = statistics(&tuned);
    assert_eq!(got.len(), 2);
    for (k, ((mean, var), reference)) in got.iter().zip(&expected).enumerate() {
        for (name, ours, theirs) in [("mean", mean, &reference["mean"]), ("var", var, &reference["var"])] {
            let theirs: Vec<f64> = serde_json::from_value(theirs.clone()).unwrap();
            let scale = theirs.iter().fold(0f64, |a, x| a.max(x.abs()));
            for (a, b) in ours.iter().zip(&theirs) {
                assert!((*a as f64 - b).abs() <= 1e-5 * scale, "bn {k} {name}: {ours:?} vs numpy {theirs:?}");
            }
        }
    }
}

#[test]
fn cumulative_average_matches_numpy() {
    check_against_numpy(None);
}

#[test]
fn momentum_matches_numpy() {
    check_against_numpy(Some(0.1));
}

/// `%name = dequantize(quantize(%src))` with int8 parameters `params`.
fn qdq(lines: &mut Vec<String>, name: &str, src: &str, shape: &str, params: &str) -> String {
    lines.push(format!(
        "%{name}_i = \"quant.quantize\"(%{src}) {{{params}}} : (tensor<{shape}xf32>) -> tensor<{shape}xi8>"
    ));
    lines.push(format!(
        "%{name} = \"quant.dequantize\"(%{name}_i) {{{params}}} : (tensor<{shape}xi8>) -> tensor<{shape}xf32>"
    ));
    format!("%{name}")
}

/// conv → bn → relu → conv → bn with batch_norm statistics `stats`; `fq`
/// adds coarse fake quantization of the activations (clipping them) and of
/// the weights.
fn conv_net(stats: &[(Vec<f32>, Vec<f32>)], fq: bool) -> String {
    let mut rng = StdRng::seed_from_u64(5);
    // Hex: a flat literal cannot have a 4-D type.
    let mut weight = |n: usize| -> String {
        let hex: String =
            (0..n).flat_map(|_| rng.gen_range(-0.4f32..0.4).to_le_bytes()).map(|b| format!("{b:02X}")).collect();
        format!("dense<\"0x{hex}\">")
    };
    let (w1, w2) = (weight(4 * 3 * 9), weight(4 * 4 * 9));
    let mut lines = vec![
        format!("%w1 = arith.constant {w1} : tensor<4x3x3x3xf32>"),
        format!("%w2 = arith.constant {w2} : tensor<4x4x3x3xf32>"),
        "%g = arith.constant dense<[1.0, 0.8, 1.2, 0.9]> : tensor<4xf32>".to_string(),
        "%b = arith.constant dense<[0.1, -0.1, 0.2, 0.0]> : tensor<4xf32>".to_string(),
    ];
    for (k, (m, v)) in stats.iter().enumerate() {
        let widen = |x: &Vec<f32>| x.iter().map(|&y| y as f64).collect::<Vec<f64>>();
        lines.push(format!("%m{k} = arith.constant {} : tensor<4xf32>", dense(&widen(m))));
        lines.push(format!("%v{k} = arith.constant {} : tensor<4xf32>", dense(&widen(v))));
    }
    let (act, wq) = ("scale = 0.012 : f32, zero_point = 0 : i32", "scale = 0.06 : f32, zero_point = 0 : i32");
    let fake = |lines: &mut Vec<String>, name: &str, src: &str, shape: &str, params: &str| {
        if fq {
            qdq(lines, name, src, shape, params)
        } else {
            format!("%{src}")
        }
    };
    let x = fake(&mut lines, "xq", "x", "8x3x6x6", act);
    let w1 = fake(&mut lines, "w1q", "w1", "4x3x3x3", wq);
    let w2 = fake(&mut lines, "w2q", "w2", "4x4x3x3", wq);
    let bn_ty =
        "(tensor<8x4x6x6xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<8x4x6x6xf32>";
    let pad = "{padding = array<i64: 1, 1, 1, 1>}";
    lines.push(format!(
        "%c1 = \"quant.conv2d\"({x}, {w1}) {pad} : (tensor<8x3x6x6xf32>, tensor<4x3x3x3xf32>) -> tensor<8x4x6x6xf32>"
    ));
    lines.push(format!("%n1 = \"quant.batch_norm\"(%c1, %g, %b, %m0, %v0) : {bn_ty}"));
    lines.push("%r1 = \"quant.relu\"(%n1) : (tensor<8x4x6x6xf32>) -> tensor<8x4x6x6xf32>".to_string());
    let r1 = fake(&mut lines, "r1q", "r1", "8x4x6x6", act);
    lines.push(format!(
        "%c2 = \"quant.conv2d\"({r1}, {w2}) {pad} : (tensor<8x4x6x6xf32>, tensor<4x4x3x3xf32>) -> tensor<8x4x6x6xf32>"
    ));
    lines.push(format!("%n2 = \"quant.batch_norm\"(%c2, %g, %b, %m1, %v1) : {bn_ty}"));
    format!(
        "func.func @main(%x: tensor<8x3x6x6xf32>) -> tensor<8x4x6x6xf32> {{\n  {}\n  return %n2 : tensor<8x4x6x6xf32>\n}}\n",
        lines.join("\n  ")
    )
}

fn run_model(path: &Path, x: &ArrayD<f32>) -> ArrayD<f32> {
    let context = quant_dialect::create_context().unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    let module = quant_dialect::parse_source(&context, &text, "model.mlir").unwrap();
    let out = Interpreter::new(&module, "main").unwrap().run(&[Tensor::F32(x.clone())]).unwrap();
    out[0].as_f32().unwrap().clone()
}

fn distance(a: &ArrayD<f32>, b: &ArrayD<f32>) -> f64 {
    a.iter().zip(b).map(|(x, y)| (*x as f64 - *y as f64).powi(2)).sum::<f64>().sqrt()
}

#[test]
fn tuned_fake_quant_graph_is_closer_to_the_float_model() {
    let dir = tempfile::tempdir().unwrap();
    let calibration = write_batches(dir.path(), [8, 3, 6, 6], 4, 21);
    let data_args =
        |args: &mut Vec<String>| calibration.iter().for_each(|b| args.extend(["--data".into(), s(b).into()]));
    let placeholder = vec![(vec![0.0f32; 4], vec![1.0f32; 4]); 2];

    // The float model with its own statistics, as a float training run would leave them.
    let float = dir.path().join("float.mlir");
    std::fs::write(&float, conv_net(&placeholder, false)).unwrap();
    let float_tuned = dir.path().join("float-tuned.mlir");
    let mut args = vec!["bn-tune".to_string(), s(&float).into(), "-o".into(), s(&float_tuned).into()];
    data_args(&mut args);
    qrun(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let float_stats = statistics(&float_tuned);

    // The fake-quant model starts from the float statistics; tuning re-estimates and fuses.
    let fq = dir.path().join("fq.mlir");
    std::fs::write(&fq, conv_net(&float_stats, true)).unwrap();
    let fq_tuned = dir.path().join("fq-tuned.mlir");
    let mut args = vec!["bn-tune".to_string(), s(&fq).into(), "-o".into(), s(&fq_tuned).into(), "--fuse".into()];
    data_args(&mut args);
    qrun(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!std::fs::read_to_string(&fq_tuned).unwrap().contains("batch_norm"), "--fuse folds every batch_norm");

    let held_out = write_batches(dir.path(), [8, 3, 6, 6], 3, 99);
    let (mut tuned_error, mut untuned_error) = (0.0, 0.0);
    for path in &held_out {
        let x: ArrayD<f32> = ndarray_npy::read_npy(path).unwrap();
        let reference = run_model(&float_tuned, &x);
        tuned_error += distance(&run_model(&fq_tuned, &x), &reference);
        untuned_error += distance(&run_model(&fq, &x), &reference);
    }
    assert!(tuned_error < untuned_error, "tuned {tuned_error} vs untuned {untuned_error}");
    println!("distance to the float model: tuned {tuned_error:.4}, untuned {untuned_error:.4}");
}

#[test]
fn bad_batch_shape_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.mlir");
    std::fs::write(&model, cascaded_model(1.0)).unwrap();
    let wrong = write_batches(dir.path(), [6, 3, 4, 5], 1, 3);
    let tuned = dir.path().join("tuned.mlir");
    let out = Command::new(env!("CARGO_BIN_EXE_qrun"))
        .args(["bn-tune", s(&model), "--data", s(&wrong[0]), "-o", s(&tuned)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(message.contains("--data") && message.contains("4x3x5x5xf32"), "{message}");
    assert!(!tuned.exists());
}
