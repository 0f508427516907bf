//! The shared harness of the zero-downtime proof: app clients written on tokio-postgres and
//! mysql_async (never bellows code), the phase sequences, and the checks.

use crate::common::{bellows, bellows_on, pg_client, Engine, TestDb};
use mysql_async::prelude::Queryable;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Rows every scenario's table starts with.
pub const SEED_ROWS: i64 = 100_000;

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
    fn all_rows(&self, engine: Engine) -> String {
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

/// A schema fact the final schema must show, in [`fingerprint`] lines.
pub enum Check {
    /// This exact line is present.
    Has(String),
    /// No line starts with this.
    Lacks(String),
}

/// A row's values as a read shows them, in another shape.
pub type Mapping = Box<dyn Fn(&[Val]) -> String + Send + Sync>;

/// A seed row, by id, as a read shows it.
pub type SeedRow = Box<dyn Fn(i64) -> String + Send + Sync>;

/// One op under two live app versions.
pub struct Scenario {
    /// Names the throwaway database.
    pub label: &'static str,
    /// Tables and seed rows (one statement each).
    pub setup: Vec<String>,
    /// `bellows new` arguments from `--op` on (`--dialect`, `--requires-app` and
    /// `--migrations` are added).
    pub op: Vec<String>,
    /// The app version running before the migration.
    pub old: Shape,
    /// The app version written for the migrated schema; its shape is the final schema.
    pub new: Shape,
    /// What a row written by the old app looks like in the new shape.
    pub old_in_new: Mapping,
    /// An untouched seed row in the old shape, by id.
    pub seed_old: SeedRow,
    /// An untouched seed row in the new shape (after backfill and contract), by id.
    pub seed_new: SeedRow,
    /// What the op promised, checked against the final schema's [`fingerprint`].
    pub promised: Vec<Check>,
}

/// Which phase the run is in, for error messages.
#[derive(Clone)]
struct Phase(Arc<Mutex<&'static str>>);

impl Phase {
    fn new(name: &'static str) -> Phase {
        Phase(Arc::new(Mutex::new(name)))
    }
    fn set(&self, name: &'static str) {
        *self.0.lock().unwrap() = name;
    }
    fn get(&self) -> &'static str {
        *self.0.lock().unwrap()
    }
}

/// What a client did.
#[derive(Default)]
pub struct Log {
    /// Rows as the client last wrote them, by id.
    written: HashMap<i64, Vec<Val>>,
    /// Rows it inserted.
    inserted: u64,
    errors: Vec<String>,
    operations: u64,
    slowest: Duration,
    /// Iterations completed, by the phase they started in.
    by_phase: HashMap<&'static str, u64>,
}

/// A client connection of either engine; SQL is written with `?` placeholders.
enum Conn {
    Pg(tokio_postgres::Client),
    My(mysql_async::Conn),
}

fn pg_sql(sql: &str) -> String {
    let mut out = String::new();
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

/// A PostgreSQL error with the server's message (tokio-postgres shows only "db error").
fn pg_error(e: tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

fn pg_params(values: &[Val]) -> Vec<&(dyn tokio_postgres::types::ToSql + Sync)> {
    values
        .iter()
        .map(|v| match v {
            Val::Int(i) => i as &(dyn tokio_postgres::types::ToSql + Sync),
            Val::Big(i) => i as &(dyn tokio_postgres::types::ToSql + Sync),
            Val::Text(s) => s as &(dyn tokio_postgres::types::ToSql + Sync),
        })
        .collect()
}

fn my_params(values: &[Val]) -> mysql_async::Params {
    mysql_async::Params::Positional(
        values
            .iter()
            .map(|v| match v {
                Val::Int(i) => mysql_async::Value::from(*i),
                Val::Big(i) => mysql_async::Value::from(*i),
                Val::Text(s) => mysql_async::Value::from(s.as_str()),
            })
            .collect(),
    )
}

impl Conn {
    async fn open(engine: Engine, url: &str) -> Conn {
        match engine {
            Engine::Postgres => Conn::Pg(pg_client(url).await),
            // Updates report the rows they matched, not only those whose value changed.
            Engine::Mysql => Conn::My(
                mysql_async::Conn::from_url(format!("{url}?client_found_rows=true"))
                    .await
                    .unwrap(),
            ),
        }
    }

    /// Insert a row; its id.
    async fn insert(&mut self, sql: &str, values: &[Val]) -> Result<i64, String> {
        match self {
            Conn::Pg(c) => c
                .query_one(&pg_sql(&format!("{sql} RETURNING id")), &pg_params(values))
                .await
                .map(|row| row.get(0))
                .map_err(pg_error),
            Conn::My(c) => {
                c.exec_drop(sql, my_params(values))
                    .await
                    .map_err(|e| e.to_string())?;
                c.last_insert_id()
                    .and_then(|id| i64::try_from(id).ok())
                    .ok_or_else(|| "no insert id".to_string())
            }
        }
    }

    /// Run a statement; the rows it changed.
    async fn execute(&mut self, sql: &str, values: &[Val]) -> Result<u64, String> {
        match self {
            Conn::Pg(c) => c
                .execute(&pg_sql(sql), &pg_params(values))
                .await
                .map_err(pg_error),
            Conn::My(c) => {
                c.exec_drop(sql, my_params(values))
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(c.affected_rows())
            }
        }
    }

    /// The first column of the first row, as text.
    async fn text(&mut self, sql: &str, values: &[Val]) -> Result<Option<String>, String> {
        match self {
            Conn::Pg(c) => c
                .query_opt(&pg_sql(sql), &pg_params(values))
                .await
                .map(|row| row.and_then(|r| r.get(0)))
                .map_err(pg_error),
            Conn::My(c) => c
                .exec_first::<Option<String>, _, _>(sql, my_params(values))
                .await
                .map(Option::flatten)
                .map_err(|e| e.to_string()),
        }
    }

    /// Every row of a query whose columns are all text.
    async fn rows(&mut self, sql: &str) -> Vec<Vec<Option<String>>> {
        match self {
            Conn::Pg(c) => c
                .simple_query(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"))
                .into_iter()
                .filter_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => {
                        Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                    }
                    _ => None,
                })
                .collect(),
            Conn::My(c) => {
                let rows: Vec<mysql_async::Row> =
                    c.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
                rows.into_iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| r.get::<Option<String>, _>(i).flatten())
                            .collect()
                    })
                    .collect()
            }
        }
    }

    async fn close(self) {
        if let Conn::My(c) = self {
            let _ = c.disconnect().await;
        }
    }
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
struct Running {
    stop: Arc<AtomicBool>,
    turns: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<Log>,
}

