//! `mysql-enum-set-change`: an `ENUM` / `SET` column changed in any way but appending
//! members at the end copies the table (stored values are member positions) and breaks the
//! running app when a member goes. The old member list comes from the folder's model.

use super::support::alter::alter_existing;
use super::support::mysql::{asserts_algorithm, Server};
use super::support::scan::{depths, is_punct, Clause};
use super::support::spans::replace_all;
use crate::lint::{Finding, Rule, Severity, StatementContext, MYSQL_FAMILY};
use crate::sql::Dialect;
use sqlparser::ast::{AlterTableOperation, DataType, EnumMember};

/// Flags ENUM/SET member changes that are not appends.
pub(crate) struct MysqlEnumSetChange;

/// `enum` or `set` and the members of a type written as `ENUM('a', 'b')` / `set("x")`.
pub(crate) fn members(written: &str) -> Option<(&'static str, Vec<String>)> {
    let lower = written.trim().to_ascii_lowercase();
    let kind = if lower.starts_with("enum") {
        "ENUM"
    } else if lower.starts_with("set") {
        "SET"
    } else {
        return None;
    };
    let inner = written.get(written.find('(')? + 1..)?;
    let mut out = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ')' {
            return Some((kind, out));
        }
        if c != '\'' && c != '"' {
            continue;
        }
        let mut member = String::new();
        while let Some(x) = chars.next() {
            if x == c {
                if chars.peek() == Some(&c) {
                    chars.next();
                    member.push(c);
                    continue;
                }
                break;
            }
            member.push(x);
        }
        out.push(member);
    }
    None
}

/// The storage size in bytes of an ENUM or SET with `n` members.
fn storage(kind: &str, n: usize) -> usize {
    if kind == "ENUM" {
        if n > 255 {
            2
        } else {
            1
        }
    } else {
        match n {
            0..=8 => 1,
            9..=16 => 2,
            17..=24 => 3,
            25..=32 => 4,
            _ => 8,
        }
    }
}

/// The members of a parsed ENUM/SET type.
fn parsed_members(t: &DataType) -> Option<(&'static str, Vec<String>)> {
    match t {
        DataType::Enum(m, _) => Some((
            "ENUM",
            m.iter()
                .map(|m| match m {
                    EnumMember::Name(n) | EnumMember::NamedValue(n, _) => n.clone(),
                })
                .collect(),
        )),
        DataType::Set(v) => Some(("SET", v.clone())),
        _ => None,
    }
}

/// What is wrong with going from `old` to `new` members, when something is.
fn problem(kind: &str, old: &[String], new: &[String]) -> Option<String> {
    if new.len() >= old.len() && new[..old.len()] == *old {
        if storage(kind, old.len()) == storage(kind, new.len()) {
            return None;
        }
        return Some(format!(
            "growing it from {} to {} members changes its storage size",
            old.len(),
            new.len()
        ));
    }
    let removed: Vec<&String> = old.iter().filter(|m| !new.contains(m)).collect();
    Some(match removed.first() {
        Some(first) => format!("'{first}' is removed (or renamed)"),
        None => "members are reordered or one is inserted before an existing one".to_string(),
    })
}

/// The statement with the member list of `clause` replaced by `list`, asserting the
/// algorithm an append takes (a comment saying what to write when positions are unknown).
fn rewrite(ctx: &StatementContext<'_>, clause: Option<&Clause<'_>>, list: &str) -> String {
    let t = ctx.tokens;
    let replaced = clause.and_then(|c| {
        let open = (c.start..c.end)
            .find(|&i| (t.is_word(i, "ENUM") || t.is_word(i, "SET")) && is_punct(t, i + 1, "("))?
            + 1;
        let d = depths(t);
        let close = (open + 1..c.end).find(|&i| d[i] == d[open] && is_punct(t, i, ")"))?;
        replace_all(ctx, vec![(open + 1..close, list)])
    });
    let Some(sql) = replaced else {
        return format!(
            "-- keep every existing member, in order, and append the new ones: ({list})"
        );
    };
    let algorithm = if asserts_algorithm(t) {
        ""
    } else {
        Server::online(Server::of(ctx).instant_default())
    };
    format!(
        "-- keep every existing member, in order, and append the new ones:\n{}{algorithm};",
        sql.trim_end()
    )
}

