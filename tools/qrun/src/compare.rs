//! `qrun compare`: runs two models on the same inputs and reports how far
//! their outputs are apart (the fused-vs-unfused equivalence check).

use crate::{
    inputs,
    metrics::{self, Metric, Report},
    model::{EngineArgs, EngineKind, Model},
    Outcome,
};
use quant_runtime::Tensor;
use serde::Serialize;
use std::path::PathBuf;

/// Run two models on the same inputs and compare their outputs.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model under test.
    a: String,
    /// The reference model.
    b: String,
    /// Input .npy files (default: random inputs from --random).
    #[arg(long = "input", value_name = "X.npy")]
    inputs: Vec<PathBuf>,
    /// Seed of the random inputs.
    #[arg(long = "random", value_name = "SEED", default_value_t = 0, conflicts_with = "inputs")]
    seed: u64,
    #[arg(long, default_value = "main")]
    entry: String,
    /// The pass/fail criterion.
    #[arg(long, value_enum, default_value = "rel")]
    metric: Metric,
    /// Relative tolerance (rel: bound on max|a−b|/max|b|; also per element for the count).
    #[arg(long, default_value_t = 1e-5)]
    rtol: f64,
    /// Absolute tolerance per element, for the count of elements outside.
    #[arg(long, default_value_t = 0.0)]
    atol: f64,
    /// Cosine similarity a `cosine` comparison needs.
    #[arg(long, default_value_t = 0.99)]
    min_cosine: f64,
    /// Quantization step for `--metric steps`.
    #[arg(long, required_if_eq("metric", "steps"))]
    step: Option<f64>,
    /// Steps allowed with `--metric steps`.
    #[arg(long, default_value_t = 1.0)]
    steps: f64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    how: EngineArgs,
    /// Engine of the reference model B (default: the same as A's).
    #[arg(long, value_enum)]
    engine_b: Option<EngineKind>,
}

#[derive(Serialize)]
struct OutputReport {
    index: usize,
    #[serde(flatten)]
    report: Report,
    /// Agreement of the top-5 classes, for `[N, C]` outputs.
    top5_equal: Option<bool>,
    pass: bool,
}

fn values(tensor: &Tensor) -> Vec<f64> {
    match tensor {
        Tensor::F32(a) => a.iter().map(|&x| f64::from(x)).collect(),
        Tensor::Int { data, .. } => data.iter().map(|&x| f64::from(x)).collect(),
    }
}

/// One result of two models, as f64 values.
type Pair = (Vec<f64>, Vec<f64>);

/// The results of models `a` and `b` (by name) side by side as f64
/// values, result by result; fails when they differ in number or type.
pub fn paired((a, out_a): (&str, &[Tensor]), (b, out_b): (&str, &[Tensor])) -> Result<Vec<Pair>, String> {
    if out_a.len() != out_b.len() {
        return Err(format!("'{a}' returns {} results, '{b}' returns {}", out_a.len(), out_b.len()));
    }
    out_a
        .iter()
        .zip(out_b)
        .enumerate()
        .map(|(index, (x, y))| {
            if x.spec() != y.spec() {
                return Err(format!("result #{index}: tensor<{}> vs tensor<{}>", x.spec(), y.spec()));
            }
            Ok((values(x), values(y)))
        })
        .collect()
}

impl Args {
    fn passes(&self, r: &Report) -> bool {
        match self.metric {
            Metric::Rel => r.max_rel <= self.rtol,
            Metric::Cosine => r.cosine >= self.min_cosine,
            Metric::Steps => r.max_abs <= self.steps * self.step.unwrap_or(0.0),
        }
    }
}

pub fn main(args: Args) -> Result<Outcome, String> {
    let context = quant_dialect::create_context().map_err(|e| e.to_string())?;
    let a = Model::load(&context, &args.a, &args.entry, args.how)?;
    let how_b = EngineArgs { engine: args.engine_b.unwrap_or(args.how.engine), ..args.how };
    let b = Model::load(&context, &args.b, &args.entry, how_b)?;
    if a.inputs() != b.inputs() {
        return Err(format!("'{}' and '{}' take different inputs", args.a, args.b));
    }
    let inputs = if args.inputs.is_empty() {
        inputs::random(a.inputs(), args.seed)
    } else {
        inputs::from_files(&args.inputs, a.inputs())?
    };
    let (out_a, out_b) = (a.run(&inputs)?, b.run(&inputs)?);
    let mut reports = Vec::new();
    for (index, (x, (va, vb))) in out_a.iter().zip(paired((&args.a, &out_a), (&args.b, &out_b))?).enumerate() {
        let report = metrics::compare(&va, &vb, args.rtol, args.atol);
        let top5_equal = match x.shape() {
            [_, classes] if *classes >= 5 => Some(metrics::top_k(&va, *classes, 5) == metrics::top_k(&vb, *classes, 5)),
            _ => None,
        };
        let pass = args.passes(&report);
        reports.push(OutputReport { index, report, top5_equal, pass });
    }
    print(&args, &reports);
    Ok(if reports.iter().all(|r| r.pass) { Outcome::Ok } else { Outcome::CheckFailed })
}

fn print(args: &Args, reports: &[OutputReport]) {
    if args.json {
        let all = serde_json::json!({ "metric": args.metric, "outputs": reports });
        println!("{all}");
        return;
    }
    for r in reports {
        let m = &r.report;
        let top5 = match r.top5_equal {
            Some(same) => format!(", top-5 {}", if same { "equal" } else { "differ" }),
            None => String::new(),
        };
        println!(
            "result #{}: max abs {:.3e}, max rel {:.3e}, cosine {:.6}, {} of {} outside tolerance{top5}: {}",
            r.index,
            m.max_abs,
            m.max_rel,
            m.cosine,
            m.outside,
            m.elements,
            if r.pass { "PASS" } else { "FAIL" }
        );
    }
}
