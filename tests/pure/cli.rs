//! Day-one commands without a database: `init`, `new` without `--op`, and what `new` says
//! when an op's arguments are missing or misspelled.

use std::path::Path;
use std::process::Command;

fn bellows(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bellows"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn init_writes_the_folder_and_a_config_for_the_urls_dialect() {
    let dir = tempfile::tempdir().unwrap();
    let env = [("DATABASE_URL", "mysql://root:secret@127.0.0.1/shop")];
    let (code, out, err) = bellows(dir.path(), &["init"], &env);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("secret"), "{out}");
    insta::assert_snapshot!("init", out);
    assert!(dir.path().join("migrations").is_dir());
    let config = std::fs::read_to_string(dir.path().join("bellows.toml")).unwrap();
    assert!(config.contains("dialect = \"mysql\""), "{config}");
    // The file it wrote is one bellows reads: lint picks the dialect from it.
    std::fs::write(
        dir.path().join("migrations/1_idx.sql"),
        "CREATE INDEX users_email_idx ON users (email);\n",
    )
    .unwrap();
    let (_, out, err) = bellows(dir.path(), &["lint", "migrations"], &[]);
    assert!(
        !(out.clone() + &err).to_lowercase().contains("concurrently"),
        "MySQL rules, not PostgreSQL's: {out}{err}"
    );
    let (code, out, _) = bellows(dir.path(), &["init"], &[]);
    assert_eq!(code, 0);
    assert!(
        out.starts_with("migrations/ exists: left as it is\nbellows.toml exists: left as it is"),
        "{out}"
    );
}

#[test]
fn new_without_an_op_writes_the_markers_to_fill_in() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = bellows(
        dir.path(),
        &["new", "add email", "--requires-app", "2.4.0"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    let path = out.trim().strip_prefix("wrote ").unwrap();
    assert!(path.ends_with("_add_email.sql"), "{path}");
    let text = std::fs::read_to_string(dir.path().join(path)).unwrap();
    insta::assert_snapshot!("new_blank", text);
    let (code, out, err) = bellows(dir.path(), &["lint", "migrations"], &[]);
    assert_eq!(code, 0, "an empty migration lints clean: {out}{err}");
}

#[test]
fn new_says_what_an_op_needs() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = bellows(dir.path(), &["new", "idx", "--op", "add-index"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("<TABLE>") && err.contains("<COLUMNS>"),
        "{err}"
    );
    let (code, _, err) = bellows(
        dir.path(),
        &["new", "idx", "--op", "add-indx", "t", "c"],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("'add-index'"),
        "the nearest op is suggested: {err}"
    );
    let (code, _, err) = bellows(dir.path(), &["new", "idx", "users", "email"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--op"), "{err}");
}

/// Each command's help lists the flags it uses: lock and drift flags only where DDL runs,
/// `--migrations` only where files are read.
#[test]
fn help_shows_only_the_flags_a_command_uses() {
    let dir = tempfile::tempdir().unwrap();
    let flags = |args: &[&str]| -> Vec<String> {
        let (code, out, err) = bellows(dir.path(), args, &[]);
        assert_eq!(code, 0, "{err}");
        out.split_whitespace()
            .filter(|w| w.starts_with("--"))
            .map(|w| w.trim_end_matches(',').to_string())
            .collect()
    };
    let locks = [
        "--lock-timeout",
        "--lock-retries",
        "--lock-wait",
        "--allow-drift",
    ];
    for command in [&["expand", "-h"][..], &["contract", "-h"], &["abort", "-h"]] {
        let got = flags(command);
        assert!(
            locks.iter().all(|l| got.iter().any(|g| g == l)),
            "{command:?}: {got:?}"
        );
    }
    for command in [
        &["status", "-h"][..],
        &["plan", "-h"],
        &["gate", "check", "-h"],
    ] {
        let got = flags(command);
        assert!(
            got.iter().all(|g| !locks.contains(&g.as_str())),
            "{command:?}: {got:?}"
        );
        assert!(
            got.iter().any(|g| g == "--migrations"),
            "{command:?}: {got:?}"
        );
    }
    for command in [&["instances", "-h"][..], &["rollout", "record", "-h"]] {
        let got = flags(command);
        assert!(
            got.iter()
                .all(|g| !locks.contains(&g.as_str()) && g != "--migrations"),
            "{command:?}: {got:?}"
        );
        assert!(
            got.iter().any(|g| g == "--database-url"),
            "{command:?}: {got:?}"
        );
    }
    let (_, out, _) = bellows(dir.path(), &["status", "-h"], &[]);
    insta::assert_snapshot!("status_help", out);
    // --interval belongs to --watch, and --watch does not go with --check.
    for args in [
        &["status", "--interval", "1s"][..],
        &["status", "--watch", "--check"],
    ] {
        let (code, _, err) = bellows(dir.path(), args, &[]);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("--watch"), "{args:?}: {err}");
    }
}
