//! The app clients: one app version inserting, updating and reading rows in its own
//! shape of the schema while the phases run, and what it logged.

use super::conn::Conn;
use crate::common::{Engine, TestDb};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Between two phases each running app completes at least this many iterations...
const TURNS_PER_PHASE: u64 = 8;

/// ... and at least this much time passes.
const MIN_PHASE: Duration = Duration::from_millis(150);

/// Pause of a client between two iterations.
const THINK: Duration = Duration::from_millis(5);

/// A value an app writes.
#[derive(Debug, Clone)]
pub enum Val {
    Int(i32),
    Big(i64),
    Text(String),
}

impl Val {
    fn text(&self) -> String {
        match self {
            Val::Int(v) => v.to_string(),
            Val::Big(v) => v.to_string(),
            Val::Text(v) => v.clone(),
        }
    }
}

/// The values a row holds, as the apps' reads and the final checks show them: `a|b|c`.
pub fn joined(values: &[Val]) -> String {
    values.iter().map(Val::text).collect::<Vec<_>>().join("|")
}

/// What one app version writes for the `key`-th write (keys are unique per app).
pub type Values = Arc<dyn Fn(u64) -> Vec<Val> + Send + Sync>;

/// One app version's view of the schema: the table it names and the columns it writes
/// (and reads back), in order.
#[derive(Clone)]
pub struct Shape {
    pub table: &'static str,
    pub columns: Vec<&'static str>,
    pub values: Values,
}

