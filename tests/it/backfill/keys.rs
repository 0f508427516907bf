//! Keys other than one integer column: text, uuid and composite keys, and an
//! `INSERT ... SELECT` backfill, each in many small batches.

use super::number;
use crate::common::{migrations, pg_client, settings, Engine, TestDb};
use bellows::backfill::{Placeholder, Rewritable};
use bellows::engine::BackfillOptions;
use bellows::Dialect;
use std::sync::atomic::AtomicBool;

/// Backfill `t` (filled by `setup`) with `batch=97` over `key` by three workers; every row is
/// filled once and each worker's part holds a fair share of the rows, whatever the key.
async fn backfill_over(engine: Engine, setup: &str, directives: &str, rows: i64) {
    let db = TestDb::new(engine, "bf_keys").await;
    for s in setup.split(";\n").filter(|s| !s.trim().is_empty()) {
        db.sql(s).await;
    }
    let file = format!(
        "-- bellows:backfill table=t batch=97 {directives}\nUPDATE t SET v = 1, touched = touched + 1 WHERE v IS NULL;\n"
    );
    let dir = migrations(&[("1_fill.sql", &file)]);
    let mut runner = db.runner(dir.path(), settings()).await;
    let options = BackfillOptions {
        workers: 3,
        ..BackfillOptions::default()
    };
    let (_, outcomes) = runner
        .up(&options, &AtomicBool::new(false), &mut |_| {})
        .await
        .unwrap();
    assert_eq!(
        outcomes[0].rows,
        u64::try_from(rows).unwrap(),
        "{directives}"
    );
    assert!(outcomes[0].batches > 5);
    let bad = number(
        &db,
        "SELECT CAST(count(*) AS CHAR) FROM t WHERE v IS NULL OR touched <> 1",
    )
    .await;
    assert_eq!(bad, 0, "{setup}");
    let progress = if engine == Engine::Postgres {
        "bellows.backfill_progress"
    } else {
        "bellows_backfill_progress"
    };
    let parts = number(
        &db,
        &format!("SELECT CAST(count(*) AS CHAR) FROM {progress}"),
    )
    .await;
    let smallest = number(
        &db,
        &format!("SELECT CAST(min(rows_done) AS CHAR) FROM {progress}"),
    )
    .await;
    assert_eq!(parts, 3, "{setup}");
    assert!(
        smallest > rows / 6,
        "a part of {smallest} rows out of {rows}: {setup}"
    );
}

#[tokio::test]
async fn postgres_text_uuid_and_composite_keys() {
    let cols = "v int, touched int NOT NULL DEFAULT 0";
    backfill_over(
        Engine::Postgres,
        &format!("CREATE TABLE t (id text PRIMARY KEY, {cols});\nINSERT INTO t (id) SELECT md5(g::text) || ' O''k' FROM generate_series(1, 3000) g"),
        "",
        3000,
    )
    .await;
    backfill_over(
        Engine::Postgres,
        &format!("CREATE TABLE t (id uuid PRIMARY KEY, {cols});\nINSERT INTO t (id) SELECT md5(g::text)::uuid FROM generate_series(1, 3000) g"),
        "",
        3000,
    )
    .await;
    backfill_over(
        Engine::Postgres,
        &format!("CREATE TABLE t (a int NOT NULL, b text NOT NULL, {cols}, PRIMARY KEY (a, b));\nINSERT INTO t (a, b) SELECT g % 7, md5(g::text) FROM generate_series(1, 3000) g"),
        "",
        3000,
    )
    .await;
    backfill_over(
        Engine::Postgres,
        &format!("CREATE TABLE t (id serial PRIMARY KEY, code text NOT NULL UNIQUE, {cols});\nINSERT INTO t (code) SELECT md5(g::text) FROM generate_series(1, 3000) g"),
        "key=code",
        3000,
    )
    .await;
    // Skewed integer keys: an even split of the range would give one part nearly every row.
    backfill_over(
        Engine::Postgres,
        &format!("CREATE TABLE t (id bigint PRIMARY KEY, {cols});\nINSERT INTO t (id) SELECT g FROM generate_series(1, 2990) g UNION ALL SELECT 1000000000 + g FROM generate_series(1, 10) g"),
        "",
        3000,
    )
    .await;
    // character(n) pads with spaces and compares ignoring them: the keys are bound as bpchar.
    backfill_over(
        Engine::Postgres,
        &format!("CREATE TABLE t (id character(12) PRIMARY KEY, {cols});\nINSERT INTO t (id) SELECT ' ' || lpad(g::text, g % 5 + 4, 'x') FROM generate_series(1, 3000) g"),
        "",
        3000,
    )
    .await;
}

