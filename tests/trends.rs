//! Trends (issue 19): every figure checked against counts this test makes itself from the
//! records it reads back; the suppression rules on a vault with a single incident in a
//! category; the figures file refusing damage, edits and newer schemas; three schools
//! combined.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sha2::Digest;

use casebook::records::incidents::{self, Category, PersonLink, Role};
use casebook::records::people::{self, PersonInput, PersonKind};
use casebook::records::search::{self, IncidentFilter};
use casebook::time;
use casebook::trends::exchange;
use casebook::trends::publish::{self, Figure, Report};
use casebook::trends::{self, Counts, Period, PeriodChoice, PeriodKind};
use casebook::vault::Session;
use casebook::ErrorCode;
use common::*;

fn dates(first: NaiveDate, last: NaiveDate) -> PeriodChoice {
    PeriodChoice {
        kind: Some(PeriodKind::Dates),
        first: Some(first.into()),
        last: Some(last.into()),
    }
}

fn today() -> NaiveDate {
    time::uk_date(Utc::now())
}

/// Counts made the long way: every incident read back whole, one by one.
fn count_by_hand(s: &Session, period: Period) -> Counts {
    let mut c = Counts {
        period: Some(period),
        ..Counts::default()
    };
    let starts = time::uk_day_start(period.first);
    let ends = time::uk_day_start(period.last + Duration::days(1));
    let mut children_seen: HashMap<i64, u32> = HashMap::new();
    let mut offset = 0;
    loop {
        let page = search::incidents(
            s.conn(),
            &IncidentFilter {
                limit: Some(500),
                offset: Some(offset),
                ..Default::default()
            },
        )
        .unwrap();
        if page.is_empty() {
            break;
        }
        offset += 500;
        for row in page {
            let i = incidents::get(s.conn(), &row.reference).unwrap();
            let at: DateTime<Utc> = time::parse(&i.reported_at).unwrap();
            if at < starts || at >= ends {
                continue;
            }
            c.incidents += 1;
            *c.by_category.entry(i.category).or_default() += 1;
            for fc in &i.four_cs {
                *c.by_four_c.entry(*fc).or_default() += 1;
            }
            let day = time::uk_date(at);
            *c.by_month.entry((day.year(), day.month())).or_default() += 1;
            *c.by_status.entry(i.status).or_default() += 1;
            if i.category == Category::FilteringBreach {
                c.filtering_and_monitoring += 1;
            }
            let mut years = BTreeSet::new();
            let mut sexes = BTreeSet::new();
            let mut kids = BTreeSet::new();
            for p in i.people.iter().filter(|p| p.kind == PersonKind::Child) {
                if !kids.insert(p.person_id) {
                    continue;
                }
                let person = people::get(s.conn(), p.person_id).unwrap();
                years.insert(person.details.year_group);
                sexes.insert(trends::fold_sex(&person.details.gender));
                *children_seen.entry(i64::from(p.person_id)).or_default() += 1;
            }
            for y in years {
                *c.by_year_group.entry(y).or_default() += 1;
            }
            for x in sexes {
                *c.by_sex.entry(x).or_default() += 1;
            }
        }
    }
    c.children_in_more_than_one = children_seen.values().filter(|n| **n > 1).count() as u32;
    // Referrals issued in the period, read from the table they are recorded in.
    let mut stmt = s
        .conn()
        .prepare("SELECT recipient, issued_at FROM referral_issues")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    for row in rows {
        let (recipient, at) = row.unwrap();
        let at = time::parse(&at).unwrap();
        if at >= starts && at < ends {
            let r = casebook::referral::Recipient::parse(&recipient).unwrap();
            *c.referrals.entry(r).or_default() += 1;
        }
    }
    c
}

