//! Another tool's history matched with the folder, pure: for every version on either side,
//! whether it ran as the file says (checksums compared where the tool keeps a comparable
//! one), ran from a file that changed or is gone, failed, or is still to run.

use super::checksum::{self, Compared};
use super::{AdoptLine, AdoptVerdict};
use crate::db::adopt::{Covers, History, HistoryEntry, Tool};
use crate::db::Record;
use crate::Migration;
use std::collections::BTreeMap;

/// One line of the match, with the file it concerns (for recording).
pub(super) struct Matched<'m> {
    pub(super) line: AdoptLine,
    pub(super) migration: Option<&'m Migration>,
}

/// Names compared the way the tools write them (sqlx turns `_` into spaces).
fn same_name(recorded: &str, file: &str) -> bool {
    let norm = |s: &str| s.trim().replace(' ', "_").to_ascii_lowercase();
    norm(recorded) == norm(file)
}

/// The verdict on one history row whose file is `m`.
fn judge(tool: Tool, e: &HistoryEntry, m: &Migration) -> (AdoptVerdict, Option<String>) {
    if !e.succeeded {
        return (
            AdoptVerdict::Failed,
            Some(format!(
                "{tool} recorded this run as failed: finish or repair it with {tool} first"
            )),
        );
    }
    let named = e
        .name
        .as_deref()
        .filter(|n| !same_name(n, &m.name))
        .map(|n| format!("; named `{n}` in the history"))
        .unwrap_or_default();
    let recorded_name = e.name.as_deref().unwrap_or(&m.name);
    match checksum::compare(
        tool,
        e.checksum.as_deref(),
        &e.version,
        recorded_name,
        &m.source,
    ) {
        Compared::Equal => (
            AdoptVerdict::Matched,
            Some(format!("checksum equal{named}")),
        ),
        Compared::Differs {
            algorithm,
            recorded,
            on_disk,
        } => {
            let short = |s: &str| s.chars().take(12).collect::<String>();
            (
                AdoptVerdict::Changed,
                Some(format!(
                    "the file differs from what {tool} ran ({algorithm} {} recorded, {} on disk)",
                    short(&recorded),
                    short(&on_disk)
                )),
            )
        }
        Compared::Unknown => (
            AdoptVerdict::Matched,
            Some(format!(
                "version only ({tool} keeps no checksum bellows can compare){named}"
            )),
        ),
    }
}

/// Match `history` with `migrations`; `records` are bellows' own (already recorded versions
/// are left alone).
pub(super) fn match_history<'m>(
    migrations: &'m [Migration],
    records: &[Record],
    history: &History,
) -> Vec<Matched<'m>> {
    let tool = history.tool;
    let mut lines: BTreeMap<i64, Matched<'m>> = BTreeMap::new();
    let mut odd = Vec::new();
    let mut through = None;
    for e in &history.entries {
        let Ok(version) = e.version.parse::<i64>() else {
            odd.push(unusable(e));
            continue;
        };
        if e.covers != Covers::This {
            through = through.max(Some(version));
        }
        let file = migrations.iter().find(|m| m.version == version);
        let (verdict, detail) = match (file, e.covers) {
            (None, Covers::Baseline) => continue,
            (None, _) => (
                AdoptVerdict::Missing,
                Some(format!(
                    "{tool} ran it, but no file in the folder has this version"
                )),
            ),
            (Some(m), _) => judge(tool, e, m),
        };
        let name = file.map_or_else(|| e.name.clone().unwrap_or_default(), |m| m.name.clone());
        lines.insert(version, line(version, name, verdict, detail, file));
    }
    for m in migrations {
        if lines.contains_key(&m.version) {
            continue;
        }
        let covered = through.is_some_and(|t| m.version <= t);
        let (verdict, detail) = if covered {
            (
                AdoptVerdict::Matched,
                Some(format!(
                    "before {tool}'s latest version, {}",
                    through.unwrap_or_default()
                )),
            )
        } else {
            (AdoptVerdict::Pending, None)
        };
        lines.insert(
            m.version,
            line(m.version, m.name.clone(), verdict, detail, Some(m)),
        );
    }
    finish(lines, odd, records)
}

/// Every file up to `baseline` counts as applied, unchecked.
pub(super) fn match_baseline<'m>(
    migrations: &'m [Migration],
    records: &[Record],
    baseline: i64,
) -> Vec<Matched<'m>> {
    let lines = migrations
        .iter()
        .map(|m| {
            let (verdict, detail) = if m.version <= baseline {
                (
                    AdoptVerdict::Matched,
                    Some(format!("at or before the baseline {baseline}")),
                )
            } else {
                (AdoptVerdict::Pending, None)
            };
            (
                m.version,
                line(m.version, m.name.clone(), verdict, detail, Some(m)),
            )
        })
        .collect();
    finish(lines, Vec::new(), records)
}

fn line<'m>(
    version: i64,
    name: String,
    verdict: AdoptVerdict,
    detail: Option<String>,
    migration: Option<&'m Migration>,
) -> Matched<'m> {
    Matched {
        line: AdoptLine {
            version: version.to_string(),
            name,
            verdict,
            detail,
        },
        migration,
    }
}

fn unusable<'m>(e: &HistoryEntry) -> Matched<'m> {
    Matched {
        line: AdoptLine {
            version: e.version.clone(),
            name: e.name.clone().unwrap_or_default(),
            verdict: AdoptVerdict::Missing,
            detail: Some(format!(
                "`{}` cannot be a bellows version (whole numbers only): rename the file and leave it out",
                e.version
            )),
        },
        migration: None,
    }
}

/// Versions bellows already recorded are left as they are; a pending file older than an
/// adopted one is flagged (expand would refuse it as out of order).
fn finish<'m>(
    lines: BTreeMap<i64, Matched<'m>>,
    odd: Vec<Matched<'m>>,
    records: &[Record],
) -> Vec<Matched<'m>> {
    let mut lines: Vec<Matched<'m>> = lines.into_values().chain(odd).collect();
    for l in &mut lines {
        let recorded = l
            .migration
            .is_some_and(|m| records.iter().any(|r| r.version == m.version));
        if recorded {
            l.line.verdict = AdoptVerdict::AlreadyRecorded;
            l.line.detail = None;
        }
    }
    let latest = lines
        .iter()
        .filter(|l| {
            matches!(
                l.line.verdict,
                AdoptVerdict::Matched | AdoptVerdict::Changed | AdoptVerdict::AlreadyRecorded
            )
        })
        .filter_map(|l| l.migration.map(|m| m.version))
        .max();
    for l in &mut lines {
        let older = l
            .migration
            .is_some_and(|m| latest.is_some_and(|v| m.version < v));
        if l.line.verdict == AdoptVerdict::Pending && older {
            l.line.detail = Some(
                "older than an adopted migration: `expand` runs it only with --allow-out-of-order"
                    .into(),
            );
        }
    }
    lines
}

#[cfg(test)]
mod tests;
