//! The process-wide kernel cache: one compiled kernel per signature, shared
//! by every executor of the process. Missing kernels are compiled in
//! batches, one module per thread.

use super::{
    conv::ConvSig,
    engine,
    host::Host,
    ir::Ir,
    kernel::Kernel,
    map::MapSig,
    pool::MaxPoolSig,
    winograd::{InputSig, OutputSig},
};
use inkwell::values::FunctionValue;
use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
};

/// What a kernel is specialized to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Signature {
    Conv(ConvSig),
    Map(MapSig),
    MaxPool(MaxPoolSig),
    WinogradInput(InputSig),
    WinogradOutput(OutputSig),
}

impl Signature {
    fn kernel(&self, address: usize) -> Kernel {
        match self {
            Signature::Conv(s) => Kernel::new(address, s.buffers(), s.items()),
            Signature::Map(s) => Kernel::new(address, s.buffers(), s.rows),
            Signature::MaxPool(s) => Kernel::new(address, s.buffers(), s.items()),
            Signature::WinogradInput(s) => Kernel::new(address, s.buffers(), s.items()),
            Signature::WinogradOutput(s) => Kernel::new(address, s.buffers(), s.items()),
        }
    }

    fn generate(&self, ir: &Ir<'static>, function: FunctionValue<'static>) -> super::ir::Res<()> {
        match self {
            Signature::Conv(s) => s.generate(ir, function),
            Signature::Map(s) => s.generate(ir, function),
            Signature::MaxPool(s) => s.generate(ir, function),
            Signature::WinogradInput(s) => s.generate(ir, function),
            Signature::WinogradOutput(s) => s.generate(ir, function),
        }
    }

    /// The host assembly of this kernel.
    pub fn assembly(&self) -> Result<String, String> {
        engine::assembly(Host::detect(), &|ir, f| self.generate(ir, f))
    }
}

/// Compiles `signatures` in one module.
fn compile(signatures: &[&Signature]) -> Result<Vec<usize>, String> {
    let generators: Vec<_> = signatures.iter().map(|s| move |ir: &Ir<'static>, f| s.generate(ir, f)).collect();
    let generators: Vec<engine::Generate> = generators.iter().map(|g| g as engine::Generate).collect();
    engine::compile(Host::detect(), &generators)
}

/// The compiled kernels of `signatures`, compiling the missing ones over up
/// to `threads` threads.
pub(super) fn kernels(signatures: &[Signature], threads: usize) -> Result<Vec<Kernel>, String> {
    static CACHE: OnceLock<Mutex<HashMap<Signature, usize>>> = OnceLock::new();
    // Compiling under the lock keeps two executors from compiling the same kernel.
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap_or_else(|e| e.into_inner());
    let mut missing: Vec<&Signature> = signatures.iter().filter(|s| !cache.contains_key(s)).collect();
    missing.sort_by_key(|s| format!("{s:?}"));
    missing.dedup();
    if !missing.is_empty() {
        tracing::debug!(kernels = missing.len(), threads, "compiling");
        let chunk = missing.len().div_ceil(threads.max(1));
        let compiled: Vec<Result<Vec<usize>, String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = missing.chunks(chunk).map(|batch| scope.spawn(move || compile(batch))).collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a compile thread panicked".into()))).collect()
        });
        for (batch, addresses) in missing.chunks(chunk).zip(compiled) {
            for (signature, address) in batch.iter().zip(addresses?) {
                cache.insert((*signature).clone(), address);
            }
        }
    }
    Ok(signatures.iter().map(|s| s.kernel(cache[s])).collect())
}
