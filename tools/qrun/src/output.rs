//! Writing result files atomically: a failed run leaves no partial file and
//! keeps the previous one.

use std::{io::Write, os::unix::fs::PermissionsExt, path::Path};

/// Writes what `fill` produces to `path` through a temporary file in the same directory.
pub fn write_atomic(path: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<(), String>) -> Result<(), String> {
    let fail = |e: String| format!("cannot write '{}': {e}", path.display());
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .map_err(|e| fail(e.to_string()))?;
    fill(&mut tmp).map_err(fail)?;
    tmp.flush().map_err(|e| fail(e.to_string()))?;
    tmp.persist(path).map_err(|e| fail(e.error.to_string()))?;
    Ok(())
}
