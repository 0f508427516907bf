//! The result of linting: per-file diagnostics (with the source, for renderers that quote
//! it) and totals.

use super::{Diagnostic, Severity};

/// The result for one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The file as given (`-` or the stdin name for standard input).
    pub path: String,
    /// The file text, for renderers that show source lines.
    pub source: String,
    /// Findings, sorted by position.
    pub diagnostics: Vec<Diagnostic>,
    /// How many statements were linted.
    pub statements: usize,
}

/// The result of a whole run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// One entry per file, in the order given.
    pub files: Vec<FileReport>,
}

impl Report {
    /// Every diagnostic, file by file.
    pub fn diagnostics(&self) -> impl Iterator<Item = &Diagnostic> {
        self.files.iter().flat_map(|f| f.diagnostics.iter())
    }

    /// The number of statements linted.
    #[must_use]
    pub fn statements(&self) -> usize {
        self.files.iter().map(|f| f.statements).sum()
    }

    /// True when some finding is at `level` or above.
    #[must_use]
    pub fn fails_at(&self, level: Severity) -> bool {
        self.diagnostics().any(|d| d.severity >= level)
    }

    /// The source text of `path`, when it is in the report.
    #[must_use]
    pub fn source(&self, path: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.path == path)
            .map(|f| f.source.as_str())
    }
}
