//! The lifecycle's rules, one test per question a command asks.

use super::*;
use crate::Dialect;

const FULL: &str = "-- bellows:expand\nALTER TABLE t ADD COLUMN b int;\nALTER TABLE t ADD COLUMN c int;\n\
-- bellows:backfill table=t\nUPDATE t SET b = a WHERE b IS NULL;\n\
-- bellows:contract requires-app=>=2.0.0\nALTER TABLE t DROP COLUMN a;\nALTER TABLE t DROP COLUMN z;\n\
-- bellows:down\nALTER TABLE t DROP COLUMN b;\n";

const EXPAND_CONTRACT: &str =
    "-- bellows:expand\nALTER TABLE t ADD COLUMN b int;\n-- bellows:contract\nALTER TABLE t DROP COLUMN a;\n";

const EXPAND_ONLY: &str = "CREATE TABLE t (id int PRIMARY KEY);\n";

fn migration(version: i64, text: &str) -> Migration {
    Migration::parse(&format!("{version}_m.sql"), text, Dialect::Postgres).unwrap()
}

fn record(version: i64, state: State, statements_done: usize) -> Record {
    Record {
        version,
        name: "m".into(),
        state,
        statements_done,
        phases: Vec::new(),
        updated_at: chrono::DateTime::default(),
        applied_by: "test".into(),
        applied_host: "host".into(),
    }
}

fn at(m: &Migration, state: State, done: usize) -> Option<Record> {
    Some(record(m.version, state, done))
}

#[test]
fn a_new_migration_runs_every_phase_from_the_start() {
    let m = migration(1, FULL);
    assert_eq!(
        remaining(&m, None),
        vec![
            (PhaseKind::Expand, 0),
            (PhaseKind::Backfill, 0),
            (PhaseKind::Contract, 0)
        ]
    );
    assert_eq!(expand_from(&m, None), Some(0));
    assert_eq!(next(&m, None, None), Next::Expand);
}

#[test]
fn an_expand_that_stopped_resumes_where_it_stopped() {
    let m = migration(1, FULL);
    let r = at(&m, State::Expanding, 1);
    assert_eq!(expand_from(&m, r.as_ref()), Some(1));
    assert_eq!(
        next(&m, r.as_ref(), None),
        Next::ResumeExpand { statement: 2 }
    );
    assert!(contract_from(&m, r.as_ref())
        .unwrap_err()
        .contains("expand phase has not completed"));
}

#[test]
fn an_expanded_migration_is_not_expanded_again() {
    let m = migration(1, FULL);
    for state in [
        State::Expanded,
        State::Backfilling,
        State::Backfilled,
        State::Contracted,
        State::Aborted,
    ] {
        assert_eq!(expand_from(&m, at(&m, state, 0).as_ref()), None, "{state}");
    }
}

#[test]
fn the_contract_waits_for_the_backfill() {
    let m = migration(1, FULL);
    for state in [State::Expanded, State::Backfilling] {
        let r = at(&m, state, 0);
        assert!(contract_from(&m, r.as_ref())
            .unwrap_err()
            .contains("backfill has not completed"));
        assert_eq!(next(&m, r.as_ref(), None), Next::Backfill);
    }
    let r = at(&m, State::Backfilled, 0);
    assert_eq!(contract_from(&m, r.as_ref()), Ok(Some(0)));
    assert_eq!(
        next(&m, r.as_ref(), None),
        Next::Contract {
            requires_app: Some(">=2.0.0".into())
        }
    );
}

#[test]
fn without_a_backfill_the_contract_follows_the_expand() {
    let m = migration(1, EXPAND_CONTRACT);
    let r = at(&m, State::Expanded, 0);
    assert_eq!(contract_from(&m, r.as_ref()), Ok(Some(0)));
    assert_eq!(
        backfill_start(&m, r.as_ref(), None).unwrap(),
        BackfillStart::Run
    );
}

#[test]
fn a_failed_contract_resumes_and_status_says_where() {
    let m = migration(1, FULL);
    let r = at(&m, State::Contracting, 1);
    assert_eq!(contract_from(&m, r.as_ref()), Ok(Some(1)));
    assert_eq!(
        next(&m, r.as_ref(), None),
        Next::ResumeContract { statement: 2 }
    );
}

#[test]
fn nothing_to_contract_once_contracted_aborted_or_without_a_contract() {
    let m = migration(1, FULL);
    assert_eq!(
        contract_from(&m, at(&m, State::Contracted, 0).as_ref()),
        Ok(None)
    );
    assert_eq!(
        contract_from(&m, at(&m, State::Aborted, 0).as_ref()),
        Ok(None)
    );
    let plain = migration(2, EXPAND_ONLY);
    assert_eq!(contract_from(&plain, None), Ok(None));
    assert_eq!(
        next(&plain, at(&plain, State::Expanded, 0).as_ref(), None),
        Next::Done
    );
}

#[test]
fn abort_is_allowed_between_expand_and_contract_only() {
    let m = migration(1, FULL);
    for state in [
        State::Expanding,
        State::Expanded,
        State::Backfilling,
        State::Backfilled,
    ] {
        assert_eq!(
            abort_from(&m, at(&m, state, 1).as_ref()).unwrap(),
            0,
            "{state}"
        );
    }
    assert_eq!(
        abort_from(&m, at(&m, State::Aborting, 1).as_ref()).unwrap(),
        1
    );
    for (state, says) in [
        (State::Pending, "has not been expanded"),
        (State::Contracting, "old schema is gone"),
        (State::Contracted, "old schema is gone"),
        (State::Aborted, "already aborted"),
    ] {
        let e = abort_from(&m, at(&m, state, 0).as_ref())
            .unwrap_err()
            .to_string();
        assert!(e.contains(says), "{state}: {e}");
    }
    let r = at(&m, State::Aborting, 0);
    assert!(contract_from(&m, r.as_ref())
        .unwrap_err()
        .contains("being aborted"));
    assert_eq!(
        next(&m, r.as_ref(), None),
        Next::ResumeAbort { statement: 1 }
    );
    assert_eq!(
        next(&m, at(&m, State::Aborted, 0).as_ref(), None),
        Next::Aborted
    );
}

#[test]
fn backfill_by_version_reruns_a_finished_one_and_refuses_an_unexpanded_one() {
    let m = migration(1, FULL);
    let done = at(&m, State::Backfilled, 0);
    assert_eq!(
        backfill_start(&m, done.as_ref(), None).unwrap(),
        BackfillStart::Skip
    );
    assert_eq!(
        backfill_start(&m, done.as_ref(), Some(1)).unwrap(),
        BackfillStart::Rerun
    );
    assert_eq!(backfill_start(&m, None, None).unwrap(), BackfillStart::Skip);
    let e = backfill_start(&m, None, Some(1)).unwrap_err().to_string();
    assert!(e.contains("not expanded yet"), "{e}");
}

#[test]
fn a_drifted_migration_is_reported_as_such_whatever_its_state() {
    let m = migration(1, FULL);
    let r = at(&m, State::Contracted, 0);
    assert_eq!(
        next(&m, r.as_ref(), Some(PhaseKind::Expand)),
        Next::Drifted {
            phase: PhaseKind::Expand
        }
    );
}

#[test]
fn a_pending_migration_older_than_an_applied_one_is_out_of_order() {
    let old = migration(1, EXPAND_ONLY);
    let new = migration(2, EXPAND_ONLY);
    let records = vec![record(2, State::Expanded, 0)];
    assert!(out_of_order(&old, &records));
    assert!(!out_of_order(&new, &records));
    assert!(!out_of_order(&old, &[]));
}
