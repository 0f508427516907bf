//! A new column kept in step with an old one by triggers while two app versions run, for
//! both dialects: the shape rename-column and change-type share. Each side is written from
//! the other (`convert` computes the new value, `{}` standing for the old column; `reverse`
//! the old value from the new one, `{}` standing for the new column); the backfill copies
//! existing rows; the contract drops the triggers and the old column.

use super::carry::Carried;
use super::carry_sql::{self, Pair};
use super::op::{Section, Sections};
use super::quote::{object_name, substitute, Cx};

/// The columns and conversions of a synced pair.
pub(crate) struct Synced<'a> {
    /// Table.
    pub table: &'a str,
    /// The column the old app uses.
    pub old: &'a str,
    /// The column the new app uses.
    pub new: &'a str,
    /// The new column's type.
    pub new_type: &'a str,
    /// New value from the old, `{}` standing for the old column.
    pub convert: &'a str,
    /// Old value from the new, `{}` standing for the new column.
    pub reverse: &'a str,
    /// What the new column keeps of the old, from the schema model (none without one).
    pub carried: Option<&'a Carried>,
}

impl Synced<'_> {
    /// The new column's type, with the old column's collation.
    fn column_type(&self, cx: &Cx) -> String {
        match self.carried {
            Some(c) => carry_sql::with_collation(cx.dialect, self.new_type, c),
            None => self.new_type.to_string(),
        }
    }

    /// Add what the new column keeps (through `write`) to `sections`.
    fn carry(
        &self,
        cx: &Cx,
        sections: &mut Sections,
        write: impl FnOnce(&Pair, &Carried, &mut Sections),
    ) {
        if let Some(c) = self.carried {
            let (t, o, n) = (cx.q(self.table), cx.q(self.old), cx.q(self.new));
            let pair = Pair {
                t: &t,
                o: &o,
                n: &n,
                new_name: self.new,
                old_name: self.old,
            };
            write(&pair, c, sections);
        }
    }
}

/// A dollar-quote tag that does not occur in `code`: `$bellows$`, else `$bellows1$`, ...
/// (a column named `x$bellows$y` would otherwise end the function body early).
pub(crate) fn dollar_tag(code: &str) -> String {
    std::iter::once("$bellows$".to_string())
        .chain((1..).map(|n| format!("$bellows{n}$")))
        .find(|tag| !code.contains(tag.as_str()))
        .unwrap_or_default()
}

/// PostgreSQL: one plpgsql function and a BEFORE INSERT OR UPDATE trigger.
pub(crate) fn postgres(cx: &Cx, s: &Synced) -> Sections {
    let function = object_name(&["bellows", s.table, s.old, "to", s.new]);
    let (t, o, n, f) = (cx.q(s.table), cx.q(s.old), cx.q(s.new), cx.q(&function));
    let forward = substitute(s.convert, &format!("NEW.{o}"));
    let backward = substitute(s.reverse, &format!("NEW.{n}"));
    let code = format!(
        "BEGIN
    IF TG_OP = 'INSERT' THEN
        IF NEW.{n} IS NULL THEN
            NEW.{n} := {forward};
        ELSE
            NEW.{o} := {backward};
        END IF;
    ELSIF NEW.{o} IS DISTINCT FROM OLD.{o} THEN
        NEW.{n} := {forward};
    ELSIF NEW.{n} IS DISTINCT FROM OLD.{n} THEN
        NEW.{o} := {backward};
    END IF;
    RETURN NEW;
END"
    );
    let tag = dollar_tag(&code);
    let body =
        format!("CREATE FUNCTION {f}() RETURNS trigger LANGUAGE plpgsql AS {tag}\n{code}\n{tag}");
    let old_name = s.old;
    let new_name = s.new;
    let mut sections = Sections {
        expand: Section::new(
            format!("The new column, kept in step with {old_name} by a trigger while the old and the new\napp version both run (each side is written from the other)."),
            vec![
                format!("ALTER TABLE {t} ADD COLUMN {n} {}", s.column_type(cx)),
                body,
                format!("CREATE TRIGGER {f} BEFORE INSERT OR UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION {f}()"),
            ],
        ),
        backfill: Some(cx.copy_backfill(s.table, &n, &o, s.convert)),
        contract: Section::new(
            format!("Once every running app uses {new_name}: the trigger and the old column go."),
            vec![
                format!("DROP TRIGGER {f} ON {t}"),
                format!("DROP FUNCTION {f}()"),
                format!("ALTER TABLE {t} DROP COLUMN {o}"),
            ],
        ),
        down: Section::new(
            "Undo the expand phase.",
            vec![
                format!("DROP TRIGGER IF EXISTS {f} ON {t}"),
                format!("DROP FUNCTION IF EXISTS {f}()"),
                format!("ALTER TABLE {t} DROP COLUMN IF EXISTS {n}"),
            ],
        ),
    };
    s.carry(cx, &mut sections, |p, c, out| {
        carry_sql::postgres(cx, p, c, out)
    });
    sections
}

