//! The [`Rule`] trait every check implements. A rule is one file in `rules/` and one line in
//! the registry; it looks at one statement with its context and pushes findings.

use super::{Finding, Severity, StatementContext};
use crate::sql::Dialect;

/// Every dialect: what most rules apply to.
pub(super) const ALL_DIALECTS: &[Dialect] = &[Dialect::Postgres, Dialect::Mysql, Dialect::Mariadb];
/// PostgreSQL only.
pub(crate) const POSTGRES: &[Dialect] = &[Dialect::Postgres];
/// MySQL and MariaDB.
pub(crate) const MYSQL_FAMILY: &[Dialect] = &[Dialect::Mysql, Dialect::Mariadb];

/// One lint check.
pub(crate) trait Rule: Send + Sync {
    /// The stable kebab-case id, e.g. `require-concurrent-index`; its doc page is
    /// `docs/rules/<id>.md`.
    fn id(&self) -> &'static str;

    /// The severity of its findings unless context changes it.
    fn default_severity(&self) -> Severity;

    /// One sentence saying what it catches (SARIF short description, `--help` lists).
    fn summary(&self) -> &'static str;

    /// The dialects it applies to.
    fn dialects(&self) -> &'static [Dialect] {
        ALL_DIALECTS
    }

    /// False for hygiene rules that run only when listed in
    /// [`LintOptions::enabled`](super::LintOptions::enabled) (`[lint] enable` in
    /// `bellows.toml`, `--enable` on the command line).
    fn enabled_by_default(&self) -> bool {
        true
    }

    /// Check one statement; push a [`Finding`] for each problem.
    fn check(&self, ctx: &StatementContext<'_>, out: &mut Vec<Finding>);
}

impl std::fmt::Debug for dyn Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
