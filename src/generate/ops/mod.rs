//! The recipe ops, one file each: its declaration (`SPEC`), its arguments and its sections
//! for PostgreSQL and for MySQL/MariaDB. Adding an op is its file plus one line below (and
//! its doc page and proof test, which a test demands).

mod add_column;
mod add_foreign_key;
mod add_index;
mod add_not_null;
mod add_unique;
mod change_type;
mod create_table;
mod drop_column;
mod rename_column;
mod rename_table;

use super::op::OpSpec;

/// Every op, in the order `bellows new --help` lists them.
pub static OPS: &[&OpSpec] = &[
    &rename_column::SPEC,
    &change_type::SPEC,
    &add_not_null::SPEC,
    &add_foreign_key::SPEC,
    &add_unique::SPEC,
    &add_index::SPEC,
    &drop_column::SPEC,
    &rename_table::SPEC,
    &add_column::SPEC,
    &create_table::SPEC,
];

#[cfg(test)]
mod tests {
    use super::OPS;
    use crate::generate::ParamKind;
    use std::path::Path;

    fn read(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Every registered op has its doc page, listed in the recipes index, and its proof test
    /// (a module of `tests/it/proof/`); every page is an op's.
    #[test]
    fn every_op_has_its_doc_page_and_proof_test() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let docs = root.join("docs/recipes");
        let index = read(&docs.join("README.md"));
        let proofs = read(&root.join("tests/it/proof/mod.rs"));
        for spec in OPS {
            let name = spec.name;
            assert!(
                docs.join(format!("{name}.md")).is_file(),
                "docs/recipes/{name}.md"
            );
            assert!(
                index.contains(&format!("[{name}]({name}.md)")),
                "docs/recipes/README.md lists {name}"
            );
            let module = name.replace('-', "_");
            assert!(
                root.join(format!("tests/it/proof/{module}.rs")).is_file(),
                "tests/it/proof/{module}.rs"
            );
            assert!(
                proofs.lines().any(|l| l == format!("mod {module};")),
                "tests/it/proof/mod.rs declares mod {module}"
            );
        }
        for entry in std::fs::read_dir(&docs).expect("docs/recipes") {
            let file = entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned();
            let Some(page) = file.strip_suffix(".md") else {
                continue;
            };
            assert!(
                page == "README" || OPS.iter().any(|spec| spec.name == page),
                "docs/recipes/{file} is no registered op's page"
            );
        }
    }

    /// Names are unique, and each op's positionals come before its options, with a
    /// one-or-more positional only last.
    #[test]
    fn declarations_are_well_formed() {
        for (i, spec) in OPS.iter().enumerate() {
            assert!(
                OPS[..i].iter().all(|other| other.name != spec.name),
                "{} registered twice",
                spec.name
            );
            let positionals = spec.params.iter().take_while(|p| !p.is_option()).count();
            assert!(
                spec.params[positionals..].iter().all(|p| p.is_option()),
                "{}: positionals first",
                spec.name
            );
            let many = spec.params.iter().position(|p| p.kind == ParamKind::Many);
            assert!(
                many.is_none_or(|m| m + 1 == positionals),
                "{}: a one-or-more positional comes last",
                spec.name
            );
        }
    }
}
