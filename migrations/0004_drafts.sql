-- Schema 4: form drafts, so nothing typed is lost if the app locks mid-form. A draft is work in
-- progress, not a record: it is replaced as the DSL types and removed when the form is saved
-- (secure_delete is on, so removed text does not linger in free pages).
CREATE TABLE drafts (
    form     TEXT PRIMARY KEY NOT NULL,
    body     TEXT NOT NULL,            -- JSON, every string checked by the no-images guard
    saved_at TEXT NOT NULL
) STRICT;
