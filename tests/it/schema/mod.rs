//! The schema model against real PostgreSQL and MariaDB: the live model read from the
//! catalog equals the model replayed from the same migrations, and a backfill finds a
//! mixed-case table beside a lower-case one.

mod mixed_case;

use crate::common::{Engine, TestDb};
use bellows::{db, replay_dump, replay_unknown, Migration};

/// Apply `files` statement by statement (a concurrent index build refuses a transaction),
/// then compare the live model with the replayed one.
async fn live_equals_replay(engine: Engine, files: &[(&str, &str)], names: bool) -> String {
    let test_db = TestDb::new(engine, "model").await;
    let mut migrations = Vec::new();
    for (name, text) in files {
        for statement in text.split(";\n").filter(|s| !s.trim().is_empty()) {
            test_db.sql(statement).await;
        }
        migrations.push(Migration::parse(name, text, engine.dialect()).unwrap());
    }
    let mut conn = db::connect(&test_db.parsed_url()).await.unwrap();
    let dialect = conn.dialect();
    let live = db::live_dump(conn.as_mut(), names).await.unwrap();
    let replayed = replay_dump(&migrations, dialect, names);
    assert_eq!(replay_unknown(&migrations, dialect), Vec::<String>::new());
    assert_eq!(
        live, replayed,
        "live (left) and replayed (right) models differ"
    );
    live
}

const PG_FILES: &[(&str, &str)] = &[
    (
        "1_users.sql",
        "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email varchar(200) NOT NULL UNIQUE, \
         name text COLLATE \"C\" DEFAULT 'x', age int CHECK (age > 0), created_at timestamptz NOT NULL DEFAULT now());\n\
         CREATE TABLE \"Orders\" (id serial PRIMARY KEY, user_id bigint REFERENCES users (id), total decimal(10, 2), \
         \"Note\" text, deleted_at timestamptz);\n",
    ),
    (
        "2_expand.sql",
        "-- bellows:expand\n\
         ALTER TABLE users ADD COLUMN primary_email varchar(200);\n\
         CREATE UNIQUE INDEX CONCURRENTLY users_primary_email_idx ON users (primary_email);\n\
         ALTER TABLE users ADD CONSTRAINT primary_email_nn CHECK (primary_email IS NOT NULL) NOT VALID;\n\
         CREATE INDEX CONCURRENTLY orders_live ON \"Orders\" (user_id) WHERE deleted_at IS NULL;\n\
         CREATE INDEX ON \"Orders\" (\"Note\", total);\n\
         CREATE FUNCTION users_sync() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.primary_email := NEW.email; RETURN NEW; END $$;\n\
         CREATE TRIGGER users_sync BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION users_sync();\n\
         CREATE VIEW user_names AS SELECT id, name FROM users;\n\
         -- bellows:backfill table=users key=id\n\
         UPDATE users SET primary_email = email WHERE primary_email IS NULL;\n\
         -- bellows:contract\n\
         ALTER TABLE users VALIDATE CONSTRAINT primary_email_nn;\n\
         ALTER TABLE users ALTER COLUMN primary_email SET NOT NULL;\n\
         ALTER TABLE users DROP CONSTRAINT primary_email_nn;\n\
         DROP TRIGGER users_sync ON users;\n\
         ALTER TABLE users DROP COLUMN email;\n",
    ),
    (
        "3_rename.sql",
        "ALTER TABLE \"Orders\" RENAME COLUMN user_id TO account_id;\n\
         ALTER TABLE users RENAME TO accounts;\n\
         ALTER TABLE \"Orders\" ALTER COLUMN total TYPE numeric(12,2), ALTER COLUMN \"Note\" SET DEFAULT '';\n\
         ALTER TABLE \"Orders\" ADD CONSTRAINT orders_total CHECK (total >= 0) NOT VALID;\n\
         ALTER INDEX users_primary_email_idx RENAME TO accounts_primary_email_idx;\n",
    ),
];

#[tokio::test]
async fn postgres_live_model_equals_the_replayed_one() {
    let live = live_equals_replay(Engine::Postgres, PG_FILES, true).await;
    // What the comparison covers, so that an empty or thin model cannot pass.
    for fact in [
        "table Orders",
        "column primary_email character varying(200) not-null",
        "column id bigint not-null identity=always",
        "collate=C",
        "unique index accounts_primary_email_idx (primary_email)",
        "index orders_live (account_id) partial",
        "index Orders_Note_total_idx (Note, total)",
        "check orders_total on (total) not-valid",
        "foreign key Orders_user_id_fkey (account_id) references accounts(id)",
        "view user_names uses accounts.name",
    ] {
        assert!(live.contains(fact), "{fact} missing from\n{live}");
    }
    assert!(!live.contains("trigger"), "{live}");
    assert!(
        !live.contains("column email "),
        "the dropped column is gone: {live}"
    );
}

const MARIADB_FILES: &[(&str, &str)] = &[
    (
        "1_users.sql",
        "CREATE TABLE users (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, email varchar(200) NOT NULL, \
         name varchar(50) COLLATE utf8mb4_bin DEFAULT 'x', age int CHECK (age > 0), UNIQUE KEY users_email (email));\n\
         CREATE TABLE `Orders` (id int NOT NULL PRIMARY KEY, user_id bigint, total decimal(10,2), \
         CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id));\n",
    ),
    (
        "2_expand.sql",
        "ALTER TABLE users ADD COLUMN primary_email varchar(200) NULL, ALGORITHM=INSTANT;\n\
         CREATE UNIQUE INDEX users_primary_email ON users (primary_email);\n\
         CREATE TRIGGER users_sync BEFORE INSERT ON users FOR EACH ROW SET NEW.primary_email = NEW.email;\n\
         ALTER TABLE users MODIFY primary_email varchar(200) NOT NULL;\n\
         ALTER TABLE `Orders` CHANGE total amount decimal(12,2) NOT NULL DEFAULT 0;\n\
         DROP TRIGGER users_sync;\n\
         ALTER TABLE users DROP COLUMN email;\n\
         RENAME TABLE users TO accounts;\n\
         CREATE VIEW user_names AS SELECT id, name FROM accounts;\n",
    ),
];

#[tokio::test]
async fn mariadb_live_model_equals_the_replayed_one() {
    let live = live_equals_replay(Engine::Mysql, MARIADB_FILES, false).await;
    for fact in [
        "table Orders",
        "column id bigint not-null identity=auto_increment",
        "column primary_email varchar(200) not-null",
        "collate=utf8mb4_bin",
        "unique index (primary_email)",
        "column amount decimal(12,2) not-null default",
        "foreign key (user_id) references accounts(id)",
        "check on (age)",
        "view user_names uses accounts.name",
    ] {
        assert!(live.contains(fact), "{fact} missing from\n{live}");
    }
}