impl Shape {
    pub fn new(
        table: &'static str,
        columns: &[&'static str],
        values: impl Fn(u64) -> Vec<Val> + Send + Sync + 'static,
    ) -> Shape {
        Shape {
            table,
            columns: columns.to_vec(),
            values: Arc::new(values),
        }
    }

    fn insert(&self) -> String {
        let marks = vec!["?"; self.columns.len()].join(", ");
        format!(
            "INSERT INTO {} ({}) VALUES ({marks})",
            self.table,
            self.columns.join(", ")
        )
    }

    fn update(&self) -> String {
        let set = self
            .columns
            .iter()
            .map(|c| format!("{c} = ?"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("UPDATE {} SET {set} WHERE id = ?", self.table)
    }

    /// `SELECT <the columns as a|b|c> FROM table WHERE id = ?`.
    fn read(&self, engine: Engine) -> String {
        format!(
            "SELECT {} FROM {} WHERE id = ?",
            joined_expr(engine, &self.columns),
            self.table
        )
    }

    /// Every row of the table: (id, a|b|c).
    pub fn all_rows(&self, engine: Engine) -> String {
        format!(
            "SELECT CAST(id AS {}), {} FROM {}",
            text_type(engine),
            joined_expr(engine, &self.columns),
            self.table
        )
    }
}

fn text_type(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => "text",
        Engine::Mysql => "CHAR",
    }
}

/// `a|b|c` in SQL, NULL shown as `null`.
fn joined_expr(engine: Engine, columns: &[&str]) -> String {
    let parts = columns
        .iter()
        .map(|c| format!("COALESCE(CAST({c} AS {}), 'null')", text_type(engine)))
        .collect::<Vec<_>>()
        .join(", ");
    format!("CONCAT_WS('|', {parts})")
}

/// Which phase the run is in, for error messages.
#[derive(Clone)]
pub struct Phase(Arc<Mutex<&'static str>>);

impl Phase {
    pub fn new(name: &'static str) -> Phase {
        Phase(Arc::new(Mutex::new(name)))
    }
    pub fn set(&self, name: &'static str) {
        *self.0.lock().unwrap() = name;
    }
    pub fn get(&self) -> &'static str {
        *self.0.lock().unwrap()
    }
}

/// What a client did.
#[derive(Default)]
pub struct Log {
    /// Rows as the client last wrote them, by id.
    pub written: HashMap<i64, Vec<Val>>,
    /// Rows it inserted.
    pub inserted: u64,
    pub errors: Vec<String>,
    pub operations: u64,
    pub slowest: Duration,
    /// Iterations completed, by the phase they started in.
    pub by_phase: HashMap<&'static str, u64>,
}

/// The `n`-th seed row an app touches: odd ids for the old app, even ones for the new app,
/// spread over the table (7919 is prime to 50 000, so no id comes twice within 50 000 turns).
fn seed_row(n: u64, old: bool) -> i64 {
    let slot = i64::try_from((n * 7919) % 50_000).unwrap_or_default();
    2 * slot + if old { 1 } else { 2 }
}

/// One app version: until `stop`, insert a row, update it, read it back; update a seed row
/// and read it back. Every failure and every wrong read is an error.
async fn app(
    engine: Engine,
    url: String,
    shape: Shape,
    old: bool,
    phase: Phase,
    stop: Arc<AtomicBool>,
    turns: Arc<AtomicU64>,
) -> Log {
    let mut conn = Conn::open(engine, &url).await;
    let (insert, update, read) = (shape.insert(), shape.update(), shape.read(engine));
    let mut log = Log::default();
    let mut n = 0u64;
    while !stop.load(Ordering::SeqCst) {
        n += 1;
        let started = Instant::now();
        let fresh = (shape.values)(3 * n);
        let changed = (shape.values)(3 * n + 1);
        let touched = (shape.values)(3 * n + 2);
        let seed_id = seed_row(n, old);
        let started_in = phase.get();
        let result = async {
            let id = conn.insert(&insert, &fresh).await?;
            log.inserted += 1;
            log.written.insert(id, fresh.clone());
            for (id, values) in [(id, &changed), (seed_id, &touched)] {
                let mut params = values.clone();
                params.push(Val::Big(id));
                let n = conn.execute(&update, &params).await?;
                if n != 1 {
                    return Err(format!("row {id}: update changed {n} rows"));
                }
                log.written.insert(id, values.clone());
                let got = conn.text(&read, &[Val::Big(id)]).await?;
                if got.as_deref() != Some(joined(values).as_str()) {
                    return Err(format!("row {id}: wrote {}, read {got:?}", joined(values)));
                }
            }
            Ok::<_, String>(())
        }
        .await;
        log.operations += 5;
        log.slowest = log.slowest.max(started.elapsed());
        match result {
            Ok(()) => *log.by_phase.entry(started_in).or_default() += 1,
            Err(e) => log.errors.push(format!("{started_in}: {e}")),
        }
        turns.fetch_add(1, Ordering::SeqCst);
        tokio::time::sleep(THINK).await;
    }
    conn.close().await;
    log
}

/// A running app client.
pub struct Running {
    stop: Arc<AtomicBool>,
    turns: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<Log>,
}

pub fn start(engine: Engine, db: &TestDb, shape: &Shape, old: bool, phase: &Phase) -> Running {
    let stop = Arc::new(AtomicBool::new(false));
    let turns = Arc::new(AtomicU64::new(0));
    let task = tokio::spawn(app(
        engine,
        db.url.clone(),
        shape.clone(),
        old,
        phase.clone(),
        stop.clone(),
        turns.clone(),
    ));
    Running { stop, turns, task }
}

/// Let the running apps work in the current phase: [`TURNS_PER_PHASE`] iterations each, and
/// [`MIN_PHASE`] at least (at most 30 s: the checks then say what went wrong).
pub async fn settle(apps: &[&Running]) {
    let started = Instant::now();
    let from: Vec<u64> = apps
        .iter()
        .map(|a| a.turns.load(Ordering::SeqCst))
        .collect();
    while started.elapsed() < Duration::from_secs(30) {
        let done = apps
            .iter()
            .zip(&from)
            .all(|(a, f)| a.turns.load(Ordering::SeqCst) >= f + TURNS_PER_PHASE);
        if done && started.elapsed() >= MIN_PHASE {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub async fn finish(app: Running) -> Log {
    app.stop.store(true, Ordering::SeqCst);
    app.task.await.unwrap()
}