#[test]
fn every_figure_matches_counts_made_from_the_records_one_by_one() {
    let f = new_demo_vault();
    let mut s = f.unlock();
    casebook::demo::fill(&mut s, 150, 19).unwrap();
    // Entries amended into decisions and out of them, and an incident's 4 Cs changed: the
    // heads the counts read follow.
    let first = search::incidents(s.conn(), &IncidentFilter::default()).unwrap()[0]
        .reference
        .clone();
    for entry in casebook::records::chronology::for_incident(s.conn(), &first)
        .unwrap()
        .into_iter()
        .take(3)
    {
        let mut input = casebook::records::chronology::EntryInput {
            kind: Some(casebook::records::chronology::EntryKind::Decision),
            occurred_at: Some(time::parse(&entry.occurred_at).unwrap().into()),
            text: format!("{} (now a decision)", entry.text),
            reason: "Amended in the test".into(),
            ..Default::default()
        };
        if entry.kind == casebook::records::chronology::EntryKind::Decision {
            input.kind = Some(casebook::records::chronology::EntryKind::Note);
        }
        casebook::records::chronology::amend(&mut s, entry.id, &input).unwrap();
    }
    let mut changed = incidents::get(s.conn(), &first).unwrap();
    changed.four_cs = vec![casebook::records::incidents::FourC::Commerce];
    let input = casebook::records::incidents::IncidentInput {
        occurred_at: None,
        reported_at: Some(time::parse(&changed.reported_at).unwrap().into()),
        reported_by: changed.reported_by.clone(),
        category: Some(changed.category),
        four_cs: changed.four_cs.clone(),
        summary: changed.summary.clone(),
        childs_words: changed.childs_words.clone(),
        risk: Some(changed.risk),
        status: changed.status,
        outcome: changed.outcome.clone(),
        retention_until: None,
    };
    incidents::amend(&mut s, &first, &input).unwrap();
    trends_heads_match_records(s.conn());
    let today = today();
    // The demo spreads its incidents over three years: all of them, then the last year.
    for choice in [
        dates(today - Duration::days(4 * 365), today),
        PeriodChoice {
            kind: Some(PeriodKind::Last12Months),
            ..Default::default()
        },
        PeriodChoice {
            kind: Some(PeriodKind::ThisSchoolYear),
            ..Default::default()
        },
    ] {
        let compared = trends::compare(s.conn(), &choice, today).unwrap();
        for counts in [&compared.now, &compared.before] {
            let period = counts.period.unwrap();
            let hand = count_by_hand(&s, period);
            let what = period.describe();
            assert_eq!(counts.incidents, hand.incidents, "{what}");
            assert_eq!(counts.by_category, hand.by_category, "{what}");
            assert_eq!(counts.by_four_c, hand.by_four_c, "{what}");
            assert_eq!(counts.by_month, hand.by_month, "{what}");
            assert_eq!(counts.by_status, hand.by_status, "{what}");
            assert_eq!(counts.by_year_group, hand.by_year_group, "{what}");
            assert_eq!(counts.by_sex, hand.by_sex, "{what}");
            assert_eq!(counts.referrals, hand.referrals, "{what}");
            assert_eq!(
                counts.children_in_more_than_one, hand.children_in_more_than_one,
                "{what}"
            );
            assert_eq!(
                counts.filtering_and_monitoring, hand.filtering_and_monitoring,
                "{what}"
            );
        }
    }
    // The whole demo: real figures in every table, and each published figure is its count
    // under the rules.
    let all = trends::compare(
        s.conn(),
        &dates(today - Duration::days(4 * 365), today),
        today,
    )
    .unwrap();
    assert_eq!(all.now.incidents, 150);
    assert!(all.now.by_category.len() > 5);
    assert!(all.now.by_year_group.len() > 3);
    assert!(!all.now.referrals.is_empty());
    assert!(!all.now.checklists.is_empty());
    assert!(all.now.to_first_decision.incidents > 0);
    let report = publish::publish("Demo School", &all).unwrap();
    let category = report.table("category").unwrap();
    for row in &category.rows {
        let k = Category::parse(&row.key).unwrap();
        let n = all.now.by_category.get(&k).copied().unwrap_or(0);
        let (low, high) = row.now.bounds();
        assert!(
            low <= n && n <= high,
            "{}: {n} shown as {:?}",
            row.label,
            row.now
        );
        assert!(
            !matches!(row.now, Figure::Exact { n } if (1..5).contains(&n)),
            "{}",
            row.label
        );
    }
    let (low, high) = report.incidents.now.bounds();
    assert!(low <= 150 && 150 <= high);
}

fn child(s: &mut Session, name: &str) -> casebook::records::RecordId {
    people::create(
        s,
        &PersonInput {
            kind: PersonKind::Child,
            full_name: name.into(),
            date_of_birth: NaiveDate::from_ymd_opt(2012, 4, 1).map(Into::into),
            class_year: "Kestrel class".into(),
            details: Default::default(),
            reason: String::new(),
        },
    )
    .unwrap()
    .id
}

