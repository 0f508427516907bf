//! CREATE TABLE, column definitions and table constraints, with the names the server gives
//! unnamed constraints (PostgreSQL's `<table>_<columns>_key`/`_pkey`/`_check`/`_fkey`;
//! MySQL's first-column index names and `PRIMARY`). A name replay cannot know stays `None`.

use super::Replay;
use crate::schema::{normalize_type, Check, Column, ForeignKey, Index, Key, Table};
use crate::Dialect;
use sqlparser::ast::{
    ColumnDef, ColumnOption, CreateTable, Expr, GeneratedAs, Ident, IndexColumn, TableConstraint,
};

/// Why a statement could not be followed (the table becomes unknown).
pub(super) type Unread = ();

impl Replay {
    pub(super) fn create_table(&mut self, ct: &CreateTable, at: &str) -> Result<(), Unread> {
        let name = self.name(&ct.name).ok_or(())?;
        if ct.if_not_exists && self.schema.holds(&name) {
            return Ok(());
        }
        let plain = ct.query.is_none()
            && ct.like.is_none()
            && ct.clone.is_none()
            && ct.partition_of.is_none()
            && ct.inherits.as_ref().is_none_or(Vec::is_empty);
        if !plain {
            self.schema
                .mark_unknown(&name, format!("{at}: a table created from another"));
            return Ok(());
        }
        let mut table = Table::new(name, self.schema.folding);
        for c in &ct.columns {
            self.add_column(&mut table, c)?;
        }
        for c in &ct.constraints {
            self.add_constraint(&mut table, c, true)?;
        }
        self.schema.insert(table);
        Ok(())
    }

    /// Add a column with its inline constraints.
    pub(super) fn add_column(&self, table: &mut Table, def: &ColumnDef) -> Result<(), Unread> {
        let column = self.column(def)?;
        let name = column.name.clone();
        table.columns.push(column);
        self.column_constraints(table, &name, def)
    }

    /// A column as its definition says (type, NULL, default, identity, generated, collation).
    pub(super) fn column(&self, def: &ColumnDef) -> Result<Column, Unread> {
        let dialect = self.schema.dialect;
        let written = def.data_type.to_string();
        let mut column = Column {
            name: self.schema.folding.stored_column(&def.name),
            type_normalized: normalize_type(&written, dialect),
            type_written: written,
            nullable: true,
            default: None,
            identity: None,
            generated: None,
            collation: None,
        };
        for option in &def.options {
            match &option.option {
                ColumnOption::Null => column.nullable = true,
                ColumnOption::NotNull | ColumnOption::PrimaryKey(_) => column.nullable = false,
                ColumnOption::Default(e) => column.default = Some(e.to_string()),
                ColumnOption::Collation(n) => {
                    column.collation =
                        n.0.last()
                            .and_then(|p| p.as_ident())
                            .map(|i| i.value.clone());
                }
                ColumnOption::Generated {
                    generated_as,
                    generation_expr,
                    ..
                } => match (generation_expr, generated_as) {
                    (Some(e), _) => column.generated = Some(e.to_string()),
                    (None, GeneratedAs::ByDefault) => column.identity = Some("by default".into()),
                    (None, _) => column.identity = Some("always".into()),
                },
                ColumnOption::DialectSpecific(tokens)
                    if tokens
                        .iter()
                        .any(|t| t.to_string().eq_ignore_ascii_case("AUTO_INCREMENT")) =>
                {
                    column.identity = Some("auto_increment".into());
                }
                ColumnOption::Unique(_)
                | ColumnOption::ForeignKey(_)
                | ColumnOption::Check(_)
                | ColumnOption::Comment(_)
                | ColumnOption::CharacterSet(_)
                | ColumnOption::OnUpdate(_)
                | ColumnOption::Invisible => {}
                _ => return Err(()),
            }
        }
        if dialect == Dialect::Postgres
            && column.type_written.to_ascii_lowercase().contains("serial")
        {
            column.nullable = false;
            column.default = Some("nextval(...)".into());
        }
        Ok(column)
    }

