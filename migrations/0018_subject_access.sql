-- Schema 18: subject access requests (UK GDPR Article 15; issue 18). A request is recorded with
-- who asked, for whom, when and how their identity was checked; its events are the extension
-- (with the reason), parts withheld under an exemption (with the reason, kept here and never
-- shown in the response) or released again, and the signed response made (with its SHA-256).
-- Append-only and covered by the audit trail, like every record table.

CREATE TABLE subject_access_requests (
    id                 INTEGER PRIMARY KEY,
    person_id          INTEGER NOT NULL,        -- no foreign key: the request is kept after the file
    subject_name       TEXT NOT NULL,
    requester          TEXT NOT NULL,
    requester_relation TEXT NOT NULL CHECK (requester_relation IN ('themselves', 'parent_carer', 'representative')),
    received_on        TEXT NOT NULL,
    identity_checked   TEXT NOT NULL,
    due                TEXT NOT NULL,
    recorded_at        TEXT NOT NULL,
    recorded_by        TEXT NOT NULL
) STRICT;
CREATE INDEX subject_access_by_person ON subject_access_requests(person_id, id);

CREATE TABLE subject_access_events (
    id          INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES subject_access_requests(id),
    kind        TEXT NOT NULL CHECK (kind IN ('extended', 'withheld', 'released', 'responded')),
    at          TEXT NOT NULL,
    detail      TEXT NOT NULL CHECK (json_valid(detail)),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
) STRICT;
CREATE INDEX subject_access_events_by_request ON subject_access_events(request_id, id);

CREATE TRIGGER subject_access_fixed BEFORE UPDATE ON subject_access_requests
BEGIN SELECT RAISE(ABORT, 'a subject access request changes by its events only'); END;
CREATE TRIGGER subject_access_kept BEFORE DELETE ON subject_access_requests
BEGIN SELECT RAISE(ABORT, 'a subject access request is kept'); END;
CREATE TRIGGER subject_access_events_fixed BEFORE UPDATE ON subject_access_events
BEGIN SELECT RAISE(ABORT, 'a subject access request''s events are never changed'); END;
CREATE TRIGGER subject_access_events_kept BEFORE DELETE ON subject_access_events
BEGIN SELECT RAISE(ABORT, 'a subject access request''s events are never deleted'); END;

CREATE TRIGGER subject_access_covered AFTER INSERT ON subject_access_requests
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('subject_access_requests', json_array(NEW.id)); END;
CREATE TRIGGER subject_access_events_covered AFTER INSERT ON subject_access_events
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('subject_access_events', json_array(NEW.id)); END;
