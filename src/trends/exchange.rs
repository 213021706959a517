//! The figures file a school sends its trust, and the trust-wide report made from several.
//!
//! A small JSON document (docs/trends.md describes it field by field) holding one school's
//! published [`Report`]: the same suppressed figures the signed report shows, nothing more.
//! Reading one is reading a hostile file: its size is capped, unknown fields are refused, a
//! newer schema is named as such, and the figures must obey the suppression rules and add up
//! (a count of 3 shown as it is, or a total that disagrees with its rows, is a hand-edited
//! file). A SHA-256 of the report inside the file catches damage and casual edits; it is not a
//! signature, and the signed PDF report stays the copy of record.

use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::publish::{sentences, Figure, Report, Row, Table, WaitFigures, WaitRow};
use crate::{Error, Result};

/// What the file says it is.
pub const FORMAT: &str = "casebook-trends";
/// The schema this build writes and the newest it reads.
pub const SCHEMA: u32 = 1;
/// Far more than any school's figures (a five-year period is about 40 KB).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// The most files one trust report combines.
pub const MAX_SCHOOLS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FiguresFile {
    format: String,
    schema: u32,
    /// SHA-256 of `report` as this build serialises it.
    sha256: String,
    report: Report,
}

/// Only the fields that say what a file is, read first so that a newer schema is named as
/// such even when the rest would not parse.
#[derive(Deserialize)]
struct Header {
    format: Option<String>,
    schema: Option<u32>,
}

fn digest(report: &Report) -> Result<String> {
    let bytes =
        serde_json::to_vec(report).map_err(|e| Error::Internal(format!("figures to JSON: {e}")))?;
    Ok(hex::encode(Sha256::digest(bytes)))
}

/// One school's figures as the file sends them.
pub fn to_json(report: &Report) -> Result<Vec<u8>> {
    if report.schools.len() != 1 {
        return Err(Error::Internal(
            "a figures file holds one school's figures".into(),
        ));
    }
    let file = FiguresFile {
        format: FORMAT.into(),
        schema: SCHEMA,
        sha256: digest(report)?,
        report: report.clone(),
    };
    let mut out = serde_json::to_vec_pretty(&file)
        .map_err(|e| Error::Internal(format!("figures to JSON: {e}")))?;
    out.push(b'\n');
    Ok(out)
}

/// Writes the school's figures file through `write` and records it in the audit trail (the
/// file's SHA-256 and size, and the period), in one transaction: a failed write records
/// nothing.
pub fn export(
    session: &mut crate::vault::Session,
    report: &Report,
    write: impl FnOnce(&[u8]) -> Result<()>,
) -> Result<()> {
    let bytes = to_json(report)?;
    let subject = format!("trends {}", report.period.describe());
    session.export(&subject, "trends_figures", &bytes, write)
}

/// Reads a figures file, refusing anything that is not one school's untouched figures.
pub fn read(path: &Path) -> Result<Report> {
    let refuse = |detail: &str| Error::BadTrendsFile {
        path: path.to_path_buf(),
        detail: detail.to_owned(),
    };
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    if !meta.is_file() {
        return Err(refuse("it is not a file"));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(refuse(
            "it is far larger than any school's figures (over 1 MB)",
        ));
    }
    // Read no more than the cap, even if the file grew since it was measured.
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            std::io::Read::read_to_end(&mut std::io::Read::take(f, MAX_FILE_BYTES + 1), &mut bytes)
        })
        .map_err(|e| Error::io(path, e))?;
    parse(&bytes).map_err(|detail| refuse(&detail))
}

