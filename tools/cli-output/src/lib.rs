//! How the command-line tools write result files. A file is written to a
//! temporary file in its directory, then renamed over the target: a run
//! that fails leaves no partial file and keeps the previous one. And a
//! result never replaces a file the same run reads.

use std::{
    fmt::Display,
    fs,
    io::{BufWriter, Write},
    os::unix::fs::PermissionsExt,
    path::Path,
};

/// Writes what `fill` produces to `path`, atomically.
pub fn write_atomic<E: Display>(path: &Path, fill: impl FnOnce(&mut dyn Write) -> Result<(), E>) -> Result<(), String> {
    let fail = |e: &dyn Display| format!("cannot write '{}': {e}", path.display());
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // rw for everyone the umask allows, as for any new file (tempfile's
    // default, 0600, would hide results from other users).
    let tmp = tempfile::Builder::new()
        .prefix(".")
        .permissions(fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        // tempfile's error names the temporary path it tried, of no use
        // to the user: name the directory and the kind of failure instead.
        .map_err(|e| fail(&format!("cannot create a file in '{}': {}", dir.display(), e.kind())))?;
    let mut out = BufWriter::with_capacity(1 << 20, tmp);
    fill(&mut out).map_err(|e| fail(&e))?;
    out.flush().map_err(|e| fail(&e))?;
    let tmp = out.into_inner().map_err(|e| fail(e.error()))?;
    tmp.persist(path).map_err(|e| fail(&e.error))?;
    Ok(())
}

/// Fails when `output` names the same existing file as one of `inputs`.
pub fn refuse_to_overwrite<'a>(output: &Path, inputs: impl IntoIterator<Item = &'a Path>) -> Result<(), String> {
    match inputs.into_iter().find(|input| same_file(output, input)) {
        Some(input) => Err(format!("output '{}' is the input file '{}'", output.display(), input.display())),
        None => Ok(()),
    }
}

/// Whether two paths name the same existing file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;

    #[test]
    fn a_failed_fill_keeps_the_previous_file_and_leaves_no_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_atomic(&path, |out| out.write_all(b"first")).unwrap();
        let failed = write_atomic(&path, |out| {
            out.write_all(b"partial")?;
            Err(io::Error::other("disk on fire"))
        });
        assert!(failed.unwrap_err().contains("disk on fire"));
        assert_eq!(fs::read(&path).unwrap(), b"first");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "a temporary file was left behind");
    }

    #[test]
    fn a_missing_directory_is_named_without_the_temporary_path() {
        let err = write_atomic(Path::new("/nonexistent-dir/out.txt"), |out| out.write_all(b"x")).unwrap_err();
        assert!(err.starts_with("cannot write '/nonexistent-dir/out.txt': "), "{err}");
        assert!(!err.contains("/nonexistent-dir/."), "{err}");
    }

    #[test]
    fn an_input_is_not_overwritten_through_another_path() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.mlir");
        fs::write(&input, "x").unwrap();
        let other = dir.path().join("sub/../in.mlir");
        fs::create_dir(dir.path().join("sub")).unwrap();
        assert!(refuse_to_overwrite(&other, [input.as_path()]).is_err());
        assert!(refuse_to_overwrite(&dir.path().join("new.npy"), [input.as_path()]).is_ok());
    }
}
