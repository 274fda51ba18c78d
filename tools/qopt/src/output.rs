//! Writing the result: stdout, or a file replaced atomically (see
//! `quant_cli_output`).

use std::io::Write;
use std::path::Path;

pub fn write(path: Option<&str>, bytes: &[u8]) -> Result<(), String> {
    match path {
        None | Some("-") => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes).and_then(|_| out.flush()).map_err(|e| format!("cannot write to standard output: {e}"))
        }
        Some(path) => quant_cli_output::write_atomic(Path::new(path), |out| out.write_all(bytes)),
    }
}

/// Whether two paths name the same existing file.
pub fn same_file(a: &str, b: &str) -> bool {
    quant_cli_output::same_file(Path::new(a), Path::new(b))
}
