//! `qgen`: writes ResNet-shaped models in the `quant` dialect, with random
//! weights from a fixed seed, for benchmarks and end-to-end tests.

mod emit;
mod resnet;

use clap::{Parser, ValueEnum};
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Quant {
    /// Float graph.
    None,
    /// sparsebit-style fake quantization: per-tensor Q/DQ on the input of every
    /// conv2d/linear/batch_norm/relu/add, per-channel Q/DQ on weights.
    FakeQuant,
}

/// Generate a ResNet model in the quant dialect.
#[derive(Parser, Debug)]
#[command(name = "qgen", version, about)]
struct Cli {
    /// Blocks per stage: 3,4,6,3 is ResNet-50 (53 conv+batch_norm pairs).
    #[arg(long, value_delimiter = ',', default_value = "3,4,6,3")]
    blocks: Vec<usize>,
    /// Input height and width.
    #[arg(long, default_value_t = 224)]
    size: usize,
    /// Batch size.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Width of the first stage (64 for ResNet-50).
    #[arg(long, default_value_t = 64)]
    width: usize,
    /// Classes of the final linear layer.
    #[arg(long, default_value_t = 1000)]
    classes: usize,
    #[arg(long, value_enum, default_value = "none")]
    quant: Quant,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output file.
    #[arg(short = 'o')]
    output: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    anyhow::ensure!(cli.blocks.len() == 4 && cli.blocks.iter().all(|&b| b > 0), "--blocks needs 4 positive counts");
    anyhow::ensure!(cli.size >= 32 && cli.size % 32 == 0, "--size must be a positive multiple of 32");
    let spec = resnet::Spec {
        blocks: [cli.blocks[0], cli.blocks[1], cli.blocks[2], cli.blocks[3]],
        size: cli.size,
        batch: cli.batch,
        width: cli.width,
        classes: cli.classes,
        quant: cli.quant,
        seed: cli.seed,
    };
    quant_cli_output::write_atomic(&cli.output, |out| resnet::write(&spec, out)).map_err(anyhow::Error::msg)
}
