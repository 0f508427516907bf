//! The inputs of `bellows lint`: paths expanded to migration files, `-` read from standard
//! input, the `--changed-since` filter (git), and linting them in parallel.

use bellows::lint::{FileReport, Linter, Report};
use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// One thing to lint.
pub(super) enum Input {
    /// A file: its path and the name shown for it.
    File(PathBuf, String),
    /// Standard input, read up front: the name shown and the text.
    Stdin(String, String),
}

/// Expand `paths`: files as given, folders to their `.sql` files (sorted), `-` to stdin.
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
        } else if path.is_file() {
            out.push(Input::File(path.clone(), path.display().to_string()));
        } else {
            return Err(format!("{}: no such file or folder", path.display()));
        }
    }
    Ok(out)
}

/// Keep only files added or modified since `git_ref` (committed since the merge base,
/// uncommitted, or untracked); standard input is always kept.
///
/// # Errors
/// git is missing, this is not a git work tree, or the ref does not exist.
pub(super) fn changed_since(inputs: Vec<Input>, git_ref: &str) -> Result<Vec<Input>, String> {
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
        .filter(|input| match input {
            Input::File(path, _) => path.canonicalize().is_ok_and(|p| changed.contains(&p)),
            Input::Stdin(..) => true,
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

/// Lint every input on all cores. Returns the report (inputs in the order given) and the
/// inputs that could not be read or are not valid migration files, as messages.
pub(super) fn lint_all(linter: &Linter, inputs: Vec<Input>) -> (Report, Vec<String>) {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Result<FileReport, String>)>> = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(inputs.len())
        .max(1);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let mut local = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    local.push((i, lint_one(linter, input)));
                }
                if let Ok(mut all) = results.lock() {
                    all.extend(local);
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_default();
    results.sort_by_key(|(i, _)| *i);
    let mut report = Report::default();
    let mut errors = Vec::new();
    for (_, r) in results {
        match r {
            Ok(file) => report.files.push(file),
            Err(e) => errors.push(e),
        }
    }
    (report, errors)
}

fn lint_one(linter: &Linter, input: &Input) -> Result<FileReport, String> {
    let (name, text) = match input {
        Input::File(path, name) => (name, read(path, name)?),
        Input::Stdin(name, text) => (name, text.clone()),
    };
    let linted =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| linter.lint(name, &text)));
    match linted {
        Ok(Ok(report)) => Ok(report),
        Ok(Err(e)) => Err(match e.line {
            Some(line) => format!("{name}:{line}: {}", e.message),
            None => format!("{name}: {}", e.message),
        }),
        Err(_) => Err(format!(
            "{name}: internal error: the linter failed on this file; please report it"
        )),
    }
}

fn read(path: &Path, name: &str) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("{name}: not UTF-8 text"))
}
