//! Every registered rule has its documentation page, and ids are unique kebab-case.

use bellows::lint::RULES;
use std::collections::HashSet;
use std::path::Path;

#[test]
fn every_rule_has_a_doc_page() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let missing: Vec<&str> = RULES
        .iter()
        .map(|r| r.id())
        .filter(|id| !dir.join(format!("{id}.md")).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without docs/rules/<id>.md: {missing:?}"
    );
}

#[test]
fn ids_are_unique_kebab_case() {
    let mut seen = HashSet::new();
    for r in RULES {
        let id = r.id();
        assert!(seen.insert(id), "duplicate rule id {id}");
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{id} is not kebab-case"
        );
        assert!(
            !r.summary().is_empty() && !r.dialects().is_empty(),
            "{id} needs a summary and dialects"
        );
    }
}
