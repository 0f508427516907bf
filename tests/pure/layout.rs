//! The shape of `src/`: files stay under 400 lines and functions under 80 (a longer one says
//! why), and the lint rule files are formatted. `cargo fmt` does not reach the rule files (the registry macro
//! declares their modules, and rustfmt does not look inside macros), so this runs rustfmt
//! on them.

use std::path::{Path, PathBuf};
use std::process::Command;

const MAX_FILE_LINES: usize = 400;
const MAX_FN_LINES: usize = 80;
/// A comment on the line above a function that may be longer says why, starting with this.
const LONG_FN_MARKER: &str = "// Long function:";

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The functions in `text` longer than [`MAX_FN_LINES`] without a [`LONG_FN_MARKER`]
/// comment, as `name (lines)`. A function runs from its `fn` line to the next line at the
/// same indentation that starts with `}` (rustfmt's layout).
fn long_functions(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut long = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        let indent = line.len() - code.len();
        let Some(name) = code
            .split_once("fn ")
            .filter(|(before, _)| before.split_whitespace().all(is_fn_qualifier))
            .and_then(|(_, rest)| rest.split(['(', '<']).next())
        else {
            continue;
        };
        let one_line = code.ends_with(';') || code.ends_with('}');
        if one_line || i > 0 && lines[i - 1].trim_start().starts_with(LONG_FN_MARKER) {
            continue;
        }
        let closing = format!("{}}}", " ".repeat(indent));
        let end = lines[i..]
            .iter()
            .position(|l| l.starts_with(&closing))
            .map_or(lines.len(), |n| i + n);
        if end - i + 1 > MAX_FN_LINES {
            long.push(format!("{name} ({} lines)", end - i + 1));
        }
    }
    long
}

fn is_fn_qualifier(word: &str) -> bool {
    word.starts_with("pub") || ["const", "async", "unsafe"].contains(&word)
}

#[test]
fn files_and_functions_stay_small() {
    let mut problems = Vec::new();
    for path in rust_files(&src_dir()) {
        let text = std::fs::read_to_string(&path).expect("a readable file");
        let name = path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(&path);
        let lines = text.lines().count();
        if lines > MAX_FILE_LINES {
            problems.push(format!("{}: {lines} lines", name.display()));
        }
        for f in long_functions(&text) {
            problems.push(format!("{}: fn {f}", name.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "split along a seam (files: {MAX_FILE_LINES} lines, functions: {MAX_FN_LINES}; a longer \
         function says why in a `{LONG_FN_MARKER}` comment above it):\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_long_function_check_sees_a_long_function() {
    let long = format!(
        "pub(crate) fn long() {{\n{}}}\n",
        "    x();\n".repeat(MAX_FN_LINES)
    );
    let text = format!("fn short() {{}}\n\n{long}");
    assert_eq!(
        long_functions(&text),
        vec![format!("long ({} lines)", MAX_FN_LINES + 2)]
    );
    let excused = format!("fn short() {{}}\n\n{LONG_FN_MARKER} one table of cases.\n{long}");
    assert!(long_functions(&excused).is_empty());
}

#[test]
fn rule_files_are_formatted() {
    let rustfmt = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into());
    let files = rust_files(&src_dir().join("lint/rules"));
    let out = match Command::new(&rustfmt)
        .args(["--edition", "2021", "--check"])
        .args(&files)
        .output()
    {
        Ok(out) => out,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("{rustfmt} is not installed: the rule files' formatting is not checked");
            return;
        }
        Err(e) => panic!("{rustfmt} runs: {e}"),
    };
    assert!(
        out.status.success(),
        "run `rustfmt --edition 2021 src/lint/rules/*.rs`:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
