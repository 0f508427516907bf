//! A guard before parsing (the linter, a backfill statement, a `--type`): a statement whose expressions chain more operators than the
//! linter's walks (and the AST's own drop) can follow on a thread's stack is not parsed, and
//! the token-level checks run instead. sqlparser limits nesting (parentheses, prefix
//! operators) with its recursion limit, but a chain such as `1 + 1 + ... + 1` is parsed in a
//! loop into a tree as deep as the chain is long: 100,000 terms overflowed the stack.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Token, TokenWithSpan};

/// The longest operator chain parsed (a tree this deep is walked in well under 1 MB of stack).
pub(crate) const MAX_OPERATOR_CHAIN: usize = 256;

/// The parser's own limit on nesting (parentheses, prefix operators, subqueries).
pub(crate) const RECURSION_LIMIT: usize = 50;

/// The longest chain of binary or postfix operators at one level of one expression, when it
/// is above [`MAX_OPERATOR_CHAIN`].
#[must_use]
pub(crate) fn too_deep(tokens: &[TokenWithSpan]) -> Option<usize> {
    // The chain at each open parenthesis level: a parenthesized operand counts as one.
    let mut chains: Vec<usize> = vec![0];
    for t in tokens {
        match &t.token {
            Token::LParen | Token::LBracket => chains.push(0),
            Token::RParen | Token::RBracket if chains.len() > 1 => {
                chains.pop();
            }
            Token::Comma | Token::SemiColon => {
                if let Some(c) = chains.last_mut() {
                    *c = 0;
                }
            }
            token if is_operator(token) => {
                if let Some(c) = chains.last_mut() {
                    *c += 1;
                    if *c > MAX_OPERATOR_CHAIN {
                        return Some(*c);
                    }
                }
            }
            _ => {}
        }
    }
    None
}

/// Parse `sql` with sqlparser for `dialect`, refusing an operator chain deeper than
/// [`MAX_OPERATOR_CHAIN`] before building its tree (and nesting beyond [`RECURSION_LIMIT`]).
///
/// # Errors
/// The tokenizer's or parser's message, or the chain's length.
pub(crate) fn parse_bounded(
    sql: &str,
    dialect: super::Dialect,
) -> Result<Vec<sqlparser::ast::Statement>, String> {
    let parser_dialect = dialect.parser_dialect();
    let tokens = sqlparser::tokenizer::Tokenizer::new(&*parser_dialect, sql)
        .tokenize_with_location()
        .map_err(|e| e.to_string())?;
    if let Some(chain) = too_deep(&tokens) {
        return Err(format!(
            "an expression chains {chain}+ operators, more than bellows parses ({MAX_OPERATOR_CHAIN})"
        ));
    }
    sqlparser::parser::Parser::new(&*parser_dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|e| e.to_string())
}

fn is_operator(token: &Token) -> bool {
    match token {
        Token::Word(w) => matches!(
            w.keyword,
            Keyword::AND
                | Keyword::OR
                | Keyword::XOR
                | Keyword::IS
                | Keyword::LIKE
                | Keyword::ILIKE
                | Keyword::IN
                | Keyword::BETWEEN
                | Keyword::COLLATE
                | Keyword::DIV
                | Keyword::MOD
                | Keyword::REGEXP
                | Keyword::RLIKE
                | Keyword::AT
        ),
        other => matches!(
            other,
            Token::Plus
                | Token::Minus
                | Token::Mul
                | Token::Div
                | Token::Mod
                | Token::StringConcat
                | Token::Eq
                | Token::DoubleEq
                | Token::Neq
                | Token::Lt
                | Token::Gt
                | Token::LtEq
                | Token::GtEq
                | Token::Spaceship
                | Token::Caret
                | Token::Ampersand
                | Token::Pipe
                | Token::ShiftLeft
                | Token::ShiftRight
                | Token::DoubleColon
                | Token::Arrow
                | Token::LongArrow
                | Token::HashArrow
                | Token::HashLongArrow
                | Token::Tilde
                | Token::TildeAsterisk
                | Token::ExclamationMarkTilde
                | Token::ExclamationMarkTildeAsterisk
                | Token::AtArrow
                | Token::ArrowAt
                | Token::Question
                | Token::QuestionAnd
                | Token::QuestionPipe
                | Token::Overlap
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    fn chain(sql: &str) -> Option<usize> {
        let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap();
        too_deep(&tokens)
    }

    #[test]
    fn long_chains_are_found_at_any_level() {
        let terms = |n: usize, term: &str, op: &str| vec![term; n].join(op);
        assert!(chain(&format!("SELECT {}", terms(300, "1", " + "))).is_some());
        assert!(chain(&format!("SELECT {}", terms(300, "(1)", " || "))).is_some());
        assert!(chain(&format!("SELECT f({})", terms(300, "a", " AND "))).is_some());
        assert!(chain(&format!("SELECT x{}", "::int".repeat(300))).is_some());
    }

    #[test]
    fn long_lists_are_not_chains() {
        let list = vec!["(1, 'a', 2 + 3)"; 5000].join(", ");
        assert_eq!(chain(&format!("INSERT INTO t VALUES {list}")), None);
        let items = vec!["a = 1 AND b = 2"; 2000].join(", ");
        assert_eq!(chain(&format!("SELECT {items}")), None);
    }
}
