//! Embedded migrations are parsed like files on disk: same versions, same checksums.

use bellows::migration::{from_files, load_dir};
use bellows::Dialect;
use std::path::PathBuf;

#[test]
fn embedded_files_have_the_checksums_of_the_folder() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations-example");
    let manifest = bellows::embed::manifest(&dir).unwrap();
    let on_disk = load_dir(&dir, Dialect::Postgres).unwrap();
    let texts: Vec<(String, String)> = on_disk
        .iter()
        .map(|m| {
            let name = m.path.rsplit('/').next().unwrap().to_string();
            assert!(
                manifest.contains(&format!("{name:?}")),
                "{name} is in the manifest"
            );
            (name, m.source.clone())
        })
        .collect();
    let embedded = from_files(
        texts.iter().map(|(n, t)| (n.as_str(), t.as_str())),
        Dialect::Postgres,
    )
    .unwrap();
    assert_eq!(embedded.len(), on_disk.len());
    for (e, d) in embedded.iter().zip(&on_disk) {
        assert_eq!(e.version, d.version);
        let sums = |m: &bellows::Migration| {
            m.phases
                .iter()
                .map(|p| (p.kind, p.checksum.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(sums(e), sums(d), "{}", d.path);
    }
}
