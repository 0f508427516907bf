//! The demo's own SQL, on PostgreSQL (tokio-postgres) or MySQL/MariaDB (mysql_async): the
//! throwaway database, the seeded table, the apps' requests and the final checks. bellows
//! itself is only ever driven through its binary and its library.

use mysql_async::prelude::Queryable;
use tokio_postgres::NoTls;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Which server the demo runs against, from `DEMO_DATABASE_URL`'s scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Mysql,
}

impl Engine {
    pub fn of(url: &url::Url) -> Result<Engine, BoxError> {
        match url.scheme() {
            "postgres" | "postgresql" => Ok(Engine::Postgres),
            "mysql" | "mariadb" => Ok(Engine::Mysql),
            other => Err(format!(
                "DEMO_DATABASE_URL: `{other}://` is neither postgres:// nor mysql:// (or mariadb://)"
            )
            .into()),
        }
    }

    /// The `--dialect` of `bellows new`.
    pub fn dialect(self) -> &'static str {
        match self {
            Engine::Postgres => "postgres",
            Engine::Mysql => "mysql",
        }
    }

    /// The type of the demo's email columns.
    pub fn column_type(self) -> &'static str {
        match self {
            Engine::Postgres => "text",
            Engine::Mysql => "varchar(255)",
        }
    }

    /// The server's URL for creating and dropping the demo database.
    pub fn admin_url(self, url: &url::Url) -> url::Url {
        let mut admin = url.clone();
        admin.set_path(match self {
            Engine::Postgres => "/postgres",
            Engine::Mysql => "/",
        });
        admin
    }

    fn quote(self, name: &str) -> String {
        match self {
            Engine::Postgres => format!("\"{}\"", name.replace('"', "\"\"")),
            Engine::Mysql => format!("`{}`", name.replace('`', "``")),
        }
    }
}

/// One connection.
pub enum Db {
    Postgres(tokio_postgres::Client),
    Mysql(tokio::sync::Mutex<mysql_async::Conn>),
}

/// mysql_async reads only `mysql://`.
fn mysql_url(url: &url::Url) -> String {
    let mut url = url.clone();
    let _ = url.set_scheme("mysql");
    url.to_string()
}

impl Db {
    /// Connect; the error says how to start a server or pick another one.
    pub async fn connect(engine: Engine, url: &url::Url, shown: &str) -> Result<Db, BoxError> {
        let hint = |e: &dyn std::fmt::Display| {
            format!(
                "cannot connect to {shown} ({e}).\nIs the server running? scripts/services.sh \
                 starts the local ones; DEMO_DATABASE_URL picks another server."
            )
        };
        match engine {
            Engine::Postgres => {
                let (client, connection) = tokio_postgres::connect(url.as_str(), NoTls)
                    .await
                    .map_err(|e| {
                        let cause = std::error::Error::source(&e)
                            .map(|c| format!("{e}: {c}"))
                            .unwrap_or_else(|| e.to_string());
                        hint(&cause)
                    })?;
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                Ok(Db::Postgres(client))
            }
            Engine::Mysql => {
                let conn = mysql_async::Conn::from_url(mysql_url(url))
                    .await
                    .map_err(|e| hint(&e))?;
                Ok(Db::Mysql(tokio::sync::Mutex::new(conn)))
            }
        }
    }

    fn engine(&self) -> Engine {
        match self {
            Db::Postgres(_) => Engine::Postgres,
            Db::Mysql(_) => Engine::Mysql,
        }
    }

    /// Statements without results.
    pub async fn execute(&self, sql: &str) -> Result<(), BoxError> {
        match self {
            Db::Postgres(c) => c.batch_execute(sql).await?,
            Db::Mysql(c) => c.lock().await.query_drop(sql).await?,
        }
        Ok(())
    }

    /// The first column of the first row, as text (`None` for NULL or no row).
    pub async fn text(&self, sql: &str) -> Result<Option<String>, BoxError> {
        Ok(match self {
            Db::Postgres(c) => c.query_opt(sql, &[]).await?.and_then(|r| r.get(0)),
            Db::Mysql(c) => c
                .lock()
                .await
                .query_first::<Option<String>, _>(sql)
                .await?
                .flatten(),
        })
    }

    async fn number(&self, sql: &str) -> Result<i64, BoxError> {
        let text = self.text(sql).await?.unwrap_or_default();
        Ok(text.parse().map_err(|_| format!("{sql}: `{text}`"))?)
    }

