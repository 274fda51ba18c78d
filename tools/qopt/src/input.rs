//! Reading the input and splitting it into `// -----` chunks.

use std::io::Read;

/// The input bytes and the name used in diagnostics.
pub struct Input {
    pub name: String,
    pub bytes: Vec<u8>,
}

pub fn read(path: &str) -> Result<Input, String> {
    if path == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(Input { name: "<stdin>".into(), bytes });
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot open input file '{path}': {e}"))?;
    Ok(Input { name: path.into(), bytes })
}

/// MLIR bytecode starts with the magic "MLïR".
pub fn is_bytecode(bytes: &[u8]) -> bool {
    bytes.starts_with(b"ML\xEFR")
}

/// One chunk of a split input, padded with blank lines so that line numbers
/// match the whole file.
pub struct Chunk {
    pub text: Vec<u8>,
    /// 1-based line of the chunk's first line in the file.
    pub first_line: usize,
}

fn is_separator(line: &[u8]) -> bool {
    let trimmed = line.trim_ascii();
    trimmed.starts_with(b"// -----") && trimmed[8..].iter().all(|&c| c == b'-')
}

pub fn split(bytes: &[u8]) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut current = Vec::new();
    let mut first_line = 1;
    for (i, line) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        if is_separator(line) {
            chunks.push(Chunk { text: std::mem::take(&mut current), first_line });
            first_line = i + 2;
            current.extend(std::iter::repeat_n(b'\n', i + 1));
        } else {
            current.extend_from_slice(line);
        }
    }
    chunks.push(Chunk { text: current, first_line });
    chunks
}

/// The deepest bracket nesting of a text input. MLIR's parser recurses per
/// level, so absurd depths are refused before parsing.
pub fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut in_string = false;
    let mut prev = 0u8;
    for &b in bytes {
        if in_string {
            in_string = !(b == b'"' && prev != b'\\');
        } else {
            match b {
                b'"' => in_string = true,
                b'(' | b'[' | b'{' | b'<' => {
                    depth += 1;
                    max = max.max(depth);
                }
                b')' | b']' | b'}' | b'>' => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        prev = b;
    }
    max
}
