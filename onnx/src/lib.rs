//! ONNX in and out of the `quant` dialect: [`import`] turns an ONNX model
//! into MLIR text of the dialect, [`export`] turns a module back into ONNX.

pub mod constant;
pub mod export;
pub mod import;

/// The ONNX protobuf messages, generated at build time from `proto/onnx.proto`.
#[allow(clippy::all, missing_docs)]
pub mod proto {
    include!(concat!(env!("OUT_DIR"), "/onnx.rs"));
}
