//! What a file must not hold before its markers are read: a NUL byte, and comments that look
//! like a bellows marker without being one (`-- BELLOWS:CONTRACT`, `--- bellows:contract`,
//! `-- bellows.contract`, `/* bellows:contract */`, `-- bellow:contract`). Such a comment is
//! plain text to the splitter, so the statements under it would run in the phase above it:
//! a DROP meant for the gated contract phase would run ungated in expand.

use super::parse::FormatError;

/// The marker words (phases and `allow`).
const WORDS: &[&str] = &["expand", "backfill", "contract", "down", "allow"];

/// The text without a leading UTF-8 byte order mark.
#[must_use]
pub(crate) fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A NUL byte anywhere in `text`, as an error on its line.
///
/// # Errors
/// The first NUL byte's line.
pub(crate) fn check_nul(text: &str) -> Result<(), FormatError> {
    match text.find('\0') {
        None => Ok(()),
        Some(at) => Err(FormatError {
            line: Some(line_of(text, at)),
            message: "a NUL byte: the file is not SQL text (no server accepts it); is it binary, or saved as UTF-16?".into(),
        }),
    }
}

fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// What `line` probably meant, when it is a comment that looks like a marker but is not one
/// (`is_marker`: the line is an exact marker, which is never a near miss).
#[must_use]
pub(crate) fn near_miss(line: &str, is_marker: bool) -> Option<String> {
    if is_marker {
        return None;
    }
    let trimmed = line.trim_start();
    if !(trimmed.starts_with("--") || trimmed.starts_with('#') || trimmed.starts_with("/*")) {
        return None;
    }
    let body = trimmed
        .trim_start_matches(|c: char| matches!(c, '-' | '#' | '/' | '*') || c.is_whitespace());
    let (first, rest) = split_word(body);
    let first = first.to_ascii_lowercase();
    let first_exact = first == "bellows";
    let near_first = first.starts_with('b') && distance(&first, "bellows") <= 1;
    if !(first_exact || near_first) {
        return None;
    }
    let gap_end = rest
        .find(|c: char| {
            !(c.is_whitespace() || matches!(c, ':' | '.' | ';' | '=' | '-' | '_' | ',' | '/'))
        })
        .unwrap_or(rest.len());
    let (gap, after) = rest.split_at(gap_end);
    if gap.is_empty() {
        return None;
    }
    let (second, tail) = split_word(after);
    let second = second.to_ascii_lowercase();
    let word = closest(&second, first_exact)?;
    let tail = tail.trim_end().trim_end_matches("*/").trim();
    let prose = gap.trim().is_empty() && !(tail.is_empty() || first_token_is_directive(tail));
    if prose {
        return None;
    }
    let meant = if tail.is_empty() {
        format!("-- bellows:{word}")
    } else {
        format!("-- bellows:{word} {tail}")
    };
    Some(format!(
        "`{}` looks like a bellows marker but is not one, so the statements under it would run in the section above; did you mean `{meant}`? (a marker is a line comment `-- bellows:<word>`, lowercase, no space before or after the colon)",
        line.trim()
    ))
}

/// The leading run of ASCII letters, and what follows.
fn split_word(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(s.len());
    s.split_at(end)
}

fn first_token_is_directive(tail: &str) -> bool {
    tail.split_whitespace()
        .next()
        .is_some_and(|t| t.contains('='))
}

/// The marker word `word` is (or is a near spelling of); a near spelling only when the
/// first word was spelled right, so prose is not taken for a marker.
fn closest(word: &str, first_exact: bool) -> Option<&'static str> {
    if let Some(w) = WORDS.iter().find(|w| **w == word) {
        return Some(w);
    }
    if !first_exact {
        return None;
    }
    WORDS
        .iter()
        .copied()
        .find(|w| distance(word, w) <= if w.len() >= 6 { 2 } else { 1 })
}

/// The marker word closest to an unknown marker word, for "did you mean".
#[must_use]
pub(crate) fn suggest(word: &str) -> Option<&'static str> {
    let lower = word.to_ascii_lowercase();
    WORDS
        .iter()
        .copied()
        .min_by_key(|w| distance(&lower, w))
        .filter(|w| distance(&lower, w) <= 3)
}

/// Edit distance counting an adjacent transposition as one edit.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = d;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_are_named_with_what_was_meant() {
        for (line, meant) in [
            (
                "-- BELLOWS:CONTRACT requires-app=\">=2\"",
                "-- bellows:contract requires-app=\">=2\"",
            ),
            ("-- bellows :contract", "-- bellows:contract"),
            ("--- bellows:contract", "-- bellows:contract"),
            ("-- bellows.contract", "-- bellows:contract"),
            ("/* bellows:contract */", "-- bellows:contract"),
            ("-- bellow:contract", "-- bellows:contract"),
            ("-- bellows:contarct", "-- bellows:contract"),
            ("# bellows:down", "-- bellows:down"),
            ("-- Bellows: Expand", "-- bellows:expand"),
            ("-- bellows contract", "-- bellows:contract"),
            ("-- bellows-backfill table=t", "-- bellows:backfill table=t"),
        ] {
            let m = near_miss(line, false).unwrap_or_else(|| panic!("{line}"));
            assert!(
                m.contains(&format!("did you mean `{meant}`")),
                "{line}: {m}"
            );
        }
    }

    #[test]
    fn prose_and_plain_comments_are_not_near_misses() {
        for line in [
            "-- bellows expand will add the column first",
            "-- below: down migration",
            "-- the contract drops the column",
            "SELECT 1; -- bellows:contract",
            "-- follows: the expand",
            "-- bellows",
            "-- bellowscontract",
        ] {
            assert_eq!(near_miss(line, false), None, "{line}");
        }
        assert_eq!(near_miss("-- bellows:contract", true), None);
    }

    #[test]
    fn nul_bytes_are_found_with_their_line() {
        assert_eq!(
            check_nul("SELECT 1;\nSELECT\0 2;").unwrap_err().line,
            Some(2)
        );
        assert!(check_nul("SELECT 1;").is_ok());
        assert_eq!(strip_bom("\u{feff}SELECT 1;"), "SELECT 1;");
    }

    #[test]
    fn distances_count_transpositions_once() {
        assert_eq!(distance("contarct", "contract"), 1);
        assert_eq!(distance("bellow", "bellows"), 1);
        assert_eq!(suggest("expnad"), Some("expand"));
        assert_eq!(suggest("zzzzzzzzzz"), None);
    }
}
