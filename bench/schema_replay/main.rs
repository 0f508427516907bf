//! Schema replay benchmark (not a test, not in CI): what building the replay model of a
//! migrations folder adds to linting it. It generates a folder of FILES files (default 300)
//! of STATEMENTS statements each (default 24; the statement mix of `bench/lint.sh`: tables
//! created, columns added, concurrent and plain indexes, NOT VALID checks, comments, DML),
//! then, in the same run and interleaved, best of RUNS (default 7):
//! 1. lint: every file through the linter, as `bellows lint DIR` does after reading them;
//! 2. read: every file read into a `Migration` (phases and statements split);
//! 3. replay from the migrations, parsing the DDL statements itself (what a caller without
//!    parsed statements pays);
//! 4. replay of statements parsed once already (what `bellows lint DIR` adds when it hands
//!    the statements it parsed for its rules to the replay, `Replay::parsed`).
//!
//! 5. folder lint with the model (`Linter::folder`), the same files in order, one thread;
//! 6. the CLI before: files linted alone, on every core (folder lint runs on one thread).
//!
//! It prints each against lint (the issue's goal: replay adds under 20% to lint).
//!
//! ```text
//! cargo run --release --example bench_schema_replay [FILES] [STATEMENTS] [RUNS]
//! ```

use bellows::lint::{LintOptions, Linter};
use bellows::{parse_for_replay, replay_dump, replay_parsed, Dialect, Migration};
use std::time::{Duration, Instant};

/// The folder: (file name, text) per file.
fn corpus(files: usize, per_file: usize) -> Vec<(String, String)> {
    (1..=files)
        .map(|f| {
            let t = format!("t{f}");
            let mut text = format!(
                "CREATE TABLE {t} (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), customer_id bigint, deleted_at timestamptz, amount int);\n"
            );
            let earlier = format!("t{}", (f / 2).max(1));
            for s in 2..=per_file {
                let line = match s % 8 {
                    0 => format!("ALTER TABLE {earlier} ADD COLUMN c{f}_{s} text;"),
                    1 => format!("CREATE INDEX CONCURRENTLY idx_{f}_{s} ON {earlier} (customer_id, created_at) WHERE deleted_at IS NULL;"),
                    2 => format!("UPDATE {earlier} SET name = 'active' WHERE id BETWEEN {} AND {};", s * 1000, s * 1000 + 999),
                    3 => format!("INSERT INTO {t} (name) VALUES ('a'), ('b'), ('c');"),
                    4 => format!("ALTER TABLE {earlier} ADD CONSTRAINT chk_{f}_{s} CHECK (amount >= 0) NOT VALID;"),
                    5 => format!("COMMENT ON COLUMN {t}.name IS 'display name, shown in the UI';"),
                    6 => format!("CREATE INDEX idx_{t}_{s} ON {t} (lower(name), created_at DESC);"),
                    _ => "SELECT count(*) FROM invoices i JOIN customers c ON c.id = i.customer_id WHERE i.total > 100 GROUP BY c.region;".to_string(),
                };
                text.push_str(&line);
                text.push('\n');
            }
            (format!("{f:08}_m{f}.sql"), text)
        })
        .collect()
}

fn lint(linter: &Linter, files: &[(String, String)]) -> usize {
    files
        .iter()
        .map(|(path, text)| {
            linter
                .lint(path, text)
                .expect("a valid file")
                .diagnostics
                .len()
        })
        .sum()
}

/// Folder lint: every file in order through one `FolderLint`, the model replayed from the
/// linter's own parse (what `bellows lint DIR` does), on one thread.
fn folder_lint(linter: &Linter, files: &[(String, String)]) -> usize {
    let mut folder = linter.folder(None);
    files
        .iter()
        .map(|(path, text)| {
            folder
                .lint(path, text)
                .expect("a valid file")
                .diagnostics
                .len()
        })
        .sum()
}

/// The CLI before folder lint: every file linted on its own, on every core (`WORKERS=n`
/// to choose).
fn parallel(linter: &Linter, files: &[(String, String)]) -> usize {
    let workers = std::env::var("WORKERS")
        .ok()
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let chunk = files.len().div_ceil(workers).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|c| s.spawn(move || lint(linter, c)))
            .collect();
        handles.into_iter().map(|h| h.join().expect("joins")).sum()
    })
}

fn read(files: &[(String, String)]) -> Vec<Migration> {
    files
        .iter()
        .map(|(path, text)| Migration::parse(path, text, Dialect::Postgres).expect("a valid file"))
        .collect()
}

fn best(d: &mut Duration, f: impl FnOnce() -> usize) -> usize {
    let start = Instant::now();
    let out = f();
    *d = (*d).min(start.elapsed());
    out
}

fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (files, per_file, runs) = (arg(1, 300), arg(2, 24), arg(3, 7));
    let folder = corpus(files, per_file);
    let linter = Linter::new(LintOptions::new(Dialect::Postgres));
    let mut t = [Duration::MAX; 6];
    let (mut findings, mut tables, mut folder_findings) = (0, 0, 0);
    let migrations = read(&folder);
    let parsed = parse_for_replay(&migrations, Dialect::Postgres);
    for _ in 0..runs {
        findings = best(&mut t[0], || lint(&linter, &folder));
        best(&mut t[1], || read(&folder).len());
        best(&mut t[2], || {
            replay_dump(&migrations, Dialect::Postgres, false).len()
        });
        tables = best(&mut t[3], || replay_parsed(&parsed));
        folder_findings = best(&mut t[4], || folder_lint(&linter, &folder));
        best(&mut t[5], || parallel(&linter, &folder));
    }
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let pct = |d: Duration| 100.0 * d.as_secs_f64() / t[0].as_secs_f64();
    println!("{files} files x {per_file} statements, best of {runs}:");
    println!(
        "  lint (the baseline):            {:>7.1} ms ({findings} findings)",
        ms(t[0])
    );
    println!(
        "  read files into migrations:     {:>7.1} ms  {:>5.1}% of lint",
        ms(t[1]),
        pct(t[1])
    );
    println!(
        "  replay, parsing DDL itself:     {:>7.1} ms  {:>5.1}% of lint (model as text included)",
        ms(t[2]),
        pct(t[2])
    );
    println!(
        "  replay of the linter's parse:   {:>7.1} ms  {:>5.1}% of lint ({tables} tables)",
        ms(t[3]),
        pct(t[3])
    );
    println!(
        "  folder lint with the model:     {:>7.1} ms  {:>+5.1}% against lint ({folder_findings} findings)",
        ms(t[4]),
        pct(t[4]) - 100.0
    );
    let wall = 100.0 * t[4].as_secs_f64() / t[5].as_secs_f64() - 100.0;
    println!(
        "  the CLI before (every core):    {:>7.1} ms; folder lint now (one thread) {wall:+.1}%",
        ms(t[5]),
    );
}
