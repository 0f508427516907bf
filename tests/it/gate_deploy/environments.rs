//! Blue-green: green runs 2.4.0, the idle blue colour still runs 2.3.0 and heartbeats. The
//! gate stays closed and `gate check` names blue; `instances` counts by environment and
//! version; `rollout retire --env blue` makes blue's instances stop counting at once.

use super::{contract_with, library, redacted};
use crate::common::{bellows_on, migrations, Engine, TestDb};
use serde_json::Value;

async fn an_idle_blue_colour(engine: Engine) {
    let db = TestDb::new(engine, "bluegreen").await;
    let file = contract_with("requires-app=\">=2.4.0\"");
    let dir = migrations(&[(file.0, &file.1)]);
    let run = |args: &[&str]| tokio::task::block_in_place(|| bellows_on(&db, dir.path(), args));
    assert_eq!(run(&["expand"]).0, 0);
    let (blue, green) = (
        library(&db, dir.path(), Some("blue")),
        library(&db, dir.path(), Some("green")),
    );
    let mut handles = Vec::new();
    for (app, version) in [
        (&blue, "2.3.0"),
        (&blue, "2.3.0"),
        (&green, "2.4.0"),
        (&green, "2.4.0"),
    ] {
        handles.push(app.register_instance("shop", version).await.unwrap());
    }
    let ids: Vec<&str> = handles.iter().map(|h| h.id()).collect();

    let (code, out, _) = run(&["gate", "check"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("gate_check_names_blue", redacted(&out, &ids));
    let (_, out, _) = run(&["instances"]);
    let grouped = out
        .split_once("live, by environment and version:\n")
        .map(|(_, g)| g.to_string())
        .unwrap_or_else(|| panic!("{out}"));
    insta::assert_snapshot!("instances_by_environment", redacted(&grouped, &ids));
    let (_, out, _) = run(&["instances", "--format", "json"]);
    let listed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(listed["groups"][0]["environment"], "blue", "{listed}");
    assert_eq!(listed["groups"][0]["live"], 2, "{listed}");
    assert_eq!(listed["instances"][0]["environment"], "blue", "{listed}");

    // Blue is retired: its instances stop counting at once, though they still heartbeat.
    let (code, out, err) = run(&["rollout", "retire", "--env", "blue"]);
    assert_eq!(code, 0, "{out}{err}");
    insta::assert_snapshot!("rollout_retire_blue", out);
    let (code, out, _) = run(&["gate", "check"]);
    assert_eq!(code, 0, "{out}");
    insta::assert_snapshot!("gate_check_blue_retired", redacted(&out, &ids));
    let (code, out, _) = run(&["gate", "check", "--format", "json"]);
    assert_eq!(code, 0);
    let json: Value = serde_json::from_str(&out).unwrap();
    let retired_blue = json["decision"]["instances"]
        .as_array()
        .and_then(|groups| groups.iter().find(|g| g["environment"] == "blue"))
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(retired_blue["retired"], true, "{json}");
    assert_eq!(retired_blue["blocks"], false, "{json}");
    assert_eq!(retired_blue["live"], 2, "{json}");

    // Deploying to blue again brings it back: a new instance there counts.
    let back = blue.register_instance("shop", "2.3.1").await.unwrap();
    let (code, out, _) = run(&["gate", "check"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("shop 2.3.1 in blue"), "{out}");
    back.deregister().await.unwrap();
    let (code, out, err) = run(&["rollout", "retire", "--env", "blue", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let retired: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(retired["retired"], "blue", "{retired}");
    assert_eq!(
        retired["instances"].as_array().map(Vec::len),
        Some(2),
        "{retired}"
    );
    let (code, out, err) = run(&["contract"]);
    assert_eq!(code, 0, "{out}{err}");
    for h in handles {
        h.deregister().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_blue_colour_postgres() {
    an_idle_blue_colour(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_blue_colour_mariadb() {
    an_idle_blue_colour(Engine::Mysql).await;
}
