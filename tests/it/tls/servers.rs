//! Certificates made with the `openssl` command for one test (a CA, a server certificate it
//! signs, a client certificate, and an unrelated CA), and private PostgreSQL and MariaDB
//! servers that use them, each in its own temporary folder on a free port; dropping a server
//! stops it.

use crate::replication::{find_binary, free_port, is_root, missing, my_wait_connect, pg_bin, run};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The files of a test PKI.
pub struct Certs {
    /// The CA that signed the server's and the client's certificates.
    pub ca: PathBuf,
    /// A CA that signed nothing here.
    pub wrong_ca: PathBuf,
    pub server_cert: PathBuf,
    pub server_key: PathBuf,
    /// Issued to `client_name`.
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

fn openssl(dir: &Path, args: &[&str]) {
    run(Command::new("openssl").current_dir(dir).args(args));
}

/// A self-signed CA `name` in `dir`: `<name>.pem` and `<name>.key`.
fn make_ca(dir: &Path, name: &str) {
    let (pem, key) = (format!("{name}.pem"), format!("{name}.key"));
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &pem,
            "-days",
            "2",
            "-subj",
            &format!("/CN=bellows test {name}"),
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// `<name>.pem`/`<name>.key` for subject `cn`, signed by `ca`, with extensions `ext`.
fn make_leaf(dir: &Path, name: &str, cn: &str, ext: &str) {
    let (pem, key, csr) = (
        format!("{name}.pem"),
        format!("{name}.key"),
        format!("{name}.csr"),
    );
    let ext_file = format!("{name}.ext");
    std::fs::write(dir.join(&ext_file), ext).unwrap();
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            &key,
            "-out",
            &csr,
            "-subj",
            &format!("/CN={cn}"),
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            "2",
            "-extfile",
            &ext_file,
        ],
    );
}

impl Certs {
    /// Make the PKI in `dir`: the server certificate names `server_names` (e.g.
    /// `DNS:localhost,IP:127.0.0.1`), the client certificate `client_name`. `None` (after a
    /// loud message) without the `openssl` command.
    pub fn make(dir: &Path, server_names: &str, client_name: &str) -> Option<Certs> {
        find_binary("openssl").or_else(|| missing("the openssl command"))?;
        make_ca(dir, "ca");
        make_ca(dir, "wrong_ca");
        let leaf = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n";
        make_leaf(
            dir,
            "server",
            "bellows test server",
            &format!("{leaf}extendedKeyUsage=serverAuth\nsubjectAltName={server_names}\n"),
        );
        make_leaf(
            dir,
            "client",
            client_name,
            &format!("{leaf}extendedKeyUsage=clientAuth\n"),
        );
        Some(Certs {
            ca: dir.join("ca.pem"),
            wrong_ca: dir.join("wrong_ca.pem"),
            server_cert: dir.join("server.pem"),
            server_key: dir.join("server.key"),
            client_cert: dir.join("client.pem"),
            client_key: dir.join("client.key"),
        })
    }
}

/// A private PostgreSQL with TLS on, whose `pg_hba.conf` lets `postgres` in over TLS with
/// a client certificate only.
pub struct PgTls {
    pub port: u16,
    pub certs: Certs,
    bin: PathBuf,
    as_postgres: bool,
    dir: tempfile::TempDir,
}

