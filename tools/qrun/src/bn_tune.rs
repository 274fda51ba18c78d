//! `qrun bn-tune`: sparsebit's batchnorm_tuning. Runs batches through the
//! (fake-quant) model in training mode, re-estimates every batch_norm's
//! running mean and variance (PyTorch semantics), writes them into the model
//! and optionally folds the batch_norms (`--fuse`).

use crate::{model, npy, Outcome};
use indicatif::{ProgressBar, ProgressStyle};
use melior::ir::{
    operation::{OperationBuilder, OperationLike},
    r#type::RankedTensorType,
    BlockLike, Identifier, Module, OperationRef, Type, ValueLike,
};
use melior::Context;
use quant_compiler::{config::Schedule, passes::lookup, pipeline::sparsebit_order, RunOptions};
use quant_dialect::{
    ffi,
    tensor::{ConstTensor, ElemType, Values},
    OpKind,
};
use quant_runtime::{BatchStats, Interpreter, Tensor};
use std::path::{Path, PathBuf};

/// Re-estimate batch_norm statistics on the quantized graph, then optionally fuse.
#[derive(clap::Args, Debug)]
pub struct Args {
    model: String,
    /// One batch per file: the model's input shape except the batch dimension.
    #[arg(long = "data", value_name = "BATCH.npy", required = true)]
    data: Vec<PathBuf>,
    /// The tuned model.
    #[arg(short = 'o', value_name = "TUNED.mlir")]
    output: PathBuf,
    /// Run quant-fuse-bn and quant-prune after tuning (sparsebit's flow).
    #[arg(long)]
    fuse: bool,
    /// Exponential average factor; without it, the cumulative average over all batches.
    #[arg(long)]
    momentum: Option<f64>,
    /// sparsebit-style YAML: SCHEDULE.BN_TUNING switches tuning, SCHEDULE.FUSE_BN gates --fuse.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[arg(long, default_value = "main")]
    entry: String,
}

/// Running mean and (unbiased) variance of one batch_norm.
#[derive(Clone, Debug, PartialEq)]
pub struct Running {
    pub mean: Vec<f64>,
    pub var: Vec<f64>,
}

impl Running {
    /// Folds batch number `n` (1-based) in: cumulative average without a
    /// momentum (PyTorch's momentum=None after reset), exponential with one.
    pub fn update(&mut self, batch: &BatchStats, n: usize, momentum: Option<f64>) {
        let factor = momentum.unwrap_or(1.0 / n as f64);
        // PyTorch keeps the unbiased variance as the running estimate.
        let correction = batch.count as f64 / (batch.count.max(2) - 1) as f64;
        for c in 0..self.mean.len() {
            self.mean[c] += factor * (batch.mean[c] - self.mean[c]);
            self.var[c] += factor * (batch.var[c] * correction - self.var[c]);
        }
    }
}

pub fn main(args: Args) -> Result<Outcome, String> {
    let read = args.data.iter().map(PathBuf::as_path).chain([Path::new(&args.model)]).chain(args.config.as_deref());
    quant_cli_output::refuse_to_overwrite(&args.output, read)?;
    let schedule = match &args.config {
        Some(path) => Schedule::from_file(path).map_err(|e| e.to_string())?,
        None => Schedule { bn_tuning: true, ..Schedule::default() },
    };
    let context = quant_dialect::create_context().map_err(|e| e.to_string())?;
    let mut module = model::parse(&context, &args.model)?;
    if schedule.bn_tuning {
        tune(&context, &module, &args)?;
    } else {
        tracing::info!("SCHEDULE.BN_TUNING is false: statistics left as they are");
    }
    if args.fuse && schedule.fuse_bn {
        let fuse_bn = lookup("quant-fuse-bn").expect("fuse-bn is registered");
        sparsebit_order(&[fuse_bn])
            .run(&mut module, RunOptions { verify_each: true, print_ir_after_all: false })
            .map_err(|e| e.to_string())?;
    }
    quant_dialect::verify::verify_module(&module).map_err(|n| format!("the tuned model has {n} verifier errors"))?;
    let text = format!("{}\n", module.as_operation());
    quant_cli_output::write_atomic(&args.output, |out| out.write_all(text.as_bytes()))?;
    Ok(Outcome::Ok)
}

