//! `bellows lint`: flags are merged once with the `[lint]` table of `bellows.toml` into
//! validated settings; files are read and linted in parallel; the report is printed in the
//! chosen format; the exit code says 0 clean, 1 findings at or above `--fail-on`, 2 input
//! that could not be read.

#[path = "lint_dialect.rs"]
mod lint_dialect;
#[path = "lint_files.rs"]
mod lint_files;
#[path = "lint_live.rs"]
mod lint_live;

use super::config::FileConfig;
use bellows::lint::render::{self, Format};
use bellows::lint::{LintOptions, Linter, Report, ServerVersion, Severity, TransactionMode};
use bellows::Dialect;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// Arguments of `bellows lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Files or folders to lint (every `.sql` file in a folder, sqlx `.up.sql`/`.down.sql`
    /// too); `-` reads SQL from standard input, as does a pipe such as `/dev/stdin` or
    /// `<(cmd)`. Default: the migrations folder.
    paths: Vec<PathBuf>,
    /// SQL dialect: postgres, mysql or mariadb [default: bellows.toml [lint] dialect, else
    /// the database URL's (--database-url, DATABASE_URL, bellows.toml), else postgres].
    #[arg(long, value_parser = parse::<Dialect>)]
    dialect: Option<Dialect>,
    /// Target server version, e.g. 16, 8.0 or 10.11 [default: the latest known].
    #[arg(long, value_name = "VERSION", value_parser = parse::<ServerVersion>)]
    server_version: Option<ServerVersion>,
    /// The server's flavour: galera (table rewrites stall the whole cluster) [default: read
    /// from --database-url].
    #[arg(long, value_name = "FLAVOUR", value_parser = ["galera"])]
    server: Option<String>,
    /// Output format: human, json, sarif, github, gitlab or markdown.
    #[arg(long, default_value = "human", value_parser = parse::<Format>)]
    format: Format,
    /// Exit 1 when a finding is at or above this severity: error or warning [default: warning].
    #[arg(long, value_name = "SEVERITY", value_parser = parse::<Severity>)]
    fail_on: Option<Severity>,
    /// Only lint migration files added or modified since this git ref (e.g. origin/main).
    #[arg(long, value_name = "GIT_REF")]
    changed_since: Option<String>,
    /// What the runner that applies the files does with transactions: auto (bellows),
    /// always (wraps each file, e.g. sqlx) or never [default: auto].
    #[arg(long, value_name = "MODE", value_parser = parse::<TransactionMode>)]
    transaction_mode: Option<TransactionMode>,
    /// Read the server version and table sizes from this database (findings on tiny tables
    /// drop to info). Optional; nothing is changed.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// Switch on a rule that is off by default (e.g. mysql-assert-online); repeatable.
    #[arg(long, value_name = "RULE")]
    enable: Vec<String>,
    /// The file name shown for SQL read from standard input.
    #[arg(long, value_name = "NAME", default_value = "-")]
    stdin_name: String,
}

fn parse<T: std::str::FromStr<Err = String>>(s: &str) -> Result<T, String> {
    s.parse()
}

/// The settings of one run, flags over `bellows.toml`.
struct Settings {
    options: LintOptions,
    format: Format,
    fail_on: Severity,
}

impl Settings {
    fn new(args: &LintArgs, file: &FileConfig) -> Result<Settings, String> {
        let lint = &file.lint;
        let in_file = |key: &str, e: String| format!("bellows.toml [lint] {key}: {e}");
        let dialect = args
            .dialect
            .or(lint.dialect)
            .or_else(|| lint_dialect::from_url(args.database_url.as_deref(), file))
            .unwrap_or(Dialect::Postgres);
        let mut options = LintOptions::new(dialect);
        options.galera = args.server.as_deref() == Some("galera");
        options.server_version = match (&args.server_version, &lint.server_version) {
            (Some(v), _) => Some(*v),
            (None, Some(v)) => Some(v.parse().map_err(|e| in_file("server-version", e))?),
            (None, None) => None,
        };
        options.transaction_mode = match (args.transaction_mode, &lint.transaction_mode) {
            (Some(m), _) => m,
            (None, Some(m)) => m.parse().map_err(|e| in_file("transaction-mode", e))?,
            (None, None) => TransactionMode::Auto,
        };
        for id in &lint.disable {
            if bellows::lint::rule(id).is_none() {
                return Err(in_file("disable", format!("there is no rule `{id}`")));
            }
        }
        options.disabled.clone_from(&lint.disable);
        for id in &args.enable {
            if bellows::lint::rule(id).is_none() {
                return Err(format!("--enable: there is no rule `{id}`"));
            }
        }
        for id in &lint.enable {
            if bellows::lint::rule(id).is_none() {
                return Err(in_file("enable", format!("there is no rule `{id}`")));
            }
        }
        options.enabled = lint.enable.iter().chain(&args.enable).cloned().collect();
        let fail_on = match (args.fail_on, &lint.fail_on) {
            (Some(s), _) => s,
            (None, Some(s)) => s.parse().map_err(|e| in_file("fail-on", e))?,
            (None, None) => Severity::Warning,
        };
        Ok(Settings {
            options,
            format: args.format,
            fail_on,
        })
    }
}

/// Run the linter; returns the exit code.
pub fn run(args: &LintArgs, file: &FileConfig) -> i32 {
    match run_inner(args, file) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            2
        }
    }
}

fn run_inner(args: &LintArgs, file: &FileConfig) -> Result<i32, String> {
    let mut settings = Settings::new(args, file)?;
    let default_dir = file
        .migrations
        .clone()
        .unwrap_or_else(|| PathBuf::from("migrations"));
    let paths = if args.paths.is_empty() {
        vec![default_dir]
    } else {
        args.paths.clone()
    };
    let inputs = lint_files::collect(&paths, &args.stdin_name)?;
    let inputs = match &args.changed_since {
        Some(git_ref) => lint_files::changed_since(inputs, git_ref)?,
        None => inputs.into_iter().map(|i| (i, true)).collect(),
    };
    let mut schema = None;
    if let Some(url) = &args.database_url {
        let live = lint_live::fetch(url)?;
        if settings.options.server_version.is_none() {
            settings.options.server_version = live.version;
        }
        settings.options.table_rows = live.rows;
        settings.options.galera |= live.galera;
        schema = Some(live.schema);
    }
    let options = settings.options.clone();
    let linter = Linter::new(settings.options);
    let mut folder = linter.folder(schema);
    if args.changed_since.is_some() {
        folder.change_starts();
    }
    let (report, errors) = lint_files::lint_all(folder, inputs);
    for e in &errors {
        eprintln!("error: {e}");
    }
    if let Some(hint) = lint_dialect::hint(&report, &options) {
        eprintln!("hint: {hint}");
    }
    let color = settings.format == Format::Human
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    print(&render::render(settings.format, &report, color));
    Ok(exit_code(&report, &errors, settings.fail_on))
}

fn exit_code(report: &Report, errors: &[String], fail_on: Severity) -> i32 {
    if !errors.is_empty() {
        2
    } else if report.fails_at(fail_on) {
        1
    } else {
        0
    }
}

/// Print to stdout; a closed pipe (`| head`) is not an error.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
