//! What a column type change costs when the old type is known (a folder lint's model):
//! types compared in the catalog's spelling (`crate::schema::normalize_type`).

use crate::schema::normalize_type;
use crate::sql::Dialect;

/// What changing a column from one type to another does to the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TypeChange {
    /// The same type: nothing is rewritten.
    Same,
    /// Only the catalog changes (PostgreSQL binary-compatible widening; MySQL in-place
    /// VARCHAR growth): why.
    Cheap(&'static str),
    /// PostgreSQL `timestamp` to `timestamptz` of the same precision: catalog-only from 12
    /// when the session time zone is UTC, a rewrite otherwise.
    TimeZone,
    /// The table is rewritten (PostgreSQL) or copied (MySQL): why, in a sentence.
    Rewrite(String),
}

/// The change from `old` (normalised, as the model holds it) to `new` (as written).
pub(crate) fn type_change(old: &str, new: &str, dialect: Dialect) -> TypeChange {
    let new = normalize_type(new, dialect);
    if new == old {
        return TypeChange::Same;
    }
    if dialect.is_mysql_family() {
        mysql(old, &new)
    } else {
        postgres(old, &new)
    }
}

/// `name(n)` → `Some(Some(n))`, `name` → `Some(None)`, another type → `None`.
fn length_of(t: &str, name: &str) -> Option<Option<u64>> {
    let rest = t.strip_prefix(name)?;
    if rest.is_empty() {
        return Some(None);
    }
    rest.strip_prefix('(')?
        .strip_suffix(')')?
        .trim()
        .parse()
        .ok()
        .map(Some)
}

fn postgres(old: &str, new: &str) -> TypeChange {
    const VARCHAR: &str = "character varying";
    let old_len = length_of(old, VARCHAR);
    let widens = match (old_len, length_of(new, VARCHAR)) {
        (Some(Some(n)), Some(Some(m))) => m >= n,
        (Some(_), Some(None)) => true,
        (Some(_), None) => new == "text",
        (None, Some(None)) => old == "text",
        _ => false,
    };
    if widens {
        return TypeChange::Cheap(
            "from varchar(n) to a longer varchar, to unbounded varchar or to text (or text to \
             unbounded varchar) PostgreSQL changes only the catalog: no rewrite, a brief lock",
        );
    }
    let zone = |t: &str, with: &str| {
        t.strip_suffix(with)
            .filter(|k| k.starts_with("timestamp"))
            .map(str::to_string)
    };
    if let (Some(a), Some(b)) = (
        zone(old, " without time zone"),
        zone(new, " with time zone"),
    ) {
        if a == b {
            return TypeChange::TimeZone;
        }
    }
    let why = match (old, new) {
        ("integer" | "smallint", "bigint") | ("smallint", "integer") => format!(
            "{old} to {new} widens every value on disk, so PostgreSQL rewrites every row and \
             rebuilds every index of the table"
        ),
        (_, n) if length_of(n, VARCHAR).is_some_and(|l| l.is_some()) => format!(
            "{old} to {new} shortens the limit or changes the type: PostgreSQL checks every row \
             (and rewrites unless the type is binary-compatible)"
        ),
        _ => format!(
            "{old} to {new} is not binary-compatible: PostgreSQL rewrites every row and \
             rebuilds every index of the table"
        ),
    };
    TypeChange::Rewrite(why)
}

fn mysql(old: &str, new: &str) -> TypeChange {
    let kind = |t: &str| ["enum(", "set("].into_iter().find(|k| t.starts_with(k));
    if kind(old).is_some() && kind(old) == kind(new) {
        return TypeChange::Cheap(
            "an ENUM or SET member list change is mysql-enum-set-change's to judge: appending \
             members is instant or in place, anything else copies",
        );
    }
    // A VARCHAR's length prefix is 1 byte up to 255 bytes, 2 above; the bytes depend on the
    // character set (1 to 4 per character), so only lengths in the same class for every
    // character set count: both up to 63 characters, or both over 255.
    let class = |n: u64| match n {
        0..=63 => Some(1),
        256.. => Some(2),
        _ => None,
    };
    if let (Some(Some(n)), Some(Some(m))) = (length_of(old, "varchar"), length_of(new, "varchar")) {
        if m >= n && class(n).is_some() && class(n) == class(m) {
            return TypeChange::Cheap(
                "growing a VARCHAR within the same length-byte class is ALGORITHM=INPLACE: the \
                 table is not copied",
            );
        }
    }
    TypeChange::Rewrite(format!(
        "{old} to {new} makes MySQL and MariaDB copy the table (ALGORITHM=COPY, writes blocked)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_widening_is_cheap_and_int_to_bigint_rewrites() {
        let pg = |o: &str, n: &str| {
            type_change(&normalize_type(o, Dialect::Postgres), n, Dialect::Postgres)
        };
        assert_eq!(pg("uuid", "UUID"), TypeChange::Same);
        assert!(matches!(
            pg("varchar(20)", "varchar(40)"),
            TypeChange::Cheap(_)
        ));
        assert!(matches!(pg("varchar(20)", "text"), TypeChange::Cheap(_)));
        assert!(matches!(
            pg("varchar(40)", "varchar(20)"),
            TypeChange::Rewrite(_)
        ));
        assert!(
            matches!(pg("int", "bigint"), TypeChange::Rewrite(w) if w.contains("integer to bigint"))
        );
    }

    #[test]
    fn mysql_varchar_growth_within_its_class_is_in_place() {
        let my =
            |o: &str, n: &str| type_change(&normalize_type(o, Dialect::Mysql), n, Dialect::Mysql);
        assert_eq!(my("INT(11)", "int"), TypeChange::Same);
        assert!(matches!(
            my("varchar(20)", "VARCHAR(60)"),
            TypeChange::Cheap(_)
        ));
        assert!(matches!(
            my("varchar(300)", "VARCHAR(600)"),
            TypeChange::Cheap(_)
        ));
        assert!(matches!(
            my("varchar(60)", "VARCHAR(300)"),
            TypeChange::Rewrite(_)
        ));
        assert!(matches!(my("int", "bigint"), TypeChange::Rewrite(_)));
    }
}
