//! `adopt`: bring a database another tool migrated under bellows. The tool's history is read
//! (never written), matched with the folder, reported line by line, and the migrations it
//! ran are recorded as applied, so `expand` runs only the files that are new. A version the
//! history has and the folder lacks, a file that differs from what ran, or a run the tool
//! recorded as failed stops the adoption before anything is written.

mod checksum;
mod matching;

use super::Runner;
use crate::db::adopt::{self as history, Tool};
use crate::db::store::{self, Adoption};
use crate::{Error, Migration, Result};
use serde::Serialize;

/// Where `adopt` learns what already ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdoptFrom {
    /// The one tool whose history table is in the database.
    Detect,
    /// This tool's history table.
    Tool(Tool),
    /// No history: every file up to and including this version ran.
    Baseline(i64),
}

/// What `adopt` may let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdoptOptions {
    /// Where the history comes from.
    pub from: AdoptFrom,
    /// Adopt even though the history has versions the folder lacks.
    pub allow_missing: bool,
    /// Adopt even though files differ from what the tool ran (recorded as they are now).
    pub allow_changed: bool,
    /// Report only; record nothing.
    pub dry_run: bool,
}

/// What the history says about one version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AdoptVerdict {
    /// It ran as the file says (or the tool keeps nothing to compare): recorded as applied.
    Matched,
    /// It ran, but the file differs from what ran.
    Changed,
    /// It ran, but no file in the folder has this version.
    Missing,
    /// The tool recorded its run as failed (or dirty).
    Failed,
    /// bellows already has it recorded: left as it is.
    AlreadyRecorded,
    /// Not in the history: `expand` runs it.
    Pending,
}

impl AdoptVerdict {
    /// The word the report shows.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            AdoptVerdict::Matched => "matched",
            AdoptVerdict::Changed => "changed",
            AdoptVerdict::Missing => "missing",
            AdoptVerdict::Failed => "failed",
            AdoptVerdict::AlreadyRecorded => "already recorded",
            AdoptVerdict::Pending => "pending",
        }
    }
}

/// One version of the report.
#[derive(Debug, Clone, Serialize)]
pub struct AdoptLine {
    /// The version (as the tool wrote it when it is not a bellows version).
    pub version: String,
    /// The file's name, else the name in the history.
    pub name: String,
    /// What the history says.
    pub verdict: AdoptVerdict,
    /// Why, in a few words.
    pub detail: Option<String>,
}

/// What `adopt` found and did.
#[derive(Debug, Clone, Serialize)]
pub struct AdoptReport {
    /// `sqlx`, `dbmate`, ... or `baseline`.
    pub from: String,
    /// The history table read, if any.
    pub table: Option<String>,
    /// Every version of the folder and of the history, in order.
    pub lines: Vec<AdoptLine>,
    /// The versions recorded as applied (none when refused or a dry run).
    pub recorded: Vec<i64>,
    /// Why nothing was recorded, when something stood in the way.
    pub refused: Option<String>,
    /// Nothing was written because only a report was asked for.
    pub dry_run: bool,
}

impl Runner {
    /// Read the history `options.from` names, match it with the folder, and (unless refused
    /// or a dry run) record what ran as applied, under the migration lock.
    ///
    /// # Errors
    /// [`Error::Refused`] when no history (or more than one) is found; lock busy; database
    /// errors.
    pub async fn adopt(&mut self, options: AdoptOptions) -> Result<AdoptReport> {
        let records = self.lock().await?;
        let result = self.adopt_locked(&records, options).await;
        self.unlock(result).await
    }

