//! `vs-ort` on a small conv → batch_norm → relu graph, with ONNX Runtime
//! from the tests' Python venv.

use melior::pass::PassManager;
use std::{
    path::{Path, PathBuf},
    process::{Command, Output},
};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

const UNFUSED: &str = r#"func.func @main(%x: tensor<1x8x12x12xf32>) -> tensor<1x16x12x12xf32> {
  %w = arith.constant dense<0.05> : tensor<16x8x3x3xf32>
  %g = arith.constant dense<1.5> : tensor<16xf32>
  %b = arith.constant dense<-0.1> : tensor<16xf32>
  %m = arith.constant dense<0.2> : tensor<16xf32>
  %v = arith.constant dense<0.5> : tensor<16xf32>
  %c = "quant.conv2d"(%x, %w) {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x8x12x12xf32>, tensor<16x8x3x3xf32>) -> tensor<1x16x12x12xf32>
  %n = "quant.batch_norm"(%c, %g, %b, %m, %v) {epsilon = 1.0e-05 : f32} : (tensor<1x16x12x12xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<1x16x12x12xf32>
  %r = "quant.relu"(%n) : (tensor<1x16x12x12xf32>) -> tensor<1x16x12x12xf32>
  return %r : tensor<1x16x12x12xf32>
}
"#;

/// ONNX Runtime's library in the venv that scripts/python-env.sh sets up.
fn ort_library() -> String {
    let out = Command::new("bash").arg(format!("{ROOT}/scripts/python-env.sh")).output().unwrap();
    assert!(out.status.success(), "scripts/python-env.sh: {}", String::from_utf8_lossy(&out.stderr));
    let python = String::from_utf8(out.stdout).unwrap();
    let find = "import glob, os, onnxruntime as o; \
                print(sorted(glob.glob(os.path.join(os.path.dirname(o.__file__), 'capi', 'libonnxruntime.so*')))[0])";
    let out = Command::new(python.trim()).args(["-c", find]).output().unwrap();
    assert!(out.status.success(), "finding libonnxruntime: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The unfused graph, the graph after quant-fuse-bn, and the unfused graph as ONNX.
fn models(dir: &Path) -> [PathBuf; 3] {
    let context = quant_dialect::create_context().unwrap();
    let mut module = quant_dialect::parse_source(&context, UNFUSED, "unfused.mlir").unwrap();
    let onnx = quant_onnx::export::export_module(&module, "main").unwrap();
    let pm = PassManager::new(&context);
    pm.add_pass(quant_compiler::fuse_bn());
    pm.add_pass(quant_compiler::prune());
    pm.run(&mut module).unwrap();
    let paths = ["unfused.mlir", "fused.mlir", "model.onnx"].map(|name| dir.join(name));
    std::fs::write(&paths[0], UNFUSED).unwrap();
    std::fs::write(&paths[1], module.as_operation().to_string()).unwrap();
    std::fs::write(&paths[2], prost::Message::encode_to_vec(&onnx)).unwrap();
    paths
}

fn vs_ort(ort: &str, [unfused, fused, onnx]: &[PathBuf; 3], extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vs-ort"))
        .args(["--ort-lib", ort, "--threads", "1", "--rounds", "3", "--burst", "2", "--gap-ms", "0"])
        .args(["--warmup-s", "0", "--json"])
        .arg("--fused")
        .arg(fused)
        .arg("--unfused")
        .arg(unfused)
        .arg("--onnx")
        .arg(onnx)
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn times_five_engines_that_agree() {
    let dir = tempfile::tempdir().unwrap();
    let out = vs_ort(&ort_library(), &models(dir.path()), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let engines = summary["engines"].as_array().unwrap();
    assert_eq!(engines.len(), 5, "{summary}");
    for e in engines {
        let (median, least) = (e["median_ms"].as_f64().unwrap(), e["min_ms"].as_f64().unwrap());
        assert!(least > 0.0 && least <= median, "{e}");
        assert_eq!(e["turn_medians_ms"].as_array().unwrap().len(), 3, "{e}");
    }
    for ratio in ["ort_all_over_fused", "qrun_fusion_speedup", "ort_fusion_speedup", "fold_speedup"] {
        let r = summary[ratio].as_f64().unwrap();
        assert!(r.is_finite() && r > 0.0, "{ratio}: {summary}");
    }
    assert!(summary["fused_faster_rounds"].as_u64().unwrap() <= 3, "{summary}");
}

#[test]
fn refuses_models_that_compute_different_things() {
    let dir = tempfile::tempdir().unwrap();
    let [unfused, _, onnx] = models(dir.path());
    let other = dir.path().join("other.mlir");
    std::fs::write(&other, UNFUSED.replace("dense<0.05>", "dense<0.07>")).unwrap();
    let out = vs_ort(&ort_library(), &[unfused, other, onnx], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("qrun JIT, fused graph: output differs from ORT_ENABLE_ALL's"), "{stderr}");
}

#[test]
fn a_missing_runtime_library_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = vs_ort("/nonexistent/libonnxruntime.so", &models(dir.path()), &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error: ") && !stderr.contains("panicked"), "{stderr}");
}

#[test]
fn an_invalid_model_is_reported_at_its_location() {
    let dir = tempfile::tempdir().unwrap();
    let [unfused, _, onnx] = models(dir.path());
    let bad = dir.path().join("bad.mlir");
    std::fs::write(&bad, UNFUSED.replace("%r = \"quant.relu\"(%n)", "%r = \"quant.relu\"(%q)")).unwrap();
    let out = vs_ort(&ort_library(), &[unfused, bad.clone(), onnx], &[]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("{}:9:", bad.display())) && stderr.contains("error:"), "{stderr}");
}
