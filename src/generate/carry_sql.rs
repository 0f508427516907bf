//! The statements that carry an old column's properties ([`Carried`]) over to its copy,
//! added to the sections [`super::sync`] writes: indexes built online in the expand (and
//! dropped first in the down), the default, NOT NULL, constraints and foreign keys in the
//! contract, before the old column goes.

use super::carry::{Carried, NewIndex, NewKey};
use super::op::Sections;
use super::quote::Cx;
use crate::Dialect;

/// The pair of columns, quoted.
pub(crate) struct Pair<'a> {
    /// The table (quoted).
    pub t: &'a str,
    /// The old column (quoted).
    pub o: &'a str,
    /// The new column (quoted).
    pub n: &'a str,
    /// The new column's name (for comments).
    pub new_name: &'a str,
    /// The old column's name (for comments).
    pub old_name: &'a str,
}

/// `type COLLATE x` when the old column had a collation of its own.
pub(crate) fn with_collation(dialect: Dialect, column_type: &str, c: &Carried) -> String {
    match &c.collation {
        Some(coll) if dialect == Dialect::Postgres && !coll.starts_with('"') => {
            format!("{column_type} COLLATE {}", dialect.quote_ident(coll))
        }
        Some(coll) => format!("{column_type} COLLATE {coll}"),
        None => column_type.to_string(),
    }
}

