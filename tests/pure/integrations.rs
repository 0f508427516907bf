//! The repository's integrations, run the way their hosts run them: the pre-commit hooks'
//! entry command on staged file names, and the GitHub Action's lint step in a pull request's
//! checkout (the Action installs bellows with `cargo install --path`; here it is the binary
//! under test).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const UNSAFE: &str = "CREATE INDEX users_email_idx ON users (email);\n";
const SAFE: &str = "CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\n";

/// `(id, entry, files)` of every hook in `.pre-commit-hooks.yaml` (a flat list of maps).
fn hooks() -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let mut hooks = Vec::new();
    let field = |line: &str, key: &str| {
        line.trim_start_matches("- ")
            .trim()
            .strip_prefix(&format!("{key}: "))
            .map(str::to_string)
    };
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        if let Some(id) = field(line, "id") {
            hooks.push((id, String::new(), String::new()));
        } else if let (Some(entry), Some(last)) = (field(line, "entry"), hooks.last_mut()) {
            last.1 = entry;
        } else if let (Some(files), Some(last)) = (field(line, "files"), hooks.last_mut()) {
            last.2 = files;
        }
    }
    hooks
}

/// Run a hook's entry as pre-commit does: the entry's words, then the file names.
fn run_entry(entry: &str, dir: &Path, files: &[&str]) -> (i32, String) {
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("bellows"), "{entry}");
    let out = Command::new(env!("CARGO_BIN_EXE_bellows"))
        .args(words)
        .args(files)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn pre_commit_hooks_lint_the_staged_sql_files() {
    let hooks = hooks();
    let ids: Vec<&str> = hooks.iter().map(|h| h.0.as_str()).collect();
    assert_eq!(ids, ["bellows-lint", "bellows-lint-system"]);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("1_unsafe.sql"), UNSAFE).unwrap();
    std::fs::write(dir.path().join("2_safe.sql"), SAFE).unwrap();
    for (id, entry, files) in &hooks {
        assert_eq!(files, r"\.sql$", "{id} runs on SQL files only");
        let (code, out) = run_entry(entry, dir.path(), &["1_unsafe.sql", "2_safe.sql"]);
        assert_eq!(code, 1, "{id}: {out}");
        assert!(
            out.contains("1_unsafe.sql") && out.contains("require-concurrent-index"),
            "{id}: {out}"
        );
        assert!(!out.contains("2_safe.sql:"), "{id}: {out}");
        let (code, out) = run_entry(entry, dir.path(), &["2_safe.sql"]);
        assert_eq!(code, 0, "{id}: {out}");
    }
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

#[test]
fn the_action_lints_only_what_the_pull_request_changed() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    std::fs::create_dir(repo.join("migrations")).unwrap();
    std::fs::write(repo.join("migrations/1_old.sql"), UNSAFE).unwrap();
    git(repo, &["init", "-q", "-b", "main"]);
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "old"]);
    git(repo, &["checkout", "-qb", "feature"]);
    std::fs::write(repo.join("migrations/2_new.sql"), UNSAFE).unwrap();
    git(repo, &["add", "."]);
    git(repo, &["commit", "-qm", "new"]);

    let out = Command::new(root().join("scripts/action-lint.sh"))
        .current_dir(repo)
        .env("BELLOWS_BIN", env!("CARGO_BIN_EXE_bellows"))
        .env("BELLOWS_BASE", "main")
        .env("BELLOWS_DIALECT", "postgres")
        .env_remove("GITHUB_BASE_REF")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        stdout.contains("::warning file=migrations/2_new.sql")
            || stdout.contains("::error file=migrations/2_new.sql"),
        "an annotation on the new file: {stdout}"
    );
    assert!(
        !stdout.contains("1_old.sql"),
        "the old file is not the PR's: {stdout}"
    );

    // action.yml runs that script with every input it declares.
    let action = std::fs::read_to_string(root().join("action.yml")).unwrap();
    assert!(
        action.contains("$GITHUB_ACTION_PATH/scripts/action-lint.sh"),
        "{action}"
    );
    assert!(action.contains("cargo install --locked --path \"$GITHUB_ACTION_PATH\""));
    for input in [
        "path",
        "base",
        "format",
        "dialect",
        "server-version",
        "fail-on",
    ] {
        assert!(action.contains(&format!("\n  {input}:\n")), "input {input}");
        assert!(
            action.contains(&format!("${{{{ inputs.{input} }}}}")),
            "{input} is passed on"
        );
    }
}

/// The CI examples in the README and docs/ci.md install bellows with the same line.
#[test]
fn readme_and_ci_docs_agree_on_the_install_line() {
    let installs = |file: &str| -> Vec<String> {
        std::fs::read_to_string(root().join(file))
            .unwrap()
            .lines()
            .filter_map(|l| {
                l.split_once("cargo install bellows-migrate")
                    .map(|(_, rest)| {
                        rest.split_whitespace()
                            .next()
                            .unwrap_or_default()
                            .to_string()
                    })
            })
            .collect()
    };
    let (readme, ci) = (installs("README.md"), installs("docs/ci.md"));
    assert!(!readme.is_empty() && ci.len() >= 2, "{readme:?} {ci:?}");
    for line in readme.iter().chain(&ci) {
        assert_eq!(line, &readme[0]);
    }
    let ci_text = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    assert!(
        !ci_text.contains("cargo install --locked --git")
            && !ci_text.contains("cargo install bellows "),
        "no second install line"
    );
}

/// One repository URL: Cargo.toml's, used by the README, the Action, the pre-commit hooks and
/// docs/ci.md; no placeholder left. The license files match Cargo.toml's `license`.
#[test]
fn one_repository_url_and_the_license_files() {
    let read = |f: &str| std::fs::read_to_string(root().join(f)).unwrap();
    let cargo = read("Cargo.toml");
    let url = cargo
        .lines()
        .find_map(|l| l.strip_prefix("repository = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("Cargo.toml has a repository");
    let slug = url.trim_start_matches("https://github.com/");
    for file in [
        "README.md",
        "action.yml",
        "docs/ci.md",
        ".pre-commit-hooks.yaml",
    ] {
        let text = read(file);
        assert!(text.contains(slug), "{file} names {slug}");
        assert!(
            !text.contains("OWNER/") && !text.contains("BELLOWS_GIT_URL"),
            "{file} has a placeholder"
        );
    }
    assert!(cargo.contains("license = \"MIT OR Apache-2.0\""));
    assert!(read("LICENSE-MIT").starts_with("MIT License"));
    assert!(
        read("LICENSE-APACHE").contains("Apache License\n                           Version 2.0")
    );
}

/// `lint --format markdown`: one comment, its marker first, the exit code as in any format.
#[test]
fn lint_writes_one_markdown_comment() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("1_unsafe.sql"), UNSAFE).unwrap();
    std::fs::write(dir.path().join("2_safe.sql"), SAFE).unwrap();
    let (code, out) = run_entry(
        "bellows lint --format markdown",
        dir.path(),
        &["1_unsafe.sql", "2_safe.sql"],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.starts_with("<!-- bellows-lint -->\n### bellows lint: 1 error in 1 of 2 files\n"),
        "{out}"
    );
    assert!(
        out.contains("Safe rewrite:\n\n```sql\nCREATE INDEX CONCURRENTLY"),
        "{out}"
    );
    let (code, out) = run_entry(
        "bellows lint --format markdown",
        dir.path(),
        &["2_safe.sql"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("### bellows lint: clean"), "{out}");
}