    /// The constraints written on a column (PRIMARY KEY, UNIQUE, REFERENCES, CHECK).
    pub(super) fn column_constraints(
        &self,
        table: &mut Table,
        column: &str,
        def: &ColumnDef,
    ) -> Result<(), Unread> {
        let ident = Ident::with_quote('"', column);
        for option in &def.options {
            let constraint = match &option.option {
                ColumnOption::PrimaryKey(pk) => {
                    let mut pk = pk.clone();
                    pk.name = pk.name.or_else(|| option.name.clone());
                    pk.columns = vec![IndexColumn::from(ident.clone())];
                    TableConstraint::PrimaryKey(pk)
                }
                ColumnOption::Unique(u) => {
                    let mut u = u.clone();
                    u.name = u.name.or_else(|| option.name.clone());
                    u.columns = vec![IndexColumn::from(ident.clone())];
                    TableConstraint::Unique(u)
                }
                ColumnOption::ForeignKey(fk) => {
                    let mut fk = fk.clone();
                    fk.name = fk.name.or_else(|| option.name.clone());
                    fk.columns = vec![ident.clone()];
                    TableConstraint::ForeignKey(fk)
                }
                ColumnOption::Check(c) => {
                    let mut c = c.clone();
                    c.name = c.name.or_else(|| option.name.clone());
                    TableConstraint::Check(c)
                }
                _ => continue,
            };
            self.add_constraint(table, &constraint, true)?;
        }
        Ok(())
    }

    /// Add a table constraint (`validated`: false for `NOT VALID`).
    pub(super) fn add_constraint(
        &self,
        table: &mut Table,
        c: &TableConstraint,
        validated: bool,
    ) -> Result<(), Unread> {
        let f = self.schema.folding;
        let stored = |i: &Option<Ident>| i.as_ref().map(|i| f.stored_column(i));
        let pg = self.schema.dialect == Dialect::Postgres;
        match c {
            TableConstraint::PrimaryKey(pk) => {
                let columns = self.key_parts(&pk.columns);
                for c in &columns {
                    if let Some(col) = table.column_mut(c) {
                        col.nullable = false;
                    }
                }
                let name = if pg {
                    stored(&pk.name).or_else(|| default_name(table, &[], "pkey"))
                } else {
                    Some("PRIMARY".into())
                };
                table.primary_key = Some(Key { name, columns });
            }
            TableConstraint::Unique(u) => {
                let name = stored(&u.name).or_else(|| stored(&u.index_name));
                self.push_index(table, name, &u.columns, Some(pg));
            }
            TableConstraint::Index(i) => self.push_index(table, stored(&i.name), &i.columns, None),
            TableConstraint::FulltextOrSpatial(i) => {
                self.push_index(table, stored(&i.opt_index_name), &i.columns, None);
            }
            TableConstraint::Check(check) => {
                let expr = check.expr.to_string();
                let columns = self.columns_in(table, &check.expr);
                let name = stored(&check.name).or_else(|| {
                    let single: Vec<String> = columns.iter().take(1).cloned().collect();
                    pg.then(|| {
                        default_name(
                            table,
                            if columns.len() == 1 { &single } else { &[] },
                            "check",
                        )
                    })
                    .flatten()
                });
                table.checks.push(Check {
                    name,
                    expr,
                    columns,
                    validated,
                });
            }
            TableConstraint::ForeignKey(fk) => self.add_foreign_key(table, fk, validated)?,
            _ => return Err(()),
        }
        Ok(())
    }

