//! One spelling per column type, so that a type written in a migration (`int4`,
//! `VARCHAR(20)`, `timestamptz`) and the one the catalog prints (`integer`, `character
//! varying(20)`, `timestamp with time zone`) compare equal.

use crate::Dialect;

/// `written` in the catalog's canonical spelling for `dialect`: PostgreSQL as `format_type`
/// prints it; MySQL/MariaDB as `COLUMN_TYPE` prints it, without integer display widths.
pub(crate) fn normalize_type(written: &str, dialect: Dialect) -> String {
    let mut s = written
        .trim()
        .to_ascii_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let mut arrays = 0;
    while let Some(rest) = s.strip_suffix("[]") {
        s = rest.trim_end().to_string();
        arrays += 1;
    }
    let (base, args) = match (s.find('('), s.find(')')) {
        (Some(open), Some(close)) if close > open => {
            let args: String = s[open..=close]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            let base = format!("{} {}", s[..open].trim(), s[close + 1..].trim());
            (base.trim().to_string(), args)
        }
        _ => (s.clone(), String::new()),
    };
    let out = if dialect.is_mysql_family() {
        mysql(&base, &args, dialect)
    } else {
        postgres(&base, &args)
    };
    out + &"[]".repeat(arrays)
}

fn postgres(base: &str, args: &str) -> String {
    let zone = |kind: &str, with: bool| {
        format!(
            "{kind}{args} {} time zone",
            if with { "with" } else { "without" }
        )
    };
    match base {
        "int" | "int4" | "integer" | "serial" | "serial4" => "integer".into(),
        "int8" | "bigint" | "bigserial" | "serial8" => "bigint".into(),
        "int2" | "smallint" | "smallserial" | "serial2" => "smallint".into(),
        "bool" | "boolean" => "boolean".into(),
        "float8" | "double precision" => "double precision".into(),
        "float" if args.is_empty() => "double precision".into(),
        "float" => match args.trim_matches(['(', ')']).parse::<u32>() {
            Ok(p) if p <= 24 => "real".into(),
            _ => "double precision".into(),
        },
        "float4" | "real" => "real".into(),
        "decimal" | "numeric" => format!("numeric{args}"),
        "varchar" | "character varying" => format!("character varying{args}"),
        "char" | "character" | "bpchar" if args.is_empty() => "character(1)".into(),
        "char" | "character" | "bpchar" => format!("character{args}"),
        "timestamp" | "timestamp without time zone" => zone("timestamp", false),
        "timestamptz" | "timestamp with time zone" => zone("timestamp", true),
        "time" | "time without time zone" => zone("time", false),
        "timetz" | "time with time zone" => zone("time", true),
        "varbit" | "bit varying" => format!("bit varying{args}"),
        other => format!("{other}{args}"),
    }
}

fn mysql(base: &str, args: &str, dialect: Dialect) -> String {
    let (base, sign) = match base.split_once(' ') {
        Some((b, rest)) if rest.starts_with("unsigned") || rest.starts_with("zerofill") => {
            (b, format!(" {rest}"))
        }
        _ => (base, String::new()),
    };
    let body = match base {
        "int" | "integer" => "int".into(),
        "tinyint" | "smallint" | "mediumint" | "bigint" => base.to_string(),
        "bool" | "boolean" => "tinyint".into(),
        "dec" | "numeric" | "fixed" | "decimal" if args.is_empty() => "decimal(10,0)".into(),
        "dec" | "numeric" | "fixed" | "decimal" => format!("decimal{args}"),
        "character varying" | "varchar" => format!("varchar{args}"),
        "character" | "char" if args.is_empty() => "char(1)".into(),
        "character" | "char" => format!("char{args}"),
        "double precision" | "real" | "double" => format!("double{args}"),
        "json" if dialect == Dialect::Mariadb => "longtext".into(),
        other => format!("{other}{args}"),
    };
    body + &sign
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_aliases_meet_the_catalog_spelling() {
        let n = |t| normalize_type(t, Dialect::Postgres);
        assert_eq!(n("INT4"), "integer");
        assert_eq!(n("serial"), "integer");
        assert_eq!(n("VARCHAR( 20 )"), "character varying(20)");
        assert_eq!(n("timestamptz"), "timestamp with time zone");
        assert_eq!(n("TIMESTAMP(3)"), "timestamp(3) without time zone");
        assert_eq!(n("decimal(10, 2)"), "numeric(10,2)");
        assert_eq!(n("int[]"), "integer[]");
        assert_eq!(n("char"), "character(1)");
        assert_eq!(n("jsonb"), "jsonb");
    }

    #[test]
    fn mysql_drops_display_widths() {
        let n = |t| normalize_type(t, Dialect::Mariadb);
        assert_eq!(n("int(11)"), "int");
        assert_eq!(n("INTEGER"), "int");
        assert_eq!(n("bigint(20) unsigned"), "bigint unsigned");
        assert_eq!(n("BOOLEAN"), "tinyint");
        assert_eq!(n("tinyint(1)"), "tinyint");
        assert_eq!(n("VARCHAR(255)"), "varchar(255)");
        assert_eq!(n("DECIMAL"), "decimal(10,0)");
        assert_eq!(n("json"), "longtext");
        assert_eq!(normalize_type("json", Dialect::Mysql), "json");
    }
}
