-- Schema 1: the vault's identity and the audit trail, present from the first day.

CREATE TABLE vault_meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

-- Append-only and hash-chained: each entry carries the hash of the one before it, so an entry
-- removed or edited later is detected by `audit verify`. The triggers stop ordinary edits; the
-- chain catches anything that gets past them.
CREATE TABLE audit_log (
    seq       INTEGER PRIMARY KEY,   -- 1, 2, 3 … with no gaps
    at        TEXT NOT NULL,         -- RFC 3339, UTC
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,         -- e.g. 'vault.unlocked'
    subject   TEXT NOT NULL,         -- what it is about, e.g. 'vault' or a record reference
    detail    TEXT NOT NULL,         -- JSON object
    prev_hash TEXT NOT NULL,         -- hex SHA-256 of the entry before (or the genesis value)
    hash      TEXT NOT NULL          -- hex SHA-256 of this entry
) STRICT;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
