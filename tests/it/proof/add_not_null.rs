//! add-not-null: `tasks.priority` (nullable, half the seed rows NULL) becomes NOT NULL with
//! `--default 0`. The old app never names the column; the new app always writes it.

use super::harness::{id_column, proof_tests, seed, text, Check, Scenario, Shape, Val, SEED_ROWS};
use crate::common::Engine;

fn scenario(engine: Engine) -> Scenario {
    with_previous_default(engine, None)
}

/// The scenario for a column that has `previous` as its default before the migration (the
/// recipe reads it from the database).
fn with_previous_default(engine: Engine, previous: Option<i32>) -> Scenario {
    let mut setup = vec![format!(
        "CREATE TABLE tasks ({}, title {} NOT NULL, priority int{})",
        id_column(engine),
        text(engine),
        previous
            .map(|p| format!(" DEFAULT {p}"))
            .unwrap_or_default()
    )];
    setup.extend(seed(
        engine,
        "tasks",
        SEED_ROWS,
        "title, priority",
        "concat('seed-', g), CASE WHEN g % 2 = 1 THEN NULL ELSE g % 10 END",
    ));
    let op: Vec<String> = ["add-not-null", "tasks", "priority", "--default", "0"]
        .map(String::from)
        .to_vec();
    let column = match engine {
        Engine::Postgres => "column tasks.priority integer NO default 0",
        // MySQL's type (for MODIFY) and the current default are read from the database.
        Engine::Mysql => "column tasks.priority int(11) NO default 0",
    };
    Scenario {
        label: "add_not_null",
        setup,
        op,
        old: Shape::new("tasks", &["title"], |k| vec![Val::Text(format!("old-{k}"))]),
        new: Shape::new("tasks", &["title", "priority"], |k| {
            vec![
                Val::Text(format!("new-{k}")),
                Val::Int(i32::try_from(k % 100).unwrap() + 1),
            ]
        }),
        // Old-app rows get the default (on insert after the expand, from the backfill
        // before), like the seed rows it touches (odd ids, all NULL in the seed).
        old_in_new: Box::new(|v| format!("{}|0", super::harness::joined(v))),
        seed_old: Box::new(|id| format!("seed-{id}")),
        seed_new: Box::new(|id| {
            let priority = if id % 2 == 1 { 0 } else { id % 10 };
            format!("seed-{id}|{priority}")
        }),
        promised: vec![
            Check::Has(column.into()),
            Check::Lacks("constraint tasks tasks_priority_not_null".into()),
        ],
    }
}

proof_tests!(scenario);

/// An abort puts back the default the column had before the expand replaced it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_abort_restores_the_previous_default() {
    let s = with_previous_default(Engine::Postgres, Some(5));
    super::harness::abort_after_expand(Engine::Postgres, s).await;
}

/// An abort puts back the default the column had before the expand replaced it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_abort_restores_the_previous_default() {
    let s = with_previous_default(Engine::Mysql, Some(5));
    super::harness::abort_after_expand(Engine::Mysql, s).await;
}
