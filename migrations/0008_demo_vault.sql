-- Schema 8: a demo vault is marked as one for good (vault_meta key 'demo'), so fictional
-- records can never sit beside real ones, and a real vault can never be relabelled.

CREATE TRIGGER vault_meta_demo_is_for_good_update BEFORE UPDATE ON vault_meta
WHEN OLD.key = 'demo' OR NEW.key = 'demo'
BEGIN
    SELECT RAISE(ABORT, 'a vault is made as a demo vault or not, for good');
END;

CREATE TRIGGER vault_meta_demo_is_for_good_delete BEFORE DELETE ON vault_meta
WHEN OLD.key = 'demo'
BEGIN
    SELECT RAISE(ABORT, 'a vault is made as a demo vault or not, for good');
END;

-- Only a vault with no records yet (at set-up) can be marked, and only once.
CREATE TRIGGER vault_meta_demo_only_at_setup BEFORE INSERT ON vault_meta
WHEN NEW.key = 'demo' AND (
    EXISTS (SELECT 1 FROM vault_meta WHERE key = 'demo')
    OR EXISTS (SELECT 1 FROM incidents)
    OR EXISTS (SELECT 1 FROM people)
)
BEGIN
    SELECT RAISE(ABORT, 'a vault is made as a demo vault or not, for good');
END;
