//! rename-column: `users.email_address` (UNIQUE NOT NULL) → `primary_email`, kept in step
//! by triggers; `bellows new` reads the type and the constraints from the database (no
//! `--type`, no `--placeholder`), and the new column ends UNIQUE and NOT NULL.

use super::harness::{id_column, joined, proof_tests, seed, text, Check, Scenario, Shape, Val};
use crate::common::Engine;

fn scenario(engine: Engine) -> Scenario {
    let mut setup = vec![format!(
        "CREATE TABLE users ({}, email_address {} NOT NULL UNIQUE)",
        id_column(engine),
        text(engine)
    )];
    setup.extend(seed(
        engine,
        "users",
        super::harness::SEED_ROWS,
        "email_address",
        "concat('seed-', g, '@example.com')",
    ));
    let column = match engine {
        Engine::Postgres => "column users.primary_email text NO default -",
        Engine::Mysql => "column users.primary_email varchar(255) NO default -",
    };
    let unique = match engine {
        Engine::Postgres => {
            "constraint users users_primary_email_key UNIQUE (primary_email) validated true"
        }
        Engine::Mysql => "index users.users_primary_email_key 1 primary_email unique",
    };
    Scenario {
        label: "rename_column",
        setup,
        op: ["rename-column", "users", "email_address", "primary_email"]
            .map(String::from)
            .to_vec(),
        old: Shape::new("users", &["email_address"], |k| {
            vec![Val::Text(format!("old-{k}@example.com"))]
        }),
        new: Shape::new("users", &["primary_email"], |k| {
            vec![Val::Text(format!("new-{k}@example.com"))]
        }),
        old_in_new: Box::new(joined),
        seed_old: Box::new(|id| format!("seed-{id}@example.com")),
        seed_new: Box::new(|id| format!("seed-{id}@example.com")),
        promised: vec![
            Check::Has(column.into()),
            Check::Lacks("column users.email_address ".into()),
            Check::Has(unique.into()),
        ],
    }
}

proof_tests!(scenario);
