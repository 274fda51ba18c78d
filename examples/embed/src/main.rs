//! `embed-example FILE.mlir`: prints FILE after the example pipeline.

fn main() -> anyhow::Result<()> {
    let Some(path) = std::env::args().nth(1) else {
        anyhow::bail!("usage: embed-example FILE.mlir");
    };
    let source = std::fs::read_to_string(&path)?;
    print!("{}", embed_example::compile(&source, &path)?);
    Ok(())
}
