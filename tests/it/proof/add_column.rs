//! add-column: `events.note` with a default; the old app writes `kind, at` as before, the new
//! app writes `note` too, and rows the old app writes get the default.

use super::harness::{
    id_column, joined, proof_tests, seed, text, Check, Scenario, Shape, Val, SEED_ROWS,
};
use crate::common::Engine;

fn values(tag: &'static str, note: bool) -> impl Fn(u64) -> Vec<Val> + Send + Sync {
    move |k| {
        let mut v = vec![
            Val::Text(format!("{tag}-{}", k % 17)),
            Val::Big(i64::try_from(k).unwrap()),
        ];
        if note {
            v.push(Val::Text(format!("note-{k}")));
        }
        v
    }
}

fn scenario(engine: Engine) -> Scenario {
    let mut setup = vec![format!(
        "CREATE TABLE events ({}, kind {} NOT NULL, at bigint NOT NULL)",
        id_column(engine),
        text(engine)
    )];
    setup.extend(seed(
        engine,
        "events",
        SEED_ROWS,
        "kind, at",
        "concat('seed-', g % 17), g",
    ));
    let promised = match engine {
        Engine::Postgres => vec![Check::Has(
            "column events.note text NO default 'none'::text".into(),
        )],
        Engine::Mysql => vec![Check::Has(
            "column events.note varchar(255) NO default 'none'".into(),
        )],
    };
    let column_type = format!("{} NOT NULL", text(engine));
    Scenario {
        label: "add_column",
        setup,
        op: vec![
            "add-column".into(),
            "events".into(),
            "note".into(),
            column_type,
            "--default".into(),
            "'none'".into(),
        ],
        old: Shape::new("events", &["kind", "at"], values("old", false)),
        new: Shape::new("events", &["kind", "at", "note"], values("new", true)),
        old_in_new: Box::new(|v| format!("{}|none", joined(v))),
        seed_old: Box::new(|id| format!("seed-{}|{id}", id % 17)),
        seed_new: Box::new(|id| format!("seed-{}|{id}|none", id % 17)),
        promised,
    }
}

proof_tests!(scenario);
