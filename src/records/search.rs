//! Finding incidents: full-text search (FTS5, inside the encrypted database) and filters by
//! status, category, person and date. Owns `search_index` (a derived, contentless index of the
//! current wording) and `search_sources` (which incident each indexed passage belongs to).

use rusqlite::types::Value;
use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};

use super::incidents::{Category, Risk, Status};
use super::RecordId;
use crate::error::{Field, Form};
use crate::time::{self, typed::read_day, Day};
use crate::{Error, Result};

/// The kinds of passage in the index, and the low bits of their rowids.
const SOURCES: [&str; 4] = ["summary", "childs_words", "chronology", "evidence"];

/// Each passage's rowid is derived from what it indexes, so replacing it is a rowid lookup
/// (a `WHERE` on anything else would scan the whole index).
/// Newer records have larger ids, so rowid order is also "newest written first".
fn rowid(source: &str, source_id: RecordId) -> Result<i64> {
    let code = SOURCES
        .iter()
        .position(|s| *s == source)
        .ok_or_else(|| crate::Error::Internal(format!("unknown search source {source}")))?;
    Ok((i64::from(source_id) << 3) | code as i64)
}

/// Replaces the indexed text of one source (an incident's summary, a chronology entry …).
pub(crate) fn index(
    tx: &Connection,
    incident_id: RecordId,
    source: &str,
    source_id: RecordId,
    body: &str,
) -> Result<()> {
    let passage = rowid(source, source_id)?;
    tx.execute("DELETE FROM search_index WHERE rowid = ?1", [passage])?;
    tx.execute("DELETE FROM search_sources WHERE passage = ?1", [passage])?;
    if !body.is_empty() {
        tx.execute(
            "INSERT INTO search_index (rowid, body) VALUES (?1, ?2)",
            params![passage, body],
        )?;
        tx.execute(
            "INSERT INTO search_sources (passage, incident_id) VALUES (?1, ?2)",
            params![passage, incident_id],
        )?;
    }
    Ok(())
}

/// Indexes several fields of one source as one passage (empty ones left out).
pub(crate) fn index_fields(
    tx: &Connection,
    incident_id: RecordId,
    source: &str,
    source_id: RecordId,
    parts: &[&String],
) -> Result<()> {
    let body = parts
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    index(tx, incident_id, source, source_id, &body)
}

/// What to look for. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct IncidentFilter {
    /// Words to find anywhere in summaries, the child's words, chronology and evidence.
    pub text: String,
    pub status: Option<Status>,
    pub category: Option<Category>,
    pub person_id: Option<RecordId>,
    /// Reported on or after this day, and on or before that one (UK days).
    pub reported_from: Option<Day>,
    pub reported_to: Option<Day>,
    pub limit: Option<u32>,
    pub offset: Option<u32>,
}

/// How many matching passages a text search considers, newest first: enough for any word a
/// DSL would search by; a word in thousands of records needs a second word or a date range.
pub const MAX_TEXT_HITS: i64 = 2_000;

/// One line of the incident list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IncidentRow {
    pub reference: String,
    pub reported_at: String,
    pub category: Category,
    pub status: Status,
    pub risk: Risk,
    /// The start of the summary.
    pub summary: String,
    /// The children linked to it now, by name ("" when none).
    pub children: String,
}

/// Turns typed words into an FTS5 query that cannot be malformed: every word becomes a quoted
/// term, all of which must match; the last is a prefix (the DSL may still be typing it).
/// Whole words stay exact so that common ones are cheap. `None` when there is nothing to find.
pub fn fts_query(text: &str) -> Option<String> {
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .collect();
    let last = words.len().checked_sub(1)?;
    let terms: Vec<String> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == last {
                format!("\"{w}\"*")
            } else {
                format!("\"{w}\"")
            }
        })
        .collect();
    Some(terms.join(" "))
}

