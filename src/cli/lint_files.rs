//! The inputs of `bellows lint`: paths expanded to migration files, `-` read from standard
//! input, the `--changed-since` filter (git), and linting them in version order with what
//! earlier files made of the schema.

use bellows::lint::{FileReport, FolderLint, Report};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One thing to lint.
pub(super) enum Input {
    /// A file: its path and the name shown for it.
    File(PathBuf, String),
    /// Standard input, read up front: the name shown and the text.
    Stdin(String, String),
}

/// Expand `paths`: files (and pipes such as `/dev/stdin`) as given, folders to their `.sql`
/// files (sorted), `-` to stdin.
///
/// # Errors
/// A path that does not exist or a folder or stdin that cannot be read.
pub(super) fn collect(paths: &[PathBuf], stdin_name: &str) -> Result<Vec<Input>, String> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| format!("standard input: {e}"))?;
            out.push(Input::Stdin(stdin_name.to_string(), text));
        } else if path.is_dir() {
            let entries =
                std::fs::read_dir(path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut files: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "sql"))
                .collect();
            files.sort();
            out.extend(files.into_iter().map(|p| {
                let shown = p.display().to_string();
                let name = shown
                    .strip_prefix("./")
                    .map_or_else(|| shown.clone(), str::to_string);
                Input::File(p, name)
            }));
        } else if path.exists() {
            // A file, or a stream read once like `-`: `/dev/stdin`, a shell's `<(cmd)`.
            out.push(Input::File(path.clone(), path.display().to_string()));
        } else {
            return Err(format!("{}: no such file or folder", path.display()));
        }
    }
    Ok(out)
}

/// Mark the files added or modified since `git_ref` (committed since the merge base,
/// uncommitted, or untracked) to be linted; the others are only replayed, so the linter knows
/// what they made of the schema. Standard input is always linted.
///
/// # Errors
/// git is missing, this is not a git work tree, or the ref does not exist.
pub(super) fn changed_since(
    inputs: Vec<Input>,
    git_ref: &str,
) -> Result<Vec<(Input, bool)>, String> {
    let root = PathBuf::from(
        git(
            &["rev-parse", "--show-toplevel"],
            "--changed-since needs a git work tree",
        )?
        .trim(),
    );
    let hint = format!("is `{git_ref}` a branch, tag or commit in this repository? (in CI, fetch it first, e.g. actions/checkout with fetch-depth: 0)");
    let mut changed = HashSet::new();
    let range = format!("{git_ref}...");
    for args in [
        vec!["diff", "--name-only", "--diff-filter=AM", range.as_str()],
        vec!["diff", "--name-only", "--diff-filter=AM", "HEAD"],
        vec!["ls-files", "--others", "--exclude-standard", "--full-name"],
    ] {
        let listed = git(&args, &hint)?;
        changed.extend(
            listed
                .lines()
                .filter_map(|l| root.join(l).canonicalize().ok()),
        );
    }
    Ok(inputs
        .into_iter()
        .map(|input| {
            let lint = match &input {
                Input::File(path, _) => path.canonicalize().is_ok_and(|p| changed.contains(&p)),
                Input::Stdin(..) => true,
            };
            (input, lint)
        })
        .collect())
}

/// Run git; its output, or an error with `hint` saying what to do.
fn git(args: &[&str], hint: &str) -> Result<String, String> {
    let output = Command::new("git")
        .args(args)
        .output()
        .map_err(|e| format!("--changed-since needs git on the PATH ({e})"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "--changed-since: `git {}` failed: {}; {hint}",
            args.join(" "),
            stderr.trim()
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Lint the inputs marked `true` (the others are replayed only), in version order through
/// `folder`, so each file's rules know what the earlier ones made of the schema. One thread:
/// the replay needs the files in order, and parsing a file on one thread and checking it on
/// another cost more than it saved (bench/schema_replay). Returns the report (linted inputs
/// in the order given) and the inputs that could not be read or are not valid migration
/// files.
pub(super) fn lint_all(
    mut folder: FolderLint<'_>,
    inputs: Vec<(Input, bool)>,
) -> (Report, Vec<String>) {
    let mut results: Vec<Option<Result<FileReport, String>>> = Vec::new();
    results.resize_with(inputs.len(), || None);
    for i in replay_order(&inputs) {
        let (input, lint) = &inputs[i];
        let (name, text) = match input {
            Input::File(path, name) => match read(path, name) {
                Ok(text) => (name, text),
                Err(e) => {
                    results[i] = lint.then_some(Err(e));
                    continue;
                }
            },
            Input::Stdin(name, text) => (name, text.clone()),
        };
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            if *lint {
                folder.lint(name, &text).map(Some)
            } else {
                folder.shipped(name, &text).map(|()| None)
            }
        }));
        results[i] = match done {
            Ok(Ok(report)) => report.map(Ok),
            Ok(Err(e)) if *lint => Some(Err(match e.line {
                Some(line) => format!("{name}:{line}: {}", e.message),
                None => format!("{name}: {}", e.message),
            })),
            Ok(Err(_)) => None,
            Err(_) => Some(Err(format!(
                "{name}: internal error: the linter failed on this file; please report it"
            ))),
        };
    }
    let mut report = Report::default();
    let mut errors = Vec::new();
    for r in results.into_iter().flatten() {
        match r {
            Ok(file) => report.files.push(file),
            Err(e) => errors.push(e),
        }
    }
    (report, errors)
}

/// The order the files are replayed in: as given, except that the files of one folder go
/// by their version (`2_a.sql` before `10_b.sql`), as the runner applies them.
fn replay_order(inputs: &[(Input, bool)]) -> Vec<usize> {
    let mut folders: Vec<PathBuf> = Vec::new();
    let mut keys = Vec::with_capacity(inputs.len());
    for (i, (input, _)) in inputs.iter().enumerate() {
        let key = match input {
            Input::File(path, _) => {
                let parent = path.parent().map(Path::to_path_buf).unwrap_or_default();
                let folder = folders
                    .iter()
                    .position(|f| *f == parent)
                    .unwrap_or_else(|| {
                        folders.push(parent);
                        folders.len() - 1
                    });
                (folder, version_of(path), i)
            }
            Input::Stdin(..) => (usize::MAX, u128::MAX, i),
        };
        keys.push(key);
    }
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| keys[i]);
    order
}

/// The version a file name starts with (`20240101_x.sql`), or after every versioned file.
fn version_of(path: &Path) -> u128 {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let digits: String = name.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().unwrap_or(u128::MAX)
}

fn read(path: &Path, name: &str) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("{name}: not UTF-8 text"))
}
