//! The schema model read live (through bellows' hidden `db::live_dump`), compared before and
//! after a recipe: every property the old column or table had must be on the new one after
//! the full cycle, and the abort must leave the model exactly as it was.

use crate::common::TestDb;

/// The live model, one line per fact, each prefixed with its table (`users|column ...`);
/// constraint and index names only with `names`.
pub async fn live(db: &TestDb, names: bool) -> Vec<String> {
    let url = db.parsed_url();
    let mut conn = bellows::db::connect(&url).await.expect("connect");
    let dump = bellows::db::live_dump(conn.as_mut(), names)
        .await
        .expect("the live model");
    let mut table = String::new();
    let mut lines = Vec::new();
    for line in dump.lines() {
        if let Some(t) = line.strip_prefix("table ") {
            table = t.to_string();
            lines.push(format!("{table}|table"));
        } else if let Some(body) = line.strip_prefix("  ") {
            lines.push(format!("{table}|{body}"));
        } else {
            lines.push(format!("|{line}"));
        }
    }
    lines
}

/// A line's words with `old` replaced by `new` (words split at spaces, parentheses,
/// commas, dots and `|`).
fn swap(line: &str, old: &str, new: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in line.chars().chain(std::iter::once('\0')) {
        if matches!(c, ' ' | '(' | ')' | ',' | '.' | '|' | '\0') {
            out.push_str(if word == old { new } else { &word });
            word.clear();
            if c != '\0' {
                out.push(c);
            }
        } else {
            word.push(c);
        }
    }
    out
}

/// What a before-line should be after the op (`op`: the `bellows new` arguments from the
/// op's name on), `None` for a fact the op removes. The flag says the column's type may
/// change.
fn expected(op: &[String], line: &str) -> Option<(String, bool)> {
    let (table, body) = line.split_once('|')?;
    let arg = |i: usize| op.get(i).map(String::as_str).unwrap_or_default();
    let option = |name: &str| {
        op.iter()
            .position(|a| a == name)
            .and_then(|i| op.get(i + 1).cloned())
    };
    let mentions = |col: &str| swap(body, col, "\u{1}") != body;
    match arg(0) {
        "rename-column" => {
            let (t, old, new) = (arg(1), arg(2), arg(3));
            let target = format!("references {t}(");
            let body = if table == t {
                swap(body, old, new)
            } else if let Some((head, tail)) = body.split_once(&target) {
                format!("{head}{target}{}", swap(tail, old, new))
            } else {
                body.to_string()
            };
            Some((format!("{table}|{body}"), false))
        }
        "change-type" => {
            let (t, col) = (arg(1), arg(2));
            let new = option("--new-column").unwrap_or_else(|| format!("{col}_new"));
            if table != t {
                return Some((line.to_string(), false));
            }
            let retyped = body.starts_with(&format!("column {col} "));
            Some((format!("{table}|{}", swap(body, col, &new)), retyped))
        }
        "drop-column" if table == arg(1) && mentions(arg(2)) => None,
        "rename-table" => {
            let (old, new) = (arg(1), arg(2));
            let table = if table == old { new } else { table };
            Some((format!("{table}|{}", swap(body, old, new)), false))
        }
        _ => Some((line.to_string(), false)),
    }
}

/// A column line's name, type and flags (`not-null`, `default`, `identity=..`, ...).
fn column(line: &str) -> Option<(String, String, Vec<String>)> {
    let (table, body) = line.split_once('|')?;
    let rest = body.strip_prefix("column ")?;
    let words: Vec<&str> = rest.split(' ').collect();
    let is_flag = |w: &&str| {
        ["not-null", "default", "generated"].contains(w)
            || w.starts_with("identity=")
            || w.starts_with("collate=")
    };
    let flags_at = words.iter().rposition(|w| !is_flag(w)).map_or(0, |i| i + 1);
    Some((
        format!("{table}|{}", words[0]),
        words[1..flags_at].join(" "),
        words[flags_at..].iter().map(|w| (*w).to_string()).collect(),
    ))
}

/// Every fact of `before` is in `after`, as the op maps it: a column keeps its type
/// (unless the op changes it) and at least its flags.
pub fn assert_kept(label: &str, op: &[String], before: &[String], after: &[String]) {
    let mut lost = Vec::new();
    for line in before {
        let Some((want, retyped)) = expected(op, line) else {
            continue;
        };
        let found = match column(&want) {
            Some((name, ty, flags)) => after.iter().filter_map(|l| column(l)).any(|(n, t, f)| {
                n == name && (retyped || t == ty) && flags.iter().all(|x| f.contains(x))
            }),
            None => after.contains(&want),
        };
        if !found {
            lost.push(format!("{line}  (expected {want})"));
        }
    }
    assert!(
        lost.is_empty(),
        "{label}: the recipe lost what the schema had:\n{}\n\nafter:\n{}",
        lost.join("\n"),
        after.join("\n")
    );
}

#[test]
fn facts_map_through_the_op() {
    let op: Vec<String> = ["rename-column", "users", "email", "primary_email"]
        .map(String::from)
        .to_vec();
    let before = vec![
        "users|column email text not-null".to_string(),
        "users|unique index (email)".to_string(),
        "logins|foreign key (email) references users(email)".to_string(),
    ];
    let after = vec![
        "users|column primary_email text not-null default".to_string(),
        "users|unique index (primary_email)".to_string(),
        "logins|foreign key (email) references users(primary_email)".to_string(),
    ];
    assert_kept("kept", &op, &before, &after);
    let lost = std::panic::catch_unwind(|| {
        assert_kept("lost", &op, &before, &after[..2]);
    });
    assert!(lost.is_err(), "a lost foreign key fails");
    let nullable = vec!["users|column primary_email text".to_string()];
    assert!(std::panic::catch_unwind(|| assert_kept("nn", &op, &before[..1], &nullable)).is_err());
}
