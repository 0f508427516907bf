//! `-- bellows:allow <rule-id>[,<rule-id>...] <reason>` comments: finding them in a file and
//! deciding which statement each one covers (the statement on the same line, else the next).

use crate::sql::Statement;

/// One allow comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Allow {
    /// Its line.
    pub line: usize,
    /// The column of its `--`.
    pub column: usize,
    /// The column of its last character.
    pub end_column: usize,
    /// The rule ids it names.
    pub ids: Vec<String>,
    /// The reason given (empty when missing).
    pub reason: String,
}

/// Every allow comment in `text`, in line order.
pub(crate) fn scan(text: &str) -> Vec<Allow> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(at) = line.find("bellows:allow") else {
            continue;
        };
        let Some(dash) = line[..at].trim_end().strip_suffix("--").map(str::len) else {
            continue;
        };
        let rest = &line[at + "bellows:allow".len()..];
        if rest.chars().next().is_some_and(|c| !c.is_whitespace()) {
            continue;
        }
        let rest = rest.trim();
        let (ids, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        out.push(Allow {
            line: n + 1,
            column: line[..dash].chars().count() + 1,
            end_column: line.trim_end().chars().count(),
            ids: ids
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            reason: reason.trim().to_string(),
        });
    }
    out
}

/// The index of the statement an allow on `line` covers: one that spans the line, else the
/// first that starts after it. `statements` are in file order.
pub(crate) fn target(statements: &[&Statement], line: usize) -> Option<usize> {
    // In file order the end lines never decrease: the first statement ending on or after the
    // line either spans it or is the first to start after it (a binary search: linear time
    // for a file of many allows).
    let i = statements.partition_point(|s| s.end.line < line);
    (i < statements.len()).then_some(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ids_and_reason() {
        let a = scan("SELECT 1; -- bellows:allow drop-table,truncate the table is empty\n--bellows:allow x\n-- bellows:allowed\n");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].ids, vec!["drop-table", "truncate"]);
        assert_eq!(a[0].reason, "the table is empty");
        assert_eq!(a[0].column, 11);
        assert_eq!(a[1].line, 2);
        assert_eq!(a[1].reason, "");
    }
}
