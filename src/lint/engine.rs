//! The walk over one file: phases, statements, tokens and AST (each statement tokenized and
//! parsed once), every rule, then suppression by allow comments and live table sizes.

use super::ahead::PhaseAhead;
use super::allow::{self, Allow};
use super::folder::FolderModel;
use super::options::{HUGE_TABLE_ROWS, TINY_TABLE_ROWS};
use super::prepare::PreparedFile;
use super::registry::RULES;
use super::TransactionMode;
use super::{
    Diagnostic, FileReport, FileState, Finding, LintOptions, Rule, Severity, StatementContext,
};
use crate::migration::{parse_file_name, strip_bom, FormatError, Phase};
use crate::sql::{Pos, Statement};
use crate::Migration;
use sqlparser::tokenizer::Location;
use std::collections::HashMap;

/// Lints migration files with one set of options. Cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Linter {
    pub(super) options: LintOptions,
    rules: Vec<&'static dyn Rule>,
}

/// A finding of one statement before suppression.
struct Pending {
    statement: usize,
    diagnostic: Diagnostic,
}

impl Linter {
    /// A linter running every rule that applies to `options.dialect`, is on (by default or
    /// listed in `options.enabled`) and is not disabled.
    #[must_use]
    pub fn new(options: LintOptions) -> Self {
        let rules = RULES
            .iter()
            .copied()
            .filter(|r| r.dialects().contains(&options.dialect))
            .filter(|r| r.enabled_by_default() || options.enabled.iter().any(|e| e == r.id()))
            .filter(|r| !options.disabled.iter().any(|d| d == r.id()))
            .collect();
        Linter { options, rules }
    }

    /// The options it runs with.
    #[must_use]
    pub fn options(&self) -> &LintOptions {
        &self.options
    }

    /// Lint one file. `path` is only used for messages and to read a sqlx `.down.sql` file
    /// as a down phase.
    ///
    /// # Errors
    /// A format error (with its line) when the file is not a valid migration: unknown
    /// markers, bad directives, an unclosed quote.
    pub fn lint(&self, path: &str, text: &str) -> Result<FileReport, FormatError> {
        Ok(self.check(self.prepare(path, text)?, None))
    }

    /// Run the rules over a prepared file; with a folder's model, the rules see what
    /// earlier files (and statements) made of the schema, and each statement is replayed
    /// into it after its rules ran.
    pub(super) fn check(
        &self,
        file: PreparedFile,
        mut model: Option<&mut FolderModel>,
    ) -> FileReport {
        let PreparedFile {
            path,
            text,
            phases,
            read,
        } = file;
        let mut state = FileState {
            no_transaction_file: strip_bom(&text)
                .lines()
                .next()
                .is_some_and(|l| l.trim() == "-- no-transaction"),
            ..FileState::default()
        };
        let mut statements = Vec::new();
        let mut pending = Vec::new();
        let mut findings = Vec::new();
        for (phase, read) in phases.iter().zip(&read) {
            let ahead = PhaseAhead::of(read.iter().map(|r| &r.tokens));
            for (n, (stmt, r)) in phase.statements.iter().zip(read).enumerate() {
                // bellows itself gives a scanning VALIDATE a transaction of its own.
                let runs_alone = r.no_transaction
                    || (r.own_transaction
                        && self.options.transaction_mode == TransactionMode::Auto);
                state.enter(
                    &r.tokens,
                    n == 0,
                    runs_alone,
                    self.options.transaction_mode,
                    self.options.dialect,
                );
                let ctx = StatementContext {
                    options: &self.options,
                    phase: phase.kind,
                    sql: &stmt.sql,
                    tokens: &r.tokens,
                    ast: r.ast.as_ref(),
                    parse_failure: r.failure.as_ref(),
                    file: &state,
                    later: ahead.after(n),
                    model: model.as_deref().map(FolderModel::view),
                };
                for rule in &self.rules {
                    rule.check(&ctx, &mut findings);
                    for f in findings.drain(..) {
                        let diagnostic = self.diagnostic(*rule, &path, stmt, f);
                        pending.push(Pending {
                            statement: statements.len(),
                            diagnostic,
                        });
                    }
                }
                if let Some(m) = model.as_deref_mut() {
                    m.apply(
                        phase.kind,
                        r.ast.as_ref(),
                        &stmt.sql,
                        (&path, stmt.start.line),
                        true,
                    );
                }
                state.record(&r.tokens);
                statements.push(stmt);
            }
        }
        let mut diagnostics = self.suppress(&path, &text, &statements, pending);
        let statements = statements.len();
        diagnostics.extend(self.refusals(&path, &text, phases));
        diagnostics.sort_by(|a, b| (a.line, a.column, a.rule).cmp(&(b.line, b.column, b.rule)));
        FileReport {
            path,
            source: text,
            diagnostics,
            statements,
        }
    }