    /// Drop and create the demo database `name` (at `url`), refusing one that holds anything
    /// but a previous demo's tables: the demo drops it again at the end.
    pub async fn recreate_database(&self, name: &str, url: &url::Url) -> Result<(), BoxError> {
        let engine = self.engine();
        let literal = format!("'{}'", name.replace('\'', "''"));
        let exists = match engine {
            Engine::Postgres => "SELECT CAST(count(*) AS text) FROM pg_database WHERE datname = ",
            Engine::Mysql => {
                "SELECT CAST(count(*) AS CHAR) FROM information_schema.schemata WHERE schema_name = "
            }
        };
        if self.number(&format!("{exists}{literal}")).await? > 0 {
            let foreign = match engine {
                // PostgreSQL shows a database's tables only inside it.
                Engine::Postgres => {
                    let existing = Db::connect(engine, url, name).await?;
                    existing
                        .text(
                            "SELECT min(schemaname || '.' || tablename) FROM pg_tables WHERE schemaname \
                             NOT IN ('pg_catalog', 'information_schema', 'bellows') AND tablename <> 'users'",
                        )
                        .await?
                }
                Engine::Mysql => {
                    self.text(&format!(
                        "SELECT MIN(table_name) FROM information_schema.tables WHERE table_schema = {literal} \
                         AND table_name <> 'users' AND table_name NOT LIKE 'bellows\\_%'"
                    ))
                    .await?
                }
            };
            if let Some(table) = foreign {
                return Err(format!(
                    "database {name} exists and has a table `{table}` the demo did not make: the demo \
                     drops its database at the end, so name a throwaway one in DEMO_DATABASE_URL"
                )
                .into());
            }
        }
        self.drop_database(name).await?;
        self.execute(&format!("CREATE DATABASE {}", engine.quote(name)))
            .await
    }

