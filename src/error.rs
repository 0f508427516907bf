//! The library's one error type. Variants carry what a caller acts on; the CLI renders them
//! for humans and maps them to exit codes.

use std::time::Duration;

/// Everything that can go wrong in bellows.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Configuration or flags are invalid.
    #[error("configuration: {0}")]
    Config(String),

    /// The migrations folder does not exist.
    #[error("migrations folder `{0}` not found")]
    MigrationsFolder(String),

    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },

    /// A migration file is malformed.
    #[error("{file}{}: {message}", .line.map(|l| format!(":{l}")).unwrap_or_default())]
    MigrationFile {
        /// The file.
        file: String,
        /// The line, where the problem has one.
        line: Option<usize>,
        /// What is wrong and how to fix it.
        message: String,
    },

    /// Two migration files have the same version.
    #[error(
        "version {version} is used twice: {first} and {second}; give one of them a new version"
    )]
    DuplicateVersion {
        /// The version.
        version: i64,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },

    /// The database URL is not usable (the password is never part of the message).
    #[error("database URL: {0}")]
    Url(String),

    /// The database could not be reached or refused the login.
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The URL, password redacted.
        url: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// A query of bellows' own failed.
    #[error("{context}: {source}")]
    Database {
        /// What bellows was doing.
        context: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// A statement of a migration failed; nothing of its step was kept.
    #[error("{file}:{line}: {phase} phase of migration {version} failed: {source}")]
    Statement {
        /// The migration version.
        version: i64,
        /// The phase.
        phase: crate::PhaseKind,
        /// The file.
        file: String,
        /// The statement's first line.
        line: usize,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// The connection to the server was lost; the next run resumes where this one stopped.
    #[error("the connection to the server was lost {during}: rerun to resume")]
    ConnectionLost {
        /// What was running, e.g. "during statement 3 of 20261110090000 rename (expand
        /// phase, file.sql:12)".
        during: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// On MySQL/MariaDB, the statement a resumed phase starts with failed in a way that
    /// says it may already have taken effect in the interrupted run (DDL commits before
    /// bellows can record it).
    #[error("{file}:{line}: {phase} phase of migration {version}, resumed at this statement: it failed with `{source}`. MySQL commits each DDL statement before bellows can record it, so if the last run was interrupted right after it, it has already taken effect: check the schema. If it has, make the statement idempotent (IF EXISTS / IF NOT EXISTS on MariaDB) or delete it (a statement not recorded as done is not drift) and rerun; if it has not, fix the statement")]
    MaybeAlreadyApplied {
        /// The migration version.
        version: i64,
        /// The phase.
        phase: crate::PhaseKind,
        /// The file.
        file: String,
        /// The statement's first line.
        line: usize,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },

    /// Another runner holds the migration lock.
    #[error("another bellows run holds the migration lock{}; waited {waited:?}", .holder.as_ref().map(|h| format!(" ({h})")).unwrap_or_default())]
    LockBusy {
        /// Who holds it, where the database says.
        holder: Option<String>,
        /// How long this run waited.
        waited: Duration,
    },

    /// A statement kept hitting the lock timeout.
    #[error("{file}:{line}: gave up after {attempts} attempts: the lock was not granted within {lock_timeout:?} each time{}", .blocker.as_ref().map(|b| format!("; blocked by {b}")).unwrap_or_default())]
    LockTimeout {
        /// The file.
        file: String,
        /// The statement's first line.
        line: usize,
        /// Attempts made.
        attempts: u32,
        /// The lock timeout in force.
        lock_timeout: Duration,
        /// The session that blocked the last attempt, where known.
        blocker: Option<String>,
    },

    /// An applied phase changed on disk since it ran.
    #[error("migration {version} ({name}): the {phase} phase changed since it was applied (checksum drift)\n{diff}")]
    Drift {
        /// The version.
        version: i64,
        /// The name.
        name: String,
        /// The phase that changed.
        phase: crate::PhaseKind,
        /// A line diff: applied → on disk.
        diff: String,
    },

    /// The command was refused: the state or the gate does not allow it.
    #[error("{0}")]
    Refused(String),

    /// A backfill cannot run safely as written; nothing was touched.
    #[error("{file}:{line}: backfill of migration {version}: {message}")]
    Backfill {
        /// The migration version.
        version: i64,
        /// The file.
        file: String,
        /// The statement's first line.
        line: usize,
        /// Why, and what to change.
        message: String,
    },

    /// A pending migration is older than one already applied (a branch merged late).
    #[error("migration {version} is pending but the later migration {later} is already applied: applying {version} now would run it out of order")]
    OutOfOrder {
        /// The pending migration.
        version: i64,
        /// The latest migration already applied.
        later: i64,
    },

    /// The database has applied migrations and none of them is in the folder.
    #[error("the database has {applied} applied migration(s), none of them among the {on_disk} migration file(s) of the folder given: is it the right folder?")]
    ForeignFolder {
        /// Migrations recorded in the database.
        applied: usize,
        /// Migration files in the folder.
        on_disk: usize,
    },

    /// No migration with this version.
    #[error("no migration with version {0} in the migrations folder")]
    UnknownVersion(i64),

    /// The state tables were written by a newer bellows.
    #[error("the bellows state in this database has schema version {found}, newer than this binary supports ({supported}); upgrade bellows")]
    StateTooNew {
        /// Version found in the database.
        found: i64,
        /// Newest version this binary knows.
        supported: i64,
    },
}

/// What the caller can do about an error, as a setting: the CLI names its flag, an
/// application its [`crate::engine::Settings`] field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Remedy {
    /// Restore the file, or allow the drift if the change is intended
    /// (`Settings::allow_drift`).
    AllowDrift,
    /// Retry later, or wait longer for the migration lock (`Settings::lock_wait`).
    WaitLonger,
    /// Point bellows at the right migrations folder.
    MigrationsFolder,
    /// Apply a late-merged migration out of order, if its changes do not depend on the
    /// order (`Settings::allow_out_of_order`).
    AllowOutOfOrder,
}

impl Error {
    /// bellows refused (the state, the drift check or the gate said no; waiting or a fix may
    /// help), as opposed to failing to do the work (input, connection, database errors).
    #[must_use]
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Error::Refused(_)
                | Error::Drift { .. }
                | Error::UnknownVersion(_)
                | Error::OutOfOrder { .. }
                | Error::ForeignFolder { .. }
        )
    }

    /// What the caller can change to get past this error, where a setting helps.
    #[must_use]
    pub fn remedy(&self) -> Option<Remedy> {
        match self {
            Error::Drift { .. } => Some(Remedy::AllowDrift),
            Error::LockBusy { .. } => Some(Remedy::WaitLonger),
            Error::MigrationsFolder(_) | Error::ForeignFolder { .. } => {
                Some(Remedy::MigrationsFolder)
            }
            Error::OutOfOrder { .. } => Some(Remedy::AllowOutOfOrder),
            _ => None,
        }
    }

    /// The file and line the error points at, when it has one.
    #[must_use]
    pub fn location(&self) -> Option<(&str, Option<usize>)> {
        match self {
            Error::MigrationFile { file, line, .. } => Some((file, *line)),
            Error::Statement { file, line, .. }
            | Error::MaybeAlreadyApplied { file, line, .. }
            | Error::LockTimeout { file, line, .. }
            | Error::Backfill { file, line, .. } => Some((file, Some(*line))),
            _ => None,
        }
    }

    pub(crate) fn db(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> Error {
        let context = context.into();
        move |source| {
            if crate::db::connection_lost(&source) {
                Error::ConnectionLost {
                    during: format!("({context})"),
                    source,
                }
            } else {
                Error::Database { context, source }
            }
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
