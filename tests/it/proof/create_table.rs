//! create-table: `audit (id, event, note)` next to a busy `events`; both apps go on writing
//! `events` throughout, and the new table is there with its columns and primary key.

use super::harness::{id_column, proof_tests, seed, text, Check, Scenario, Shape, Val, SEED_ROWS};
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
        Engine::Postgres => vec![
            Check::Has("table audit".into()),
            Check::Has("column audit.id bigint NO default -".into()),
            Check::Has("column audit.event bigint NO default -".into()),
            Check::Has("column audit.note text YES default -".into()),
            Check::Has(
                "index CREATE UNIQUE INDEX audit_pkey ON public.audit USING btree (id)".into(),
            ),
        ],
        Engine::Mysql => vec![
            Check::Has("table audit".into()),
            Check::Has("column audit.event bigint(20) NO default -".into()),
            Check::Has("column audit.note varchar(255) YES default NULL".into()),
            Check::Has("index audit.PRIMARY 1 id unique".into()),
        ],
    };
    Scenario {
        label: "create_table",
        setup,
        op: vec![
            "create-table".into(),
            "audit".into(),
            "id:bigint".into(),
            "event:bigint NOT NULL".into(),
            format!("note:{}", text(engine)),
        ],
        old: Shape::new("events", &["kind", "at"], values("old")),
        new: Shape::new("events", &["kind", "at"], values("new")),
        old_in_new: Box::new(super::harness::joined),
        seed_old: Box::new(|id| format!("seed-{}|{id}", id % 17)),
        seed_new: Box::new(|id| format!("seed-{}|{id}", id % 17)),
        promised,
    }
}

proof_tests!(scenario);
