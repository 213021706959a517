-- Schema 20: trust in another school's signer can be withdrawn (their DSL has left, a laptop
-- with their certificate was lost) and given again. The first confirmation stays in
-- `known_signers`; each later decision is an event here, never changed or deleted. A signer
-- is trusted when confirmed and their latest event, if any, is a confirmation.
CREATE TABLE signer_events (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL REFERENCES known_signers(fingerprint),
    kind        TEXT NOT NULL CHECK (kind IN ('withdrawn', 'confirmed')),
    reason      TEXT NOT NULL,
    at          TEXT NOT NULL,
    by          TEXT NOT NULL
) STRICT;
CREATE INDEX signer_events_by_signer ON signer_events(fingerprint, id);

CREATE TRIGGER signer_events_fixed BEFORE UPDATE ON signer_events
BEGIN SELECT RAISE(ABORT, 'a decision about a signer is never changed'); END;
CREATE TRIGGER signer_events_kept BEFORE DELETE ON signer_events
BEGIN SELECT RAISE(ABORT, 'a decision about a signer is never deleted'); END;
CREATE TRIGGER signer_events_covered AFTER INSERT ON signer_events
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('signer_events', json_array(NEW.id)); END;