/// `n` incidents of `category`, each with its own named child, reported an hour ago.
fn record(s: &mut Session, category: Category, n: u32, name: &str) {
    for i in 0..n {
        let kid = child(s, &format!("{name} {i}"));
        let mut input = incident_input(&format!("Summary of {name} {i}"));
        input.category = Some(category);
        incidents::create(
            s,
            &input,
            &[PersonLink {
                person_id: kid,
                role: Role::Victim,
            }],
        )
        .unwrap();
    }
}

fn this_year() -> PeriodChoice {
    PeriodChoice {
        kind: Some(PeriodKind::Last12Months),
        ..Default::default()
    }
}

#[test]
fn a_single_incident_in_a_category_is_never_shown_or_given_away() {
    let f = new_vault();
    let mut s = f.unlock();
    record(&mut s, Category::Cyberbullying, 6, "Ayesha Khan");
    record(&mut s, Category::Upskirting, 1, "Zofia Nowak");
    let compared = trends::compare(s.conn(), &this_year(), today()).unwrap();
    assert_eq!(compared.now.incidents, 7);
    let report = publish::publish(ORG, &compared).unwrap();
    let row = |table: &str, key: &str| {
        report
            .table(table)
            .unwrap()
            .rows
            .iter()
            .find(|r| r.key == key)
            .unwrap()
            .clone()
    };
    assert_eq!(row("category", "upskirting").now, Figure::FewerThanFive);
    // With a count hidden, every figure is rounded: 6 is "about 5", and the total 7 too, so
    // 7 − 6 cannot be worked out.
    assert_eq!(row("category", "cyberbullying").now, Figure::About { n: 5 });
    assert_eq!(report.incidents.now, Figure::About { n: 5 });
    assert_eq!(
        report
            .table("category")
            .unwrap()
            .total
            .as_ref()
            .unwrap()
            .now,
        Figure::About { n: 5 }
    );
    // Every table agrees: months and statuses show the same rounded total, and the month
    // that holds all 7 and the 4 Cs every incident is in are rounded too.
    for key in ["month", "status"] {
        let t = report.table(key).unwrap();
        assert_eq!(
            t.total.as_ref().unwrap().now,
            Figure::About { n: 5 },
            "{key}"
        );
    }
    // Nothing in the report, its text or its file names a child or an incident, or shows 7.
    let text = publish::plain_text(&report);
    let json = String::from_utf8(exchange::to_json(&report).unwrap()).unwrap();
    for shown in [&text, &json] {
        for secret in ["Ayesha", "Zofia", "Khan", "Nowak", "Summary of", "Kestrel"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        for r in search::incidents(s.conn(), &IncidentFilter::default()).unwrap() {
            assert!(!shown.contains(&r.reference));
        }
    }
    assert!(!text.contains(" 7 "), "{text}");
    assert!(report
        .table("month")
        .unwrap()
        .rows
        .iter()
        .all(|r| r.now == Figure::Exact { n: 0 } || r.now == Figure::About { n: 5 }));
    assert_eq!(row("four_cs", "contact").now, Figure::About { n: 5 });
    assert!(text.contains("fewer than 5"));
    assert!(text.contains("about 5"));
    // A single child in two incidents: counted, as "fewer than 5".
    assert_eq!(
        row("other", "children_in_more_than_one").now,
        Figure::Exact { n: 0 }
    );
    // Times over fewer than 5 incidents are not shown.
    assert!(report.waits.iter().all(|w| w.now.median_minutes.is_none()));
}

#[test]
fn sentences_say_what_changed_and_an_empty_period_says_so() {
    let f = new_vault();
    let mut s = f.unlock();
    let compared = trends::compare(s.conn(), &this_year(), today()).unwrap();
    let report = publish::publish(ORG, &compared).unwrap();
    assert!(report.is_empty());
    assert_eq!(report.sentences.len(), 1, "{:?}", report.sentences);
    assert!(report.sentences[0].starts_with("No incidents were recorded"));
    assert!(publish::plain_text(&report).contains("No incidents were recorded"));

    record(&mut s, Category::SharingNudes, 11, "Child");
    // Four the year before.
    for i in 0..4 {
        let kid = child(&mut s, &format!("Earlier {i}"));
        let mut input = incident_input("Earlier");
        input.reported_at = Some((Utc::now() - Duration::days(400)).into());
        input.occurred_at = None;
        incidents::create(
            &mut s,
            &input,
            &[PersonLink {
                person_id: kid,
                role: Role::Victim,
            }],
        )
        .unwrap();
    }
    let compared = trends::compare(s.conn(), &this_year(), today()).unwrap();
    let report = publish::publish(ORG, &compared).unwrap();
    assert!(
        report
            .sentences
            .iter()
            .any(|s| s == "Reports of sharing nudes or semi-nudes rose from fewer than 5 to 11."),
        "{:?}",
        report.sentences
    );
    assert!(report.sentences[0].starts_with("11 incidents were reported"));
}

#[test]
fn a_figures_file_reads_back_and_refuses_damage_edits_and_newer_schemas() {
    let f = new_vault();
    let mut s = f.unlock();
    record(&mut s, Category::Cyberbullying, 8, "Child");
    record(&mut s, Category::OnlineHate, 2, "Other");
    let report = publish::publish(
        ORG,
        &trends::compare(s.conn(), &this_year(), today()).unwrap(),
    )
    .unwrap();
    let bytes = exchange::to_json(&report).unwrap();
    assert_eq!(exchange::parse(&bytes).unwrap(), report);

    let text = String::from_utf8(bytes.clone()).unwrap();
    let refused = |bytes: &[u8], words: &str| {
        let e = exchange::parse(bytes).unwrap_err();
        assert!(e.contains(words), "{e}");
    };
    // A figure changed by hand: the checksum no longer matches.
    refused(
        text.replacen("\"n\": 10", "\"n\": 15", 1).as_bytes(),
        "changed after Casebook wrote it",
    );
    // A hidden count written out, with the checksum recomputed: the rules catch it.
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let rows = value["report"]["tables"][0]["rows"].as_array_mut().unwrap();
    let hate = rows.iter_mut().find(|r| r["key"] == "online_hate").unwrap();
    hate["now"] = serde_json::json!({ "kind": "exact", "n": 2 });
    let edited: Report = serde_json::from_value(value["report"].clone()).unwrap();
    value["sha256"] = serde_json::Value::String(hex::encode(sha2::Sha256::digest(
        serde_json::to_vec(&edited).unwrap(),
    )));
    refused(&serde_json::to_vec(&value).unwrap(), "never shows");
    // A rounded figure beside the hidden one written out exactly (a valid figure on its own),
    // with the checksum recomputed: rule 2 catches it.
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    let rows = value["report"]["tables"][0]["rows"].as_array_mut().unwrap();
    let bullying = rows
        .iter_mut()
        .find(|r| r["key"] == "cyberbullying")
        .unwrap();
    assert_eq!(bullying["now"]["kind"], "about");
    bullying["now"] = serde_json::json!({ "kind": "exact", "n": 8 });
    let edited: Report = serde_json::from_value(value["report"].clone()).unwrap();
    value["sha256"] = serde_json::Value::String(hex::encode(sha2::Sha256::digest(
        serde_json::to_vec(&edited).unwrap(),
    )));
    refused(&serde_json::to_vec(&value).unwrap(), "shown exactly");
    // Newer, truncated, not JSON, unknown fields, another kind of file.
    let mut newer: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    newer["schema"] = serde_json::json!(exchange::SCHEMA + 1);
    newer["report"]["something_new"] = serde_json::json!(1);
    refused(&serde_json::to_vec(&newer).unwrap(), "newer Casebook");
    refused(&bytes[..bytes.len() / 2], "not a Casebook figures file");
    refused(b"\x89PNG\r\n", "not a Casebook figures file");
    let mut extra: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    extra["report"]["names"] = serde_json::json!(["Someone"]);
    refused(
        &serde_json::to_vec(&extra).unwrap(),
        "damaged or was edited",
    );
    refused(
        br#"{"format":"casebook-backup","schema":1}"#,
        "not a Casebook figures file",
    );
    refused(&vec![b' '; 2 * 1024 * 1024], "larger than");

    // From a file: the error names it.
    let path = f.tmp.path().join("figures.json");
    std::fs::write(&path, &bytes[..20]).unwrap();
    let e = exchange::read(&path).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BadTrendsFile);
    assert!(e.to_string().contains("figures.json"), "{e}");
}

