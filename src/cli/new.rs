//! `bellows new <name> --op <op> ARGS...`: write a safe-change recipe as a new migration file.

use bellows::config::FileConfig;
use bellows::generate::{Op, Recipe};
use bellows::{Dialect, Error, Result};
use clap::ValueEnum;
use std::path::{Path, PathBuf};

/// The recipes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OpName {
    /// TABLE OLD NEW (needs --type) [--placeholder LITERAL]
    RenameColumn,
    /// TABLE COLUMN TYPE [--using EXPR --reverse EXPR] [--new-column NAME] [--placeholder LITERAL]
    ChangeType,
    /// TABLE COLUMN [--default EXPR [--current-default EXPR]] (MySQL also needs --type)
    AddNotNull,
    /// TABLE COLUMN REF_TABLE REF_COLUMN
    AddForeignKey,
    /// TABLE COLUMNS...
    AddUnique,
    /// TABLE COLUMNS...
    AddIndex,
    /// TABLE COLUMN [--placeholder LITERAL]
    DropColumn,
    /// OLD NEW
    RenameTable,
}

/// Arguments of `bellows new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The migration's name (the file is `<timestamp>_<name>.sql`).
    name: String,
    /// The recipe.
    #[arg(long, value_enum)]
    op: OpName,
    /// The recipe's arguments (tables, columns, type).
    #[arg(required = true, num_args = 1..)]
    args: Vec<String>,
    /// Dialect to write for (else bellows.toml [lint] dialect, else postgres).
    #[arg(long)]
    dialect: Option<Dialect>,
    /// The contract's gate, e.g. ">=2.4.0".
    #[arg(long, value_name = "RANGE")]
    requires_app: Option<String>,
    /// Migrations folder (else bellows.toml, else ./migrations).
    #[arg(long, value_name = "DIR")]
    migrations: Option<PathBuf>,
    /// Column type (rename-column; add-not-null on MySQL).
    #[arg(long = "type", value_name = "TYPE")]
    column_type: Option<String>,
    /// change-type: conversion from the old value, `{}` standing for the old column.
    #[arg(long, value_name = "EXPR")]
    using: Option<String>,
    /// change-type: conversion back for rows the new app writes, `{}` standing for the new
    /// column (required with --using).
    #[arg(long, value_name = "EXPR")]
    reverse: Option<String>,
    /// change-type: name of the new column (default `<column>_new`).
    #[arg(long, value_name = "NAME")]
    new_column: Option<String>,
    /// add-not-null: default for new rows and existing NULLs.
    #[arg(long, value_name = "EXPR")]
    default: Option<String>,
    /// add-not-null: the default the column has now; the down section puts it back (and
    /// MySQL's contract keeps it when there is no --default).
    #[arg(long, value_name = "EXPR")]
    current_default: Option<String>,
    /// drop-column: a value of the column's type, its default while the new app (which no
    /// longer writes it) runs — needed when the column is NOT NULL without a default.
    /// rename-column, change-type (MySQL/MariaDB): a value of the old column's type, its
    /// default for the moment between the contract's trigger drops and its column drop
    /// (derived from the type when it is a number or a string).
    #[arg(long, value_name = "LITERAL")]
    placeholder: Option<String>,
    /// The key column backfills walk.
    #[arg(long, default_value = "id")]
    key: String,
}

/// Write the file; returns its path.
pub fn run(args: &NewArgs, file: &FileConfig, config_path: Option<&Path>) -> Result<PathBuf> {
    let recipe = Recipe {
        op: op(args)?,
        dialect: args
            .dialect
            .or(file.lint.dialect)
            .unwrap_or(Dialect::Postgres),
        requires_app: args.requires_app.clone(),
        key: args.key.clone(),
    };
    let text = recipe.render()?;
    let dir = super::settings::migrations_dir(args.migrations.as_deref(), file, config_path);
    std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
        path: dir.display().to_string(),
        source,
    })?;
    let slug: String = args
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let mut version: i64 = chrono::Utc::now()
        .format("%Y%m%d%H%M%S")
        .to_string()
        .parse()
        .unwrap_or(1);
    let taken = |v: i64| {
        std::fs::read_dir(&dir)
            .ok()
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{v}_"))
            })
    };
    while taken(version) {
        version += 1;
    }
    let path = dir.join(format!("{version}_{slug}.sql"));
    std::fs::write(&path, text).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    Ok(path)
}

