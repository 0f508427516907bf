//! A comment that looks like a marker but is not one fails `expand` before anything runs:
//! the DROP under it is not run ungated in the expand phase.

use super::column_exists;
use crate::common::{bellows_on, migrations, Engine, TestDb};

#[tokio::test]
async fn a_near_miss_contract_marker_fails_expand_and_keeps_the_column() {
    for engine in [Engine::Postgres, Engine::Mysql] {
        let db = TestDb::new(engine, "near_miss").await;
        db.sql("CREATE TABLE t (id int PRIMARY KEY, a int)").await;
        for near in [
            "-- BELLOWS:CONTRACT requires-app=\">=2.0.0\"",
            "-- bellows.contract",
        ] {
            let text = format!(
                "-- bellows:expand\nALTER TABLE t ADD COLUMN b int;\n{near}\nALTER TABLE t DROP COLUMN a;\n"
            );
            let dir = migrations(&[("1_near.sql", &text)]);
            let (code, out, err) = bellows_on(&db, dir.path(), &["expand"]);
            assert_eq!(code, 2, "{engine:?} {near}: {out}{err}");
            assert!(
                err.contains("1_near.sql:3:") && err.contains("did you mean `-- bellows:contract"),
                "{engine:?} {near}: {err}"
            );
            assert!(column_exists(&db, "t", "a").await, "{engine:?}: a dropped");
            assert!(
                !column_exists(&db, "t", "b").await,
                "{engine:?}: expand ran"
            );
        }
    }
}
