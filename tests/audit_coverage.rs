//! The audit trail covers the records themselves (schema 7): every version row's content hash
//! is in the entry of the change that made it. Replacing a version by DELETE and INSERT,
//! removing a row, or adding one outside Casebook breaks `audit verify`; records are deleted
//! only through the retention review, which leaves its tombstone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use casebook::audit::{self, ChainState};
use casebook::records::chronology::{self, EntryInput, EntryKind};
use casebook::records::incidents;
use casebook::vault::db;
use common::*;

fn note(text: &str) -> EntryInput {
    EntryInput {
        kind: Some(EntryKind::Note),
        text: text.into(),
        ..EntryInput::default()
    }
}

fn broken(state: ChainState) -> String {
    match state {
        ChainState::Broken { reason, .. } => reason,
        intact => panic!("expected a broken trail, got {intact:?}"),
    }
}

#[test]
fn each_new_version_is_covered_by_the_hash_of_its_content_in_its_audit_entry() {
    let f = new_vault();
    let mut s = f.unlock();
    let i = incidents::create(&mut s, &incident_input("Covered summary"), &[]).unwrap();
    let entry = audit::recent(s.conn(), 1).unwrap().remove(0);
    assert!(entry.detail.contains("\"covers\""), "{}", entry.detail);
    assert!(
        entry.detail.contains("incident_versions"),
        "{}",
        entry.detail
    );
    // A hash, never the content.
    assert!(
        !entry.detail.contains("Covered summary"),
        "{}",
        entry.detail
    );
    chronology::add(&mut s, &i.reference, &note("A note")).unwrap();
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn a_version_cannot_be_deleted_and_one_replaced_by_delete_and_insert_breaks_the_trail() {
    let f = new_vault();
    let mut s = f.unlock();
    let i = incidents::create(&mut s, &incident_input("The true summary"), &[]).unwrap();
    // Refused outright.
    let refused = s.conn().execute(
        "DELETE FROM incident_versions WHERE incident_id = ?1",
        [i.id],
    );
    assert!(refused.is_err(), "DELETE of a version must be refused");
    // Someone with the key who removes the guard and swaps the version is still found out.
    s.conn()
        .execute_batch(&format!(
            "DROP TRIGGER incident_versions_delete_only_by_retention;
             CREATE TEMP TABLE v AS SELECT * FROM incident_versions WHERE incident_id = {id};
             UPDATE v SET summary = 'A rewritten summary';
             DELETE FROM incident_versions WHERE incident_id = {id};
             INSERT INTO incident_versions SELECT * FROM v;
             DELETE FROM audit_pending;",
            id = i.id
        ))
        .unwrap();
    let why = broken(s.verify_audit().unwrap());
    assert!(why.contains("changed or replaced"), "{why}");
}

#[test]
fn rows_added_or_removed_outside_casebook_break_the_trail() {
    let f = new_vault();
    let mut s = f.unlock();
    let i = incidents::create(&mut s, &incident_input("Summary"), &[]).unwrap();
    let e = chronology::add(&mut s, &i.reference, &note("Kept")).unwrap();

    // Added with plain SQL: no audit entry covers it.
    s.conn()
        .execute(
            "INSERT INTO chronology_versions
             SELECT entry_id, version + 1, kind, occurred_at, 'Slipped in', reason, action_owner,
                    action_due, agency, agency_person, agency_outcome, agency_reference,
                    changed_at, changed_by
             FROM chronology_versions WHERE entry_id = ?1",
            [e.id],
        )
        .unwrap();
    let why = broken(s.verify_audit().unwrap());
    assert!(why.contains("without an audit entry"), "{why}");
    s.conn().execute("DELETE FROM audit_pending", []).unwrap();
    let why = broken(s.verify_audit().unwrap());
    assert!(why.contains("added outside Casebook"), "{why}");

    // Removed with plain SQL (guard dropped): no tombstone explains it.
    let f = new_vault();
    let mut s = f.unlock();
    let i = incidents::create(&mut s, &incident_input("Summary"), &[]).unwrap();
    let e = chronology::add(&mut s, &i.reference, &note("Soon gone")).unwrap();
    s.conn()
        .execute_batch(&format!(
            "DROP TRIGGER chronology_versions_delete_only_by_retention;
             DELETE FROM chronology_versions WHERE entry_id = {};",
            e.id
        ))
        .unwrap();
    let why = broken(s.verify_audit().unwrap());
    assert!(
        why.contains("removed outside the retention review"),
        "{why}"
    );
}

#[test]
fn a_vault_from_before_the_coverage_upgrades_with_its_rows_as_legacy_and_new_rows_covered() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("old.vault");
    let key = casebook::secret::Key32::random().unwrap();
    let mut conn = db::open(&path, &key, db::CipherProfile::NEW_VAULTS, true).unwrap();
    db::migrate_to(&mut conn, &path, 6).unwrap();
    conn.execute(
        "INSERT INTO vault_meta (key, value) VALUES ('vault_id', 'old')",
        [],
    )
    .unwrap();
    // An incident as schema 6 wrote it (today's code writes today's schema, so by hand).
    conn.execute_batch(
        "INSERT INTO incidents (id, reference, created_at, created_by)
             VALUES (1, 'CB-2025-0099', '2026-03-01T09:00:00Z', 'DSL');
         INSERT INTO incident_versions (incident_id, version, occurred_at, reported_at,
             reported_by, category, four_cs, summary, childs_words, risk, status, outcome,
             retention_until, retention_auto, changed_at, changed_by)
             VALUES (1, 1, NULL, '2026-03-01T09:00:00Z', 'Form tutor', 'cyberbullying',
                     'conduct', 'Made at schema 6', '', 'low', 'open', '', '2051-03-01', 1,
                     '2026-03-01T09:00:00Z', 'DSL');
         INSERT INTO incident_heads (incident_id, version, reported_at, status, category)
             VALUES (1, 1, '2026-03-01T09:00:00Z', 'open', 'cyberbullying');",
    )
    .unwrap();

    db::migrate(&mut conn, &path).unwrap();
    assert_eq!(db::schema_version(&conn).unwrap(), db::SCHEMA_VERSION);
    assert!(
        audit::verify(&conn).unwrap().is_intact(),
        "legacy rows are not flagged"
    );
    let legacy: i64 = conn
        .query_row("SELECT count(*) FROM audit_legacy", [], |r| r.get(0))
        .unwrap();
    assert!(
        legacy >= 2,
        "the incident and its version are listed as legacy"
    );

    let tx = conn.transaction().unwrap();
    let id = incidents::create_in_tx(&tx, DSL, &incident_input("Made at schema 7"), &[]).unwrap();
    tx.commit().unwrap();
    assert!(audit::verify(&conn).unwrap().is_intact());
    conn.execute_batch(&format!(
        "DROP TRIGGER incident_versions_append_only;
         UPDATE incident_versions SET summary = 'Changed' WHERE incident_id = {id};"
    ))
    .unwrap();
    assert!(!audit::verify(&conn).unwrap().is_intact());
}

