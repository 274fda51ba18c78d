//! Typed readers for op attributes. Each returns `Ok(None)` when the
//! attribute is absent and `Err(message)` when it has the wrong kind.

use melior::ir::{
    attribute::{BoolAttribute, DenseI64ArrayAttribute, FloatAttribute, IntegerAttribute, StringAttribute},
    operation::OperationLike,
    Attribute, OperationRef,
};

fn read<'c, T>(
    op: &OperationRef<'c, '_>,
    name: &str,
    kind: &str,
    convert: impl FnOnce(Attribute<'c>) -> Option<T>,
) -> Result<Option<T>, String> {
    match op.attribute(name) {
        Err(_) => Ok(None),
        Ok(attr) => convert(attr).map(Some).ok_or_else(|| format!("attribute '{name}' must be {kind}, got {attr}")),
    }
}

/// A float attribute (`0.5 : f32`).
pub fn float(op: &OperationRef, name: &str) -> Result<Option<f64>, String> {
    read(op, name, "a float (e.g. `1.0 : f32`)", |a| FloatAttribute::try_from(a).ok().map(|f| f.value()))
}

/// An integer attribute (`1 : i64`).
pub fn int(op: &OperationRef, name: &str) -> Result<Option<i64>, String> {
    read(op, name, "an integer (e.g. `1 : i64`)", |a| IntegerAttribute::try_from(a).ok().map(|i| i.value()))
}

/// A `array<i64: ...>` attribute.
pub fn i64_array(op: &OperationRef, name: &str) -> Result<Option<Vec<i64>>, String> {
    read(op, name, "an `array<i64: ...>`", |a| {
        let array = DenseI64ArrayAttribute::try_from(a).ok()?;
        (0..array.len()).map(|i| array.element(i).ok()).collect()
    })
}

/// A boolean attribute (`true`/`false`).
pub fn boolean(op: &OperationRef, name: &str) -> Result<Option<bool>, String> {
    read(op, name, "a boolean", |a| BoolAttribute::try_from(a).ok().map(|b| b.value()))
}

/// A string attribute (`"tanh"`).
pub fn string(op: &OperationRef, name: &str) -> Result<Option<String>, String> {
    read(op, name, "a string", |a| StringAttribute::try_from(a).ok().map(|s| s.value().to_string()))
}

/// An `array<i64>` of exactly `len` entries, or `default` when absent.
pub fn i64_array_or(op: &OperationRef, name: &str, len: usize, default: i64) -> Result<Vec<i64>, String> {
    match i64_array(op, name)? {
        None => Ok(vec![default; len]),
        Some(v) if v.len() == len => Ok(v),
        Some(v) => Err(format!("attribute '{name}' must have {len} values, got {}", v.len())),
    }
}