#[test]
fn exporting_the_figures_is_audited_and_a_failed_write_records_nothing() {
    let f = new_vault();
    let mut s = f.unlock();
    record(&mut s, Category::Cyberbullying, 5, "Child");
    let report = publish::publish(
        ORG,
        &trends::compare(s.conn(), &this_year(), today()).unwrap(),
    )
    .unwrap();
    let before = s.status().unwrap().tables;
    let e = exchange::export(&mut s, &report, |_| {
        Err(casebook::Error::Unavailable("no disk".into()))
    })
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Unavailable);
    assert_eq!(s.status().unwrap().tables, before);
    let mut written = Vec::new();
    exchange::export(&mut s, &report, |b| {
        written = b.to_vec();
        Ok(())
    })
    .unwrap();
    let last = casebook::audit::head(s.conn()).unwrap().unwrap().0;
    let (action, detail): (String, String) = s
        .conn()
        .query_row(
            "SELECT action, detail FROM audit_log WHERE seq = ?1",
            [last],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(action, "record.exported");
    let detail: serde_json::Value = serde_json::from_str(&detail).unwrap();
    assert_eq!(detail["what"], "trends_figures");
    assert_eq!(
        detail["sha256"],
        hex::encode(sha2::Sha256::digest(&written))
    );
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn three_schools_combine_into_one_report_keeping_each_schools_figures() {
    let schools = [
        ("Oak Primary", 12, 0),
        ("Elm Academy", 3, 7),
        ("Ash College", 6, 2),
    ];
    let mut reports = Vec::new();
    let mut vaults = Vec::new();
    for (name, bullying, hate) in schools {
        let f = new_vault();
        let mut s = f.unlock();
        record(&mut s, Category::Cyberbullying, bullying, "Child");
        record(&mut s, Category::OnlineHate, hate, "Other");
        let report = publish::publish(
            name,
            &trends::compare(s.conn(), &this_year(), today()).unwrap(),
        )
        .unwrap();
        let path = f.tmp.path().join("figures.json");
        std::fs::write(&path, exchange::to_json(&report).unwrap()).unwrap();
        reports.push((path.display().to_string(), exchange::read(&path).unwrap()));
        vaults.push(f);
    }
    let trust = exchange::combine(&reports).unwrap();
    assert_eq!(trust.schools, ["Oak Primary", "Elm Academy", "Ash College"]);
    let row = |key: &str| {
        trust
            .table("category")
            .unwrap()
            .rows
            .iter()
            .find(|r| r.key == key)
            .unwrap()
            .clone()
    };
    let bullying = row("cyberbullying");
    assert_eq!(
        bullying.schools,
        [
            Figure::Exact { n: 12 },
            Figure::FewerThanFive,
            Figure::About { n: 5 }
        ]
    );
    // 12 + (1 to 4) + (5 to 7): the total keeps what Elm and Ash hide.
    assert_eq!(bullying.now, Figure::Between { low: 18, high: 23 });
    let hate = row("online_hate");
    assert_eq!(hate.now, Figure::Between { low: 6, high: 11 });
    assert!(publish::plain_text(&trust).contains("Oak Primary"));
    assert!(
        trust.sentences[0].contains("across 3 schools"),
        "{:?}",
        trust.sentences
    );

    // Another period, or the same school twice, is refused with a sentence.
    let mut other = reports[1].1.clone();
    other.period.first -= Duration::days(1);
    let e = exchange::combine(&[reports[0].clone(), ("elm.json".into(), other)]).unwrap_err();
    assert!(e.to_string().contains("same period"), "{e}");
    let e = exchange::combine(&[reports[0].clone(), reports[0].clone()]).unwrap_err();
    assert!(
        e.to_string().contains("second file from Oak Primary"),
        "{e}"
    );
    assert!(exchange::combine(&[]).is_err());
}

#[test]
fn a_period_ending_before_it_starts_is_refused_with_a_sentence() {
    let f = new_vault();
    let s = f.unlock();
    let e = trends::compare(
        s.conn(),
        &dates(today(), today() - Duration::days(3)),
        today(),
    )
    .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.to_string().contains("must end after it starts"), "{e}");
}

