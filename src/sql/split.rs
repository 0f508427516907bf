//! Statement splitting that never depends on the parser: a small lexer that knows quotes,
//! comments, dollar-quoted bodies, `BEGIN ... END` blocks of routine bodies and the MySQL
//! client's `DELIMITER` command, so that every statement gets its exact source position.

use super::{Dialect, LineIndex, Pos};

/// One statement cut out of a larger text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// The statement text, from its first token to just before its delimiter.
    pub sql: String,
    /// Byte offset of the first token in the text that was split.
    pub start_byte: usize,
    /// Byte offset just past the last character of the statement.
    pub end_byte: usize,
    /// Position of the first token.
    pub start: Pos,
    /// Position of the last character.
    pub end: Pos,
}

/// A text that cannot be split: a quote, comment or body that never ends.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what} starting at line {}, column {} is never closed", .pos.line, .pos.column)]
pub(crate) struct SplitError {
    /// What was left open, e.g. "string literal".
    pub what: &'static str,
    /// Where it started.
    pub pos: Pos,
}

/// Split `text` into statements. `first_line` is the line number of the text's first line in
/// its file, so positions point into the file: in
/// `CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\nSELECT ';';` there are
/// two statements, the second on line 2.
///
/// # Errors
/// A [`SplitError`] when a quote, block comment or dollar-quoted body is never closed.
pub(crate) fn split(
    text: &str,
    dialect: Dialect,
    first_line: usize,
) -> Result<Vec<Statement>, SplitError> {
    let index = LineIndex::new(text, first_line);
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        dialect,
        pos: 0,
    };
    let mut out = Vec::new();
    let mut current = Current::default();
    let mut delimiter = String::from(";");
    let mysql = dialect.is_mysql_family();
    while lexer.pos < lexer.bytes.len() {
        let i = lexer.pos;
        let b = lexer.bytes[i];
        if mysql
            && current.start.is_none()
            && b.eq_ignore_ascii_case(&b'd')
            && lexer.at_line_start(i)
        {
            if let Some(new) = lexer.delimiter_command(i) {
                delimiter = new;
                continue;
            }
        }
        if lexer.text[i..].starts_with(delimiter.as_str())
            && (delimiter != ";" || current.depth == 0)
        {
            current.finish(text, &index, &mut out);
            lexer.pos += delimiter.len();
            continue;
        }
        if b.is_ascii_whitespace() {
            lexer.pos += 1;
            continue;
        }
        if lexer.skip_comment(i).map_err(|what| SplitError {
            what,
            pos: index.pos(i),
        })? {
            continue;
        }
        current.start.get_or_insert(i);
        if let Some(what) = lexer.skip_quoted(i).map_err(|what| SplitError {
            what,
            pos: index.pos(i),
        })? {
            let _ = what;
            current.end = lexer.pos;
            continue;
        }
        if is_word_start(b) {
            let word_end = lexer.word_end(i);
            current.on_word(&lexer, &text[i..word_end], word_end);
            lexer.pos = word_end;
            current.end = word_end;
            continue;
        }
        lexer.pos += utf8_len(b);
        current.end = lexer.pos;
    }
    current.finish(text, &index, &mut out);
    Ok(out)
}

/// The statement being collected.
#[derive(Default)]
struct Current {
    start: Option<usize>,
    end: usize,
    /// Leading words, upper-cased, to recognise routine definitions.
    head: Vec<String>,
    routine: bool,
    depth: usize,
}

impl Current {
    fn on_word(&mut self, lexer: &Lexer<'_>, word: &str, word_end: usize) {
        let upper = word.to_ascii_uppercase();
        if self.head.len() < 8 {
            self.head.push(upper.clone());
            if self.head[0] == "CREATE"
                && matches!(
                    upper.as_str(),
                    "TRIGGER" | "PROCEDURE" | "FUNCTION" | "EVENT"
                )
            {
                self.routine = true;
            }
        }
        if !self.routine {
            return;
        }
        match upper.as_str() {
            "BEGIN" | "CASE" => self.depth += 1,
            "END" => {
                let next = lexer.next_word(word_end).to_ascii_uppercase();
                if !matches!(next.as_str(), "IF" | "LOOP" | "WHILE" | "REPEAT" | "FOR") {
                    self.depth = self.depth.saturating_sub(1);
                }
            }
            _ => {}
        }
    }

    fn finish(&mut self, text: &str, index: &LineIndex, out: &mut Vec<Statement>) {
        if let Some(start) = self.start {
            let sql = text[start..self.end].to_string();
            out.push(Statement {
                sql,
                start_byte: start,
                end_byte: self.end,
                start: index.pos(start),
                end: index.pos(self.end.saturating_sub(1).max(start)),
            });
        }
        *self = Current::default();
    }
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    dialect: Dialect,
    pos: usize,
}

