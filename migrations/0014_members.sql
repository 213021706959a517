-- Schema 14: the safeguarding team. A vault holds the DSL and the deputies (or other members
-- the DSL names), each with their own key slots in the key file (`member_id` there) and their
-- own signing identity. Members are added, given another role, and removed by new versions,
-- never edited or deleted, so every name in the record can be traced to the member it was.

CREATE TABLE members (
    id        INTEGER PRIMARY KEY,
    member_id TEXT NOT NULL UNIQUE,
    added_at  TEXT NOT NULL,
    added_by  TEXT NOT NULL
) STRICT;

CREATE TABLE member_versions (
    member_id  INTEGER NOT NULL REFERENCES members(id),
    version    INTEGER NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('dsl', 'deputy', 'other')),
    role_title TEXT NOT NULL,
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    reason     TEXT NOT NULL,
    at         TEXT NOT NULL,
    by_whom    TEXT NOT NULL,
    PRIMARY KEY (member_id, version)
) STRICT;

-- Which member a signing identity belongs to (identities made before the team: the first).
CREATE TABLE signing_identity_members (
    identity_id INTEGER PRIMARY KEY REFERENCES signing_identities(id),
    member_id   INTEGER NOT NULL REFERENCES members(id)
) STRICT;

CREATE TRIGGER members_fixed BEFORE UPDATE ON members
BEGIN SELECT RAISE(ABORT, 'a member changes by new versions only'); END;
CREATE TRIGGER members_kept BEFORE DELETE ON members
BEGIN SELECT RAISE(ABORT, 'a member is removed by a new version, never deleted'); END;
CREATE TRIGGER member_versions_fixed BEFORE UPDATE ON member_versions
BEGIN SELECT RAISE(ABORT, 'a member changes by new versions only'); END;
CREATE TRIGGER member_versions_kept BEFORE DELETE ON member_versions
BEGIN SELECT RAISE(ABORT, 'a member is removed by a new version, never deleted'); END;
CREATE TRIGGER signing_identity_members_fixed BEFORE UPDATE ON signing_identity_members
BEGIN SELECT RAISE(ABORT, 'a signing identity is never changed'); END;
CREATE TRIGGER signing_identity_members_kept BEFORE DELETE ON signing_identity_members
BEGIN SELECT RAISE(ABORT, 'a signing identity is never deleted'); END;

CREATE TRIGGER members_covered AFTER INSERT ON members
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('members', json_array(NEW.id)); END;
CREATE TRIGGER member_versions_covered AFTER INSERT ON member_versions
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('member_versions', json_array(NEW.member_id, NEW.version)); END;
CREATE TRIGGER signing_identity_members_covered AFTER INSERT ON signing_identity_members
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('signing_identity_members', json_array(NEW.identity_id)); END;

-- A vault made before the team: its DSL is the first member. The id in the key file is given
-- at the first unlock, which reads it from here.
INSERT INTO members (id, member_id, added_at, added_by)
SELECT 1,
       lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2)
             || '-8' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
       coalesce((SELECT value FROM vault_meta WHERE key = 'created_at'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
       o.dsl_name
FROM organisation_versions o ORDER BY o.version DESC LIMIT 1;
INSERT INTO member_versions (member_id, version, name, role, role_title, active, reason, at, by_whom)
SELECT 1, 1, o.dsl_name, 'dsl', 'Designated Safeguarding Lead', 1,
       'The DSL who made the vault, before it held a team',
       coalesce((SELECT value FROM vault_meta WHERE key = 'created_at'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
       o.dsl_name
FROM organisation_versions o ORDER BY o.version DESC LIMIT 1;
INSERT INTO signing_identity_members (identity_id, member_id)
SELECT id, 1 FROM signing_identities WHERE EXISTS (SELECT 1 FROM members WHERE id = 1);
