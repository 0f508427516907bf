//! Migrations embedded in an application binary at build time: a build script writes a
//! manifest of `include_str!`s for the folder, and [`embedded_migrations!`](crate::embedded_migrations) reads it. The
//! embedded files are parsed exactly like files on disk, so their checksums match.
//!
//! In the application's `build.rs` (with bellows as a build dependency):
//! ```no_run
//! // build.rs: a migration bellows would refuse fails the build, naming its file and line.
//! if let Err(e) = bellows::embed::write_manifest("migrations", bellows::Dialect::Postgres) {
//!     panic!("{e}");
//! }
//! ```
//! and at startup:
//! ```ignore
//! let migrations = bellows::embedded_migrations!(bellows::Dialect::Postgres)?;
//! ```

use crate::{Error, Result};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The manifest's file name in `OUT_DIR`.
pub(crate) const MANIFEST: &str = "bellows_migrations.rs";

/// Check every migration of `dir` (relative to the crate's `Cargo.toml`) as bellows will
/// at startup on `dialect`, then write `$OUT_DIR/bellows_migrations.rs` listing its `.sql`
/// files and tell cargo to rebuild when the folder changes. Checked at build time, a
/// misspelled marker or a `BEGIN;` inside a phase fails `cargo build` with its file and line
/// instead of the app's startup.
///
/// # Errors
/// A migration bellows refuses ([`Error::MigrationFile`] and the others with a
/// [`Error::location`]); `OUT_DIR` not set (not running in a build script); the folder
/// cannot be read.
pub fn write_manifest(dir: impl AsRef<Path>, dialect: crate::Dialect) -> Result<PathBuf> {
    let out = std::env::var_os("OUT_DIR").ok_or_else(|| {
        Error::Config("OUT_DIR is not set: call write_manifest from build.rs".into())
    })?;
    let base = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(PathBuf::new, PathBuf::from);
    check(&base, dir.as_ref(), dialect)?;
    let dir = base.join(dir);
    let target = Path::new(&out).join(MANIFEST);
    std::fs::write(&target, manifest(&dir)?).map_err(|source| Error::Io {
        path: target.display().to_string(),
        source,
    })?;
    println!("cargo:rerun-if-changed={}", dir.display());
    Ok(target)
}

/// Parse and check the `.sql` files of `base/dir` as the runner would, naming them
/// `dir/<file>` in errors.
fn check(base: &Path, dir: &Path, dialect: crate::Dialect) -> Result<()> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| Error::Io { path, source }
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(base.join(dir)).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "sql") {
            let text = std::fs::read_to_string(&path).map_err(io(&path))?;
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            files.push((dir.join(name.as_ref()).display().to_string(), text));
        }
    }
    files.sort();
    let migrations =
        crate::migration::from_files(files.iter().map(|(n, t)| (n.as_str(), t.as_str())), dialect)?;
    crate::engine::CheckedMigrations::new(migrations, dialect).map(drop)
}

/// The manifest text for `dir`: a slice of `(file name, include_str!(path))`.
///
/// # Errors
/// The folder cannot be read.
pub fn manifest(dir: &Path) -> Result<String> {
    let io = |source| Error::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(std::result::Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "sql"))
        .collect();
    names.sort();
    let mut text = String::from("&[\n");
    for path in names {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let absolute = std::fs::canonicalize(&path).map_err(io)?;
        let _ = writeln!(
            text,
            "    ({name:?}, include_str!({:?})),",
            absolute.display().to_string()
        );
    }
    text.push(']');
    Ok(text)
}

/// The migrations embedded by [`write_manifest`], parsed for a dialect:
/// `bellows::embedded_migrations!(bellows::Dialect::Postgres)` returns
/// `bellows::Result<Vec<Migration>>`.
#[macro_export]
macro_rules! embedded_migrations {
    ($dialect:expr) => {{
        let files: &[(&str, &str)] = include!(concat!(
            env!(
                "OUT_DIR",
                "bellows::embedded_migrations! needs a build.rs that calls bellows::embed::write_manifest(\"migrations\", dialect) (and bellows under [build-dependencies])"
            ),
            "/bellows_migrations.rs"
        ));
        $crate::migration::from_files(files.iter().copied(), $dialect)
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_lists_every_sql_file_in_order() {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations-example");
        let text = manifest(&dir).unwrap();
        assert!(text.starts_with("&[\n") && text.ends_with(']'));
        let first = text.find("20261101090000_create_users.sql").unwrap();
        let last = text
            .find("20261110090000_rename_users_email_address.sql")
            .unwrap();
        assert!(first < last);
        assert!(!text.contains("mysql/"), "subfolders are not included");
    }

    #[test]
    fn a_broken_migration_is_named_with_its_line() {
        let base = tempfile::tempdir().unwrap();
        std::fs::create_dir(base.path().join("migrations")).unwrap();
        let write = |name: &str, text: &str| {
            std::fs::write(base.path().join("migrations").join(name), text).unwrap();
        };
        write("1_ok.sql", "CREATE TABLE a (id int);\n");
        check(
            base.path(),
            Path::new("migrations"),
            crate::Dialect::Postgres,
        )
        .unwrap();
        write(
            "2_tx.sql",
            "-- bellows:expand\nALTER TABLE a ADD COLUMN b int;\nBEGIN;\n",
        );
        let e = check(
            base.path(),
            Path::new("migrations"),
            crate::Dialect::Postgres,
        )
        .unwrap_err();
        assert_eq!(e.location(), Some(("migrations/2_tx.sql", Some(3))), "{e}");
        assert!(e.to_string().starts_with("migrations/2_tx.sql:3: "), "{e}");
    }
}
