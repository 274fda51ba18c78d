//! qrun's command-line contract: npy in and out, compare's verdicts and exit
//! codes, and clear errors for bad inputs.

use ndarray::{ArrayD, IxDyn};
use ndarray_npy::{read_npy, write_npy};
use std::{path::Path, process::Command};

const RELU: &str = "func.func @main(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %y = \"quant.relu\"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %y : tensor<2x3xf32>
}
";

fn qrun(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_qrun")).args(args).output().expect("qrun runs")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn run_writes_the_result() {
    let dir = tempfile::tempdir().unwrap();
    let (model, x, y) = (dir.path().join("relu.mlir"), dir.path().join("x.npy"), dir.path().join("y.npy"));
    std::fs::write(&model, RELU).unwrap();
    let input = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![-1.0f32, 2.0, -3.0, 4.0, 0.0, -0.5]).unwrap();
    write_npy(&x, &input).unwrap();
    let out = qrun(&["run", s(&model), "--input", s(&x), "-o", s(&y)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let result: ArrayD<f32> = read_npy(&y).unwrap();
    assert_eq!(result, input.mapv(|v| v.max(0.0)));
}

#[test]
fn wrong_input_shape_names_the_argument() {
    let dir = tempfile::tempdir().unwrap();
    let (model, x, y) = (dir.path().join("relu.mlir"), dir.path().join("x.npy"), dir.path().join("y.npy"));
    std::fs::write(&model, RELU).unwrap();
    write_npy(&x, &ArrayD::<f32>::zeros(IxDyn(&[3, 2]))).unwrap();
    let out = qrun(&["run", s(&model), "--input", s(&x), "-o", s(&y)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--input #1") && stderr(&out).contains("2x3xf32"), "{}", stderr(&out));
    assert!(!y.exists());
    let out = qrun(&["run", s(&model), "-o", s(&y)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("takes 1 inputs"), "{}", stderr(&out));
}

/// `-o` naming the model or an input (by any path) is refused before
/// anything is written; both files stay as they were.
#[test]
fn run_never_overwrites_what_it_reads() {
    let dir = tempfile::tempdir().unwrap();
    let (model, x) = (dir.path().join("relu.mlir"), dir.path().join("x.npy"));
    std::fs::write(&model, RELU).unwrap();
    write_npy(&x, &ArrayD::<f32>::ones(IxDyn(&[2, 3]))).unwrap();
    let x_bytes = std::fs::read(&x).unwrap();
    let x_again = dir.path().join(".").join("x.npy");
    for target in [&model, &x_again] {
        let out = qrun(&["run", s(&model), "--input", s(&x), "-o", s(target)]);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(stderr(&out).contains("is the input file"), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read_to_string(&model).unwrap(), RELU);
    assert_eq!(std::fs::read(&x).unwrap(), x_bytes);
    // Two results go to OUT/result_0.npy and OUT/result_1.npy; an input there is refused too.
    let two = dir.path().join("two.mlir");
    std::fs::write(
        &two,
        RELU.replace("-> tensor<2x3xf32> {", "-> (tensor<2x3xf32>, tensor<2x3xf32>) {")
            .replace("return %y : tensor<2x3xf32>", "return %y, %x : tensor<2x3xf32>, tensor<2x3xf32>"),
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let out = qrun(&["run", s(&two), "--input", s(&x), "-o", s(&out_dir)]);
    assert!(out.status.success(), "{}", stderr(&out));
    let second: ArrayD<f32> = read_npy(out_dir.join("result_1.npy")).unwrap();
    assert_eq!(second, ArrayD::<f32>::ones(IxDyn(&[2, 3])));
    let inside = out_dir.join("result_1.npy");
    std::fs::copy(&x, &inside).unwrap();
    let out = qrun(&["run", s(&two), "--input", s(&inside), "-o", s(&out_dir)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("is the input file"), "{}", stderr(&out));
    assert_eq!(std::fs::read(&inside).unwrap(), x_bytes);
}

#[test]
fn invalid_model_reports_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("bad.mlir");
    std::fs::write(&model, "func.func @main() {\n  %0 = \"quant.relu\"() : () -> tensor<2xf32>\n  return\n}\n")
        .unwrap();
    let out = qrun(&["compare", s(&model), s(&model)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&format!("{}:2:", model.display())), "{}", stderr(&out));
}

#[test]
fn compare_passes_equal_graphs_and_fails_different_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.mlir"), dir.path().join("b.mlir"));
    std::fs::write(&a, RELU).unwrap();
    std::fs::write(&b, RELU.replace("quant.relu", "quant.relu6")).unwrap();
    let same = qrun(&["compare", s(&a), s(&a), "--random", "7", "--json"]);
    assert!(same.status.success(), "{}", stderr(&same));
    let report: serde_json::Value = serde_json::from_slice(&same.stdout).unwrap();
    assert_eq!(report["outputs"][0]["max_abs"], 0.0);
    assert_eq!(report["outputs"][0]["pass"], true);
    // relu and relu6 agree on random inputs in [-1, 1): both pass.
    assert!(qrun(&["compare", s(&a), s(&b)]).status.success());
    std::fs::write(&b, RELU.replace("quant.relu", "quant.sigmoid")).unwrap();
    let differ = qrun(&["compare", s(&a), s(&b)]);
    assert_eq!(differ.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&differ.stdout).contains("FAIL"));
}

#[test]
fn bench_json_has_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("relu.mlir");
    std::fs::write(&model, RELU).unwrap();
    let out = qrun(&["bench", s(&model), "--iters", "3", "--warmup", "1", "--threads", "1", "--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for field in ["median_ms", "min_ms", "max_ms", "iters", "threads", "gflops", "fma_peak_gflops_per_core"] {
        assert!(report[field].is_number(), "{field} missing in {report}");
    }
    assert_eq!(report["iters"], 3);
    assert_eq!(report["threads"], 1);
    assert!(report["min_ms"].as_f64() <= report["median_ms"].as_f64());
}

#[test]
fn bench_checks_that_the_baseline_computes_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.mlir"), dir.path().join("b.mlir"));
    std::fs::write(&a, RELU).unwrap();
    std::fs::write(&b, RELU.replace("quant.relu", "quant.relu6")).unwrap();
    let bench = |baseline: &Path| {
        qrun(&["bench", s(&a), "--baseline", s(baseline), "--iters", "2", "--warmup", "0", "--threads", "1", "--json"])
    };
    let same = bench(&b);
    assert!(same.status.success(), "{}", stderr(&same));
    let report: serde_json::Value = serde_json::from_slice(&same.stdout).unwrap();
    assert_eq!(report["agreement"]["max_rel"], 0.0, "{report}");
    assert!(report["speedup"].is_number());
    // min(x, 0) against max(x, 0): orthogonal outputs (cosine 0).
    let negative_part = "quant.clip\"(%x) {min = -1.0 : f32, max = 0.0 : f32}";
    std::fs::write(&b, RELU.replace("quant.relu\"(%x)", negative_part)).unwrap();
    let differ = bench(&b);
    assert_eq!(differ.status.code(), Some(1));
    assert!(stderr(&differ).contains("disagree (cosine"), "{}", stderr(&differ));
}

/// `--interleave` times both models in alternation, each `--iters` times,
/// and adds the median of the per-pair ratios; it still checks that both
/// compute the same, and it needs a baseline.
#[test]
fn bench_interleaves_model_and_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.mlir"), dir.path().join("b.mlir"));
    std::fs::write(&a, RELU).unwrap();
    std::fs::write(&b, RELU.replace("quant.relu", "quant.relu6")).unwrap();
    let bench = |extra: &[&str]| {
        let mut args = vec!["bench", s(&a), "--iters", "5", "--warmup", "0", "--threads", "1", "--json"];
        args.extend_from_slice(extra);
        qrun(&args)
    };
    let out = bench(&["--baseline", s(&b), "--interleave"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["iters"], 5);
    assert_eq!(report["baseline"]["iters"], 5);
    assert!(report["paired_speedup"].as_f64().is_some_and(|p| p > 0.0), "{report}");
    assert_eq!(report["agreement"]["max_rel"], 0.0, "{report}");
    let sequential: serde_json::Value = serde_json::from_slice(&bench(&["--baseline", s(&b)]).stdout).unwrap();
    assert!(sequential["paired_speedup"].is_null(), "{sequential}");
    std::fs::write(&b, RELU.replace("quant.relu\"(%x)", "quant.clip\"(%x) {min = -1.0 : f32, max = 0.0 : f32}"))
        .unwrap();
    assert_eq!(bench(&["--baseline", s(&b), "--interleave"]).status.code(), Some(1));
    assert_eq!(bench(&["--interleave"]).status.code(), Some(2));
}

#[test]
fn bench_profile_times_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("relu.mlir");
    std::fs::write(&model, RELU).unwrap();
    let args = ["bench", s(&model), "--iters", "2", "--warmup", "0", "--threads", "1", "--profile"];
    let out = qrun(&[&args[..], &["--json"]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let profile = report["profile"].as_array().expect("a profile array");
    assert_eq!(profile.len(), 1, "one step: {report}");
    assert_eq!(profile[0]["op"], "quant.relu");
    assert!(profile[0]["min_ms"].as_f64() <= profile[0]["median_ms"].as_f64());
    assert_eq!(profile[0]["gflops"], 0.0, "a relu does no multiply-adds");
    let text = qrun(&args);
    assert!(String::from_utf8_lossy(&text.stdout).contains("quant.relu (jit map"), "{text:?}");
    let reference = qrun(&[&args[..], &["--engine", "reference"]].concat());
    assert_eq!(reference.status.code(), Some(1));
    assert!(stderr(&reference).contains("--profile needs the jit engine"));
}

#[test]
fn jit_and_reference_agree_on_fused_and_unfused_examples() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");
    let dir = tempfile::tempdir().unwrap();
    let fused = dir.path().join("fused.mlir");
    let qopt = Path::new(env!("CARGO_BIN_EXE_qrun")).with_file_name("qopt");
    let example = format!("{root}/conv-bn-relu.mlir");
    let status = Command::new(&qopt).args(["--fuse-bn", &example, "-o", s(&fused)]).status();
    assert!(status.is_ok_and(|s| s.success()), "qopt at {} (built by `cargo build --workspace`)", qopt.display());
    // Fused (JIT) vs unfused (reference interpreter), float graph: relative error.
    let out = qrun(&["compare", s(&fused), &example, "--engine-b", "reference", "--rtol", "1e-5", "--random", "3"]);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    // The fake-quant block: the JIT against the interpreter on the same graph, within one output step (0.05).
    let block = format!("{root}/resnet-block.mlir");
    let out = qrun(&["compare", &block, &block, "--engine-b", "reference", "--metric", "steps", "--step", "0.05"]);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
}
