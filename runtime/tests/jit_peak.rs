//! The FMA peak measurement runs and gives a plausible figure.

#[test]
fn fma_peak_is_positive() {
    let peak = quant_runtime::jit::fma_peak_gflops().expect("the peak kernel compiles and runs");
    println!("f32 FMA peak: {peak:.1} GFLOP/s per core ({:?})", quant_runtime::jit::Host::detect());
    assert!(peak > 1.0, "peak {peak} GFLOP/s");
}
