-- Schema 5: the organisation's contacts, and checklist runs.

-- The contact list (DSL, LADO, front door, police, CEOP, ...) as whole-list versions.
CREATE TABLE contact_versions (
    version    INTEGER PRIMARY KEY,
    contacts   TEXT NOT NULL,          -- JSON list of {key, name, phone, details}
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
) STRICT;

CREATE TRIGGER contact_versions_append_only BEFORE UPDATE ON contact_versions
BEGIN SELECT RAISE(ABORT, 'contacts change by new versions only'); END;

-- A run of one template version on one incident. The template's own text is kept with the
-- run, so a later edit of the template file never rewrites what the DSL walked through.
CREATE TABLE checklist_runs (
    id               INTEGER PRIMARY KEY,
    incident_id      INTEGER NOT NULL REFERENCES incidents(id),
    template_id      TEXT NOT NULL,
    template_version INTEGER NOT NULL,
    template_sha256  TEXT NOT NULL,
    template_file    TEXT NOT NULL,
    template_text    TEXT NOT NULL,
    started_at       TEXT NOT NULL,
    started_by       TEXT NOT NULL
) STRICT;
CREATE INDEX checklist_runs_by_incident ON checklist_runs(incident_id);

-- Every answer to a step, as versions: changing an answer adds a row.
CREATE TABLE checklist_answers (
    run_id      INTEGER NOT NULL REFERENCES checklist_runs(id),
    step_id     TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    answer      TEXT NOT NULL,         -- JSON, see checklists::engine::Answer
    note        TEXT NOT NULL,
    answered_at TEXT NOT NULL,
    answered_by TEXT NOT NULL,
    PRIMARY KEY (run_id, step_id, version)
) STRICT;

CREATE TABLE checklist_run_ends (
    run_id      INTEGER PRIMARY KEY REFERENCES checklist_runs(id),
    finished_at TEXT NOT NULL,
    finished_by TEXT NOT NULL
) STRICT;

CREATE TRIGGER checklist_runs_append_only BEFORE UPDATE ON checklist_runs
BEGIN SELECT RAISE(ABORT, 'a checklist run is never rewritten'); END;
CREATE TRIGGER checklist_answers_append_only BEFORE UPDATE ON checklist_answers
BEGIN SELECT RAISE(ABORT, 'answers change by new versions only'); END;
CREATE TRIGGER checklist_run_ends_append_only BEFORE UPDATE ON checklist_run_ends
BEGIN SELECT RAISE(ABORT, 'a finished checklist stays finished'); END;
-- The engine refuses too; this makes it a property of the file, not only of the code.
CREATE TRIGGER checklist_answers_only_while_open BEFORE INSERT ON checklist_answers
WHEN EXISTS (SELECT 1 FROM checklist_run_ends WHERE run_id = NEW.run_id)
BEGIN SELECT RAISE(ABORT, 'this checklist is finished; its answers can no longer change'); END;
