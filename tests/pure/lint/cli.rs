//! `bellows lint` as a user runs it: exit codes (0 clean, 1 findings at or above
//! `--fail-on`, 2 unreadable input), stdin, folders, bellows.toml defaults, --changed-since.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bellows(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bellows"))
        .arg("lint")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
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
