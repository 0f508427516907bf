//! Throwaway databases on the real servers, and helpers to build runners over a temporary
//! migrations folder.

use bellows::db::DatabaseUrl;
use bellows::engine::{CheckedMigrations, Runner, Settings};
use bellows::migration::load_dir;
use bellows::Dialect;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Server base URLs (override with env vars to point the suite elsewhere).
pub fn server_url(engine: Engine) -> String {
    match engine {
        Engine::Postgres => std::env::var("BELLOWS_TEST_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into()),
        Engine::Mysql => std::env::var("BELLOWS_TEST_MYSQL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into()),
    }
}

/// The two server families the suite runs against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Mysql,
}

impl Engine {
    pub fn dialect(self) -> Dialect {
        match self {
            Engine::Postgres => Dialect::Postgres,
            Engine::Mysql => Dialect::Mysql,
        }
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database created for one test and dropped when it goes out of scope.
pub struct TestDb {
    pub engine: Engine,
    pub name: String,
    pub url: String,
    /// The server's base URL (no database).
    server: String,
}

impl TestDb {
    pub async fn new(engine: Engine, label: &str) -> TestDb {
        TestDb::on(engine, &server_url(engine), label).await
    }

    /// A database on the server at `server` (a base URL without database).
    pub async fn on(engine: Engine, server: &str, label: &str) -> TestDb {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("bellows_t_{label}_{}_{n}", std::process::id());
        admin(engine, server, &format!("DROP DATABASE IF EXISTS {name}")).await;
        admin(engine, server, &format!("CREATE DATABASE {name}")).await;
        let url = format!("{server}/{name}");
        TestDb {
            engine,
            name,
            url,
            server: server.to_string(),
        }
    }

    pub fn parsed_url(&self) -> DatabaseUrl {
        DatabaseUrl::parse(&self.url).unwrap()
    }

    /// A runner over `dir` with test-friendly settings.
    pub async fn runner(&self, dir: &Path, settings: Settings) -> Runner {
        let migrations = load_dir(dir, self.engine.dialect()).unwrap();
        let checked = CheckedMigrations::new(migrations, self.engine.dialect()).unwrap();
        Runner::connect(&self.parsed_url(), checked, settings)
            .await
            .unwrap()
    }

    /// Run SQL on this database with a client that is not the code under test.
    pub async fn sql(&self, sql: &str) {
        match self.engine {
            Engine::Postgres => {
                let client = pg_client(&self.url).await;
                client
                    .batch_execute(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            Engine::Mysql => {
                use mysql_async::prelude::Queryable;
                let mut conn = mysql_async::Conn::from_url(&self.url).await.unwrap();
                conn.query_drop(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                conn.disconnect().await.unwrap();
            }
        }
    }

    /// Run SQL and return the server's error as text instead of panicking.
    pub async fn try_sql(&self, sql: &str) -> Result<(), String> {
        match self.engine {
            Engine::Postgres => pg_client(&self.url)
                .await
                .batch_execute(sql)
                .await
                .map_err(|e| format!("{e:?}")),
            Engine::Mysql => {
                use mysql_async::prelude::Queryable;
                let mut conn = mysql_async::Conn::from_url(&self.url).await.unwrap();
                let result = conn.query_drop(sql).await.map_err(|e| e.to_string());
                conn.disconnect().await.unwrap();
                result
            }
        }
    }

    /// One string value (first column of the first row), as text.
    pub async fn scalar(&self, sql: &str) -> Option<String> {
        match self.engine {
            Engine::Postgres => {
                let client = pg_client(&self.url).await;
                let rows = client
                    .simple_query(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                rows.into_iter().find_map(|m| match m {
                    tokio_postgres::SimpleQueryMessage::Row(r) => {
                        Some(r.get(0).map(str::to_string))
                    }
                    _ => None,
                })?
            }
            Engine::Mysql => {
                use mysql_async::prelude::Queryable;
                let mut conn = mysql_async::Conn::from_url(&self.url).await.unwrap();
                let v: Option<Option<String>> = conn
                    .query_first(sql)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                conn.disconnect().await.unwrap();
                v.flatten()
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let (engine, name, server) = (self.engine, self.name.clone(), self.server.clone());
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let sql = match engine {
                    Engine::Postgres => format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    Engine::Mysql => format!("DROP DATABASE IF EXISTS {name}"),
                };
                let _ = tokio::time::timeout(Duration::from_secs(10), admin(engine, &server, &sql))
                    .await;
            });
        })
        .join();
    }
}

/// Run a statement on the admin database of the server at `server`.
async fn admin(engine: Engine, server: &str, sql: &str) {
    match engine {
        Engine::Postgres => {
            let client = pg_client(&format!("{server}/postgres")).await;
            client
                .batch_execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        Engine::Mysql => {
            use mysql_async::prelude::Queryable;
            let mut conn = mysql_async::Conn::from_url(format!("{server}/mysql"))
                .await
                .unwrap();
            conn.query_drop(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            conn.disconnect().await.unwrap();
        }
    }
}

/// A tokio-postgres client whose connection task runs in the background.
pub async fn pg_client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// A temporary migrations folder with the given files.
pub fn migrations(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// Settings for tests: short lock timeout, quick retries.
pub fn settings() -> Settings {
    Settings::default()
        .with_lock_timeout(Duration::from_millis(500))
        .with_lock_retries(3)
        .with_lock_wait(Duration::ZERO)
        .with_actor("test")
}

/// Run the `bellows` binary; returns (exit code, stdout, stderr).
pub fn bellows(args: &[&str], cwd: &Path) -> (i32, String, String) {
    bellows_env(args, cwd, &[])
}

/// Run `bellows ARGS --database-url <db> --migrations <dir>` in `dir`.
pub fn bellows_on(db: &TestDb, dir: &Path, args: &[&str]) -> (i32, String, String) {
    let path = dir.to_str().unwrap_or_default();
    let all = [
        args,
        &["--database-url", db.url.as_str(), "--migrations", path][..],
    ]
    .concat();
    bellows(&all, dir)
}

/// Run the `bellows` binary with extra environment variables.
pub fn bellows_env(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bellows"))
        .args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
