//! `bellows new <name> [--op <op> ARGS...]`: write an empty migration, or a safe-change
//! recipe, as a new migration file.
//!
//! The ops declare their own arguments ([`OpSpec::params`]); nothing here counts them. The
//! `new` command accepts `--op`, positional values and every op's options; the values are
//! then parsed again by a clap command built from the chosen op's declaration, so a missing,
//! extra or foreign argument gets clap's usual error, naming it.

use super::config::FileConfig;
use bellows::generate::{self, Args, Model, OpSpec, ParamKind, Recipe, OPS};
use bellows::{Dialect, Error, Result};
use clap::builder::PossibleValue;
use clap::{Arg, ArgAction, ArgMatches, Command};
use std::path::{Path, PathBuf};

/// Arguments of `bellows new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The migration's name (the file is `<timestamp>_<name>.sql`).
    name: String,
    #[command(flatten)]
    op: OpArgs,
    /// Dialect to write for (else the database's, else bellows.toml [lint] dialect, else
    /// postgres).
    #[arg(long)]
    dialect: Option<Dialect>,
    /// Read the schema from this database (else $DATABASE_URL, else bellows.toml; without
    /// one, the migrations folder is replayed). A recipe then writes for its server.
    #[arg(long, value_name = "URL")]
    database_url: Option<String>,
    /// The contract's gate, e.g. ">=2.4.0" (a bare version such as 2.4.0 means >=2.4.0).
    #[arg(long, value_name = "RANGE")]
    requires_app: Option<String>,
    /// Migrations folder (else bellows.toml, else ./migrations).
    #[arg(long, value_name = "DIR")]
    migrations: Option<PathBuf>,
    /// The key column backfills walk.
    #[arg(long, default_value = "id")]
    key: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: super::Format,
}

/// `bellows new`: write the file and say where; the exit code.
pub fn command(args: &NewArgs, ctx: &super::commands::Context) -> i32 {
    match run(args, &ctx.file, ctx.config_path.as_deref()) {
        Ok(path) if args.format == super::Format::Json => {
            let file = path.file_name().map(|f| f.to_string_lossy().into_owned());
            let version = file
                .as_deref()
                .and_then(|f| f.split('_').next())
                .and_then(|v| v.parse::<i64>().ok());
            super::render::json(&serde_json::json!({
                "path": path,
                "version": version,
                "name": args.name,
                "op": args.op.spec.map(|s| s.name),
            }));
            0
        }
        Ok(path) => {
            outln!("wrote {}", path.display());
            0
        }
        Err(e) => super::render::error(&e, None),
    }
}

