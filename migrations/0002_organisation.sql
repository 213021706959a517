-- Schema 2: the organisation and its DSL, kept as versions (a change adds a row).

CREATE TABLE organisation_versions (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    dsl_name   TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
) STRICT;

CREATE TRIGGER organisation_versions_no_update BEFORE UPDATE ON organisation_versions
BEGIN
    SELECT RAISE(ABORT, 'organisation details change by new versions only');
END;

CREATE TRIGGER organisation_versions_no_delete BEFORE DELETE ON organisation_versions
BEGIN
    SELECT RAISE(ABORT, 'organisation details change by new versions only');
END;
