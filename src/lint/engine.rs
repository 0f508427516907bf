//! The walk over one file: phases, statements, tokens and AST (each statement tokenized and
//! parsed once), every rule, then suppression by allow comments and live table sizes.

use super::allow::{self, Allow};
use super::options::{HUGE_TABLE_ROWS, TINY_TABLE_ROWS};
use super::registry::RULES;
use super::TransactionMode;
use super::{
    Diagnostic, FileReport, FileState, Finding, LintOptions, ParseFailure, Rule, Severity,
    StatementContext, Tokens,
};
use crate::migration::{parse_file_name, parse_phases, strip_bom, FormatError, Phase, PhaseKind};
use crate::sql::{classify, Pos, Statement};
use crate::Migration;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Location, Tokenizer};

/// Lints migration files with one set of options. Cheap to share between threads.
#[derive(Debug, Clone)]
pub struct Linter {
    options: LintOptions,
    rules: Vec<&'static dyn Rule>,
}

/// A finding of one statement before suppression.
struct Pending {
    statement: usize,
    diagnostic: Diagnostic,
}

impl Linter {
    /// A linter running every rule that applies to `options.dialect` and is not disabled.
    #[must_use]
    pub fn new(options: LintOptions) -> Self {
        let rules = RULES
            .iter()
            .copied()
            .filter(|r| r.dialects().contains(&options.dialect))
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
        let mut phases = parse_phases(text, self.options.dialect)?;
        if path.ends_with(".down.sql") {
            for p in phases.iter_mut().filter(|p| p.marker_line.is_none()) {
                p.kind = PhaseKind::Down;
            }
        }
        let parser_dialect = self.options.dialect.parser_dialect();
        let mut state = FileState {
            no_transaction_file: strip_bom(text)
                .lines()
                .next()
                .is_some_and(|l| l.trim() == "-- no-transaction"),
            ..FileState::default()
        };
        let mut statements = Vec::new();
        let mut pending = Vec::new();
        let mut findings = Vec::new();
        for phase in &phases {
            for (n, stmt) in phase.statements.iter().enumerate() {
                let (tokens, ast, failure) = read(&stmt.sql, &*parser_dialect);
                let kind = classify(&stmt.sql, self.options.dialect);
                // bellows itself gives a scanning VALIDATE a transaction of its own.
                let runs_alone = kind.no_transaction
                    || (kind.own_transaction
                        && self.options.transaction_mode == TransactionMode::Auto);
                state.enter(
                    &tokens,
                    n == 0,
                    runs_alone,
                    self.options.transaction_mode,
                    self.options.dialect,
                );
                let ctx = StatementContext {
                    options: &self.options,
                    phase: phase.kind,
                    sql: &stmt.sql,
                    tokens: &tokens,
                    ast: ast.as_ref(),
                    parse_failure: failure.as_ref(),
                    file: &state,
                    earlier: &statements,
                    later: &phase.statements[n + 1..],
                };
                for rule in &self.rules {
                    rule.check(&ctx, &mut findings);
                    for f in findings.drain(..) {
                        let diagnostic = self.diagnostic(*rule, path, stmt, f);
                        pending.push(Pending {
                            statement: statements.len(),
                            diagnostic,
                        });
                    }
                }
                state.record(&tokens);
                statements.push(stmt);
            }
        }
        let mut diagnostics = self.suppress(path, text, &statements, pending);
        let statements = statements.len();
        diagnostics.extend(self.refusals(path, text, phases));
        diagnostics.sort_by(|a, b| (a.line, a.column, a.rule).cmp(&(b.line, b.column, b.rule)));
        Ok(FileReport {
            path: path.to_string(),
            source: text.to_string(),
            diagnostics,
            statements,
        })
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
            why: f.why,
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
        let mut out = Vec::with_capacity(pending.len());
        for p in pending {
            let silenced = allows.iter().enumerate().position(|(i, a)| {
                targets[i] == Some(p.statement)
                    && valid(a)
                    && a.ids.iter().any(|id| id == p.diagnostic.rule)
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

/// Tokenize and parse one statement (tokenizing once).
fn read(
    sql: &str,
    dialect: &dyn sqlparser::dialect::Dialect,
) -> (
    Tokens,
    Option<sqlparser::ast::Statement>,
    Option<ParseFailure>,
) {
    let raw = match Tokenizer::new(dialect, sql).tokenize_with_location() {
        Ok(raw) => raw,
        Err(e) => {
            let failure = ParseFailure {
                message: e.message,
                at: Some(e.location),
            };
            return (Tokens::from_words(sql), None, Some(failure));
        }
    };
    let tokens = Tokens::from_raw(&raw);
    if let Some(chain) = crate::sql::too_deep(&raw) {
        let failure = ParseFailure {
            message: format!("an expression chains {chain}+ operators, more than the linter parses ({}); only token-level checks ran", crate::sql::MAX_OPERATOR_CHAIN),
            at: None,
        };
        return (tokens, None, Some(failure));
    }
    match Parser::new(dialect)
        .with_recursion_limit(crate::sql::RECURSION_LIMIT)
        .with_tokens_with_locations(raw)
        .parse_statements()
    {
        Ok(mut parsed) if !parsed.is_empty() => (tokens, Some(parsed.swap_remove(0)), None),
        Ok(_) => (tokens, None, None),
        Err(e) => (tokens, None, Some(failure(&e.to_string()))),
    }
}

/// The parser's message split from its ` at Line: l, Column: c` suffix.
fn failure(text: &str) -> ParseFailure {
    let text = text.strip_prefix("sql parser error: ").unwrap_or(text);
    let Some(i) = text.rfind(" at Line: ") else {
        return ParseFailure {
            message: text.to_string(),
            at: None,
        };
    };
    let mut nums = text[i + 10..]
        .split(", Column: ")
        .map(|n| n.trim().parse::<u64>());
    match (nums.next(), nums.next()) {
        (Some(Ok(line)), Some(Ok(column))) => ParseFailure {
            message: text[..i].to_string(),
            at: Some(Location { line, column }),
        },
        _ => ParseFailure {
            message: text.to_string(),
            at: None,
        },
    }
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