#[test]
fn the_signed_report_draws_its_charts_as_paths_names_no_one_and_verifies() {
    let f = new_vault();
    let mut s = f.unlock();
    record(&mut s, Category::Cyberbullying, 6, "Ayesha Khan");
    record(&mut s, Category::Upskirting, 1, "Zofia Nowak");
    let report = publish::publish(
        ORG,
        &trends::compare(s.conn(), &this_year(), today()).unwrap(),
    )
    .unwrap();
    let path = f.tmp.path().join("trends.pdf");
    let before = s.status().unwrap().tables;
    let pdf = trends::report_pdf::issue(&mut s, &report, |b| {
        casebook::files::write_private_new(&path, b)
    })
    .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), pdf);
    // Signed, and the signature covers the whole file.
    let v = casebook::referral::sign::verify_pdf(&pdf).unwrap();
    assert_eq!(
        v.outcome,
        casebook::referral::sign::Outcome::Intact,
        "{v:?}"
    );
    // Recorded: one audit entry more (and a signing identity, made the first time).
    let after = s.status().unwrap().tables;
    assert!(after != before);
    assert!(s.verify_audit().unwrap().is_intact());
    // No image: no image object, and poppler counts none.
    assert!(!String::from_utf8_lossy(&pdf).contains("/Image"));
    let images = std::process::Command::new("pdfimages")
        .arg("-list")
        .arg(&path)
        .output()
        .expect("pdfimages (poppler-utils) is installed by scripts/install-deps");
    assert_eq!(String::from_utf8_lossy(&images.stdout).lines().count(), 2);
    // What a governor reads: the suppressed figures, the sentences, and no child.
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let words = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(words.contains("Online safety trends"), "{words}");
    assert!(words.contains("fewer than 5"), "{words}");
    assert!(words.contains("Reports of cyberbullying rose"), "{words}");
    for secret in ["Ayesha", "Zofia", "Summary of", "Kestrel"] {
        assert!(!words.contains(secret), "{secret}");
    }
    assert!(!words.contains(" 7 "), "{words}");

    // An empty period says so plainly, and still signs.
    let empty = publish::publish(
        ORG,
        &trends::compare(
            s.conn(),
            &dates(today() - Duration::days(900), today() - Duration::days(800)),
            today(),
        )
        .unwrap(),
    )
    .unwrap();
    let pdf = trends::report_pdf::issue(&mut s, &empty, |_| Ok(())).unwrap();
    let path = f.tmp.path().join("empty.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("No incidents were recorded"));
}

