//! rename-table: `users` → `customers`. The old app names `users`, the new app `customers`.

use super::harness::{joined, proof_tests, users_with_email, Check, Scenario, Shape, Val};
use crate::common::Engine;

fn scenario(engine: Engine) -> Scenario {
    let setup = users_with_email(engine);
    Scenario {
        label: "rename_table",
        setup,
        op: ["rename-table", "users", "customers"]
            .map(String::from)
            .to_vec(),
        old: Shape::new("users", &["email"], |k| {
            vec![Val::Text(format!("old-{k}@example.com"))]
        }),
        new: Shape::new("customers", &["email"], |k| {
            vec![Val::Text(format!("new-{k}@example.com"))]
        }),
        old_in_new: Box::new(joined),
        seed_old: Box::new(|id| format!("seed-{id}@example.com")),
        seed_new: Box::new(|id| format!("seed-{id}@example.com")),
        promised: vec![
            Check::Has("table customers".into()),
            Check::Lacks("table users".into()),
            Check::Lacks("column users.".into()),
        ],
    }
}

proof_tests!(scenario);
