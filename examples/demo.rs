//! The whole idea in two minutes: rename a column of a 200,000-row table while two versions
//! of an app use it, without a single failed request. Run it with `scripts/demo.sh`.
//!
//! Against a local PostgreSQL (or MySQL/MariaDB) it creates a throwaway database
//! (`bellows_demo` unless `DEMO_DATABASE_URL` names one), writes the migration with
//! `bellows new --op rename-column`, and starts a simulated app v1 (which uses
//! `users.email_address`) and later v2 (which uses `users.primary_email`): plain
//! database clients that insert, update and read rows in a loop, counting requests and
//! errors, and that register with the rollout gate the way real apps do (through the
//! library). Meanwhile the real `bellows` binary drives the phases: expand, backfill, a
//! contract the gate refuses while v1 still runs, then the contract once v1 is gone, and
//! last the rollback guard: after the contract, `rollout check` says v1 cannot come back.
//!
//! Environment:
//! - `DEMO_DATABASE_URL` — the server and the demo's database (default
//!   `postgres://postgres@127.0.0.1:5432/bellows_demo`; `mysql://root@127.0.0.1:3306/bellows_demo`
//!   for MySQL/MariaDB). The database is dropped and created at the start and dropped at the
//!   end; the demo refuses one holding tables it did not make. No database in the URL:
//!   `bellows_demo`.
//! - `KEEP=1` — keep the database (and the migrations folder) at the end.
//! - `DEMO_ROWS` — rows in the table (default 200000).
//! - `DEMO_PAUSE` — seconds of a "watch the apps" pause, some last twice as long (default 6;
//!   0 for a quick run).
//! - `BELLOWS_BIN` — the bellows binary (default: the one next to this example's target dir).
//!
//! Exit 0 when neither app saw an error and every row is where it belongs, else 1.

use bellows::{Bellows, InstanceHandle};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
#[path = "demo_support/db.rs"]
mod db;
use db::{BoxError, Db, Engine};

