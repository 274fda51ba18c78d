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

/// Times `m` over `--iters` runs after the warm-up; also returns the
/// outputs of the last run.
fn time_runs(m: &Loaded, args: &Args, progress: bool) -> Result<(Vec<f64>, Vec<Tensor>), String> {
    let start = Instant::now();
    let mut runs = 0;
    while runs < args.warmup || (runs > 0 && start.elapsed() < MIN_WARMUP) {
        m.model.run(&m.inputs)?;
        runs += 1;
    }
    let iters = args.iters.max(1);
    let bar = if progress { ProgressBar::new(iters as u64) } else { ProgressBar::hidden() };
    bar.set_style(ProgressStyle::with_template("{msg} {bar:30} {pos}/{len}").expect("valid template"));
    bar.set_message(m.path.clone());
    let (mut times, mut outputs) = (Vec::with_capacity(iters), Vec::new());
    for _ in 0..iters {
        let t = Instant::now();
        outputs = m.model.run(&m.inputs)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok((times, outputs))
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
) -> Result<(Measurement, Vec<Tensor>), String> {
    let loaded = load(path, args, how, given)?;
    let (times, outputs) = time_runs(&loaded, args, progress)?;
    Ok((summarize(&loaded, times, args)?, outputs))
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
    times.sort_by(f64::total_cmp);
    let profile = match (args.profile, m.model.jit()) {
        (false, _) => None,
        (true, Some(executor)) => Some(profile::measure(executor, &m.inputs, args.iters)?),
        (true, None) => return Err("--profile needs the jit engine".into()),
    };
    let median_ms = times[times.len() / 2];
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
    let (main, outputs) = measure(&args.model, &args, args.how, given.as_deref(), progress)?;
    let baseline =
        args.baseline.as_deref().map(|b| measure(b, &args, baseline_how, given.as_deref(), progress)).transpose()?;
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
            "model": main.model, "baseline": baseline, "speedup": speedup, "agreement": agreement,
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
        println!("speedup over the baseline: {s:.2}x (outputs: max rel {:.2e}, cosine {:.6})", a.max_rel, a.cosine);
    }
    Ok(outcome)
}
