//! Writing `quant` dialect ops as MLIR text, one SSA value at a time.

use std::io::{self, Write};

/// An SSA value and its static shape (element type f32 unless stated).
#[derive(Clone, Debug)]
pub struct Val {
    pub name: String,
    pub shape: Vec<usize>,
}

pub fn tensor_type(shape: &[usize], elem: &str) -> String {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    format!("tensor<{}x{elem}>", dims.join("x"))
}

pub struct Emitter<W: Write> {
    out: W,
    next: usize,
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

impl<W: Write> Emitter<W> {
    pub fn new(out: W) -> Self {
        Emitter { out, next: 0 }
    }

    pub fn raw(&mut self, text: &str) -> io::Result<()> {
        self.out.write_all(text.as_bytes())
    }

    fn fresh(&mut self, shape: &[usize]) -> Val {
        self.next += 1;
        Val { name: format!("%v{}", self.next), shape: shape.to_vec() }
    }

    /// An f32 constant as hex `dense` (never decimal text: big weights stay fast to parse).
    pub fn constant(&mut self, values: &[f32], shape: &[usize]) -> io::Result<Val> {
        let v = self.fresh(shape);
        write!(self.out, "    {} = arith.constant dense<\"0x", v.name)?;
        let mut line = Vec::with_capacity(values.len() * 8);
        for x in values {
            for byte in x.to_le_bytes() {
                line.push(HEX[(byte >> 4) as usize]);
                line.push(HEX[(byte & 15) as usize]);
            }
        }
        self.out.write_all(&line)?;
        writeln!(self.out, "\"> : {}", tensor_type(shape, "f32"))?;
        Ok(v)
    }

    /// `"quant.<op>"(operands) {attrs} : (operand types) -> result type`.
    pub fn op(&mut self, op: &str, operands: &[&Val], attrs: &str, result: &[usize]) -> io::Result<Val> {
        let types: Vec<String> = operands.iter().map(|o| tensor_type(&o.shape, "f32")).collect();
        self.typed_op(op, operands, &types, attrs, result, "f32")
    }

    fn typed_op(
        &mut self,
        op: &str,
        operands: &[&Val],
        operand_types: &[String],
        attrs: &str,
        result: &[usize],
        result_elem: &str,
    ) -> io::Result<Val> {
        let v = self.fresh(result);
        let names: Vec<&str> = operands.iter().map(|o| o.name.as_str()).collect();
        let attrs = if attrs.is_empty() { String::new() } else { format!(" {{{attrs}}}") };
        writeln!(
            self.out,
            "    {} = \"quant.{op}\"({}){attrs} : ({}) -> {}",
            v.name,
            names.join(", "),
            operand_types.join(", "),
            tensor_type(result, result_elem)
        )?;
        Ok(v)
    }

    /// quantize → dequantize with the given (already formatted) parameters.
    fn qdq(&mut self, x: &Val, params: &str) -> io::Result<Val> {
        let f32_ty = tensor_type(&x.shape, "f32");
        let i8_ty = tensor_type(&x.shape, "i8");
        let q = self.typed_op("quantize", &[x], &[f32_ty], params, &x.shape, "i8")?;
        self.typed_op("dequantize", &[&q], &[i8_ty], params, &x.shape, "f32")
    }

    /// Per-tensor int8 fake quantization of an activation.
    pub fn fake_quant(&mut self, x: &Val, scale: f32) -> io::Result<Val> {
        self.qdq(x, &format!("scale = {scale:.8e} : f32, zero_point = 0 : i32"))
    }

    /// Per-channel (axis 0) symmetric int8 fake quantization of a weight.
    pub fn fake_quant_weight(&mut self, w: &Val, values: &[f32]) -> io::Result<Val> {
        let per = values.len() / w.shape[0];
        let scales: Vec<String> = values
            .chunks(per)
            .map(|c| format!("{:.8e}", c.iter().fold(0f32, |m, x| m.max(x.abs())).max(1e-8) / 127.0))
            .collect();
        let n = w.shape[0];
        let params = format!(
            "scale = dense<[{}]> : tensor<{n}xf32>, zero_point = dense<0> : tensor<{n}xi32>, axis = 0 : i64",
            scales.join(", ")
        );
        self.qdq(w, &params)
    }
}