mod hostile_figures_files {
    use super::*;
    use proptest::prelude::*;

    fn a_file() -> Vec<u8> {
        let f = new_vault();
        let mut s = f.unlock();
        record(&mut s, Category::Cyberbullying, 8, "Child");
        record(&mut s, Category::OnlineHate, 2, "Other");
        let report = publish::publish(
            ORG,
            &trends::compare(s.conn(), &this_year(), today()).unwrap(),
        )
        .unwrap();
        exchange::to_json(&report).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Any byte changed, cut or inserted: refused with a sentence, or (a change JSON
        /// ignores, such as spacing) read back as the same figures. Never a panic.
        #[test]
        fn a_damaged_file_is_refused_or_reads_as_written(
            edits in proptest::collection::vec((any::<u16>(), any::<u8>(), 0u8..3), 1..4)
        ) {
            static FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            let original = FILE.get_or_init(a_file);
            let clean = exchange::parse(original).unwrap();
            let mut bytes = original.clone();
            for (at, byte, how) in edits {
                let at = usize::from(at) % bytes.len().max(1);
                match how {
                    0 => bytes[at] = byte,
                    1 => { bytes.truncate(at); }
                    _ => bytes.insert(at, byte),
                }
                if bytes.is_empty() { break; }
            }
            match exchange::parse(&bytes) {
                Ok(r) => prop_assert_eq!(r, clean),
                Err(sentence) => prop_assert!(sentence.starts_with("it "), "{}", sentence),
            }
        }

        /// Arbitrary JSON values where the figures go are refused, never trusted.
        #[test]
        fn arbitrary_figures_are_refused(n in any::<u32>(), kind in "[a-z_]{1,16}") {
            static FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
            let original = FILE.get_or_init(a_file);
            let mut v: serde_json::Value = serde_json::from_slice(original).unwrap();
            v["report"]["incidents"]["now"] = serde_json::json!({ "kind": kind, "n": n });
            let report: Result<Report, _> = serde_json::from_value(v["report"].clone());
            if let Ok(r) = report {
                v["sha256"] = serde_json::Value::String(hex::encode(sha2::Sha256::digest(
                    serde_json::to_vec(&r).unwrap(),
                )));
            }
            let bytes = serde_json::to_vec(&v).unwrap();
            if let Ok(r) = exchange::parse(&bytes) {
                // Only a figure Casebook itself could have written is accepted.
                let f = r.incidents.now;
                prop_assert!(
                    matches!(f, Figure::Exact { n } if n == 0 || n >= 5)
                        || matches!(f, Figure::About { n } if n % 5 == 0 && n >= 5)
                        || matches!(f, Figure::FewerThanFive | Figure::Withheld),
                    "{:?}", f
                );
            }
        }
    }
}
