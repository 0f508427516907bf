//! The dry-run linter (DESIGN §5): reads migration text, splits it (never depending on the
//! parser), tokenizes and parses each statement once with sqlparser, and runs every rule
//! with the statement's context — dialect, server version, phase, and what the file did
//! before. Pure: no database, no async, no file system; the CLI reads files and live
//! context and hands them in.
//!
//! The public surface is the entry point ([`Linter`] with [`LintOptions`]), its result
//! ([`Report`], [`FileReport`], [`Diagnostic`], [`Severity`]), the output formats
//! ([`render`]) and the rule catalogue ([`rules`], [`rule`], [`RuleInfo`]); no sqlparser
//! type appears in it. The rules, their context and the token helpers are crate-internal:
//! a rule is one file in `rules/` plus one line in the registry.
//!
//! ```
//! use bellows::lint::{Linter, LintOptions};
//! use bellows::Dialect;
//!
//! let linter = Linter::new(LintOptions::new(Dialect::Postgres));
//! let report = linter.lint("1_idx.sql", "CREATE INDEX users_email_idx ON users (email);").unwrap();
//! assert_eq!(report.diagnostics[0].rule, "require-concurrent-index");
//! ```

mod ahead;
mod allow;
mod context;
mod diagnostic;
mod engine;
mod folder;
mod galera;
mod options;
mod partial;
mod prepare;
mod registry;
pub mod render;
mod report;
mod rule;
mod rules;
mod state;
mod state_tables;
#[cfg(test)]
mod testing;
mod tokens;
mod version;

pub(crate) use context::{
    directive_table, table_key, FileState, Finding, NotNullCheck, NotValidConstraint, ParseFailure,
    StatementContext,
};
pub use diagnostic::{Diagnostic, Severity};
pub use engine::Linter;
pub(crate) use folder::ModelView;
pub use folder::{FolderLint, LiveSchema};
pub use options::{LintOptions, TransactionMode};
pub(crate) use registry::RULES;
pub use registry::{rule, rules, RuleInfo};
pub use report::{FileReport, Report};
pub(crate) use rule::{Rule, MYSQL_FAMILY, POSTGRES};
pub(crate) use tokens::{Tok, TokKind, Tokens};
pub use version::ServerVersion;

/// Where rule documentation pages are published; a rule's page is `<DOCS_URL><id>.md`.
pub const DOCS_URL: &str = "https://github.com/bellows-migrate/bellows/blob/main/docs/rules/";