    /// What the runner refuses in this file (bellows runs the files only in `auto` mode).
    fn refusals(&self, path: &str, text: &str, phases: Vec<Phase>) -> Vec<Diagnostic> {
        if self.options.transaction_mode != TransactionMode::Auto {
            return Vec::new();
        }
        let file_name = path.rsplit(['/', '\\']).next().unwrap_or(path);
        let parsed = parse_file_name(file_name);
        let migration = Migration {
            version: parsed.as_ref().map_or(0, |f| f.version),
            name: parsed.map(|f| f.name).unwrap_or_default(),
            path: path.to_string(),
            down_path: None,
            source: text.to_string(),
            phases,
            no_transaction: false,
        };
        super::rules::runner_refuses::diagnostics(path, &migration, self.options.dialect)
    }

    /// Turn a rule's finding into a positioned diagnostic, adjusted for live table sizes.
    fn diagnostic(&self, rule: &dyn Rule, path: &str, stmt: &Statement, f: Finding) -> Diagnostic {
        let (start, end) = match f.span {
            Some(span) if span.start.line > 0 => {
                let end = Location {
                    line: span.end.line,
                    column: span.end.column.saturating_sub(1).max(1),
                };
                (file_pos(stmt, span.start), file_pos(stmt, end))
            }
            _ => (stmt.start, stmt.end),
        };
        let mut severity = f.severity;
        let mut message = f.message;
        if let Some(rows) = f.table.as_deref().and_then(|t| self.options.rows_of(t)) {
            if rows < TINY_TABLE_ROWS && severity > Severity::Info {
                severity = Severity::Info;
                let rows = thousands(rows);
                message.push_str(&format!(
                    " (the table has about {rows} rows, so this is quick)"
                ));
            } else if rows >= HUGE_TABLE_ROWS {
                message.push_str(&format!(" (the table has about {} rows)", thousands(rows)));
            }
        }
        Diagnostic {
            rule: rule.id(),
            severity,
            file: path.to_string(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            message,
            why: super::galera::why(self.options.galera, rule.id(), f.why),
            suggestion: f.suggestion,
        }
    }

    /// Drop findings silenced by allow comments; report allows that silenced nothing, lack a
    /// reason or name an unknown rule.
    fn suppress(
        &self,
        path: &str,
        text: &str,
        statements: &[&Statement],
        pending: Vec<Pending>,
    ) -> Vec<Diagnostic> {
        let allows = if text.contains("bellows:allow") {
            allow::scan(text)
        } else {
            Vec::new()
        };
        let mut used = vec![false; allows.len()];
        let targets: Vec<Option<usize>> = allows
            .iter()
            .map(|a| allow::target(statements, a.line))
            .collect();
        // The allows covering each statement, so a finding looks only at its own.
        let mut covering: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, target) in targets.iter().enumerate() {
            if let Some(s) = target {
                covering.entry(*s).or_default().push(i);
            }
        }
        let mut out = Vec::with_capacity(pending.len());
        for p in pending {
            let silenced = covering.get(&p.statement).and_then(|ids| {
                ids.iter().copied().find(|&i| {
                    valid(&allows[i]) && allows[i].ids.iter().any(|id| id == p.diagnostic.rule)
                })
            });
            match silenced {
                Some(i) => used[i] = true,
                None => out.push(p.diagnostic),
            }
        }
        if !self
            .rules
            .iter()
            .any(|r| r.id() == super::rules::unused_allow::ID)
        {
            return out;
        }
        for (a, used) in allows.iter().zip(used) {
            if let Some(message) = self.allow_problem(a, used) {
                out.push(super::rules::unused_allow::diagnostic(path, a, message));
            }
        }
        out
    }

    /// What is wrong with an allow comment, if anything.
    fn allow_problem(&self, a: &Allow, used: bool) -> Option<String> {
        if a.ids.is_empty() {
            return Some("`-- bellows:allow` names no rule".into());
        }
        if let Some(unknown) = a.ids.iter().find(|id| super::registry::rule(id).is_none()) {
            return Some(format!(
                "`-- bellows:allow` names `{unknown}`, which is not a rule"
            ));
        }
        if a.reason.is_empty() {
            return Some(format!(
                "`-- bellows:allow {}` gives no reason; write why it is safe after the rule id",
                a.ids.join(",")
            ));
        }
        let active = a
            .ids
            .iter()
            .any(|id| self.rules.iter().any(|r| r.id() == id));
        (!used && active).then(|| format!("`-- bellows:allow {}` silences nothing: no such finding on the statement it covers", a.ids.join(",")))
    }
}

/// An allow comment that can silence: names known rules and gives a reason.
fn valid(a: &Allow) -> bool {
    !a.reason.is_empty() && a.ids.iter().all(|id| super::registry::rule(id).is_some())
}

/// The file position of a location inside a statement.
fn file_pos(stmt: &Statement, at: Location) -> Pos {
    let line = usize::try_from(at.line).unwrap_or(1).max(1);
    let column = usize::try_from(at.column).unwrap_or(1).max(1);
    if line == 1 {
        Pos {
            line: stmt.start.line,
            column: stmt.start.column + column - 1,
        }
    } else {
        Pos {
            line: stmt.start.line + line - 1,
            column,
        }
    }
}

/// `48000000` as `48,000,000`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}
