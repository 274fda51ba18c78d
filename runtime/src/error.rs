//! Errors of the runtime: each names the op or argument at fault and, for
//! ops, its source position.

use melior::ir::Location;
use quant_dialect::diag::SourceLoc;
use std::fmt;

/// Where an op comes from: `file:line:col`, or `<unknown location>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site(Option<SourceLoc>);

impl Site {
    pub const UNKNOWN: Site = Site(None);

    pub fn of(location: Location) -> Self {
        Site(SourceLoc::from_location(location))
    }
}

impl fmt::Display for Site {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(loc) => write!(f, "{}:{}:{}", loc.file, loc.line, loc.column),
            None => f.write_str("<unknown location>"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("no function @{0} in the module")]
    MissingEntry(String),
    /// Ops other than the quant dialect's, `arith.constant` and `func.return`.
    #[error("{site}: unsupported op '{op}'")]
    Unsupported { op: String, site: Site },
    #[error("{site}: '{op}': {message}")]
    Op { op: String, site: Site, message: String },
    #[error("@{entry} takes {expected} inputs, got {got}")]
    InputCount { entry: String, expected: usize, got: usize },
    #[error("input #{index} of @{entry}: {message}")]
    BadInput { entry: String, index: usize, message: String },
    #[error("{0}")]
    Threads(String),
}
