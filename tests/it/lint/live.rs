//! `bellows lint --database-url` against the real servers (`BELLOWS_TEST_PG`,
//! `BELLOWS_TEST_MYSQL`, as the runner tests): findings on a tiny table drop to info, the
//! server version is read, and a password never shows in an error.

use std::process::Command;

fn server(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.into())
}

fn lint_stdin(sql: &str, args: &[&str]) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_bellows"))
        .arg("lint")
        .args(["-", "--format", "json"])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // The binary may exit before reading (a bad URL): a broken pipe is fine.
    let _ = child.stdin.take().expect("stdin").write_all(sql.as_bytes());
    let out = child.wait_with_output().expect("exits");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

#[tokio::test]
async fn postgres_table_sizes_drop_tiny_tables_to_info() {
    let base = server("BELLOWS_TEST_PG", "postgres://postgres@127.0.0.1:5432");
    let name = format!("bellows_lint_live_{}", std::process::id());
    let (admin, conn) = tokio_postgres::connect(&format!("{base}/postgres"), tokio_postgres::NoTls)
        .await
        .expect("PostgreSQL is reachable (set BELLOWS_TEST_PG)");
    tokio::spawn(conn);
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await
        .expect("drop db");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create db");
    let url = format!("{base}/{name}");
    {
        let (db, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        let task = tokio::spawn(conn);
        db.batch_execute("CREATE TABLE tiny (a int); INSERT INTO tiny SELECT generate_series(1, 50); ANALYZE tiny;")
            .await
            .expect("fixture");
        drop(db);
        let _ = task.await;
    }
    let sql = "CREATE INDEX tiny_a ON tiny (a);\nCREATE INDEX other_a ON other (a);\n";
    let (code, stdout, stderr) = tokio::task::spawn_blocking({
        let url = url.clone();
        move || lint_stdin(sql, &["--database-url", &url])
    })
    .await
    .expect("join");
    let _ = admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .await;
    assert_eq!(code, 1, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(v["diagnostics"][0]["severity"], "info", "{stdout}");
    assert!(v["diagnostics"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("about 50 rows"));
    assert_eq!(
        v["diagnostics"][1]["severity"], "error",
        "unknown tables keep their severity"
    );
}

#[tokio::test]
async fn mysql_sizes_and_version_are_read() {
    let base = server("BELLOWS_TEST_MYSQL", "mysql://root@127.0.0.1:3306");
    let url = format!("{base}/information_schema");
    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || {
        lint_stdin(
            "ALTER TABLE tables DROP COLUMN engine;\n",
            &["--database-url", &url],
        )
    })
    .await
    .expect("join");
    assert!(code == 0 || code == 1, "{stderr}");
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(v["statements"], 1);
}

#[test]
fn unreachable_database_is_exit_2_without_the_password() {
    let (code, _, stderr) = lint_stdin(
        "SELECT 1;",
        &["--database-url", "postgres://app:hunter2@127.0.0.1:1/app"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--database-url") && !stderr.contains("hunter2"),
        "{stderr}"
    );
}
