//! Source positions: turning byte offsets into 1-based line and column numbers.

use serde::Serialize;

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Pos {
    /// Line number, starting at 1.
    pub line: usize,
    /// Column number, starting at 1.
    pub column: usize,
}

/// Maps byte offsets of a text to positions.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
    first_line: usize,
    /// The last position worked out (line index, byte offset, column): positions are asked
    /// in increasing order, so a column on a long line is counted on from there, not from
    /// the line's start (which made 8,000 statements on one line quadratic).
    last: std::cell::Cell<(usize, usize, usize)>,
}

impl<'a> LineIndex<'a> {
    /// Index `text`, whose first line is line `first_line` of its file.
    #[must_use]
    pub(crate) fn new(text: &'a str, first_line: usize) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex {
            text,
            line_starts,
            first_line,
            last: std::cell::Cell::new((0, 0, 1)),
        }
    }

    /// The position of byte offset `offset`.
    #[must_use]
    pub(crate) fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let (last_line, last_offset, last_column) = self.last.get();
        let (from, base) = if last_line == line && last_offset <= offset {
            (last_offset, last_column)
        } else {
            (self.line_starts[line], 1)
        };
        let column = base
            + self
                .text
                .get(from..offset)
                .map_or(offset - from, |s| s.chars().count());
        self.last.set((line, offset, column));
        Pos {
            line: line + self.first_line,
            column,
        }
    }
}