/// The demo's database when `DEMO_DATABASE_URL` names none.
const DEMO_DB: &str = "bellows_demo";
/// Set once the demo made its database: only then is it dropped at the end (a database the
/// demo refused to touch stays as it was).
static CREATED: AtomicBool = AtomicBool::new(false);
const OLD_COLUMN: &str = "email_address";
const NEW_COLUMN: &str = "primary_email";
const V1: &str = "1.4.0";
const V2: &str = "2.0.0";
/// The demo's steps (headings count them).
const STEPS: usize = 9;
/// Headings are this wide; prose stays within it.
const WIDTH: usize = 80;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("demo: {e}");
            return ExitCode::from(2);
        }
    };
    let started = Instant::now();
    // Ctrl-C ends the story early; the database is dropped all the same (unless KEEP=1).
    let outcome = tokio::select! {
        outcome = run(&config) => outcome,
        _ = tokio::signal::ctrl_c() => Err("interrupted".into()),
    };
    if !config.keep && CREATED.load(Ordering::SeqCst) {
        if let Err(e) = drop_demo_db(&config).await {
            // When the run failed to connect, its own error says it all.
            if outcome.is_ok() {
                eprintln!("demo: could not drop {}: {e}", config.db_name);
            }
        }
    }
    if config.keep && CREATED.load(Ordering::SeqCst) {
        println!(
            "\nKEEP=1: database {} kept: {}",
            config.db_name,
            redact(&config.demo_url)
        );
    }
    match outcome {
        Ok(summary) => {
            if let Some(dir) = &summary.kept_migrations {
                println!("KEEP=1: the migration is in {}", dir.display());
            }
            summary.print(started.elapsed());
            if summary.clean() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            let mut message = format!("\ndemo failed: {e}");
            let mut source = e.source();
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

/// Settings from the environment.
struct Config {
    engine: Engine,
    /// Where the demo database is created and dropped from (PostgreSQL's `postgres`
    /// database, MySQL's server without a database).
    admin_url: url::Url,
    /// The demo database, and its name.
    demo_url: url::Url,
    db_name: String,
    keep: bool,
    rows: u64,
    pause: Duration,
    bellows_bin: PathBuf,
}

impl Config {
    fn from_env() -> Result<Config, BoxError> {
        let server = std::env::var("DEMO_DATABASE_URL")
            .unwrap_or_else(|_| format!("postgres://postgres@127.0.0.1:5432/{DEMO_DB}"));
        let mut demo_url = url::Url::parse(&server).map_err(|e| {
            format!(
                "DEMO_DATABASE_URL is not a URL ({e}); expected e.g. postgres://postgres@127.0.0.1:5432/{DEMO_DB}"
            )
        })?;
        let engine = Engine::of(&demo_url)?;
        let named = demo_url.path().trim_matches('/').to_string();
        let db_name = if named.is_empty() {
            DEMO_DB.to_string()
        } else {
            named
        };
        demo_url.set_path(&format!("/{db_name}"));
        let admin_url = engine.admin_url(&demo_url);
        let rows = match std::env::var("DEMO_ROWS") {
            Ok(v) => v
                .parse()
                .map_err(|_| format!("DEMO_ROWS={v}: not a number"))?,
            Err(_) => 200_000,
        };
        let pause = match std::env::var("DEMO_PAUSE") {
            Ok(v) => v
                .parse()
                .ok()
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .ok_or_else(|| format!("DEMO_PAUSE={v}: not a number of seconds"))?,
            Err(_) => Duration::from_secs(6),
        };
        let bellows_bin = match std::env::var_os("BELLOWS_BIN") {
            Some(p) => PathBuf::from(p),
            None => default_bellows_bin()?,
        };
        if !bellows_bin.is_file() {
            return Err(format!(
                "no bellows binary at {} (build it: cargo build --release --bin bellows, or set BELLOWS_BIN)",
                bellows_bin.display()
            )
            .into());
        }
        Ok(Config {
            engine,
            admin_url,
            demo_url,
            db_name,
            keep: std::env::var("KEEP").is_ok_and(|v| v == "1"),
            rows,
            pause,
            bellows_bin,
        })
    }
}

/// `target/<profile>/bellows`, next to `target/<profile>/examples/demo`.
fn default_bellows_bin() -> Result<PathBuf, BoxError> {
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot locate the target directory")?;
    Ok(profile_dir.join(format!("bellows{}", std::env::consts::EXE_SUFFIX)))
}

/// The URL without its password, for printing.
fn redact(url: &url::Url) -> String {
    let mut shown = url.clone();
    if shown.password().is_some() {
        let _ = shown.set_password(Some("***"));
    }
    shown.to_string()
}

async fn connect(config: &Config, url: &url::Url) -> Result<Db, BoxError> {
    Db::connect(config.engine, url, &redact(url)).await
}

async fn drop_demo_db(config: &Config) -> Result<(), BoxError> {
    let admin = connect(config, &config.admin_url).await?;
    admin.drop_database(&config.db_name).await
}

// ---------------------------------------------------------------------------------------
// Output.

fn styled() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn heading(step: usize, title: &str) {
    let text = format!("── {step}/{STEPS}  {title} ");
    let rule = "─".repeat(WIDTH.saturating_sub(text.chars().count()));
    if styled() {
        println!("\n\x1b[1;36m{text}{rule}\x1b[0m");
    } else {
        println!("\n{text}{rule}");
    }
}

/// Explanatory prose, wrapped by hand in the calls.
fn say(text: &str) {
    for line in text.lines() {
        println!("   {line}");
    }
}

fn show_command(args: &[&str]) {
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            if a.contains(|c: char| c.is_whitespace() || "<>*'\"".contains(c)) {
                format!("'{a}'")
            } else {
                (*a).to_string()
            }
        })
        .collect();
    let line = format!("$ bellows {}", shown.join(" "));
    if styled() {
        println!("\n\x1b[1m{line}\x1b[0m");
    } else {
        println!("\n{line}");
    }
}

