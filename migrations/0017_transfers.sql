-- Schema 17: a child's file leaves safely (issue 18). The child protection file transfer to
-- the next school (KCSIE Annex C: within 5 days of an in-year move, or within the first 5
-- days of a new term, securely, with confirmation of receipt), and files received from other
-- schools. Append-only like every record table, and covered by the audit trail.

-- One transfer: where the file goes, when the child left (or starts there), how it is sent,
-- and the choices the DSL made for it. The child's name and date of birth are kept here as
-- they were when it was sent: the transfer record outlives the child's file, which may be
-- removed under the school's retention rule once receipt is confirmed.
CREATE TABLE transfers (
    id              INTEGER PRIMARY KEY,
    uid             TEXT NOT NULL UNIQUE,       -- random; carried in the package and its receipt
    person_id       INTEGER NOT NULL,           -- no foreign key: the transfer is kept after the file
    child_name      TEXT NOT NULL,
    child_birth     TEXT NOT NULL,
    destination     TEXT NOT NULL,              -- the receiving school or college
    destination_dsl TEXT NOT NULL,
    destination_contact TEXT NOT NULL,          -- phone or secure e-mail
    move            TEXT NOT NULL CHECK (move IN ('in_year', 'new_term')),
    moved_on        TEXT NOT NULL,              -- the day the child left, or starts the new term
    due             TEXT NOT NULL,              -- the last school day for sending it
    method          TEXT NOT NULL,
    other_children  TEXT NOT NULL CHECK (other_children IN ('named', 'by_role')),
    article6        TEXT NOT NULL,
    article9        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    started_at      TEXT NOT NULL,
    started_by      TEXT NOT NULL
) STRICT;
CREATE INDEX transfers_by_person ON transfers(person_id, id);

-- What happened to it: the PDF or the package made and signed (with its SHA-256), a chase,
-- receipt confirmed (by a signed receipt, or on paper or by phone: who and when), cancelled.
CREATE TABLE transfer_events (
    id          INTEGER PRIMARY KEY,
    transfer_id INTEGER NOT NULL REFERENCES transfers(id),
    kind        TEXT NOT NULL CHECK (kind IN ('pdf', 'package', 'chased', 'confirmed', 'cancelled')),
    at          TEXT NOT NULL,
    detail      TEXT NOT NULL CHECK (json_valid(detail)),
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
) STRICT;
CREATE INDEX transfer_events_by_transfer ON transfer_events(transfer_id, id);

-- Which sharing-record rows (one per incident) a transfer wrote. No foreign key to the sharing
-- row: it goes with its incident at the retention review, while this link, like the transfer,
-- is kept (the transfer's events still say what was sent, with its SHA-256).
CREATE TABLE transfer_sharing (
    transfer_id INTEGER NOT NULL REFERENCES transfers(id),
    sharing_id  INTEGER NOT NULL,
    PRIMARY KEY (transfer_id, sharing_id)
) STRICT;

-- This vault's keys for receiving packages: a school that uses Casebook sends its public key
-- to the school the child left, which encrypts the package to it. The secret never leaves the
-- vault (which is encrypted).
CREATE TABLE transfer_keys (
    id         INTEGER PRIMARY KEY,
    public     TEXT NOT NULL UNIQUE,
    secret     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
) STRICT;

-- Signers of other schools the DSL has confirmed (by the certificate's fingerprint, read out
-- on the phone or printed on a receipt): a package or receipt they sign is then "known".
CREATE TABLE known_signers (
    fingerprint  TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    organisation TEXT NOT NULL,
    certificate  BLOB NOT NULL,
    confirmed_at TEXT NOT NULL,
    confirmed_by TEXT NOT NULL
) STRICT;

-- A child protection file received from another school's Casebook: the signed content as it
-- arrived (the sender's records with their authorship, never merged into this school's own),
-- attached to a child of this vault on the DSL's say-so.
CREATE TABLE received_files (
    id             INTEGER PRIMARY KEY,
    transfer_uid   TEXT NOT NULL UNIQUE,      -- a package is imported once
    package_sha256 TEXT NOT NULL UNIQUE,
    person_id      INTEGER NOT NULL REFERENCES people(id),
    sender_organisation TEXT NOT NULL,
    sender_name    TEXT NOT NULL,
    sender_fingerprint TEXT NOT NULL,
    sent_at        TEXT NOT NULL,
    content        TEXT NOT NULL,             -- the signed JSON, byte for byte
    signature      BLOB NOT NULL,             -- the sender's detached CMS over `content`
    received_at    TEXT NOT NULL,
    received_by    TEXT NOT NULL
) STRICT;
CREATE INDEX received_files_by_person ON received_files(person_id, id);

CREATE TRIGGER transfers_fixed BEFORE UPDATE ON transfers
BEGIN SELECT RAISE(ABORT, 'a transfer changes by its events only'); END;
CREATE TRIGGER transfer_events_fixed BEFORE UPDATE ON transfer_events
BEGIN SELECT RAISE(ABORT, 'a transfer''s events are never changed'); END;
CREATE TRIGGER transfer_events_kept BEFORE DELETE ON transfer_events
BEGIN SELECT RAISE(ABORT, 'a transfer''s events are never deleted'); END;
CREATE TRIGGER transfers_kept BEFORE DELETE ON transfers
BEGIN SELECT RAISE(ABORT, 'a transfer record is kept'); END;
CREATE TRIGGER transfer_keys_fixed BEFORE UPDATE ON transfer_keys
BEGIN SELECT RAISE(ABORT, 'a transfer key is never changed'); END;
CREATE TRIGGER known_signers_fixed BEFORE UPDATE ON known_signers
BEGIN SELECT RAISE(ABORT, 'a confirmed signer is never changed'); END;
CREATE TRIGGER received_files_fixed BEFORE UPDATE ON received_files
BEGIN SELECT RAISE(ABORT, 'a received file is kept as it arrived'); END;

CREATE TRIGGER transfers_covered AFTER INSERT ON transfers
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('transfers', json_array(NEW.id)); END;
CREATE TRIGGER transfer_events_covered AFTER INSERT ON transfer_events
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('transfer_events', json_array(NEW.id)); END;
CREATE TRIGGER transfer_sharing_covered AFTER INSERT ON transfer_sharing
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('transfer_sharing', json_array(NEW.transfer_id, NEW.sharing_id)); END;
CREATE TRIGGER transfer_keys_covered AFTER INSERT ON transfer_keys
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('transfer_keys', json_array(NEW.id)); END;
CREATE TRIGGER known_signers_covered AFTER INSERT ON known_signers
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('known_signers', json_array(NEW.fingerprint)); END;
CREATE TRIGGER received_files_covered AFTER INSERT ON received_files
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('received_files', json_array(NEW.id)); END;
