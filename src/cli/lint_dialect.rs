//! Which dialect `bellows lint` reads the files as when `--dialect` is not given, and the
//! hint it prints when most statements do not parse in that dialect but do in the other.

use super::super::config::FileConfig;
use bellows::lint::{LintOptions, Linter, Report};
use bellows::Dialect;

/// The dialect of the database URL the run knows, read from its scheme only (nothing
/// connects): `--database-url`, else the variable bellows.toml names (`DATABASE_URL` by
/// default), else bellows.toml's `database_url`.
pub(super) fn from_url(flag: Option<&str>, file: &FileConfig) -> Option<Dialect> {
    let var = file.database_url_env.as_deref().unwrap_or("DATABASE_URL");
    flag.map(str::to_string)
        .or_else(|| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
        .or_else(|| file.database_url.clone())
        .and_then(|u| bellows::db::DatabaseUrl::parse(&u).ok())
        .map(|u| u.dialect())
}

/// The number of statements the parser could not read in `report`.
fn unparsed(report: &Report) -> usize {
    report
        .diagnostics()
        .filter(|d| d.rule == "unparsed-statement")
        .count()
}

/// When most statements of `report` could not be read as `options.dialect` and most of
/// those read as the other family, the hint saying which `--dialect` to pass.
pub(super) fn hint(report: &Report, options: &LintOptions) -> Option<String> {
    let failed = unparsed(report);
    let total = report.statements();
    if failed == 0 || failed * 2 <= total {
        return None;
    }
    let (other, flag) = if options.dialect == Dialect::Postgres {
        (Dialect::Mysql, "`--dialect mysql` (or `mariadb`)")
    } else {
        (Dialect::Postgres, "`--dialect postgres`")
    };
    let linter = Linter::new(LintOptions::new(other));
    let mut again = Report::default();
    for file in &report.files {
        if let Ok(r) = linter.lint(&file.path, &file.source) {
            again.files.push(r);
        }
    }
    let still = unparsed(&again);
    (still * 2 < failed).then(|| {
        format!(
            "{failed} of {total} statements cannot be read as {} but {} of them can as {other}: \
             pass {flag}, or set `dialect` under [lint] in bellows.toml",
            options.dialect,
            failed - still,
        )
    })
}
