//! The lease lock on a real 3-node Galera cluster (slow lane: the cluster takes ~15 s to
//! form). `GET_LOCK` there holds on one node only, so without the lease two runners on two
//! nodes would both apply the same migration.

mod cluster;

use crate::common::{migrations, Engine, TestDb};
use crate::replication::wait_until;
use cluster::Galera;
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A folder holding a `bellows.toml` with a short lease, so renewals and expiry show fast.
fn short_lease() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bellows.toml"), "lease_expiry = \"1s\"\n").unwrap();
    dir
}

fn args<'a>(url: &'a str, dir: &'a Path, config: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut all = vec![
        "expand",
        "--database-url",
        url,
        "--migrations",
        dir.to_str().unwrap(),
        "--config",
        config.to_str().unwrap(),
    ];
    all.extend_from_slice(extra);
    all
}

/// `bellows expand` started in the background.
fn spawn_expand(url: &str, dir: &Path, config: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_bellows"))
        .args(args(url, dir, config, &[]))
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// The first column of the first row, or `None` (also when the query fails: the table may
/// not exist yet). The read waits until the node has applied what the cluster committed
/// before it (`wsrep_sync_wait`), as bellows' own reads do.
async fn try_text(url: &str, sql: &str) -> Option<String> {
    use mysql_async::prelude::Queryable;
    let mut conn = mysql_async::Conn::from_url(url).await.ok()?;
    conn.query_drop("SET SESSION wsrep_sync_wait = 15")
        .await
        .ok()?;
    let value: Option<Option<String>> = conn.query_first(sql).await.ok()?;
    let _ = conn.disconnect().await;
    value.flatten()
}

/// Wait until the migration lease is held, as `url`'s node sees it; the holder.
async fn wait_for_lease(url: &str) -> String {
    let sql = "SELECT holder FROM bellows_lease WHERE name = 'migrations'";
    wait_until("the lease to be taken", || async {
        try_text(url, sql).await.is_some()
    })
    .await;
    try_text(url, sql).await.unwrap()
}

async fn phase_events(url: &str) -> String {
    try_text(
        url,
        "SELECT CAST(count(*) AS CHAR) FROM bellows_events WHERE kind = 'phase'",
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn the_lease_lock_guards_a_galera_cluster() {
    let Some(cluster) = Galera::start().await else {
        return;
    };
    two_runners_on_two_nodes_one_applies(&cluster).await;
    a_killed_holder_is_taken_over_after_expiry(&cluster).await;
}

async fn two_runners_on_two_nodes_one_applies(cluster: &Galera) {
    let db = TestDb::on(Engine::Mysql, &cluster.nodes[0], "galera_two").await;
    let url = |n: usize| format!("{}/{}", cluster.nodes[n], db.name);
    let dir = migrations(&[(
        "1_slow.sql",
        "DO SLEEP(3);\nCREATE TABLE widgets (id int PRIMARY KEY);",
    )]);
    let config = short_lease();
    let config = config.path().join("bellows.toml");
    let first = spawn_expand(&url(0), dir.path(), &config);
    let holder = wait_for_lease(&url(1)).await;
    assert!(holder.contains(&format!("pid {}", first.id())), "{holder}");
    // Longer than the lease's expiry: only its renewals keep it.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let (code, _, err) = crate::common::bellows(
        &args(&url(1), dir.path(), &config, &["--lock-wait", "0s"]),
        dir.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("holds the migration lock"), "{err}");
    assert!(err.contains(&format!("pid {}", first.id())), "{err}");
    let out = first.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("1 slow"), "{stdout}");
    // The second runner finds nothing left to do, on a third node.
    let (code, stdout, err) =
        crate::common::bellows(&args(&url(2), dir.path(), &config, &[]), dir.path());
    assert_eq!(code, 0, "{stdout}{err}");
    assert_eq!(phase_events(&url(2)).await, "1");
    let left = try_text(&url(1), "SELECT CAST(count(*) AS CHAR) FROM bellows_lease").await;
    assert_eq!(left.as_deref(), Some("0"), "released leases leave no row");
    // The linter reads the flavour from the live server: a rewrite stalls the cluster.
    let file = dir.path().join("2_rebuild.sql");
    std::fs::write(&file, "ALTER TABLE widgets ENGINE=InnoDB;\n").unwrap();
    let (_, stdout, err) = crate::common::bellows(
        &["lint", "--database-url", &url(0), file.to_str().unwrap()],
        dir.path(),
    );
    assert!(stdout.contains("Total Order Isolation"), "{stdout}{err}");
}

async fn a_killed_holder_is_taken_over_after_expiry(cluster: &Galera) {
    let db = TestDb::on(Engine::Mysql, &cluster.nodes[0], "galera_kill").await;
    let url = |n: usize| format!("{}/{}", cluster.nodes[n], db.name);
    let dir = migrations(&[(
        "1_slow.sql",
        "DO SLEEP(2);\nCREATE TABLE gadgets (id int PRIMARY KEY);",
    )]);
    let config = short_lease();
    let config = config.path().join("bellows.toml");
    let mut first = spawn_expand(&url(0), dir.path(), &config);
    let pid = first.id();
    wait_for_lease(&url(1)).await;
    first.kill().unwrap(); // SIGKILL: no release, no last renewal.
    first.wait().unwrap();
    let (code, stdout, err) = crate::common::bellows(
        &args(&url(1), dir.path(), &config, &["--lock-wait", "30s"]),
        dir.path(),
    );
    assert_eq!(code, 0, "{stdout}{err}");
    assert!(err.contains("took over the migrations lease"), "{err}");
    assert!(err.contains(&format!("pid {pid}")), "{err}");
    assert!(stdout.contains("1 slow"), "{stdout}");
    assert_eq!(phase_events(&url(2)).await, "1");
    let table = try_text(&url(2), "SELECT CAST(count(*) AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'gadgets'").await;
    assert_eq!(table.as_deref(), Some("1"));
}
