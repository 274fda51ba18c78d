//! End to end on a generated sparsebit-style fake-quant ResNet: after
//! fuse-bn and disable-unnecessary-quant no batch_norm is left and no
//! quantize/dequantize pair sits on a fusible edge.

use melior::ir::{operation::OperationLike, BlockLike, OperationRef};
use quant_compiler::{passes::fusible::is_fusible, Pipeline, RunOptions};
use quant_dialect::{ffi, func::body_ops, OpKind};
use std::process::Command;

fn kind_of_producer(value: melior::ir::Value) -> Option<OpKind> {
    ffi::defining_op(value).and_then(|op| OpKind::of(&op))
}

fn count(ops: &[OperationRef], kind: OpKind) -> usize {
    ops.iter().filter(|op| OpKind::of(*op) == Some(kind)).count()
}

#[test]
fn fake_quant_resnet_has_no_batch_norm_and_no_fusible_qdq_left() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("resnet.mlir");
    let status = Command::new(env!("CARGO_BIN_EXE_qgen"))
        .args(["--blocks", "1,2,1,1", "--size", "32", "--width", "8", "--classes", "10", "--quant", "fake-quant", "-o"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&path).unwrap();
    let context = quant_dialect::create_context().unwrap();
    let mut module = quant_dialect::parse_source(&context, &text, "resnet.mlir").expect("generated model parses");
    let func = module.body().first_operation().unwrap();
    let before = body_ops(func);
    let (bns, dqs) = (count(&before, OpKind::BatchNorm), count(&before, OpKind::Dequantize));
    assert_eq!(bns, 1 + 3 * 5 + 4, "one batch_norm per conv");

    let pipeline =
        Pipeline::parse_list("quant-prune,quant-fuse-bn,quant-prune,quant-disable-unnecessary-quant,quant-prune")
            .unwrap();
    pipeline.run(&mut module, RunOptions { verify_each: true, print_ir_after_all: false }).unwrap();

    let func = module.body().first_operation().unwrap();
    let after = body_ops(func);
    assert_eq!(count(&after, OpKind::BatchNorm), 0);
    assert!(count(&after, OpKind::Dequantize) < dqs, "some Q/DQ pairs were removed");
    for dq in after.iter().filter(|op| OpKind::of(*op) == Some(OpKind::Dequantize)) {
        let Some(q) = ffi::defining_op(dq.operand(0).unwrap()) else { continue };
        let Some(producer) = q.operand(0).ok().and_then(kind_of_producer) else { continue };
        for user in ffi::users(dq.result(0).unwrap().into()) {
            let Some(consumer) = OpKind::of(&user) else { continue };
            assert!(!is_fusible(producer, consumer), "Q/DQ left on fusible edge {producer:?} -> {consumer:?}");
        }
    }
    // The conv inputs keep their quantizers (relu/add -> conv is not fusible).
    assert!(count(&after, OpKind::Quantize) >= count(&after, OpKind::Conv2d));
}
