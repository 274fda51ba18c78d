//! `qrun bench`: latency of a model (and optionally a baseline) with the
//! JIT engine, beside the machine's FMA peak.

use crate::{
    compare::paired,
    flops, inputs, metrics,
    model::{self, EngineArgs, Model},
    profile, Outcome,
};
use indicatif::{ProgressBar, ProgressStyle};
use quant_runtime::{jit, Tensor};
use serde::Serialize;
use std::{io::IsTerminal, path::PathBuf, time::Instant};

/// Warm-up lasts at least this long (when --warmup is not 0): runs in the
/// first second after loading a large model were seen 20% slower here.
const MIN_WARMUP: std::time::Duration = std::time::Duration::from_secs(1);

/// Steps listed by --profile (all of them go to --json).
const PROFILE_TOP: usize = 15;

/// The cosine similarity below which a model and its baseline compute
/// different things (the loosest whole-graph criterion: quantized graphs).
const MIN_COSINE: f64 = 0.99;

/// Measure a model's latency (median of --iters runs after --warmup).
#[derive(clap::Args, Debug)]
pub struct Args {
    model: String,
    /// Input .npy files (default: random inputs from --random).
    #[arg(long = "input", value_name = "X.npy")]
    inputs: Vec<PathBuf>,
    #[arg(long = "random", value_name = "SEED", default_value_t = 0, conflicts_with = "inputs")]
    seed: u64,
    /// A second model (e.g. the unfused graph) measured the same way; prints the speedup.
    #[arg(long)]
    baseline: Option<String>,
    /// Run the baseline without the JIT's epilogue fusion (every op alone,
    /// as ONNX Runtime's ORT_DISABLE_ALL does).
    #[arg(long, requires = "baseline")]
    baseline_no_fusion: bool,
    /// Alternate runs of the model and the baseline (both loaded at once)
    /// and also report the median of their per-pair time ratios: on a
    /// machine whose speed changes for seconds at a time, both see the same
    /// changes. Each run then starts with the other model's data in cache.
    #[arg(long, requires = "baseline")]
    interleave: bool,
    /// Untimed runs first: at least this many, and for at least a second
    /// when not 0.
    #[arg(long, default_value_t = 3)]
    warmup: usize,
    #[arg(long, default_value_t = 20)]
    iters: usize,
    #[arg(long, default_value = "main")]
    entry: String,
    #[command(flatten)]
    how: EngineArgs,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// Also time every step of the model (JIT engine) over --iters runs and
    /// list the slowest.
    #[arg(long)]
    profile: bool,
}

#[derive(Serialize)]
struct Measurement {
    model: String,
    compile_ms: f64,
    median_ms: f64,
    min_ms: f64,
    max_ms: f64,
    iters: usize,
    threads: usize,
    /// Whether the JIT fused epilogues.
    fusion: bool,
    gflops: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<Vec<profile::StepTime>>,
}

/// A model ready to time, with its inputs.
struct Loaded {
    path: String,
    model: Model,
    how: EngineArgs,
    inputs: Vec<Tensor>,
    work: f64,
    compile_ms: f64,
}

fn load(path: &str, args: &Args, how: EngineArgs, given: Option<&[Tensor]>) -> Result<Loaded, String> {
    let context = quant_dialect::create_context().map_err(|e| e.to_string())?;
    let module = model::parse(&context, path)?;
    let work = flops::count(&module);
    let start = Instant::now();
    let model = Model::from_module(&module, path, &args.entry, how)?;
    let compile_ms = start.elapsed().as_secs_f64() * 1e3;
    let inputs = given.map_or_else(|| inputs::random(model.inputs(), args.seed), <[Tensor]>::to_vec);
    Ok(Loaded { path: path.to_string(), model, how, inputs, work, compile_ms })
}

/// Untimed runs: at least --warmup, and for at least [`MIN_WARMUP`] when
/// that is not 0.
fn warm_up(m: &Loaded, args: &Args) -> Result<(), String> {
    let start = Instant::now();
    let mut runs = 0;
    while runs < args.warmup || (runs > 0 && start.elapsed() < MIN_WARMUP) {
        m.model.run(&m.inputs)?;
        runs += 1;
    }
    Ok(())
}

