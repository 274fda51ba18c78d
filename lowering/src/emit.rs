//! Writing upstream MLIR as text, one op per line in generic syntax
//! (`"tosa.add"(%a, %b) : (...) -> ...`): the generic form parses whatever
//! an op's custom syntax is, so the text only has to be right, not pretty.
//! MLIR prints it back in custom syntax after verification.

use std::collections::HashMap;
use std::fmt::Write;

/// A tensor value of the emitted module: its SSA name and static type.
#[derive(Clone, Debug)]
pub struct Val {
    pub name: String,
    pub shape: Vec<usize>,
    pub elem: String,
}

/// A `!tosa.shape<rank>` value (the shape operand of reshape, slice, tile, pad).
#[derive(Clone, Debug)]
pub struct ShapeVal {
    name: String,
    rank: usize,
}

/// Anything that can be an operand: its name and its type.
pub trait Operand {
    fn name(&self) -> &str;
    fn ty(&self) -> String;
}

impl Operand for Val {
    fn name(&self) -> &str {
        &self.name
    }
    fn ty(&self) -> String {
        tensor_type(&self.shape, &self.elem)
    }
}

impl Operand for ShapeVal {
    fn name(&self) -> &str {
        &self.name
    }
    fn ty(&self) -> String {
        format!("!tosa.shape<{}>", self.rank)
    }
}

impl Val {
    pub fn rank(&self) -> usize {
        self.shape.len()
    }
}

pub fn tensor_type(shape: &[usize], elem: &str) -> String {
    let mut s = String::from("tensor<");
    shape.iter().for_each(|d| write!(s, "{d}x").expect("writing to a String"));
    s.push_str(elem);
    s.push('>');
    s
}

/// An f32 literal MLIR's parser reads back bit-exactly: Rust's shortest
/// round-trip form (with the `.` MLIR requires), or the bit pattern for
/// infinities and NaN.
pub fn f32_literal(x: f32) -> String {
    if !x.is_finite() {
        return format!("0x{:08X}", x.to_bits());
    }
    let s = format!("{x:?}");
    if s.contains('.') {
        return s;
    }
    match s.find('e') {
        Some(e) => format!("{}.0{}", &s[..e], &s[e..]),
        None => format!("{s}.0"),
    }
}

/// Accumulates the text of one module; constants are shared within a function.
#[derive(Default)]
pub struct Emitter {
    text: String,
    next_id: usize,
    /// ` loc(...)` of the source op being lowered, appended to every line it produces.
    location: String,
    constants: HashMap<String, Val>,
    shapes: HashMap<Vec<usize>, ShapeVal>,
}

impl Emitter {
    /// Every op emitted from now on carries `location` (the source op's), so
    /// a verifier error in the upstream context points at the user's line.
    pub fn set_location(&mut self, location: String) {
        self.location = location;
    }

    pub fn line(&mut self, line: &str) {
        self.text.push_str(line);
        self.text.push('\n');
    }

    /// Starts a function: constants of the previous one are out of scope.
    pub fn begin_function(&mut self, header: &str) {
        self.constants.clear();
        self.shapes.clear();
        self.line(header);
    }

    pub fn fresh_name(&mut self) -> String {
        self.next_id += 1;
        format!("%v{}", self.next_id)
    }

    fn generic(&mut self, result: Option<&str>, name: &str, operands: &[&dyn Operand], attrs: &str, result_ty: &str) {
        let names: Vec<&str> = operands.iter().map(|o| o.name()).collect();
        let types: Vec<String> = operands.iter().map(|o| o.ty()).collect();
        let mut line = String::from("  ");
        if let Some(r) = result {
            write!(line, "{r} = ").expect("writing to a String");
        }
        write!(line, "\"{name}\"({})", names.join(", ")).expect("writing to a String");
        if !attrs.is_empty() {
            write!(line, " {{{attrs}}}").expect("writing to a String");
        }
        write!(line, " : ({}) -> {result_ty}{}", types.join(", "), self.location).expect("writing to a String");
        self.line(&line);
    }

    /// Emits `name` with one tensor result of `shape` x `elem`.
    pub fn op(&mut self, name: &str, operands: &[&dyn Operand], attrs: &str, shape: Vec<usize>, elem: &str) -> Val {
        let result = Val { name: self.fresh_name(), shape, elem: elem.to_string() };
        self.generic(Some(&result.name), name, operands, attrs, &result.ty());
        result
    }

    /// Emits the function's return.
    pub fn ret(&mut self, values: &[Val]) {
        let operands: Vec<&dyn Operand> = values.iter().map(|v| v as &dyn Operand).collect();
        self.generic(None, "func.return", &operands, "", "()");
    }

    /// A `tosa.const` holding `attr` (a `dense<...>` without its type); one per
    /// distinct value and type in a function.
    pub fn constant(&mut self, attr: &str, shape: &[usize], elem: &str) -> Val {
        let ty = tensor_type(shape, elem);
        let key = format!("{attr} : {ty}");
        if let Some(v) = self.constants.get(&key) {
            return v.clone();
        }
        let v = self.op("tosa.const", &[], &format!("values = {key}"), shape.to_vec(), elem);
        self.constants.insert(key, v.clone());
        v
    }

    /// A `tosa.const_shape` holding `dims`.
    pub fn shape(&mut self, dims: &[usize]) -> ShapeVal {
        if let Some(s) = self.shapes.get(dims) {
            return s.clone();
        }
        let values: Vec<String> = dims.iter().map(|d| d.to_string()).collect();
        let s = ShapeVal { name: self.fresh_name(), rank: dims.len() };
        let attrs = format!("values = dense<[{}]> : tensor<{}xindex>", values.join(", "), dims.len());
        self.generic(Some(&s.name), "tosa.const_shape", &[], &attrs, &s.ty());
        self.shapes.insert(dims.to_vec(), s.clone());
        s
    }

    pub fn into_text(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_parse_as_floats_and_round_trip() {
        assert_eq!(f32_literal(1.0), "1.0");
        assert_eq!(f32_literal(1e-5), "1.0e-5");
        assert_eq!(f32_literal(-0.1), "-0.1");
        assert_eq!(f32_literal(f32::MAX), "3.4028235e38");
        assert_eq!(f32_literal(f32::NEG_INFINITY), "0xFF800000");
        for x in [0.1f32, 1e-5, 3.4028235e38, f32::MIN_POSITIVE, 6.0] {
            assert_eq!(f32_literal(x).parse::<f32>().unwrap(), x);
        }
    }

    #[test]
    fn tensor_types_print_like_mlir() {
        assert_eq!(tensor_type(&[1, 3, 8], "f32"), "tensor<1x3x8xf32>");
        assert_eq!(tensor_type(&[], "i8"), "tensor<i8>");
    }
}
