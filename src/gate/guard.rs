//! The rollback guard: can an app version run on the schema as it is now? Every migration
//! whose contract ran (or started) under a `requires-app` that excludes the version makes it
//! incompatible; pending contracts do not (their expand phases only added).

use super::{Requirement, RolloutOrder};
use crate::db::{store, Backend, State};
use crate::{Migration, PhaseKind, Result};
use serde::Serialize;
use std::fmt;

/// The answer for one app version: the contracted migrations that exclude it (none: it can
/// run).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Compatibility {
    /// The app asked about (`None`: any app).
    pub app: Option<String>,
    /// The version asked about.
    pub app_version: String,
    /// The contracted migrations whose requirement excludes it, in version order.
    pub excluded_by: Vec<Exclusion>,
    /// The version was never recorded and is not semver: taken as newer than every
    /// recorded version (as `rollout record` would make it).
    pub unrecorded: bool,
}

/// A contracted migration that excludes an app version.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Exclusion {
    /// The migration's version.
    pub version: i64,
    /// Its name.
    pub name: String,
    /// The requirement its contract ran under.
    pub requires_app: String,
    /// The contract stopped half way (still a point of no return).
    pub half_way: bool,
    /// Why the app version is outside it.
    pub reason: String,
}

impl Compatibility {
    /// No contracted migration excludes the version.
    #[must_use]
    pub fn is_compatible(&self) -> bool {
        self.excluded_by.is_empty()
    }
}

impl fmt::Display for Exclusion {
    /// `migration 20261201 rename_email (contracted under requires-app ">=2.4.0"): 2.3.0 is outside it`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "migration {} {} ({} under requires-app \"{}\"): {}",
            self.version,
            self.name,
            if self.half_way {
                "contract started"
            } else {
                "contracted"
            },
            self.requires_app,
            self.reason
        )
    }
}

/// Whether `app_version` of `app` can run on the schema as it is. The requirement of each
/// contracted migration is the one recorded when its contract ran, else the one in `files`.
///
/// # Errors
/// Database errors.
pub(crate) async fn check(
    db: &mut dyn Backend,
    files: &[Migration],
    app: Option<&str>,
    app_version: &str,
) -> Result<Compatibility> {
    let contracted = store::contracted(db).await?;
    let mut order = RolloutOrder(
        store::rollouts(db)
            .await?
            .into_iter()
            .map(|r| (r.app_name, r.app_version))
            .collect(),
    );
    let unrecorded = super::parse_version(app_version).is_none()
        && !order.0.iter().any(|(a, v)| {
            v == app_version && (a.is_none() || app.is_none() || a.as_deref() == app)
        });
    if unrecorded {
        order
            .0
            .push((app.map(str::to_string), app_version.to_string()));
    }
    let mut excluded_by = Vec::new();
    for c in contracted {
        let from_files = || {
            files
                .iter()
                .find(|m| m.version == c.version)
                .and_then(|m| m.phase(PhaseKind::Contract))
                .and_then(|p| p.directives.requires_app.clone())
        };
        let requirement = match &c.requires_app {
            Some(text) => Requirement::parse(text).ok(),
            None => from_files(),
        };
        let Some(requirement) = requirement else {
            continue;
        };
        let reasons: Vec<String> = requirement
            .clauses()
            .iter()
            .filter(|clause| clause.concerns(app))
            .filter_map(|clause| match clause.admits(app, app_version, &order) {
                Ok(true) => None,
                Ok(false) => Some(format!("{app_version} is outside {clause}")),
                Err(why) => Some(why),
            })
            .collect();
        if !reasons.is_empty() {
            excluded_by.push(Exclusion {
                version: c.version,
                name: c.name,
                requires_app: requirement.to_string(),
                half_way: c.state == State::Contracting,
                reason: reasons.join("; "),
            });
        }
    }
    Ok(Compatibility {
        app: app.map(str::to_string),
        app_version: app_version.to_string(),
        excluded_by,
        unrecorded,
    })
}
