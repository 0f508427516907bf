//! The rollback guard: after the contract of a migration requiring 2.4.0, app 2.3.0 cannot
//! run. `rollout check` says no and names the migration (also without the file: the
//! requirement is recorded when the contract runs), `rollout record` refuses it unless
//! `--force`, and the library registers it but hands the answer to the app. A contract that
//! has not run excludes nothing.

use super::{contract_with, count, library};
use crate::common::{bellows_on, migrations, Engine, TestDb};
use serde_json::Value;

async fn a_rollback_past_the_contract(engine: Engine) {
    let db = TestDb::new(engine, "guard").await;
    let first = contract_with("requires-app=\">=2.4.0\"");
    let pending = (
        "2_drop_more.sql",
        "-- bellows:expand\nALTER TABLE a ADD COLUMN more int;\n\
         -- bellows:contract requires-app=\">=3.0.0\"\nALTER TABLE a DROP COLUMN more;\n"
            .to_string(),
    );
    let dir = migrations(&[(first.0, &first.1), (pending.0, &pending.1)]);
    let run = |args: &[&str]| {
        let (code, out, err) = tokio::task::block_in_place(|| bellows_on(&db, dir.path(), args));
        (code, out, err)
    };
    assert_eq!(run(&["expand"]).0, 0);
    let (code, out, _) = run(&["rollout", "check", "--app-version", "2.3.0"]);
    assert_eq!(code, 0, "nothing contracted yet: {out}");
    assert_eq!(run(&["rollout", "record", "--app-version", "2.4.0"]).0, 0);
    let (code, out, err) = run(&["contract", "1"]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, _) = run(&["rollout", "check", "--app-version", "2.3.0"]);
    assert_eq!(code, 1, "{out}");
    insta::assert_snapshot!("rollout_check_refuses_2_3_0", out);
    let (code, out, _) = run(&["rollout", "check", "--app-version", "2.4.1"]);
    assert_eq!(
        code, 0,
        "the pending >=3.0.0 contract excludes nothing yet: {out}"
    );
    insta::assert_snapshot!("rollout_check_admits_2_4_1", out);
    let (code, out, _) = run(&[
        "rollout",
        "check",
        "--app-version",
        "2.3.0",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let answer: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(answer["compatible"], false, "{answer}");
    assert_eq!(answer["excluded_by"][0]["version"], 1, "{answer}");
    assert_eq!(
        answer["excluded_by"][0]["requires_app"], ">=2.4.0",
        "{answer}"
    );
    assert_eq!(answer["excluded_by"].as_array().map(Vec::len), Some(1));

    // The rollback's pipeline runs from the old checkout, which lacks the file: the
    // requirement the contract ran under is in the database.
    let old_checkout = migrations(&[]);
    let (code, out, _) = tokio::task::block_in_place(|| {
        bellows_on(
            &db,
            old_checkout.path(),
            &["rollout", "check", "--app-version", "2.3.0"],
        )
    });
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("migration 1 drop_old"), "{out}");

    let (code, out, err) = run(&["rollout", "record", "--app-version", "2.3.0"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("2.3.0 cannot run on the schema as it is: migration 1 drop_old")
            && err.contains("--force"),
        "{err}"
    );
    assert_eq!(count(&db, "rollouts", "app_version = '2.3.0'").await, 0);
    let (code, out, err) = run(&["rollout", "record", "--app-version", "2.3.0", "--force"]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(count(&db, "rollouts", "app_version = '2.3.0'").await, 1);
    assert_eq!(count(&db, "events", "kind = 'force'").await, 1);

    // The library registers the instance (it runs, the gate must see it) and says why the
    // schema no longer supports it.
    let app = library(&db, dir.path(), None);
    let old = app.register_instance("shop", "2.3.0").await.unwrap();
    let answer = old.compatibility();
    assert!(!answer.is_compatible());
    assert_eq!(answer.excluded_by[0].version, 1);
    assert!(
        answer.excluded_by[0]
            .to_string()
            .contains("2.3.0 is outside >=2.4.0"),
        "{}",
        answer.excluded_by[0]
    );
    let new = app.register_instance("shop", "2.4.0").await.unwrap();
    assert!(new.compatibility().is_compatible());
    old.deregister().await.unwrap();
    new.deregister().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_past_the_contract_postgres() {
    a_rollback_past_the_contract(Engine::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_past_the_contract_mariadb() {
    a_rollback_past_the_contract(Engine::Mysql).await;
}

/// A contract about shop does not exclude the worker; a git SHA is ordered by its records.
async fn named_apps_and_shas(engine: Engine) {
    let db = TestDb::new(engine, "guard_apps").await;
    let file = contract_with("requires-app=\"shop>=4f1c2e9\"");
    let dir = migrations(&[(file.0, &file.1)]);
    let mut runner = db.runner(dir.path(), crate::common::settings()).await;
    runner.expand().await.unwrap();
    for sha in ["0a1b2c3", "4f1c2e9"] {
        runner
            .record_rollout(Some("shop"), sha, false)
            .await
            .unwrap();
    }
    let outcome = runner.contract(None, false).await.unwrap();
    assert_eq!(outcome.applied.len(), 1, "{:?}", outcome.refused);
    let shop_old = runner.rollout_check(Some("shop"), "0a1b2c3").await.unwrap();
    assert!(!shop_old.is_compatible());
    let worker = runner
        .rollout_check(Some("worker"), "0a1b2c3")
        .await
        .unwrap();
    assert!(worker.is_compatible(), "{worker:?}");
    let unknown = runner.rollout_check(Some("shop"), "9e8d7c6").await.unwrap();
    assert!(
        unknown.is_compatible() && unknown.unrecorded,
        "a SHA never recorded is a new one: {unknown:?}"
    );
    assert!(matches!(
        runner.record_rollout(Some("shop"), "0a1b2c3", false).await,
        Err(bellows::Error::Refused(_))
    ));
    runner
        .record_rollout(Some("shop"), "9e8d7c6", false)
        .await
        .unwrap();
}

#[tokio::test]
async fn named_apps_and_shas_postgres() {
    named_apps_and_shas(Engine::Postgres).await;
}

#[tokio::test]
async fn named_apps_and_shas_mariadb() {
    named_apps_and_shas(Engine::Mysql).await;
}
