//! From generated IR to machine code: every kernel is a function
//! `void kernel(ptr* buffers, i64 begin, i64 end)` tagged with the host's
//! CPU and features. A batch of kernels shares one module, optimized once
//! with `default<O3>` (without LLVM's unroller and vectorizers) and compiled
//! by one LLVM JIT execution engine.
//!
//! LLVM's loop strength reduction is switched off for the whole process
//! (see [`configure_llvm`]).

use super::{
    host::Host,
    ir::{Ir, Res},
};
use inkwell::{
    attributes::AttributeLoc,
    context::Context,
    llvm_sys::support::LLVMParseCommandLineOptions,
    module::Module,
    passes::PassBuilderOptions,
    targets::{FileType, TargetMachine},
    values::FunctionValue,
    OptimizationLevel,
};
use std::sync::Once;

/// Generates the body of a kernel: `function`'s parameters are the buffer
/// table, `begin` and `end`.
pub(super) type Generate<'g> = &'g dyn Fn(&Ir<'static>, FunctionValue<'static>) -> Res<()>;

fn name(i: usize) -> String {
    format!("kernel{i}")
}

/// Sets LLVM's process-wide code generator options, once, before the first
/// kernel is built. Loop strength reduction took 45% of code generation
/// (ResNet-50's kernels: 0.38 of 0.84 s; the unrolled kernel taps give its
/// loops many addresses to weigh) and bought nothing: without it the fused
/// ResNet-50 compiles in 1.40 instead of 2.00 s on one thread and 0.92
/// instead of 1.40 s on two (medians of 6 processes), its steps' least
/// times within 1% (docs/benchmarks.md). LLVM has no per-module switch for
/// it, only this command-line option.
fn configure_llvm() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let arguments = [c"qjit", c"-disable-lsr"].map(|a| a.as_ptr());
        // SAFETY: `arguments` holds pointers to NUL-terminated static
        // strings, and its length is the count passed. LLVM parses them
        // during the call and reports errors to a null stream instead of
        // exiting; `Once` keeps a second call (an option may occur only
        // once) from happening.
        unsafe { LLVMParseCommandLineOptions(arguments.len() as i32, arguments.as_ptr(), c"".as_ptr()) };
    });
}

/// Builds and optimizes a module holding one function per generator.
fn build(host: &Host, generators: &[Generate]) -> Result<(&'static Module<'static>, TargetMachine), String> {
    configure_llvm();
    // The context and module are leaked on purpose: JIT'ed code lives as long
    // as the process-wide kernel cache that points into it.
    let ctx: &'static Context = Box::leak(Box::new(Context::create()));
    let module: &'static Module<'static> = Box::leak(Box::new(ctx.create_module("kernels")));
    let machine = host.target_machine()?;
    module.set_triple(&machine.get_triple());
    module.set_data_layout(&machine.get_target_data().get_data_layout());
    let ir = Ir::new(ctx, module);
    let fn_type = ctx.void_type().fn_type(&[ir.ptr.into(), ir.i64.into(), ir.i64.into()], false);
    for (i, generate) in generators.iter().enumerate() {
        let function = module.add_function(&name(i), fn_type, None);
        // The JIT engine takes no CPU: without these attributes it would emit
        // baseline x86-64 code (no AVX, no FMA).
        function.add_attribute(AttributeLoc::Function, ctx.create_string_attribute("target-cpu", &host.cpu));
        function.add_attribute(AttributeLoc::Function, ctx.create_string_attribute("target-features", &host.features));
        ir.b.position_at_end(ctx.append_basic_block(function, "entry"));
        generate(&ir, function).map_err(|e| format!("generating a kernel: {e}"))?;
    }
    module.verify().map_err(|e| format!("generated IR is invalid: {e}"))?;
    // The generators emit vector code and unroll what pays (kernel taps,
    // register tiles) themselves; LLVM's unroller and vectorizers only add
    // compile time here (ResNet-50's 25 kernels: 1.7 s instead of 2.5 s on
    // one thread, run time unchanged within noise).
    let options = PassBuilderOptions::create();
    options.set_loop_unrolling(false);
    options.set_loop_vectorization(false);
    options.set_loop_slp_vectorization(false);
    module.run_passes("default<O3>", &machine, options).map_err(|e| e.to_string())?;
    Ok((module, machine))
}

/// Compiles kernels; returns the addresses of their machine code.
pub(super) fn compile(host: &Host, generators: &[Generate]) -> Result<Vec<usize>, String> {
    let (module, _) = build(host, generators)?;
    let engine = module.create_jit_execution_engine(OptimizationLevel::Aggressive).map_err(|e| e.to_string())?;
    let addresses = (0..generators.len()).map(|i| engine.get_function_address(&name(i)).map_err(|e| e.to_string()));
    let addresses = addresses.collect();
    // The engine owns the code: keep it alive with the leaked module.
    Box::leak(Box::new(engine));
    addresses
}

/// The host assembly of a kernel, for inspection and tests.
pub(super) fn assembly(host: &Host, generate: Generate) -> Result<String, String> {
    let (module, machine) = build(host, &[generate])?;
    let buffer = machine.write_to_memory_buffer(module, FileType::Assembly).map_err(|e| e.to_string())?;
    Ok(String::from_utf8_lossy(buffer.as_slice()).into_owned())
}
