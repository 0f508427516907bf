//! Folder lint: `bellows lint DIR` knows what earlier files made of the schema. Each class
//! the model makes safe gives no finding when an earlier file makes it safe, and still does
//! when nothing does (the same file linted alone, or the table shipped), on both dialects.

use std::path::Path;
use std::process::Command;

/// The rule ids `bellows lint` reports for the folder `files` makes, per file.
fn lint(dir: &Path, args: &[&str]) -> Vec<(String, String)> {
    let out = Command::new(env!("CARGO_BIN_EXE_bellows"))
        .arg("lint")
        .args(args)
        .args(["--format", "json", "--fail-on", "error"])
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    v["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            let file = d["file"].as_str().unwrap_or("");
            let name = file.rsplit('/').next().unwrap_or(file).to_string();
            (name, d["rule"].as_str().unwrap_or("").to_string())
        })
        .collect()
}

fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, body) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, body).expect("write");
    }
}

fn rules_of(found: &[(String, String)], file: &str) -> Vec<String> {
    found
        .iter()
        .filter(|(f, _)| f == file)
        .map(|(_, r)| r.clone())
        .collect()
}

#[test]
fn postgres_folder_knows_types_not_null_and_validated_checks() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), &[
        ("m/1_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY, token uuid, name varchar(50), n int, email text, nick text);\n"),
        ("m/2_check.sql", "ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\n"),
        ("m/3_validate.sql", "ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\n"),
        ("m/10_safe.sql", "ALTER TABLE users ALTER COLUMN token TYPE uuid;\nALTER TABLE users ALTER COLUMN name TYPE text;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"),
        ("m/11_unsafe.sql", "ALTER TABLE users ALTER COLUMN n TYPE bigint;\nALTER TABLE users ALTER COLUMN nick SET NOT NULL;\n"),
    ]);
    let found = lint(dir.path(), &["m"]);
    assert!(rules_of(&found, "10_safe.sql").is_empty(), "{found:?}");
    assert_eq!(
        rules_of(&found, "11_unsafe.sql"),
        ["column-type-change", "set-not-null"]
    );
    // The same file alone knows nothing of the earlier ones: today's findings.
    let alone = lint(dir.path(), &["m/10_safe.sql"]);
    assert_eq!(
        rules_of(&alone, "10_safe.sql"),
        ["column-type-change", "column-type-change", "set-not-null"]
    );
}

#[test]
fn mysql_and_mariadb_folder_knows_not_null_and_varchar_classes() {
    for dialect in ["mysql", "mariadb"] {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), &[
            ("m/1_users.sql", "CREATE TABLE users (id BIGINT PRIMARY KEY, a INT NOT NULL, b INT, name VARCHAR(20));\n"),
            ("m/2_safe.sql", "ALTER TABLE users CHANGE a a INT NOT NULL;\nALTER TABLE users MODIFY name VARCHAR(40);\n"),
            ("m/3_unsafe.sql", "ALTER TABLE users MODIFY b INT NOT NULL;\nALTER TABLE users MODIFY name VARCHAR(400);\n"),
        ]);
        let found = lint(dir.path(), &["m", "--dialect", dialect]);
        assert!(
            rules_of(&found, "2_safe.sql").is_empty(),
            "{dialect}: {found:?}"
        );
        assert_eq!(
            rules_of(&found, "3_unsafe.sql"),
            ["set-not-null", "column-type-change"],
            "{dialect}"
        );
    }
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn an_index_on_a_table_the_change_created_is_safe_only_in_the_change() {
    for (dialect, rule) in [
        ("postgres", "require-concurrent-index"),
        ("mysql", "unique-constraint"),
        ("mariadb", "unique-constraint"),
    ] {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            dir.path(),
            &[(
                "m/1_accounts.sql",
                "CREATE TABLE accounts (id BIGINT PRIMARY KEY, code VARCHAR(20));\n",
            )],
        );
        git(dir.path(), &["init", "-q", "-b", "main"]);
        git(dir.path(), &["add", "."]);
        git(dir.path(), &["commit", "-qm", "base"]);
        write(dir.path(), &[
            ("m/2_invites.sql", "CREATE TABLE invites (id BIGINT PRIMARY KEY, code VARCHAR(20));\n"),
            ("m/3_indexes.sql", "CREATE UNIQUE INDEX invites_code ON invites (code);\nCREATE UNIQUE INDEX accounts_code ON accounts (code);\n"),
        ]);
        let args = ["m", "--dialect", dialect, "--changed-since", "main"];
        let found = lint(dir.path(), &args);
        // invites: created by 2_invites.sql of the same change (empty); accounts: shipped.
        assert_eq!(
            found,
            [("3_indexes.sql".to_string(), rule.to_string())],
            "{dialect}"
        );
        // Without --changed-since (or --database-url) bellows cannot tell the change apart.
        let all = lint(dir.path(), &["m", "--dialect", dialect]);
        assert_eq!(rules_of(&all, "3_indexes.sql"), [rule, rule], "{dialect}");
    }
}
