//! The gate inside deployment strategies: the rollback guard (`rollout check`, a refused
//! `rollout record`, the library's answer), soak windows, environments (an idle blue colour
//! that still heartbeats, `rollout retire`), and the state-schema upgrade that brought them.

mod environments;
mod rollback;
mod soak;
mod upgrade;

use crate::common::{settings, Engine, TestDb};
use bellows::migration::load_dir;
use bellows::Bellows;
use std::time::Duration;

/// One migration whose contract says `marker` (e.g. `requires-app=">=2.4.0" soak=1h`).
fn contract_with(marker: &str) -> (&'static str, String) {
    (
        "1_drop_old.sql",
        format!(
            "-- bellows:expand\nCREATE TABLE a (id int PRIMARY KEY, old int);\n\
             -- bellows:contract {marker}\nALTER TABLE a DROP COLUMN old;\n"
        ),
    )
}

/// A state table's name on `engine`.
fn table(engine: Engine, name: &str) -> String {
    match engine {
        Engine::Postgres => format!("bellows.{name}"),
        Engine::Mysql => format!("bellows_{name}"),
    }
}

/// The library for `db`, registering in `environment` when given.
fn library(db: &TestDb, dir: &std::path::Path, environment: Option<&str>) -> Bellows {
    let mut s = settings();
    s.heartbeat_every = Duration::from_secs(5);
    if let Some(env) = environment {
        s = s.with_environment(env);
    }
    Bellows::connect(&db.url, load_dir(dir, db.engine.dialect()).unwrap())
        .unwrap()
        .with_settings(s)
}

/// A count of rows, as a number.
async fn count(db: &TestDb, table_name: &str, filter: &str) -> i64 {
    let sql = format!(
        "SELECT CAST(COUNT(*) AS CHAR(20)) FROM {} WHERE {filter}",
        table(db.engine, table_name)
    );
    let sql = match db.engine {
        Engine::Postgres => sql.replace("CHAR(20)", "text"),
        Engine::Mysql => sql,
    };
    db.scalar(&sql).await.unwrap().parse().unwrap()
}

/// Instance ids (host-pid-random) and heartbeat ages (`12.3s ago`) as placeholders, for
/// snapshots.
fn redacted(text: &str, ids: &[&str]) -> String {
    let mut text = text.to_string();
    for id in ids {
        text = text.replace(id, "[id]");
    }
    let mut out = String::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("s ago") {
        let (before, after) = rest.split_at(at);
        let number = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
            .last()
            .map_or(before.len(), |(i, _)| i);
        if number < before.len() {
            out.push_str(&before[..number]);
            out.push_str("[age] ago");
        } else {
            out.push_str(before);
            out.push_str("s ago");
        }
        rest = &after["s ago".len()..];
    }
    out.push_str(rest);
    out
}
