//! `vs-ort`: qrun's JIT and ONNX Runtime side by side in one process.
//!
//! Five engines take turns in rounds (see [`rounds`]): the JIT on the fused
//! graph, on the unfused graph with its epilogue fusion and without any
//! fusion, and ONNX Runtime on the unfused graph's ONNX export with all
//! graph optimizations on and off. Latencies are medians over all timed
//! runs; the comparisons are ratios within a round, whose median over rounds
//! holds still while the machine's speed changes under both engines alike.

mod engines;
mod rounds;

use anyhow::{bail, Context as _, Result};
use clap::Parser;
use engines::{Engine, JitMode};
use rounds::{Schedule, Times};
use serde::Serialize;
use std::time::Duration;

#[derive(Parser)]
#[command(about = "qrun's JIT against ONNX Runtime, runs alternating in one process")]
struct Args {
    /// ONNX Runtime's shared library (e.g. the one in the onnxruntime wheel:
    /// site-packages/onnxruntime/capi/libonnxruntime.so.*).
    #[arg(long)]
    ort_lib: String,
    /// The graph after `qopt --fuse-bn`.
    #[arg(long)]
    fused: String,
    /// The graph before it.
    #[arg(long)]
    unfused: String,
    /// The unfused graph as ONNX (`qopt export-onnx`).
    #[arg(long)]
    onnx: String,
    #[arg(long, default_value = "main")]
    entry: String,
    /// Threads of every engine (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    #[arg(long, default_value_t = 20)]
    rounds: usize,
    /// Runs per turn (at least 2), the first one untimed.
    #[arg(long, default_value_t = 4)]
    burst: usize,
    /// Pause between turns, in ms.
    #[arg(long, default_value_t = 20)]
    gap_ms: u64,
    /// Each engine first runs alone for this many seconds.
    #[arg(long, default_value_t = 1.0)]
    warmup_s: f64,
    /// Seed of the random input (uniform in [-1, 1)), the same for all.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Largest relative difference (max|a - b| / max|b|) allowed between an
    /// engine's output and ORT_ENABLE_ALL's: they must compute the same thing.
    #[arg(long, default_value_t = 2e-4)]
    max_rel: f64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

const NAMES: [&str; 5] = [
    "qrun JIT, fused graph",
    "qrun JIT, unfused graph, epilogue fusion",
    "qrun JIT, unfused graph, no fusion",
    "ONNX Runtime, ORT_ENABLE_ALL",
    "ONNX Runtime, ORT_DISABLE_ALL",
];
// Indices into NAMES and the engine list.
const FUSED: usize = 0;
const EPILOGUE: usize = 1;
const NO_FUSION: usize = 2;
const ORT_ALL: usize = 3;
const ORT_NONE: usize = 4;

#[derive(Serialize)]
struct EngineSummary {
    name: &'static str,
    median_ms: f64,
    min_ms: f64,
    /// The median of each turn, round by round: how the machine's speed
    /// moved under this engine.
    turn_medians_ms: Vec<f64>,
}

#[derive(Serialize)]
struct Summary {
    threads: usize,
    rounds: usize,
    burst: usize,
    engines: Vec<EngineSummary>,
    /// ORT_ENABLE_ALL's time over the fused graph's, per round (> 1: qrun faster).
    ort_all_over_fused: f64,
    /// Rounds in which the fused graph was faster than ORT_ENABLE_ALL.
    fused_faster_rounds: usize,
    /// No fusion over fused, per round.
    qrun_fusion_speedup: f64,
    /// ORT_DISABLE_ALL over ORT_ENABLE_ALL, per round.
    ort_fusion_speedup: f64,
    /// The unfused graph with epilogue fusion over the fused graph, per
    /// round: what folding batch norm gains beyond the JIT's own fusion.
    fold_speedup: f64,
}

fn main() {
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<()> {
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    // ort panics on a library it cannot load: try it first.
    // SAFETY: loading runs the library's initializers, which ort runs
    // anyway when it loads the same file right after.
    unsafe { libloading::Library::new(&args.ort_lib) }
        .with_context(|| format!("cannot load ONNX Runtime from '{}'", args.ort_lib))?;
    ort::init_from(args.ort_lib.as_str()).commit()?;
    let jit = |path: &str, fuse| Engine::jit(path, &args.entry, JitMode { threads, fuse }, args.seed);
    let mut engines = vec![
        jit(&args.fused, true)?,
        jit(&args.unfused, true)?,
        jit(&args.unfused, false)?,
        Engine::ort(&args.onnx, threads, true, args.seed)?,
        Engine::ort(&args.onnx, threads, false, args.seed)?,
    ];
    check_agreement(&mut engines, args.max_rel)?;
    let schedule = Schedule {
        rounds: args.rounds.max(1),
        burst: args.burst.max(2),
        gap: Duration::from_millis(args.gap_ms),
        warm_up: Duration::try_from_secs_f64(args.warmup_s).context("--warmup-s")?,
    };
    let summary = summarize(&rounds::run(&mut engines, &schedule)?, threads, &schedule);
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print(&summary);
    }
    Ok(())
}

/// Fails unless every engine's output is within `max_rel` of ORT_ENABLE_ALL's.
fn check_agreement(engines: &mut [Engine], max_rel: f64) -> Result<()> {
    let reference = engines[ORT_ALL].run()?;
    let largest = reference.iter().fold(0f32, |m, v| m.max(v.abs()));
    for (engine, name) in engines.iter_mut().zip(NAMES) {
        let output = engine.run()?;
        if output.shape() != reference.shape() {
            bail!("{name}: output shape {:?}, ORT_ENABLE_ALL's {:?}", output.shape(), reference.shape());
        }
        let worst = output.iter().zip(&reference).fold(0f32, |m, (a, b)| m.max((a - b).abs()));
        let rel = f64::from(worst) / f64::from(largest.max(f32::MIN_POSITIVE));
        if rel.is_nan() || rel > max_rel {
            bail!("{name}: output differs from ORT_ENABLE_ALL's by {rel:.2e} relative (allowed: {max_rel:.0e})");
        }
    }
    Ok(())
}

fn summarize(times: &Times, threads: usize, schedule: &Schedule) -> Summary {
    let engines = NAMES
        .iter()
        .enumerate()
        .map(|(e, &name)| {
            let all = times.all(e);
            EngineSummary {
                name,
                median_ms: rounds::median(&all),
                min_ms: all[0],
                turn_medians_ms: times.turn_medians(e),
            }
        })
        .collect();
    Summary {
        threads,
        rounds: schedule.rounds,
        burst: schedule.burst,
        engines,
        ort_all_over_fused: times.ratio(ORT_ALL, FUSED),
        fused_faster_rounds: times.rounds_faster(FUSED, ORT_ALL),
        qrun_fusion_speedup: times.ratio(NO_FUSION, FUSED),
        ort_fusion_speedup: times.ratio(ORT_NONE, ORT_ALL),
        fold_speedup: times.ratio(EPILOGUE, FUSED),
    }
}

fn print(s: &Summary) {
    println!(
        "{} threads, {} rounds of {} runs per engine (the first untimed); ms over all timed runs:",
        s.threads, s.rounds, s.burst
    );
    println!("  {:42} {:>8} {:>8}", "engine", "median", "least");
    for e in &s.engines {
        println!("  {:42} {:8.1} {:8.1}", e.name, e.median_ms, e.min_ms);
    }
    println!("Ratios within a round, median over rounds:");
    println!(
        "  ORT_ENABLE_ALL / qrun fused: {:.3} (qrun faster in {} of {} rounds)",
        s.ort_all_over_fused, s.fused_faster_rounds, s.rounds
    );
    println!(
        "  fusion speedup: qrun {:.3}x (no fusion / fused), ORT {:.3}x (ORT_DISABLE_ALL / ORT_ENABLE_ALL)",
        s.qrun_fusion_speedup, s.ort_fusion_speedup
    );
    println!("  batch norm folded (epilogue fusion, unfused / fused): {:.3}x", s.fold_speedup);
}
