//! A private 3-node MariaDB Galera cluster on loopback ports, for the lease-lock tests:
//! Debian's `galera-4` provider and the installed `mariadbd`, each node in its own data
//! folder under one temporary folder, joined by `gcomm://` over 127.0.0.1 with rsync state
//! transfers. Dropping it kills the nodes and removes the folder (also when a test panics).
//! Missing binaries skip the test loudly, except under CI (`CI` set), where they fail.

use crate::replication::{find_binary, free_port, is_root, missing, my_text, run, wait_until};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Where Debian's `galera-4` puts the provider.
const PROVIDER: &str = "/usr/lib/galera/libgalera_smm.so";

/// Three Galera nodes: `nodes[i]` is `mysql://root@127.0.0.1:PORT` (no database).
pub struct Galera {
    pub nodes: Vec<String>,
    children: Vec<Child>,
    _dir: tempfile::TempDir,
}

/// The ports of one node: client, group communication, incremental and full state transfer.
struct Ports {
    client: u16,
    gcomm: u16,
    ist: u16,
    sst: u16,
}

impl Galera {
    /// Install three data folders, bootstrap the first node, join the two others, and wait
    /// until all three are synced; `None` when a binary is missing.
    pub async fn start() -> Option<Galera> {
        let (Some(server), Some(install), true, Some(_)) = (
            find_binary("mariadbd"),
            find_binary("mariadb-install-db"),
            Path::new(PROVIDER).exists(),
            find_binary("rsync"),
        ) else {
            return missing("MariaDB Galera (mariadbd, mariadb-install-db, galera-4, rsync)");
        };
        let dir = tempfile::Builder::new()
            .prefix("bellows-galera-")
            .tempdir()
            .unwrap();
        // As root the nodes run as `mysql`: rsync's state transfer refuses to run as root.
        let user = is_root().then_some("mysql");
        let ports: Vec<Ports> = (0..3)
            .map(|_| Ports {
                client: free_port(),
                gcomm: free_port(),
                ist: free_port(),
                sst: free_port(),
            })
            .collect();
        for n in 0..3 {
            std::fs::create_dir(dir.path().join(format!("n{n}.tmp"))).unwrap();
        }
        if let Some(user) = user {
            run(Command::new("chown")
                .args(["-R", &format!("{user}:")])
                .arg(dir.path()));
        }
        let installs: Vec<Child> = (0..3)
            .map(|n| {
                let data = dir.path().join(format!("n{n}"));
                let mut cmd = Command::new(&install);
                cmd.args(["--no-defaults", "--auth-root-authentication-method=normal"])
                    .arg("--skip-test-db")
                    .arg(format!("--datadir={}", data.display()))
                    .arg(format!("--tmpdir={}", data.with_extension("tmp").display()))
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped());
                if let Some(user) = user {
                    cmd.arg(format!("--user={user}"));
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
        let address = format!(
            "gcomm://{}",
            ports
                .iter()
                .map(|p| format!("127.0.0.1:{}", p.gcomm))
                .collect::<Vec<_>>()
                .join(",")
        );
        let nodes: Vec<String> = ports
            .iter()
            .map(|p| format!("mysql://root@127.0.0.1:{}", p.client))
            .collect();
        let mut cluster = Galera {
            nodes,
            children: Vec::new(),
            _dir: dir,
        };
        for (n, p) in ports.iter().enumerate() {
            let data = cluster._dir.path().join(format!("n{n}"));
            cluster
                .children
                .push(spawn_node(&server, &data, p, &address, n == 0, user));
            // The first node forms the cluster; the others join it once it is up.
            if n == 0 {
                cluster.wait_synced(0).await;
            }
        }
        for n in 1..3 {
            cluster.wait_synced(n).await;
        }
        Some(cluster)
    }

    /// Wait until node `n` answers and says it is synced with the cluster.
    async fn wait_synced(&self, n: usize) {
        let url = self.nodes[n].clone();
        wait_until(&format!("Galera node {n} to sync"), || async {
            match mysql_async::Conn::from_url(url.as_str()).await {
                Ok(conn) => {
                    let _ = conn.disconnect().await;
                }
                Err(_) => return false,
            }
            my_text(&url, "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'WSREP_LOCAL_STATE_COMMENT'")
                .await
                .as_deref()
                == Some("Synced")
        })
        .await;
    }
}

impl Drop for Galera {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn spawn_node(
    server: &Path,
    data: &Path,
    ports: &Ports,
    address: &str,
    bootstrap: bool,
    user: Option<&str>,
) -> Child {
    let file = |ext: &str| -> PathBuf { data.with_extension(ext) };
    let mut cmd = Command::new(server);
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", file("sock").display()))
        .arg(format!("--pid-file={}", file("pid").display()))
        .arg(format!("--tmpdir={}", file("tmp").display()))
        .arg(format!("--log-error={}", file("err").display()))
        .arg(format!("--port={}", ports.client))
        .args([
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=16M",
            "--innodb-log-file-size=8M",
            "--innodb-flush-log-at-trx-commit=0",
            "--binlog-format=ROW",
            "--innodb-autoinc-lock-mode=2",
            "--wsrep-on=ON",
            "--wsrep-sst-method=rsync",
            "--wsrep-cluster-name=bellows-test",
        ])
        .arg(format!("--wsrep-provider={PROVIDER}"))
        .arg(format!("--wsrep-cluster-address={address}"))
        .arg(format!("--wsrep-node-address=127.0.0.1:{}", ports.gcomm))
        .arg(format!(
            "--wsrep-provider-options=base_port={};ist.recv_addr=127.0.0.1:{};gcache.size=16M",
            ports.gcomm, ports.ist
        ))
        .arg(format!(
            "--wsrep-sst-receive-address=127.0.0.1:{}",
            ports.sst
        ))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if bootstrap {
        cmd.arg("--wsrep-new-cluster");
    }
    if let Some(user) = user {
        cmd.arg(format!("--user={user}"));
    }
    cmd.spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", server.display()))
}
