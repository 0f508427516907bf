//! Other tools' checksums of a migration file, computed the way each tool computes the one
//! it records, so `bellows adopt` can tell a file that changed since it ran.

use crate::db::adopt::Tool;
use sha2::{Digest, Sha384};
use std::hash::{Hash, Hasher};

/// sqlx's checksum of a file: SHA-384 of its whole text, as lower-case hex.
pub(super) fn sqlx(text: &str) -> String {
    hex::encode(Sha384::digest(text.as_bytes()))
}

/// refinery's checksum: SipHash-1-3 with zero keys over the name, the version (`i32`) and
/// the SQL, each fed as Rust's `Hash` feeds it, recorded as the decimal `u64`.
pub(super) fn refinery(name: &str, version: i32, sql: &str) -> u64 {
    let mut hasher = siphasher::sip::SipHasher13::new();
    name.hash(&mut hasher);
    version.hash(&mut hasher);
    sql.hash(&mut hasher);
    hasher.finish()
}

/// Flyway's checksum: CRC32 over the file's lines without their line breaks (`\n`, `\r\n`
/// or `\r`) and without a byte-order mark, recorded as a signed 32-bit integer.
pub(super) fn flyway(text: &str) -> i32 {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut crc = crc32fast::Hasher::new();
    for piece in text.split(['\n', '\r']) {
        crc.update(piece.as_bytes());
    }
    // Flyway keeps the CRC's 32 bits in a Java int: the same bits, read as signed.
    i32::from_ne_bytes(crc.finalize().to_ne_bytes())
}

/// How a recorded checksum compares with the file.
pub(super) enum Compared {
    /// Equal.
    Equal,
    /// Different: the algorithm, what the tool recorded, what the file gives now.
    Differs {
        algorithm: &'static str,
        recorded: String,
        on_disk: String,
    },
    /// The tool keeps no checksum bellows can compare (or recorded none for this row).
    Unknown,
}

/// Compare the checksum `tool` recorded for `version` (named `name` in its history) with
/// the file's text.
pub(super) fn compare(
    tool: Tool,
    recorded: Option<&str>,
    version: &str,
    name: &str,
    text: &str,
) -> Compared {
    let Some(recorded) = recorded.map(str::trim) else {
        return Compared::Unknown;
    };
    let (algorithm, on_disk) = match tool {
        Tool::Sqlx => ("SHA-384", sqlx(text)),
        Tool::Refinery => match version.parse::<i32>() {
            Ok(v) => ("SipHash-1-3", refinery(name, v, text).to_string()),
            Err(_) => return Compared::Unknown,
        },
        Tool::Flyway => ("CRC32", flyway(text).to_string()),
        Tool::Dbmate | Tool::GolangMigrate | Tool::Rails => return Compared::Unknown,
    };
    if recorded.eq_ignore_ascii_case(&on_disk) {
        Compared::Equal
    } else {
        Compared::Differs {
            algorithm,
            recorded: recorded.to_string(),
            on_disk,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flyway_ignores_line_breaks_and_the_bom() {
        let unix = flyway("CREATE TABLE a (id int);\nSELECT 1;\n");
        assert_eq!(flyway("CREATE TABLE a (id int);\r\nSELECT 1;\r\n"), unix);
        assert_eq!(flyway("\u{feff}CREATE TABLE a (id int);\rSELECT 1;"), unix);
        assert_ne!(flyway("CREATE TABLE a (id int);\nSELECT 2;\n"), unix);
        // CRC32 of "123456789", the standard check value 0xCBF43926, read as signed.
        assert_eq!(
            flyway("1234\n56789\n"),
            i32::from_ne_bytes(0xCBF4_3926_u32.to_ne_bytes())
        );
    }

    #[test]
    fn refinery_hashes_name_version_and_sql() {
        // Computed with std's DefaultHasher::new() (SipHash-1-3, zero keys: what refinery
        // used before it named the siphasher crate), an implementation independent of ours.
        assert_eq!(
            refinery(
                "create_users",
                1,
                "CREATE TABLE users (id int PRIMARY KEY, name varchar(100));\n"
            ),
            REFINERY_CREATE_USERS
        );
        assert_ne!(
            refinery(
                "create_users",
                2,
                "CREATE TABLE users (id int PRIMARY KEY, name varchar(100));\n"
            ),
            REFINERY_CREATE_USERS
        );
    }

    const REFINERY_CREATE_USERS: u64 = 7_542_637_154_555_581_470;
}