/// Runs every batch and writes the new statistics into the module.
fn tune(context: &Context, module: &Module, args: &Args) -> Result<(), String> {
    let interpreter = Interpreter::new(module, &args.entry).map_err(|e| format!("{}: {e}", args.model))?;
    let bns = batch_norms(module, &args.entry);
    let mut running: Vec<Running> = bns.iter().map(current_statistics).collect::<Result<_, _>>()?;
    let progress = ProgressBar::new(args.data.len() as u64)
        .with_style(ProgressStyle::with_template("bn-tune {bar:30} {pos}/{len} batches").expect("valid template"));
    for (n, path) in args.data.iter().enumerate() {
        let batch = read_batch(path, &interpreter)?;
        let (_, stats) = interpreter.run_training(&batch).map_err(|e| format!("{}: {e}", path.display()))?;
        for (r, s) in running.iter_mut().zip(&stats) {
            r.update(s, n + 1, args.momentum);
        }
        progress.inc(1);
    }
    progress.finish_and_clear();
    for (bn, stats) in bns.iter().zip(&running) {
        replace_statistics(context, *bn, stats);
    }
    tracing::info!(batch_norms = bns.len(), batches = args.data.len(), "statistics re-estimated");
    Ok(())
}

/// Reads one batch: all model inputs share it, so there must be one input.
fn read_batch(path: &Path, interpreter: &Interpreter) -> Result<Vec<Tensor>, String> {
    let [spec] = interpreter.inputs() else {
        return Err(format!("bn-tune needs a model with one input, this one has {}", interpreter.inputs().len()));
    };
    let tensor = npy::read(path)?;
    let shape = tensor.shape();
    if tensor.elem() != spec.elem || shape.len() != spec.shape.len() || shape[1..] != spec.shape[1..] || shape[0] == 0 {
        return Err(format!(
            "--data '{}': expected a batch of tensor<{spec}> (any batch size), got tensor<{}>",
            path.display(),
            tensor.spec()
        ));
    }
    Ok(vec![tensor])
}

/// The batch_norm ops of the entry function, in program order (the order
/// of the interpreter's statistics).
fn batch_norms<'c, 'a>(module: &'a Module<'c>, entry: &str) -> Vec<OperationRef<'c, 'a>> {
    let ops = quant_dialect::func::find_function(module, entry).map(quant_dialect::func::body_ops).unwrap_or_default();
    ops.into_iter().filter(|op| OpKind::of(op) == Some(OpKind::BatchNorm)).collect()
}

fn float_operand(bn: &OperationRef, index: usize) -> Result<Vec<f64>, String> {
    let value = bn.operand(index).map_err(|e| e.to_string())?;
    let constant = ConstTensor::of_value(value).filter(|c| c.elem == ElemType::F32);
    constant.map(|c| c.to_f32().iter().map(|&x| f64::from(x)).collect()).ok_or_else(|| {
        let site = quant_runtime::Site::of(bn.location());
        format!("{site}: batch_norm statistics must be f32 constants to be tuned")
    })
}

fn current_statistics(bn: &OperationRef) -> Result<Running, String> {
    Ok(Running { mean: float_operand(bn, 3)?, var: float_operand(bn, 4)? })
}

/// Points the batch_norm's mean and var operands at new constants.
fn replace_statistics(context: &Context, bn: OperationRef, stats: &Running) {
    let block = bn.block().expect("a batch_norm inside a function body");
    for (index, values) in [(3, &stats.mean), (4, &stats.var)] {
        let ty: Type = RankedTensorType::new(&[values.len() as u64], Type::float32(context), None).into();
        let tensor = ConstTensor {
            shape: vec![values.len()],
            elem: ElemType::F32,
            values: Values::F32(values.iter().map(|&v| v as f32).collect()),
        };
        let constant = OperationBuilder::new("arith.constant", bn.location())
            .add_attributes(&[(Identifier::new(context, "value"), tensor.to_attribute(ty))])
            .add_results(&[ty])
            .build()
            .expect("a well-formed constant");
        let constant = block.insert_operation_before(bn, constant);
        ffi::set_operand(bn, index, constant.result(0).expect("one result").into());
        debug_assert_eq!(bn.operand(index).map(|v| v.r#type()).ok(), Some(ty));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(mean: f64, var: f64, count: usize) -> BatchStats {
        BatchStats { mean: vec![mean], var: vec![var], count }
    }

    #[test]
    fn cumulative_average_is_the_mean_over_batches() {
        let mut r = Running { mean: vec![100.0], var: vec![100.0] };
        r.update(&batch(1.0, 3.0, 4), 1, None);
        r.update(&batch(3.0, 6.0, 4), 2, None);
        assert_eq!(r.mean, vec![2.0]);
        // unbiased: 3·4/3 = 4 and 6·4/3 = 8, averaged.
        assert_eq!(r.var, vec![6.0]);
    }

    #[test]
    fn momentum_is_an_exponential_average_from_the_old_value() {
        let mut r = Running { mean: vec![1.0], var: vec![1.0] };
        r.update(&batch(2.0, 0.5, 2), 1, Some(0.1));
        assert!((r.mean[0] - 1.1).abs() < 1e-12);
        assert!((r.var[0] - (0.9 + 0.1 * 1.0)).abs() < 1e-12);
    }
}
