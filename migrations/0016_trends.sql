-- Schema 16: what the Trends screen reads (docs/trends.md). Derived rows, like incident_heads
-- and action_heads: kept by triggers and writers in the same transaction as the records they
-- summarise, rebuilt here from the records, never typed text, not audited.

-- Each incident's current 4 Cs beside its category and status, so counting a period's
-- incidents reads the small heads and never the versions with their summaries.
ALTER TABLE incident_heads ADD COLUMN four_cs TEXT NOT NULL DEFAULT '';
UPDATE incident_heads SET four_cs = (
    SELECT v.four_cs FROM incident_versions v
    WHERE v.incident_id = incident_heads.incident_id AND v.version = incident_heads.version);

-- Each chronology entry's current kind and time: the first decision on each incident is one
-- pass over the decisions' index, not a walk through every version of every entry.
CREATE TABLE entry_heads (
    entry_id    INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    occurred_at TEXT NOT NULL
) STRICT;
CREATE INDEX entry_heads_by_kind ON entry_heads(kind, incident_id, occurred_at);

CREATE TRIGGER entry_heads_follow_versions AFTER INSERT ON chronology_versions
BEGIN
    INSERT INTO entry_heads (entry_id, incident_id, kind, occurred_at)
    SELECT NEW.entry_id, e.incident_id, NEW.kind, NEW.occurred_at
    FROM chronology_entries e WHERE e.id = NEW.entry_id
    ON CONFLICT (entry_id) DO UPDATE SET kind = excluded.kind, occurred_at = excluded.occurred_at;
END;

-- The retention review deletes an incident's entries; their heads go with them.
CREATE TRIGGER entry_heads_go_with_entries AFTER DELETE ON chronology_entries
BEGIN
    DELETE FROM entry_heads WHERE entry_id = OLD.id;
END;

INSERT INTO entry_heads (entry_id, incident_id, kind, occurred_at)
SELECT v.entry_id, e.incident_id, v.kind, v.occurred_at
FROM chronology_versions v JOIN chronology_entries e ON e.id = v.entry_id
WHERE v.version = (SELECT max(version) FROM chronology_versions WHERE entry_id = v.entry_id);