fn op(args: &NewArgs) -> Result<Op> {
    let a = &args.args;
    let arity = |n: usize, usage: &str| {
        if a.len() == n {
            Ok(())
        } else {
            Err(Error::Config(format!(
                "--op {}: expected {usage}",
                args.op
                    .to_possible_value()
                    .map(|v| v.get_name().to_string())
                    .unwrap_or_default()
            )))
        }
    };
    let at_least_two = |usage: &str| {
        if a.len() >= 2 {
            Ok(())
        } else {
            Err(Error::Config(format!("expected {usage}")))
        }
    };
    let takes_placeholder = matches!(
        args.op,
        OpName::RenameColumn | OpName::ChangeType | OpName::DropColumn
    );
    if args.placeholder.is_some() && !takes_placeholder {
        return Err(Error::Config(
            "--placeholder is for rename-column, change-type and drop-column".into(),
        ));
    }
    if args.current_default.is_some() && args.op != OpName::AddNotNull {
        return Err(Error::Config(
            "--current-default is for add-not-null".into(),
        ));
    }
    Ok(match args.op {
        OpName::RenameColumn => {
            arity(3, "TABLE OLD NEW")?;
            let column_type = args.column_type.clone().ok_or_else(|| {
                Error::Config(
                    "rename-column needs --type (the column's type, e.g. --type text)".into(),
                )
            })?;
            Op::RenameColumn {
                table: a[0].clone(),
                old: a[1].clone(),
                new: a[2].clone(),
                column_type,
                placeholder: args.placeholder.clone(),
            }
        }
        OpName::ChangeType => {
            arity(3, "TABLE COLUMN TYPE")?;
            Op::ChangeType {
                table: a[0].clone(),
                column: a[1].clone(),
                new_type: a[2].clone(),
                new_column: args
                    .new_column
                    .clone()
                    .unwrap_or_else(|| format!("{}_new", a[1])),
                using: args.using.clone(),
                reverse: args.reverse.clone(),
                placeholder: args.placeholder.clone(),
            }
        }
        OpName::AddNotNull => {
            arity(2, "TABLE COLUMN")?;
            Op::AddNotNull {
                table: a[0].clone(),
                column: a[1].clone(),
                default: args.default.clone(),
                column_type: args.column_type.clone(),
                current_default: args.current_default.clone(),
            }
        }
        OpName::AddForeignKey => {
            arity(4, "TABLE COLUMN REF_TABLE REF_COLUMN")?;
            Op::AddForeignKey {
                table: a[0].clone(),
                column: a[1].clone(),
                ref_table: a[2].clone(),
                ref_column: a[3].clone(),
            }
        }
        OpName::AddUnique => {
            at_least_two("TABLE COLUMNS...")?;
            Op::AddUnique {
                table: a[0].clone(),
                columns: a[1..].to_vec(),
            }
        }
        OpName::AddIndex => {
            at_least_two("TABLE COLUMNS...")?;
            Op::AddIndex {
                table: a[0].clone(),
                columns: a[1..].to_vec(),
            }
        }
        OpName::DropColumn => {
            arity(2, "TABLE COLUMN")?;
            Op::DropColumn {
                table: a[0].clone(),
                column: a[1].clone(),
                placeholder: args.placeholder.clone(),
            }
        }
        OpName::RenameTable => {
            arity(2, "OLD NEW")?;
            Op::RenameTable {
                old: a[0].clone(),
                new: a[1].clone(),
            }
        }
    })
}