/// Write the file; returns its path.
pub fn run(args: &NewArgs, file: &FileConfig, config_path: Option<&Path>) -> Result<PathBuf> {
    let dir = super::settings::migrations_dir(args.migrations.as_deref(), file, config_path);
    let text = match args.op.spec {
        Some(spec) => {
            let model = model(args, file, &dir)?;
            let recipe = Recipe {
                dialect: model.dialect(),
                requires_app: args.requires_app.clone(),
                key: args.key.clone(),
            };
            let rendered = recipe.render_with(spec, &args.op.args, Some(&model))?;
            for warning in &rendered.warnings {
                eprintln!("warning: {warning}");
            }
            rendered.text
        }
        None => generate::blank(&args.name, args.requires_app.as_deref())?,
    };
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

/// The schema the recipe is written against: the live database's when a URL is configured
/// (its server decides the dialect; `--dialect` may only agree), else the migrations folder
/// replayed for `--dialect`.
fn model(args: &NewArgs, file: &FileConfig, dir: &Path) -> Result<Model> {
    let configured = args.database_url.is_some()
        || std::env::var(file.database_url_env.as_deref().unwrap_or("DATABASE_URL"))
            .is_ok_and(|v| !v.trim().is_empty())
        || file.database_url.is_some();
    if configured {
        let url = super::settings::database_url_from(args.database_url.as_deref(), file)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let model = runtime.block_on(bellows::db::recipe_model(&url))?;
        if let Some(d) = args.dialect {
            if d.is_mysql_family() != model.dialect().is_mysql_family() {
                return Err(Error::Config(format!(
                    "--dialect {d} does not match the database ({}): leave --dialect out to write for the database",
                    model.dialect()
                )));
            }
        }
        return Ok(model);
    }
    let dialect = args
        .dialect
        .or(file.lint.dialect)
        .unwrap_or(Dialect::Postgres);
    let migrations = if dir.is_dir() {
        bellows::migration::load_dir(dir, dialect)?
    } else {
        Vec::new()
    };
    Ok(Model::replay(&migrations, dialect))
}

/// `--op`, the op's positional values and its options, as [`Args`] checked against the op's
/// declaration.
#[derive(Debug)]
struct OpArgs {
    /// The chosen op (none: an empty migration).
    spec: Option<&'static OpSpec>,
    /// Its arguments, by declared name.
    args: Args,
}

/// Id of the positional values in the `new` command.
const VALUES: &str = "args";

impl clap::Args for OpArgs {
    fn augment_args(cmd: Command) -> Command {
        let ops = OPS
            .iter()
            .map(|spec| PossibleValue::new(spec.name).help(spec.usage()));
        let cmd = cmd
            .arg(
                Arg::new("op")
                    .long("op")
                    .value_name("OP")
                    .value_parser(clap::builder::PossibleValuesParser::new(ops))
                    .help("The recipe"),
            )
            .arg(
                Arg::new(VALUES)
                    .value_name("ARGS")
                    .num_args(1..)
                    .requires("op")
                    .help("The recipe's arguments (tables, columns, type)"),
            );
        options()
            .into_iter()
            .fold(cmd, |cmd, (name, value_name, help)| {
                cmd.arg(Arg::new(name).long(name).value_name(value_name).help(help))
            })
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl clap::FromArgMatches for OpArgs {
    fn from_arg_matches(matches: &ArgMatches) -> std::result::Result<Self, clap::Error> {
        let Some(name) = matches.get_one::<String>("op") else {
            return Ok(OpArgs {
                spec: None,
                args: Args::new(),
            });
        };
        let spec = generate::op(name).ok_or_else(|| {
            clap::Error::raw(clap::error::ErrorKind::InvalidValue, "--op: unknown op")
        })?;
        let mut argv: Vec<String> = options()
            .into_iter()
            .filter_map(|(option, ..)| {
                let value = matches.get_one::<String>(option)?;
                Some(format!("--{option}={value}"))
            })
            .collect();
        argv.push("--".into());
        argv.extend(
            matches
                .get_many::<String>(VALUES)
                .into_iter()
                .flatten()
                .cloned(),
        );
        let parsed = op_command(spec).try_get_matches_from(argv)?;
        let mut args = Args::new();
        for param in spec.params {
            if let Some(values) = parsed.get_many::<String>(param.name) {
                args.set(param.name, values.cloned().collect());
            }
        }
        Ok(OpArgs {
            spec: Some(spec),
            args,
        })
    }

    fn update_from_arg_matches(
        &mut self,
        matches: &ArgMatches,
    ) -> std::result::Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

/// Every op's options, once each: (name, value name, help saying what it means per op).
fn options() -> Vec<(&'static str, &'static str, String)> {
    let mut out: Vec<(&'static str, &'static str, String)> = Vec::new();
    for spec in OPS {
        for param in spec.params.iter().filter(|p| p.is_option()) {
            let help = format!("{}: {}", spec.name, param.help);
            match out.iter_mut().find(|(name, ..)| *name == param.name) {
                Some((.., text)) => {
                    text.push_str("; ");
                    text.push_str(&help);
                }
                None => out.push((param.name, param.value_name, help)),
            }
        }
    }
    out
}

/// The clap command of one op's arguments, from its declaration: what `bellows new` checks
/// the values against.
fn op_command(spec: &OpSpec) -> Command {
    let cmd = Command::new(spec.name)
        .bin_name(format!("bellows new NAME --op {}", spec.name))
        .no_binary_name(true)
        .disable_help_flag(true)
        .disable_version_flag(true);
    spec.params.iter().fold(cmd, |cmd, param| {
        let arg = Arg::new(param.name)
            .value_name(param.value_name)
            .help(param.help);
        cmd.arg(match param.kind {
            ParamKind::Positional => arg.required(true),
            ParamKind::Many => arg.required(true).num_args(1..).action(ArgAction::Append),
            ParamKind::Required => arg.long(param.name).required(true),
            ParamKind::Optional => arg.long(param.name),
        })
    })
}