    /// Add a foreign key (MySQL also indexes its columns when no index starts with them).
    fn add_foreign_key(
        &self,
        table: &mut Table,
        fk: &sqlparser::ast::ForeignKeyConstraint,
        validated: bool,
    ) -> Result<(), Unread> {
        let f = self.schema.folding;
        let stored = |i: &Option<Ident>| i.as_ref().map(|i| f.stored_column(i));
        let pg = self.schema.dialect == Dialect::Postgres;
        let columns: Vec<String> = fk.columns.iter().map(|c| f.stored_column(c)).collect();
        let name = stored(&fk.name)
            .or_else(|| pg.then(|| default_name(table, &columns, "fkey")).flatten());
        if !pg
            && !table
                .indexes
                .iter()
                .any(|i| i.columns.starts_with(&columns))
        {
            table.indexes.push(Index {
                name: stored(&fk.index_name).or_else(|| name.clone()),
                columns: columns.clone(),
                unique: false,
                constraint: false,
                predicate: None,
                valid: true,
            });
        }
        let references = self.name(&fk.foreign_table).ok_or(())?;
        let mut referenced_columns: Vec<String> = fk
            .referred_columns
            .iter()
            .map(|c| f.stored_column(c))
            .collect();
        if referenced_columns.is_empty() {
            // REFERENCES t alone: the referenced table's primary key, as the server reads it.
            let target = if references == table.name {
                Some(&*table)
            } else {
                self.schema.table(&references).known()
            };
            referenced_columns = target
                .and_then(|t| t.primary_key.as_ref())
                .ok_or(())?
                .columns
                .clone();
        }
        table.foreign_keys.push(ForeignKey {
            name,
            columns,
            references,
            referenced_columns,
            validated,
        });
        Ok(())
    }

    /// An index of a table constraint; `unique`: `Some(backs a constraint)` for UNIQUE.
    fn push_index(
        &self,
        table: &mut Table,
        name: Option<String>,
        parts: &[IndexColumn],
        unique: Option<bool>,
    ) {
        let columns = self.key_parts(parts);
        let label = if unique.is_some() { "key" } else { "idx" };
        let name = name.or_else(|| self.unnamed_index(table, &columns, label));
        table.indexes.push(Index {
            name,
            columns,
            unique: unique.is_some(),
            constraint: unique.unwrap_or(false),
            predicate: None,
            valid: true,
        });
    }

    /// Index key parts: column names as stored, expressions in parentheses.
    pub(super) fn key_parts(&self, columns: &[IndexColumn]) -> Vec<String> {
        columns
            .iter()
            .map(|c| match &c.column.expr {
                Expr::Identifier(i) => self.schema.folding.stored_column(i),
                other => format!("({other})"),
            })
            .collect()
    }

    /// The name the server gives an unnamed index: PostgreSQL `<table>_<columns>_<label>`,
    /// MySQL the first column's name (`_2`, `_3` when taken); `None` for expressions.
    pub(super) fn unnamed_index(
        &self,
        table: &Table,
        columns: &[String],
        label: &str,
    ) -> Option<String> {
        if columns.iter().any(|c| c.starts_with('(')) {
            return None;
        }
        if self.schema.dialect == Dialect::Postgres {
            return default_name(table, columns, label);
        }
        let first = columns.first()?.clone();
        std::iter::once(first.clone())
            .chain((2..100).map(|n| format!("{first}_{n}")))
            .find(|n| !table.has_object(n))
    }

    /// The table's columns an expression mentions (by the column's name, any qualifier).
    pub(super) fn columns_in(&self, table: &Table, expr: &Expr) -> Vec<String> {
        super::tokens::columns_in(&expr.to_string(), table, self)
    }
}

/// PostgreSQL's name for an unnamed constraint or index: `<table>[_<columns>]_<label>`, a
/// number appended when taken; `None` past 63 bytes (the server would truncate it).
pub(super) fn default_name(table: &Table, columns: &[String], label: &str) -> Option<String> {
    let mut base = table.name.name.clone();
    for c in columns {
        base.push('_');
        base.push_str(c);
    }
    base.push('_');
    base.push_str(label);
    let name = std::iter::once(base.clone())
        .chain((1..100).map(|n| format!("{base}{n}")))
        .find(|n| !table.has_object(n))?;
    (name.len() <= 63).then_some(name)
}
