//! Spelling MLIR text: tensor types, exact float attributes and dense
//! constants (short ones in decimal, the rest as hex so that weights are
//! never printed and re-parsed as long decimal lists).

use crate::constant::{Const, Data, Elem};
use std::fmt::Write;

/// Dense constants up to this many elements are printed in decimal.
const DECIMAL_LIMIT: usize = 16;

pub fn tensor_type(shape: &[usize], elem: Elem) -> String {
    let mut s = String::from("tensor<");
    for d in shape {
        let _ = write!(s, "{d}x");
    }
    s.push_str(elem.mlir());
    s.push('>');
    s
}

/// A decimal float literal MLIR parses back to exactly `x` (MLIR reads it as
/// a double and rounds to f32), or `None` (NaN, infinities, rare ties).
fn decimal(x: f32) -> Option<String> {
    if !x.is_finite() {
        return None;
    }
    let mut s = format!("{x:?}");
    // MLIR's float literals need a '.' before any exponent: `1e-5` lexes as an integer.
    if let Some(e) = s.find('e').filter(|_| !s.contains('.')) {
        s.insert_str(e, ".0");
    }
    let back: f64 = s.parse().ok()?;
    ((back as f32).to_bits() == x.to_bits()).then_some(s)
}

/// An `f32` attribute value: decimal when exact, else the bit pattern in hex.
pub fn f32_attr(x: f32) -> String {
    match decimal(x) {
        Some(s) => format!("{s} : f32"),
        None => format!("0x{:08X} : f32", x.to_bits()),
    }
}

/// `dense<...>` for `c` (without the type).
pub fn dense(c: &Const) -> String {
    let decimals: Option<Vec<String>> = match &c.data {
        Data::F32(v) => v.iter().map(|&x| decimal(x)).collect(),
        Data::Int(_, v) => Some(v.iter().map(i64::to_string).collect()),
    };
    match decimals {
        Some(d) if !d.is_empty() && d.iter().all(|x| *x == d[0]) => format!("dense<{}>", d[0]),
        Some(d) if c.shape.len() <= 1 && d.len() <= DECIMAL_LIMIT => format!("dense<[{}]>", d.join(", ")),
        _ => format!("dense<\"0x{}\">", hex(c)),
    }
}

/// The little-endian bytes of the values, as MLIR's hex dense format wants.
fn hex(c: &Const) -> String {
    let mut s = String::with_capacity(c.len() * c.elem().byte_size() * 2);
    let mut push = |bytes: &[u8]| bytes.iter().for_each(|b| _ = write!(s, "{b:02X}"));
    match &c.data {
        Data::F32(v) => v.iter().for_each(|x| push(&x.to_le_bytes())),
        Data::Int(Elem::I8 | Elem::U8, v) => v.iter().for_each(|&x| push(&[x as u8])),
        Data::Int(Elem::I64, v) => v.iter().for_each(|x| push(&x.to_le_bytes())),
        Data::Int(_, v) => v.iter().for_each(|&x| push(&(x as i32).to_le_bytes())),
    }
    s
}

/// `array<i64: a, b>`.
pub fn i64_array(values: &[usize]) -> String {
    let items: Vec<String> = values.iter().map(usize::to_string).collect();
    format!("array<i64: {}>", items.join(", "))
}

/// A string literal with MLIR's escapes.
pub fn string(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            c if c.is_ascii_graphic() || c == ' ' => out.push(c),
            c => {
                let mut buf = [0; 4];
                c.encode_utf8(&mut buf).bytes().for_each(|b| _ = write!(out, "\\{b:02X}"));
            }
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_exact() {
        assert_eq!(f32_attr(1e-5), "1.0e-5 : f32");
        assert_eq!(f32_attr(0.1), "0.1 : f32");
        assert_eq!(f32_attr(f32::INFINITY), "0x7F800000 : f32");
    }

    #[test]
    fn dense_forms() {
        assert_eq!(dense(&Const::f32(vec![2], vec![1.0, 0.5])), "dense<[1.0, 0.5]>");
        assert_eq!(dense(&Const::f32(vec![2, 2], vec![3.0; 4])), "dense<3.0>");
        assert_eq!(dense(&Const::f32(vec![1, 2], vec![1.0, 2.0])), "dense<\"0x0000803F00000040\">");
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(string("a\"b\n"), "\"a\\\"b\\0A\"");
    }
}
