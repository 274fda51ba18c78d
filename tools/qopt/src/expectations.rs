//! `--verify-diagnostics`: checks emitted diagnostics against
//! `// expected-error@+1 {{...}}` comments, as mlir-opt does.

use quant_dialect::diag::{Diagnostic, Severity};

struct Expected {
    severity: Severity,
    /// `None` for `@unknown`.
    line: Option<usize>,
    /// Where the comment itself is (for reporting).
    at: usize,
    message: String,
    matched: bool,
}

fn parse(text: &str) -> Result<Vec<Expected>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        let mut rest = line;
        while let Some(pos) = rest.find("expected-") {
            rest = &rest[pos + "expected-".len()..];
            let severity = [
                ("error", Severity::Error),
                ("warning", Severity::Warning),
                ("remark", Severity::Remark),
                ("note", Severity::Note),
            ]
            .into_iter()
            .find(|(name, _)| rest.starts_with(name));
            let Some((name, severity)) = severity else { continue };
            rest = &rest[name.len()..];
            let mut target = Some(lineno);
            if let Some(designator) = rest.strip_prefix('@') {
                let end = designator.find(|c: char| c.is_whitespace() || c == '{').unwrap_or(designator.len());
                let d = &designator[..end];
                target = match d {
                    "above" => Some(lineno - 1),
                    "below" => Some(lineno + 1),
                    "unknown" => None,
                    _ => {
                        let offset: Option<i64> = if let Some(n) = d.strip_prefix('+') {
                            n.parse().ok()
                        } else if let Some(n) = d.strip_prefix('-') {
                            n.parse::<i64>().ok().map(|n| -n)
                        } else {
                            d.parse::<i64>().ok().map(|abs| abs - lineno as i64)
                        };
                        let offset =
                            offset.ok_or_else(|| format!("line {lineno}: bad expected-{name} designator '@{d}'"))?;
                        Some((lineno as i64 + offset) as usize)
                    }
                };
                rest = &designator[end..];
            }
            let open =
                rest.find("{{").ok_or_else(|| format!("line {lineno}: expected-{name} without {{{{message}}}}"))?;
            let close = rest[open..]
                .find("}}")
                .ok_or_else(|| format!("line {lineno}: unterminated {{{{ in expected-{name}"))?;
            out.push(Expected {
                severity,
                line: target,
                at: lineno,
                message: rest[open + 2..open + close].to_string(),
                matched: false,
            });
            rest = &rest[open + close + 2..];
        }
    }
    Ok(out)
}

/// Returns the problems found (empty when every diagnostic was expected and
/// every expectation was met).
pub fn check(file: &str, text: &str, diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut expected = match parse(text) {
        Ok(e) => e,
        Err(message) => return vec![format!("{file}: error: {message}")],
    };
    let mut problems = Vec::new();
    let mut flat = Vec::new();
    for d in diagnostics {
        flat.push(d);
        flat.extend(d.notes.iter());
    }
    for d in flat {
        let line = d.location.as_ref().map(|l| l.line);
        let found = expected
            .iter_mut()
            .find(|e| !e.matched && e.severity == d.severity && e.line == line && d.message.contains(&e.message));
        match found {
            Some(e) => e.matched = true,
            None => problems.push(format!("unexpected {d}")),
        }
    }
    for e in expected.iter().filter(|e| !e.matched) {
        let target = e.line.map(|l| format!("line {l}")).unwrap_or_else(|| "an unknown location".into());
        problems.push(format!(
            "{file}:{}: error: expected {} \"{}\" at {target} was not produced",
            e.at,
            e.severity.as_str(),
            e.message
        ));
    }
    problems
}
