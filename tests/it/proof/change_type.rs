//! change-type: `orders.amount int NOT NULL` (indexed) → `amount_new bigint`, which keeps
//! NOT NULL and the index; the new app writes values that still fit an int, so the old app
//! reads them back through the triggers.

use super::harness::{
    id_column, joined, proof_tests, seed, Check, Scenario, Shape, Val, SEED_ROWS,
};
use crate::common::Engine;

fn scenario(engine: Engine) -> Scenario {
    let mut setup = vec![format!(
        "CREATE TABLE orders ({}, amount int NOT NULL)",
        id_column(engine)
    )];
    setup.push("CREATE INDEX orders_amount_idx ON orders (amount)".into());
    setup.extend(seed(engine, "orders", SEED_ROWS, "amount", "g * 10"));
    let column = match engine {
        Engine::Postgres => "column orders.amount_new bigint NO default -",
        Engine::Mysql => "column orders.amount_new bigint(20) NO default -",
    };
    Scenario {
        label: "change_type",
        setup,
        op: ["change-type", "orders", "amount", "bigint"]
            .map(String::from)
            .to_vec(),
        old: Shape::new("orders", &["amount"], |k| {
            vec![Val::Int(i32::try_from(k).unwrap())]
        }),
        new: Shape::new("orders", &["amount_new"], |k| {
            vec![Val::Big(2_000_000_000 + i64::try_from(k).unwrap())]
        }),
        old_in_new: Box::new(joined),
        seed_old: Box::new(|id| (id * 10).to_string()),
        seed_new: Box::new(|id| (id * 10).to_string()),
        promised: vec![
            Check::Has(column.into()),
            Check::Lacks("column orders.amount ".into()),
        ],
    }
}

proof_tests!(scenario);
