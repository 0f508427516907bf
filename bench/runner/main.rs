//! The runner's own cost (not a test, not in CI), per engine, in one run:
//! 1. applying N small migrations (default 200) to an empty database: `bellows up` against
//!    sqlx-cli's `sqlx migrate run` on the same files, each on a fresh database, alternating
//!    which goes first, R rounds (default 3);
//! 2. the library's startup with nothing pending: `Bellows::connect` + `apply_expand` +
//!    `register_instance` on the database the N migrations were applied to, against a bare
//!    connect + `SELECT 1` in the same run.
//!
//! ```text
//! cargo install sqlx-cli --version 0.8.6 --no-default-features \
//!     --features postgres,mysql,native-tls --locked --root /work/sqlx-cli
//! cargo build --release --bin bellows --example bench_runner
//! target/release/examples/bench_runner postgres [N] [ROUNDS]
//! target/release/examples/bench_runner mariadb 200 3
//! ```
//! Servers: `BENCH_PG` (default postgres://postgres@127.0.0.1:5432) and `BENCH_MYSQL`
//! (default mysql://root@127.0.0.1:3306); binaries: `BELLOWS_BIN` (default
//! target/release/bellows), `SQLX_BIN` (default /work/sqlx-cli/bin/sqlx).

use mysql_async::prelude::Queryable;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Engine {
    Postgres,
    Mariadb,
}

