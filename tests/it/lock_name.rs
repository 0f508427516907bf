//! The MySQL/MariaDB migration lock of a database whose name is long or multibyte: no panic
//! (a byte cut inside a character), and two long names that share a prefix take two
//! different locks.

use crate::common::{server_url, Engine};
use bellows::db::{connect, DatabaseUrl, Lock};

/// Creates the database named `name` (quoted, any characters) and drops it when dropped.
struct NamedDb {
    name: String,
}

impl NamedDb {
    async fn new(name: &str) -> NamedDb {
        let db = NamedDb {
            name: name.to_string(),
        };
        admin(&format!("DROP DATABASE IF EXISTS `{name}`")).await;
        admin(&format!("CREATE DATABASE `{name}`")).await;
        db
    }

    fn url(&self) -> DatabaseUrl {
        let mut url = url::Url::parse(&server_url(Engine::Mysql)).unwrap();
        url.set_path(&self.name);
        DatabaseUrl::parse(url.as_str()).unwrap()
    }
}

impl Drop for NamedDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS `{}`", self.name);
        std::thread::spawn(move || {
            tokio::runtime::Runtime::new()
                .unwrap()
                .block_on(admin(&sql));
        })
        .join()
        .unwrap();
    }
}

async fn admin(sql: &str) {
    use mysql_async::prelude::Queryable;
    let mut conn = mysql_async::Conn::from_url(server_url(Engine::Mysql))
        .await
        .unwrap();
    conn.query_drop(sql).await.unwrap();
    conn.disconnect().await.unwrap();
}

#[tokio::test]
async fn a_long_multibyte_database_name_takes_the_lock() {
    // "bellows:" + "lock_" is 13 bytes, then 2 bytes a character: byte 64 falls inside one.
    let name = format!("lock_{}_{}", "ü".repeat(40), std::process::id());
    assert!(name.len() > 64 && name.chars().count() <= 64);
    let db = NamedDb::new(&name).await;
    let url = db.url();
    let connected = tokio::spawn(async move {
        let mut conn = connect(&url).await.unwrap();
        let locked = conn.try_lock(Lock::Migrations).await.unwrap();
        conn.release_lock(Lock::Migrations).await.unwrap();
        locked
    })
    .await;
    assert!(
        connected.as_ref().is_ok_and(|locked| *locked),
        "the lock of `{name}`: {connected:?}"
    );
}

#[tokio::test]
async fn long_names_sharing_a_prefix_take_different_locks() {
    let prefix = format!("lockshare_{}_{}", std::process::id(), "x".repeat(44));
    let first = NamedDb::new(&format!("{prefix}_a")).await;
    let second = NamedDb::new(&format!("{prefix}_b")).await;
    assert!(first.name.len() + "bellows:".len() > 64);
    let mut a = connect(&first.url()).await.unwrap();
    let mut b = connect(&second.url()).await.unwrap();
    assert!(
        a.try_lock(Lock::Migrations).await.unwrap(),
        "the first database's lock"
    );
    assert!(
        b.try_lock(Lock::Migrations).await.unwrap(),
        "the second database's lock is another lock: a migration of one must not block the other"
    );
    // The same database still excludes a second runner.
    let mut a2 = connect(&first.url()).await.unwrap();
    assert!(
        !a2.try_lock(Lock::Migrations).await.unwrap(),
        "one lock per database"
    );
    let holder = a2.lock_holder(Lock::Migrations).await.unwrap_or_default();
    assert!(holder.contains("held by connection"), "{holder}");
    a.release_lock(Lock::Migrations).await.unwrap();
    b.release_lock(Lock::Migrations).await.unwrap();
}
