//! Precision on real migration folders (issue 14): each false-positive class found there, as
//! a minimal shape that must lint clean beside the nearest shape that must still be flagged;
//! each false-negative class, which must be found; and the generated real-shaped corpus
//! (`bench/lint/corpus.rs`), of which at most 0.2% of statements may stay unparsed.

#[path = "../../../bench/lint/corpus.rs"]
#[allow(dead_code)]
mod corpus;

use bellows::lint::render::{render, Format};
use bellows::lint::{LintOptions, Linter, Report};
use bellows::Dialect;

/// Lint `files` in order as one folder (later files know what earlier ones made).
fn folder(dialect: Dialect, files: &[(&str, &str)]) -> Report {
    let linter = Linter::new(LintOptions::new(dialect));
    let mut folder = linter.folder(None);
    let files = files
        .iter()
        .map(|(name, text)| folder.lint(name, text).expect("a valid migration"))
        .collect();
    Report { files }
}

fn pg(sql: &str) -> Report {
    folder(Dialect::Postgres, &[("1_m.sql", sql)])
}

fn mysql(sql: &str) -> Report {
    folder(Dialect::Mysql, &[("1_m.sql", sql)])
}

fn rules(report: &Report) -> Vec<&'static str> {
    report.diagnostics().map(|d| d.rule).collect()
}

fn human(report: &Report) -> String {
    render(Format::Human, report, false)
}

#[track_caller]
fn clean(report: &Report) {
    assert!(report.diagnostics().next().is_none(), "{}", human(report));
}

#[test]
fn index_on_a_materialized_view_of_the_same_file() {
    clean(&pg("CREATE MATERIALIZED VIEW order_totals AS SELECT customer_id AS id, sum(amount) AS total FROM orders GROUP BY customer_id;\nCREATE UNIQUE INDEX order_totals_id ON order_totals (id);\n"));
    insta::assert_snapshot!(human(&pg(
        "CREATE UNIQUE INDEX order_totals_id ON order_totals (id);\n"
    )));
}

#[test]
fn a_new_table_stays_new_after_a_rename() {
    clean(&pg("CREATE TABLE accounts_new (id bigint, email text);\nALTER TABLE accounts_new RENAME TO accounts_v2;\nCREATE INDEX accounts_v2_email ON accounts_v2 (email);\n"));
    clean(&mysql("CREATE TABLE accounts_new (id bigint, email text);\nRENAME TABLE accounts_new TO accounts_v2;\nCREATE INDEX accounts_v2_email ON accounts_v2 (email);\n"));
    // A table created from a query is new too (and nobody uses it yet).
    clean(&pg("CREATE TABLE accounts_copy AS SELECT * FROM accounts;\nCREATE INDEX accounts_copy_email ON accounts_copy (email);\n"));
    insta::assert_snapshot!(human(&pg(
        "ALTER TABLE accounts_new RENAME TO accounts_v2;\nCREATE INDEX accounts_v2_email ON accounts_v2 (email);\n"
    )));
}

#[test]
fn a_table_renamed_in_an_earlier_file_of_the_change_stays_pending() {
    let linter = Linter::new(LintOptions::new(Dialect::Postgres));
    let mut folder = linter.folder(None);
    folder.change_starts();
    folder
        .lint("1_a.sql", "CREATE TABLE jobs_new (id bigint, state text);\nALTER TABLE jobs_new RENAME TO jobs_v2;\n")
        .expect("valid");
    let b = folder
        .lint(
            "2_b.sql",
            "CREATE INDEX jobs_v2_state ON jobs_v2 (state);\n",
        )
        .expect("valid");
    clean(&Report { files: vec![b] });
}

