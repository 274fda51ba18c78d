//! `qrun`: runs `quant` dialect models on `.npy` tensors, compares two
//! graphs numerically, and benchmarks them.

mod bench;
mod bn_tune;
mod compare;
mod flops;
mod inputs;
mod metrics;
mod model;
mod npy;
mod profile;
mod run;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "qrun", version, about = "Run, compare and benchmark quant-dialect models")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// More logging (-v: timings).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
}

#[derive(Subcommand, Debug)]
enum Command {
    Run(run::Args),
    Compare(compare::Args),
    Bench(bench::Args),
    BnTune(bn_tune::Args),
}

/// What a command ends with: success, a failed check (exit 1), or an error (exit 1).
pub enum Outcome {
    Ok,
    CheckFailed,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    quant_cli_logging::init(cli.verbose);
    let result = match cli.command {
        Command::Run(args) => run::main(args),
        Command::Compare(args) => compare::main(args),
        Command::Bench(args) => bench::main(args),
        Command::BnTune(args) => bn_tune::main(args),
    };
    match result {
        Ok(Outcome::Ok) => ExitCode::SUCCESS,
        Ok(Outcome::CheckFailed) => ExitCode::from(1),
        Err(message) => {
            eprintln!("qrun: error: {message}");
            ExitCode::from(1)
        }
    }
}
