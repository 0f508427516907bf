//! Output formats for a [`Report`](super::Report).

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Source excerpts with a caret, the rule, why and the rewrite.
    Human,
    /// The stable JSON object documented in `docs/lint.md`.
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// GitHub Actions workflow annotations.
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
}

pub mod human;
