//! Shared by the ONNX tests: the Python venv, the generated models, reading
//! TensorProto files, importing and running a model, comparing outputs.
#![allow(dead_code)] // each test binary uses a different part

use ndarray::{ArrayD, IxDyn};
use quant_onnx::constant::{Const, Data, Elem};
use quant_onnx::proto::TensorProto;
use quant_runtime::{Interpreter, Tensor};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The venv python (created on first use by scripts/python-env.sh).
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let out = Command::new("bash").arg(workspace().join("scripts/python-env.sh")).output().unwrap();
        assert!(out.status.success(), "python-env.sh failed: {}", String::from_utf8_lossy(&out.stderr));
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

pub fn run_python(args: &[&std::ffi::OsStr]) {
    let out = Command::new(python()).args(args).output().unwrap();
    assert!(out.status.success(), "python {args:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
}

/// The folder of the models built by tests/onnx/make_models.py (built once per test binary).
pub fn models() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let script = workspace().join("tests/onnx/make_models.py");
        run_python(&[script.as_os_str(), dir.path().as_os_str()]);
        dir
    })
    .path()
}

pub fn read_tensor(path: &Path) -> Const {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let proto: TensorProto = prost::Message::decode(bytes.as_slice()).unwrap();
    Const::from_proto(&proto, None).unwrap()
}

pub fn to_tensor(c: &Const) -> Tensor {
    let shape = IxDyn(&c.shape);
    match &c.data {
        Data::F32(v) => Tensor::F32(ArrayD::from_shape_vec(shape, v.clone()).unwrap()),
        Data::Int(e, v) => {
            let elem = match e {
                Elem::I8 => quant_dialect::tensor::ElemType::I8,
                Elem::U8 => quant_dialect::tensor::ElemType::U8,
                _ => quant_dialect::tensor::ElemType::I32,
            };
            Tensor::Int { elem, data: ArrayD::from_shape_vec(shape, v.iter().map(|&x| x as i32).collect()).unwrap() }
        }
    }
}

/// The `kind_<i>.pb` files of a test data folder, in order.
pub fn data_files(dir: &Path, kind: &str) -> Vec<PathBuf> {
    (0..).map(|i| dir.join(format!("{kind}_{i}.pb"))).take_while(|p| p.exists()).collect()
}

/// A case: `model.onnx` and `test_data_set_0/{input,output}_<i>.pb`.
pub struct Case {
    pub model: PathBuf,
    pub inputs: Vec<Const>,
    pub outputs: Vec<Const>,
}

impl Case {
    pub fn load(dir: &Path) -> Case {
        let data = dir.join("test_data_set_0");
        Case {
            model: dir.join("model.onnx"),
            inputs: data_files(&data, "input").iter().map(|p| read_tensor(p)).collect(),
            outputs: data_files(&data, "output").iter().map(|p| read_tensor(p)).collect(),
        }
    }

    pub fn named(name: &str) -> Case {
        Case::load(&models().join(name))
    }
}

/// Parses and verifies imported MLIR text, then runs it on `inputs`.
pub fn run_mlir(text: &str, inputs: &[Const]) -> Result<Vec<ArrayD<f32>>, String> {
    let context = quant_dialect::create_context().unwrap();
    let module = quant_dialect::parse_source(&context, text, "imported.mlir").ok_or("the import does not parse")?;
    quant_dialect::verify::verify_module(&module).map_err(|e| format!("the import does not verify: {e:?}"))?;
    let interpreter = Interpreter::new(&module, "main").map_err(|e| e.to_string())?;
    let inputs: Vec<Tensor> = inputs.iter().map(to_tensor).collect();
    let outputs = interpreter.run(&inputs).map_err(|e| e.to_string())?;
    Ok(outputs.into_iter().map(|t| t.as_f32().expect("f32 output").clone()).collect())
}

/// Largest element difference relative to the reference tensor's largest
/// magnitude (at least 1), so values near zero are not judged alone.
pub fn relative_error(got: &ArrayD<f32>, want: &Const) -> f32 {
    assert_eq!(got.shape(), want.shape.as_slice(), "output shape");
    let want = want.to_f32();
    let scale = want.iter().fold(1f32, |m, x| m.max(x.abs()));
    got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max) / scale
}

/// Imports a case, runs it and checks every output within `tolerance`.
pub fn check_case(case: &Case, tolerance: f32) -> Result<(), String> {
    let text = quant_onnx::import::import_file(&case.model).map_err(|e| e.to_string())?;
    let got = run_mlir(&text, &case.inputs)?;
    for (i, (g, w)) in got.iter().zip(&case.outputs).enumerate() {
        let err = relative_error(g, w);
        if err.is_nan() || err > tolerance {
            return Err(format!("output #{i}: relative error {err:e} > {tolerance:e}"));
        }
    }
    Ok(())
}
