//! The state-schema upgrade from version 4 to 5 (environments, recorded contract
//! requirements, soak windows, retired environments), also after an interruption half way.

use super::{contract_with, library, table};
use crate::common::{migrations, settings, Engine, TestDb};

/// Take a version-5 state back to what version 4 had, keeping its rows.
async fn back_to_v4(db: &TestDb) {
    let t = |name| table(db.engine, name);
    for sql in [
        format!("ALTER TABLE {} DROP COLUMN environment", t("app_instances")),
        format!(
            "ALTER TABLE {} DROP COLUMN contract_requires",
            t("migrations")
        ),
        format!("DROP TABLE {}", t("gate_soak")),
        format!("DROP TABLE {}", t("retired_environments")),
        format!(
            "UPDATE {} SET v = '4' WHERE k = 'schema_version'",
            t("meta")
        ),
    ] {
        db.sql(&sql).await;
    }
}

/// Does bellows' table `name` have `column`?
async fn state_column(db: &TestDb, name: &str, column: &str) -> bool {
    let (schema, table_name) = match db.engine {
        Engine::Postgres => ("'bellows'".to_string(), name.to_string()),
        Engine::Mysql => ("DATABASE()".to_string(), format!("bellows_{name}")),
    };
    db.scalar(&format!(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = {schema} \
         AND table_name = '{table_name}' AND column_name = '{column}'"
    ))
    .await
    .is_some()
}

async fn state_version(db: &TestDb) -> Option<String> {
    db.scalar(&format!(
        "SELECT v FROM {} WHERE k = 'schema_version'",
        table(db.engine, "meta")
    ))
    .await
}

async fn from_version_4(engine: Engine) {
    let db = TestDb::new(engine, "state_v5").await;
    let file = contract_with("requires-app=\">=2.4.0\"");
    let dir = migrations(&[(file.0, &file.1)]);
    let app = library(&db, dir.path(), None);
    app.apply_expand().await.unwrap();
    let before = app.register_instance("shop", "2.3.0").await.unwrap();
    back_to_v4(&db).await;
    let mut runner = db.runner(dir.path(), settings()).await;
    // A version-4 state reads as before: no environment, nothing retired.
    let listed = runner.instances(None).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].environment, None);

    // Interrupted half way: the first statement ran, the version still says 4.
    db.sql(&format!(
        "ALTER TABLE {} ADD COLUMN environment varchar(255)",
        table(engine, "app_instances")
    ))
    .await;
    runner.prepare_state().await.unwrap();
    assert_eq!(state_version(&db).await.as_deref(), Some("5"));
    assert!(state_column(&db, "migrations", "contract_requires").await);
    assert!(state_column(&db, "app_instances", "environment").await);
    let listed = runner.instances(None).await.unwrap();
    assert_eq!(listed[0].app_version, "2.3.0", "rows kept");
    let retired = runner.retire_environment("blue").await.unwrap();
    assert!(retired.is_empty());
    let blue = library(&db, dir.path(), Some("blue"));
    let new = blue.register_instance("shop", "2.4.0").await.unwrap();
    let listed = runner.instances(None).await.unwrap();
    assert!(
        listed
            .iter()
            .any(|i| i.id == new.id() && i.environment.as_deref() == Some("blue")),
        "{listed:?}"
    );
    new.deregister().await.unwrap();
    before.deregister().await.unwrap();

    // An app rolled back to a build of an older bellows still registers (and is told).
    db.sql(&format!(
        "UPDATE {} SET v = '6' WHERE k = 'schema_version'",
        table(engine, "meta")
    ))
    .await;
    let older_build = blue.register_instance("shop", "2.4.0").await.unwrap();
    assert!(older_build.compatibility().is_compatible());
    older_build.deregister().await.unwrap();
    assert!(matches!(
        runner.expand().await,
        Err(bellows::Error::StateTooNew { found: 6, .. })
    ));
}

#[tokio::test]
async fn from_version_4_postgres() {
    from_version_4(Engine::Postgres).await;
}

#[tokio::test]
async fn from_version_4_mariadb() {
    from_version_4(Engine::Mysql).await;
}
