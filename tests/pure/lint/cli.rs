//! `bellows lint` as a user runs it: exit codes (0 clean, 1 findings at or above
//! `--fail-on`, 2 unreadable input), stdin and pipes, folders, bellows.toml defaults, the
//! dialect from the database URL and the hint for the other one, --enable, --changed-since.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bellows(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bellows"))
        .arg("lint")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    if let Some(text) = stdin {
        // The binary may exit before reading (a bad config): a broken pipe is fine.
        let _ = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes());
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("exits")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, body) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, body).expect("write");
    }
    dir
}

const BAD_INDEX: &str = "CREATE INDEX i ON users (email);\n";

#[test]
fn exit_codes() {
    let dir = folder(&[
        (
            "clean/1_ok.sql",
            "CREATE INDEX CONCURRENTLY i ON users (email);\n",
        ),
        ("bad/1_idx.sql", BAD_INDEX),
        (
            "warn/1_w.sql",
            "-- bellows:allow require-concurrent-index stale\nSELECT 1;\n",
        ),
        (
            "broken/1_x.sql",
            "-- bellows:expand\nSELECT 1;\n-- bellows:sideways\n",
        ),
    ]);
    assert_eq!(code(&bellows(dir.path(), &["clean"], None)), 0);
    assert_eq!(code(&bellows(dir.path(), &["bad"], None)), 1);
    assert_eq!(code(&bellows(dir.path(), &["warn"], None)), 1);
    assert_eq!(
        code(&bellows(dir.path(), &["warn", "--fail-on", "error"], None)),
        0
    );
    let missing = bellows(dir.path(), &["nope.sql"], None);
    assert_eq!(code(&missing), 2);
    assert!(text(&missing.stderr).contains("nope.sql: no such file or folder"));
    let broken = bellows(dir.path(), &["broken", "bad"], None);
    assert_eq!(code(&broken), 2);
    let stderr = text(&broken.stderr);
    assert!(
        stderr.contains("broken/1_x.sql:3: unknown marker"),
        "{stderr}"
    );
    assert!(
        text(&broken.stdout).contains("require-concurrent-index"),
        "other files are still linted"
    );
    assert_eq!(
        code(&bellows(dir.path(), &["clean", "--format", "xml"], None)),
        2
    );
}

#[test]
fn stdin_json_and_dialect() {
    let dir = folder(&[]);
    let out = bellows(
        dir.path(),
        &["-", "--format", "json", "--stdin-name", "pr.sql"],
        Some(BAD_INDEX),
    );
    assert_eq!(code(&out), 1);
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("json");
    assert_eq!(v["diagnostics"][0]["file"], "pr.sql");
    assert_eq!(v["statements"], 1);
    let mysql = bellows(dir.path(), &["-", "--dialect", "mysql"], Some(BAD_INDEX));
    assert_eq!(code(&mysql), 0, "{}", text(&mysql.stdout));
}

#[test]
fn config_file_gives_defaults_and_flags_override() {
    let dir = folder(&[
        (
            "bellows.toml",
            "migrations = \"db\"\n[lint]\ndialect = \"mysql\"\nfail-on = \"error\"\n",
        ),
        ("db/1_idx.sql", BAD_INDEX),
    ]);
    assert_eq!(code(&bellows(dir.path(), &[], None)), 0);
    assert_eq!(
        code(&bellows(dir.path(), &["--dialect", "postgres"], None)),
        1
    );
    let bad = folder(&[("bellows.toml", "[lint]\ndisable = [\"no-such-rule\"]\n")]);
    let out = bellows(bad.path(), &["-"], Some("SELECT 1;"));
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("no-such-rule"));
}

