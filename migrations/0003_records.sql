-- Schema 3: the incident log. Every record is a stable row plus append-only versions: an edit
-- adds a version, nothing is updated in place, and only the retention process (a later schema)
-- may delete. Times are RFC 3339 UTC text; dates are YYYY-MM-DD.

CREATE TABLE people (
    id         INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
) STRICT;

CREATE TABLE person_versions (
    person_id     INTEGER NOT NULL REFERENCES people(id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    kind          TEXT NOT NULL CHECK (kind IN ('child', 'adult', 'staff')),
    full_name     TEXT NOT NULL,
    date_of_birth TEXT,
    class_year    TEXT,
    send          INTEGER NOT NULL CHECK (send IN (0, 1)),
    looked_after  INTEGER NOT NULL CHECK (looked_after IN (0, 1)),
    cp_plan       INTEGER NOT NULL CHECK (cp_plan IN (0, 1)),
    changed_at    TEXT NOT NULL,
    changed_by    TEXT NOT NULL,
    PRIMARY KEY (person_id, version)
) STRICT;

-- References are CB-YYYY-NNNN; the counter only goes up, so a number is never used twice.
CREATE TABLE reference_counters (
    year        INTEGER PRIMARY KEY,
    last_number INTEGER NOT NULL
) STRICT;

CREATE TABLE incidents (
    id         INTEGER PRIMARY KEY,
    reference  TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
) STRICT;

CREATE TABLE incident_versions (
    incident_id     INTEGER NOT NULL REFERENCES incidents(id),
    version         INTEGER NOT NULL CHECK (version >= 1),
    occurred_at     TEXT,
    reported_at     TEXT NOT NULL,
    reported_by     TEXT NOT NULL,
    category        TEXT NOT NULL,
    four_cs         TEXT NOT NULL,     -- comma-separated subset of content,contact,conduct,commerce
    summary         TEXT NOT NULL,
    childs_words    TEXT NOT NULL,     -- verbatim, may be empty
    risk            TEXT NOT NULL CHECK (risk IN ('low', 'medium', 'high', 'immediate')),
    status          TEXT NOT NULL CHECK (status IN ('open', 'referred', 'monitoring', 'closed')),
    outcome         TEXT NOT NULL,     -- required when closed
    retention_until TEXT NOT NULL,
    retention_auto  INTEGER NOT NULL CHECK (retention_auto IN (0, 1)),
    changed_at      TEXT NOT NULL,
    changed_by      TEXT NOT NULL,
    PRIMARY KEY (incident_id, version)
) STRICT;

-- Each incident's current version, for fast lists and filters: a derived index (like the
-- search index), rewritten when a version is added; the versions themselves never change.
CREATE TABLE incident_heads (
    incident_id INTEGER PRIMARY KEY REFERENCES incidents(id),
    version     INTEGER NOT NULL,
    reported_at TEXT NOT NULL,
    status      TEXT NOT NULL,
    category    TEXT NOT NULL
) STRICT;
CREATE INDEX incident_heads_by_reported ON incident_heads(reported_at, incident_id);
CREATE INDEX incident_heads_by_status ON incident_heads(status, reported_at);
CREATE INDEX incident_heads_by_category ON incident_heads(category, reported_at);

-- Who is involved and how: added and removed as events, never edited.
CREATE TABLE incident_people (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    person_id   INTEGER NOT NULL REFERENCES people(id),
    role        TEXT NOT NULL CHECK (role IN ('subject', 'victim', 'alleged_harmer', 'witness', 'reporter')),
    action      TEXT NOT NULL CHECK (action IN ('added', 'removed')),
    at          TEXT NOT NULL,
    by_whom     TEXT NOT NULL
) STRICT;
CREATE INDEX incident_people_by_person ON incident_people(person_id, incident_id);
CREATE INDEX incident_people_by_incident ON incident_people(incident_id);

CREATE TABLE chronology_entries (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
) STRICT;
CREATE INDEX chronology_entries_by_incident ON chronology_entries(incident_id);

