//! Finding migration files in a folder: `<version>_<name>.sql`, and sqlx's
//! `<version>_<name>.up.sql` / `.down.sql` pairs read as expand / down.

use super::parse::build;
use super::{Directives, Migration, PhaseKind};
use crate::sql::Dialect;
use crate::Error;
use std::collections::BTreeMap;
use std::path::Path;

/// The parts of a migration file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileName {
    /// The numeric version.
    pub version: i64,
    /// The descriptive name.
    pub name: String,
    /// `Some(true)` for `.up.sql`, `Some(false)` for `.down.sql`, `None` for plain `.sql`.
    pub up: Option<bool>,
}

/// Parse `<version>_<name>.sql`, `.up.sql` or `.down.sql`.
#[must_use]
pub(crate) fn parse_file_name(file_name: &str) -> Option<FileName> {
    let stem = file_name.strip_suffix(".sql")?;
    let (stem, up) = if let Some(s) = stem.strip_suffix(".up") {
        (s, Some(true))
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Some(false))
    } else {
        (stem, None)
    };
    let (version, name) = stem.split_once('_').unwrap_or((stem, ""));
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(FileName {
        version: version.parse().ok()?,
        name: name.to_string(),
        up,
    })
}

/// Load every migration in `dir`, sorted by version. Files not ending in `.sql` are ignored.
///
/// # Errors
/// The folder or a file cannot be read, a `.sql` file name has no version, a file is
/// malformed, two files share a version, or a `.down.sql` has no `.up.sql`.
pub fn load_dir(dir: &Path, dialect: Dialect) -> Result<Vec<Migration>, Error> {
    let entries = std::fs::read_dir(dir).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            Error::MigrationsFolder(dir.display().to_string())
        } else {
            Error::Io {
                path: dir.display().to_string(),
                source,
            }
        }
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Io {
            path: shown.clone(),
            source,
        })?;
        files.push((shown, text));
    }
    from_files(files.iter().map(|(p, t)| (p.as_str(), t.as_str())), dialect)
}

/// Build migrations from `(path, text)` pairs: the files of a folder, or files embedded in
/// the binary at compile time (see [`crate::embedded_migrations!`]). Same parsing, same
/// checksums.
///
/// # Errors
/// As [`load_dir`], without the I/O.
pub fn from_files<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a str)>,
    dialect: Dialect,
) -> Result<Vec<Migration>, Error> {
    let mut by_version: BTreeMap<i64, Migration> = BTreeMap::new();
    let mut downs = Vec::new();
    for (path, text) in files {
        let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        if parse_file_name(file_name).is_some_and(|f| f.up == Some(false)) {
            downs.push((path, text));
            continue;
        }
        let migration = Migration::parse(path, text, dialect)?;
        if let Some(first) = by_version.get(&migration.version) {
            return Err(Error::DuplicateVersion {
                version: migration.version,
                first: first.path.clone(),
                second: path.to_string(),
            });
        }
        by_version.insert(migration.version, migration);
    }
    downs.sort_by_key(|(p, _)| *p);
    for (path, text) in downs {
        attach_down(&mut by_version, path, text, dialect)?;
    }
    Ok(by_version.into_values().collect())
}

/// Attach a sqlx `.down.sql` file as the down phase of its `.up.sql` migration.
fn attach_down(
    by_version: &mut BTreeMap<i64, Migration>,
    path: &str,
    text: &str,
    dialect: Dialect,
) -> Result<(), Error> {
    let file_error = |message: String| Error::MigrationFile {
        file: path.to_string(),
        line: None,
        message,
    };
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let version = parse_file_name(name).map(|f| f.version).unwrap_or_default();
    let migration = by_version.get_mut(&version).ok_or_else(|| {
        file_error(format!(
            "down file without a matching up file for version {version}"
        ))
    })?;
    if migration.phase(PhaseKind::Down).is_some() {
        return Err(file_error(format!(
            "{} already has a `-- bellows:down` section",
            migration.path
        )));
    }
    let text = super::near_miss::strip_bom(text);
    let phase = super::near_miss::check_nul(text)
        .and_then(|()| {
            build(
                PhaseKind::Down,
                Directives::default(),
                None,
                text,
                1,
                dialect,
            )
        })
        .map_err(|e| Error::MigrationFile {
            file: path.to_string(),
            line: e.line,
            message: e.message,
        })?;
    migration.phases.push(phase);
    migration.down_path = Some(path.to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(
            parse_file_name("20261122093000_add_email.sql"),
            Some(FileName {
                version: 20_261_122_093_000,
                name: "add_email".into(),
                up: None
            })
        );
        assert_eq!(parse_file_name("3_x.up.sql").unwrap().up, Some(true));
        assert_eq!(parse_file_name("3_x.down.sql").unwrap().up, Some(false));
        assert_eq!(parse_file_name("0001.sql").unwrap().version, 1);
        assert_eq!(parse_file_name("V1__flyway.sql"), None);
        assert_eq!(parse_file_name("notes.txt"), None);
    }
}
