//! The op kinds of the dialect. Operands and required attributes are defined
//! once, in `irdl/quant.irdl.mlir`; this enum only names the ops for Rust
//! code, and a test checks that both lists agree.

macro_rules! op_kinds {
    ($($kind:ident => $name:literal),* $(,)?) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum OpKind { $($kind),* }

        impl OpKind {
            pub const ALL: &'static [OpKind] = &[$(OpKind::$kind),*];

            /// The name without the dialect prefix, as in the IRDL file.
            pub fn short_name(self) -> &'static str {
                match self { $(OpKind::$kind => $name),* }
            }

            /// The full op name, `quant.<short_name>`.
            pub fn name(self) -> &'static str {
                match self { $(OpKind::$kind => concat!("quant.", $name)),* }
            }

            pub fn from_name(name: &str) -> Option<OpKind> {
                match name { $(concat!("quant.", $name) => Some(OpKind::$kind),)* _ => None }
            }
        }
    };
}

op_kinds! {
    Conv2d => "conv2d",
    Linear => "linear",
    BatchNorm => "batch_norm",
    Relu => "relu",
    Relu6 => "relu6",
    Sigmoid => "sigmoid",
    Silu => "silu",
    Mish => "mish",
    LeakyRelu => "leaky_relu",
    HardSigmoid => "hardsigmoid",
    Gelu => "gelu",
    Clip => "clip",
    Add => "add",
    MaxPool2d => "max_pool2d",
    AvgPool2d => "avg_pool2d",
    GlobalAvgPool => "global_avg_pool",
    Reshape => "reshape",
    Transpose => "transpose",
    Concat => "concat",
    Softmax => "softmax",
    Quantize => "quantize",
    Dequantize => "dequantize",
}

impl OpKind {
    /// The kind of a `quant` op; `None` for any other op.
    pub fn of<'c: 'a, 'a>(op: &impl melior::ir::operation::OperationLike<'c, 'a>) -> Option<OpKind> {
        op.name().as_string_ref().as_str().ok().and_then(OpKind::from_name)
    }

    /// Element-wise ops with one input and an output of the same type.
    pub fn is_unary_elementwise(self) -> bool {
        use OpKind::*;
        matches!(self, Relu | Relu6 | Sigmoid | Silu | Mish | LeakyRelu | HardSigmoid | Gelu | Clip)
    }
}