/// One page of the incident list and how many incidents match in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct IncidentList {
    pub rows: Vec<IncidentRow>,
    /// Every incident the filter matches, on any page.
    pub total: u32,
    /// Words so common that only the newest [`MAX_TEXT_HITS`] passages holding them were
    /// looked at: more incidents may hold them than `total` says.
    pub at_least: bool,
}

/// A page of incidents matching the filter, newest report first, with the number matching.
pub fn incident_list(conn: &Connection, filter: &IncidentFilter) -> Result<IncidentList> {
    let rows = incidents(conn, filter)?;
    let total = match matching(filter)? {
        None => 0,
        Some((sql_text, args)) => conn
            .prepare_cached(&format!("SELECT count(*) FROM ({sql_text})"))?
            .query_row(rusqlite::params_from_iter(args), |r| r.get::<_, u32>(0))?,
    };
    let at_least = match fts_query(&filter.text) {
        None => false,
        Some(q) => {
            conn.prepare_cached(
                "SELECT count(*) FROM (SELECT rowid FROM search_index WHERE search_index MATCH ?1
                 LIMIT ?2)",
            )?
            .query_row(params![q, MAX_TEXT_HITS + 1], |r| r.get::<_, i64>(0))?
                > MAX_TEXT_HITS
        }
    };
    Ok(IncidentList {
        rows,
        total,
        at_least,
    })
}

/// Incidents matching the filter, newest report first.
pub fn incidents(conn: &Connection, filter: &IncidentFilter) -> Result<Vec<IncidentRow>> {
    let Some((mut sql_text, mut args)) = matching(filter)? else {
        return Ok(Vec::new());
    };
    sql_text.push_str(" ORDER BY h.reported_at DESC, h.incident_id DESC LIMIT ? OFFSET ?");
    args.push(Value::Integer(i64::from(
        filter.limit.unwrap_or(50).min(500),
    )));
    args.push(Value::Integer(i64::from(filter.offset.unwrap_or(0))));
    // Pick the page from incident_heads (each incident's current version, indexed for these
    // orders) and only then read the 50 full versions: every page read from the vault must be
    // decrypted, so touching fewer is what keeps encrypted lists as fast as plain ones.
    let sql_text = format!(
        "WITH page AS ({sql_text})
         SELECT i.reference, v.reported_at, v.category, v.status, v.risk, substr(v.summary, 1, 160),
                (SELECT group_concat(name, ', ') FROM (
                    SELECT DISTINCT pv.full_name AS name FROM incident_people l
                    JOIN person_versions pv ON pv.person_id = l.person_id
                     AND pv.version = (SELECT max(version) FROM person_versions
                                       WHERE person_id = l.person_id)
                    WHERE l.incident_id = p.incident_id AND l.action = 'added' AND pv.kind = 'child'
                      AND l.id = (SELECT max(id) FROM incident_people
                                  WHERE incident_id = l.incident_id AND person_id = l.person_id
                                    AND role = l.role)))
         FROM page p
         JOIN incidents i ON i.id = p.incident_id
         JOIN incident_versions v ON v.incident_id = p.incident_id AND v.version = p.version
         ORDER BY p.reported_at DESC, p.incident_id DESC"
    );
    let mut stmt = conn.prepare_cached(&sql_text)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
        Ok(IncidentRow {
            reference: r.get(0)?,
            reported_at: r.get(1)?,
            category: r.get(2)?,
            status: r.get(3)?,
            risk: r.get(4)?,
            summary: r.get(5)?,
            children: r.get::<_, Option<String>>(6)?.unwrap_or_default(),
        })
    })?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from)
}

