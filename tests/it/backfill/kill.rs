//! `kill -9` of the binary at random moments of a backfill, several times, then a run to the
//! end: every row processed exactly once.

use super::{items, items_migration, number, state_table, verdict};
use crate::common::{bellows, migrations, Engine, TestDb};
use rand::Rng;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

async fn killed_and_resumed(engine: Engine, n: u64, rate: u64, workers: &str) {
    let db = TestDb::new(engine, "bf_kill").await;
    items(&db, n).await;
    let directives = format!("max-rows-per-sec={rate}");
    let dir = migrations(&[("1_fill_new_val.sql", &items_migration(engine, &directives))]);
    let args = |cmd: &str| -> Vec<String> {
        let mut all = vec![
            cmd,
            "--database-url",
            &db.url,
            "--migrations",
            dir.path().to_str().unwrap(),
            "--lock-wait",
            "60s",
        ];
        if cmd == "backfill" {
            all.extend(["--workers", workers]);
        }
        all.iter().map(|s| (*s).to_string()).collect()
    };
    let cwd = std::env::temp_dir();
    let (code, out, err) = bellows(
        &args("expand")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &cwd,
    );
    assert_eq!(code, 0, "{out}{err}");
    let progress = state_table(engine, "backfill_progress");
    let mut last = 0;
    for round in 0..4 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bellows"))
            .args(args("backfill"))
            .current_dir(&cwd)
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wait = rand::thread_rng().gen_range(400..1500);
        let started = Instant::now();
        tokio::time::sleep(Duration::from_millis(wait)).await;
        assert!(
            child.try_wait().unwrap().is_none(),
            "round {round}: still running when killed"
        );
        child.kill().unwrap();
        child.wait().unwrap();
        // One statement, one snapshot: a batch whose COMMIT was already on its way when the
        // process died may still land, and must be seen on both sides or neither.
        let both = number(
            &db,
            &format!(
                "SELECT CAST(COALESCE((SELECT sum(rows_done) FROM {progress}), 0) * 1000000000 \
                 + COALESCE((SELECT sum(touched) FROM items), 0) AS CHAR)"
            ),
        )
        .await;
        let (done, touched) = (both / 1_000_000_000, both % 1_000_000_000);
        eprintln!(
            "{engine:?} round {round}: killed after {:.1?}, {done} rows checkpointed",
            started.elapsed()
        );
        assert_eq!(
            touched, done,
            "round {round}: the checkpoint matches the rows changed"
        );
        assert!(done >= last);
        last = done;
    }
    assert!(
        last < i64::try_from(n).unwrap(),
        "the kills interrupted the backfill"
    );
    let (code, out, err) = bellows(
        &args("backfill")
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &cwd,
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("backfilled 1 fill_new_val"), "{out}");
    let (wrong, max_touched, sum_touched) = verdict(&db).await;
    assert_eq!(wrong, 0, "nothing lost");
    assert_eq!(max_touched, 1, "nothing done twice");
    assert_eq!(sum_touched, i64::try_from(n).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sigkill_then_resume_three_workers() {
    killed_and_resumed(Engine::Postgres, 300_000, 25_000, "3").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_sigkill_then_resume() {
    killed_and_resumed(Engine::Mysql, 100_000, 8_000, "1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_ctrl_c_stops_after_the_batch_and_a_rerun_resumes() {
    let engine = Engine::Postgres;
    let db = TestDb::new(engine, "bf_int").await;
    items(&db, 50_000).await;
    let dir = migrations(&[(
        "1_fill_new_val.sql",
        &items_migration(engine, "max-rows-per-sec=10000"),
    )]);
    let cwd = std::env::temp_dir();
    let args = [
        "up",
        "--database-url",
        &db.url,
        "--migrations",
        dir.path().to_str().unwrap(),
    ];
    let child = Command::new(env!("CARGO_BIN_EXE_bellows"))
        .args(args)
        .current_dir(&cwd)
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(130), "{stdout}{stderr}");
    assert!(
        stdout.contains("stopped (resumable) 1 fill_new_val"),
        "{stdout}"
    );
    assert!(
        stderr.contains("stopping after the current batch"),
        "{stderr}"
    );
    let (code, out, _) = bellows(
        &[
            "status",
            "--database-url",
            &db.url,
            "--migrations",
            dir.path().to_str().unwrap(),
        ],
        &cwd,
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("backfilling") && out.contains("[backfill "),
        "{out}"
    );
    let (code, out, err) = bellows(&args, &cwd);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("resuming after"), "{err}");
    let (wrong, max_touched, sum_touched) = verdict(&db).await;
    assert_eq!((wrong, max_touched, sum_touched), (0, 1, 50_000));
}
