//! Output formats for a [`Report`]: human, the stable JSON object, SARIF 2.1.0, GitHub
//! workflow annotations, GitLab Code Quality JSON and a Markdown pull-request comment. Each renders to a `String`; the CLI
//! prints it.

mod github;
mod gitlab;
pub(crate) mod human;
mod json;
mod markdown;
mod sarif;

use super::Report;
use std::str::FromStr;

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
    /// One Markdown pull-request comment: findings per file with the safe rewrites.
    Markdown,
}

impl FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "human" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "github" => Ok(Format::Github),
            "gitlab" => Ok(Format::Gitlab),
            "markdown" => Ok(Format::Markdown),
            other => Err(format!(
                "unknown format `{other}` (expected human, json, sarif, github, gitlab or markdown)"
            )),
        }
    }
}

/// Render `report` in `format`; `color` only affects the human format.
#[must_use]
pub fn render(format: Format, report: &Report, color: bool) -> String {
    match format {
        Format::Human => human::render(report, color),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
        Format::Gitlab => gitlab::render(report),
        Format::Markdown => markdown::render(report),
    }
}

/// Pretty JSON with a final newline (serializing plain `serde_json::Value`s cannot fail).
fn to_json(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
