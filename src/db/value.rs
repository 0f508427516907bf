//! Values bound to bellows' own queries, and a statement with its values.

/// A value bound to a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlValue {
    /// A whole number.
    Int(i64),
    /// Text.
    Text(String),
    /// SQL NULL (typed as text).
    Null,
    /// SQL NULL typed as an integer (for an integer column).
    NullInt,
}

impl SqlValue {
    /// A count or size as a bound integer (saturating).
    #[must_use]
    pub fn count(n: u64) -> SqlValue {
        SqlValue::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }

    /// An optional integer.
    #[must_use]
    pub fn opt_int(value: Option<i64>) -> SqlValue {
        value.map_or(SqlValue::NullInt, SqlValue::Int)
    }

    /// Optional text.
    #[must_use]
    pub fn opt_text(value: Option<String>) -> SqlValue {
        value.map_or(SqlValue::Null, SqlValue::Text)
    }
}

/// A statement of bellows' own with the values it binds, in placeholder order.
#[derive(Debug, Clone)]
pub struct Bound {
    /// The SQL, with the dialect's placeholders.
    pub sql: String,
    /// The values, in placeholder order.
    pub binds: Vec<SqlValue>,
}
