//! Running `quant` dialect modules.
//!
//! [`Interpreter`] is the reference interpreter: plain ndarray loops with f64
//! accumulation, written to be obviously correct rather than fast. It is the
//! oracle of every numerical test (fused vs unfused graphs, JIT kernels).
//!
//! ```
//! use quant_runtime::{Interpreter, Tensor};
//! let context = quant_dialect::create_context().unwrap();
//! let source = r#"func.func @main(%x: tensor<2xf32>) -> tensor<2xf32> {
//!   %y = "quant.relu"(%x) : (tensor<2xf32>) -> tensor<2xf32>
//!   return %y : tensor<2xf32>
//! }"#;
//! let module = quant_dialect::parse_source(&context, source, "doc.mlir").unwrap();
//! let interpreter = Interpreter::new(&module, "main").unwrap();
//! let x = Tensor::F32(ndarray::arr1(&[-1.0f32, 2.0]).into_dyn());
//! let y = interpreter.run(&[x]).unwrap();
//! assert_eq!(y[0], Tensor::F32(ndarray::arr1(&[0.0f32, 2.0]).into_dyn()));
//! ```

mod error;
pub mod jit;
mod numbering;
pub mod reference;
mod tensor;

pub use error::{RuntimeError, Site};
pub use jit::Executor;
pub use reference::{BatchStats, Interpreter};
pub use tensor::{Tensor, TensorSpec};