fn number(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

// ---------------------------------------------------------------------------------------
// The simulated app versions.

/// What one app version did.
#[derive(Default)]
struct Stats {
    requests: AtomicU64,
    errors: AtomicU64,
    first_errors: Mutex<Vec<String>>,
    /// (id, value) of each row it wrote and read back, checked in the final schema.
    written: Mutex<Vec<(i64, String)>>,
}

impl Stats {
    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::SeqCst);
        let mut first = self.first_errors.lock().unwrap();
        if first.len() < 5 {
            first.push(what);
        }
    }
}

/// A running app version: a client in a loop, registered with the gate.
struct App {
    label: &'static str,
    version: &'static str,
    column: &'static str,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
    instance: Option<InstanceHandle>,
    started: Instant,
    ran: Option<Duration>,
}

impl App {
    /// Connect, register the instance (as the app's startup code would through the
    /// library), and start serving.
    async fn start(
        config: &Config,
        label: &'static str,
        version: &'static str,
        column: &'static str,
    ) -> Result<App, BoxError> {
        let client = connect(config, &config.demo_url).await?;
        let instance = Bellows::connect(config.demo_url.as_str(), Vec::new())?
            .register_instance("shop", version)
            .await?;
        let stats = Arc::new(Stats::default());
        let stop = Arc::new(AtomicBool::new(false));
        let task = tokio::spawn(serve(client, label, column, stats.clone(), stop.clone()));
        Ok(App {
            label,
            version,
            column,
            stats,
            stop,
            task,
            instance: Some(instance),
            started: Instant::now(),
            ran: None,
        })
    }

    /// Stop serving and deregister the instance (a clean shutdown).
    async fn stop(&mut self) -> Result<(), BoxError> {
        self.stop.store(true, Ordering::SeqCst);
        (&mut self.task).await?;
        self.ran = Some(self.started.elapsed());
        if let Some(instance) = self.instance.take() {
            instance.deregister().await?;
        }
        Ok(())
    }

    fn requests(&self) -> u64 {
        self.stats.requests.load(Ordering::SeqCst)
    }

    fn errors(&self) -> u64 {
        self.stats.errors.load(Ordering::SeqCst)
    }

    fn line(&self) -> String {
        format!(
            "{} {:>7} requests, {} errors",
            self.label,
            number(self.requests()),
            self.errors()
        )
    }
}

