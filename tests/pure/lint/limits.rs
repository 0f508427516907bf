//! The linter's resource limits (issue 13, item 5), in-process: input that overflowed the
//! stack or took quadratic time and printed a gigabyte returns, with output bounded by the
//! number of findings. Speed is measured by `bench/lint_limits.sh`, not asserted here.

use bellows::lint::render::{self, Format};
use bellows::lint::{LintOptions, Linter, Report};
use bellows::Dialect;

fn lint(dialect: Dialect, text: &str) -> (Report, String) {
    let linter = Linter::new(LintOptions::new(dialect));
    let file = linter.lint("1_big.sql", text).expect("a migration");
    let report = Report { files: vec![file] };
    let human = render::render(Format::Human, &report, false);
    (report, human)
}

#[test]
fn a_deep_expression_falls_back_to_the_token_checks_in_every_dialect() {
    let sql = format!("SELECT 1{};\n", " + 1".repeat(100_000));
    for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb] {
        let (report, human) = lint(dialect, &sql);
        let rules: Vec<_> = report.diagnostics().map(|d| d.rule).collect();
        assert_eq!(rules, ["unparsed-statement"], "{dialect}");
        assert!(human.len() < 4_000, "{dialect}: {} bytes", human.len());
    }
}

#[test]
fn a_deep_statement_in_a_backfill_is_reported_not_overflowed() {
    let sql = format!(
        "-- bellows:backfill table=t\nUPDATE t SET b = 1{} WHERE b IS NULL;\n",
        " + 1".repeat(50_000)
    );
    let (report, _) = lint(Dialect::Postgres, &sql);
    assert!(report.diagnostics().any(|d| d.rule == "unparsed-statement"));
}

fn many_on_one_line(separator: &str) -> String {
    (0..8_000)
        .map(|i| format!("CREATE INDEX i{i} ON t (a);{separator}"))
        .collect()
}

#[test]
fn findings_on_one_long_line_show_a_window_around_the_caret() {
    for separator in ["", "\r"] {
        let (report, human) = lint(Dialect::Postgres, &many_on_one_line(separator));
        assert_eq!(report.diagnostics().count(), 8_000);
        assert!(
            human.len() < 8_000 * 1_200,
            "{} bytes for 8,000 findings",
            human.len()
        );
        let widest = human
            .lines()
            .filter(|l| l.contains(" | "))
            .map(str::len)
            .max();
        assert!(widest < Some(400), "a source line shown {widest:?} wide");
        assert!(human.contains("CREATE INDEX i4000 ON t (a);"));
        assert!(
            human.contains("\n1 | ...")
                && (human.contains("1 | ...(a);CREATE INDEX")
                    || human.contains("1 | ...(a); CREATE INDEX"))
        );
    }
}

#[test]
fn normal_lines_are_shown_whole() {
    let (_, human) = lint(Dialect::Postgres, "CREATE INDEX i ON t (a);\n");
    assert!(human.contains("1 | CREATE INDEX i ON t (a);\n"), "{human}");
    assert!(!human.contains("..."), "{human}");
}

#[test]
fn many_semicolons_are_no_statements() {
    let text = ";".repeat(640_000);
    for dialect in [Dialect::Mysql, Dialect::Postgres] {
        let (report, _) = lint(dialect, &text);
        assert_eq!(report.statements(), 0);
    }
}