    async fn adopt_locked(
        &mut self,
        records: &[crate::db::Record],
        options: AdoptOptions,
    ) -> Result<AdoptReport> {
        let checked = self.migrations.clone();
        let migrations = checked.migrations();
        let (from, table, matched) = match options.from {
            AdoptFrom::Baseline(v) => (
                "baseline".to_string(),
                None,
                matching::match_baseline(migrations, records, v),
            ),
            AdoptFrom::Tool(tool) => self.read_history(tool, migrations, records).await?,
            AdoptFrom::Detect => {
                let tool = self.detect().await?;
                self.read_history(tool, migrations, records).await?
            }
        };
        let refused = refusal(&matched, options);
        let adopt: Vec<&Migration> = matched
            .iter()
            .filter(|m| {
                matches!(
                    m.line.verdict,
                    AdoptVerdict::Matched | AdoptVerdict::Changed
                )
            })
            .filter_map(|m| m.migration)
            .collect();
        let write = refused.is_none() && !options.dry_run && !adopt.is_empty();
        if write {
            let who = Adoption {
                actor: &self.settings.actor,
                host: &self.settings.host,
                from: &from,
            };
            store::record_adopted(self.db.as_mut(), &adopt, &who).await?;
        }
        Ok(AdoptReport {
            from,
            table,
            recorded: if write {
                adopt.iter().map(|m| m.version).collect()
            } else {
                Vec::new()
            },
            lines: matched.into_iter().map(|m| m.line).collect(),
            refused,
            dry_run: options.dry_run,
        })
    }

    async fn read_history<'m>(
        &mut self,
        tool: Tool,
        migrations: &'m [Migration],
        records: &[crate::db::Record],
    ) -> Result<(String, Option<String>, Vec<matching::Matched<'m>>)> {
        let history = history::read(self.db.as_mut(), tool).await?;
        let matched = matching::match_history(migrations, records, &history);
        Ok((tool.to_string(), Some(tool.table().to_string()), matched))
    }

    async fn detect(&mut self) -> Result<Tool> {
        let found = history::detect(self.db.as_mut()).await?;
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(Error::Refused(format!(
                "no migration history found here (looked for {}); if another tool ran the migrations, name the last one that ran with --baseline VERSION",
                tables()
            ))),
            many => Err(Error::Refused(format!(
                "found the histories of {}: say which one to adopt with --from",
                many.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(" and ")
            ))),
        }
    }
}

impl Runner {
    /// Before bellows' first expand on a database: refuse when another tool's history says
    /// it already ran one of the files (running it again would fail half way, or worse).
    ///
    /// # Errors
    /// [`Error::Refused`] naming the tool and `bellows adopt`; database errors.
    pub(super) async fn refuse_foreign_history(&mut self) -> Result<()> {
        for tool in history::detect(self.db.as_mut()).await? {
            let found = history::read(self.db.as_mut(), tool).await?;
            let ran = found.entries.iter().find(|e| {
                self.migrations
                    .migrations()
                    .iter()
                    .any(|m| m.version.to_string() == e.version)
            });
            if let Some(e) = ran {
                return Err(Error::Refused(format!(
                    "{tool} already ran migration {} here ({} has it) and bellows has no record of any: \
                     run `bellows adopt` to record what {tool} ran, then `bellows expand` runs only the rest",
                    e.version,
                    tool.table()
                )));
            }
        }
        Ok(())
    }
}

/// The history tables `adopt` looks for, for messages.
fn tables() -> String {
    let mut names: Vec<&str> = Tool::ALL.iter().map(|t| t.table()).collect();
    names.dedup();
    names.join(", ")
}

/// Why the adoption stops, if it does: failed runs always; changed files and missing
/// versions unless allowed.
fn refusal(matched: &[matching::Matched<'_>], options: AdoptOptions) -> Option<String> {
    let count = |v: AdoptVerdict| matched.iter().filter(|m| m.line.verdict == v).count();
    let mut reasons = Vec::new();
    let failed = count(AdoptVerdict::Failed);
    if failed > 0 {
        reasons.push(format!(
            "{failed} failed in the other tool (repair it there first)"
        ));
    }
    let changed = count(AdoptVerdict::Changed);
    if changed > 0 && !options.allow_changed {
        reasons.push(format!(
            "{changed} changed since it ran (--allow-changed records the files as they are)"
        ));
    }
    let missing = count(AdoptVerdict::Missing);
    if missing > 0 && !options.allow_missing {
        reasons.push(format!(
            "{missing} missing from the folder (--allow-missing adopts the rest)"
        ));
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}