/// The app's work: insert a row, update it, read it back — through its own column only.
async fn serve(
    client: Db,
    label: &'static str,
    column: &'static str,
    stats: Arc<Stats>,
    stop: Arc<AtomicBool>,
) {
    let mut n = 0u64;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let value = format!("{label}-{n}@example.com");
        let updated = format!("{label}-{n}-updated@example.com");
        stats.requests.fetch_add(1, Ordering::SeqCst);
        let id = match client.insert(column, &value).await {
            Ok(id) => id,
            Err(e) => {
                stats.error(format!("INSERT: {e}"));
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let step = async {
            stats.requests.fetch_add(1, Ordering::SeqCst);
            client.update(column, id, &updated).await?;
            stats.requests.fetch_add(1, Ordering::SeqCst);
            client.select(column, id).await
        };
        match step.await {
            Ok(Some(read)) if read == updated => stats.written.lock().unwrap().push((id, read)),
            Ok(read) => stats.error(format!("row {id}: wrote {updated}, read {read:?}")),
            Err(e) => stats.error(e),
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Let the apps serve for `pause`, showing their counters (live on a terminal).
async fn watch(apps: &[&App], pause: Duration) {
    if pause.is_zero() {
        return;
    }
    let line = || {
        let parts: Vec<String> = apps.iter().map(|a| a.line()).collect();
        format!("   ▸ {}", parts.join("  │  "))
    };
    let live = std::io::stdout().is_terminal();
    let end = Instant::now() + pause;
    while Instant::now() < end {
        if live {
            print!("\r{}\x1b[K", line());
            let _ = std::io::stdout().flush();
        }
        tokio::time::sleep(Duration::from_millis(200).min(end - Instant::now())).await;
    }
    if live {
        println!("\r{}\x1b[K", line());
    } else {
        println!("{}", line());
    }
}

/// Read the last row `app` wrote through the other version's column: the trigger must have
/// copied it. A mismatch counts as an error of `app`.
async fn cross_check(db: &Db, app: &App, other_column: &str) -> Result<(), BoxError> {
    let Some((id, value)) = app.stats.written.lock().unwrap().last().cloned() else {
        return Ok(());
    };
    let seen = db.read(other_column, id).await?;
    let verdict = if seen.as_deref() == Some(value.as_str()) {
        "✓".to_string()
    } else {
        app.stats.error(format!(
            "row {id}: {} wrote {value}, {other_column} is {seen:?}",
            app.label
        ));
        format!("✗ ({} wrote {value})", app.label)
    };
    say(&format!(
        "  {} wrote row {id}: {other_column} = {} {verdict}",
        app.label,
        seen.as_deref().unwrap_or("NULL")
    ));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Driving bellows.

/// Runs the real `bellows` binary in the demo's folder, the database in `DATABASE_URL`.
struct Cli {
    bin: PathBuf,
    dir: PathBuf,
    url: url::Url,
}

impl Cli {
    /// Print the command, run it with the terminal as its output, return its exit code.
    async fn run(&self, args: &[&str]) -> Result<i32, BoxError> {
        show_command(args);
        let _ = std::io::stdout().flush();
        let status = tokio::process::Command::new(&self.bin)
            .args(args)
            .current_dir(&self.dir)
            .env("DATABASE_URL", self.url.as_str())
            .env("BELLOWS_ACTOR", "demo")
            .status()
            .await
            .map_err(|e| format!("cannot run {}: {e}", self.bin.display()))?;
        Ok(status.code().unwrap_or(2))
    }

    /// Like [`Cli::run`], and the command must succeed.
    async fn ok(&self, args: &[&str]) -> Result<(), BoxError> {
        match self.run(args).await? {
            0 => Ok(()),
            code => Err(format!("`bellows {}` exited with {code}", args.join(" ")).into()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// The demo.

/// One app version's record.
struct AppSummary {
    name: String,
    requests: u64,
    errors: u64,
    ran: Duration,
    first_errors: Vec<String>,
}

impl AppSummary {
    fn of(app: &App) -> AppSummary {
        AppSummary {
            name: format!("app {} {} ({})", app.label, app.version, app.column),
            requests: app.requests(),
            errors: app.errors(),
            ran: app.ran.unwrap_or_default(),
            first_errors: app.stats.first_errors.lock().unwrap().clone(),
        }
    }
}

struct Summary {
    apps: Vec<AppSummary>,
    /// With KEEP=1: the migrations folder, left in place.
    kept_migrations: Option<PathBuf>,
    rows: i64,
    rows_without_new_column: i64,
    columns: Vec<String>,
    written: usize,
    written_wrong: i64,
}

impl Summary {
    fn old_column_left(&self) -> bool {
        self.columns.iter().any(|c| c == OLD_COLUMN)
    }

    fn clean(&self) -> bool {
        self.apps.iter().all(|a| a.errors == 0)
            && self.rows_without_new_column == 0
            && self.written_wrong == 0
            && !self.old_column_left()
    }

    fn print(&self, took: Duration) {
        let title = "── Summary ";
        let rule = "─".repeat(WIDTH - title.chars().count());
        if styled() {
            println!("\n\x1b[1;36m{title}{rule}\x1b[0m");
        } else {
            println!("\n{title}{rule}");
        }
        for a in &self.apps {
            println!(
                "   {:<30} {:>7} requests   {} errors   ran {:.0}s",
                a.name,
                number(a.requests),
                a.errors,
                a.ran.as_secs_f64()
            );
            for e in &a.first_errors {
                println!("      error: {e}");
            }
        }
        let without = match self.rows_without_new_column {
            0 => format!("none without {NEW_COLUMN}"),
            n => format!("{n} rows WITHOUT {NEW_COLUMN}"),
        };
        println!(
            "   users: {} rows, columns ({}); {without}",
            number(u64::try_from(self.rows).unwrap_or_default()),
            self.columns.join(", ")
        );
        let wrong = match self.written_wrong {
            0 => "all present and correct".to_string(),
            n => format!("{n} MISSING OR WRONG"),
        };
        println!(
            "   the {} rows the apps wrote: {wrong}",
            number(self.written as u64)
        );
        println!("   time taken: {:.0}s", took.as_secs_f64());
        let verdict = if self.clean() {
            "Zero errors: the column was renamed under load; both versions kept working."
        } else if self.old_column_left() {
            "FAILED: the old column is still there."
        } else {
            "FAILED: see above."
        };
        if styled() {
            let color = if self.clean() { 32 } else { 31 };
            println!("\n   \x1b[1;{color}m{verdict}\x1b[0m");
        } else {
            println!("\n   {verdict}");
        }
    }
}

async fn run(config: &Config) -> Result<Summary, BoxError> {
    let pause = config.pause;

    heading(1, "A database with a busy table");
    let admin = connect(config, &config.admin_url).await?;
    admin
        .recreate_database(&config.db_name, &config.demo_url)
        .await?;
    CREATED.store(true, Ordering::SeqCst);
    let db = connect(config, &config.demo_url).await?;
    let seeded = Instant::now();
    db.seed(OLD_COLUMN, config.rows).await?;
    say(&format!(
        "Database {} with table users (id, {OLD_COLUMN} NOT NULL):\n\
         {} rows, seeded in {:.1}s. The bellows commands below find it in\n\
         $DATABASE_URL = {}",
        config.db_name,
        number(config.rows),
        seeded.elapsed().as_secs_f64(),
        redact(&config.demo_url)
    ));

    heading(2, "App v1 is serving");
    say(&format!(
        "App v{V1} inserts a row, updates it and reads it back, in a loop (three\n\
         requests), always through users.{OLD_COLUMN}. At startup it registers with\n\
         bellows' rollout gate, as apps using bellows as a library do; a heartbeat\n\
         keeps the registration alive."
    ));
    let mut v1 = App::start(config, "v1", V1, OLD_COLUMN).await?;
    watch(&[&v1], pause).await;

    heading(3, "Write the migration");
    say(&format!(
        "We want users.{OLD_COLUMN} renamed to {NEW_COLUMN}. A plain RENAME COLUMN\n\
         would break v1 the moment it ran. bellows writes the zero-downtime recipe:"
    ));
    let work = tempfile::Builder::new().prefix("bellows-demo-").tempdir()?;
    let cli = Cli {
        bin: config.bellows_bin.clone(),
        dir: work.path().to_path_buf(),
        url: config.demo_url.clone(),
    };
    cli.ok(&[
        "new",
        "rename_email",
        "--op",
        "rename-column",
        "users",
        OLD_COLUMN,
        NEW_COLUMN,
        "--type",
        config.engine.column_type(),
        "--requires-app",
        &format!(">={V2}"),
        "--dialect",
        config.engine.dialect(),
        "--migrations",
        "migrations",
    ])
    .await?;
    let file = std::fs::read_dir(work.path().join("migrations"))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "sql"))
        .ok_or("bellows new wrote no file")?;
    println!();
    for line in std::fs::read_to_string(&file)?.lines() {
        println!("   │ {line}");
    }
    println!();
    say("Nothing has run yet. v1 keeps serving while you read:");
    watch(&[&v1], pause * 2).await;

    heading(4, "Expand, while v1 keeps serving");
    say(&format!(
        "Adds the nullable column {NEW_COLUMN} and a trigger that keeps both columns\n\
         equal on every write. Each DDL statement waits at most 2s for its lock (then\n\
         backs off and retries), so v1 is never held up for long."
    ));
    cli.ok(&["expand", "--migrations", "migrations"]).await?;
    watch(&[&v1], pause).await;

    heading(5, "Deploy app v2 next to v1");
    say(&format!(
        "App v{V2} uses only users.{NEW_COLUMN}. During the rolling deploy both\n\
         versions share the table; the trigger copies each one's writes to the other's\n\
         column. (Rows older than the expand get {NEW_COLUMN} from the backfill next;\n\
         this v{V2} reads only rows it wrote. A real one would be deployed after the\n\
         backfill, or read COALESCE({NEW_COLUMN}, {OLD_COLUMN}) until then.)"
    ));
    let mut v2 = App::start(config, "v2", V2, NEW_COLUMN).await?;
    watch(&[&v1, &v2], pause).await;
    println!();
    say("Each version sees the other's writes, copied by the trigger:");
    cross_check(&db, &v1, NEW_COLUMN).await?;
    cross_check(&db, &v2, OLD_COLUMN).await?;

    heading(6, "Backfill the existing rows");
    say(&format!(
        "Rows written before the expand have no {NEW_COLUMN} yet. The backfill copies\n\
         them in short key-range batches, each its own transaction, while both apps\n\
         keep writing."
    ));
    cli.ok(&["backfill", "--migrations", "migrations"]).await?;
    cli.ok(&["status", "--migrations", "migrations"]).await?;
    watch(&[&v1, &v2], pause.mul_f64(1.5)).await;

    heading(7, "Contract? The gate says no while v1 runs");
    say(&format!(
        "The contract drops {OLD_COLUMN}, which v1 still uses. Its section says\n\
         requires-app=\">={V2}\", and the gate sees v1's heartbeat:"
    ));
    let code = cli.run(&["contract", "--migrations", "migrations"]).await?;
    if code != 1 {
        return Err(
            format!("expected the gate to refuse the contract (exit 1), got exit {code}").into(),
        );
    }
    say("Exit 1: refused, nothing dropped. The evidence behind the decision:");
    let code = cli
        .run(&["gate", "check", "--migrations", "migrations"])
        .await?;
    if code != 1 {
        return Err(
            format!("expected `gate check` to say CLOSED (exit 1), got exit {code}").into(),
        );
    }
    watch(&[&v1, &v2], pause * 2).await;

    heading(8, "The rollout finishes: v1 stops, the contract runs");
    v1.stop().await?;
    say(&format!(
        "The last v1 instance shut down cleanly and deregistered ({} requests\n\
         served, {} errors). The pipeline records the finished rollout; the gate opens:",
        number(v1.requests()),
        v1.errors()
    ));
    cli.ok(&["rollout", "record", "--app-version", V2]).await?;
    cli.ok(&["contract", "--migrations", "migrations"]).await?;
    let columns = db.columns().await?;
    println!();
    say(&format!(
        "users now has the columns ({}); v2 keeps serving:",
        columns.join(", ")
    ));
    watch(&[&v2], pause).await;

    heading(9, "Roll back to v1 now? The rollback guard says no");
    say(&format!(
        "The contract was the point of no return: {OLD_COLUMN} is gone, and v1 would\n\
         fail on every request. A pipeline's rollback step asks first:"
    ));
    let code = cli.run(&["rollout", "check", "--app-version", V1]).await?;
    if code != 1 {
        return Err(format!(
            "expected `rollout check` to refuse v{V1} after the contract (exit 1), got exit {code}"
        )
        .into());
    }
    say(&format!(
        "Exit 1, and why. `bellows rollout record --app-version {V1}` is refused the same\n\
         way, and a v{V1} that starts anyway is told so by the library."
    ));
    v2.stop().await?;

    // The final check, through the final schema.
    let (rows, rows_without_new_column) = db.counts(NEW_COLUMN).await?;
    let written: Vec<(i64, String)> = [&v1, &v2]
        .iter()
        .flat_map(|app| app.stats.written.lock().unwrap().clone())
        .collect();
    let written_wrong = db.count_wrong(NEW_COLUMN, &written).await?;
    let kept_migrations = config.keep.then(|| work.keep().join("migrations"));
    Ok(Summary {
        kept_migrations,
        apps: vec![AppSummary::of(&v1), AppSummary::of(&v2)],
        rows,
        rows_without_new_column,
        columns,
        written: written.len(),
        written_wrong,
    })
}
