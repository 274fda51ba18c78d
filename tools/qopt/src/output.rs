//! Writing the result: stdout, or a file replaced atomically so that a
//! failed run never leaves a partial or clobbered output.

use std::io::Write;
use std::path::Path;

pub fn write(path: Option<&str>, bytes: &[u8]) -> Result<(), String> {
    match path {
        None | Some("-") => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes).and_then(|_| out.flush()).map_err(|e| format!("cannot write to standard output: {e}"))
        }
        Some(path) => {
            let target = Path::new(path);
            let dir = target.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let mut tmp = tempfile::Builder::new()
                .prefix(".qopt-")
                .suffix(".tmp")
                .permissions(new_file_permissions())
                .tempfile_in(dir)
                .map_err(|e| format!("cannot create a temporary file in '{}': {e}", dir.display()))?;
            tmp.write_all(bytes).and_then(|_| tmp.flush()).map_err(|e| format!("cannot write '{path}': {e}"))?;
            tmp.persist(target).map_err(|e| format!("cannot write '{path}': {}", e.error))?;
            Ok(())
        }
    }
}

/// rw for everyone the umask allows, as any newly created file (tempfile's
/// default, 0600, would hide results from other users).
fn new_file_permissions() -> std::fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    std::fs::Permissions::from_mode(0o666)
}

/// Whether two paths name the same existing file.
pub fn same_file(a: &str, b: &str) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}
