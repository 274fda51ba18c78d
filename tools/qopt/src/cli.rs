//! qopt's options and the run over the input's chunks.

use crate::{expectations, input, lower, output};
use clap::{Parser, ValueEnum};
use melior::{
    ir::{operation::OperationLike, Module},
    Context,
};
use quant_compiler::{config, passes::lookup, pipeline::sparsebit_order, Pipeline, RunOptions};
use quant_dialect::diag::{Capture, Severity};
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    Mlir,
    Bytecode,
}

/// Quantization-aware graph optimizer for the `quant` MLIR dialect.
///
/// With no pass flags: parse, verify and print. Pass flags run in sparsebit's
/// order (fuse-bn, then disable-unnecessary-quant), each followed by prune.
#[derive(Parser, Debug)]
#[command(name = "qopt", version, about, long_about = None)]
pub struct Cli {
    /// Input file (MLIR text or bytecode); `-` or nothing reads stdin.
    #[arg(default_value = "-")]
    pub input: String,
    /// Output file (default: stdout). Written atomically.
    #[arg(short = 'o', value_name = "FILE")]
    pub output: Option<String>,
    /// Allow the output to replace the input file.
    #[arg(long)]
    pub in_place: bool,
    /// Fold batch_norm into the preceding conv2d/linear (quant-fuse-bn).
    #[arg(long)]
    pub fuse_bn: bool,
    /// Remove Q/DQ pairs on fusible edges (quant-disable-unnecessary-quant).
    #[arg(long)]
    pub disable_unnecessary_quant: bool,
    /// Remove ops that do not reach the return (quant-prune).
    #[arg(long)]
    pub prune: bool,
    /// Translate the result to upstream TOSA and print that (quant-lower-to-tosa; runs last).
    #[arg(long)]
    pub lower_to_tosa: bool,
    /// Translate to TOSA, then through MLIR's tosa-to-linalg passes (quant-lower-to-linalg; runs last).
    #[arg(long)]
    pub lower_to_linalg: bool,
    /// A named pipeline; `deploy` = fuse-bn, disable-unnecessary-quant, prune, lower-to-tosa.
    #[arg(long, value_enum, value_name = "NAME")]
    pub quant_pipeline: Option<lower::NamedPipeline>,
    /// sparsebit's fuse_operations: the default list, gated by --config.
    #[arg(long)]
    pub fuse_operations: bool,
    /// sparsebit-style YAML config; its SCHEDULE switches gate --fuse-operations.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Custom fuse_operations list (e.g. `fuse_bn,disable_unnecessary_quant`).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub fuse_list: Option<Vec<String>>,
    /// MLIR textual pipeline, e.g. `builtin.module(func.func(quant-fuse-bn),canonicalize)`.
    #[arg(long, value_name = "PIPELINE")]
    pub pass_pipeline: Option<String>,
    /// Comma-separated pass names (qopt's or upstream's), run in that order.
    #[arg(short = 'p', long = "passes", value_name = "NAMES")]
    pub passes: Option<String>,
    /// Print the IR to stderr after every pass.
    #[arg(long)]
    pub print_ir_after_all: bool,
    /// Skip verification after each pass (the input is still verified).
    #[arg(long)]
    pub no_verify_each: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "mlir")]
    pub emit: Emit,
    /// Process each `// -----` chunk of the input separately.
    #[arg(long)]
    pub split_input_file: bool,
    /// Check diagnostics against `expected-*` comments instead of printing them.
    #[arg(long)]
    pub verify_diagnostics: bool,
    /// List the registered passes and exit.
    #[arg(long)]
    pub list_passes: bool,
    /// More logging (-v: per-pass time and rewrite counts, and remarks).
    #[arg(short, long, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

const MAX_NESTING: usize = 2000;

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("qopt: error: {message}");
    ExitCode::from(2)
}

fn failure(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("qopt: error: {message}");
    ExitCode::from(1)
}

fn build_pipeline(cli: &Cli) -> Result<Pipeline, ExitCode> {
    let sources = [
        cli.pass_pipeline.is_some(),
        cli.passes.is_some(),
        cli.fuse_operations || cli.fuse_list.is_some(),
        cli.quant_pipeline.is_some(),
    ];
    if sources.iter().filter(|&&s| s).count() > 1 {
        return Err(usage("use only one of --pass-pipeline, -p, --fuse-operations/--fuse-list and --quant-pipeline"));
    }
    if let Some(text) = &cli.pass_pipeline {
        return Pipeline::parse_textual(text).map_err(usage);
    }
    if let Some(list) = &cli.passes {
        return Pipeline::parse_list(list).map_err(usage);
    }
    let schedule = match &cli.config {
        Some(path) => config::Schedule::from_file(std::path::Path::new(path)).map_err(failure)?,
        None => config::Schedule::default(),
    };
    if cli.fuse_operations || cli.fuse_list.is_some() {
        if schedule.bn_tuning {
            tracing::info!("SCHEDULE.BN_TUNING needs calibration data: run `qrun bn-tune` for it");
        }
        return config::fuse_operations(&schedule, cli.fuse_list.as_deref()).map_err(usage);
    }
    let deploy = cli.quant_pipeline == Some(lower::NamedPipeline::Deploy);
    let flags = [
        (cli.fuse_bn || deploy, "quant-fuse-bn"),
        (cli.disable_unnecessary_quant || deploy, "quant-disable-unnecessary-quant"),
        (cli.prune || deploy, "quant-prune"),
    ];
    let enabled: Vec<_> = flags.iter().filter(|(on, _)| *on).filter_map(|(_, name)| lookup(name)).collect();
    Ok(sparsebit_order(&enabled))
}

