//! add-unique: `users.email` becomes unique; both apps write unique values.

use super::harness::{joined, proof_tests, users_with_email, Check, Scenario, Shape, Val};
use crate::common::Engine;

fn scenario(engine: Engine) -> Scenario {
    let setup = users_with_email(engine);
    let promised = match engine {
        Engine::Postgres => vec![
            Check::Has("constraint users users_email_key UNIQUE (email) validated true".into()),
            Check::Has(
                "index CREATE UNIQUE INDEX users_email_key ON public.users USING btree (email)"
                    .into(),
            ),
        ],
        Engine::Mysql => vec![Check::Has(
            "index users.users_email_key 1 email unique".into(),
        )],
    };
    Scenario {
        label: "add_unique",
        setup,
        op: ["add-unique", "users", "email"].map(String::from).to_vec(),
        old: Shape::new("users", &["email"], |k| {
            vec![Val::Text(format!("old-{k}@example.com"))]
        }),
        new: Shape::new("users", &["email"], |k| {
            vec![Val::Text(format!("new-{k}@example.com"))]
        }),
        old_in_new: Box::new(joined),
        seed_old: Box::new(|id| format!("seed-{id}@example.com")),
        seed_new: Box::new(|id| format!("seed-{id}@example.com")),
        promised,
    }
}

proof_tests!(scenario);
