-- Schema 10: people are found by name, folded for case and accents ("Siobhan" finds
-- "Siobhán", "nguyen" finds "Nguyễn"). A derived index of each person's current name (and the
-- other names they are known by, when the record holds them), rebuilt on every new version;
-- inside the encrypted database like everything else.

CREATE VIRTUAL TABLE people_search USING fts5(
    name,
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO people_search (rowid, name)
SELECT person_id, full_name FROM person_versions v
WHERE version = (SELECT max(version) FROM person_versions WHERE person_id = v.person_id);
