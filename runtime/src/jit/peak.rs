//! The f32 FMA peak of one core, measured with a tiny JIT'ed loop of
//! independent vector FMAs (the yardstick for kernel efficiency).

use super::{
    engine,
    host::Host,
    ir::{Elem, Ir},
    kernel::{BufMut, Kernel},
    workers::Workers,
};
use crate::RuntimeError;
use inkwell::values::BasicValueEnum;
use std::time::Instant;

/// Independent accumulators: enough to cover FMA latency × throughput on
/// current cores, few enough to stay in registers.
const CHAINS: u32 = 10;

fn jit_error(message: String) -> RuntimeError {
    RuntimeError::Op { op: "fma-peak".into(), site: crate::Site::UNKNOWN, message }
}

/// Single-thread f32 FMA throughput in GFLOP/s (one FMA = 2 flops).
pub fn fma_peak_gflops() -> Result<f64, RuntimeError> {
    let host = Host::detect();
    let lanes = host.lanes;
    let addresses = engine::compile(
        host,
        &[&|ir: &Ir<'static>, function| {
            let (table, begin, end) = Ir::kernel_params(function);
            let out = ir.buffer(table, 0)?;
            let vec_ty = ir.vec_type(Elem::F32, lanes);
            // Loaded, not constant, so LLVM cannot fold the chains away.
            let a = ir.load(vec_ty.into(), Elem::F32, out, ir.int(0))?.into_vector_value();
            let b = ir.load(vec_ty.into(), Elem::F32, out, ir.int(lanes as u64))?.into_vector_value();
            let init: Vec<BasicValueEnum> = (0..CHAINS).map(|_| a.into()).collect();
            let sums = ir.counted_loop(function, begin, end, 1, init, |_, accs| {
                accs.into_iter().map(|acc| ir.fma(acc.into_vector_value(), b, a).map(Into::into)).collect()
            })?;
            for (k, sum) in sums.into_iter().enumerate() {
                ir.store(Elem::F32, out, ir.int(k as u64 * lanes as u64), sum)?;
            }
            ir.b.build_return(None)?;
            Ok(())
        }],
    )
    .map_err(jit_error)?;
    let mut buffer = vec![0.5f32; (CHAINS * lanes) as usize];
    let one_thread = Workers::new(1).map_err(RuntimeError::Threads)?;
    let run = |iterations: usize, buffer: &mut [f32]| -> Result<f64, RuntimeError> {
        let kernel = Kernel::new(addresses[0], vec![(Elem::F32, buffer.len())], iterations);
        let start = Instant::now();
        kernel.run(BufMut::F32(buffer), &[], &one_thread).map_err(jit_error)?;
        Ok(start.elapsed().as_secs_f64())
    };
    run(1_000_000, &mut buffer)?;
    let iterations = 50_000_000;
    let best = (0..3).map(|_| run(iterations, &mut buffer)).collect::<Result<Vec<_>, _>>()?;
    let seconds = best.into_iter().fold(f64::INFINITY, f64::min);
    let flops = iterations as f64 * (CHAINS * lanes) as f64 * 2.0;
    Ok(flops / seconds / 1e9)
}