/// The checks of [`read`] on the bytes: `Err` says what is wrong, for the DSL.
pub fn parse(bytes: &[u8]) -> std::result::Result<Report, String> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err("it is far larger than any school's figures (over 1 MB)".into());
    }
    let header: Header = serde_json::from_slice(bytes)
        .map_err(|_| "it is not a Casebook figures file (or it is damaged)".to_owned())?;
    if header.format.as_deref() != Some(FORMAT) {
        return Err("it is not a Casebook figures file".into());
    }
    match header.schema {
        Some(s) if s > SCHEMA => {
            return Err(format!(
                "it was made by a newer Casebook (figures schema {s}; this one reads up to \
                 {SCHEMA}): update Casebook to read it"
            ))
        }
        Some(s) if s >= 1 => {}
        _ => return Err("it has no figures schema version".into()),
    }
    let file: FiguresFile = serde_json::from_slice(bytes)
        .map_err(|_| "it is damaged or was edited: its figures cannot be read".to_owned())?;
    let report = file.report;
    if digest(&report).map_err(|e| e.to_string())? != file.sha256 {
        return Err("it was changed after Casebook wrote it (its checksum does not match)".into());
    }
    check(&report).map_err(|what| format!("it was edited: {what}"))?;
    Ok(report)
}

/// The rules every published report keeps; a file that breaks one was edited by hand.
fn check(r: &Report) -> std::result::Result<(), String> {
    if r.schools.len() != 1 || r.schools[0].trim().is_empty() {
        return Err("it does not name exactly one school".into());
    }
    if r.period.last < r.period.first || r.before.last < r.before.first {
        return Err("a period ends before it starts".into());
    }
    let shown = |f: Figure| match f {
        Figure::Exact { n } => n == 0 || n >= super::publish::SMALLEST_SHOWN,
        Figure::About { n } => n % 5 == 0 && n >= super::publish::SMALLEST_SHOWN,
        Figure::FewerThanFive | Figure::Withheld => true,
        Figure::Between { .. } => false,
    };
    let rows = std::iter::once(&r.incidents).chain(
        r.tables
            .iter()
            .flat_map(|t| t.rows.iter().chain(t.total.iter())),
    );
    for row in rows {
        if !shown(row.now) || !shown(row.before) {
            return Err(format!(
                "\"{}\" shows a figure Casebook never shows",
                row.label
            ));
        }
        if !row.schools.is_empty() {
            return Err("it holds several schools' figures".into());
        }
    }
    // Rule 2: where a group of figures hides a count, none of its figures is exact (but 0).
    let groups: [&[&str]; 3] = [
        &[
            "category",
            "month",
            "status",
            "four_cs",
            "year_group",
            "sex",
        ],
        &["referrals"],
        &["checklists"],
    ];
    for group in groups {
        let mut rows: Vec<&Row> = r
            .tables
            .iter()
            .filter(|t| group.contains(&t.key.as_str()))
            .flat_map(|t| t.rows.iter().chain(t.total.iter()))
            .collect();
        if group.contains(&"category") {
            rows.push(&r.incidents);
        }
        for side in [|row: &Row| row.now, |row: &Row| row.before] {
            let hides = rows.iter().any(|row| side(row) == Figure::FewerThanFive);
            let exact = rows
                .iter()
                .any(|row| matches!(side(row), Figure::Exact { n } if n > 0));
            if hides && exact {
                return Err("a figure beside a hidden count is shown exactly".into());
            }
        }
    }
    for t in &r.tables {
        if let Some(total) = &t.total {
            for (side, total) in [(0, total.now), (1, total.before)] {
                let parts: Vec<Figure> = t
                    .rows
                    .iter()
                    .map(|row| if side == 0 { row.now } else { row.before })
                    .collect();
                let (low, high) = Figure::sum(parts.iter().copied()).bounds();
                let (tl, th) = total.bounds();
                if th < low || tl > high {
                    return Err(format!("the total of \"{}\" does not add up", t.title));
                }
            }
        }
    }
    Ok(())
}

