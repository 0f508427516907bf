//! Linter speed benchmark (issue 14; not a test, not run in CI): generates real-shaped
//! PostgreSQL folders (`corpus.rs`), lints each with a release build of bellows and, in the
//! same run, with squawk, and prints statements/s and the ratio. Also: the time of one file
//! of 4,000 renames, linear time (the whole project concatenated once and ten times), and
//! the share of statements the linter could not parse.
//!
//! ```text
//! bench/lint.sh                                  # builds bellows, finds squawk, runs this
//! BELLOWS=path/to/bellows SQUAWK=path/to/squawk cargo run --release --example bench_lint
//! BASELINE=path/to/other/bellows ...             # also time another build (e.g. main)
//! FILES=3000 RUNS=5 ...                          # a bigger project, more runs (best of)
//! CORPUS_OUT=dir ...                             # only write the project folder there
//! ```

#[path = "corpus.rs"]
mod corpus;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The best wall-clock time of `runs` runs of `cmd`, output discarded.
fn best_of(runs: usize, mut cmd: impl FnMut() -> Command) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            let _ = cmd()
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("the linter runs");
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

/// `bellows lint <path> --format json`: (statements, unparsed-statement findings).
fn counts(bellows: &Path, path: &Path) -> (usize, usize) {
    let out = Command::new(bellows)
        .args(["lint", "--format", "json", "--fail-on", "error"])
        .arg(path)
        .output()
        .expect("bellows runs");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let statements = json["statements"].as_u64().unwrap_or(0) as usize;
    let unparsed = json["diagnostics"].as_array().map_or(0, |d| {
        d.iter()
            .filter(|d| d["rule"] == "unparsed-statement")
            .count()
    });
    (statements, unparsed)
}

fn bellows_cmd(bin: &Path, path: &Path) -> Command {
    let mut c = Command::new(bin);
    c.args(["lint", "--format", "json", "--fail-on", "error"])
        .arg(path);
    c
}

fn squawk_cmd(bin: &Path, files: &[PathBuf]) -> Command {
    let mut c = Command::new(bin);
    c.args(files);
    c
}

fn sql_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .expect("the folder")
        .map(|e| e.expect("an entry").path())
        .collect();
    files.sort();
    files
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    std::fs::create_dir_all(dir).expect("a folder");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("written");
    path
}

fn rate(statements: usize, took: Duration) -> f64 {
    statements as f64 / took.as_secs_f64()
}

fn main() {
    let bellows = PathBuf::from(std::env::var("BELLOWS").expect("BELLOWS=path to bellows"));
    let squawk = std::env::var("SQUAWK").ok().map(PathBuf::from);
    let baseline = std::env::var("BASELINE").ok().map(PathBuf::from);
    let files = env_or("FILES", 1500);
    let runs = env_or("RUNS", 3);

    let work = tempfile::tempdir().expect("a temporary folder");
    let project = corpus::project(14, files);
    if let Ok(out) = std::env::var("CORPUS_OUT") {
        // Only write the project folder (e.g. to profile one build on it).
        for (name, text) in &project {
            write(Path::new(&out), name, text);
        }
        return;
    }
    let dir = work.path().join("project");
    for (name, text) in &project {
        write(&dir, name, text);
    }
    let concat = write(
        &work.path().join("concat"),
        "all.sql",
        &corpus::concatenated(&project, 1),
    );
    let concat10 = write(
        &work.path().join("concat10"),
        "all.sql",
        &corpus::concatenated(&project, 10),
    );
    let renames = write(
        &work.path().join("renames"),
        "renames.sql",
        &corpus::renames(4000),
    );

    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!("bellows: {}", bellows.display());
    println!(
        "machine: {} core(s), load {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    println!("best of {runs} runs, wall clock\n");
    println!(
        "{:<22} {:>10} {:>9} {:>10} {:>12} {:>10} {:>7}",
        "input", "statements", "unparsed", "bellows ms", "bellows st/s", "squawk ms", "ratio"
    );
    let mut times = Vec::new();
    for (label, path) in [
        ("project folder", dir.as_path()),
        ("project in one file", concat.as_path()),
        ("project x10, one file", concat10.as_path()),
        ("4,000 renames", renames.as_path()),
    ] {
        let (statements, unparsed) = counts(&bellows, path);
        let ours = best_of(runs, || bellows_cmd(&bellows, path));
        times.push(ours);
        // squawk is far from linear on one long file: it is timed on the 1x inputs only, and
        // the other tools once on a one-file input (minutes each).
        let their_runs = if path.is_dir() { runs } else { 1 };
        let theirs = squawk
            .as_ref()
            .filter(|_| label != "project x10, one file")
            .map(|s| {
                let files = sql_files(path);
                best_of(their_runs, || squawk_cmd(s, &files))
            });
        let (squawk_ms, ratio) = match theirs {
            Some(t) => (
                format!("{}", t.as_millis()),
                format!("{:.2}x", rate(statements, ours) / rate(statements, t)),
            ),
            None => ("-".into(), "-".into()),
        };
        println!(
            "{label:<22} {statements:>10} {:>8.2}% {:>10} {:>12.0} {squawk_ms:>10} {ratio:>7}",
            unparsed as f64 * 100.0 / statements.max(1) as f64,
            ours.as_millis(),
            rate(statements, ours),
        );
        if let Some(base) = &baseline {
            let before = best_of(their_runs, || bellows_cmd(base, path));
            println!(
                "{:<22} baseline {} ms ({:.2}x faster now)",
                "",
                before.as_millis(),
                before.as_secs_f64() / ours.as_secs_f64()
            );
        }
    }
    println!(
        "\nlinear time: 10x the input took {:.1}x the time (goal <= 12x)",
        times[2].as_secs_f64() / times[1].as_secs_f64()
    );
    if squawk.is_none() {
        println!("squawk not found: skipped the comparison (cargo install squawk --version 2.40.0 --locked)");
    }
}
