//! Safe wrappers over the few MLIR C API calls melior does not expose.
//! Every `unsafe` block of the crate lives here, each with its reason.

use melior::{
    ir::{
        attribute::AttributeLike, operation::OperationLike, Attribute, Location, Module, OperationRef, Type, TypeLike,
        Value, ValueLike,
    },
    Context,
};
use mlir_sys::{
    mlirAttributeIsADenseElements, mlirAttributeIsADenseResourceElements, mlirDenseElementsAttrGetRawData,
    mlirDenseElementsAttrIsSplat, mlirDenseFloatResourceElementsAttrGetValue,
    mlirDenseInt32ResourceElementsAttrGetValue, mlirDenseInt8ResourceElementsAttrGetValue,
    mlirDenseUInt8ResourceElementsAttrGetValue, mlirElementsAttrGetNumElements, mlirEmitError, mlirModuleCreateParse,
    mlirOpOperandGetNextUse, mlirOpOperandGetOwner, mlirOpOperandIsNull, mlirOpResultGetOwner, mlirOperationDestroy,
    mlirOperationSetOperand, mlirValueGetFirstUse,
};

/// The operations that use `value`, once per use (an op using it twice is listed twice).
pub fn users<'c, 'a>(value: Value<'c, 'a>) -> Vec<OperationRef<'c, 'a>> {
    let mut out = Vec::new();
    // SAFETY: `value` is a live value; the use list is walked without mutating the IR,
    // and each owner is a live operation for as long as the value is.
    unsafe {
        let mut operand = mlirValueGetFirstUse(value.to_raw());
        while !mlirOpOperandIsNull(operand) {
            out.push(OperationRef::from_raw(mlirOpOperandGetOwner(operand)));
            operand = mlirOpOperandGetNextUse(operand);
        }
    }
    out
}

/// The operation that defines `value`, or `None` for a block argument.
pub fn defining_op<'c, 'a>(value: Value<'c, 'a>) -> Option<OperationRef<'c, 'a>> {
    if !value.is_operation_result() {
        return None;
    }
    // SAFETY: checked above that `value` is an op result, so its owner is a live op.
    Some(unsafe { OperationRef::from_raw(mlirOpResultGetOwner(value.to_raw())) })
}

/// Makes operand `index` of `op` read `value`. Inside a rewrite pattern, wrap
/// it in the rewriter's start/finalize_op_modification.
pub fn set_operand(op: OperationRef, index: usize, value: Value) {
    assert!(index < op.operand_count(), "operand {index} out of range");
    // SAFETY: `op` and `value` are live in the same context and the index was checked.
    unsafe { mlirOperationSetOperand(op.to_raw(), index as isize, value.to_raw()) }
}

/// Reports an error diagnostic through the context's diagnostic engine.
pub fn emit_error(location: Location, message: &str) {
    let message = std::ffi::CString::new(message.replace('\0', " ")).unwrap_or_default();
    // SAFETY: the location is live and the message is a NUL-terminated string that
    // outlives the call (MLIR copies it into the diagnostic).
    unsafe { mlirEmitError(location.to_raw(), message.as_ptr()) }
}

/// Parses `source` (MLIR text or bytecode) into a module; top-level ops other
/// than a module are wrapped in one, as mlir-opt does. MLIR names the buffer
/// "", so diagnostics from this parse report `source_name` instead.
pub fn parse_module<'c>(context: &'c Context, source: &[u8], source_name: &str) -> Option<Module<'c>> {
    // MLIR parses from a (pointer, length) pair: bytes need not be UTF-8 or NUL-terminated.
    let raw_source =
        mlir_sys::MlirStringRef { data: source.as_ptr() as *const std::os::raw::c_char, length: source.len() };
    crate::diag::set_source_name(source_name);
    // SAFETY: the string ref points to memory alive for the whole call; the result is
    // either null (reported as None) or an owned module.
    let module = unsafe { mlirModuleCreateParse(context.to_raw(), raw_source) };
    if module.ptr.is_null() {
        return None;
    }
    // SAFETY: non-null owned module just created by the parser.
    Some(unsafe { Module::from_raw(module) })
}

/// Erases an operation that has no remaining uses.
pub fn erase_op(op: OperationRef) {
    // SAFETY: callers only erase ops whose results are unused, so no dangling use
    // remains; the op is not touched after this call.
    unsafe { mlirOperationDestroy(op.to_raw()) }
}

/// Number of elements of an elements attribute (dense or dense_resource).
pub fn element_count(attr: Attribute) -> usize {
    // SAFETY: only called on attributes checked to be elements attributes.
    unsafe { mlirElementsAttrGetNumElements(attr.to_raw()) as usize }
}

/// Whether the attribute is `dense<...>` (ints or floats).
pub fn is_dense_elements(attr: Attribute) -> bool {
    // SAFETY: type query on a live attribute.
    unsafe { mlirAttributeIsADenseElements(attr.to_raw()) }
}

/// Whether the attribute is `dense_resource<...>`.
pub fn is_dense_resource(attr: Attribute) -> bool {
    // SAFETY: type query on a live attribute.
    unsafe { mlirAttributeIsADenseResourceElements(attr.to_raw()) }
}

/// The raw bytes of a dense attribute: one element when splat, else all of them.
/// `elem_bytes` is the element size; returns (bytes, is_splat).
pub fn dense_raw_bytes<'c>(attr: Attribute<'c>, elem_bytes: usize) -> (&'c [u8], bool) {
    // SAFETY: `attr` is a dense int/fp elements attribute whose storage is owned by
    // the context (uniqued), so it lives as long as the attribute; a splat stores
    // one element, otherwise all elements, packed in native layout.
    unsafe {
        let splat = mlirDenseElementsAttrIsSplat(attr.to_raw());
        let count = if splat { 1 } else { element_count(attr) };
        let data = mlirDenseElementsAttrGetRawData(attr.to_raw()) as *const u8;
        (std::slice::from_raw_parts(data, count * elem_bytes), splat)
    }
}

/// Reads every element of a dense_resource attribute as f64, given its element type name.
pub fn resource_values(attr: Attribute, elem: &str) -> Option<Vec<f64>> {
    let n = element_count(attr);
    let raw = attr.to_raw();
    // SAFETY: the getters are called with positions below the element count on a
    // dense_resource attribute whose element type matches the getter.
    let get = |i: usize| -> f64 {
        unsafe {
            match elem {
                "f32" => mlirDenseFloatResourceElementsAttrGetValue(raw, i as isize) as f64,
                "i8" => mlirDenseInt8ResourceElementsAttrGetValue(raw, i as isize) as f64,
                "ui8" => mlirDenseUInt8ResourceElementsAttrGetValue(raw, i as isize) as f64,
                _ => mlirDenseInt32ResourceElementsAttrGetValue(raw, i as isize) as f64,
            }
        }
    };
    matches!(elem, "f32" | "i8" | "ui8" | "i32").then(|| (0..n).map(get).collect())
}

/// The printed form of a type (used for element types: "f32", "i8", "ui8", ...).
pub fn type_name(ty: Type) -> String {
    ty.to_string()
}

/// Whether the type is a ranked tensor.
pub fn is_ranked_tensor(ty: Type) -> bool {
    ty.is_ranked_tensor()
}

/// Calls `f` with the context behind a `ContextRef` (melior only hands out
/// `&Context` for owned contexts, but pass managers and pattern sets need one).
pub fn with_context<R>(context: melior::ContextRef, f: impl FnOnce(&Context) -> R) -> R {
    // SAFETY: the context outlives `context`, and the reference does not escape `f`.
    f(unsafe { context.to_ref() })
}