/// A model's run times (ms) and the outputs of its last run.
type Timed = (Vec<f64>, Vec<Tensor>);

/// The times of `--iters` rounds of one run of each of `models`, in turn,
/// after their warm-ups; also the outputs of each model's last run.
fn time_rounds(models: &[&Loaded], args: &Args, progress: bool) -> Result<Vec<Timed>, String> {
    for m in models {
        warm_up(m, args)?;
    }
    let iters = args.iters.max(1);
    let bar = if progress { ProgressBar::new(iters as u64) } else { ProgressBar::hidden() };
    bar.set_style(ProgressStyle::with_template("{msg} {bar:30} {pos}/{len}").expect("valid template"));
    bar.set_message(models.iter().map(|m| m.path.as_str()).collect::<Vec<_>>().join(" / "));
    let mut timed: Vec<Timed> = models.iter().map(|_| (Vec::with_capacity(iters), Vec::new())).collect();
    for _ in 0..iters {
        for (m, (times, outputs)) in models.iter().zip(&mut timed) {
            let t = Instant::now();
            *outputs = m.model.run(&m.inputs)?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(timed)
}

/// Loads, times and summarizes one model. One model at a time: runs right
/// after another large model was loaded were seen slower here, and runs
/// alternating between models start with caches full of the other's data.
fn measure(
    path: &str,
    args: &Args,
    how: EngineArgs,
    given: Option<&[Tensor]>,
    progress: bool,
) -> Result<Measured, String> {
    let loaded = load(path, args, how, given)?;
    let (times, outputs) = time_rounds(&[&loaded], args, progress)?.remove(0);
    Ok((summarize(&loaded, times, args)?, outputs))
}

/// A model's summary and the outputs of its last run.
type Measured = (Measurement, Vec<Tensor>);

/// Loads both models, times them in alternation and summarizes each; also
/// returns the median over rounds of the baseline's time over the model's.
fn measure_interleaved(
    (path, how): (&str, EngineArgs),
    (baseline, baseline_how): (&str, EngineArgs),
    args: &Args,
    given: Option<&[Tensor]>,
    progress: bool,
) -> Result<(Measured, Measured, f64), String> {
    let (a, b) = (load(path, args, how, given)?, load(baseline, args, baseline_how, given)?);
    let mut timed = time_rounds(&[&a, &b], args, progress)?.into_iter();
    let ((a_times, a_out), (b_times, b_out)) = (timed.next().expect("two models"), timed.next().expect("two models"));
    let mut ratios: Vec<f64> = b_times.iter().zip(&a_times).map(|(b, a)| b / a).collect();
    let paired = metrics::sort_median(&mut ratios);
    Ok(((summarize(&a, a_times, args)?, a_out), (summarize(&b, b_times, args)?, b_out), paired))
}

/// How far the model's outputs are from the baseline's, over all outputs:
/// the largest relative error and the least cosine similarity.
#[derive(Serialize)]
struct Agreement {
    max_rel: f64,
    cosine: f64,
}

fn agreement(model: (&str, &[Tensor]), baseline: (&str, &[Tensor])) -> Result<Agreement, String> {
    let reports = paired(model, baseline)?.into_iter().map(|(a, b)| metrics::compare(&a, &b, 0.0, 0.0));
    Ok(reports.fold(Agreement { max_rel: 0.0, cosine: 1.0 }, |acc, r| Agreement {
        max_rel: acc.max_rel.max(r.max_rel),
        cosine: acc.cosine.min(r.cosine),
    }))
}

fn summarize(m: &Loaded, mut times: Vec<f64>, args: &Args) -> Result<Measurement, String> {
    let median_ms = metrics::sort_median(&mut times);
    let profile = match (args.profile, m.model.jit()) {
        (false, _) => None,
        (true, Some(executor)) => Some(profile::measure(executor, &m.inputs, args.iters)?),
        (true, None) => return Err("--profile needs the jit engine".into()),
    };
    Ok(Measurement {
        model: m.path.clone(),
        compile_ms: m.compile_ms,
        median_ms,
        min_ms: times[0],
        max_ms: times[times.len() - 1],
        iters: times.len(),
        threads: m.how.threads(),
        fusion: m.how.engine == model::EngineKind::Jit && !m.how.no_fusion,
        gflops: m.work / (median_ms * 1e6),
        profile,
    })
}

pub fn main(args: Args) -> Result<Outcome, String> {
    let peak = jit::fma_peak_gflops().map_err(|e| e.to_string())?;
    let host = jit::Host::detect();
    let given = if args.inputs.is_empty() {
        None
    } else {
        let context = quant_dialect::create_context().map_err(|e| e.to_string())?;
        let model = Model::load(
            &context,
            &args.model,
            &args.entry,
            EngineArgs { engine: model::EngineKind::Reference, ..args.how },
        )?;
        Some(inputs::from_files(&args.inputs, model.inputs())?)
    };
    let progress = !args.json && std::io::stderr().is_terminal();
    let baseline_how = EngineArgs { no_fusion: args.how.no_fusion || args.baseline_no_fusion, ..args.how };
    let ((main, outputs), baseline, paired_speedup) = match args.baseline.as_deref() {
        Some(b) if args.interleave => {
            let (main, baseline, paired) =
                measure_interleaved((&args.model, args.how), (b, baseline_how), &args, given.as_deref(), progress)?;
            (main, Some(baseline), Some(paired))
        }
        b => {
            let main = measure(&args.model, &args, args.how, given.as_deref(), progress)?;
            let baseline = b.map(|b| measure(b, &args, baseline_how, given.as_deref(), progress)).transpose()?;
            (main, baseline, None)
        }
    };
    // A speedup means something only when both compute the same function.
    let agreement = baseline
        .as_ref()
        .zip(args.baseline.as_deref())
        .map(|((_, b), name)| agreement((&args.model, &outputs), (name, b)))
        .transpose()?;
    let baseline = baseline.map(|(m, _)| m);
    let disagree = agreement.as_ref().is_some_and(|a| a.cosine.is_nan() || a.cosine < MIN_COSINE);
    let outcome = if disagree { Outcome::CheckFailed } else { Outcome::Ok };
    if let (true, Some(a)) = (disagree, &agreement) {
        eprintln!(
            "qrun: error: the outputs of the model and the baseline disagree (cosine {:.6} < {MIN_COSINE}): the speedup compares different computations",
            a.cosine
        );
    }
    let speedup = baseline.as_ref().map(|b| b.median_ms / main.median_ms);
    if args.json {
        let report = serde_json::json!({
            "cpu": host.cpu, "fma_peak_gflops_per_core": peak,
            "median_ms": main.median_ms, "min_ms": main.min_ms, "max_ms": main.max_ms,
            "iters": main.iters, "threads": main.threads, "fusion": main.fusion, "gflops": main.gflops, "compile_ms": main.compile_ms,
            "model": main.model, "baseline": baseline, "speedup": speedup, "paired_speedup": paired_speedup,
            "agreement": agreement,
            "profile": main.profile,
        });
        println!("{report}");
        return Ok(outcome);
    }
    println!("host {} ({} f32 lanes), FMA peak {peak:.1} GFLOP/s per core", host.cpu, host.lanes);
    for m in std::iter::once(&main).chain(baseline.as_ref()) {
        println!(
            "{}{}: median {:.3} ms (min {:.3}, max {:.3}, {} iters, {} threads), {:.1} GFLOP/s = {:.0}% of peak, compiled in {:.0} ms",
            m.model,
            if m.fusion { "" } else { " (no epilogue fusion)" },
            m.median_ms,
            m.min_ms,
            m.max_ms,
            m.iters,
            m.threads,
            m.gflops,
            100.0 * m.gflops / (peak * m.threads as f64),
            m.compile_ms
        );
        if let Some(table) = &m.profile {
            profile::print(table, PROFILE_TOP);
        }
    }
    if let (Some(s), Some(a)) = (speedup, &agreement) {
        let paired = paired_speedup.map_or(String::new(), |p| format!(", {p:.2}x median of paired runs"));
        println!(
            "speedup over the baseline: {s:.2}x{paired} (outputs: max rel {:.2e}, cosine {:.6})",
            a.max_rel, a.cosine
        );
    }
    Ok(outcome)
}
