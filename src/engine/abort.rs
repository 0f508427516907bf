//! `abort`: run the down phase of a migration that is expanded but not contracted, and mark
//! it aborted.

use super::expand::Applied;
use super::{lifecycle, record_of, Runner};
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
            .get(version)
            .cloned()
            .ok_or(Error::UnknownVersion(version))?;
        if migration.runnable_phase(PhaseKind::Down).is_none() {
            return Err(Error::Refused(format!(
                "migration {version} ({}) has no `-- bellows:down` section to undo its expand phase",
                migration.name
            )));
        }
        let records = self.lock_both().await?;
        let result = async {
            let resume_from = lifecycle::abort_from(&migration, record_of(&records, version))?;
            self.run_phase(&migration, PhaseKind::Down, resume_from)
                .await
        }
        .await;
        self.unlock_both(result).await
    }
}
