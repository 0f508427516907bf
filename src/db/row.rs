//! A result row whose columns the query cast to text, with typed accessors: the one shape in
//! which both drivers hand rows to the dialect-generic code (store, catalog, backfill).

use crate::{Error, Result};
use chrono::{DateTime, Utc};
use std::str::FromStr;

/// One row, every column text or NULL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub(crate) Vec<Option<String>>);

impl Row {
    /// Column `i` as text, `None` when NULL (or past the end).
    #[must_use]
    pub fn opt_text(&self, i: usize) -> Option<&str> {
        self.0.get(i).and_then(|v| v.as_deref())
    }

    /// Column `i` as text; NULL reads as the empty string.
    #[must_use]
    pub fn text(&self, i: usize) -> String {
        self.opt_text(i).unwrap_or_default().to_string()
    }

    /// Column `i` parsed as `T`, `None` when NULL.
    ///
    /// # Errors
    /// A value that does not parse (a column of the wrong type).
    pub fn opt<T: FromStr>(&self, i: usize) -> Result<Option<T>> {
        self.opt_text(i)
            .map(|v| {
                v.trim().parse().map_err(|_| Error::Database {
                    context: "reading a row".into(),
                    source: sqlx::Error::Decode(
                        format!(
                            "column {i}: cannot read `{v}` as {}",
                            std::any::type_name::<T>()
                        )
                        .into(),
                    ),
                })
            })
            .transpose()
    }

    /// Column `i` parsed as `T`; NULL reads as `T::default()`.
    ///
    /// # Errors
    /// A value that does not parse.
    pub fn get<T: FromStr + Default>(&self, i: usize) -> Result<T> {
        Ok(self.opt(i)?.unwrap_or_default())
    }

    /// Column `i`, epoch milliseconds, as a time (`None` when NULL).
    ///
    /// # Errors
    /// A value that is not a whole number.
    pub fn opt_time(&self, i: usize) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .opt::<i64>(i)?
            .map(|ms| DateTime::from_timestamp_millis(ms).unwrap_or_default()))
    }

    /// Column `i`, epoch milliseconds, as a time (NULL reads as the epoch).
    ///
    /// # Errors
    /// A value that is not a whole number.
    pub fn time(&self, i: usize) -> Result<DateTime<Utc>> {
        Ok(self.opt_time(i)?.unwrap_or_default())
    }

    /// Every column as text (NULL as empty), e.g. a key read back column by column.
    #[must_use]
    pub fn texts(&self) -> Vec<String> {
        self.0
            .iter()
            .map(|v| v.clone().unwrap_or_default())
            .collect()
    }

    /// The first column of the first row of `rows`, as text.
    #[must_use]
    pub fn scalar(rows: &[Row]) -> Option<&str> {
        rows.first().and_then(|r| r.opt_text(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_reads_of_text_columns() {
        let row = Row(vec![
            Some("42".into()),
            None,
            Some("x".into()),
            Some("0".into()),
        ]);
        assert_eq!(row.get::<i64>(0).unwrap(), 42);
        assert_eq!(row.opt::<i64>(1).unwrap(), None);
        assert_eq!(row.get::<u64>(1).unwrap(), 0);
        assert!(row.get::<i64>(2).is_err());
        assert_eq!(row.text(1), "");
        assert_eq!(row.time(3).unwrap(), DateTime::<Utc>::default());
        assert_eq!(Row::scalar(&[row]), Some("42"));
    }
}