fn start(engine: Engine, db: &TestDb, shape: &Shape, old: bool, phase: &Phase) -> Running {
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
async fn settle(apps: &[&Running]) {
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

async fn finish(app: Running) -> Log {
    app.stop.store(true, Ordering::SeqCst);
    app.task.await.unwrap()
}

/// `CREATE TABLE`'s id column: an auto-generated bigint key the seed rows set explicitly.
pub fn id_column(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => "id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
        Engine::Mysql => "id bigint AUTO_INCREMENT PRIMARY KEY",
    }
}

/// A string column type.
pub fn text(engine: Engine) -> &'static str {
    match engine {
        Engine::Postgres => "text",
        Engine::Mysql => "varchar(255)",
    }
}

/// A `users (id, email NOT NULL)` table with [`SEED_ROWS`] seeded rows.
pub fn users_with_email(engine: Engine) -> Vec<String> {
    let mut setup = vec![format!(
        "CREATE TABLE users ({}, email {} NOT NULL)",
        id_column(engine),
        text(engine)
    )];
    setup.extend(seed(
        engine,
        "users",
        SEED_ROWS,
        "email",
        "concat('seed-', g, '@example.com')",
    ));
    setup
}

/// Statements inserting `rows` rows (ids 1..=rows) into `table`; `exprs` compute
/// `columns` from `g`, the row number (portable SQL: `concat`, `%`, `CASE`).
pub fn seed(engine: Engine, table: &str, rows: i64, columns: &str, exprs: &str) -> Vec<String> {
    match engine {
        Engine::Postgres => vec![
            format!(
                "INSERT INTO {table} (id, {columns}) SELECT g, {exprs} FROM generate_series(1, {rows}) g"
            ),
            format!("ALTER TABLE {table} ALTER COLUMN id RESTART WITH {}", rows + 1),
        ],
        Engine::Mysql => {
            let digits = "(SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 \
                          UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
            let mut from = vec![];
            let mut sum = vec![];
            let mut scale = 1;
            while scale < rows {
                let alias = format!("d{}", from.len());
                sum.push(format!("{scale} * {alias}.d"));
                from.push(format!("{digits} {alias}"));
                scale *= 10;
            }
            vec![format!(
                "INSERT INTO {table} (id, {columns}) SELECT g, {exprs} FROM \
                 (SELECT {} + 1 AS g FROM {}) s WHERE g <= {rows}",
                sum.join(" + "),
                from.join(", ")
            )]
        }
    }
}