impl PgTls {
    /// Start it; `None` when the binaries are missing.
    pub async fn start() -> Option<PgTls> {
        let Some(bin) = pg_bin() else {
            return missing("PostgreSQL server binaries (initdb, pg_ctl)");
        };
        let dir = tempfile::Builder::new()
            .prefix("bellows-pg-tls-")
            .tempdir()
            .unwrap();
        let certs = Certs::make(dir.path(), "DNS:localhost", "postgres")?;
        let server = PgTls {
            port: free_port(),
            certs,
            bin,
            as_postgres: is_root(),
            dir,
        };
        // PostgreSQL refuses to run as root, and wants its key private to its user.
        std::fs::set_permissions(
            &server.certs.server_key,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        if server.as_postgres {
            run(Command::new("chown")
                .args(["-R", "postgres:"])
                .arg(server.dir.path()));
        }
        let data = server.dir.path().join("data");
        run(server
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
            .arg(&data));
        std::fs::write(
            data.join("pg_hba.conf"),
            "local all all trust\n\
             hostssl all postgres 127.0.0.1/32 cert\n\
             hostssl all postgres ::1/128 cert\n",
        )
        .unwrap();
        let c = &server.certs;
        run(server
            .command("pg_ctl")
            .args(["start", "-w", "-t", "30", "-D"])
            .arg(&data)
            .arg("-l")
            .arg(data.with_extension("log"))
            .arg("-o")
            .arg(format!(
                "-c port={} -c listen_addresses=127.0.0.1 -k {} -c fsync=off -c shared_buffers=16MB \
                 -c ssl=on -c ssl_cert_file={} -c ssl_key_file={} -c ssl_ca_file={}",
                server.port,
                server.dir.path().display(),
                c.server_cert.display(),
                c.server_key.display(),
                c.ca.display()
            )));
        Some(server)
    }

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
}

impl Drop for PgTls {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["stop", "-m", "immediate", "-w", "-D"])
            .arg(self.dir.path().join("data"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A private MariaDB with TLS on (user `root` without password, from 127.0.0.1).
pub struct MariaTls {
    pub port: u16,
    pub certs: Certs,
    server: Child,
    _dir: tempfile::TempDir,
}

impl MariaTls {
    /// Start it and wait until it accepts connections; `None` when the binaries are missing.
    pub async fn start() -> Option<MariaTls> {
        let (Some(mariadbd), Some(install)) =
            (find_binary("mariadbd"), find_binary("mariadb-install-db"))
        else {
            return missing("MariaDB (mariadbd, mariadb-install-db)");
        };
        let dir = tempfile::Builder::new()
            .prefix("bellows-mariadb-tls-")
            .tempdir()
            .unwrap();
        let certs = Certs::make(
            dir.path(),
            "DNS:localhost,IP:127.0.0.1",
            "bellows_cert_user",
        )?;
        let data = dir.path().join("data");
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).unwrap();
        let mut cmd = Command::new(install);
        cmd.args([
            "--no-defaults",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ])
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--tmpdir={}", tmp.display()));
        if is_root() {
            cmd.arg("--user=root");
        }
        run(&mut cmd);
        let port = free_port();
        let server = spawn(&mariadbd, dir.path(), port, &certs);
        let started = MariaTls {
            port,
            certs,
            server,
            _dir: dir,
        };
        my_wait_connect(&format!("mysql://root@127.0.0.1:{port}")).await;
        Some(started)
    }
}

fn spawn(mariadbd: &Path, dir: &Path, port: u16, certs: &Certs) -> Child {
    let path = |name: &str| dir.join(name).display().to_string();
    let mut cmd = Command::new(mariadbd);
    cmd.arg("--no-defaults")
        .arg(format!("--datadir={}", path("data")))
        .arg(format!("--socket={}", path("mariadb.sock")))
        .arg(format!("--pid-file={}", path("mariadb.pid")))
        .arg(format!("--tmpdir={}", path("tmp")))
        .arg(format!("--log-error={}", path("mariadb.err")))
        .arg(format!("--port={port}"))
        .arg(format!("--ssl-ca={}", certs.ca.display()))
        .arg(format!("--ssl-cert={}", certs.server_cert.display()))
        .arg(format!("--ssl-key={}", certs.server_key.display()))
        .args([
            "--bind-address=127.0.0.1",
            "--skip-name-resolve",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=16M",
            "--innodb-log-file-size=8M",
            "--innodb-flush-log-at-trx-commit=0",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if is_root() {
        cmd.arg("--user=root");
    }
    cmd.spawn()
        .unwrap_or_else(|e| panic!("{}: {e}", mariadbd.display()))
}

impl Drop for MariaTls {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}
