//! Migrations embedded in an application binary at build time: a build script writes a
//! manifest of `include_str!`s for the folder, and [`embedded_migrations!`](crate::embedded_migrations) reads it. The
//! embedded files are parsed exactly like files on disk, so their checksums match.
//!
//! In the application's `build.rs` (with bellows as a build dependency):
//! ```no_run
//! // build.rs
//! bellows::embed::write_manifest("migrations").expect("embedding migrations");
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

/// Write `$OUT_DIR/bellows_migrations.rs` listing every `.sql` file of `dir` (relative to
/// the crate's `Cargo.toml`) and tell cargo to rebuild when the folder changes.
///
/// # Errors
/// `OUT_DIR` not set (not running in a build script), or the folder cannot be read.
pub fn write_manifest(dir: impl AsRef<Path>) -> Result<PathBuf> {
    let out = std::env::var_os("OUT_DIR").ok_or_else(|| {
        Error::Config("OUT_DIR is not set: call write_manifest from build.rs".into())
    })?;
    let base = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(PathBuf::new, PathBuf::from);
    let dir = base.join(dir);
    let target = Path::new(&out).join(MANIFEST);
    std::fs::write(&target, manifest(&dir)?).map_err(|source| Error::Io {
        path: target.display().to_string(),
        source,
    })?;
    println!("cargo:rerun-if-changed={}", dir.display());
    Ok(target)
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
        let files: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/bellows_migrations.rs"));
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
}