/// Saving a record as a PDF is a disclosure: the trail says which record, what kind of file,
/// and the file's SHA-256 and size (so a copy found later can be matched to it), never its
/// content. A write that fails records nothing.
#[test]
fn a_record_saved_as_a_file_is_in_the_trail_by_its_hash_and_a_failed_write_is_not() {
    use sha2::{Digest, Sha256};
    let f = new_vault();
    let mut s = f.unlock();
    let pdf = b"%PDF-1.7 Ms Example's account of what happened".to_vec();
    let mut wrote = Vec::new();
    s.export("CB-2026-0001", "incident_pdf", &pdf, |bytes| {
        wrote = bytes.to_vec();
        Ok(())
    })
    .unwrap();
    assert_eq!(wrote, pdf);
    let entry = audit::recent(s.conn(), 1).unwrap().remove(0);
    assert_eq!(entry.action, "record.exported");
    assert_eq!(entry.subject, "CB-2026-0001");
    let detail: serde_json::Value = serde_json::from_str(&entry.detail).unwrap();
    assert_eq!(detail["what"], "incident_pdf");
    assert_eq!(detail["sha256"], hex::encode(Sha256::digest(&pdf)));
    assert_eq!(detail["bytes"], pdf.len());
    assert!(!entry.detail.contains("Example"), "{}", entry.detail);

    let failed = s.export("CB-2026-0001", "incident_pdf", &pdf, |_| {
        Err(casebook::Error::io(
            std::path::Path::new("/media/usb/record.pdf"),
            std::io::Error::other("the USB stick was pulled out"),
        ))
    });
    assert!(failed.is_err());
    assert_eq!(
        audit::recent(s.conn(), 1).unwrap().remove(0).seq,
        entry.seq,
        "nothing recorded"
    );
    assert!(audit::verify(s.conn()).unwrap().is_intact());
}
