//! The linter never panics, whatever the input (the same property is fuzzed by
//! `fuzz/fuzz_targets/lint.rs`).

use bellows::lint::{LintOptions, Linter, TransactionMode};
use bellows::Dialect;
use proptest::prelude::*;

/// SQL-looking fragments, so the generator reaches the parser and the rules, not only the
/// splitter.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("CREATE ".to_string()),
        Just("UNIQUE INDEX ".to_string()),
        Just("CONCURRENTLY ".to_string()),
        Just("ALTER TABLE t ".to_string()),
        Just("ADD COLUMN c int NOT NULL ".to_string()),
        Just("ON ONLY ".to_string()),
        Just("DROP ".to_string()),
        Just("BEGIN; ".to_string()),
        Just("COMMIT; ".to_string()),
        Just("-- bellows:allow ".to_string()),
        Just("-- bellows:contract\n".to_string()),
        Just("$$ ".to_string()),
        Just("'x".to_string()),
        Just("\"q".to_string()),
        Just("( ".to_string()),
        Just("; ".to_string()),
        Just("\n".to_string()),
        "[a-z_]{1,8} ",
        "\\PC{0,6}",
    ]
}

fn lint_everywhere(text: &str) {
    for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb] {
        for mode in [TransactionMode::Auto, TransactionMode::Always] {
            let mut options = LintOptions::new(dialect);
            options.transaction_mode = mode;
            let _ = Linter::new(options).lint("p.sql", text);
            let _ = Linter::new(LintOptions::new(dialect)).lint("p.down.sql", text);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn never_panics_on_sql_like_input(parts in proptest::collection::vec(fragment(), 0..24)) {
        lint_everywhere(&parts.concat());
    }

    #[test]
    fn never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        lint_everywhere(&text);
    }
}
