//! Private replication set-ups for the replica tests, started inside the test and leaving
//! the machine's servers alone: a PostgreSQL primary with a streaming standby, a MariaDB
//! primary with a replica. Each lives in its own temporary folder on free ports; dropping
//! it stops the servers and removes the folder (also when the test panics).
//!
//! A missing server binary skips the test with a loud message, except under CI (`CI` set),
//! where it fails.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to start or to reach a state a helper waits for.
const WAIT: Duration = Duration::from_secs(30);

/// `None` after a loud message when a binary is missing; a panic under CI.
pub fn missing<T>(what: &str) -> Option<T> {
    let message = format!("{what} not found: cannot start a private replication set-up");
    assert!(std::env::var_os("CI").is_none(), "{message}");
    // Straight to stderr: the test harness captures eprintln! of passing tests.
    let _ = writeln!(std::io::stderr(), "\n!!! SKIPPED: {message} !!!\n");
    None
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Run a set-up command to completion; panics with its output when it fails.
pub fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Poll `check` every 100 ms until it is true; panics with `what` after [`WAIT`].
pub async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !check().await {
        assert!(started.elapsed() < WAIT, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The folder of the PostgreSQL server binaries: `BELLOWS_PG_BIN`, or the newest
/// `/usr/lib/postgresql/*/bin` with `initdb`.
pub fn pg_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("BELLOWS_PG_BIN") {
        return Some(PathBuf::from(dir)).filter(|d| d.join("initdb").is_file());
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| {
            let e = e.ok()?;
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

/// A PostgreSQL primary and a standby streaming from it, trust authentication, user
/// `postgres`. The standby reports its replay position every second.
pub struct PgPair {
    /// `postgres://postgres@127.0.0.1:PORT` of the primary (no database).
    pub primary: String,
    /// The same for the standby.
    pub standby: String,
    standby_port: u16,
    bin: PathBuf,
    as_postgres: bool,
    dir: tempfile::TempDir,
}

impl PgPair {
    /// Start both servers and wait until the standby streams; `None` when the binaries
    /// are missing.
    pub async fn start() -> Option<PgPair> {
        let Some(bin) = pg_bin() else {
            return missing("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup)");
        };
        let dir = tempfile::Builder::new()
            .prefix("bellows-pg-pair-")
            .tempdir()
            .unwrap();
        // PostgreSQL refuses to run as root: its files and processes belong to `postgres`.
        let as_postgres = is_root();
        if as_postgres {
            run(Command::new("chown").arg("postgres:").arg(dir.path()));
        }
        let (primary_port, standby_port) = (free_port(), free_port());
        let pair = PgPair {
            primary: format!("postgres://postgres@127.0.0.1:{primary_port}"),
            standby: format!("postgres://postgres@127.0.0.1:{standby_port}"),
            standby_port,
            bin,
            as_postgres,
            dir,
        };
        let primary_dir = pair.dir.path().join("primary");
        run(pair
            .command("initdb")
            .args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
                "-E",
                "UTF8",
                "-D",
            ])
            .arg(&primary_dir));
        pair.pg_ctl_start(&primary_dir, primary_port, "");
        run(pair
            .command("pg_basebackup")
            .args([
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
            ])
            .args(["--no-sync", "-p", &primary_port.to_string(), "-D"])
            .arg(pair.dir.path().join("standby")));
        pair.start_standby().await;
        Some(pair)
    }

    /// Start the standby (again) and wait until it streams; it reports its replay position
    /// every second.
    pub async fn start_standby(&self) {
        self.pg_ctl_start(
            &self.dir.path().join("standby"),
            self.standby_port,
            " -c wal_receiver_status_interval=1",
        );
        let primary = self.primary.clone();
        wait_until("the standby to stream", || async {
            let client = crate::common::pg_client(&format!("{primary}/postgres")).await;
            client
                .query_opt(
                    "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'",
                    &[],
                )
                .await
                .unwrap()
                .is_some()
        })
        .await;
    }

    /// Stop the standby at once (it comes back with [`PgPair::start_standby`]).
    pub fn stop_standby(&self) {
        run(self
            .command("pg_ctl")
            .args(["stop", "-m", "immediate", "-w", "-D"])
            .arg(self.dir.path().join("standby")));
    }

    /// A command of the server binaries, run as `postgres` when this process is root.
    fn command(&self, name: &str) -> Command {
        let program = self.bin.join(name);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(program);
            cmd
        } else {
            Command::new(program)
        }
    }

    fn pg_ctl_start(&self, data: &Path, port: u16, extra: &str) {
        let socket_dir = self.dir.path().display();
        run(self
            .command("pg_ctl")
            .args(["start", "-w", "-t", "30", "-D"])
            .arg(data)
            .arg("-l")
            .arg(data.with_extension("log"))
            .arg("-o")
            .arg(format!(
                "-c port={port} -c listen_addresses=127.0.0.1 -k {socket_dir} -c fsync=off -c shared_buffers=16MB{extra}"
            )));
    }
}

impl Drop for PgPair {
    fn drop(&mut self) {
        for data in ["standby", "primary"] {
            let data = self.dir.path().join(data);
            if data.join("postmaster.pid").exists() {
                let _ = self
                    .command("pg_ctl")
                    .args(["stop", "-m", "immediate", "-w", "-D"])
                    .arg(&data)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status();
            }
        }
    }
}

/// `name` in `PATH` or the usual system folders.
pub fn find_binary(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A MariaDB primary (binary log on) and a replica of it, user `root` without password.
pub struct MariaPair {
    /// `mysql://root@127.0.0.1:PORT` of the primary (no database).
    pub primary: String,
    /// The same for the replica.
    pub replica: String,
    replica_port: u16,
    server: PathBuf,
    primary_server: Child,
    replica_server: Option<Child>,
    dir: tempfile::TempDir,
}

impl MariaPair {
    /// Start both servers and wait until the replica replicates; `None` when the binaries
    /// are missing.
    pub async fn start() -> Option<MariaPair> {
        let (Some(server), Some(install)) =
            (find_binary("mariadbd"), find_binary("mariadb-install-db"))
        else {
            return missing("MariaDB (mariadbd, mariadb-install-db)");
        };
        let dir = tempfile::Builder::new()
            .prefix("bellows-mariadb-pair-")
            .tempdir()
            .unwrap();
        let installs: Vec<Child> = ["primary", "replica"]
            .iter()
            .map(|name| {
                let tmp = dir.path().join(name).with_extension("tmp");
                std::fs::create_dir(&tmp).unwrap();
                let mut cmd = Command::new(&install);
                cmd.args([
                    "--no-defaults",
                    "--auth-root-authentication-method=normal",
                    "--skip-test-db",
                ])
                .arg(format!("--datadir={}", dir.path().join(name).display()))
                .arg(format!("--tmpdir={}", tmp.display()))
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
                if is_root() {
                    cmd.arg("--user=root");
                }
                cmd.spawn().unwrap()
            })
            .collect();
        for child in installs {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "mariadb-install-db: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let (primary_port, replica_port) = (free_port(), free_port());
        let primary_server = spawn_mariadbd(&server, dir.path(), "primary", primary_port);
        let mut pair = MariaPair {
            primary: format!("mysql://root@127.0.0.1:{primary_port}"),
            replica: format!("mysql://root@127.0.0.1:{replica_port}"),
            replica_port,
            replica_server: None,
            server,
            primary_server,
            dir,
        };
        pair.start_replica();
        my_wait_connect(&pair.primary).await;
        my_wait_connect(&pair.replica).await;
        my_exec(
            &pair.replica,
            &format!(
                "CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = {primary_port}, \
                 MASTER_USER = 'root', MASTER_CONNECT_RETRY = 1"
            ),
        )
        .await;
        my_exec(&pair.replica, "START SLAVE").await;
        pair.wait_caught_up().await;
        Some(pair)
    }

    /// Start the replica's server (again, on the same port and data); it resumes
    /// replication by itself.
    pub fn start_replica(&mut self) {
        self.replica_server = Some(spawn_mariadbd(
            &self.server,
            self.dir.path(),
            "replica",
            self.replica_port,
        ));
    }

    /// Shut the replica's server down (it comes back with [`MariaPair::start_replica`]).
    pub fn stop_replica(&mut self) {
        if let Some(mut child) = self.replica_server.take() {
            run(Command::new("kill").arg(child.id().to_string()));
            child.wait().unwrap();
        }
    }

    /// Wait until the replica runs and has applied everything the primary logged.
    pub async fn wait_caught_up(&self) {
        let (primary, replica) = (self.primary.clone(), self.replica.clone());
        wait_until("the replica to catch up", || async {
            let position = my_text(&primary, "SELECT @@gtid_binlog_pos").await;
            let status = my_row(&replica, "SHOW SLAVE STATUS").await;
            let field = |name: &str| {
                status
                    .as_ref()
                    .and_then(|r| r.get_opt::<String, _>(name)?.ok())
            };
            let applied = my_text(&replica, "SELECT @@gtid_slave_pos").await;
            field("Slave_IO_Running").as_deref() == Some("Yes")
                && field("Slave_SQL_Running").as_deref() == Some("Yes")
                && position == applied
        })
        .await;
    }
}

impl Drop for MariaPair {
    fn drop(&mut self) {
        for child in [Some(&mut self.primary_server), self.replica_server.as_mut()]
            .into_iter()
            .flatten()
        {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn_mariadbd(server: &Path, dir: &Path, name: &str, port: u16) -> Child {
    let data = dir.join(name);
    let id = if name == "primary" { 1 } else { 2 };
    let mut cmd = Command::new(server);
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!(
            "--socket={}",
            data.with_extension("sock").display()
        ))
        .arg(format!(
            "--pid-file={}",
            data.with_extension("pid").display()
        ))
        .arg(format!("--tmpdir={}", data.with_extension("tmp").display()))
        .arg(format!(
            "--log-error={}",
            data.with_extension("err").display()
        ))
        .arg(format!("--port={port}"))
        .arg(format!("--server-id={id}"))
        .args([
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M",
            "--innodb-log-file-size=8M",
            "--innodb-flush-log-at-trx-commit=0",
            "--sync-binlog=0",
            "--binlog-format=ROW",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if name == "primary" {
        cmd.arg(format!("--log-bin={}", dir.join("primary-bin").display()));
    } else {
        cmd.arg(format!(
            "--relay-log={}",
            dir.join("replica-relay").display()
        ));
    }
    if is_root() {
        cmd.arg("--user=root");
    }
    cmd.spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", server.display()))
}

pub async fn my_wait_connect(url: &str) {
    wait_until(&format!("{url} to accept connections"), || async {
        match mysql_async::Conn::from_url(url).await {
            Ok(conn) => {
                let _ = conn.disconnect().await;
                true
            }
            Err(_) => false,
        }
    })
    .await;
}

/// Run statements on the server at `url` (a URL with or without database).
pub async fn my_exec(url: &str, sql: &str) {
    use mysql_async::prelude::Queryable;
    let mut conn = mysql_async::Conn::from_url(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    conn.query_drop(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.disconnect().await;
}

/// The first row of a query.
pub async fn my_row(url: &str, sql: &str) -> Option<mysql_async::Row> {
    use mysql_async::prelude::Queryable;
    let mut conn = mysql_async::Conn::from_url(url)
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let row = conn
        .query_first(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = conn.disconnect().await;
    row
}

/// The first column of the first row, as text.
pub async fn my_text(url: &str, sql: &str) -> Option<String> {
    my_row(url, sql)
        .await
        .and_then(|r| r.get_opt::<Option<String>, _>(0)?.ok().flatten())
}
