-- Schema 11: a contact with an agency can expect an answer by a date (children's social care
-- acknowledges a referral within one working day; a written referral follows a call). Each
-- event is appended: an answer expected (by when), a chase (and the next date), an escalation
-- under the local procedure, the answer received. Past its date with no answer, it is due on
-- Today for a chase.

CREATE TABLE agency_answers (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES chronology_entries(id),
    event       TEXT NOT NULL CHECK (event IN ('expected', 'chased', 'escalated', 'answered')),
    at          TEXT NOT NULL,
    due         TEXT,
    note        TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
) STRICT;
CREATE INDEX agency_answers_by_entry ON agency_answers(entry_id, id);

CREATE TRIGGER agency_answers_append_only BEFORE UPDATE ON agency_answers
BEGIN SELECT RAISE(ABORT, 'an agency answer is followed up by new rows only'); END;
CREATE TRIGGER agency_answers_covered AFTER INSERT ON agency_answers
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('agency_answers', json_array(NEW.id)); END;
CREATE TRIGGER agency_answers_delete_only_by_retention BEFORE DELETE ON agency_answers
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;
