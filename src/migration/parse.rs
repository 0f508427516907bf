//! Reading one migration file: its `-- bellows:<phase>` markers, directives and statements.

use super::near_miss::{check_nul, near_miss, strip_bom, suggest};
use super::phase::{checksum, normalized_sql, Directives, Phase, PhaseKind};
use crate::sql::{split, Dialect};

/// What is wrong with a migration file, with the line where that applies.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FormatError {
    /// The 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl FormatError {
    fn at(line: usize, message: impl Into<String>) -> Self {
        FormatError {
            line: Some(line),
            message: message.into(),
        }
    }
}

/// A `-- bellows:<word> ...` line.
struct Marker<'a> {
    word: &'a str,
    rest: &'a str,
}

/// Recognise a bellows marker comment on a line.
fn marker(line: &str) -> Option<Marker<'_>> {
    let body = line.trim_start().strip_prefix("--")?.trim_start();
    let after = body.strip_prefix("bellows:")?;
    let end = after.find(char::is_whitespace).unwrap_or(after.len());
    Some(Marker {
        word: &after[..end],
        rest: &after[end..],
    })
}

/// Marker words that are not phases but are valid (the linter reads them).
const NON_PHASE_MARKERS: &[&str] = &["allow"];

/// Split a migration file's text into phases. A text without phase markers is one expand
/// phase. `allow` markers are left for the linter.
///
/// # Errors
/// Unknown markers, bad directives, a phase given twice, statements before the first marker
/// and text that cannot be split, each with its line.
pub(crate) fn parse_phases(text: &str, dialect: Dialect) -> Result<Vec<Phase>, FormatError> {
    let text = strip_bom(text);
    check_nul(text)?;
    let mut sections: Vec<(PhaseKind, Directives, Option<usize>, usize, usize)> = Vec::new();
    let mut offset = 0usize;
    let mut preamble_end = None;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let line_no = n + 1;
        let start = offset;
        offset += line.len();
        let Some(m) = marker(line) else {
            if let Some(message) = near_miss(line, false) {
                return Err(FormatError::at(line_no, message));
            }
            continue;
        };
        if NON_PHASE_MARKERS.contains(&m.word) {
            continue;
        }
        let kind: PhaseKind = m.word.parse().map_err(|()| {
            let meant = suggest(m.word).map_or(String::new(), |w| format!("; did you mean `-- bellows:{w}`?"));
            FormatError::at(
                line_no,
                format!("unknown marker `-- bellows:{}` (expected expand, backfill, contract, down or allow){meant}", m.word),
            )
        })?;
        if sections.iter().any(|s| s.0 == kind) {
            return Err(FormatError::at(
                line_no,
                format!("a second `-- bellows:{kind}` section; each phase may appear once"),
            ));
        }
        let directives =
            Directives::parse(kind, m.rest).map_err(|e| FormatError::at(line_no, e))?;
        if let Some(last) = sections.last_mut() {
            last.4 = start;
        } else {
            preamble_end = Some(start);
        }
        sections.push((kind, directives, Some(line_no), offset, text.len()));
    }
    if sections.is_empty() {
        return Ok(vec![build(
            PhaseKind::Expand,
            Directives::default(),
            None,
            text,
            1,
            dialect,
        )?]);
    }
    let preamble = &text[..preamble_end.unwrap_or(0)];
    if let Some(stmt) = split(preamble, dialect, 1)
        .map_err(|e| FormatError::at(e.pos.line, e.to_string()))?
        .first()
    {
        return Err(FormatError::at(
            stmt.start.line,
            "statement before the first `-- bellows:` marker; put it in a section (e.g. `-- bellows:expand`)",
        ));
    }
    sections
        .into_iter()
        .map(|(kind, directives, marker_line, start, end)| {
            let first_line = marker_line.map_or(1, |l| l + 1);
            build(
                kind,
                directives,
                marker_line,
                &text[start..end],
                first_line,
                dialect,
            )
        })
        .collect()
}

/// Build a phase from its body text.
pub(super) fn build(
    kind: PhaseKind,
    directives: Directives,
    marker_line: Option<usize>,
    body: &str,
    first_line: usize,
    dialect: Dialect,
) -> Result<Phase, FormatError> {
    let statements =
        split(body, dialect, first_line).map_err(|e| FormatError::at(e.pos.line, e.to_string()))?;
    let checksum = checksum(&normalized_sql(&statements));
    Ok(Phase {
        kind,
        directives,
        marker_line,
        text: body.to_string(),
        first_line,
        statements,
        checksum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "-- leading comment\n-- bellows:expand\nALTER TABLE users ADD COLUMN e text;\n\n-- bellows:backfill table=users key=id\nUPDATE users SET e = email WHERE e IS NULL;\n-- bellows:contract requires-app=\">=2.4.0\"\n-- bellows:allow drop-column gated\nALTER TABLE users DROP COLUMN email;\n-- bellows:down\nALTER TABLE users DROP COLUMN e;\n";

    #[test]
    fn reads_every_section_with_positions() {
        let phases = parse_phases(FILE, Dialect::Postgres).unwrap();
        let kinds: Vec<_> = phases.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, PhaseKind::ALL);
        assert_eq!(phases[0].statements[0].start.line, 3);
        assert_eq!(phases[2].statements[0].start.line, 9);
        assert_eq!(phases[2].directives.get("requires-app"), Some(">=2.4.0"));
        assert_eq!(phases[1].marker_line, Some(5));
    }

    #[test]
    fn a_file_without_markers_is_one_expand_phase() {
        let phases = parse_phases(
            "CREATE TABLE t (id int);\nCREATE INDEX ON t (id);",
            Dialect::Postgres,
        )
        .unwrap();
        assert_eq!(phases.len(), 1);
        assert_eq!(phases[0].kind, PhaseKind::Expand);
        assert_eq!(phases[0].statements.len(), 2);
    }

    #[test]
    fn checksums_ignore_comments_between_statements_and_trailing_space() {
        let a = parse_phases("SELECT 1;  \n\n-- note\nSELECT 2;", Dialect::Postgres).unwrap();
        let b = parse_phases("SELECT 1;\nSELECT 2;\n", Dialect::Postgres).unwrap();
        let c = parse_phases("SELECT 1;\nSELECT 3;\n", Dialect::Postgres).unwrap();
        assert_eq!(a[0].checksum, b[0].checksum);
        assert_ne!(a[0].checksum, c[0].checksum);
    }

    #[test]
    fn errors_carry_lines() {
        let e = parse_phases("-- bellows:expnad\nSELECT 1;", Dialect::Postgres).unwrap_err();
        assert_eq!(e.line, Some(1));
        assert!(e.message.contains("unknown marker"));
        let e =
            parse_phases("SELECT 1;\n-- bellows:expand\nSELECT 2;", Dialect::Postgres).unwrap_err();
        assert_eq!(e.line, Some(1));
        let e = parse_phases(
            "-- bellows:expand\nSELECT 1;\n-- bellows:expand\n",
            Dialect::Postgres,
        )
        .unwrap_err();
        assert_eq!(e.line, Some(3));
        let e =
            parse_phases("-- bellows:contract requires-app=soon\n", Dialect::Postgres).unwrap_err();
        assert!(e.message.contains("semver"));
        let e = parse_phases("-- bellows:expand\nSELECT 'x;\n", Dialect::Postgres).unwrap_err();
        assert_eq!(e.line, Some(2));
    }
}
