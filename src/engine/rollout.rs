//! What the release pipeline tells the gate and asks it: app instances, recorded rollouts,
//! the rollback guard (`rollout check`), retired environments.

use super::Runner;
use crate::db::{self, store, Instance};
use crate::gate::Compatibility;
use crate::{Error, Result};
use std::time::Duration;

impl Runner {
    /// Registered app instances; with `prune`, first delete those silent for longer.
    ///
    /// # Errors
    /// Database errors.
    pub async fn instances(&mut self, prune: Option<Duration>) -> Result<Vec<Instance>> {
        if let Some(grace) = prune {
            store::change_instance(self.db.as_mut(), db::InstanceChange::Prune(grace)).await?;
        }
        store::instances(self.db.as_mut()).await
    }

    /// Whether `app_version` of `app` (`None`: any app) can run on the schema as it is now:
    /// every migration whose contract ran under a `requires-app` that excludes it makes it
    /// incompatible (pending contracts do not). What a rollback step asks before switching.
    ///
    /// # Errors
    /// Database errors; an empty version or app name, or one with white space.
    pub async fn rollout_check(
        &mut self,
        app: Option<&str>,
        app_version: &str,
    ) -> Result<Compatibility> {
        crate::gate::check_version("app version", app_version)?;
        if let Some(app) = app {
            crate::gate::check_version("app name", app)?;
        }
        crate::gate::guard::check(
            self.db.as_mut(),
            self.migrations.migrations(),
            app,
            app_version,
        )
        .await
    }

    /// Record a finished rollout of `app` (`None`: of every app) at `app_version` (the
    /// pipeline source of the gate). Versions that are not semver (a git SHA, a tag) are
    /// accepted: the gate orders them by when they were first recorded here. A version that
    /// a contracted migration excludes (see [`Runner::rollout_check`]) is refused unless
    /// `force`, which records it anyway and logs the override.
    ///
    /// # Errors
    /// [`Error::Refused`] naming the migrations that exclude the version; database errors;
    /// an empty version or app name, or one with white space.
    pub async fn record_rollout(
        &mut self,
        app: Option<&str>,
        app_version: &str,
        force: bool,
    ) -> Result<()> {
        let compatibility = self.rollout_check(app, app_version).await?;
        let excluded: Vec<String> = compatibility
            .excluded_by
            .iter()
            .map(ToString::to_string)
            .collect();
        if !excluded.is_empty() && !force {
            return Err(Error::Refused(format!(
                "{} {app_version} cannot run on the schema as it is: {}; roll forward instead (or pass --force to record it anyway)",
                app.unwrap_or("the app"),
                excluded.join("; ")
            )));
        }
        self.prepare_state().await?;
        store::record_rollout(self.db.as_mut(), app, app_version, &self.settings.actor).await?;
        let mut detail = serde_json::json!({ "app": app, "app_version": app_version });
        if !excluded.is_empty() {
            tracing::warn!(
                "recording {app_version} although the schema no longer supports it (forced): {}",
                excluded.join("; ")
            );
            detail["forced_past"] = serde_json::json!(excluded);
        }
        self.event(
            if excluded.is_empty() {
                "rollout"
            } else {
                "force"
            },
            detail,
        )
        .await
    }

    /// Record that `environment` is gone: its instances registered so far stop counting
    /// for the gate at once, heartbeat or not (instances that register in it later count).
    /// Returns the live instances that stopped counting.
    ///
    /// # Errors
    /// Database errors; an empty name or one with white space.
    pub async fn retire_environment(&mut self, environment: &str) -> Result<Vec<Instance>> {
        crate::gate::check_version("environment", environment)?;
        self.prepare_state().await?;
        store::retire(self.db.as_mut(), environment, &self.settings.actor).await?;
        self.event("retire", serde_json::json!({ "environment": environment }))
            .await?;
        let ttl = self.settings.gate.ttl;
        Ok(store::instances(self.db.as_mut())
            .await?
            .into_iter()
            .filter(|i| {
                i.environment.as_deref() == Some(environment)
                    && i.is_live(ttl)
                    && i.retired_at.is_some()
            })
            .collect())
    }

    /// Append an event about no migration in particular.
    async fn event(&mut self, kind: &str, detail: serde_json::Value) -> Result<()> {
        let event = db::Event {
            kind,
            version: None,
            actor: &self.settings.actor,
            detail,
        };
        store::record_event(self.db.as_mut(), &event).await
    }
}
