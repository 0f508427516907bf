//! Fuzz target: the linter never panics, whatever bytes it is given, in every dialect and
//! transaction mode, read as a plain migration and as a sqlx `.down.sql` file.
#![no_main]

use bellows::lint::{LintOptions, Linter, TransactionMode};
use bellows::Dialect;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for dialect in [Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb] {
        for mode in [
            TransactionMode::Auto,
            TransactionMode::Always,
            TransactionMode::Never,
        ] {
            let mut options = LintOptions::new(dialect);
            options.transaction_mode = mode;
            let linter = Linter::new(options);
            let _ = linter.lint("fuzz.sql", text);
            let _ = linter.lint("fuzz.down.sql", text);
        }
    }
});