fn server(engine: Engine) -> String {
    match engine {
        Engine::Postgres => std::env::var("BENCH_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into()),
        Engine::Mariadb => {
            std::env::var("BENCH_MYSQL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
        }
    }
}

/// Drop and create database `name`.
async fn fresh(engine: Engine, name: &str) {
    let base = server(engine);
    match engine {
        Engine::Postgres => {
            let (c, conn) =
                tokio_postgres::connect(&format!("{base}/postgres"), tokio_postgres::NoTls)
                    .await
                    .expect("connect");
            tokio::spawn(conn);
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .expect("drop");
            c.batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create");
        }
        Engine::Mariadb => {
            let mut c = mysql_async::Conn::from_url(format!("{base}/mysql"))
                .await
                .expect("connect");
            c.query_drop(format!("DROP DATABASE IF EXISTS {name}"))
                .await
                .expect("drop");
            c.query_drop(format!("CREATE DATABASE {name}"))
                .await
                .expect("create");
            c.disconnect().await.expect("disconnect");
        }
    }
}

/// N small migrations, the same files for both tools: odd versions create a table with an
/// index, even ones add a nullable column to it.
fn write_migrations(dir: &Path, n: u32) {
    for v in 1..=n {
        let (name, sql) = if v % 2 == 1 {
            (
                format!("create_t{v}"),
                format!(
                    "CREATE TABLE t{v} (id bigint PRIMARY KEY, name varchar(100) NOT NULL);\n\
                     CREATE INDEX t{v}_name_idx ON t{v} (name);\n"
                ),
            )
        } else {
            (
                format!("add_note_t{}", v - 1),
                format!(
                    "ALTER TABLE t{} ADD COLUMN note varchar(200) NULL;\n",
                    v - 1
                ),
            )
        };
        std::fs::write(dir.join(format!("{v}_{name}.sql")), sql).expect("write a migration");
    }
}

/// Run a command; its wall time (panics with its output when it fails).
fn timed(cmd: &mut Command) -> Duration {
    let t = Instant::now();
    let out = cmd.output().expect("run");
    let took = t.elapsed();
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn load() -> String {
    let l = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    format!(
        "load average {}",
        l.split_whitespace().take(3).collect::<Vec<_>>().join(", ")
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let engine = match args.get(1).map(String::as_str) {
        Some("mariadb" | "mysql") => Engine::Mariadb,
        _ => Engine::Postgres,
    };
    let n: u32 = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(200);
    let rounds: usize = args.get(3).and_then(|v| v.parse().ok()).unwrap_or(3);
    let bellows = std::env::var("BELLOWS_BIN")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target/release/bellows").into());
    let sqlx = std::env::var("SQLX_BIN").unwrap_or_else(|_| "/work/sqlx-cli/bin/sqlx".into());
    let dir = tempfile::tempdir().expect("tempdir");
    write_migrations(dir.path(), n);
    let base = server(engine);
    let name = if engine == Engine::Postgres {
        "PostgreSQL"
    } else {
        "MariaDB"
    };
    println!("{name}: {n} migrations, {rounds} rounds; {}", load());

    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        fresh(engine, "bellows_bench_runner_b").await;
        fresh(engine, "bellows_bench_runner_s").await;
        let run_bellows = || {
            timed(
                Command::new(&bellows)
                    .args(["up", "--database-url"])
                    .arg(format!("{base}/bellows_bench_runner_b"))
                    .arg("--migrations")
                    .arg(dir.path()),
            )
        };
        let run_sqlx = || {
            timed(
                Command::new(&sqlx)
                    .args(["migrate", "run", "--source"])
                    .arg(dir.path())
                    .arg("--database-url")
                    .arg(format!("{base}/bellows_bench_runner_s")),
            )
        };
        let (b, s) = if round % 2 == 0 {
            let b = run_bellows();
            (b, run_sqlx())
        } else {
            let s = run_sqlx();
            (run_bellows(), s)
        };
        println!(
            "round {round}: bellows up {}, sqlx migrate run {}, ratio {:.2}; {}",
            ms(b),
            ms(s),
            b.as_secs_f64() / s.as_secs_f64(),
            load()
        );
        ours.push(b);
        theirs.push(s);
    }
    let (b, s) = (median(ours), median(theirs));
    println!(
        "median: bellows up {}, sqlx migrate run {}, ratio {:.2} ({:.2} ms vs {:.2} ms per migration)",
        ms(b),
        ms(s),
        b.as_secs_f64() / s.as_secs_f64(),
        b.as_secs_f64() * 1000.0 / f64::from(n),
        s.as_secs_f64() * 1000.0 / f64::from(n)
    );

    startup(
        engine,
        &format!("{base}/bellows_bench_runner_b"),
        dir.path(),
    )
    .await;
}

/// The library's startup with nothing pending, 20 times in a row, against bare connects.
async fn startup(engine: Engine, url: &str, dir: &Path) {
    let dialect = if engine == Engine::Postgres {
        bellows::Dialect::Postgres
    } else {
        bellows::Dialect::Mariadb
    };
    let migrations = bellows::migration::load_dir(dir, dialect).expect("load the folder");
    let (mut total, mut expand, mut register, mut bare) = (vec![], vec![], vec![], vec![]);
    for _ in 0..20 {
        let t = Instant::now();
        let app = bellows::Bellows::connect(url, migrations.clone()).expect("connect");
        let applied = app.apply_expand().await.expect("apply_expand");
        assert!(applied.is_empty(), "nothing pending");
        let t1 = Instant::now();
        let instance = app
            .register_instance("bench", "1.0.0")
            .await
            .expect("register_instance");
        let t2 = Instant::now();
        total.push(t2 - t);
        expand.push(t1 - t);
        register.push(t2 - t1);
        instance.deregister().await.expect("deregister");

        let t = Instant::now();
        match engine {
            Engine::Postgres => {
                use sqlx::Connection;
                let mut c = sqlx::PgConnection::connect(url).await.expect("connect");
                sqlx::query("SELECT 1")
                    .execute(&mut c)
                    .await
                    .expect("select");
                bare.push(t.elapsed());
                c.close().await.expect("close");
            }
            Engine::Mariadb => {
                use sqlx::Connection;
                let mut c = sqlx::MySqlConnection::connect(url).await.expect("connect");
                sqlx::query("SELECT 1")
                    .execute(&mut c)
                    .await
                    .expect("select");
                bare.push(t.elapsed());
                c.close().await.expect("close");
            }
        }
    }
    let max = |v: &[Duration]| v.iter().max().copied().unwrap_or_default();
    println!(
        "startup, nothing pending ({} migrations applied), 20 in a row: apply_expand + register_instance median {} (max {}): apply_expand {}, register_instance {}; same-run bare connect + SELECT 1: median {} (max {}); {}",
        migrations.len(),
        ms(median(total.clone())),
        ms(max(&total)),
        ms(median(expand)),
        ms(median(register)),
        ms(median(bare.clone())),
        ms(max(&bare)),
        load()
    );
}