impl Rule for MysqlEnumSetChange {
    fn id(&self) -> &'static str {
        "mysql-enum-set-change"
    }

    fn default_severity(&self) -> Severity {
        Severity::Error
    }

    fn summary(&self) -> &'static str {
        "An ENUM/SET member removed, reordered or inserted mid-list copies the table and breaks the running app."
    }

    fn dialects(&self) -> &'static [Dialect] {
        MYSQL_FAMILY
    }

    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>) {
        let Some(alter) = alter_existing(ctx) else {
            return;
        };
        for (i, op) in alter.operations().iter().enumerate() {
            let (old_name, data_type) = match op {
                AlterTableOperation::ModifyColumn {
                    col_name,
                    data_type,
                    ..
                } => (col_name, data_type),
                AlterTableOperation::ChangeColumn {
                    old_name,
                    data_type,
                    ..
                } => (old_name, data_type),
                _ => continue,
            };
            let Some((kind, new)) = parsed_members(data_type) else {
                continue;
            };
            let Some((_, column)) = alter.known_column(ctx, old_name) else {
                continue;
            };
            let Some((old_kind, old)) = members(&column.type_written) else {
                continue;
            };
            let why = if old_kind == kind {
                match problem(kind, &old, &new) {
                    Some(why) => why,
                    None => continue,
                }
            } else {
                format!("the column changes from {old_kind} to {kind}")
            };
            let table = alter.written_name(ctx).replace('`', "");
            let mut appended = old.clone();
            appended.extend(new.iter().filter(|m| !old.contains(m)).cloned());
            let list: Vec<String> = appended
                .iter()
                .map(|m| format!("'{}'", m.replace('\'', "''")))
                .collect();
            let mut finding = Finding::new(
                self.default_severity(),
                format!(
                    "changing {kind} column `{}` of `{table}`: {why}, so the table is copied",
                    old_name.value
                ),
                "MySQL and MariaDB store an ENUM value as its member's position and a SET as a \
                 bitmap, so anything but appending members at the end (within the same storage \
                 size) changes what stored numbers mean: the table is rebuilt with ALGORITHM=COPY, \
                 which blocks writes for the whole copy. A removed member also breaks the app \
                 version still running: writing it fails in strict mode or stores ''. Append new \
                 members at the end and keep the old ones; retire a member by no longer writing it \
                 and moving rows off it in a backfill.",
            )
            .on_table(alter.table.clone())
            .suggest(rewrite(ctx, alter.clause_of(i), &list.join(", ")));
            if let Some(span) = alter.clause_of(i).and_then(|c| c.span()) {
                finding = finding.at(span);
            }
            out.push(finding);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{folder_check, folder_rules};
    use crate::sql::Dialect::{Mariadb, Mysql};

    const ORDERS: &str = "CREATE TABLE orders (id int PRIMARY KEY, \
        status ENUM('new', 'paid', 'shipped') NOT NULL, tags SET('a', 'b'));";

    #[test]
    fn flags_a_member_inserted_mid_list() {
        insta::assert_snapshot!(folder_check(
            Mysql,
            &[
                ORDERS,
                "ALTER TABLE orders MODIFY COLUMN status ENUM('new', 'paid', 'refunded', 'shipped') NOT NULL;"
            ]
        ));
    }

    #[test]
    fn flags_a_removed_set_member_on_mariadb() {
        insta::assert_snapshot!(folder_check(
            Mariadb,
            &[ORDERS, "ALTER TABLE orders MODIFY tags SET('a');"]
        ));
    }

    #[test]
    fn passes_appends_and_unknown_columns() {
        let append = "ALTER TABLE orders MODIFY COLUMN status ENUM('new', 'paid', 'shipped', 'refunded') NOT NULL, ALGORITHM=INSTANT;";
        assert!(!folder_rules(Mysql, &[ORDERS, append]).contains(&"mysql-enum-set-change"));
        let alone = "ALTER TABLE orders MODIFY tags SET('b');";
        assert!(!folder_rules(Mysql, &[alone]).contains(&"mysql-enum-set-change"));
        let new = "CREATE TABLE o (s ENUM('a','b'));\nALTER TABLE o MODIFY s ENUM('b');";
        assert!(!folder_rules(Mysql, &[new]).contains(&"mysql-enum-set-change"));
    }

    #[test]
    fn members_are_read_from_the_written_type() {
        assert_eq!(
            super::members("enum('a','it''s', \"b\")"),
            Some(("ENUM", vec!["a".into(), "it's".into(), "b".into()]))
        );
        let n = |k: usize| (0..k).map(|i| i.to_string()).collect::<Vec<_>>();
        assert!(super::problem("SET", &n(8), &n(9)).is_some());
        assert!(super::problem("SET", &n(9), &n(16)).is_none());
    }
}
