-- The audit trail covers the records, not only itself (schema 7).
--
-- Every row of a record table is written once and never changed. From this version on, each
-- new row is queued in `audit_pending` by a trigger, and the audit entry of the change that
-- made it (written in the same transaction) records the SHA-256 of the row's content, not the
-- content (`audit::append`). `audit verify` recomputes every covered row, so a version
-- replaced by DELETE and INSERT, or a row added or removed outside Casebook, breaks it.
-- Rows made before this version are listed in `audit_legacy`: the chain alone vouches for them.
--
-- Rows are deleted only by the retention review, which holds a `deletion_permit` for its
-- transaction and leaves a tombstone in the trail; any other DELETE is refused.

CREATE TABLE audit_pending (
    tbl TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (tbl, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE audit_legacy (
    tbl TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (tbl, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE deletion_permit (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    reason TEXT NOT NULL
) STRICT;

INSERT INTO audit_legacy (tbl, key) SELECT 'organisation_versions', json_array(version) FROM organisation_versions;
CREATE TRIGGER organisation_versions_covered AFTER INSERT ON organisation_versions
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('organisation_versions', json_array(NEW.version)); END;
CREATE TRIGGER organisation_versions_delete_only_by_retention BEFORE DELETE ON organisation_versions
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'people', json_array(id) FROM people;
CREATE TRIGGER people_covered AFTER INSERT ON people
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('people', json_array(NEW.id)); END;
CREATE TRIGGER people_delete_only_by_retention BEFORE DELETE ON people
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'person_versions', json_array(person_id, version) FROM person_versions;
CREATE TRIGGER person_versions_covered AFTER INSERT ON person_versions
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('person_versions', json_array(NEW.person_id, NEW.version)); END;
CREATE TRIGGER person_versions_delete_only_by_retention BEFORE DELETE ON person_versions
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'incidents', json_array(id) FROM incidents;
CREATE TRIGGER incidents_covered AFTER INSERT ON incidents
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('incidents', json_array(NEW.id)); END;
CREATE TRIGGER incidents_delete_only_by_retention BEFORE DELETE ON incidents
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'incident_versions', json_array(incident_id, version) FROM incident_versions;
CREATE TRIGGER incident_versions_covered AFTER INSERT ON incident_versions
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('incident_versions', json_array(NEW.incident_id, NEW.version)); END;
CREATE TRIGGER incident_versions_delete_only_by_retention BEFORE DELETE ON incident_versions
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'incident_people', json_array(id) FROM incident_people;
CREATE TRIGGER incident_people_covered AFTER INSERT ON incident_people
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('incident_people', json_array(NEW.id)); END;
CREATE TRIGGER incident_people_delete_only_by_retention BEFORE DELETE ON incident_people
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'chronology_entries', json_array(id) FROM chronology_entries;
CREATE TRIGGER chronology_entries_covered AFTER INSERT ON chronology_entries
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('chronology_entries', json_array(NEW.id)); END;
CREATE TRIGGER chronology_entries_delete_only_by_retention BEFORE DELETE ON chronology_entries
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'chronology_versions', json_array(entry_id, version) FROM chronology_versions;
CREATE TRIGGER chronology_versions_covered AFTER INSERT ON chronology_versions
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('chronology_versions', json_array(NEW.entry_id, NEW.version)); END;
CREATE TRIGGER chronology_versions_delete_only_by_retention BEFORE DELETE ON chronology_versions
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'evidence_notes', json_array(id) FROM evidence_notes;
CREATE TRIGGER evidence_notes_covered AFTER INSERT ON evidence_notes
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('evidence_notes', json_array(NEW.id)); END;
CREATE TRIGGER evidence_notes_delete_only_by_retention BEFORE DELETE ON evidence_notes
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'evidence_versions', json_array(note_id, version) FROM evidence_versions;
CREATE TRIGGER evidence_versions_covered AFTER INSERT ON evidence_versions
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('evidence_versions', json_array(NEW.note_id, NEW.version)); END;
CREATE TRIGGER evidence_versions_delete_only_by_retention BEFORE DELETE ON evidence_versions
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'custody_events', json_array(id) FROM custody_events;
CREATE TRIGGER custody_events_covered AFTER INSERT ON custody_events
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('custody_events', json_array(NEW.id)); END;
CREATE TRIGGER custody_events_delete_only_by_retention BEFORE DELETE ON custody_events
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'contact_versions', json_array(version) FROM contact_versions;
CREATE TRIGGER contact_versions_covered AFTER INSERT ON contact_versions
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('contact_versions', json_array(NEW.version)); END;
CREATE TRIGGER contact_versions_delete_only_by_retention BEFORE DELETE ON contact_versions
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'checklist_runs', json_array(id) FROM checklist_runs;
CREATE TRIGGER checklist_runs_covered AFTER INSERT ON checklist_runs
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('checklist_runs', json_array(NEW.id)); END;
CREATE TRIGGER checklist_runs_delete_only_by_retention BEFORE DELETE ON checklist_runs
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'checklist_answers', json_array(run_id, step_id, version) FROM checklist_answers;
CREATE TRIGGER checklist_answers_covered AFTER INSERT ON checklist_answers
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('checklist_answers', json_array(NEW.run_id, NEW.step_id, NEW.version)); END;
CREATE TRIGGER checklist_answers_delete_only_by_retention BEFORE DELETE ON checklist_answers
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'checklist_run_ends', json_array(run_id) FROM checklist_run_ends;
CREATE TRIGGER checklist_run_ends_covered AFTER INSERT ON checklist_run_ends
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('checklist_run_ends', json_array(NEW.run_id)); END;
CREATE TRIGGER checklist_run_ends_delete_only_by_retention BEFORE DELETE ON checklist_run_ends
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'signing_identities', json_array(id) FROM signing_identities;
CREATE TRIGGER signing_identities_covered AFTER INSERT ON signing_identities
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('signing_identities', json_array(NEW.id)); END;
CREATE TRIGGER signing_identities_delete_only_by_retention BEFORE DELETE ON signing_identities
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

INSERT INTO audit_legacy (tbl, key) SELECT 'referral_issues', json_array(id) FROM referral_issues;
CREATE TRIGGER referral_issues_covered AFTER INSERT ON referral_issues
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('referral_issues', json_array(NEW.id)); END;
CREATE TRIGGER referral_issues_delete_only_by_retention BEFORE DELETE ON referral_issues
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

-- The audit trail's head (sequence number and hash) when each referral was signed; it is also
-- printed in the signed PDF, so a trail rewritten later disagrees with the PDFs already sent.
ALTER TABLE referral_issues ADD COLUMN audit_head TEXT;
