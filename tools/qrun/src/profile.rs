//! `qrun bench --profile`: where the time of a JIT run goes, per step.

use crate::metrics;
use quant_runtime::{jit::Executor, Tensor};
use serde::Serialize;

/// The median and least time of one step over the profiled runs.
#[derive(Serialize)]
pub struct StepTime {
    pub step: usize,
    pub op: String,
    pub runs_as: String,
    pub median_ms: f64,
    pub min_ms: f64,
    /// GFLOP/s at the median time (conv and linear steps; 0 for others).
    pub gflops: f64,
}

/// Runs `executor` `runs` times and returns each step's median time, the
/// slowest first.
pub fn measure(executor: &Executor, inputs: &[Tensor], runs: usize) -> Result<Vec<StepTime>, String> {
    let (steps, flops) = (executor.steps(), executor.step_flops());
    let mut samples = vec![Vec::with_capacity(runs); steps.len()];
    for _ in 0..runs.max(1) {
        let (_, times) = executor.run_profiled(inputs).map_err(|e| e.to_string())?;
        for (sample, time) in samples.iter_mut().zip(times) {
            sample.push(time.as_secs_f64() * 1e3);
        }
    }
    let mut table: Vec<StepTime> = steps
        .into_iter()
        .zip(samples)
        .zip(flops)
        .enumerate()
        .map(|(step, (((op, runs_as), mut times), flops))| {
            let median_ms = metrics::sort_median(&mut times);
            StepTime { step, op, runs_as, median_ms, min_ms: times[0], gflops: flops / (median_ms * 1e6) }
        })
        .collect();
    table.sort_by(|a, b| b.median_ms.total_cmp(&a.median_ms));
    Ok(table)
}

/// Prints the `top` slowest steps and the total per way of running.
pub fn print(table: &[StepTime], top: usize) {
    let total: f64 = table.iter().map(|s| s.median_ms).sum();
    println!("profile: {} steps, {total:.3} ms summed over step medians", table.len());
    for s in table.iter().take(top) {
        let rate = if s.gflops > 0.0 { format!("{:>6.1} GFLOP/s", s.gflops) } else { " ".repeat(14) };
        println!(
            "  #{:<4} {:>8.3} ms {:>5.1}% {rate}  {} ({})",
            s.step,
            s.median_ms,
            100.0 * s.median_ms / total,
            s.op,
            s.runs_as
        );
    }
    let mut by_kind: Vec<(String, f64, usize)> = Vec::new();
    for s in table {
        let kind = s.runs_as.split(',').next().unwrap_or_default().to_string();
        match by_kind.iter_mut().find(|(k, _, _)| *k == kind) {
            Some(entry) => {
                entry.1 += s.median_ms;
                entry.2 += 1;
            }
            None => by_kind.push((kind, s.median_ms, 1)),
        }
    }
    by_kind.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (kind, ms, count) in by_kind {
        println!("  {kind}: {ms:.3} ms over {count} steps ({:.1}%)", 100.0 * ms / total);
    }
}
