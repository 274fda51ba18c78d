//! The op set is defined once, in the IRDL file; the Rust enum and the
//! documentation must name the same ops.

use quant_dialect::{OpKind, IRDL_SOURCE};
use std::collections::BTreeSet;

fn irdl_ops() -> BTreeSet<String> {
    IRDL_SOURCE
        .lines()
        .filter_map(|line| line.trim().strip_prefix("irdl.operation @"))
        .map(|rest| format!("quant.{}", rest.trim_end_matches(" {")))
        .collect()
}

#[test]
fn enum_matches_irdl() {
    let ours: BTreeSet<String> = OpKind::ALL.iter().map(|k| k.name().to_string()).collect();
    assert_eq!(ours, irdl_ops());
}

#[test]
fn docs_table_matches_irdl() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/dialect.md")).unwrap();
    let documented: BTreeSet<String> = doc
        .lines()
        .filter_map(|line| line.strip_prefix("| `quant."))
        .map(|rest| format!("quant.{}", &rest[..rest.find('`').unwrap()]))
        .collect();
    assert_eq!(documented, irdl_ops(), "docs/dialect.md's op table differs from dialect/irdl/quant.irdl.mlir");
}
