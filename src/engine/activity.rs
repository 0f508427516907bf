//! What runs on the database now, as bellows' locks show it: `status --watch` follows a
//! database while a backfill, contract or abort holds the backfill lock, or an expand the
//! migration lock.

use super::Runner;
use crate::db::Lock;
use serde::Serialize;

/// Who holds bellows' two locks on the database, as the server describes the holder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Activity {
    /// The backfill lock's holder: a backfill, `up`, contract or abort runs.
    pub backfill_lock: Option<String>,
    /// The migration lock's holder: an expand runs, or another command is starting.
    pub migration_lock: Option<String>,
}

impl Activity {
    /// Whether a bellows run holds either lock.
    #[must_use]
    pub fn running(&self) -> bool {
        self.backfill_lock.is_some() || self.migration_lock.is_some()
    }
}

impl Runner {
    /// Who holds bellows' locks now (read-only; takes no lock). A holder the server does not
    /// show (no privilege to see other sessions) reads as no holder.
    pub async fn activity(&mut self) -> Activity {
        Activity {
            backfill_lock: self.db.lock_holder(Lock::Backfill).await,
            migration_lock: self.db.lock_holder(Lock::Migrations).await,
        }
    }
}