/// The schema of the scenario's tables, one sorted line per fact: columns (type,
/// nullability, default), indexes (and whether valid), constraints (and whether validated),
/// triggers, functions, tables and views. bellows' own state tables are left out.
pub async fn fingerprint(db: &TestDb) -> Vec<String> {
    let sql = match db.engine {
        Engine::Postgres => {
            "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' default ' || coalesce(column_default, '-') \
               FROM information_schema.columns WHERE table_schema = 'public' \
             UNION ALL SELECT 'index ' || pg_get_indexdef(indexrelid) || CASE WHEN indisvalid THEN '' ELSE ' INVALID' END FROM pg_index \
               WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace) \
             UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid) || ' validated ' || convalidated \
               FROM pg_constraint WHERE connamespace = 'public'::regnamespace \
             UNION ALL SELECT 'trigger ' || tgrelid::regclass || ' ' || tgname FROM pg_trigger \
               WHERE NOT tgisinternal AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace) \
             UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace \
             UNION ALL SELECT CASE relkind WHEN 'v' THEN 'view ' ELSE 'table ' END || relname FROM pg_class \
               WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v')"
        }
        Engine::Mysql => {
            "SELECT CONCAT('column ', table_name, '.', column_name, ' ', column_type, ' ', is_nullable, ' default ', COALESCE(column_default, '-')) \
               FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name NOT LIKE 'bellows\\_%' \
             UNION ALL SELECT CONCAT('index ', table_name, '.', index_name, ' ', seq_in_index, ' ', column_name, IF(non_unique = 0, ' unique', '')) \
               FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name NOT LIKE 'bellows\\_%' \
             UNION ALL SELECT CONCAT('constraint ', table_name, ' ', constraint_name, ' ', constraint_type) \
               FROM information_schema.table_constraints WHERE constraint_schema = DATABASE() AND table_name NOT LIKE 'bellows\\_%' \
             UNION ALL SELECT CONCAT('trigger ', event_object_table, ' ', trigger_name) FROM information_schema.triggers WHERE trigger_schema = DATABASE() \
             UNION ALL SELECT CONCAT('function ', routine_name) FROM information_schema.routines WHERE routine_schema = DATABASE() \
             UNION ALL SELECT CONCAT(IF(table_type = 'VIEW', 'view ', 'table '), table_name) FROM information_schema.tables \
               WHERE table_schema = DATABASE() AND table_name NOT LIKE 'bellows\\_%'"
        }
    };
    let mut conn = Conn::open(db.engine, &db.url).await;
    let mut lines: Vec<String> = conn
        .rows(sql)
        .await
        .into_iter()
        .map(|r| r.into_iter().next().flatten().unwrap_or_default())
        .collect();
    conn.close().await;
    lines.sort();
    lines
}

/// The migration file `bellows new` writes for the scenario, linted: (folder, version).
fn generate(engine: Engine, op: &[String]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    let dialect = match engine {
        Engine::Postgres => "postgres",
        Engine::Mysql => "mysql",
    };
    let mut args = vec!["new", "proof", "--op"];
    args.extend(op.iter().map(String::as_str));
    args.extend([
        "--dialect",
        dialect,
        "--requires-app",
        ">=2.0.0",
        "--migrations",
        path,
    ]);
    let (code, out, err) = bellows(&args, dir.path());
    assert_eq!(code, 0, "bellows new {op:?}: {out}{err}");
    let lint_dialect = match engine {
        Engine::Postgres => "postgres",
        Engine::Mysql => "mariadb",
    };
    let (code, out, err) = bellows(&["lint", "--dialect", lint_dialect, path], dir.path());
    assert_eq!(code, 0, "the generated file lints clean: {out}{err}");
    let name = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name()
        .to_string_lossy()
        .into_owned();
    let version = name.split('_').next().unwrap().to_string();
    (dir, version)
}

