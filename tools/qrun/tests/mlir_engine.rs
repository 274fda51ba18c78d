//! `--engine mlir` (the graph lowered through TOSA and linalg and run by
//! MLIR's execution engine) against the JIT on whole example graphs.

use std::process::{Command, Output};

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples");

fn compare_with_jit(example: &str, criterion: &[&str]) -> Output {
    compare_file_with_jit(&format!("{EXAMPLES}/{example}"), criterion)
}

fn compare_file_with_jit(model: &str, criterion: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qrun"))
        .args(["compare", model, model, "--engine", "mlir", "--engine-b", "jit", "--random", "3"])
        .args(criterion)
        .output()
        .expect("qrun runs")
}

fn assert_pass(out: &Output) {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success() && text.contains("PASS"), "{text}");
}

#[test]
fn float_graph_agrees_within_1e_5() {
    assert_pass(&compare_with_jit("conv-bn-relu.mlir", &["--rtol", "1e-5"]));
}

#[test]
fn fake_quant_graph_agrees_within_one_step() {
    assert_pass(&compare_with_jit("resnet-block.mlir", &["--metric", "steps", "--step", "0.05"]));
}

#[test]
fn whole_float_resnet_agrees_within_1e_5() {
    // A four-stage bottleneck ResNet from qgen (built by `cargo build --workspace`).
    let qgen = std::path::Path::new(env!("CARGO_BIN_EXE_qrun")).with_file_name("qgen");
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("resnet.mlir");
    let status = Command::new(&qgen)
        .args(["--blocks", "1,1,1,1", "--size", "32", "--width", "4", "--classes", "10", "-o"])
        .arg(&model)
        .status();
    assert!(status.is_ok_and(|s| s.success()), "qgen at {}", qgen.display());
    assert_pass(&compare_file_with_jit(model.to_str().unwrap(), &["--rtol", "1e-5"]));
}
