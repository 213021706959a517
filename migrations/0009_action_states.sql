-- Schema 9: an action is followed up. Its state changes by appended rows (done, no longer
-- needed, open again), each with when it happened, what happened or why, and who recorded it.
-- The current state is the newest row; an action with none is open.

CREATE TABLE action_states (
    id          INTEGER PRIMARY KEY,
    entry_id    INTEGER NOT NULL REFERENCES chronology_entries(id),
    state       TEXT NOT NULL CHECK (state IN ('open', 'done', 'not_needed')),
    at          TEXT NOT NULL,
    note        TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
) STRICT;
CREATE INDEX action_states_by_entry ON action_states(entry_id, id);

CREATE TRIGGER action_states_append_only BEFORE UPDATE ON action_states
BEGIN SELECT RAISE(ABORT, 'an action changes state by new rows only'); END;
CREATE TRIGGER action_states_covered AFTER INSERT ON action_states
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('action_states', json_array(NEW.id)); END;
CREATE TRIGGER action_states_delete_only_by_retention BEFORE DELETE ON action_states
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

-- What is due is found by the current version's due date.
CREATE INDEX chronology_versions_by_due ON chronology_versions(action_due) WHERE action_due IS NOT NULL;