/// The outcome of one chunk: printed output, or failure.
struct ChunkResult {
    output: Option<Vec<u8>>,
    ok: bool,
}

fn process_chunk(context: &Context, cli: &Cli, pipeline: &Pipeline, name: &str, text: &[u8]) -> ChunkResult {
    let capture = Capture::new(context);
    let result = optimize(context, cli, pipeline, name, text);
    let diagnostics = capture.take();
    let ok = if cli.verify_diagnostics {
        let problems = expectations::check(name, &String::from_utf8_lossy(text), &diagnostics);
        problems.iter().for_each(|p| eprintln!("{p}"));
        problems.is_empty()
    } else {
        for d in &diagnostics {
            if d.severity != Severity::Remark || cli.verbose > 0 {
                eprintln!("{d}");
            }
        }
        result.is_some()
    };
    ChunkResult { output: result, ok }
}

fn optimize(context: &Context, cli: &Cli, pipeline: &Pipeline, name: &str, text: &[u8]) -> Option<Vec<u8>> {
    if !input::is_bytecode(text) && input::nesting_depth(text) > MAX_NESTING {
        quant_dialect::diag::emit(
            melior::ir::Location::new(context, name, 1, 1),
            Severity::Error,
            &format!("input nesting is deeper than {MAX_NESTING} levels"),
        );
        return None;
    }
    let mut module: Module = quant_dialect::ffi::parse_module(context, text, name)?;
    quant_dialect::verify::verify_module(&module).ok()?;
    let options = RunOptions { verify_each: !cli.no_verify_each, print_ir_after_all: cli.print_ir_after_all };
    if let Err(e) = pipeline.run(&mut module, options) {
        tracing::debug!("{e}");
        if !matches!(e, quant_compiler::PipelineError::Verify(_) | quant_compiler::PipelineError::PassFailed(_)) {
            quant_dialect::diag::emit(module.as_operation().location(), Severity::Error, &e.to_string());
        }
        return None;
    }
    if let Some(lowering) = lower::requested(cli) {
        return lower::run(&module, lowering, cli.print_ir_after_all);
    }
    Some(match cli.emit {
        Emit::Mlir => format!("{}\n", module.as_operation()).into_bytes(),
        Emit::Bytecode => module.as_operation().write_bytecode(),
    })
}

pub fn run(cli: Cli) -> ExitCode {
    if cli.list_passes {
        for p in quant_compiler::registry() {
            println!("  --{:<28} {} ({})", p.flag, p.description, p.name);
        }
        lower::list();
        return ExitCode::SUCCESS;
    }
    let pipeline = match build_pipeline(&cli) {
        Ok(p) => p,
        Err(code) => return code,
    };
    if lower::requested(&cli).is_some() && cli.emit == Emit::Bytecode {
        return usage("--emit=bytecode cannot be combined with lowering (the lowered module is printed as text)");
    }
    if cli.split_input_file && cli.emit == Emit::Bytecode {
        return usage("--emit=bytecode cannot be combined with --split-input-file");
    }
    let target = if cli.in_place && cli.output.is_none() { Some(cli.input.clone()) } else { cli.output.clone() };
    if let Some(out) = &target {
        if cli.input != "-" && !cli.in_place && output::same_file(out, &cli.input) {
            return usage(format!("output file '{out}' is the input file; pass --in-place to overwrite it"));
        }
    }
    if cli.in_place && cli.input == "-" {
        return usage("--in-place needs an input file");
    }
    let source = match input::read(&cli.input) {
        Ok(s) => s,
        Err(e) => return failure(e),
    };
    let context = match quant_dialect::create_context() {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    let chunks = if cli.split_input_file && !input::is_bytecode(&source.bytes) {
        input::split(&source.bytes)
    } else {
        vec![input::Chunk { text: source.bytes.clone(), first_line: 1 }]
    };
    let mut outputs = Vec::new();
    let mut all_ok = true;
    for chunk in &chunks {
        tracing::debug!(line = chunk.first_line, "processing chunk");
        let result = process_chunk(&context, &cli, &pipeline, &source.name, &chunk.text);
        all_ok &= result.ok;
        if let Some(out) = result.output {
            outputs.push(out);
        }
    }
    if !all_ok {
        return ExitCode::from(1);
    }
    let joined = outputs.join(&b"// -----\n"[..]);
    match output::write(target.as_deref(), &joined) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => failure(e),
    }
}
