//! The `quant` MLIR dialect: its IRDL definition, context set-up, typed
//! access to op attributes and constant tensors, and the semantic verifier.
//!
//! ```
//! let context = quant_dialect::create_context().unwrap();
//! let module = quant_dialect::parse_source(&context, "func.func @main() { return }", "inline").unwrap();
//! assert!(quant_dialect::verify::verify_module(&module).is_ok());
//! ```

pub mod attrs;
pub mod context;
pub mod diag;
pub mod ffi;
pub mod func;
pub mod ops;
pub mod qparams;
pub mod tensor;
pub mod verify;
pub mod views;

pub use context::{create_context, load, parse_source, DialectError, IRDL_SOURCE};
pub use ops::OpKind;
