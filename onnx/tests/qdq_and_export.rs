//! The QDQ model from onnxruntime.quantization.quantize_static (per-channel
//! int8 weights): import, run, fuse-bn; and export → ONNX Runtime round trips.

mod common;

use common::{relative_error, run_mlir, run_python, workspace, Case};
use melior::pass::PassManager;
use quant_onnx::{constant::Const, proto::ModelProto};
use std::path::Path;

fn load_model(path: &Path) -> ModelProto {
    prost::Message::decode(std::fs::read(path).unwrap().as_slice()).unwrap()
}

/// The output scale of the QDQ model and its number of QuantizeLinear ops.
fn output_step_and_depth(case: &Case) -> (f32, usize) {
    let model = load_model(&case.model);
    let graph = model.graph.unwrap();
    let scale = graph.initializer.iter().find(|t| t.name() == "y_scale").unwrap();
    let depth = graph.node.iter().filter(|n| n.op_type() == "QuantizeLinear").count();
    (Const::from_proto(scale, None).unwrap().to_f32()[0], depth)
}

/// Within one quantization step of the output per quantizing op, and the same argmax.
fn assert_within_steps(got: &ndarray::ArrayD<f32>, want: &Const, step: f32, ops: usize, what: &str) {
    let want = want.to_f32();
    let max = got.iter().zip(&want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
    assert!(max <= step * ops as f32, "{what}: max difference {max} > {ops} steps of {step}");
    let argmax = |v: &mut dyn Iterator<Item = f32>| {
        v.enumerate().fold((0, f32::MIN), |best, (i, x)| if x > best.1 { (i, x) } else { best }).0
    };
    assert_eq!(argmax(&mut got.iter().copied()), argmax(&mut want.iter().copied()), "{what}: top-1 differs");
    eprintln!("{what}: max difference {max} = {:.2} output steps", max / step);
}

fn fuse_bn(text: &str) -> String {
    let context = quant_dialect::create_context().unwrap();
    let mut module = quant_dialect::parse_source(&context, text, "qdq.mlir").unwrap();
    let pm = PassManager::new(&context);
    pm.add_pass(quant_compiler::fuse_bn());
    pm.add_pass(quant_compiler::prune());
    pm.run(&mut module).unwrap();
    module.as_operation().to_string()
}

#[test]
fn qdq_resnet_matches_ort() {
    let case = Case::named("resnet_qdq");
    let (step, ops) = output_step_and_depth(&case);
    let text = quant_onnx::import::import_file(&case.model).unwrap();
    assert!(text.contains("axis = 0 : i64") && text.contains("xi8>"), "per-channel int8 weights expected:\n{text}");
    let got = run_mlir(&text, &case.inputs).unwrap();
    assert_within_steps(&got[0], &case.outputs[0], step, ops, "imported QDQ model");
}

#[test]
fn qdq_resnet_fuse_bn() {
    let case = Case::named("resnet_qdq");
    let (step, ops) = output_step_and_depth(&case);
    let text = quant_onnx::import::import_file(&case.model).unwrap();
    assert_eq!(text.matches("quant.batch_norm").count(), 3);
    let fused = fuse_bn(&text);
    assert!(!fused.contains("quant.batch_norm"), "{fused}");
    let got = run_mlir(&fused, &case.inputs).unwrap();
    assert_within_steps(&got[0], &case.outputs[0], step, ops, "fused QDQ model");
}

/// Exports `text`, runs the ONNX model in ONNX Runtime and returns its outputs.
fn run_exported(text: &str, inputs: &[&Path]) -> Vec<Const> {
    let context = quant_dialect::create_context().unwrap();
    let module = quant_dialect::parse_source(&context, text, "export.mlir").unwrap();
    let model = quant_onnx::export::export_module(&module, "main").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("exported.onnx");
    std::fs::write(&path, prost::Message::encode_to_vec(&model)).unwrap();
    let script = workspace().join("tests/onnx/run_ort.py");
    let mut args = vec![script.as_os_str(), path.as_os_str(), dir.path().as_os_str()];
    args.extend(inputs.iter().map(|p| p.as_os_str()));
    run_python(&args);
    common::data_files(dir.path(), "output").iter().map(|p| common::read_tensor(p)).collect()
}

fn input_files(name: &str) -> Vec<std::path::PathBuf> {
    common::data_files(&common::models().join(name).join("test_data_set_0"), "input")
}

#[test]
fn float_models_round_trip_through_ort() {
    for name in ["conv_bn_relu", "gemm", "pooling", "activations", "legacy_opset9", "resnet_float"] {
        let case = Case::named(name);
        let text = quant_onnx::import::import_file(&case.model).unwrap();
        let files = input_files(name);
        let outputs = run_exported(&text, &files.iter().map(|p| p.as_path()).collect::<Vec<_>>());
        assert_eq!(outputs.len(), case.outputs.len(), "{name}");
        for (got, want) in outputs.iter().zip(&case.outputs) {
            let got = ndarray::ArrayD::from_shape_vec(got.shape.clone(), got.to_f32()).unwrap();
            let err = relative_error(&got, want);
            assert!(err <= 2e-4, "{name}: ORT on the exported model differs by {err:e}");
        }
    }
}

#[test]
fn qdq_round_trip_through_ort() {
    let case = Case::named("resnet_qdq");
    let (step, ops) = output_step_and_depth(&case);
    let text = quant_onnx::import::import_file(&case.model).unwrap();
    let files = input_files("resnet_qdq");
    let files: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let same = run_exported(&text, &files);
    let got = ndarray::ArrayD::from_shape_vec(same[0].shape.clone(), same[0].to_f32()).unwrap();
    assert_eq!(relative_error(&got, &case.outputs[0]), 0.0, "the exported QDQ model must run exactly as the original");
    // The fused model also exports and runs in ONNX Runtime.
    let fused = run_exported(&fuse_bn(&text), &files);
    let got = ndarray::ArrayD::from_shape_vec(fused[0].shape.clone(), fused[0].to_f32()).unwrap();
    assert_within_steps(&got, &case.outputs[0], step, ops, "fused model in ORT");
}