CREATE TABLE chronology_versions (
    entry_id      INTEGER NOT NULL REFERENCES chronology_entries(id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    kind          TEXT NOT NULL CHECK (kind IN ('note', 'decision', 'action', 'agency_contact')),
    occurred_at   TEXT NOT NULL,
    text          TEXT NOT NULL,
    reason        TEXT NOT NULL,       -- required for decisions
    action_owner  TEXT NOT NULL,
    action_due    TEXT,
    agency        TEXT NOT NULL,
    agency_person TEXT NOT NULL,
    agency_outcome TEXT NOT NULL,
    agency_reference TEXT NOT NULL,
    changed_at    TEXT NOT NULL,
    changed_by    TEXT NOT NULL,
    PRIMARY KEY (entry_id, version)
) STRICT;

CREATE TABLE evidence_notes (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
) STRICT;
CREATE INDEX evidence_notes_by_incident ON evidence_notes(incident_id);

-- Words only: there is no column, table or type anywhere in Casebook that can hold an image.
CREATE TABLE evidence_versions (
    note_id         INTEGER NOT NULL REFERENCES evidence_notes(id),
    version         INTEGER NOT NULL CHECK (version >= 1),
    description     TEXT NOT NULL,
    device          TEXT NOT NULL,
    device_location TEXT NOT NULL,
    held_by         TEXT NOT NULL,
    urls            TEXT NOT NULL,     -- one per line, inert text, never opened
    changed_at      TEXT NOT NULL,
    changed_by      TEXT NOT NULL,
    PRIMARY KEY (note_id, version)
) STRICT;

-- Chain of custody: each event appended; a mistake is corrected by a later event.
CREATE TABLE custody_events (
    id              INTEGER PRIMARY KEY,
    note_id         INTEGER NOT NULL REFERENCES evidence_notes(id),
    event           TEXT NOT NULL CHECK (event IN ('seized', 'sealed', 'stored', 'handed_over', 'returned', 'other')),
    at              TEXT NOT NULL,
    by_whom         TEXT NOT NULL,
    bag_number      TEXT NOT NULL,
    location        TEXT NOT NULL,
    recipient       TEXT NOT NULL,
    collar_number   TEXT NOT NULL,
    note            TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,
    recorded_by     TEXT NOT NULL
) STRICT;
CREATE INDEX custody_events_by_note ON custody_events(note_id);

-- Full-text search over the current wording of summaries, the child's words, chronology and
-- evidence: a derived index inside the encrypted database like everything else. Contentless
-- (FTS5 keeps only its index, not a second copy of the text); diacritics are folded so "Zoe"
-- finds "Zoë". search_sources says which incident each indexed passage belongs to: a small
-- table that stays in the page cache, so a search need not read any record to find incidents.
CREATE VIRTUAL TABLE search_index USING fts5(
    body,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TABLE search_sources (
    passage     INTEGER PRIMARY KEY,   -- the rowid in search_index
    incident_id INTEGER NOT NULL REFERENCES incidents(id)
) STRICT;

-- Versions and events are append-only.
CREATE TRIGGER person_versions_append_only BEFORE UPDATE ON person_versions
BEGIN SELECT RAISE(ABORT, 'records change by new versions only'); END;
CREATE TRIGGER incident_versions_append_only BEFORE UPDATE ON incident_versions
BEGIN SELECT RAISE(ABORT, 'records change by new versions only'); END;
CREATE TRIGGER chronology_versions_append_only BEFORE UPDATE ON chronology_versions
BEGIN SELECT RAISE(ABORT, 'records change by new versions only'); END;
CREATE TRIGGER evidence_versions_append_only BEFORE UPDATE ON evidence_versions
BEGIN SELECT RAISE(ABORT, 'records change by new versions only'); END;
CREATE TRIGGER custody_events_append_only BEFORE UPDATE ON custody_events
BEGIN SELECT RAISE(ABORT, 'custody events are corrected by later events only'); END;
CREATE TRIGGER incident_people_append_only BEFORE UPDATE ON incident_people
BEGIN SELECT RAISE(ABORT, 'links change by new events only'); END;
CREATE TRIGGER incident_references_fixed BEFORE UPDATE OF reference ON incidents
BEGIN SELECT RAISE(ABORT, 'an incident reference never changes'); END;