#[test]
fn unbatched_dml_is_about_bulk_changes_of_app_tables() {
    for sql in [
        "UPDATE pg_index SET indisvalid = true WHERE indexrelid = 'orders_idx'::regclass;",
        "UPDATE pg_catalog.pg_class SET relhasindex = true;",
        "CREATE TABLE schema_info (version int);\nINSERT INTO schema_info VALUES (1);\nUPDATE schema_info SET version = 2;",
        "DELETE FROM events WHERE id = (SELECT max(id) FROM events);",
        "UPDATE orders SET state = 'paid' WHERE orders.id BETWEEN 1 AND 5000;",
        "DELETE FROM sessions WHERE user_id IN (1, 2, 3);",
    ] {
        clean(&pg(sql));
    }
    clean(&mysql(
        "UPDATE mysql.user SET plugin = 'caching_sha2_password' WHERE user = 'app';",
    ));
    // A filter on something other than a key column bounds nothing; the message says so.
    insta::assert_snapshot!(human(&pg(
        "UPDATE documents SET body = '[]' WHERE json_length(body) = 0;\nUPDATE documents SET state = 'old' WHERE state = 'new';\nDELETE FROM documents;\n"
    )));
    insta::assert_snapshot!(human(&mysql(
        "UPDATE documents SET body = '[]' WHERE JSON_LENGTH(body) = 0;\n"
    )));
}

#[test]
fn drop_table_after_a_rename_or_of_a_scratch_table() {
    // The rename is the hazard and is reported once; dropping what was renamed away is not.
    let renamed = pg("ALTER TABLE ledger RENAME TO ledger_old;\nCREATE TABLE ledger (id bigint);\nDROP TABLE ledger_old;\n");
    assert_eq!(rules(&renamed), ["rename-table"], "{}", human(&renamed));
    let renamed = mysql("RENAME TABLE ledger TO ledger_old;\nDROP TABLE ledger_old;\n");
    assert_eq!(rules(&renamed), ["rename-table"], "{}", human(&renamed));
    clean(&pg("DROP TABLE IF EXISTS _work;\nCREATE TABLE _work AS SELECT id FROM ledger WHERE id < 100;\n"));
    // Dropped without being made again: a real drop.
    insta::assert_snapshot!(human(&pg(
        "DROP TABLE IF EXISTS _work;\nDROP TABLE ledger_old;\n"
    )));
}

#[test]
fn mysql_change_that_only_renames_or_also_changes_type_and_nullability() {
    let schema = "CREATE TABLE t (id INT PRIMARY KEY, old_name INT NOT NULL, n INT NULL);\n";
    // Only a rename: the definition restated as it was.
    let r = folder(
        Dialect::Mysql,
        &[
            ("1_t.sql", schema),
            (
                "2_c.sql",
                "ALTER TABLE t CHANGE old_name new_name INT NOT NULL;\n",
            ),
        ],
    );
    assert_eq!(rules(&r), ["rename-column"], "{}", human(&r));
    // Without the earlier definition the restated NOT NULL says nothing either.
    assert_eq!(
        rules(&mysql(
            "ALTER TABLE t CHANGE old_name new_name INT NOT NULL;\n"
        )),
        ["rename-column"]
    );
    // A type change with NOT NULL: both, each with its reason.
    let r = folder(
        Dialect::Mysql,
        &[
            ("1_t.sql", schema),
            ("2_c.sql", "ALTER TABLE t MODIFY n BIGINT NOT NULL;\n"),
        ],
    );
    insta::assert_snapshot!(human(&r));
}

