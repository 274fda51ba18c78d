//! `qopt import MODEL.onnx -o MODEL.mlir` and `qopt export-onnx MODEL.mlir -o
//! MODEL.onnx`. qopt's own command line is flat (mlir-opt style), so these
//! are recognized by their first word and parsed separately; every other
//! invocation is unchanged.

use crate::{input, output};
use clap::Parser;
use melior::ir::operation::OperationLike;
use quant_dialect::diag::Capture;
use std::{ffi::OsString, path::Path, process::ExitCode};

/// Import an ONNX model as `quant` dialect MLIR.
#[derive(Parser, Debug)]
#[command(name = "qopt import", version)]
pub struct Import {
    /// The ONNX model (external data files are read from its directory).
    pub input: String,
    /// Output file (default: stdout). Written atomically; nothing is written on error.
    #[arg(short = 'o', value_name = "FILE")]
    pub output: Option<String>,
}

/// Export a `quant` dialect module (text or bytecode) as an ONNX model.
#[derive(Parser, Debug)]
#[command(name = "qopt export-onnx", version)]
pub struct Export {
    /// Input file (MLIR text or bytecode); `-` reads stdin.
    #[arg(default_value = "-")]
    pub input: String,
    /// Output ONNX file. Written atomically; nothing is written on error.
    #[arg(short = 'o', value_name = "FILE", required = true)]
    pub output: String,
    /// The function to export.
    #[arg(long, default_value = "main")]
    pub entry: String,
}

pub enum Command {
    Import(Import),
    Export(Export),
}

/// The ONNX command of `args` (the whole argv), `None` when the first word is
/// not one, or the exit code of a usage error or `--help`.
pub fn parse(args: &[OsString]) -> Option<Result<Command, ExitCode>> {
    let word = args.get(1)?.to_str()?;
    let rest = &args[1..];
    let parsed = match word {
        "import" => Import::try_parse_from(rest).map(Command::Import),
        "export-onnx" => Export::try_parse_from(rest).map(Command::Export),
        _ => return None,
    };
    Some(parsed.map_err(|e| {
        let _ = e.print();
        ExitCode::from(if e.use_stderr() { 2 } else { 0 })
    }))
}

fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("qopt: error: {message}");
    ExitCode::from(1)
}

pub fn run(command: Command) -> ExitCode {
    let (input, target) = match &command {
        Command::Import(c) => (c.input.as_str(), c.output.as_deref()),
        Command::Export(c) => (c.input.as_str(), Some(c.output.as_str())),
    };
    if let Some(out) = target.filter(|&o| input != "-" && output::same_file(o, input)) {
        eprintln!("qopt: error: output file '{out}' is the input file");
        return ExitCode::from(2);
    }
    let bytes = match &command {
        Command::Import(c) => import(c),
        Command::Export(c) => export(c),
    };
    match bytes.and_then(|b| output::write(target, &b)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// Imports, then parses and verifies the result, so that only valid IR is written.
fn import(c: &Import) -> Result<Vec<u8>, String> {
    let text = quant_onnx::import::import_file(Path::new(&c.input)).map_err(|e| format!("{}: {e}", c.input))?;
    let context = quant_dialect::create_context().map_err(|e| e.to_string())?;
    let capture = Capture::new(&context);
    let module = quant_dialect::parse_source(&context, &text, &c.input);
    let valid = module.as_ref().is_some_and(|m| quant_dialect::verify::verify_module(m).is_ok());
    if !valid {
        capture.take().iter().for_each(|d| eprintln!("{d}"));
        return Err(format!("{}: the imported module does not verify (an importer bug; please report it)", c.input));
    }
    Ok(text.into_bytes())
}

fn export(c: &Export) -> Result<Vec<u8>, String> {
    let source = input::read(&c.input)?;
    let context = quant_dialect::create_context().map_err(|e| e.to_string())?;
    let capture = Capture::new(&context);
    let module = quant_dialect::ffi::parse_module(&context, &source.bytes, &source.name)
        .filter(|m| quant_dialect::verify::verify_module(m).is_ok() && m.as_operation().verify());
    let Some(module) = module else {
        capture.take().iter().for_each(|d| eprintln!("{d}"));
        return Err(format!("{}: invalid input", source.name));
    };
    let model = quant_onnx::export::export_module(&module, &c.entry).map_err(|e| e.to_string())?;
    Ok(prost::Message::encode_to_vec(&model))
}