/// Run a bellows command against the scenario's database (off the async workers); stdout.
fn cli(db: &TestDb, dir: &Path, args: &[&str]) -> String {
    let (code, out, err) = tokio::task::block_in_place(|| bellows_on(db, dir, args));
    assert_eq!(code, 0, "bellows {args:?}: {out}{err}");
    out
}

async fn set_up(engine: Engine, scenario: &Scenario) -> TestDb {
    let db = TestDb::new(engine, scenario.label).await;
    for sql in &scenario.setup {
        db.sql(sql).await;
    }
    db
}

/// Zero errors, and real work done in each of `phases` (the schema states that matter).
fn assert_clean(engine: Engine, label: &str, who: &str, log: &Log, phases: &[&str]) {
    assert!(
        log.errors.is_empty(),
        "{engine:?} {label}: the {who} app saw {} errors, first: {:#?}",
        log.errors.len(),
        &log.errors[..log.errors.len().min(5)]
    );
    for phase in phases {
        assert!(
            log.by_phase.get(phase).copied().unwrap_or_default() > 0,
            "{engine:?} {label}: the {who} app did no work {phase}: {:?}",
            log.by_phase
        );
    }
}

/// Every row of `shape`'s table is as expected: rows an app wrote as it wrote them
/// (`expected`), seed rows as `seed` says, and no other row.
async fn assert_rows(
    db: &TestDb,
    shape: &Shape,
    expected: &HashMap<i64, String>,
    seed: &(dyn Fn(i64) -> String + Send + Sync),
) {
    let mut conn = Conn::open(db.engine, &db.url).await;
    let rows = conn.rows(&shape.all_rows(db.engine)).await;
    conn.close().await;
    let mut wrong = Vec::new();
    let mut seen = 0usize;
    for row in &rows {
        let id: i64 = row[0].as_deref().unwrap_or_default().parse().unwrap();
        let got = row[1].clone().unwrap_or_default();
        let want = match expected.get(&id) {
            Some(w) => {
                seen += 1;
                w.clone()
            }
            None if (1..=SEED_ROWS).contains(&id) => seed(id),
            None => format!("no row {id}: nobody inserted it"),
        };
        if got != want {
            wrong.push(format!("row {id}: {got} (expected {want})"));
        }
    }
    assert!(
        wrong.is_empty() && seen == expected.len(),
        "{:?} {}: {} wrong rows, first: {:#?}; {} of {} written rows found",
        db.engine,
        shape.table,
        wrong.len(),
        &wrong[..wrong.len().min(5)],
        seen,
        expected.len()
    );
    let inserted = expected.keys().filter(|id| **id > SEED_ROWS).count();
    assert_eq!(
        rows.len(),
        usize::try_from(SEED_ROWS).unwrap() + inserted,
        "no row lost, none added"
    );
}

fn check_schema(engine: Engine, label: &str, lines: &[String], checks: &[Check]) {
    for check in checks {
        match check {
            Check::Has(line) => assert!(
                lines.contains(line),
                "{engine:?} {label}: the schema lacks `{line}`:\n{}",
                lines.join("\n")
            ),
            Check::Lacks(prefix) => assert!(
                !lines.iter().any(|l| l.starts_with(prefix.as_str())),
                "{engine:?} {label}: the schema still has `{prefix}...`:\n{}",
                lines.join("\n")
            ),
        }
    }
}

