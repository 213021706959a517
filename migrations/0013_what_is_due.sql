-- Schema 13: what Today reads. Each action with a due date and each contact waiting for an
-- agency's answer has one row here, derived from the records (like incident_heads) and kept by
-- triggers, so no writer can forget it and it changes in the same transaction as the rows it
-- summarises. Today then reads a short index range instead of walking every version and every
-- state (docs/benchmarks.md, 2026-12-03). Derived rows carry no text and are not audited; they
-- can always be rebuilt from the covered tables, as this migration does.

CREATE TABLE action_heads (
    entry_id INTEGER PRIMARY KEY,
    due      TEXT NOT NULL,
    state    TEXT NOT NULL
) STRICT;
CREATE INDEX action_heads_open_by_due ON action_heads(due, entry_id) WHERE state = 'open';

CREATE TABLE answer_heads (
    entry_id   INTEGER PRIMARY KEY,
    last_event TEXT NOT NULL,
    due        TEXT,
    chases     INTEGER NOT NULL,
    escalated  INTEGER NOT NULL
) STRICT;
CREATE INDEX answer_heads_waiting_by_due ON answer_heads(due, entry_id) WHERE last_event <> 'answered';

-- A new version of an entry: an action with a due date is (still) followed; anything else
-- (no date any more, no longer an action) is not.
CREATE TRIGGER action_heads_follow_versions AFTER INSERT ON chronology_versions
WHEN NEW.kind = 'action' AND NEW.action_due IS NOT NULL
BEGIN
    INSERT INTO action_heads (entry_id, due, state)
    VALUES (NEW.entry_id, NEW.action_due,
            coalesce((SELECT state FROM action_states WHERE entry_id = NEW.entry_id
                      ORDER BY id DESC LIMIT 1), 'open'))
    ON CONFLICT (entry_id) DO UPDATE SET due = excluded.due;
END;
CREATE TRIGGER action_heads_drop_undated AFTER INSERT ON chronology_versions
WHEN NEW.kind <> 'action' OR NEW.action_due IS NULL
BEGIN
    DELETE FROM action_heads WHERE entry_id = NEW.entry_id;
END;
CREATE TRIGGER action_heads_follow_states AFTER INSERT ON action_states
BEGIN
    UPDATE action_heads SET state = NEW.state WHERE entry_id = NEW.entry_id;
END;

CREATE TRIGGER answer_heads_follow_events AFTER INSERT ON agency_answers
BEGIN
    INSERT INTO answer_heads (entry_id, last_event, due, chases, escalated)
    VALUES (NEW.entry_id, NEW.event, NEW.due, NEW.event = 'chased', NEW.event = 'escalated')
    ON CONFLICT (entry_id) DO UPDATE SET
        last_event = excluded.last_event,
        due = excluded.due,
        chases = chases + excluded.chases,
        escalated = max(escalated, excluded.escalated);
END;

-- The retention review deletes an incident's entries; their heads go with them.
CREATE TRIGGER heads_go_with_entries AFTER DELETE ON chronology_entries
BEGIN
    DELETE FROM action_heads WHERE entry_id = OLD.id;
    DELETE FROM answer_heads WHERE entry_id = OLD.id;
END;

-- Rebuilt from the records already in the vault.
INSERT INTO action_heads (entry_id, due, state)
SELECT v.entry_id, v.action_due,
       coalesce((SELECT state FROM action_states s WHERE s.entry_id = v.entry_id
                 ORDER BY s.id DESC LIMIT 1), 'open')
FROM chronology_versions v
WHERE v.kind = 'action' AND v.action_due IS NOT NULL
  AND v.version = (SELECT max(version) FROM chronology_versions WHERE entry_id = v.entry_id);

INSERT INTO answer_heads (entry_id, last_event, due, chases, escalated)
SELECT a.entry_id, a.event, a.due,
       (SELECT count(*) FROM agency_answers c WHERE c.entry_id = a.entry_id AND c.event = 'chased'),
       EXISTS (SELECT 1 FROM agency_answers c WHERE c.entry_id = a.entry_id AND c.event = 'escalated')
FROM agency_answers a
WHERE a.id = (SELECT max(id) FROM agency_answers WHERE entry_id = a.entry_id);
