-- Schema 12: the record a DSL keeps (issue 14). People of every kind with their full details
-- and status with services, relationships and households, new roles on an incident, whether
-- parents were informed and consent, who was told what (the information-sharing record), who
-- received the disclosure and where the original note is kept, the organisation's closure days
-- and its retention period.
--
-- Two tables are rebuilt only to widen a CHECK (new person kinds, new roles). Their columns,
-- order and values do not change, so the digests the audit trail holds for their rows still
-- match (the digest covers column names and values, not constraints). Dropping a table drops
-- its triggers before its rows, so the retention guard does not fire; it is made again below.

-- People: parent or carer, and professional, join child, adult and staff.
CREATE TABLE person_versions_12 (
    person_id     INTEGER NOT NULL REFERENCES people(id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    kind          TEXT NOT NULL CHECK (kind IN ('child', 'parent_carer', 'adult', 'staff', 'professional')),
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
INSERT INTO person_versions_12 SELECT * FROM person_versions;
DROP TABLE person_versions;
ALTER TABLE person_versions_12 RENAME TO person_versions;
CREATE TRIGGER person_versions_append_only BEFORE UPDATE ON person_versions
BEGIN SELECT RAISE(ABORT, 'records change by new versions only'); END;
CREATE TRIGGER person_versions_covered AFTER INSERT ON person_versions
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('person_versions', json_array(NEW.person_id, NEW.version)); END;
CREATE TRIGGER person_versions_delete_only_by_retention BEFORE DELETE ON person_versions
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

-- Roles: parent or carer, person making the allegation, case manager, professional.
CREATE TABLE incident_people_12 (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    person_id   INTEGER NOT NULL REFERENCES people(id),
    role        TEXT NOT NULL CHECK (role IN ('subject', 'victim', 'alleged_harmer', 'witness', 'reporter',
                                              'parent_carer', 'making_allegation', 'case_manager', 'professional')),
    action      TEXT NOT NULL CHECK (action IN ('added', 'removed')),
    at          TEXT NOT NULL,
    by_whom     TEXT NOT NULL
) STRICT;
INSERT INTO incident_people_12 SELECT * FROM incident_people;
DROP TABLE incident_people;
ALTER TABLE incident_people_12 RENAME TO incident_people;
CREATE INDEX incident_people_by_person ON incident_people(person_id, incident_id);
CREATE INDEX incident_people_by_incident ON incident_people(incident_id);
CREATE TRIGGER incident_people_append_only BEFORE UPDATE ON incident_people
BEGIN SELECT RAISE(ABORT, 'links change by new events only'); END;
CREATE TRIGGER incident_people_covered AFTER INSERT ON incident_people
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('incident_people', json_array(NEW.id)); END;
CREATE TRIGGER incident_people_delete_only_by_retention BEFORE DELETE ON incident_people
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

-- The rest of a person's record, one row beside each version made from schema 12 on: names
-- known by, gender, contact details, language, year group, SEND, status with services, social
-- worker, other agencies, employment. A JSON document checked by the core (records::people);
-- `reason` says why this version was made (required when a status with services changed).
-- A version without a row here (made before schema 12) has none of these details.
CREATE TABLE person_details (
    person_id INTEGER NOT NULL REFERENCES people(id),
    version   INTEGER NOT NULL,
    details   TEXT NOT NULL CHECK (json_valid(details)),
    reason    TEXT NOT NULL,
    PRIMARY KEY (person_id, version)
) STRICT;

-- How people are related: added, and ended by a later row (never edited). `person_id` is the
-- parent or carer in 'parent_carer_of'; sibling and lives-with read both ways.
CREATE TABLE relationships (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES people(id),
    other_id    INTEGER NOT NULL REFERENCES people(id),
    kind        TEXT NOT NULL CHECK (kind IN ('parent_carer_of', 'sibling_of', 'lives_with', 'other')),
    parental_responsibility TEXT CHECK (parental_responsibility IN ('yes', 'no', 'not_known')),
    label       TEXT NOT NULL,     -- what the relationship is, for 'other' ("grandmother of")
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    CHECK (person_id <> other_id)
) STRICT;
CREATE INDEX relationships_by_person ON relationships(person_id);
CREATE INDEX relationships_by_other ON relationships(other_id);

CREATE TABLE relationship_ends (
    relationship_id INTEGER PRIMARY KEY REFERENCES relationships(id),
    reason      TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
) STRICT;

-- Whether the child's parents or carers were told of the concern: when, by whom, how; or not,
-- and why (the risk). Appended; the newest is current.
CREATE TABLE parents_informed (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    informed    INTEGER NOT NULL CHECK (informed IN (0, 1)),
    at          TEXT,
    who_was_told TEXT NOT NULL,
    told_by     TEXT NOT NULL,
    how         TEXT NOT NULL,
    reason_not  TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    CHECK ((informed = 1 AND at IS NOT NULL) OR (informed = 0 AND reason_not <> ''))
) STRICT;
CREATE INDEX parents_informed_by_incident ON parents_informed(incident_id, id);

-- Consent to share information or to early help: given (by whom, covering what), refused, or
-- not sought; when it is not given, the lawful reason to share without it.
CREATE TABLE consents (
    id          INTEGER PRIMARY KEY,
    incident_id INTEGER NOT NULL REFERENCES incidents(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('share', 'early_help')),
    outcome     TEXT NOT NULL CHECK (outcome IN ('given', 'refused', 'not_sought')),
    given_by    TEXT NOT NULL,
    at          TEXT,
    covers      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    CHECK ((outcome = 'given' AND given_by <> '') OR (outcome <> 'given' AND reason <> ''))
) STRICT;
CREATE INDEX consents_by_incident ON consents(incident_id, id);

-- Who was told what: every time information about people leaves the school, with its lawful basis (UK GDPR
-- Art. 6, and for special category data Art. 9 with DPA 2018 Sch. 1). An issued referral
-- writes its own row.
CREATE TABLE information_shared (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    at            TEXT NOT NULL,
    method        TEXT NOT NULL CHECK (method IN ('referral', 'phone', 'email', 'meeting', 'letter', 'other')),
    recipient_name TEXT NOT NULL,
    recipient_organisation TEXT NOT NULL,
    recipient_role TEXT NOT NULL,
    people        TEXT NOT NULL CHECK (json_valid(people)),   -- person ids whose details went
    what          TEXT NOT NULL,                              -- which kinds of detail
    article6      TEXT NOT NULL,
    article9      TEXT NOT NULL,                              -- 'none' when no special category data
    reason        TEXT NOT NULL,
    referral_id   INTEGER REFERENCES referral_issues(id),
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
) STRICT;
CREATE INDEX information_shared_by_incident ON information_shared(incident_id, id);

-- Who first received the disclosure (often not the DSL) and where the original note is kept
-- (often on paper). Appended; the newest is current.
CREATE TABLE first_accounts (
    id            INTEGER PRIMARY KEY,
    incident_id   INTEGER NOT NULL REFERENCES incidents(id),
    received_by   TEXT NOT NULL,
    received_role TEXT NOT NULL,
    note_location TEXT NOT NULL,
    recorded_at   TEXT NOT NULL,
    recorded_by   TEXT NOT NULL
) STRICT;
CREATE INDEX first_accounts_by_incident ON first_accounts(incident_id, id);

-- The organisation's closure days (INSET days, holidays), which working days skip as well as
-- weekends and bank holidays. Removed by a later row.
CREATE TABLE closure_days (
    id          INTEGER PRIMARY KEY,
    first_day   TEXT NOT NULL,
    last_day    TEXT NOT NULL,
    label       TEXT NOT NULL,
    removed     INTEGER NOT NULL CHECK (removed IN (0, 1)),
    ends        INTEGER REFERENCES closure_days(id),   -- the period a removal row removes
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    CHECK (last_day >= first_day)
) STRICT;

-- How long child protection records are kept: the child's date of birth plus this many years
-- (25 by default; local practice goes further). Versions; the newest is current.
CREATE TABLE retention_settings (
    version     INTEGER PRIMARY KEY CHECK (version >= 1),
    child_years INTEGER NOT NULL CHECK (child_years BETWEEN 25 AND 100),
    reason      TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    changed_by  TEXT NOT NULL
) STRICT;

-- Retention reviews on Today are found by date, not by reading every incident.
ALTER TABLE incident_heads ADD COLUMN retention_until TEXT;
UPDATE incident_heads SET retention_until = (
    SELECT v.retention_until FROM incident_versions v
    WHERE v.incident_id = incident_heads.incident_id AND v.version = incident_heads.version);
CREATE INDEX incident_heads_by_retention ON incident_heads(retention_until);

-- Every new table is append-only, covered by the audit trail, and deleted only by retention.
CREATE TRIGGER person_details_append_only BEFORE UPDATE ON person_details
BEGIN SELECT RAISE(ABORT, 'records change by new versions only'); END;
CREATE TRIGGER person_details_covered AFTER INSERT ON person_details
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('person_details', json_array(NEW.person_id, NEW.version)); END;
CREATE TRIGGER person_details_delete_only_by_retention BEFORE DELETE ON person_details
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

CREATE TRIGGER relationships_append_only BEFORE UPDATE ON relationships
BEGIN SELECT RAISE(ABORT, 'a relationship is ended by a new row only'); END;
CREATE TRIGGER relationships_covered AFTER INSERT ON relationships
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('relationships', json_array(NEW.id)); END;
CREATE TRIGGER relationships_delete_only_by_retention BEFORE DELETE ON relationships
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

CREATE TRIGGER relationship_ends_append_only BEFORE UPDATE ON relationship_ends
BEGIN SELECT RAISE(ABORT, 'a relationship is ended by a new row only'); END;
CREATE TRIGGER relationship_ends_covered AFTER INSERT ON relationship_ends
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('relationship_ends', json_array(NEW.relationship_id)); END;
CREATE TRIGGER relationship_ends_delete_only_by_retention BEFORE DELETE ON relationship_ends
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

CREATE TRIGGER parents_informed_append_only BEFORE UPDATE ON parents_informed
BEGIN SELECT RAISE(ABORT, 'corrected by a new row only'); END;
CREATE TRIGGER parents_informed_covered AFTER INSERT ON parents_informed
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('parents_informed', json_array(NEW.id)); END;
CREATE TRIGGER parents_informed_delete_only_by_retention BEFORE DELETE ON parents_informed
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

CREATE TRIGGER consents_append_only BEFORE UPDATE ON consents
BEGIN SELECT RAISE(ABORT, 'corrected by a new row only'); END;
CREATE TRIGGER consents_covered AFTER INSERT ON consents
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('consents', json_array(NEW.id)); END;
CREATE TRIGGER consents_delete_only_by_retention BEFORE DELETE ON consents
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

CREATE TRIGGER information_shared_append_only BEFORE UPDATE ON information_shared
BEGIN SELECT RAISE(ABORT, 'corrected by a new row only'); END;
CREATE TRIGGER information_shared_covered AFTER INSERT ON information_shared
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('information_shared', json_array(NEW.id)); END;
CREATE TRIGGER information_shared_delete_only_by_retention BEFORE DELETE ON information_shared
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

CREATE TRIGGER first_accounts_append_only BEFORE UPDATE ON first_accounts
BEGIN SELECT RAISE(ABORT, 'corrected by a new row only'); END;
CREATE TRIGGER first_accounts_covered AFTER INSERT ON first_accounts
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('first_accounts', json_array(NEW.id)); END;
CREATE TRIGGER first_accounts_delete_only_by_retention BEFORE DELETE ON first_accounts
WHEN NOT EXISTS (SELECT 1 FROM deletion_permit)
BEGIN SELECT RAISE(ABORT, 'records are deleted only through the retention review'); END;

CREATE TRIGGER closure_days_append_only BEFORE UPDATE ON closure_days
BEGIN SELECT RAISE(ABORT, 'removed by a new row only'); END;
CREATE TRIGGER closure_days_covered AFTER INSERT ON closure_days
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('closure_days', json_array(NEW.id)); END;
CREATE TRIGGER closure_days_never_deleted BEFORE DELETE ON closure_days
BEGIN SELECT RAISE(ABORT, 'closure days are removed by a new row only'); END;

CREATE TRIGGER retention_settings_append_only BEFORE UPDATE ON retention_settings
BEGIN SELECT RAISE(ABORT, 'changed by new versions only'); END;
CREATE TRIGGER retention_settings_covered AFTER INSERT ON retention_settings
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('retention_settings', json_array(NEW.version)); END;
CREATE TRIGGER retention_settings_never_deleted BEFORE DELETE ON retention_settings
BEGIN SELECT RAISE(ABORT, 'retention settings are changed by new versions only'); END;

-- The backup reminder (on Today) finds the last verified backup by its action, not by reading
-- the whole trail (measured: 0.9 s at 1.28 million entries without it; docs/benchmarks.md).
CREATE INDEX audit_log_by_action ON audit_log(action, seq);
