//! Helpers for the rules' tests (each rule file's `tests` module): lint a statement, check
//! that every suggested rewrite lints clean, and render the report as the snapshots show it.

use crate::lint::{render, LintOptions, Linter, Report, Severity};
use crate::sql::Dialect;

/// Lint `sql` as the file `migration.sql` with `options`.
pub(crate) fn report_with(options: LintOptions, path: &str, sql: &str) -> Report {
    let linter = Linter::new(options);
    let file = linter
        .lint(path, sql)
        .expect("the test migration is well-formed");
    Report { files: vec![file] }
}

/// Lint `sql` for `options` and render it as the human format (no colour), after checking
/// that every suggested rewrite itself lints clean with the same options: it must not
/// trigger its own rule, nor any rule the original statement did not trigger (a statement
/// that also has another problem keeps that one in its rewrite).
pub(crate) fn check_with(options: LintOptions, sql: &str) -> String {
    let report = report_with(options.clone(), "migration.sql", sql);
    for d in report.diagnostics() {
        if let Some(rewrite) = &d.suggestion {
            let others: Vec<&str> = report
                .diagnostics()
                .filter(|x| x.line == d.line && x.rule != d.rule)
                .map(|x| x.rule)
                .collect();
            let again = report_with(options.clone(), "rewrite.sql", rewrite);
            let left: Vec<_> = again
                .diagnostics()
                .filter(|x| x.severity >= Severity::Warning)
                .filter(|x| !others.contains(&x.rule))
                .collect();
            assert!(
                left.is_empty(),
                "the rewrite of {} is not clean:\n{rewrite}\n{left:#?}",
                d.rule
            );
        }
    }
    render::human::render(&report, false)
}

/// [`check_with`] for PostgreSQL at its latest version.
pub(crate) fn pg(sql: &str) -> String {
    check_with(LintOptions::new(Dialect::Postgres), sql)
}

/// [`check_with`] for MySQL at its latest version.
pub(crate) fn mysql(sql: &str) -> String {
    check_with(LintOptions::new(Dialect::Mysql), sql)
}

/// [`check_with`] for a dialect at a server version.
pub(crate) fn at(dialect: Dialect, version: &str, sql: &str) -> String {
    let mut options = LintOptions::new(dialect);
    options.server_version = Some(version.parse().expect("a valid version"));
    check_with(options, sql)
}

/// The rule ids found in `sql` (PostgreSQL), in order.
pub(crate) fn rules_pg(sql: &str) -> Vec<&'static str> {
    report_with(LintOptions::new(Dialect::Postgres), "migration.sql", sql)
        .diagnostics()
        .map(|d| d.rule)
        .collect()
}

/// The rule ids found in `sql` for `dialect`, in order.
pub(crate) fn rules_in(dialect: Dialect, sql: &str) -> Vec<&'static str> {
    report_with(LintOptions::new(dialect), "migration.sql", sql)
        .diagnostics()
        .map(|d| d.rule)
        .collect()
}

/// Lint `files` (SQL texts, named `1_a.sql`, `2_b.sql`, ...) as one folder run for
/// `dialect`, after `shipped` files the run only learns from; with `change`, the linted files
/// are the change ([`FolderLint::change_starts`](crate::lint::FolderLint::change_starts)).
/// The last file's report.
pub(crate) fn folder_report(
    options: LintOptions,
    shipped: &[&str],
    change: bool,
    files: &[&str],
) -> Report {
    let linter = Linter::new(options);
    let mut folder = linter.folder(None);
    if change {
        folder.change_starts();
    }
    for (i, sql) in shipped.iter().enumerate() {
        let path = format!("{i}_shipped.sql");
        folder
            .shipped(&path, sql)
            .expect("a well-formed shipped file");
    }
    let mut last = None;
    for (i, sql) in files.iter().enumerate() {
        let path = format!("{}_file.sql", shipped.len() + i);
        last = Some(folder.lint(&path, sql).expect("a well-formed test file"));
    }
    Report {
        files: last.into_iter().collect(),
    }
}

/// The rules the last of `files` triggers in a folder run for `dialect` (nothing shipped,
/// the change unknown).
pub(crate) fn folder_rules(dialect: Dialect, files: &[&str]) -> Vec<&'static str> {
    folder_report(LintOptions::new(dialect), &[], false, files)
        .diagnostics()
        .map(|d| d.rule)
        .collect()
}

/// The last of `files` in a folder run for `dialect`, rendered as the human format.
pub(crate) fn folder_check(dialect: Dialect, files: &[&str]) -> String {
    let report = folder_report(LintOptions::new(dialect), &[], false, files);
    render::human::render(&report, false)
}
