//! The host CPU as LLVM sees it: name, features and the SIMD width the
//! kernels are generated for.

use inkwell::{
    targets::{CodeModel, InitializationConfig, RelocMode, Target, TargetMachine},
    OptimizationLevel,
};
use std::sync::OnceLock;

/// The CPU the kernels are compiled for.
#[derive(Clone, Debug)]
pub struct Host {
    pub cpu: String,
    pub features: String,
    /// f32 lanes of the widest vector registers: 16 (AVX-512), 8 (AVX2) or 4.
    pub lanes: u32,
    /// Vector registers of that width (32 with AVX-512, else 16).
    pub registers: u32,
}

impl Host {
    /// The machine this process runs on (detected once).
    pub fn detect() -> &'static Host {
        static HOST: OnceLock<Host> = OnceLock::new();
        HOST.get_or_init(|| {
            let cpu = TargetMachine::get_host_cpu_name().to_string();
            let features = TargetMachine::get_host_cpu_features().to_string();
            let has = |f: &str| features.split(',').any(|x| x == f);
            let (lanes, registers) = if has("+avx512f") {
                (16, 32)
            } else if has("+avx2") && has("+fma") {
                (8, 16)
            } else {
                (4, 16)
            };
            Host { cpu, features, lanes, registers }
        })
    }

    /// A target machine for this host, used for the optimization pipeline
    /// and for emitting assembly.
    pub fn target_machine(&self) -> Result<TargetMachine, String> {
        Target::initialize_native(&InitializationConfig::default())?;
        let triple = TargetMachine::get_default_triple();
        let target = Target::from_triple(&triple).map_err(|e| e.to_string())?;
        target
            .create_target_machine(
                &triple,
                &self.cpu,
                &self.features,
                OptimizationLevel::Aggressive,
                RelocMode::Default,
                CodeModel::JITDefault,
            )
            .ok_or_else(|| format!("LLVM has no target machine for {} ({})", triple, self.cpu))
    }
}
