//! The README's quickstart, run verbatim: every `bellows` line of its shell blocks, in order,
//! from the repository's root with `DATABASE_URL` set, on PostgreSQL and on MariaDB (with
//! `migrations-example/mysql`, as the README says). A line whose comment says it is refused
//! or exits 1 must exit 1; every other line 0. The seeded example gives the backfill rows to
//! copy in batches.

use crate::common::{bellows_env, Engine, TestDb};
use std::path::PathBuf;

/// The quickstart's `bellows` lines with the exit code each should give.
fn quickstart() -> Vec<(String, i32)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let start = readme.find("## Quickstart").expect("a Quickstart section");
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
    let lines: Vec<&str> = section.lines().collect();
    let mut commands = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(command) = line.trim().strip_prefix("bellows ") else {
            continue;
        };
        let (command, comment) = command.split_once(" #").unwrap_or((command, ""));
        let next = lines.get(i + 1).map_or("", |l| l.trim());
        let next_comment = if next.starts_with('#') { next } else { "" };
        let refused = [comment, next_comment]
            .iter()
            .any(|c| c.contains("refused") || c.contains("exit 1"));
        commands.push((command.trim().to_string(), i32::from(refused)));
    }
    commands
}

async fn readme_quickstart(engine: Engine) {
    let db = TestDb::new(engine, "quickstart").await;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let commands = quickstart();
    assert!(commands.len() >= 10, "{commands:?}");
    let mut backfilled = String::new();
    for (command, expected) in &commands {
        let command = match engine {
            Engine::Postgres => command.clone(),
            Engine::Mysql => command.replace("migrations-example", "migrations-example/mysql"),
        };
        let args: Vec<&str> = command.split_whitespace().collect();
        let (code, out, err) = bellows_env(&args, &root, &[("DATABASE_URL", &db.url)]);
        assert_eq!(code, *expected, "bellows {command}\n{out}\n{err}");
        if args[0] == "backfill" {
            backfilled = format!("{out}{err}");
        }
    }
    // The seeded rows, copied in several batches, with the rate.
    let summary = backfilled
        .lines()
        .find(|l| l.starts_with("backfilled 20261110090000"))
        .unwrap_or_else(|| panic!("{backfilled}"));
    assert!(summary.contains(": 50000 rows in "), "{summary}");
    assert!(summary.contains(" rows/s, "), "{summary}");
    let batches: u64 = summary
        .split_once(" rows/s, ")
        .and_then(|(_, rest)| rest.split_once(" batches"))
        .map(|(n, _)| n.parse().unwrap())
        .unwrap_or_else(|| panic!("{summary}"));
    assert!(batches >= 5, "{summary}");
}

#[tokio::test]
async fn readme_quickstart_postgres() {
    readme_quickstart(Engine::Postgres).await;
}

#[tokio::test]
async fn readme_quickstart_mariadb() {
    readme_quickstart(Engine::Mysql).await;
}
