//! Diagnostics in the `file:line:col: severity: message` form of mlir-opt.
//!
//! MLIR's diagnostic engine and the Rust side (warnings and remarks, which the
//! C API cannot emit) feed one per-thread sink while a [`Capture`] is alive,
//! so a driver can print them in order or check them against `expected-*`
//! comments. Without a capture, diagnostics are printed to stderr.

use melior::{
    diagnostic::{DiagnosticHandlerId, DiagnosticSeverity},
    ir::Location,
    Context,
};
use std::{cell::RefCell, fmt};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
    Remark,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Remark => "remark",
            Severity::Note => "note",
        }
    }
}

/// A resolved source position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceLoc {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl SourceLoc {
    /// Resolves an MLIR location to its file position, looking through
    /// name, call-site and fused locations; `None` for unknown locations.
    pub fn from_location(location: Location) -> Option<Self> {
        if location.is_file_line_col_range() {
            let file = location.file_line_col_range_filename().as_string_ref().as_str().ok()?.to_string();
            let file = if file.is_empty() || file == "-" { SOURCE_NAME.with(|n| n.borrow().clone()) } else { file };
            return Some(SourceLoc {
                file,
                line: location.file_line_col_range_start_line(),
                column: location.file_line_col_range_start_column(),
            });
        }
        if location.is_name() {
            return Self::from_location(location.name_child_location());
        }
        if location.is_call_site() {
            return Self::from_location(location.call_site_callee());
        }
        if location.is_fused() {
            return (0..location.fused_num_locations()).find_map(|i| Self::from_location(location.fused_location(i)));
        }
        None
    }
}

#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: Severity,
    pub location: Option<SourceLoc>,
    pub message: String,
    pub notes: Vec<Diagnostic>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(loc) = &self.location {
            write!(f, "{}:{}:{}: ", loc.file, loc.line, loc.column)?;
        }
        write!(f, "{}: {}", self.severity.as_str(), self.message)?;
        for note in &self.notes {
            write!(f, "\n{note}")?;
        }
        Ok(())
    }
}

thread_local! {
    static SOURCE_NAME: RefCell<String> = const { RefCell::new(String::new()) };
    static SINK: RefCell<Option<Vec<Diagnostic>>> = const { RefCell::new(None) };
}

/// The name reported for locations in the buffer MLIR parsed last (it calls it "").
pub fn set_source_name(name: &str) {
    SOURCE_NAME.with(|n| *n.borrow_mut() = name.to_string());
}

fn push(diagnostic: Diagnostic) {
    let unclaimed = SINK.with(|sink| match sink.borrow_mut().as_mut() {
        Some(list) => {
            list.push(diagnostic);
            None
        }
        None => Some(diagnostic),
    });
    if let Some(diagnostic) = unclaimed {
        eprintln!("{diagnostic}");
    }
}

fn convert(diagnostic: &melior::diagnostic::Diagnostic) -> Diagnostic {
    let severity = match diagnostic.severity() {
        DiagnosticSeverity::Error => Severity::Error,
        DiagnosticSeverity::Warning => Severity::Warning,
        DiagnosticSeverity::Remark => Severity::Remark,
        DiagnosticSeverity::Note => Severity::Note,
    };
    let notes = (0..diagnostic.note_count())
        .filter_map(|i| diagnostic.note(i).ok())
        .map(|note| convert(&note))
        .filter(|note| !note.message.starts_with("see current operation"))
        .collect();
    Diagnostic {
        severity,
        location: SourceLoc::from_location(diagnostic.location()),
        message: diagnostic.to_string(),
        notes,
    }
}

/// Collects every diagnostic of `context` (and of this thread's Rust-side
/// emitters) until dropped.
pub struct Capture<'c> {
    context: &'c Context,
    handler: DiagnosticHandlerId,
}

impl<'c> Capture<'c> {
    pub fn new(context: &'c Context) -> Self {
        SINK.with(|sink| sink.borrow_mut().get_or_insert_with(Vec::new).clear());
        let handler = context.attach_diagnostic_handler(|diagnostic| {
            push(convert(&diagnostic));
            true
        });
        Capture { context, handler }
    }

    /// Returns and forgets the diagnostics collected so far.
    pub fn take(&self) -> Vec<Diagnostic> {
        SINK.with(|sink| sink.borrow_mut().as_mut().map(std::mem::take).unwrap_or_default())
    }
}

impl Drop for Capture<'_> {
    fn drop(&mut self) {
        self.context.detach_diagnostic_handler(self.handler);
        SINK.with(|sink| *sink.borrow_mut() = None);
    }
}

/// Emits a diagnostic at `location`. Errors go through MLIR's engine (so any
/// handler sees them); other severities go straight to the sink.
pub fn emit(location: Location, severity: Severity, message: &str) {
    if severity == Severity::Error {
        crate::ffi::emit_error(location, message);
    } else {
        push(Diagnostic {
            severity,
            location: SourceLoc::from_location(location),
            message: message.to_string(),
            notes: Vec::new(),
        });
    }
}
