//! `bellows lint` and `bellows plan` (offline) report everything `bellows expand` refuses
//! before it connects, so a pull request check gives no false assurance; and both fail on a
//! near-miss marker, as every command does.

use std::path::Path;
use std::process::Command;

/// Run the binary in `dir` without a database; (exit code, stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bellows"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn folder(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("m")).expect("mkdir");
    std::fs::write(dir.path().join("m/1_fill.sql"), text).expect("write");
    dir
}

const REFUSED: &[(&str, &str)] = &[
    ("UPDATE t SET b = a * 2;", "UPDATE without WHERE"),
    ("UPDATE t SET b = a * 2 WHERE a > 0;", "not idempotent"),
    (
        "UPDATE t SET b = 1 WHERE b IS NULL;\nUPDATE t SET c = 1 WHERE c IS NULL;",
        "exactly one statement",
    ),
    ("SELECT * FROM t;", "not `SELECT"),
    ("DROP TABLE t;", "not `DROP"),
];

fn migration(backfill: &str) -> String {
    format!("-- bellows:expand\nALTER TABLE t ADD COLUMN b int;\n-- bellows:backfill table=t key=id\n{backfill}\n")
}

#[test]
fn lint_reports_each_backfill_expand_refuses_as_an_error_with_its_line() {
    for (backfill, why) in REFUSED {
        let dir = folder(&migration(backfill));
        for target in ["m", "m/1_fill.sql"] {
            let (code, out, err) = run(dir.path(), &["lint", target, "--fail-on", "error"]);
            assert_eq!(code, 1, "{backfill} ({target}): {out}{err}");
            assert!(
                out.contains("error[runner-refuses]") && out.contains("m/1_fill.sql:4:1"),
                "{backfill} ({target}):\n{out}"
            );
            assert!(out.contains(why), "{backfill}: `{why}` in\n{out}");
        }
    }
}

#[test]
fn plan_offline_refuses_each_backfill_expand_refuses() {
    for (backfill, why) in REFUSED {
        let dir = folder(&migration(backfill));
        let (code, out, err) = run(dir.path(), &["plan", "--migrations", "m"]);
        assert_eq!(code, 2, "{backfill}: {out}{err}");
        assert!(err.contains("1_fill.sql:4"), "{backfill}: {err}");
        assert!(err.contains(why), "{backfill}: `{why}` in {err}");
    }
}

#[test]
fn lint_and_plan_pass_a_backfill_expand_accepts() {
    let dir = folder(&migration("UPDATE t SET b = a * 2 WHERE b IS NULL;"));
    let (code, out, _) = run(dir.path(), &["lint", "m", "--fail-on", "error"]);
    assert_eq!(code, 0, "{out}");
    let (code, out, err) = run(dir.path(), &["plan", "--migrations", "m"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn lint_and_plan_fail_on_a_near_miss_marker() {
    let dir = folder("-- bellows:expand\nALTER TABLE t ADD COLUMN b int;\n-- bellows.contract\nALTER TABLE t DROP COLUMN a;\n");
    let (code, _, err) = run(dir.path(), &["lint", "m"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("1_fill.sql:3:") && err.contains("did you mean `-- bellows:contract`"),
        "{err}"
    );
    let (code, _, err) = run(dir.path(), &["plan", "--migrations", "m"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("1_fill.sql:3") && err.contains("did you mean"),
        "{err}"
    );
}