#[test]
fn false_negatives_are_found() {
    // An unreadable clause does not hide the readable ones.
    let r = pg("ALTER TABLE orders ALTER COLUMN paid_at SET NOT NULL, ALTER CONSTRAINT orders_customer_fk NOT DEFERRABLE;\n");
    assert_eq!(rules(&r), ["set-not-null"], "{}", human(&r));
    // A foreign key on a table filled from a query validates every copied row while blocking
    // writes to the live referenced table.
    let r = pg("CREATE TABLE orders_copy AS SELECT * FROM orders;\nALTER TABLE orders_copy ADD CONSTRAINT orders_copy_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\n");
    assert_eq!(rules(&r), ["foreign-key-not-valid"], "{}", human(&r));
    clean(&pg("CREATE TABLE orders_copy (id bigint, customer_id bigint);\nALTER TABLE orders_copy ADD CONSTRAINT orders_copy_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);\n"));
    // SET LOGGED / UNLOGGED rewrite the table.
    let r = pg("ALTER TABLE events SET UNLOGGED;\nALTER TABLE events SET LOGGED;\n");
    assert_eq!(rules(&r), ["misc-rewrite", "misc-rewrite"], "{}", human(&r));
    // MySQL's BINARY attribute is a collation change: the table is copied.
    let r = mysql("ALTER TABLE users MODIFY email VARCHAR(255) BINARY;\n");
    assert_eq!(rules(&r), ["column-type-change"], "{}", human(&r));
    insta::assert_snapshot!(human(&pg(
        "ALTER TABLE orders ALTER COLUMN paid_at SET NOT NULL, ALTER CONSTRAINT orders_customer_fk NOT DEFERRABLE, FROBNICATE;\n"
    )));
}

#[test]
fn forms_the_parser_cannot_read_but_are_known() {
    for sql in [
        "ALTER TABLE orders ALTER CONSTRAINT orders_customer_fk DEFERRABLE INITIALLY DEFERRED;",
        "ALTER SEQUENCE orders_id_seq RENAME TO purchases_id_seq;",
        "ALTER SEQUENCE orders_id_seq OWNED BY orders.id;",
        "CREATE STATISTICS orders_stats (dependencies) ON customer_id, state FROM orders;",
        "DO $$\nBEGIN\n  CREATE TYPE mood AS ENUM ('ok');\nEXCEPTION WHEN duplicate_object THEN null;\nEND\n$$;",
        "ALTER TRIGGER orders_touch ON orders RENAME TO orders_touch_v2;",
        "CREATE FUNCTION total(p bigint) RETURNS numeric LANGUAGE sql STABLE COST 50 AS $$ SELECT 1 $$;",
        "CREATE SEQUENCE invoice_no AS integer START WITH 1000;",
        "COMMENT ON TABLE orders IS $$One row per order.$$;",
        "ALTER TABLE orders ALTER COLUMN state SET (n_distinct = 12);",
        "CREATE OR REPLACE RULE orders_keep AS ON DELETE TO orders DO INSTEAD NOTHING;",
    ] {
        clean(&pg(sql));
    }
    // A DO block that changes tables is still reported: its statements are not checked.
    let r = pg("DO $$ BEGIN ALTER TABLE orders ADD COLUMN note text; END $$;");
    assert_eq!(rules(&r), ["unparsed-statement"], "{}", human(&r));
    // The message names the clause, never `ALTER COLUMN`.
    let r = pg("ALTER TABLE orders ADD COLUMN note text, FROBNICATE;");
    let message = &r.diagnostics().next().expect("a finding").message;
    assert!(
        message.contains("`FROBNICATE`") && !message.contains("after ALTER COLUMN"),
        "{message}"
    );
}

#[test]
fn the_generated_corpus_is_read_almost_whole() {
    let linter = Linter::new(LintOptions::new(Dialect::Postgres));
    let mut folder = linter.folder(None);
    let (mut statements, mut unparsed) = (0, 0);
    for (name, text) in corpus::project(14, 300) {
        let file = folder.lint(&name, &text).expect("a valid migration");
        statements += file.statements;
        unparsed += file
            .diagnostics
            .iter()
            .filter(|d| d.rule == "unparsed-statement")
            .count();
    }
    assert!(statements > 2000, "{statements}");
    // At most 0.2% of statements unparsed (the corpus has every form of issue 14).
    assert!(
        unparsed * 500 <= statements,
        "{unparsed} of {statements} unparsed"
    );
}
