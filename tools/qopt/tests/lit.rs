//! Runs the FileCheck tests in tests/lit with LLVM's `lit`, against the qopt
//! binary cargo just built.

use std::{path::Path, process::Command};

#[test]
fn lit_suite() {
    let qopt = Path::new(env!("CARGO_BIN_EXE_qopt"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/lit");
    let llvm_bin = std::env::var("LLVM_TOOLS_DIR").unwrap_or_else(|_| "/usr/lib/llvm-22/bin".into());
    let lit = Path::new(&llvm_bin).join("lit");
    assert!(lit.exists(), "{} is missing: run scripts/setup.sh (package llvm-22-tools)", lit.display());
    let output = Command::new(&lit)
        .arg("-v")
        .arg(&root)
        .env("QOPT_BIN_DIR", qopt.parent().unwrap())
        .env("LLVM_TOOLS_DIR", &llvm_bin)
        .output()
        .expect("lit runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    print!("{stdout}");
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "lit reported failures");
    assert!(stdout.contains("Passed"), "lit ran no test");
}
