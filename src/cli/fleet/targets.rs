//! Where a fleet's targets come from: `--targets FILE`, or the `[fleet]` table of
//! `bellows.toml` (a list of URLs, a file, a command or an SQL query that prints them). Each
//! line (or row) is one
//! database URL; blank lines and `#` comments are skipped, and `${VAR}` is replaced by the
//! environment variable `VAR`, so credentials stay out of the files.

use bellows::db::DatabaseUrl;
use bellows::{Error, Result};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The `[fleet]` table of `bellows.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct FleetFileConfig {
    /// Target URLs.
    #[serde(default)]
    pub targets: Vec<String>,
    /// A file of target URLs, one a line (relative to bellows.toml).
    pub targets_file: Option<PathBuf>,
    /// A shell command that prints target URLs, one a line.
    pub targets_command: Option<String>,
    /// A query whose rows' first column is a target URL, on a directory database.
    pub targets_query: Option<TargetsQuery>,
    /// Targets worked at once (default 4).
    pub concurrency: Option<usize>,
}

/// `targets-query = { url = "...", sql = "SELECT url FROM tenants" }`: the directory database
/// (its URL may hold `${VAR}`) and the query that lists the targets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetsQuery {
    /// The database that lists the targets.
    pub url: String,
    /// Its query: the first column of each row is a target URL (NULL rows are skipped).
    pub sql: String,
}

/// The rows of `[fleet] targets-query`, when set and no `--targets FILE` replaces it.
///
/// # Errors
/// An unset variable, a bad URL, the directory database unreachable, a failing query.
pub async fn query_lines(
    flag: Option<&Path>,
    config: &FleetFileConfig,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>> {
    let Some(query) = config.targets_query.as_ref().filter(|_| flag.is_none()) else {
        return Ok(Vec::new());
    };
    let url = expand(&query.url, var)
        .map_err(|e| Error::Config(format!("[fleet] targets-query url: {e}")))?;
    let mut db = bellows::db::connect(&DatabaseUrl::parse(&url)?).await?;
    let rows = db.query(&query.sql, &[]).await?;
    Ok(rows
        .iter()
        .enumerate()
        .map(|(n, row)| (format!("targets-query row {}", n + 1), row.text(0)))
        .filter(|(_, url)| !url.is_empty())
        .collect())
}

/// The targets: `--targets FILE` when given, else every source of `[fleet]` in order, the
/// query's rows (`queried`, from [`query_lines`]) last (duplicates dropped, first kept).
///
/// # Errors
/// No source, an unreadable file, a failing command, an unset variable, a bad URL.
pub fn load(
    flag: Option<&Path>,
    config: &FleetFileConfig,
    config_path: Option<&Path>,
    var: &dyn Fn(&str) -> Option<String>,
    queried: Vec<(String, String)>,
) -> Result<Vec<DatabaseUrl>> {
    let mut lines: Vec<(String, String)> = Vec::new();
    if let Some(file) = flag {
        lines.extend(read_file(file)?);
    } else {
        for (n, url) in config.targets.iter().enumerate() {
            lines.push((format!("[fleet] targets[{n}]"), url.clone()));
        }
        if let Some(file) = &config.targets_file {
            let base = config_path.and_then(Path::parent).unwrap_or(Path::new(""));
            lines.extend(read_file(&base.join(file))?);
        }
        if let Some(command) = &config.targets_command {
            lines.extend(run_command(command)?);
        }
        lines.extend(queried);
    }
    if lines.is_empty() {
        return Err(Error::Config(
            "no fleet targets: pass --targets FILE, or set targets, targets-file, targets-command or targets-query in [fleet] of bellows.toml".into(),
        ));
    }
    let mut urls: Vec<DatabaseUrl> = Vec::new();
    for (origin, line) in lines {
        let expanded = expand(&line, var).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
        let url =
            DatabaseUrl::parse(&expanded).map_err(|e| Error::Config(format!("{origin}: {e}")))?;
        if !urls.iter().any(|u| u.to_string() == url.to_string()) {
            urls.push(url);
        }
    }
    Ok(urls)
}

/// The URL lines of a text, each with where it came from.
fn lines_of(text: &str, origin: &str) -> Vec<(String, String)> {
    text.lines()
        .enumerate()
        .map(|(n, l)| (format!("{origin}:{}", n + 1), l.trim().to_string()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .collect()
}

fn read_file(path: &Path) -> Result<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("fleet targets file {}: {e}", path.display())))?;
    Ok(lines_of(&text, &path.display().to_string()))
}

fn run_command(command: &str) -> Result<Vec<(String, String)>> {
    let out = std::process::Command::new("sh")
        .args(["-c", command])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| Error::Config(format!("fleet targets-command `{command}`: {e}")))?;
    if !out.status.success() {
        return Err(Error::Config(format!(
            "fleet targets-command `{command}` failed ({})",
            out.status
        )));
    }
    Ok(lines_of(
        &String::from_utf8_lossy(&out.stdout),
        "targets-command",
    ))
}

/// `${VAR}` replaced by the variable's value.
fn expand(line: &str, var: &dyn Fn(&str) -> Option<String>) -> std::result::Result<String, String> {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after.find('}').ok_or("`${` without its `}`")?;
        let name = &after[..end];
        let value = var(name).ok_or_else(|| format!("environment variable {name} is not set"))?;
        out.push_str(&value);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "PW").then(|| "s3cret".to_string())
    }

    #[test]
    fn targets_come_from_the_list_a_file_and_a_command() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("fleet.txt"),
            "# tenants\npostgres://app:${PW}@db1/t1\n\npostgres://app@db1/t2\n",
        )
        .unwrap();
        let config = FleetFileConfig {
            targets: vec!["mysql://root@db2/a".into(), "postgres://app@db1/t2".into()],
            targets_file: Some("fleet.txt".into()),
            targets_command: Some("echo postgres://app@db3/x".into()),
            targets_query: None,
            concurrency: None,
        };
        let toml = dir.path().join("bellows.toml");
        let urls = load(None, &config, Some(&toml), &env, Vec::new()).unwrap();
        let shown: Vec<String> = urls.iter().map(ToString::to_string).collect();
        assert_eq!(shown.len(), 4, "{shown:?}");
        assert!(
            shown[2].contains("db1/t1") && !shown[2].contains("s3cret"),
            "{shown:?}"
        );
        assert!(shown[3].contains("db3/x"));
        let only_flag = load(
            Some(&dir.path().join("fleet.txt")),
            &config,
            None,
            &env,
            Vec::new(),
        )
        .unwrap();
        assert_eq!(only_flag.len(), 2);
    }

    #[test]
    fn a_missing_variable_or_source_is_an_error() {
        let config = FleetFileConfig {
            targets: vec!["postgres://app:${NOPE}@db1/t1".into()],
            ..FleetFileConfig::default()
        };
        let e = load(None, &config, None, &env, Vec::new())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("NOPE is not set") && e.contains("targets[0]"),
            "{e}"
        );
        let e = load(None, &FleetFileConfig::default(), None, &env, Vec::new()).unwrap_err();
        assert!(e.to_string().contains("no fleet targets"));
    }
}
