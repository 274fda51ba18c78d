//! Builds tests/c/run_pipeline.c with `cc` against libquant_capi.a (which
//! carries MLIR's C API) and the static LLVM libraries, runs it on the
//! bundled example and checks the IR it prints.

use std::{
    path::{Path, PathBuf},
    process::Command,
};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("capi/ is inside the repository").to_path_buf()
}

/// The MLIR/LLVM prefix mlir-sys was built against (set in .cargo/config.toml).
fn llvm_prefix() -> PathBuf {
    PathBuf::from(std::env::var("MLIR_SYS_220_PREFIX").unwrap_or_else(|_| "/usr/lib/llvm-22".into()))
}

/// The libquant_capi.a cargo built for this test: in test builds it is not
/// copied up to target/<profile>/, so take the newest in target/<profile>/deps/
/// (cargo builds it, with the rlib, before it runs this test).
fn static_library() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let deps = exe.parent().expect("target/<profile>/deps/<test>");
    let newest = std::fs::read_dir(deps)
        .expect("read target/<profile>/deps")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_str().is_some_and(|n| n.starts_with("libquant_capi-") && n.ends_with(".a")))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .max();
    newest.map(|(_, path)| path).unwrap_or_else(|| panic!("no libquant_capi-*.a in {}", deps.display()))
}

/// The flags `llvm-config` gives for linking LLVM statically, as mlir-sys does.
fn llvm_link_flags() -> Vec<String> {
    let output = Command::new(llvm_prefix().join("bin/llvm-config"))
        .args(["--link-static", "--ldflags", "--libs", "--system-libs"])
        .output()
        .expect("run llvm-config (package llvm-22-dev)");
    assert!(output.status.success(), "llvm-config failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 flags").split_whitespace().map(str::to_string).collect()
}

fn build_c_program() -> PathBuf {
    let root = repo_root();
    let exe = Path::new(env!("CARGO_TARGET_TMPDIR")).join("run_pipeline");
    let status = Command::new(std::env::var("CC").unwrap_or_else(|_| "cc".into()))
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-o"])
        .arg(&exe)
        .arg(root.join("tests/c/run_pipeline.c"))
        .arg("-I")
        .arg(root.join("include"))
        .arg("-I")
        .arg(llvm_prefix().join("include"))
        .arg(static_library())
        .args(llvm_link_flags())
        // What the Rust standard library and MLIR's C++ need.
        .args(["-lstdc++", "-lgcc_s", "-lutil", "-lpthread", "-lm", "-ldl", "-lc"])
        .status()
        .expect("run cc");
    assert!(status.success(), "cc failed to build tests/c/run_pipeline.c");
    exe
}

/// The IR printed under `// ----- title`, up to the next section.
fn section<'a>(stdout: &'a str, title: &str) -> &'a str {
    let start = stdout.find(&format!("// ----- {title}\n")).unwrap_or_else(|| panic!("no '{title}' in:\n{stdout}"));
    let body = &stdout[start..];
    let end = body[1..].find("// -----").map_or(body.len(), |i| i + 1);
    &body[..end]
}

#[test]
fn c_program_runs_the_passes_through_the_c_api() {
    let exe = build_c_program();
    let output = Command::new(&exe).arg(repo_root().join("examples/conv-bn-relu.mlir")).output().expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "run_pipeline failed\nstdout:\n{stdout}\nstderr:\n{stderr}");

    for title in ["default pipeline", "own pass manager"] {
        let ir = section(&stdout, title);
        assert!(!ir.contains("quant.batch_norm"), "{title}: batch_norm survived:\n{ir}");
        assert_eq!(ir.matches("\"quant.conv2d\"").count(), 1, "{title}:\n{ir}");
        // The folded batch norm becomes the conv's bias: a third operand.
        assert!(ir.contains("(tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>)"), "{title}:\n{ir}");
        assert!(ir.contains("\"quant.relu\""), "{title}:\n{ir}");
        // The input's Q/DQ pair is not an edge a backend fuses: it stays.
        assert!(ir.contains("\"quant.quantize\"") && ir.contains("\"quant.dequantize\""), "{title}:\n{ir}");
        // The original gamma/beta/mean/variance constants were pruned.
        assert_eq!(ir.matches("arith.constant").count(), 2, "{title}:\n{ir}");
    }
    assert!(stdout.contains("// ----- upstream quant refused: yes"), "{stdout}");
    assert!(stderr.contains("upstream `quant` dialect"), "the clash is reported as a diagnostic:\n{stderr}");
}