/// The query selecting the matching incidents' heads (`incident_id`, `version`, `reported_at`
/// of `incident_heads h`), unordered, and its arguments; `None` when typed text holds no word,
/// so that nothing can match.
fn matching(filter: &IncidentFilter) -> Result<Option<(String, Vec<Value>)>> {
    let mut form = Form::default();
    let from = read_day(
        &mut form,
        Field::ReportedFrom,
        filter.reported_from.as_ref(),
    );
    let to = read_day(&mut form, Field::ReportedTo, filter.reported_to.as_ref());
    if let (Some(f), Some(t)) = (from, to) {
        if t < f {
            form.add(Error::field(
                Field::ReportedTo,
                "this is before the first date: swap them",
            ));
        }
    }
    form.finish()?;
    let mut args: Vec<Value> = Vec::new();
    let mut sql_text = if let Some(q) = fts_query(&filter.text) {
        // A text search starts from its matches: FTS5 walks them newest-written first and
        // stops at the cap, then only those incidents are looked up and sorted (CROSS JOIN
        // keeps that order of work). Specific words always find their incidents; very common
        // ones show the incidents of the newest MAX_TEXT_HITS matching passages.
        args.push(Value::Text(q.clone()));
        args.push(Value::Integer(MAX_TEXT_HITS));
        // The same words, as the name of anyone linked to the incident.
        args.push(Value::Text(q));
        String::from(
            "SELECT h.incident_id, h.version, h.reported_at
             FROM (SELECT s.incident_id AS id FROM
                   (SELECT rowid AS passage FROM search_index WHERE search_index MATCH ?
                    ORDER BY rowid DESC LIMIT ?) AS m
                   JOIN search_sources s ON s.passage = m.passage
                   UNION
                   SELECT l.incident_id FROM incident_people l
                   WHERE l.person_id IN (SELECT rowid FROM people_search WHERE people_search MATCH ?)) AS hits
             CROSS JOIN incident_heads h ON h.incident_id = hits.id
             WHERE 1 = 1",
        )
    } else if !filter.text.trim().is_empty() {
        return Ok(None);
    } else {
        String::from(
            "SELECT h.incident_id, h.version, h.reported_at FROM incident_heads h WHERE 1 = 1",
        )
    };
    if let Some(s) = filter.status {
        sql_text.push_str(" AND h.status = ?");
        args.push(Value::Text(s.as_str().into()));
    }
    if let Some(c) = filter.category {
        sql_text.push_str(" AND h.category = ?");
        args.push(Value::Text(c.as_str().into()));
    }
    if let Some(p) = filter.person_id {
        sql_text.push_str(
            " AND h.incident_id IN (SELECT incident_id FROM incident_people WHERE person_id = ?)",
        );
        args.push(Value::Integer(i64::from(p)));
    }
    // From midnight UK time at the start of the first day to midnight at the end of the last.
    if let Some(from) = from {
        sql_text.push_str(" AND h.reported_at >= ?");
        args.push(Value::Text(time::format(time::uk_day_start(from))));
    }
    if let Some(to) = to {
        sql_text.push_str(" AND h.reported_at < ?");
        let next = to.succ_opt().unwrap_or(to);
        args.push(Value::Text(time::format(time::uk_day_start(next))));
    }
    Ok(Some((sql_text, args)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_passage_has_its_own_rowid() {
        let a = rowid("summary", 7).unwrap();
        let b = rowid("childs_words", 7).unwrap();
        let c = rowid("summary", 8).unwrap();
        assert!(a != b && b != c && a < c);
        assert!(rowid("nonsense", 1).is_err());
    }

    #[test]
    fn queries_are_quoted_terms_ending_in_a_prefix() {
        assert_eq!(fts_query("Zoë  sent"), Some("\"Zoë\" \"sent\"*".into()));
        assert_eq!(
            fts_query("\" OR 1=1 --"),
            Some("\"OR\" \"1\" \"1\"*".into())
        );
        assert_eq!(fts_query("  -- "), None);
    }

    proptest! {
        #[test]
        fn any_typed_text_makes_a_valid_query(s in "\\PC{0,80}") {
            let conn = Connection::open_in_memory().unwrap();
            conn.execute_batch("CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
                                INSERT INTO t VALUES ('some text');").unwrap();
            if let Some(q) = fts_query(&s) {
                let r: rusqlite::Result<i64> = conn.query_row("SELECT count(*) FROM t WHERE t MATCH ?1", [q], |r| r.get(0));
                prop_assert!(r.is_ok(), "{:?}", r);
            }
        }
    }
}
