//! The shared harness of the zero-downtime proof: app clients written on tokio-postgres and
//! mysql_async (never bellows code), the phase sequences, and the checks.

mod app;
mod conn;
mod model;
mod schema;

pub use app::{joined, Shape, Val};
pub use schema::{fingerprint, id_column, seed, text, users_with_email, SEED_ROWS};

use crate::common::{bellows, bellows_on, Engine, TestDb};
use app::{finish, settle, start, Log, Phase};
use conn::Conn;
use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

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

/// The migration file `bellows new` writes for the scenario against the live schema of
/// `db`, linted: (folder, version).
fn generate(engine: Engine, db: &TestDb, op: &[String]) -> (tempfile::TempDir, String) {
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
        "--database-url",
        &db.url,
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
    let model_before = model::live(&db, false).await;
    let (dir, _) = generate(engine, &db, &s.op);
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
    let model_after = model::live(&db, false).await;
    let label = format!("{engine:?} {}", s.label);
    model::assert_kept(&label, &s.op, &model_before, &model_after);
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
    let (dir, version) = generate(engine, &db, &s.op);
    let before = fingerprint(&db).await;
    let model_before = model::live(&db, true).await;
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
    assert_eq!(
        model::live(&db, true).await.join("\n"),
        model_before.join("\n"),
        "{engine:?} {}: the abort leaves the schema model exactly as before",
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
