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
use std::{io::IsTerminal, process::ExitCode};

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    let job: Box<dyn FnOnce() -> ExitCode + Send> = match onnx_cmd::parse(&args) {
        Some(Ok(command)) => {
            init_logging(0);
            Box::new(move || onnx_cmd::run(command))
        }
        Some(Err(code)) => return code,
        None => match Cli::try_parse_from(&args) {
            Ok(cli) => {
                init_logging(cli.verbose);
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

fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .init();
}