impl Lexer<'_> {
    /// Only white space between the line's start and `i`. Looks back over white space only,
    /// so a long line costs nothing (it is asked at a `d` that may start `DELIMITER`).
    fn at_line_start(&self, i: usize) -> bool {
        self.bytes[..i]
            .iter()
            .rev()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c'))
            .is_none_or(|b| *b == b'\n')
    }

    /// A MySQL client `DELIMITER x` line: consumes it and returns the new delimiter.
    fn delimiter_command(&mut self, i: usize) -> Option<String> {
        let line_end = self.text[i..].find('\n').map_or(self.text.len(), |n| i + n);
        let line = self.text[i..line_end].trim();
        let (keyword, rest) = line.split_once(char::is_whitespace)?;
        if !keyword.eq_ignore_ascii_case("delimiter") || rest.trim().is_empty() {
            return None;
        }
        self.pos = line_end;
        Some(rest.trim().to_string())
    }

    /// Skips a comment at `i`; `Ok(false)` when there is none.
    fn skip_comment(&mut self, i: usize) -> Result<bool, &'static str> {
        let rest = &self.bytes[i..];
        let line_comment =
            rest.starts_with(b"--") || (self.dialect.is_mysql_family() && rest[0] == b'#');
        if line_comment {
            self.pos = self.text[i..]
                .find('\n')
                .map_or(self.bytes.len(), |n| i + n);
            return Ok(true);
        }
        if !rest.starts_with(b"/*") {
            return Ok(false);
        }
        let nested = self.dialect == Dialect::Postgres;
        let mut depth = 0usize;
        let mut j = i;
        while j < self.bytes.len() {
            if self.bytes[j..].starts_with(b"/*") && (nested || depth == 0) {
                depth += 1;
                j += 2;
            } else if self.bytes[j..].starts_with(b"*/") {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    self.pos = j;
                    return Ok(true);
                }
            } else {
                j += 1;
            }
        }
        Err("block comment")
    }

    /// Skips a quoted string, identifier or dollar-quoted body at `i`.
    fn skip_quoted(&mut self, i: usize) -> Result<Option<&'static str>, &'static str> {
        let b = self.bytes[i];
        let mysql = self.dialect.is_mysql_family();
        match b {
            b'\'' => {
                let escapes = mysql || self.is_escape_string_prefix(i);
                self.pos = self
                    .closing_quote(i + 1, b'\'', escapes)
                    .ok_or("string literal")?;
                Ok(Some("string literal"))
            }
            b'"' => {
                self.pos = self
                    .closing_quote(i + 1, b'"', mysql)
                    .ok_or("quoted identifier")?;
                Ok(Some("quoted identifier"))
            }
            b'`' if mysql => {
                self.pos = self
                    .closing_quote(i + 1, b'`', false)
                    .ok_or("quoted identifier")?;
                Ok(Some("quoted identifier"))
            }
            b'$' if !mysql => match self.dollar_tag(i) {
                Some(tag) => {
                    let body = i + tag.len();
                    let close = self.text[body..].find(tag).ok_or("dollar-quoted body")?;
                    self.pos = body + close + tag.len();
                    Ok(Some("dollar-quoted body"))
                }
                None => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// `E'...'` strings in PostgreSQL take backslash escapes.
    fn is_escape_string_prefix(&self, quote: usize) -> bool {
        quote > 0
            && matches!(self.bytes[quote - 1], b'e' | b'E')
            && (quote < 2 || !is_word_byte(self.bytes[quote - 2]))
    }

    /// Index just past the closing quote; a doubled quote is an escaped quote.
    fn closing_quote(&self, mut j: usize, quote: u8, backslash: bool) -> Option<usize> {
        while j < self.bytes.len() {
            let c = self.bytes[j];
            if backslash && c == b'\\' {
                j += 2;
            } else if c == quote {
                if self.bytes.get(j + 1) == Some(&quote) {
                    j += 2;
                } else {
                    return Some(j + 1);
                }
            } else {
                j += 1;
            }
        }
        None
    }

    /// `$$` or `$tag$` at `i` (a `$1` parameter is not a tag).
    fn dollar_tag(&self, i: usize) -> Option<&str> {
        if i > 0 && is_word_byte(self.bytes[i - 1]) {
            return None;
        }
        let rest = &self.text[i + 1..];
        let end = rest.find('$')?;
        let tag = &rest[..end];
        let valid = tag.is_empty()
            || (tag
                .bytes()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
                && tag.bytes().all(is_word_byte));
        valid.then(|| &self.text[i..i + end + 2])
    }

    fn word_end(&self, i: usize) -> usize {
        let mut j = i;
        while j < self.bytes.len() && (is_word_byte(self.bytes[j]) || self.bytes[j] == b'$') {
            j += 1;
        }
        j
    }

    /// The next word after `i`, skipping whitespace only (enough for `END IF`).
    fn next_word(&self, i: usize) -> &str {
        let rest = self.text[i..].trim_start();
        let start = self.text.len() - rest.len();
        let end = self.word_end(start);
        &self.text[start..end]
    }
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests;
