//! The token-level view of a statement: sqlparser's tokens reduced to words, quoted
//! identifiers, literals and punctuation, with unquoted words upper-cased. Rules use it for
//! statements the parser cannot read (`DROP INDEX CONCURRENTLY`, `REINDEX`, `DO $$ ... $$`,
//! MariaDB extensions) and for details the AST does not keep.

use crate::sql::leading_words;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan};

/// What a [`Tok`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokKind {
    /// An unquoted word (keyword or identifier); its text is upper-cased.
    Word,
    /// A quoted identifier; its text is the identifier as written, without quotes.
    Quoted,
    /// A string or number literal; its text is the value.
    Literal,
    /// Punctuation or an operator, e.g. `(`, `=`, `,`.
    Punct,
}

/// One token of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tok {
    /// What kind of token this is.
    pub kind: TokKind,
    /// Its text (see [`TokKind`]).
    pub text: String,
    /// Its position in the statement (1-based lines and columns, `end` just past the token;
    /// empty when the tokenizer failed and the words came from the fallback scanner).
    pub span: Span,
}

/// The tokens of one statement, comments and white space left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Tokens {
    toks: Vec<Tok>,
}

impl Tokens {
    /// The view of already tokenized input.
    #[must_use]
    pub(crate) fn from_raw(raw: &[TokenWithSpan]) -> Tokens {
        let mut toks = Vec::with_capacity(raw.len());
        for t in raw {
            let (kind, text) = match &t.token {
                Token::Whitespace(_) | Token::EOF => continue,
                Token::Word(w) if w.quote_style.is_some() => (TokKind::Quoted, w.value.clone()),
                Token::Word(w) => (TokKind::Word, w.value.to_ascii_uppercase()),
                Token::Number(n, _) => (TokKind::Literal, n.clone()),
                Token::SingleQuotedString(s)
                | Token::DoubleQuotedString(s)
                | Token::NationalStringLiteral(s)
                | Token::EscapedStringLiteral(s) => (TokKind::Literal, s.clone()),
                Token::DollarQuotedString(d) => (TokKind::Literal, d.value.clone()),
                Token::LParen => (TokKind::Punct, String::from("(")),
                Token::RParen => (TokKind::Punct, String::from(")")),
                Token::Comma => (TokKind::Punct, String::from(",")),
                Token::Period => (TokKind::Punct, String::from(".")),
                Token::Eq => (TokKind::Punct, String::from("=")),
                other => (TokKind::Punct, other.to_string()),
            };
            toks.push(Tok {
                kind,
                text,
                span: t.span,
            });
        }
        Tokens { toks }
    }

    /// The fallback when the tokenizer refuses the text: its words, without positions.
    #[must_use]
    pub(crate) fn from_words(sql: &str) -> Tokens {
        let toks = leading_words(sql, usize::MAX)
            .into_iter()
            .map(|text| Tok {
                kind: TokKind::Word,
                text,
                span: Span::empty(),
            })
            .collect();
        Tokens { toks }
    }

    /// All tokens, in order.
    #[must_use]
    pub(crate) fn all(&self) -> &[Tok] {
        &self.toks
    }

    /// The token at `i`, if any.
    #[must_use]
    pub(crate) fn get(&self, i: usize) -> Option<&Tok> {
        self.toks.get(i)
    }

    /// True when token `i` is the unquoted word `word` (upper case).
    #[must_use]
    pub(crate) fn is_word(&self, i: usize, word: &str) -> bool {
        self.toks
            .get(i)
            .is_some_and(|t| t.kind == TokKind::Word && t.text == word)
    }

    /// True when the statement starts with the words `words` (upper case).
    #[must_use]
    pub(crate) fn starts_with(&self, words: &[&str]) -> bool {
        words.iter().enumerate().all(|(i, w)| self.is_word(i, w))
    }

    /// The index of the first occurrence of the word sequence `words`, at or after `from`.
    #[must_use]
    pub(crate) fn find_seq(&self, from: usize, words: &[&str]) -> Option<usize> {
        (from..self.toks.len()).find(|&i| {
            words
                .iter()
                .enumerate()
                .all(|(k, w)| self.is_word(i + k, w))
        })
    }

    /// True when the word `word` (upper case) occurs anywhere in the statement.
    #[must_use]
    pub(crate) fn has(&self, word: &str) -> bool {
        self.find_seq(0, &[word]).is_some()
    }

    /// The name starting at token `i` (`name`, `schema.name`, quoted parts): the key of its
    /// last part as [`table_key`](super::table_key) makes it, and the index after the name.
    #[must_use]
    pub(crate) fn name_at(&self, i: usize) -> Option<(String, usize)> {
        let mut i = i;
        let mut key = None;
        loop {
            let t = self.toks.get(i)?;
            key = Some(match t.kind {
                TokKind::Word => t.text.to_ascii_lowercase(),
                TokKind::Quoted => t.text.clone(),
                _ => return key.map(|k| (k, i)),
            });
            if self
                .toks
                .get(i + 1)
                .is_some_and(|t| t.kind == TokKind::Punct && t.text == ".")
            {
                i += 2;
            } else {
                return key.map(|k| (k, i + 1));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::dialect::PostgreSqlDialect;
    use sqlparser::tokenizer::Tokenizer;

    #[test]
    fn words_are_upper_cased_and_comments_dropped() {
        let sql = "drop index /* x */ concurrently \"My\".idx -- y";
        let raw = Tokenizer::new(&PostgreSqlDialect {}, sql)
            .tokenize_with_location()
            .unwrap();
        let t = Tokens::from_raw(&raw);
        assert!(t.starts_with(&["DROP", "INDEX", "CONCURRENTLY"]));
        assert_eq!(t.name_at(3), Some(("idx".to_string(), 6)));
        assert_eq!(t.find_seq(0, &["INDEX", "CONCURRENTLY"]), Some(1));
        assert!(!t.has("X"));
    }
}