#[test]
fn sqlx_down_files_are_down_phases() {
    let dir = folder(&[
        ("m/1_a.up.sql", "SELECT 1;\n"),
        ("m/1_a.down.sql", "DROP TABLE a;\n"),
    ]);
    let out = bellows(dir.path(), &["m", "--format", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("json");
    assert_eq!(v["files"], 2);
    assert_eq!(v["statements"], 2);
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs")
        .status
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn changed_since_lints_only_new_and_modified_files() {
    let dir = folder(&[
        ("migrations/1_old.sql", BAD_INDEX),
        ("migrations/2_edit.sql", "SELECT 1;\n"),
    ]);
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-qm", "base"]);
    git(dir.path(), &["checkout", "-qb", "feature"]);
    std::fs::write(dir.path().join("migrations/2_edit.sql"), "SELECT 2;\n").expect("write");
    std::fs::write(dir.path().join("migrations/3_new.sql"), "SELECT 3;\n").expect("write");
    let out = bellows(
        dir.path(),
        &["migrations", "--changed-since", "main", "--format", "json"],
        None,
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_str(&text(&out.stdout)).expect("json");
    assert_eq!(v["files"], 2, "1_old.sql is unchanged and skipped");
    let bad = bellows(
        dir.path(),
        &["migrations", "--changed-since", "no-such-ref"],
        None,
    );
    assert_eq!(code(&bad), 2);
    assert!(
        text(&bad.stderr).contains("no-such-ref"),
        "{}",
        text(&bad.stderr)
    );
}

/// A statement only the MySQL rules flag (a column added at a position).
const MYSQL_ONLY: &str = "ALTER TABLE users ADD COLUMN nick varchar(20) NULL AFTER name;\n";

fn lint_with_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bellows"))
        .arg("lint")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs")
}

#[test]
fn the_dialect_comes_from_the_database_url_without_connecting() {
    let dir = folder(&[("m/1_pos.sql", MYSQL_ONLY)]);
    let found = |o: &Output| text(&o.stdout).contains("mysql-column-position");
    assert!(!found(&lint_with_env(dir.path(), &["m"], &[])));
    // Port 9 refuses: nothing connects, only the scheme is read.
    let url = "mysql://root@127.0.0.1:9/app";
    assert!(found(&lint_with_env(
        dir.path(),
        &["m"],
        &[("DATABASE_URL", url)]
    )));
    let flag = lint_with_env(
        dir.path(),
        &["m", "--dialect", "postgres"],
        &[("DATABASE_URL", url)],
    );
    assert!(!found(&flag), "--dialect wins");
    let named = folder(&[
        ("bellows.toml", "database_url_env = \"APP_DB\"\n"),
        ("m/1_pos.sql", MYSQL_ONLY),
    ]);
    let mariadb = "mariadb://root@127.0.0.1:9/app";
    assert!(found(&lint_with_env(
        named.path(),
        &["m"],
        &[("APP_DB", mariadb)]
    )));
    let in_file = folder(&[
        (
            "bellows.toml",
            "database_url = \"mysql://root@127.0.0.1:9/app\"\n",
        ),
        ("m/1_pos.sql", MYSQL_ONLY),
    ]);
    assert!(found(&lint_with_env(in_file.path(), &["m"], &[])));
}

#[test]
fn hints_at_the_dialect_that_reads_the_files() {
    let dir = folder(&[(
        "1_my.sql",
        "CREATE TABLE `t` (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\n\
         ALTER TABLE `t` MODIFY `id` BIGINT NOT NULL AUTO_INCREMENT, ALGORITHM=INPLACE, LOCK=NONE;\n",
    )]);
    let pg = lint_with_env(dir.path(), &["1_my.sql"], &[]);
    let hint = text(&pg.stderr);
    assert!(
        hint.contains("hint: 2 of 2 statements cannot be read as postgres"),
        "{hint}"
    );
    assert!(hint.contains("pass `--dialect mysql`"), "{hint}");
    let my = lint_with_env(dir.path(), &["1_my.sql", "--dialect", "mysql"], &[]);
    assert!(!text(&my.stderr).contains("hint:"), "{}", text(&my.stderr));
    let pg_file = folder(&[("1_pg.sql", "CREATE TABLE t (id bigint);\nSELECT 1;\n")]);
    let none = lint_with_env(pg_file.path(), &["1_pg.sql"], &[]);
    assert!(!text(&none.stderr).contains("hint:"));
}

#[test]
fn dev_stdin_and_process_substitution_read_like_dash() {
    let dir = folder(&[]);
    let out = bellows(dir.path(), &["/dev/stdin"], Some(BAD_INDEX));
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("/dev/stdin:1:1"));
    let script = format!(
        "{} lint <(printf 'CREATE INDEX i ON users (email);\\n')",
        env!("CARGO_BIN_EXE_bellows")
    );
    let substituted = Command::new("bash")
        .args(["-c", &script])
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .output()
        .expect("bash runs");
    assert_eq!(code(&substituted), 1, "{}", text(&substituted.stderr));
    assert!(text(&substituted.stdout).contains("require-concurrent-index"));
}

#[test]
fn enable_switches_on_a_rule_that_is_off_by_default() {
    let dir = folder(&[("1_add.sql", "ALTER TABLE users ADD COLUMN nick int NULL;\n")]);
    let rule = "mysql-assert-online";
    let off = lint_with_env(dir.path(), &["1_add.sql", "--dialect", "mysql"], &[]);
    assert!(!text(&off.stdout).contains(rule));
    let on = lint_with_env(
        dir.path(),
        &["1_add.sql", "--dialect", "mysql", "--enable", rule],
        &[],
    );
    assert!(text(&on.stdout).contains(rule), "{}", text(&on.stdout));
    assert_eq!(code(&on), 0, "info does not fail the run");
    let bad = lint_with_env(dir.path(), &["1_add.sql", "--enable", "nope"], &[]);
    assert_eq!(code(&bad), 2);
}
