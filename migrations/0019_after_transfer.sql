-- Schema 19: what happens to the sending school's copy of a child's file once the new school
-- has confirmed receipt (issue 18, item 4). Versions, like the retention period: "keep" (the
-- usual retention period), or "review" (the child's incidents in which no other child is
-- recorded come to the retention review `months` after receipt is confirmed; some local
-- protocols keep the chronology for a year). The transfer record itself is always kept.
CREATE TABLE after_transfer_settings (
    version    INTEGER PRIMARY KEY,
    rule       TEXT NOT NULL CHECK (rule IN ('keep', 'review')),
    months     INTEGER NOT NULL CHECK (months BETWEEN 0 AND 24),
    reason     TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL
) STRICT;

CREATE TRIGGER after_transfer_settings_fixed BEFORE UPDATE ON after_transfer_settings
BEGIN SELECT RAISE(ABORT, 'this setting changes by new versions only'); END;
CREATE TRIGGER after_transfer_settings_kept BEFORE DELETE ON after_transfer_settings
BEGIN SELECT RAISE(ABORT, 'this setting changes by new versions only'); END;
CREATE TRIGGER after_transfer_settings_covered AFTER INSERT ON after_transfer_settings
BEGIN INSERT INTO audit_pending (tbl, key) VALUES ('after_transfer_settings', json_array(NEW.version)); END;
