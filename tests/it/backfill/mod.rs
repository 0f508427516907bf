//! The backfill engine against real PostgreSQL and MariaDB: a large table under a concurrent
//! writer, kill -9 and resume, bad specs refused before any row is touched, and the example
//! rename end to end.

mod bad_specs;
mod concurrent;
mod example;
mod keys;
mod kill;
mod latency;
mod replica_lag;
mod throttle;
mod timeouts;
mod wal_room;
mod watch;

use crate::common::{Engine, TestDb};

/// `items`: `n` rows with even ids 2..=2n (so a writer can insert odd ids inside the
/// ranges), `new_val` to fill from `old_val`, and `touched` counting the backfill's updates.
pub async fn items(db: &TestDb, n: u64) {
    match db.engine {
        Engine::Postgres => {
            db.sql(&format!(
                "CREATE TABLE items (id bigint PRIMARY KEY, old_val int NOT NULL, new_val int, touched int NOT NULL DEFAULT 0);
                 INSERT INTO items (id, old_val) SELECT g * 2, g FROM generate_series(1, {n}) g;
                 ANALYZE items;"
            ))
            .await;
        }
        Engine::Mysql => {
            db.sql("CREATE TABLE items (id bigint PRIMARY KEY, old_val int NOT NULL, new_val int NULL, touched int NOT NULL DEFAULT 0)").await;
            db.sql("CREATE TABLE digits (d int NOT NULL)").await;
            db.sql("INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
                .await;
            db.sql(&format!(
                "INSERT INTO items (id, old_val) SELECT (n + 1) * 2, n + 1 FROM \
                 (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * g.d AS n \
                  FROM digits a, digits b, digits c, digits e, digits f, digits g) s WHERE n < {n}"
            ))
            .await;
            db.sql("ANALYZE TABLE items").await;
        }
    }
}

/// A migration whose expand adds the sync trigger and whose backfill fills `new_val`
/// (`directives` go on the backfill marker).
pub fn items_migration(engine: Engine, directives: &str) -> String {
    let expand = match engine {
        Engine::Postgres => {
            "CREATE FUNCTION items_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.old_val IS DISTINCT FROM OLD.old_val THEN
        NEW.new_val := NEW.old_val * 2;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER items_sync BEFORE INSERT OR UPDATE ON items FOR EACH ROW EXECUTE FUNCTION items_sync();"
        }
        Engine::Mysql => {
            "CREATE TRIGGER items_sync_ins BEFORE INSERT ON items FOR EACH ROW
BEGIN
    SET NEW.new_val = NEW.old_val * 2;
END;

CREATE TRIGGER items_sync_upd BEFORE UPDATE ON items FOR EACH ROW
BEGIN
    IF NOT (NEW.old_val <=> OLD.old_val) THEN
        SET NEW.new_val = NEW.old_val * 2;
    END IF;
END;"
        }
    };
    format!(
        "-- bellows:expand\n{expand}\n\n-- bellows:backfill table=items {directives}\n\
         UPDATE items SET new_val = old_val * 2, touched = touched + 1 WHERE new_val IS NULL;\n"
    )
}

/// A whole number from a query (`CAST(... AS CHAR)` is rewritten for PostgreSQL).
pub async fn number(db: &TestDb, sql: &str) -> i64 {
    let sql = if db.engine == Engine::Postgres {
        sql.replace("AS CHAR)", "AS text)")
    } else {
        sql.to_string()
    };
    db.scalar(&sql)
        .await
        .unwrap_or_default()
        .parse()
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Rows whose `new_val` is wrong, the largest `touched`, the sum of `touched`.
pub async fn verdict(db: &TestDb) -> (i64, i64, i64) {
    (
        number(
            db,
            "SELECT CAST(count(*) AS CHAR) FROM items WHERE new_val IS NULL OR new_val <> old_val * 2",
        )
        .await,
        number(db, "SELECT CAST(COALESCE(max(touched), 0) AS CHAR) FROM items").await,
        number(db, "SELECT CAST(COALESCE(sum(touched), 0) AS CHAR) FROM items").await,
    )
}

/// The state table prefix of `engine`.
pub fn state_table(engine: Engine, name: &str) -> String {
    match engine {
        Engine::Postgres => format!("bellows.{name}"),
        Engine::Mysql => format!("bellows_{name}"),
    }
}
