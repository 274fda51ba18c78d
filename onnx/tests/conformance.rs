//! ONNX conformance of the reference interpreter (through the importer):
//! the pytorch-converted cases shipped in the onnx wheel must match within
//! 1e-4 relative. Cases the importer or the dialect cannot express (3-D
//! conv/pool, ops outside the dialect) are listed as skipped with the reason,
//! in the test's output; a case that imports but computes wrong fails.

mod common;

use common::{check_case, python, Case};
use std::path::PathBuf;
use std::process::Command;

const TOLERANCE: f32 = 1e-4;

/// Cases that must run (not be skipped): the ops of the dialect.
const REQUIRED: &[&str] = &[
    "test_AvgPool1d",
    "test_AvgPool2d",
    "test_AvgPool2d_stride",
    "test_BatchNorm1d_3d_input_eval",
    "test_BatchNorm2d_eval",
    "test_BatchNorm2d_momentum_eval",
    "test_Conv1d",
    "test_Conv2d",
    "test_Conv2d_depthwise",
    "test_Conv2d_depthwise_padded",
    "test_Conv2d_depthwise_strided",
    "test_Conv2d_depthwise_with_multiplier",
    "test_Conv2d_dilated",
    "test_Conv2d_groups",
    "test_Conv2d_no_bias",
    "test_Conv2d_padding",
    "test_Conv2d_strided",
    "test_LeakyReLU",
    "test_LeakyReLU_with_negval",
    "test_Linear",
    "test_Linear_no_bias",
    "test_MaxPool1d",
    "test_MaxPool2d",
    "test_ReLU",
    "test_Sigmoid",
    "test_Softmax",
    "test_softmax_functional_dim3",
    "test_softmax_lastdim",
    "test_PixelShuffle",
];

fn pytorch_converted() -> PathBuf {
    let out =
        Command::new(python()).args(["-c", "import onnx, os; print(os.path.dirname(onnx.__file__))"]).output().unwrap();
    assert!(out.status.success());
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim()).join("backend/test/data/pytorch-converted")
}

#[test]
fn pytorch_converted_cases() {
    let root = pytorch_converted();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    let (mut passed, mut skipped, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let case = Case::load(dir);
        match quant_onnx::import::import_file(&case.model) {
            Err(e) => skipped.push(format!("{name}: {e}")),
            Ok(_) => match check_case(&case, TOLERANCE) {
                Ok(()) => passed.push(name),
                Err(e) => failed.push(format!("{name}: {e}")),
            },
        }
    }
    println!("passed ({}): {}", passed.len(), passed.join(", "));
    println!("skipped ({}), the importer or the dialect cannot express them:", skipped.len());
    skipped.iter().for_each(|s| println!("  {s}"));
    let missing: Vec<_> = REQUIRED.iter().filter(|r| !passed.iter().any(|p| p == *r)).collect();
    assert!(failed.is_empty(), "cases that import but differ from ONNX:\n{}", failed.join("\n"));
    assert!(missing.is_empty(), "required cases did not run: {missing:?}");
}
