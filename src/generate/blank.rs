//! The file `bellows new NAME` writes without `--op`: no statements, the expand marker, and
//! the other three markers listed in a form that cannot be mistaken for one (a commented
//! marker is refused at load as a near miss), each with a line saying what goes under it.

use crate::migration::app_range_text;
use crate::{Error, Result};

/// An empty migration named `name`; `requires_app` fills in the contract marker's gate.
///
/// # Errors
/// A `requires_app` that is not a semver range.
pub fn blank(name: &str, requires_app: Option<&str>) -> Result<String> {
    let range = match requires_app {
        Some(req) => {
            app_range_text(req).map_err(|e| Error::Config(format!("--requires-app {req}: {e}")))?
        }
        None => ">=X.Y.Z".to_string(),
    };
    Ok(format!(
        "-- {name}
-- Additive DDL both app versions live with goes under the expand marker: new nullable
-- columns, new tables, indexes. Start another phase, when you need one, with its marker on a
-- line of its own (copy it from the list below, without the `>`) and its statements under it.

-- bellows:expand

-- > -- bellows:backfill table=TABLE key=id
--   one idempotent UPDATE, run in short key-range batches (`bellows backfill`)
-- > -- bellows:contract requires-app=\"{range}\"
--   destructive DDL, run once no app version that needs the old schema is running
-- > -- bellows:down
--   undoes the expand phase (`bellows abort VERSION`), before the contract ran
"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration::from_files;
    use crate::Dialect;

    #[test]
    fn an_empty_file_is_an_empty_expand_phase_until_edited() {
        let text = blank("add_email", Some("2.4.0")).unwrap();
        assert!(text.contains("requires-app=\">=2.4.0\""), "{text}");
        let m = from_files([("1_add_email.sql", text.as_str())], Dialect::Postgres).unwrap();
        assert_eq!(m[0].phases.len(), 1);
        assert!(m[0].phases[0].statements.is_empty());
        let edited = text
            .replace(
                "-- bellows:expand\n",
                "-- bellows:expand\nALTER TABLE users ADD COLUMN email text;\n",
            )
            .replace(
                "-- > -- bellows:down",
                "-- bellows:down\nALTER TABLE users DROP COLUMN email;",
            );
        let m = from_files([("1_add_email.sql", edited.as_str())], Dialect::Postgres).unwrap();
        assert_eq!(m[0].phases.len(), 2, "{edited}");
        assert!(blank("x", Some("soon")).is_err());
    }
}
