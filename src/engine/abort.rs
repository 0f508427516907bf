//! `abort`: run the down phase of a migration that is expanded but not contracted, and mark
//! it aborted.

use super::expand::Applied;
use super::{record_of, Runner};
use crate::db::{Record, State};
use crate::{Error, PhaseKind, Result};

impl Runner {
    /// Undo the expand phase of `version` with its down section.
    ///
    /// # Errors
    /// [`Error::UnknownVersion`]; [`Error::Refused`] when it has no down section or its state
    /// does not allow it (not expanded, already contracted or aborted).
    pub async fn abort(&mut self, version: i64) -> Result<Applied> {
        let migration = self
            .migrations
            .iter()
            .find(|m| m.version == version)
            .cloned()
            .ok_or(Error::UnknownVersion(version))?;
        if migration.runnable_phase(PhaseKind::Down).is_none() {
            return Err(Error::Refused(format!(
                "migration {version} ({}) has no `-- bellows:down` section to undo its expand phase",
                migration.name
            )));
        }
        let records = self.lock().await?;
        let result = async {
            let record: Option<&Record> = record_of(&records, version);
            let state = record.map_or(State::Pending, |r| r.state);
            let resume_from = match state {
                State::Expanding | State::Expanded | State::Backfilling | State::Backfilled => 0,
                State::Aborting => record.map_or(0, |r| r.statements_done),
                State::Pending => return Err(Error::Refused(format!("migration {version} has not been expanded; nothing to abort"))),
                State::Contracting | State::Contracted => {
                    return Err(Error::Refused(format!(
                        "migration {version} is {state}: its old schema is gone; write a new migration instead"
                    )))
                }
                State::Aborted => return Err(Error::Refused(format!("migration {version} is already aborted"))),
            };
            self.run_phase(&migration, PhaseKind::Down, resume_from).await
        }
        .await;
        self.unlock(result).await
    }
}