fn parts(cx: &Cx, index: &NewIndex) -> String {
    index
        .parts
        .iter()
        .map(|(name, prefix)| match prefix {
            Some(p) => format!("{}({p})", cx.q(name)),
            None => cx.q(name),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn references(cx: &Cx, k: &NewKey) -> String {
    let mut out = format!(
        "FOREIGN KEY ({}) REFERENCES {}",
        cx.list(&k.columns),
        k.references.quoted(cx.dialect)
    );
    if !k.referenced.is_empty() {
        out.push_str(&format!(" ({})", cx.list(&k.referenced)));
    }
    out
}

/// What the comment of the contract says the new column keeps.
fn kept(c: &Carried) -> Vec<&'static str> {
    let mut out = Vec::new();
    if c.not_null.is_some() {
        out.push("NOT NULL");
    }
    if c.indexes.iter().any(|i| i.unique) {
        out.push("UNIQUE");
    }
    if c.default.is_some() {
        out.push("its default");
    }
    if !c.checks.is_empty() {
        out.push("its CHECKs");
    }
    if !c.keys_out.is_empty() || !c.keys_in.is_empty() {
        out.push("its foreign keys");
    }
    out
}

fn say_kept(s: &mut Sections, p: &Pair, c: &Carried) {
    let kept = kept(c);
    if !c.indexes.is_empty() {
        s.expand.comment.push_str(&format!(
            "\nThe indexes of {} are built over {} too, online (NULLs, the rows not copied yet, do not collide).",
            p.old_name, p.new_name
        ));
    }
    if !kept.is_empty() {
        s.contract.comment.push_str(&format!(
            "\n{} keeps what {} had: {} (bellows checks the rows first, and refuses with the count).",
            p.new_name,
            p.old_name,
            kept.join(", ")
        ));
    }
}

/// PostgreSQL: unique and other indexes `CONCURRENTLY` in the expand; in the contract,
/// while the trigger still runs, the default, NOT NULL through a validated CHECK, UNIQUE
/// constraints over the built indexes, CHECKs and foreign keys added NOT VALID then
/// validated, incoming keys moved; then the trigger and the old column go together.
pub(crate) fn postgres(cx: &Cx, p: &Pair, c: &Carried, s: &mut Sections) {
    let Pair { t, n, .. } = *p;
    for i in &c.indexes {
        let unique = if i.unique { "UNIQUE " } else { "" };
        s.expand.statements.push(format!(
            "CREATE {unique}INDEX CONCURRENTLY {} ON {t} ({})",
            cx.q(&i.name),
            parts(cx, i)
        ));
        s.down.statements.insert(
            0,
            format!("DROP INDEX CONCURRENTLY IF EXISTS {}", cx.q(&i.name)),
        );
    }
    if let Some(d) = &c.default {
        s.contract.statements.insert(0, cx.set_default(t, n, d));
    }
    let mut before_drop = Vec::new();
    if let Some(check) = &c.not_null {
        let k = cx.q(check);
        before_drop.extend([
            format!("ALTER TABLE {t} ADD CONSTRAINT {k} CHECK ({n} IS NOT NULL) NOT VALID"),
            format!("ALTER TABLE {t} VALIDATE CONSTRAINT {k}"),
            format!("ALTER TABLE {t} ALTER COLUMN {n} SET NOT NULL"),
            format!("ALTER TABLE {t} DROP CONSTRAINT {k}"),
        ]);
    }
    for i in c.indexes.iter().filter(|i| i.constraint) {
        let k = cx.q(&i.name);
        before_drop.push(format!(
            "ALTER TABLE {t} ADD CONSTRAINT {k} UNIQUE USING INDEX {k}"
        ));
    }
    for (name, expr, validated) in &c.checks {
        let k = cx.q(name);
        before_drop.push(format!(
            "ALTER TABLE {t} ADD CONSTRAINT {k} CHECK ({expr}) NOT VALID"
        ));
        if *validated {
            before_drop.push(format!("ALTER TABLE {t} VALIDATE CONSTRAINT {k}"));
        }
    }
    for (k, incoming) in keys(c) {
        let (from, name) = (k.table.quoted(cx.dialect), cx.q(&k.name));
        before_drop.push(format!(
            "ALTER TABLE {from} ADD CONSTRAINT {name} {} NOT VALID",
            references(cx, k)
        ));
        if k.validated {
            before_drop.push(format!("ALTER TABLE {from} VALIDATE CONSTRAINT {name}"));
        }
        if let (true, Some(old)) = (incoming, &k.old_name) {
            before_drop.push(format!("ALTER TABLE {from} DROP CONSTRAINT {}", cx.q(old)));
        }
    }
    // Before the trigger goes: VALIDATE runs in a transaction of its own, and the old
    // column (NOT NULL, maybe) must go in the same transaction as the trigger, or the new
    // app's inserts, which omit it, fail in between.
    let at = usize::from(c.default.is_some());
    s.contract.statements.splice(at..at, before_drop);
    say_kept(s, p, c);
}

fn keys(c: &Carried) -> impl Iterator<Item = (&NewKey, bool)> {
    c.keys_out
        .iter()
        .map(|k| (k, false))
        .chain(c.keys_in.iter().map(|k| (k, true)))
}

/// MySQL/MariaDB: indexes added in place in the expand; in the contract, first (the
/// triggers still keep both columns equal) the foreign keys from and to the new column
/// added in place with checks off (the preflight counts orphans first) and the old ones
/// dropped, the old column's unique indexes dropped before its placeholder default (so two
/// inserts cannot collide on it; the new column's unique index enforces the rule), the
/// default set; after the triggers, NOT NULL (and the default) restated with an in-place
/// MODIFY, and the old column dropped with its multi-column indexes. `column_type` is the new column's
/// type, its collation included.
pub(crate) fn mysql(cx: &Cx, p: &Pair, column_type: &str, c: &Carried, s: &mut Sections) {
    let Pair { t, o, n, .. } = *p;
    let online = "ALGORITHM=INPLACE, LOCK=NONE";
    for i in &c.indexes {
        let kind = if i.unique { "UNIQUE INDEX" } else { "INDEX" };
        s.expand.statements.push(format!(
            "ALTER TABLE {t} ADD {kind} {} ({}), {online}",
            cx.q(&i.name),
            parts(cx, i)
        ));
        if i.parts.len() > 1 {
            s.down.statements.insert(
                0,
                format!("ALTER TABLE {t} DROP INDEX {}, {online}", cx.q(&i.name)),
            );
        }
    }
    // Keys first, while the triggers keep both columns equal: the old keys go, so neither
    // the old unique index nor the column is still needed by one.
    let mut first = Vec::new();
    for (k, _) in keys(c) {
        let from = k.table.quoted(cx.dialect);
        first.extend([
            "SET foreign_key_checks = 0".to_string(),
            format!(
                "ALTER TABLE {from} ADD CONSTRAINT {} {}, {online}",
                cx.q(&k.name),
                references(cx, k)
            ),
            "SET foreign_key_checks = 1".to_string(),
        ]);
        if let Some(old) = &k.old_name {
            first.push(format!(
                "ALTER TABLE {from} DROP FOREIGN KEY {}, {online}",
                cx.q(old)
            ));
        }
    }
    if c.old_needs_value {
        for u in &c.old_unique {
            first.push(format!("ALTER TABLE {t} DROP INDEX {}, {online}", cx.q(u)));
        }
    }
    if let (Some(d), None) = (&c.default, &c.not_null) {
        first.push(cx.set_default(t, n, d));
    }
    s.contract.statements.splice(0..0, first);
    let mut before_drop = Vec::new();
    if c.not_null.is_some() {
        let default = c
            .default
            .as_ref()
            .map(|d| format!(" DEFAULT {d}"))
            .unwrap_or_default();
        before_drop.push(format!(
            "ALTER TABLE {t} MODIFY COLUMN {n} {column_type} NOT NULL{default}, {online}"
        ));
    }
    let drops: Vec<String> = c
        .old_multi
        .iter()
        .filter(|i| !(c.old_needs_value && c.old_unique.contains(i)))
        .map(|i| format!("DROP INDEX {}", cx.q(i)))
        .collect();
    if let Some(last) = s.contract.statements.last_mut() {
        if !drops.is_empty() {
            *last = format!(
                "ALTER TABLE {t} {}, DROP COLUMN {o}, {online}",
                drops.join(", ")
            );
        }
    }
    let at = s.contract.statements.len().saturating_sub(1);
    s.contract.statements.splice(at..at, before_drop);
    say_kept(s, p, c);
}
