//! A backfill edited after it started is drift: resuming it with another statement would
//! leave rows holding a mix of both, and the contract would then run over them.

use crate::common::{migrations, settings, Engine, TestDb};
use bellows::backfill::BackfillEvent;
use bellows::engine::BackfillOptions;
use bellows::Error;
use std::sync::atomic::{AtomicBool, Ordering};

fn migration(factor: u32) -> String {
    format!(
        "-- bellows:expand\nALTER TABLE t ADD COLUMN b bigint;\n\
         -- bellows:backfill table=t batch=500\n\
         UPDATE t SET b = a * {factor} WHERE b IS NULL;\n"
    )
}

async fn edited_half_way_is_drift(engine: Engine) {
    let db = TestDb::new(engine, "half_done").await;
    db.sql("CREATE TABLE t (id bigint PRIMARY KEY, a bigint NOT NULL)")
        .await;
    let rows = match engine {
        Engine::Postgres => "INSERT INTO t SELECT g, g FROM generate_series(1, 5000) g",
        Engine::Mysql => "INSERT INTO t SELECT seq, seq FROM seq_1_to_5000",
    };
    db.sql(rows).await;
    let dir = migrations(&[("1_double_a.sql", &migration(2))]);
    let mut runner = db.runner(dir.path(), settings()).await;
    runner.expand().await.unwrap();
    let stop = AtomicBool::new(false);
    let stopped = runner
        .backfill(None, &BackfillOptions::default(), &stop, &mut |e| {
            if matches!(e, BackfillEvent::Batch { .. }) {
                stop.store(true, Ordering::SeqCst);
            }
        })
        .await
        .unwrap();
    assert_eq!(stopped.len(), 1);
    let done: u64 = db
        .scalar("SELECT CAST(COUNT(*) AS CHAR) FROM t WHERE b IS NOT NULL")
        .await
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        done > 0 && done < 5000,
        "stopped part way: {done} rows done"
    );

    std::fs::write(dir.path().join("1_double_a.sql"), migration(3)).unwrap();
    let mut runner = db.runner(dir.path(), settings()).await;
    let never = AtomicBool::new(false);
    let refused = runner
        .backfill(None, &BackfillOptions::default(), &never, &mut |_| {})
        .await
        .expect_err("a started backfill that changed is drift");
    match &refused {
        Error::Drift { phase, diff, .. } => {
            assert_eq!(phase.to_string(), "backfill");
            assert!(diff.contains("a * 3"), "{diff}");
        }
        other => panic!("expected drift, got {other}"),
    }
    let mixed = db
        .scalar("SELECT CAST(COUNT(*) AS CHAR) FROM t WHERE b = a * 3")
        .await;
    assert_eq!(
        mixed.as_deref(),
        Some("0"),
        "nothing ran with the edited statement"
    );
    let status = runner.status().await.unwrap();
    assert_eq!(
        serde_json::to_value(&status[0].next).unwrap()["action"],
        "drifted"
    );

    let allowed = settings().with_allow_drift(true);
    let mut runner = db.runner(dir.path(), allowed).await;
    runner
        .backfill(None, &BackfillOptions::default(), &never, &mut |_| {})
        .await
        .expect("--allow-drift resumes with the edited statement");
    let left = db
        .scalar("SELECT CAST(COUNT(*) AS CHAR) FROM t WHERE b IS NULL")
        .await;
    assert_eq!(left.as_deref(), Some("0"));
}

#[tokio::test]
async fn postgres_backfill_edited_half_way_is_drift() {
    edited_half_way_is_drift(Engine::Postgres).await;
}

#[tokio::test]
async fn mariadb_backfill_edited_half_way_is_drift() {
    edited_half_way_is_drift(Engine::Mysql).await;
}