/// The whole cycle: old app → expand → new app too → backfill → old app stops → rollout
/// recorded, gate open → contract → new app alone → stop. Zero errors, every row right in
/// the final schema, and the schema what the op promised.
pub async fn full_cycle(engine: Engine, s: Scenario) {
    let started = Instant::now();
    let db = set_up(engine, &s).await;
    let (dir, _) = generate(engine, &s.op);
    let has_contract = std::fs::read_dir(dir.path()).unwrap().flatten().any(|f| {
        std::fs::read_to_string(f.path())
            .unwrap()
            .contains("-- bellows:contract")
    });
    let phase = Phase::new("before expand");
    let old = start(engine, &db, &s.old, true, &phase);
    settle(&[&old]).await;
    phase.set("during expand");
    cli(&db, dir.path(), &["expand"]);
    phase.set("after expand");
    let new = start(engine, &db, &s.new, false, &phase);
    settle(&[&old, &new]).await;
    phase.set("during backfill");
    cli(&db, dir.path(), &["backfill"]);
    phase.set("after backfill");
    let old = finish(old).await;
    cli(
        &db,
        dir.path(),
        &["rollout", "record", "--app-version", "2.0.0"],
    );
    phase.set("during contract");
    let out = cli(&db, dir.path(), &["contract"]);
    phase.set("after contract");
    let done = if has_contract {
        "contracted"
    } else {
        "nothing to contract"
    };
    assert!(out.contains(done), "{out}");
    settle(&[&new]).await;
    let new = finish(new).await;

    assert_clean(
        engine,
        s.label,
        "old",
        &old,
        &["before expand", "after expand"],
    );
    assert_clean(
        engine,
        s.label,
        "new",
        &new,
        &["after expand", "after contract"],
    );
    let mut expected: HashMap<i64, String> = old
        .written
        .iter()
        .map(|(id, v)| (*id, (s.old_in_new)(v)))
        .collect();
    expected.extend(new.written.iter().map(|(id, v)| (*id, joined(v))));
    assert_rows(&db, &s.new, &expected, &*s.seed_new).await;
    let schema = fingerprint(&db).await;
    check_schema(engine, s.label, &schema, &s.promised);
    let leftovers = [
        Check::Lacks("trigger ".into()),
        Check::Lacks("function ".into()),
        Check::Lacks("view ".into()),
    ];
    check_schema(engine, s.label, &schema, &leftovers);
    eprintln!(
        "{engine:?} {}: old app {} rows / {} operations, new app {} rows / {} operations, \
         0 errors, slowest iteration {:?} / {:?}, {:.1?} in all",
        s.label,
        old.inserted,
        old.operations,
        new.inserted,
        new.operations,
        old.slowest,
        new.slowest,
        started.elapsed()
    );
}

/// Old app → expand → abort → old app goes on → stop. Zero errors, every row right in the
/// original shape, and the schema exactly as before the expand.
pub async fn abort_after_expand(engine: Engine, s: Scenario) {
    let started = Instant::now();
    let db = set_up(engine, &s).await;
    let (dir, version) = generate(engine, &s.op);
    let before = fingerprint(&db).await;
    let phase = Phase::new("before expand");
    let old = start(engine, &db, &s.old, true, &phase);
    settle(&[&old]).await;
    phase.set("during expand");
    cli(&db, dir.path(), &["expand"]);
    phase.set("after expand");
    settle(&[&old]).await;
    phase.set("during abort");
    cli(&db, dir.path(), &["abort", &version]);
    phase.set("after abort");
    settle(&[&old]).await;
    let old = finish(old).await;

    assert_clean(
        engine,
        s.label,
        "old",
        &old,
        &["before expand", "after expand", "after abort"],
    );
    let expected: HashMap<i64, String> =
        old.written.iter().map(|(id, v)| (*id, joined(v))).collect();
    assert_rows(&db, &s.old, &expected, &*s.seed_old).await;
    let after = fingerprint(&db).await;
    assert_eq!(
        after.join("\n"),
        before.join("\n"),
        "{engine:?} {}: the abort restores the schema",
        s.label
    );
    eprintln!(
        "{engine:?} {} (abort): old app {} rows / {} operations, 0 errors, slowest iteration {:?}, {:.1?} in all",
        s.label,
        old.inserted,
        old.operations,
        old.slowest,
        started.elapsed()
    );
}

/// The four tests of a scenario: full cycle and abort, on PostgreSQL and MariaDB.
macro_rules! proof_tests {
    ($scenario:path) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn postgres() {
            $crate::proof::harness::full_cycle(
                $crate::common::Engine::Postgres,
                $scenario($crate::common::Engine::Postgres),
            )
            .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn mariadb() {
            $crate::proof::harness::full_cycle(
                $crate::common::Engine::Mysql,
                $scenario($crate::common::Engine::Mysql),
            )
            .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn postgres_abort() {
            $crate::proof::harness::abort_after_expand(
                $crate::common::Engine::Postgres,
                $scenario($crate::common::Engine::Postgres),
            )
            .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn mariadb_abort() {
            $crate::proof::harness::abort_after_expand(
                $crate::common::Engine::Mysql,
                $scenario($crate::common::Engine::Mysql),
            )
            .await;
        }
    };
}
pub(crate) use proof_tests;
