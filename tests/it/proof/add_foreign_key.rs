//! add-foreign-key: `orders.customer_id` → `customers.id`; both apps write valid references.

use super::harness::{
    id_column, joined, proof_tests, seed, text, Check, Scenario, Shape, Val, SEED_ROWS,
};
use crate::common::Engine;

const CUSTOMERS: i64 = 1000;

fn customer(k: u64, step: u64) -> Val {
    Val::Big(i64::try_from(k * step).unwrap() % CUSTOMERS + 1)
}

fn scenario(engine: Engine) -> Scenario {
    let mut setup = vec![
        format!(
            "CREATE TABLE customers ({}, name {} NOT NULL)",
            id_column(engine),
            text(engine)
        ),
        format!(
            "CREATE TABLE orders ({}, customer_id bigint NOT NULL)",
            id_column(engine)
        ),
    ];
    setup.extend(seed(
        engine,
        "customers",
        CUSTOMERS,
        "name",
        "concat('customer-', g)",
    ));
    setup.extend(seed(
        engine,
        "orders",
        SEED_ROWS,
        "customer_id",
        &format!("g % {CUSTOMERS} + 1"),
    ));
    let promised = match engine {
        Engine::Postgres => vec![
            Check::Has("constraint orders orders_customer_id_fkey FOREIGN KEY (customer_id) REFERENCES customers(id) validated true".into()),
            Check::Has("index CREATE INDEX orders_customer_id_idx ON public.orders USING btree (customer_id)".into()),
        ],
        Engine::Mysql => vec![
            Check::Has("constraint orders orders_customer_id_fkey FOREIGN KEY".into()),
            Check::Has("index orders.orders_customer_id_idx 1 customer_id".into()),
        ],
    };
    Scenario {
        label: "add_foreign_key",
        setup,
        op: [
            "add-foreign-key",
            "orders",
            "customer_id",
            "customers",
            "id",
        ]
        .map(String::from)
        .to_vec(),
        old: Shape::new("orders", &["customer_id"], |k| vec![customer(k, 1)]),
        new: Shape::new("orders", &["customer_id"], |k| vec![customer(k, 7)]),
        old_in_new: Box::new(joined),
        seed_old: Box::new(|id| (id % CUSTOMERS + 1).to_string()),
        seed_new: Box::new(|id| (id % CUSTOMERS + 1).to_string()),
        promised,
    }
}

proof_tests!(scenario);
