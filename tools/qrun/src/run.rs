//! `qrun run`: one model, inputs from `.npy`, outputs to `.npy`.

use crate::{
    inputs,
    model::{EngineArgs, Model},
    npy, Outcome,
};
use std::path::{Path, PathBuf};

/// Run a model on .npy inputs and write its outputs.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model (MLIR text or bytecode).
    model: String,
    /// One .npy file per argument of the entry function, in order.
    #[arg(long = "input", value_name = "X.npy")]
    inputs: Vec<PathBuf>,
    /// Output .npy file; with several results, a directory of result_K.npy.
    #[arg(short = 'o', value_name = "OUT")]
    output: PathBuf,
    /// The function to run.
    #[arg(long, default_value = "main")]
    entry: String,
    #[command(flatten)]
    how: EngineArgs,
}

pub fn main(args: Args) -> Result<Outcome, String> {
    let read = args.inputs.iter().map(PathBuf::as_path).chain([Path::new(&args.model)]);
    // `-o` is the result file, or the directory of several results: refused
    // before any work when it names a file this run reads.
    quant_cli_output::refuse_to_overwrite(&args.output, read.clone())?;
    let context = quant_dialect::create_context().map_err(|e| e.to_string())?;
    let model = Model::load(&context, &args.model, &args.entry, args.how)?;
    let inputs = inputs::from_files(&args.inputs, model.inputs())?;
    let outputs = model.run(&inputs)?;
    if let [only] = outputs.as_slice() {
        return npy::write(&args.output, only).map(|()| Outcome::Ok);
    }
    let targets: Vec<PathBuf> = (0..outputs.len()).map(|k| args.output.join(format!("result_{k}.npy"))).collect();
    for target in &targets {
        quant_cli_output::refuse_to_overwrite(target, read.clone())?;
    }
    std::fs::create_dir_all(&args.output)
        .map_err(|e| format!("cannot create directory '{}': {e}", args.output.display()))?;
    for (target, tensor) in targets.iter().zip(&outputs) {
        npy::write(target, tensor)?;
    }
    Ok(Outcome::Ok)
}
