-- Schema 6: the DSL's signing identity, and every referral PDF issued.

-- The private key lives only here, inside the encrypted vault. A new identity (e.g. after the
-- DSL changes) adds a row; referrals name the certificate they were signed with.
CREATE TABLE signing_identities (
    id          INTEGER PRIMARY KEY,
    key_pkcs8   BLOB NOT NULL,
    cert_der    BLOB NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
) STRICT;

CREATE TABLE referral_issues (
    id               INTEGER PRIMARY KEY,
    incident_id      INTEGER NOT NULL REFERENCES incidents(id),
    recipient        TEXT NOT NULL CHECK (recipient IN ('police', 'social_care', 'lado')),
    issued_at        TEXT NOT NULL,
    issued_by        TEXT NOT NULL,
    sha256           TEXT NOT NULL,
    cert_fingerprint TEXT NOT NULL,
    pages            INTEGER NOT NULL
) STRICT;
CREATE INDEX referral_issues_by_hash ON referral_issues(sha256);
CREATE INDEX referral_issues_by_incident ON referral_issues(incident_id);

CREATE TRIGGER signing_identities_fixed BEFORE UPDATE ON signing_identities
BEGIN SELECT RAISE(ABORT, 'a signing identity is never changed'); END;
CREATE TRIGGER referral_issues_fixed BEFORE UPDATE ON referral_issues
BEGIN SELECT RAISE(ABORT, 'an issued referral is never changed'); END;