/// One trust-wide report from several schools' reports of the same period: each school's
/// figure kept beside the total, the totals added with [`Figure::sum`] (so what one school
/// hides stays hidden), and times kept per school, since medians cannot be added.
pub fn combine(reports: &[(String, Report)]) -> Result<Report> {
    let Some((first_name, first)) = reports.first() else {
        return Err(Error::Unavailable(
            "Choose at least one school's figures file to combine.".into(),
        ));
    };
    if reports.len() > MAX_SCHOOLS {
        return Err(Error::Unavailable(format!(
            "A trust report combines at most {MAX_SCHOOLS} schools' files."
        )));
    }
    let mut schools = Vec::new();
    for (name, r) in reports {
        if r.period != first.period {
            return Err(Error::Unavailable(format!(
                "{name} covers {}, but {first_name} covers {}: combine files of the same period.",
                r.period.describe(),
                first.period.describe()
            )));
        }
        let school = r.schools.first().cloned().unwrap_or_default();
        if schools.contains(&school) {
            return Err(Error::Unavailable(format!(
                "{name} is a second file from {school}: choose one file for each school."
            )));
        }
        schools.push(school);
    }
    let combine_row = |pick: &dyn Fn(&Report) -> Option<Row>, template: &Row| -> Row {
        let found: Vec<Option<Row>> = reports.iter().map(|(_, r)| pick(r)).collect();
        let zero = Figure::Exact { n: 0 };
        let now: Vec<Figure> = found
            .iter()
            .map(|r| r.as_ref().map_or(zero, |r| r.now))
            .collect();
        Row {
            now: Figure::sum(now.iter().copied()),
            before: Figure::sum(found.iter().map(|r| r.as_ref().map_or(zero, |r| r.before))),
            schools: now,
            ..template.clone()
        }
    };
    let incidents = combine_row(&|r| Some(r.incidents.clone()), &first.incidents);
    let mut tables = Vec::new();
    for t in &first.tables {
        // Rows in the first school's order, then any row another school has that it lacks.
        let mut rows: Vec<Row> = t.rows.clone();
        for (_, r) in reports {
            if let Some(other) = r.table(&t.key) {
                for row in &other.rows {
                    if !rows.iter().any(|x| x.key == row.key) {
                        rows.push(row.clone());
                    }
                }
            }
        }
        let key = t.key.clone();
        let rows = rows
            .iter()
            .map(|template| {
                let (k, rk) = (key.clone(), template.key.clone());
                combine_row(
                    &move |r: &Report| {
                        r.table(&k)
                            .and_then(|t| t.rows.iter().find(|x| x.key == rk).cloned())
                    },
                    template,
                )
            })
            .collect();
        let total = t.total.as_ref().map(|template| {
            let k = key.clone();
            combine_row(
                &move |r: &Report| r.table(&k).and_then(|t| t.total.clone()),
                template,
            )
        });
        tables.push(Table {
            rows,
            total,
            ..t.clone()
        });
    }
    let waits = first
        .waits
        .iter()
        .map(|w| {
            let per_school: Vec<WaitFigures> = reports
                .iter()
                .map(|(_, r)| {
                    r.waits
                        .iter()
                        .find(|x| x.key == w.key)
                        .map_or_else(|| w.now.clone(), |x| x.now.clone())
                })
                .collect();
            let incidents = Figure::sum(per_school.iter().map(|s| s.incidents));
            WaitRow {
                now: WaitFigures {
                    incidents,
                    median_minutes: None,
                    slowest_minutes: per_school.iter().filter_map(|s| s.slowest_minutes).max(),
                },
                before: WaitFigures {
                    incidents: Figure::sum(reports.iter().map(|(_, r)| {
                        r.waits
                            .iter()
                            .find(|x| x.key == w.key)
                            .map_or(Figure::Exact { n: 0 }, |x| x.before.incidents)
                    })),
                    median_minutes: None,
                    slowest_minutes: None,
                },
                schools: per_school,
                ..w.clone()
            }
        })
        .collect();
    let mut report = Report {
        schools,
        period: first.period,
        before: first.before,
        incidents,
        tables,
        waits,
        sentences: Vec::new(),
    };
    report.sentences = sentences(&report);
    Ok(report)
}
