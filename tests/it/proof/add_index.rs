//! add-index: an index on `events.kind, events.at`; both apps write as before.

use super::harness::{
    id_column, joined, proof_tests, seed, text, Check, Scenario, Shape, Val, SEED_ROWS,
};
use crate::common::Engine;

fn values(tag: &'static str) -> impl Fn(u64) -> Vec<Val> + Send + Sync {
    move |k| {
        vec![
            Val::Text(format!("{tag}-{}", k % 17)),
            Val::Big(i64::try_from(k).unwrap()),
        ]
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
            "index CREATE INDEX events_kind_at_idx ON public.events USING btree (kind, at)".into(),
        )],
        Engine::Mysql => vec![
            Check::Has("index events.events_kind_at_idx 1 kind".into()),
            Check::Has("index events.events_kind_at_idx 2 at".into()),
        ],
    };
    Scenario {
        label: "add_index",
        setup,
        op: ["add-index", "events", "kind", "at"]
            .map(String::from)
            .to_vec(),
        old: Shape::new("events", &["kind", "at"], values("old")),
        new: Shape::new("events", &["kind", "at"], values("new")),
        old_in_new: Box::new(joined),
        seed_old: Box::new(|id| format!("seed-{}|{id}", id % 17)),
        seed_new: Box::new(|id| format!("seed-{}|{id}", id % 17)),
        promised,
    }
}

proof_tests!(scenario);
