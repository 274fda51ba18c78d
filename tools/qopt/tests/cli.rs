//! qopt's command-line contract: exit codes, error format, and that no run
//! loses data (no partial output, previous output kept, input never
//! overwritten).

use std::{
    fs,
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/conv-bn-relu.mlir");

fn qopt(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qopt")).args(args).output().expect("qopt runs")
}

fn qopt_stdin(args: &[&str], stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_qopt"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("qopt starts");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Files in `dir` other than `keep` (temporary files left behind would show here).
fn other_files(dir: &Path, keep: &[&Path]) -> Vec<PathBuf> {
    fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| !keep.contains(&p.as_path())).collect()
}

/// xorshift bytes: deterministic junk without a dependency.
fn junk(seed: u64, len: usize) -> Vec<u8> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect()
}

#[test]
fn random_bytes_fail_cleanly_without_output() {
    let dir = tempfile::tempdir().unwrap();
    for (seed, len) in [(1, 0), (2, 1), (3, 17), (4, 4096), (5, 100_000)] {
        let input = dir.path().join(format!("junk{seed}.mlir"));
        let mut bytes = junk(seed, len);
        if seed == 4 {
            bytes.splice(0..0, b"ML\xEFR".iter().copied()); // claims to be bytecode
        }
        fs::write(&input, &bytes).unwrap();
        let output = dir.path().join(format!("out{seed}.mlir"));
        let out = qopt(&[path_str(&input), "-o", path_str(&output), "--fuse-bn"]);
        let message = stderr(&out);
        if len == 0 {
            // An empty file is an empty module, as in mlir-opt.
            assert!(out.status.success(), "{message}");
            continue;
        }
        assert_eq!(out.status.code(), Some(1), "seed {seed}: {message}");
        assert!(!output.exists(), "seed {seed}: output written on failure");
        assert!(message.contains("error"), "seed {seed}: {message}");
        assert!(!message.contains("panicked"), "seed {seed}: {message}");
    }
    let leftovers: Vec<PathBuf> = other_files(dir.path(), &[&dir.path().join("out1.mlir")])
        .into_iter()
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("junk"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
}

#[test]
fn errors_point_at_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.mlir");
    fs::write(
        &input,
        "func.func @f(%x: tensor<1x3x8x8xf32>, %w: tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32> {\n  \
         %0 = \"quant.conv2d\"(%x, %w) : (tensor<1x3x8x8xf32>, tensor<4x2x3x3xf32>) -> tensor<1x4x6x6xf32>\n  \
         return %0 : tensor<1x4x6x6xf32>\n}\n",
    )
    .unwrap();
    let out = qopt(&[path_str(&input)]);
    assert_eq!(out.status.code(), Some(1));
    let expected = format!(
        "{}:2:8: error: 'quant.conv2d' op input channels (3) must equal weight in-channels (2)",
        input.display()
    );
    assert!(stderr(&out).contains(&expected), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "nothing is printed for an invalid module");
}

#[test]
fn failed_run_keeps_previous_output() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("bad.mlir");
    fs::write(&input, "func.func @f() {\n  %0 = \"quant.relu\"() : () -> tensor<2xf32>\n}\n").unwrap();
    let output = dir.path().join("out.mlir");
    fs::write(&output, "previous result\n").unwrap();
    let out = qopt(&[path_str(&input), "-o", path_str(&output)]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&output).unwrap(), "previous result\n");
    assert!(other_files(dir.path(), &[&input, &output]).is_empty(), "a temporary file was left behind");
}

#[test]
fn output_equal_to_input_is_refused_unless_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("model.mlir");
    let original = fs::read_to_string(EXAMPLE).unwrap();
    fs::write(&input, &original).unwrap();
    let out = qopt(&[path_str(&input), "-o", path_str(&input), "--fuse-bn"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--in-place"), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&input).unwrap(), original);

    let out = qopt(&[path_str(&input), "--in-place", "--fuse-bn"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rewritten = fs::read_to_string(&input).unwrap();
    assert!(rewritten.contains("quant.conv2d") && !rewritten.contains("quant.batch_norm"), "{rewritten}");
}

#[test]
fn reads_stdin() {
    let out = qopt_stdin(&["--fuse-bn"], &fs::read(EXAMPLE).unwrap());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("quant.conv2d") && !text.contains("quant.batch_norm"), "{text}");

    let out = qopt_stdin(&["-"], b"func.func @f( {");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("<stdin>:1:"), "{}", stderr(&out));
}

#[test]
fn bytecode_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let bytecode = dir.path().join("model.mlirbc");
    let out = qopt(&[EXAMPLE, "--emit=bytecode", "-o", path_str(&bytecode)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(fs::read(&bytecode).unwrap().starts_with(b"ML\xEFR"));
    let from_text = qopt(&[EXAMPLE]);
    let from_bytecode = qopt(&[path_str(&bytecode)]);
    assert!(from_bytecode.status.success(), "{}", stderr(&from_bytecode));
    assert_eq!(String::from_utf8_lossy(&from_text.stdout), String::from_utf8_lossy(&from_bytecode.stdout));
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let text = format!("func.func @f() attributes {{a = {}{}}} {{ return }}", "[".repeat(depth), "]".repeat(depth));
    let out = qopt_stdin(&[], text.as_bytes());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("nesting"), "{}", stderr(&out));
}

#[test]
fn config_errors_name_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.yaml");
    fs::write(&config, "SCHEDULE:\n  FUSE_BN: true\n  FUSE_EVERYTHING: true\n").unwrap();
    let out = qopt(&[EXAMPLE, "--fuse-operations", "--config", path_str(&config)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("FUSE_EVERYTHING"), "{}", stderr(&out));

    fs::write(&config, "SCHEDULE:\n  FUSE_BN: false\n").unwrap();
    let out = qopt(&[EXAMPLE, "--fuse-operations", "--config", path_str(&config)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("quant.batch_norm"), "FUSE_BN: false keeps the BN");

    let out = qopt(&[EXAMPLE, "--fuse-list", "fuse_bn,fuse_everything"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("fuse_everything"), "{}", stderr(&out));
}

#[test]
fn usage_errors_exit_2() {
    let out = qopt(&["--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let out = qopt(&[EXAMPLE, "-p", "quant-fuse-bn,no-such-pass"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-pass"), "{}", stderr(&out));
    let out = qopt(&["/no/such/file.mlir"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("/no/such/file.mlir"), "{}", stderr(&out));
}
