//! `qopt`: parse, verify, optimize and print `quant` dialect modules, with
//! mlir-opt's conventions.

mod cli;
mod expectations;
mod input;
mod lower;
mod onnx_cmd;
mod output;

use clap::Parser;
use cli::Cli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    let job: Box<dyn FnOnce() -> ExitCode + Send> = match onnx_cmd::parse(&args) {
        Some(Ok(command)) => {
            quant_cli_logging::init(0);
            Box::new(move || onnx_cmd::run(command))
        }
        Some(Err(code)) => return code,
        None => match Cli::try_parse_from(&args) {
            Ok(cli) => {
                quant_cli_logging::init(cli.verbose);
                Box::new(move || cli::run(cli))
            }
            Err(e) => {
                let _ = e.print();
                return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
            }
        },
    };
    // MLIR's parser and printer recurse on nesting; a large stack keeps deep
    // (but accepted) inputs from overflowing it.
    let worker = std::thread::Builder::new().stack_size(1 << 30).spawn(job);
    match worker.map(|handle| handle.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("qopt: internal error (this is a bug; please report it with the input)");
            ExitCode::from(1)
        }
    }
}