/// A `character(n)` key bound as text would be compared as text: no index, a scan per batch.
#[tokio::test]
async fn postgres_fixed_char_key_ranges_use_the_index() {
    let db = TestDb::new(Engine::Postgres, "bf_bpchar").await;
    let client = pg_client(&db.url).await;
    client
        .batch_execute(
            "CREATE TABLE t (id character(12) PRIMARY KEY, v int);
             INSERT INTO t (id) SELECT lpad(g::text, 8, '0') FROM generate_series(1, 3000) g;
             ANALYZE t; SET enable_seqscan = off",
        )
        .await
        .unwrap();
    let statement =
        Rewritable::parse("UPDATE t SET v = 1 WHERE v IS NULL", "t", Dialect::Postgres).unwrap();
    let plan = |placeholder: Placeholder| {
        let sql = statement.batched(&[("id".to_string(), placeholder)], true);
        let client = &client;
        async move {
            client
                .batch_execute(&format!("DEALLOCATE ALL; PREPARE p(text, text) AS {sql}"))
                .await
                .unwrap();
            let rows = client
                .query("EXPLAIN EXECUTE p('00000100', '00000200')", &[])
                .await
                .unwrap();
            rows.iter()
                .map(|r| r.get::<_, String>(0))
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    let as_bpchar = plan(Placeholder::FixedChar).await;
    assert!(as_bpchar.contains("Index Scan using t_pkey"), "{as_bpchar}");
    let as_text = plan(Placeholder::Plain).await;
    assert!(as_text.contains("Seq Scan"), "{as_text}");
}

#[tokio::test]
async fn mariadb_text_and_composite_keys() {
    let cols = "v int NULL, touched int NOT NULL DEFAULT 0";
    backfill_over(
        Engine::Mysql,
        &format!("CREATE TABLE t (id varchar(64) PRIMARY KEY, {cols});\nINSERT INTO t (id) SELECT CONCAT(MD5(seq), ' O''k\\\\') FROM seq_1_to_3000"),
        "",
        3000,
    )
    .await;
    backfill_over(
        Engine::Mysql,
        &format!("CREATE TABLE t (a int NOT NULL, b varchar(40) NOT NULL, {cols}, PRIMARY KEY (a, b));\nINSERT INTO t (a, b) SELECT seq % 7, MD5(seq) FROM seq_1_to_3000"),
        "",
        3000,
    )
    .await;
}

/// One integer key: the parts are placed by index dives (the optimizer's estimates), not a
/// pass over the key; they still cover every row once and share the rows fairly when the
/// keys are skewed (an even split of the range would give one part nearly every row).
#[tokio::test]
async fn mariadb_integer_keys_split_by_index_dives() {
    let cols = "v int NULL, touched int NOT NULL DEFAULT 0";
    backfill_over(
        Engine::Mysql,
        &format!("CREATE TABLE t (id bigint PRIMARY KEY, {cols});\nINSERT INTO t (id) SELECT seq FROM seq_1_to_2990 UNION ALL SELECT 1000000000 + seq FROM seq_1_to_10;\nANALYZE TABLE t"),
        "",
        3000,
    )
    .await;
    backfill_over(
        Engine::Mysql,
        &format!("CREATE TABLE t (id int PRIMARY KEY, {cols});\nINSERT INTO t (id) SELECT CAST(seq AS SIGNED) * 7 - 3000 FROM seq_1_to_3000"),
        "",
        3000,
    )
    .await;
}

#[tokio::test]
async fn postgres_insert_select_backfill() {
    let db = TestDb::new(Engine::Postgres, "bf_insert").await;
    db.sql("CREATE TABLE src (id bigint PRIMARY KEY, v text NOT NULL); CREATE TABLE dst (id bigint PRIMARY KEY, v text NOT NULL);
            INSERT INTO src SELECT g, 'v' || g FROM generate_series(1, 5000) g; INSERT INTO dst VALUES (10, 'v10')")
        .await;
    let file = "-- bellows:backfill table=src batch=333\nINSERT INTO dst (id, v) SELECT s.id, s.v FROM src AS s WHERE NOT EXISTS (SELECT 1 FROM dst WHERE dst.id = s.id);\n";
    let dir = migrations(&[("1_copy.sql", file)]);
    let mut runner = db.runner(dir.path(), settings()).await;
    let (_, outcomes) = runner
        .up(
            &BackfillOptions::default(),
            &AtomicBool::new(false),
            &mut |_| {},
        )
        .await
        .unwrap();
    assert_eq!(outcomes[0].rows, 4999);
    assert_eq!(outcomes[0].remaining, 0);
    assert_eq!(
        number(&db, "SELECT CAST(count(*) AS CHAR) FROM dst").await,
        5000
    );
}
