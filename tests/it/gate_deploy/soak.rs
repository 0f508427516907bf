//! Soak windows: `soak=1h` keeps the gate closed until the requirement has held an hour. No
//! waiting: the test moves bellows' recorded times two hours back, as if they had passed.
//! The window starts again after a recorded rollback (whether or not the gate was asked in
//! between) and after an old instance came back.

use super::{contract_with, count, library, table};
use crate::common::{bellows_on, migrations, settings, Engine, TestDb};
use bellows::engine::Runner;
use bellows::gate::Decision;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

/// Move every recorded time of the gate two hours into the past (live instances apart).
async fn two_hours_pass(db: &TestDb) {
    let minus = match db.engine {
        Engine::Postgres => "- interval '2 hours'",
        Engine::Mysql => "- INTERVAL 2 HOUR",
    };
    let (soak, rollouts, instances) = (
        table(db.engine, "gate_soak"),
        table(db.engine, "rollouts"),
        table(db.engine, "app_instances"),
    );
    for sql in [
        format!("UPDATE {soak} SET held_since = held_since {minus}"),
        format!("UPDATE {rollouts} SET recorded_at = recorded_at {minus}"),
        format!(
            "UPDATE {instances} SET started_at = started_at {minus}, heartbeat_at = heartbeat_at {minus}, \
             stopped_at = stopped_at {minus} WHERE stopped_at IS NOT NULL"
        ),
    ] {
        db.sql(&sql).await;
    }
}

async fn gate(runner: &mut Runner) -> Decision {
    runner.gate_check(Some(1)).await.unwrap().unwrap().2
}

/// Closed and soaking, with most of the hour left.
fn soaking(d: &Decision) {
    let soak = d.soak.as_ref().expect("a soak window");
    assert!(!d.open, "{}", d.headline);
    assert!(
        soak.held.is_some() && soak.left > HOUR - Duration::from_secs(600),
        "{soak:?}"
    );
    assert!(d.headline.contains("soaking"), "{}", d.headline);
}

async fn a_soak_window(engine: Engine) {
    let db = TestDb::new(engine, "soak").await;
    let file = contract_with("requires-app=\">=2.4.0\" soak=1h");
    let dir = migrations(&[(file.0, &file.1)]);
    let mut runner = db.runner(dir.path(), settings()).await;
    runner.expand().await.unwrap();
    let app = library(&db, dir.path(), None);
    let live = app.register_instance("shop", "2.4.0").await.unwrap();
    runner.record_rollout(None, "2.4.0", false).await.unwrap();
    soaking(&gate(&mut runner).await);
    let (code, out, _) = tokio::task::block_in_place(|| {
        bellows_on(&db, dir.path(), &["gate", "check", "--format", "json"])
    });
    assert_eq!(code, 1, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["decision"]["soak"]["window_ms"], 3_600_000, "{json}");
    assert!(
        json["decision"]["soak"]["left_ms"].as_u64() > Some(3_000_000),
        "{json}"
    );
    let (_, out, _) =
        tokio::task::block_in_place(|| bellows_on(&db, dir.path(), &["gate", "check"]));
    assert!(
        out.contains("of the 1h window") && out.contains("left"),
        "{out}"
    );
    let refused = runner.contract(None, false).await.unwrap().refused;
    assert!(refused.is_some_and(|r| r.gate_closed && r.reason.contains("soaking")));

    two_hours_pass(&db).await;
    let open = gate(&mut runner).await;
    assert!(open.open, "{}", open.headline);
    assert!(
        open.headline.contains("it has held for 2h"),
        "{}",
        open.headline
    );

    // A rollback recorded (the live instance still says 2.4.0): closed, and the window
    // starts again once 2.4.0 is back.
    runner.record_rollout(None, "2.3.0", false).await.unwrap();
    let closed = gate(&mut runner).await;
    assert!(!closed.open, "{}", closed.headline);
    assert!(
        closed.headline.contains("latest recorded rollout is 2.3.0")
            && closed.headline.contains("starts again"),
        "{}",
        closed.headline
    );
    assert_eq!(count(&db, "gate_soak", "1 = 1").await, 0);
    runner.record_rollout(None, "2.4.0", false).await.unwrap();
    soaking(&gate(&mut runner).await);
    two_hours_pass(&db).await;
    assert!(gate(&mut runner).await.open);

    // The same when nobody asks the gate during the rollback: the rollouts show it.
    runner.record_rollout(None, "2.3.0", false).await.unwrap();
    runner.record_rollout(None, "2.4.0", false).await.unwrap();
    soaking(&gate(&mut runner).await);
    two_hours_pass(&db).await;
    assert!(gate(&mut runner).await.open);

    // An old instance comes back for a moment, unasked: its row shows it.
    let old = app.register_instance("shop", "2.3.0").await.unwrap();
    assert!(!gate(&mut runner).await.open);
    old.deregister().await.unwrap();
    soaking(&gate(&mut runner).await);
    two_hours_pass(&db).await;
    let old = app.register_instance("shop", "2.3.0").await.unwrap();
    old.deregister().await.unwrap();
    soaking(&gate(&mut runner).await);

    two_hours_pass(&db).await;
    let outcome = runner.contract(None, false).await.unwrap();
    assert_eq!(outcome.applied.len(), 1, "{:?}", outcome.refused);
    live.deregister().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_soak_window_postgres() {
    a_soak_window(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_soak_window_mariadb() {
    a_soak_window(Engine::Mysql).await;
}

/// `[gate] soak` in bellows.toml is the default; `soak=0s` on a marker turns it off.
async fn the_default_window(engine: Engine) {
    let db = TestDb::new(engine, "soak_default").await;
    let gated = contract_with("requires-app=\">=2.4.0\"");
    let unsoaked = (
        "2_drop_more.sql",
        "-- bellows:expand\nALTER TABLE a ADD COLUMN more int;\n\
         -- bellows:contract requires-app=\">=2.4.0\" soak=0s\nALTER TABLE a DROP COLUMN more;\n",
    );
    let dir = migrations(&[(gated.0, &gated.1), unsoaked]);
    std::fs::write(dir.path().join("bellows.toml"), "[gate]\nsoak = \"1h\"\n").unwrap();
    let run = |args: &[&str]| tokio::task::block_in_place(|| bellows_on(&db, dir.path(), args));
    assert_eq!(run(&["expand"]).0, 0);
    assert_eq!(run(&["rollout", "record", "--app-version", "2.4.0"]).0, 0);
    let (code, out, _) = run(&["gate", "check", "1"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("soaking"), "{out}");
    let (code, out, _) = run(&["gate", "check", "2"]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("soak"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_window_postgres() {
    the_default_window(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_window_mariadb() {
    the_default_window(Engine::Mysql).await;
}
