-- Schema 15: what a referral form asks about its sender. The setting's address, URN and
-- switchboard (versions, as the organisation's name is), and each member's own phone and
-- secure e-mail (versions), so that a recipient can reach whoever made a referral. New tables,
-- not new columns: every covered row's digest includes all its columns (audit/coverage.rs),
-- so a column added to organisation_versions or member_versions would break the trail of
-- every vault upgraded to here.

CREATE TABLE setting_details (
    version      INTEGER PRIMARY KEY,
    address      TEXT NOT NULL,
    urn          TEXT NOT NULL,
    phone        TEXT NOT NULL,
    secure_email TEXT NOT NULL,
    changed_at   TEXT NOT NULL,
    changed_by   TEXT NOT NULL
) STRICT;

CREATE TABLE member_contacts (
    member_id    INTEGER NOT NULL REFERENCES members(id),
    version      INTEGER NOT NULL,
    phone        TEXT NOT NULL,
    secure_email TEXT NOT NULL,
    at           TEXT NOT NULL,
    by_whom      TEXT NOT NULL,
    PRIMARY KEY (member_id, version)
) STRICT;

CREATE TRIGGER setting_details_fixed BEFORE UPDATE ON setting_details
BEGIN SELECT RAISE(ABORT, 'the setting''s details change by new versions only'); END;
CREATE TRIGGER setting_details_kept BEFORE DELETE ON setting_details
BEGIN SELECT RAISE(ABORT, 'the setting''s details change by new versions only'); END;
CREATE TRIGGER member_contacts_fixed BEFORE UPDATE ON member_contacts
BEGIN SELECT RAISE(ABORT, 'a member''s contact details change by new versions only'); END;
CREATE TRIGGER member_contacts_kept BEFORE DELETE ON member_contacts
BEGIN SELECT RAISE(ABORT, 'a member''s contact details change by new versions only'); END;

CREATE TRIGGER setting_details_covered AFTER INSERT ON setting_details
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('setting_details', json_array(NEW.version)); END;
CREATE TRIGGER member_contacts_covered AFTER INSERT ON member_contacts
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('member_contacts', json_array(NEW.member_id, NEW.version)); END;