    pub async fn drop_database(&self, name: &str) -> Result<(), BoxError> {
        let quoted = self.engine().quote(name);
        match self.engine() {
            Engine::Postgres => {
                self.execute(&format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
                    .await
            }
            Engine::Mysql => {
                self.execute(&format!("DROP DATABASE IF EXISTS {quoted}"))
                    .await
            }
        }
    }

    /// The `users` table with `rows` rows, each with `column` filled.
    pub async fn seed(&self, column: &str, rows: u64) -> Result<(), BoxError> {
        match self.engine() {
            Engine::Postgres => self.execute(&format!(
                "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, {column} text NOT NULL); \
                 INSERT INTO users ({column}) SELECT 'user' || g || '@example.com' FROM generate_series(1, {rows}) g; \
                 ANALYZE users"
            ))
            .await,
            Engine::Mysql => {
                self.execute(&format!(
                    "CREATE TABLE users (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, {column} varchar(255) NOT NULL)"
                ))
                .await?;
                // 1..=rows from a cross join of as many digit tables as rows has digits.
                let digit = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 \
                             UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
                let places = rows.max(1).to_string().len();
                let n: Vec<String> = (0..places).map(|i| format!("d{i}.d * 1{}", "0".repeat(i))).collect();
                let from: Vec<String> = (0..places).map(|i| format!("{digit} d{i}")).collect();
                self.execute(&format!(
                    "INSERT INTO users ({column}) SELECT CONCAT('user', n, '@example.com') FROM \
                     (SELECT 1 + {} AS n FROM {}) s WHERE n <= {rows} ORDER BY n",
                    n.join(" + "),
                    from.join(", ")
                ))
                .await?;
                self.execute("ANALYZE TABLE users").await
            }
        }
    }

    /// `column` of row `id`.
    pub async fn read(&self, column: &str, id: i64) -> Result<Option<String>, BoxError> {
        self.text(&format!("SELECT {column} FROM users WHERE id = {id}"))
            .await
    }

    /// The columns of `users`, in order.
    pub async fn columns(&self) -> Result<Vec<String>, BoxError> {
        let schema = match self.engine() {
            Engine::Postgres => "current_schema()",
            Engine::Mysql => "DATABASE()",
        };
        let list = self
            .text(&format!(
                "SELECT {} FROM information_schema.columns WHERE table_schema = {schema} AND table_name = 'users'",
                match self.engine() {
                    Engine::Postgres =>
                        "string_agg(CAST(column_name AS text), ',' ORDER BY ordinal_position)",
                    Engine::Mysql =>
                        "GROUP_CONCAT(column_name ORDER BY ordinal_position SEPARATOR ',')",
                }
            ))
            .await?
            .unwrap_or_default();
        Ok(list.split(',').map(str::to_string).collect())
    }

    /// Rows in `users`, and those whose `column` is NULL.
    pub async fn counts(&self, column: &str) -> Result<(i64, i64), BoxError> {
        let cast = match self.engine() {
            Engine::Postgres => "text",
            Engine::Mysql => "CHAR",
        };
        Ok((
            self.number(&format!("SELECT CAST(count(*) AS {cast}) FROM users"))
                .await?,
            self.number(&format!(
                "SELECT CAST(count(*) AS {cast}) FROM users WHERE {column} IS NULL"
            ))
            .await?,
        ))
    }

    /// How many of the rows the apps wrote (`id`, value) are missing, or hold another value
    /// in `column`.
    pub async fn count_wrong(
        &self,
        column: &str,
        written: &[(i64, String)],
    ) -> Result<i64, BoxError> {
        let mut wrong = 0;
        for chunk in written.chunks(1000) {
            let ids: Vec<String> = chunk.iter().map(|(id, _)| id.to_string()).collect();
            let sql = format!(
                "SELECT id, {column} FROM users WHERE id IN ({})",
                ids.join(",")
            );
            let found: Vec<(i64, Option<String>)> = match self {
                Db::Postgres(c) => c
                    .query(&sql, &[])
                    .await?
                    .iter()
                    .map(|r| (r.get(0), r.get(1)))
                    .collect(),
                Db::Mysql(c) => c.lock().await.query(sql).await?,
            };
            for (id, value) in chunk {
                let same = found
                    .iter()
                    .any(|(i, v)| i == id && v.as_deref() == Some(value.as_str()));
                wrong += i64::from(!same);
            }
        }
        Ok(wrong)
    }

    /// One app request: insert a row through `column`, returning its id.
    pub async fn insert(&self, column: &str, value: &str) -> Result<i64, String> {
        match self {
            Db::Postgres(c) => c
                .query_one(
                    &format!("INSERT INTO users ({column}) VALUES ($1) RETURNING id"),
                    &[&value],
                )
                .await
                .map(|r| r.get(0))
                .map_err(|e| describe(&e)),
            Db::Mysql(c) => {
                let mut conn = c.lock().await;
                conn.exec_drop(format!("INSERT INTO users ({column}) VALUES (?)"), (value,))
                    .await
                    .map_err(|e| e.to_string())?;
                conn.last_insert_id()
                    .and_then(|id| i64::try_from(id).ok())
                    .ok_or_else(|| "no id from the INSERT".to_string())
            }
        }
    }

    /// One app request: set `column` of row `id`.
    pub async fn update(&self, column: &str, id: i64, value: &str) -> Result<(), String> {
        match self {
            Db::Postgres(c) => c
                .execute(
                    &format!("UPDATE users SET {column} = $1 WHERE id = $2"),
                    &[&value, &id],
                )
                .await
                .map(drop)
                .map_err(|e| describe(&e)),
            Db::Mysql(c) => c
                .lock()
                .await
                .exec_drop(
                    format!("UPDATE users SET {column} = ? WHERE id = ?"),
                    (value, id),
                )
                .await
                .map_err(|e| e.to_string()),
        }
    }

    /// One app request: read `column` of row `id`.
    pub async fn select(&self, column: &str, id: i64) -> Result<Option<String>, String> {
        match self {
            Db::Postgres(c) => c
                .query_one(&format!("SELECT {column} FROM users WHERE id = $1"), &[&id])
                .await
                .map(|r| r.get(0))
                .map_err(|e| describe(&e)),
            Db::Mysql(c) => c
                .lock()
                .await
                .exec_first::<Option<String>, _, _>(
                    format!("SELECT {column} FROM users WHERE id = ?"),
                    (id,),
                )
                .await
                .map(Option::flatten)
                .map_err(|e| e.to_string()),
        }
    }
}

/// A client error with the server's message (tokio-postgres' own text is just "db error").
fn describe(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => match std::error::Error::source(e) {
            Some(cause) => format!("{e}: {cause}"),
            None => e.to_string(),
        },
    }
}
