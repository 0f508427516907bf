//! Fuzz target: the linter never panics nor overflows its stack, whatever bytes it is given,
//! in every dialect and transaction mode, read as a plain migration and as a sqlx
//! `.down.sql` file; and the same bytes made deep (an operator chain of thousands of terms,
//! hundreds of parentheses) and long (repeated on one line, or with CR-only line ends), each
//! rendered for a person too (the long-line window).
#![no_main]

use bellows::lint::render::{self, Format};
use bellows::lint::{LintOptions, Linter, Report, TransactionMode};
use bellows::Dialect;
use libfuzzer_sys::fuzz_target;

const DIALECTS: [Dialect; 3] = [Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for dialect in DIALECTS {
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
    for input in stretched(text) {
        for dialect in DIALECTS {
            let linter = Linter::new(LintOptions::new(dialect));
            if let Ok(file) = linter.lint("1_fuzz.sql", &input) {
                let report = Report { files: vec![file] };
                let _ = render::render(Format::Human, &report, false);
            }
        }
    }
});

/// The input made deep and long.
fn stretched(text: &str) -> Vec<String> {
    let term: String = text.chars().filter(|c| *c != ';').take(16).collect();
    let term = if term.trim().is_empty() { "1".to_string() } else { term };
    let one_line = text.replace(['\n', '\r'], " ");
    let times = (64 * 1024 / one_line.len().max(1)).clamp(1, 4096);
    vec![
        format!("SELECT {};", vec![term.as_str(); 20_000].join(" + ")),
        format!("SELECT {}{term}{};", "(".repeat(500), ")".repeat(500)),
        format!("SELECT {}{term};", "NOT ".repeat(2_000)),
        format!("{one_line};").repeat(times),
        format!("{};\r", text.replace('\n', "\r")).repeat(times.min(256)),
    ]
}
