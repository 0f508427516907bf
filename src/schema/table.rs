//! What the model knows of one table: columns, keys, indexes, CHECKs, foreign keys and
//! triggers, with lookups that compare names the dialect's way.

use super::name::{Folding, TableName};

/// One column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Column {
    /// Its name, as the catalog stores it.
    pub name: String,
    /// Its type as written (replay) or as the catalog prints it (live).
    pub type_written: String,
    /// Its type in one spelling per type ([`super::normalize_type`]): `integer`,
    /// `character varying(20)`, `timestamp with time zone`; MySQL `int` (no display width).
    pub type_normalized: String,
    /// NULL allowed.
    pub nullable: bool,
    /// The default expression, as written or as the catalog prints it.
    pub default: Option<String>,
    /// Identity: `always`, `by default` (PostgreSQL) or `auto_increment` (MySQL); `serial`
    /// columns show as a `nextval(...)` default instead, as the catalog has them.
    pub identity: Option<String>,
    /// The expression of a generated column.
    pub generated: Option<String>,
    /// A collation named on the column (none when it has the table's or type's default).
    pub collation: Option<String>,
}

/// The primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    /// The constraint's name (`None` when replay cannot know the one the server chose).
    pub name: Option<String>,
    /// Its columns, in key order.
    pub columns: Vec<String>,
}

/// An index other than the primary key's, unique or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Index {
    /// Its name (`None` when replay cannot know the one the server chose).
    pub name: Option<String>,
    /// Its key parts: column names, or an expression in parentheses (`(lower(email))`),
    /// MySQL prefixes as `name(10)`.
    pub columns: Vec<String>,
    /// A unique index (or the index of a UNIQUE constraint).
    pub unique: bool,
    /// PostgreSQL: it backs a UNIQUE constraint (dropped with DROP CONSTRAINT). Always
    /// false on MySQL, where the two are the same thing.
    pub constraint: bool,
    /// The predicate of a partial index.
    pub predicate: Option<String>,
    /// False for an INVALID index a failed concurrent build left (live only).
    pub valid: bool,
}

impl Index {
    /// A plain unique index over these columns that the server enforces: valid, not
    /// partial, no expression — what can stand for a key.
    pub(crate) fn is_unique_key(&self) -> bool {
        self.unique
            && self.valid
            && self.predicate.is_none()
            && !self.columns.iter().any(|c| c.starts_with('('))
    }
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Check {
    /// Its name (`None` when replay cannot know the one the server chose).
    pub name: Option<String>,
    /// The expression, as written or printed by the catalog.
    pub expr: String,
    /// The columns the expression mentions.
    pub columns: Vec<String>,
    /// False while a PostgreSQL `NOT VALID` constraint is not validated.
    pub validated: bool,
}

/// A foreign key of this table (outgoing; [`super::Schema::referencing`] finds incoming).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ForeignKey {
    /// Its name (`None` when replay cannot know the one the server chose).
    pub name: Option<String>,
    /// The referencing columns.
    pub columns: Vec<String>,
    /// The referenced table.
    pub references: TableName,
    /// The referenced columns (empty: the referenced table's primary key, as written).
    pub referenced_columns: Vec<String>,
    /// False while a PostgreSQL `NOT VALID` foreign key is not validated.
    pub validated: bool,
}

/// A trigger on the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Trigger {
    /// Its name.
    pub name: String,
}

/// Everything the model knows of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    /// Its name.
    pub name: TableName,
    /// Columns in table order.
    pub columns: Vec<Column>,
    /// The primary key.
    pub primary_key: Option<Key>,
    /// Every other index, unique or not (unique constraints included).
    pub indexes: Vec<Index>,
    /// CHECK constraints.
    pub checks: Vec<Check>,
    /// Outgoing foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// Triggers.
    pub triggers: Vec<Trigger>,
    pub(crate) folding: Folding,
}

impl Table {
    /// An empty table.
    pub(crate) fn new(name: TableName, folding: Folding) -> Table {
        Table {
            name,
            columns: Vec::new(),
            primary_key: None,
            indexes: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            triggers: Vec::new(),
            folding,
        }
    }

    /// The column stored as `name` (compared the dialect's way: exactly on PostgreSQL,
    /// without case on MySQL).
    pub(crate) fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| self.folding.same_column(&c.name, name))
    }

    /// The column as a user wrote it outside SQL (a `key=` directive, a CLI argument): the
    /// exact name first, then the name as an unquoted identifier would fold.
    pub(crate) fn column_written(&self, written: &str) -> Option<&Column> {
        self.column(written).or_else(|| {
            let folded = self
                .folding
                .stored_column(&sqlparser::ast::Ident::new(written));
            self.column(&folded)
        })
    }

    pub(crate) fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        let folding = self.folding;
        self.columns
            .iter_mut()
            .find(|c| folding.same_column(&c.name, name))
    }

    /// The unique indexes (and the primary key) whose columns are exactly `columns`, in any
    /// order, that can stand for a key ([`Index::is_unique_key`]).
    pub(crate) fn unique_over(&self, columns: &[String]) -> bool {
        let same = |have: &[String]| {
            have.len() == columns.len()
                && columns
                    .iter()
                    .all(|c| have.iter().any(|h| self.folding.same_column(h, c)))
        };
        self.primary_key.as_ref().is_some_and(|k| same(&k.columns))
            || self
                .indexes
                .iter()
                .any(|i| i.is_unique_key() && same(&i.columns))
    }

    /// Whether an index or constraint of this table is named `name`.
    pub(crate) fn has_object(&self, name: &str) -> bool {
        let f = self.folding;
        let is = |n: &Option<String>| n.as_deref().is_some_and(|n| f.same_column(n, name));
        self.primary_key.as_ref().is_some_and(|k| is(&k.name))
            || self.indexes.iter().any(|i| is(&i.name))
            || self.checks.iter().any(|c| is(&c.name))
            || self.foreign_keys.iter().any(|k| is(&k.name))
    }
}