/// MySQL/MariaDB: a trigger per event; the update trigger is created first, so no row can
/// change between the two unseen. The contract starts by giving the old column `placeholder`
/// as its default (see [`placeholder_before_contract`]), unless it needs none (it is
/// nullable or has a default).
pub(crate) fn mysql(cx: &Cx, s: &Synced, placeholder: Option<&str>) -> Sections {
    let base = object_name(&["bellows", s.table, s.old, "to", s.new]);
    let (ins, upd) = (
        cx.q(&format!("{}_ins", &base[..base.len().min(59)])),
        cx.q(&format!("{}_upd", &base[..base.len().min(59)])),
    );
    let (t, o, n) = (cx.q(s.table), cx.q(s.old), cx.q(s.new));
    let forward = substitute(s.convert, &format!("NEW.{o}"));
    let backward = substitute(s.reverse, &format!("NEW.{n}"));
    let update_trigger = format!(
        "CREATE TRIGGER {upd} BEFORE UPDATE ON {t} FOR EACH ROW\nBEGIN\n    IF NOT (NEW.{o} <=> OLD.{o}) THEN\n        SET NEW.{n} = {forward};\n    ELSEIF NOT (NEW.{n} <=> OLD.{n}) THEN\n        SET NEW.{o} = {backward};\n    END IF;\nEND"
    );
    let insert_trigger = format!(
        "CREATE TRIGGER {ins} BEFORE INSERT ON {t} FOR EACH ROW\nBEGIN\n    IF NEW.{n} IS NULL THEN\n        SET NEW.{n} = {forward};\n    ELSE\n        SET NEW.{o} = {backward};\n    END IF;\nEND"
    );
    let old_name = s.old;
    let new_name = s.new;
    let mut sections = Sections {
        expand: Section::new(
            format!("The new column, kept in step with {old_name} by triggers while the old and the new\napp version both run (each side is written from the other)."),
            vec![
                format!("ALTER TABLE {t} ADD COLUMN {n} {}, ALGORITHM=INSTANT", s.column_type(cx)),
                update_trigger,
                insert_trigger,
            ],
        ),
        backfill: Some(cx.copy_backfill(s.table, &n, &o, s.convert)),
        contract: Section::new(
            format!("Once every running app uses {new_name}: the triggers and the old column go."),
            vec![
                format!("DROP TRIGGER {ins}"),
                format!("DROP TRIGGER {upd}"),
                format!("ALTER TABLE {t} DROP COLUMN {o}, ALGORITHM=INPLACE, LOCK=NONE"),
            ],
        ),
        down: Section::new(
            "Undo the expand phase.",
            vec![
                format!("DROP TRIGGER IF EXISTS {ins}"),
                format!("DROP TRIGGER IF EXISTS {upd}"),
                format!("ALTER TABLE {t} DROP COLUMN {n}, ALGORITHM=INPLACE, LOCK=NONE"),
            ],
        ),
    };
    if let Some(placeholder) = placeholder {
        placeholder_before_contract(cx, &mut sections.contract, s, placeholder);
    }
    let column_type = s.column_type(cx);
    s.carry(cx, &mut sections, |p, c, out| {
        carry_sql::mysql(cx, p, &column_type, c, out);
    });
    sections
}

/// The contract drops the triggers, then the old column (separate statements: MySQL DDL is
/// not transactional). In between, the new app's inserts omit the old column with no trigger
/// to fill it, and a NOT NULL column without a default would refuse them (error 1364): the
/// contract first gives the old column a placeholder default (metadata only). While the
/// triggers exist it is not needed (the server checks NOT NULL after BEFORE triggers), and
/// the rows that get it lose the column a moment later.
fn placeholder_before_contract(cx: &Cx, contract: &mut Section, s: &Synced, literal: &str) {
    let (t, o) = (cx.q(s.table), cx.q(s.old));
    contract
        .statements
        .insert(0, cx.set_default(&t, &o, literal));
    let old = s.old;
    contract.comment.push_str(&format!(
        "\n{old} first gets a placeholder default: between the trigger drops and the column drop,\nthe new app's inserts omit it with no trigger to fill it."
    ));
}

/// MySQL/MariaDB: a placeholder for a column whose type the schema model read: a string or
/// number ([`default_literal`]), or a date or time.
pub(crate) fn known_literal(column_type: &str) -> Option<&'static str> {
    let t = column_type.to_ascii_lowercase();
    default_literal(column_type).or(if t.starts_with("datetime") || t.starts_with("timestamp") {
        Some("'2000-01-01 00:00:00'")
    } else if t.starts_with("date") {
        Some("'2000-01-01'")
    } else if t.starts_with("time") {
        Some("'00:00:00'")
    } else if t.starts_with("year") {
        Some("2000")
    } else {
        None
    })
}

/// MySQL/MariaDB: a literal default for a column of `column_type`, for the families that
/// take one (strings and numbers).
pub(crate) fn default_literal(column_type: &str) -> Option<&'static str> {
    let t = column_type.to_ascii_lowercase();
    if t.contains("char") || t.starts_with("enum") || t.starts_with("set") {
        Some("''")
    } else if [
        "int", "decimal", "numeric", "float", "double", "real", "bit",
    ]
    .iter()
    .any(|k| t.contains(k))
    {
        Some("0")
    } else {
        None
    }
}
