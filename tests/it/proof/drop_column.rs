//! drop-column: `users.nickname` (NOT NULL, no default) goes. The old app writes and reads
//! it; the new app never names it.

use super::harness::{id_column, proof_tests, seed, text, Check, Scenario, Shape, Val, SEED_ROWS};
use crate::common::Engine;

fn scenario(engine: Engine) -> Scenario {
    let mut setup = vec![format!(
        "CREATE TABLE users ({}, email {t} NOT NULL, nickname {t} NOT NULL)",
        id_column(engine),
        t = text(engine)
    )];
    setup.extend(seed(
        engine,
        "users",
        SEED_ROWS,
        "email, nickname",
        "concat('seed-', g, '@example.com'), concat('nick-', g)",
    ));
    Scenario {
        label: "drop_column",
        setup,
        // The column is NOT NULL without a default: the new app's inserts need a placeholder,
        // which `bellows new` derives from the type it reads.
        op: ["drop-column", "users", "nickname"]
            .map(String::from)
            .to_vec(),
        old: Shape::new("users", &["email", "nickname"], |k| {
            vec![
                Val::Text(format!("old-{k}@example.com")),
                Val::Text(format!("old-nick-{k}")),
            ]
        }),
        new: Shape::new("users", &["email"], |k| {
            vec![Val::Text(format!("new-{k}@example.com"))]
        }),
        old_in_new: Box::new(|v| super::harness::joined(&v[..1])),
        seed_old: Box::new(|id| format!("seed-{id}@example.com|nick-{id}")),
        seed_new: Box::new(|id| format!("seed-{id}@example.com")),
        promised: vec![Check::Lacks("column users.nickname ".into())],
    }
}

proof_tests!(scenario);
