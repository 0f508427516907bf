//! Embed `migrations/` and check it as bellows will at startup: a broken migration fails
//! `cargo build` here, naming its file and line.

fn main() {
    if let Err(e) = bellows::embed::write_manifest("migrations", bellows::Dialect::Postgres) {
        panic!("{e}");
    }
}
