//! Migrations checked once, before anything connects: every phase cut into steps (which
//! refuses transaction control inside a phase) and every backfill section read and checked.
//! The commands share the result, so a file is parsed and validated once per command.

use super::steps::{plan_steps, StepPlan};
use crate::backfill::BackfillSpec;
use crate::{Dialect, Migration, PhaseKind, Result};
use std::collections::HashMap;
use std::sync::Arc;

/// Everything [`CheckedMigrations::new`] refuses in one migration, each with its file and
/// line: the same two checks (a phase cut into steps, the backfill read), every problem
/// rather than the first, so the linter reports what `expand` would refuse.
pub(crate) fn refusals(migration: &Migration, dialect: Dialect) -> Vec<crate::Error> {
    let mut out: Vec<crate::Error> = migration
        .phases
        .iter()
        .filter_map(|phase| plan_steps(migration, phase, dialect).err())
        .collect();
    out.extend(BackfillSpec::of(migration, dialect).err());
    out
}

/// Migrations (sorted by version) that bellows can run on a dialect, with their steps and
/// backfills worked out.
#[derive(Debug, Clone)]
pub struct CheckedMigrations {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    migrations: Vec<Migration>,
    dialect: Dialect,
    steps: HashMap<(i64, PhaseKind), Vec<StepPlan>>,
    backfills: HashMap<i64, BackfillSpec>,
}

impl CheckedMigrations {
    /// Check every phase of `migrations` for `dialect`.
    ///
    /// # Errors
    /// The first phase bellows cannot run (transaction control inside it, a backfill that
    /// cannot be batched safely).
    pub fn new(migrations: Vec<Migration>, dialect: Dialect) -> Result<Self> {
        let mut steps = HashMap::new();
        let mut backfills = HashMap::new();
        for m in &migrations {
            for phase in &m.phases {
                steps.insert((m.version, phase.kind), plan_steps(m, phase, dialect)?);
            }
            if let Some(spec) = BackfillSpec::of(m, dialect)? {
                backfills.insert(m.version, spec);
            }
        }
        Ok(CheckedMigrations {
            inner: Arc::new(Inner {
                migrations,
                dialect,
                steps,
                backfills,
            }),
        })
    }

    /// The same migrations checked for `dialect` (again only if it differs, e.g. a
    /// `mysql://` URL that reached a MariaDB server).
    pub(crate) fn for_dialect(self, dialect: Dialect) -> Result<Self> {
        if self.inner.dialect == dialect {
            return Ok(self);
        }
        Self::new(self.inner.migrations.clone(), dialect)
    }

    /// The migrations, in version order.
    #[must_use]
    pub fn migrations(&self) -> &[Migration] {
        &self.inner.migrations
    }

    /// The migration of `version`.
    pub(crate) fn get(&self, version: i64) -> Option<&Migration> {
        self.inner.migrations.iter().find(|m| m.version == version)
    }

    /// The steps of a phase (empty when it has none).
    pub(crate) fn steps(&self, version: i64, kind: PhaseKind) -> &[StepPlan] {
        self.inner
            .steps
            .get(&(version, kind))
            .map_or(&[], Vec::as_slice)
    }

    /// The backfill of a migration, if it has one.
    pub(crate) fn backfill(&self, version: i64) -> Option<&BackfillSpec> {
        self.inner.backfills.get(&version)
    }
}
