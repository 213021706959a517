//! Response checklists: the shipped templates, the validator on broken and hostile templates,
//! every branch of the sharing-nudes template, and runs on a real vault.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use proptest::prelude::*;

use casebook::checklists::contacts::{self, Contact, ContactKey};
use casebook::checklists::engine::{self, route};
use casebook::checklists::library::{Library, SHIPPED};
use casebook::checklists::template::{self, StepKind, Template};
use casebook::checklists::Answer;
use casebook::records::chronology::{self, EntryKind};
use casebook::records::incidents::{self, Category, FourC, IncidentInput, Risk, Status};
use casebook::vault::Session;
use casebook::ErrorCode;
use common::*;

// ---- Shipped templates ----------------------------------------------------------------------

#[test]
fn every_shipped_template_validates_and_every_file_is_shipped() {
    let lib = Library::shipped();
    assert!(lib.problems().is_empty(), "{:#?}", lib.problems());
    assert_eq!(lib.templates().count(), SHIPPED.len());

    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/checklists");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = SHIPPED.iter().map(|(f, _)| (*f).to_owned()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "add new template files to library::SHIPPED"
    );
}

#[test]
fn the_seed_categories_each_have_a_checklist() {
    let lib = Library::shipped();
    for cat in [
        Category::SharingNudes,
        Category::IndecentImages,
        Category::OnlineSexualAbuse,
        Category::Radicalisation,
        Category::Cyberbullying,
        Category::OnlineHate,
        Category::InappropriateContent,
        Category::FilteringBreach,
        Category::ComputerMisuse,
        Category::Upskirting,
        Category::SexualHarassment,
        Category::AllegationAgainstStaff,
    ] {
        assert!(
            lib.for_category(cat).next().is_some(),
            "no checklist for {cat:?}"
        );
    }
}

#[test]
fn every_shipped_step_cites_a_source_and_imagery_steps_warn() {
    for t in Library::shipped().templates() {
        for s in &t.steps {
            assert!(!s.cites.is_empty(), "{} {}", t.id, s.id);
            for c in &s.cites {
                assert!(t.source(&c.source).is_some());
            }
        }
        // Every template that deals with imagery says "never" somewhere, in the steps.
        if t.categories.iter().any(|c| {
            matches!(
                c,
                Category::SharingNudes | Category::IndecentImages | Category::Upskirting
            )
        }) {
            assert!(t
                .steps
                .iter()
                .any(|s| s.never.iter().any(|n| n.contains("Never view")
                    || n.contains("never view")
                    || n.contains("Never open"))));
        }
    }
}

#[test]
fn the_cli_validates_the_shipped_templates_and_refuses_a_broken_folder() {
    let exe = env!("CARGO_BIN_EXE_casebook");
    let tmp = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(exe)
        .args(["--vault"])
        .arg(tmp.path().join("v"))
        .args(["checklists", "validate"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let version = sharing_nudes().version;
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains(&format!("ok: sharing-nudes version {version}")));

    let bad = tmp.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::write(bad.join("loop.toml"), with_loop()).unwrap();
    let out = std::process::Command::new(exe)
        .args(["--vault"])
        .arg(tmp.path().join("v"))
        .args(["checklists", "validate"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("loop.toml, line 18, step \"b\""),
        "{stdout}"
    );

    let out = std::process::Command::new(exe)
        .args(["--vault"])
        .arg(tmp.path().join("v"))
        .args(["checklists", "list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("allegation-against-staff"));
}

// ---- The validator --------------------------------------------------------------------------

/// A small valid template; tests break one thing at a time. Line numbers matter below.
const SMALL: &str = r#"id = "small"
version = 1
title = "Small"
categories = ["cyberbullying"]

[[sources]]
id = "g"
document = "Guidance"

[[steps]]
id = "a"
kind = "question"
title = "A?"
cite = [{ source = "g", section = "1" }]
next = "b"

[[steps]]
id = "b"
kind = "confirm"
title = "B"
cite = [{ source = "g", section = "2" }]
"#;

fn with_loop() -> String {
    SMALL.replace(
        "cite = [{ source = \"g\", section = \"2\" }]\n",
        "cite = [{ source = \"g\", section = \"2\" }]\nnext = \"a\"\n",
    )
}

fn errors(text: &str) -> Vec<template::TemplateError> {
    template::parse("t.toml", text).unwrap_err()
}

fn one_error(text: &str) -> (Option<u32>, Option<String>, String) {
    let e = errors(text);
    assert_eq!(e.len(), 1, "{e:#?}");
    let e = e.into_iter().next().unwrap();
    assert_eq!(e.file, "t.toml");
    (e.line, e.step, e.message)
}

#[test]
fn the_small_template_is_valid() {
    let t = template::parse("t.toml", SMALL).unwrap();
    assert_eq!(t.steps.len(), 2);
    assert_eq!(t.steps[1].line, 18);
}

#[test]
fn an_unknown_step_reference_is_named_with_its_line() {
    let (line, step, msg) = one_error(&SMALL.replace("next = \"b\"", "next = \"c\""));
    assert_eq!((line, step.as_deref()), (Some(15), Some("a")));
    assert!(msg.contains("\"c\", which is not a step"), "{msg}");
}

#[test]
fn an_unreachable_step_is_named() {
    let text = SMALL.replace("next = \"b\"\n", "");
    let (line, step, msg) = one_error(&text);
    assert_eq!((line, step.as_deref()), (Some(17), Some("b")));
    assert!(msg.contains("no path from the first step"), "{msg}");
}

#[test]
fn a_cycle_is_named() {
    let (line, step, msg) = one_error(&with_loop());
    assert_eq!((line, step.as_deref()), (Some(18), Some("b")));
    assert!(msg.contains("loop"), "{msg}");
}

#[test]
fn duplicate_ids_are_named() {
    let text = SMALL
        .replace("id = \"b\"", "id = \"a\"")
        .replace("next = \"b\"", "next = \"a\"");
    let e = errors(&text);
    assert!(
        e.iter()
            .any(|e| e.line == Some(18) && e.message.contains("used twice")),
        "{e:#?}"
    );
}

#[test]
fn missing_sources_and_citations_are_refused() {
    let no_cite = SMALL.replace("cite = [{ source = \"g\", section = \"2\" }]\n", "");
    let (line, step, msg) = one_error(&no_cite);
    assert_eq!((line, step.as_deref()), (Some(18), Some("b")));
    assert!(msg.contains("cites no source"), "{msg}");

    let unknown = SMALL.replace(
        "source = \"g\", section = \"2\"",
        "source = \"x\", section = \"2\"",
    );
    let (line, step, msg) = one_error(&unknown);
    assert_eq!((line, step.as_deref()), (Some(21), Some("b")));
    assert!(msg.contains("\"x\""), "{msg}");

    let no_sources = SMALL.replace("[[sources]]\nid = \"g\"\ndocument = \"Guidance\"\n", "");
    let e = errors(&no_sources);
    assert!(e.iter().any(|e| e.message.contains("lists no sources")));
}

#[test]
fn a_bad_kind_is_named() {
    let (line, step, msg) = one_error(&SMALL.replace("kind = \"confirm\"", "kind = \"maybe\""));
    assert_eq!((line, step.as_deref()), (Some(19), Some("b")));
    assert!(msg.contains("\"maybe\" is not a kind of step"), "{msg}");
}

#[test]
fn branches_are_checked_against_the_step() {
    let bad_answer = SMALL.replace(
        "next = \"b\"\n",
        "next = \"b\"\nbranch = [{ when_answer = \"perhaps\", goto = \"b\" }]\n",
    );
    let (_, step, msg) = one_error(&bad_answer);
    assert_eq!(step.as_deref(), Some("a"));
    assert!(msg.contains("\"yes\" or \"no\""), "{msg}");

    let any_yes_on_confirm = SMALL.replace(
        "cite = [{ source = \"g\", section = \"2\" }]\n",
        "cite = [{ source = \"g\", section = \"2\" }]\nbranch = [{ when_any_yes = [\"b\"], goto = \"a\" }]\n",
    );
    let e = errors(&any_yes_on_confirm);
    assert!(
        e.iter().any(|e| e.message.contains("not a question")),
        "{e:#?}"
    );
}

#[test]
fn a_syntax_error_gives_its_line_and_unknown_fields_are_refused() {
    let (line, _, _) = one_error(&SMALL.replace("title = \"B\"", "title = \"B"));
    assert_eq!(line, Some(20));
    let (_, _, msg) = one_error(&SMALL.replace("title = \"B\"", "titel = \"B\""));
    assert!(msg.contains("titel"), "{msg}");
}

#[test]
fn an_unknown_category_or_contact_is_refused() {
    let (line, _, msg) = one_error(&SMALL.replace("cyberbullying", "sadness"));
    assert_eq!(line, Some(4));
    assert!(msg.contains("not an incident category"));
    let (_, step, msg) = one_error(&SMALL.replace("kind = \"confirm\"", "kind = \"contact\""));
    assert_eq!(step.as_deref(), Some("b"));
    assert!(msg.contains("whom to contact"));
}

#[test]
fn an_image_smuggled_into_a_template_is_refused() {
    let png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==";
    let e = errors(&SMALL.replace("title = \"B\"", &format!("title = \"{png}\"")));
    assert!(e.iter().any(|e| e.step.as_deref() == Some("b")), "{e:#?}");
}

#[test]
fn a_refused_template_is_not_offered_and_a_higher_version_replaces_a_shipped_one() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("loop.toml"), with_loop()).unwrap();
    let shipped = template::parse(SHIPPED[0].0, SHIPPED[0].1).unwrap();
    let adapted = SHIPPED[0].1.replacen(
        &format!("version = {}", shipped.version),
        &format!("version = {}", shipped.version + 1),
        1,
    );
    std::fs::write(tmp.path().join("ours.toml"), adapted).unwrap();
    let same = SHIPPED[1].1;
    std::fs::write(tmp.path().join("same.toml"), same).unwrap();
    let lib = Library::with_folder(tmp.path());
    assert!(lib.get("small").is_none());
    assert_eq!(
        lib.get("sharing-nudes").unwrap().template.version,
        shipped.version + 1
    );
    assert_eq!(lib.templates().count(), SHIPPED.len());
    assert_eq!(lib.problems().len(), 2, "{:#?}", lib.problems());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// Hostile and broken templates: lines dropped, repeated or swapped, bytes replaced.
    /// Never a panic; always either a valid template or errors that name the file.
    #[test]
    fn mangled_templates_never_panic(
        which in 0..SHIPPED.len(),
        ops in prop::collection::vec((0u8..4, any::<usize>(), any::<usize>(), any::<char>()), 1..6),
    ) {
        let mut lines: Vec<String> = SHIPPED[which].1.lines().map(str::to_owned).collect();
        for (op, a, b, c) in ops {
            if lines.is_empty() { break; }
            let i = a % lines.len();
            let j = b % lines.len();
            match op {
                0 => { lines.remove(i); }
                1 => { let l = lines[i].clone(); lines.insert(j, l); }
                2 => lines.swap(i, j),
                _ => {
                    let mut chars: Vec<char> = lines[i].chars().collect();
                    if !chars.is_empty() { let k = b % chars.len(); chars[k] = c; }
                    lines[i] = chars.into_iter().collect();
                }
            }
        }
        let text = lines.join("\n");
        match template::parse("mangled.toml", &text) {
            Ok(t) => prop_assert!(!t.steps.is_empty()),
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    prop_assert_eq!(&e.file, "mangled.toml");
                    prop_assert!(!e.message.is_empty());
                }
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = template::parse("any.toml", &text);
    }
}

// ---- The sharing-nudes branches -------------------------------------------------------------

fn sharing_nudes() -> Template {
    Library::shipped()
        .get("sharing-nudes")
        .unwrap()
        .template
        .clone()
}

/// A plain answer of the right kind for any step: done, no, the first option with a reason,
/// some text, a contact with a reference.
fn default_answer(step: &casebook::checklists::template::Step) -> Answer {
    match step.kind {
        StepKind::Confirm => Answer::Done,
        StepKind::Question => Answer::No,
        StepKind::Decision => Answer::Chosen {
            option: step.options[0].id.clone(),
            reason: format!("Reason for {}", step.id),
        },
        StepKind::Record => Answer::Text {
            text: format!("Record for {}", step.id),
        },
        StepKind::Contact => Answer::Contacted {
            at: None,
            person: "Duty social worker".into(),
            outcome: "Advice given".into(),
            reference: "REF-1".into(),
        },
    }
}

/// Walks a template to its end, answering each step as `choose` says (or a plain default).
fn walk(t: &Template, choose: impl Fn(&str) -> Option<Answer>) -> Vec<String> {
    let mut answers: BTreeMap<String, Answer> = BTreeMap::new();
    loop {
        let (path, current) = route(t, &answers);
        let Some(step_id) = current else {
            return path;
        };
        let step = t.step(&step_id).unwrap();
        let answer = choose(&step_id).unwrap_or_else(|| default_answer(step));
        answers.insert(step_id, answer);
    }
}

const TRIGGERS: [&str; 5] = [
    "trigger-adult",
    "trigger-coercion",
    "trigger-unusual-acts",
    "trigger-under-13",
    "trigger-immediate-risk",
];

#[test]
fn each_circumstance_alone_leads_to_the_referral_after_all_five_are_asked() {
    let t = sharing_nudes();
    for trigger in TRIGGERS {
        let path = walk(&t, |s| (s == trigger).then_some(Answer::Yes));
        // The immediate-risk question comes first, and every circumstance is still asked, so
        // the police and social care learn every answer (UKCIS: all five are considered).
        assert_eq!(path[1], "immediate-risk", "{path:?}");
        for other in TRIGGERS {
            assert!(
                path.contains(&other.to_owned()),
                "{trigger}: {other} skipped"
            );
        }
        let last = path
            .iter()
            .position(|s| s == "trigger-immediate-risk")
            .unwrap();
        assert_eq!(path[last + 1], "refer-social-care", "{trigger}: {path:?}");
        assert!(path.contains(&"refer-police".to_owned()), "{trigger}");
        assert!(path.contains(&"support-plan".to_owned()), "{trigger}");
        assert!(
            !path.contains(&"in-school-decision".to_owned()),
            "{trigger}"
        );
        assert!(
            !path.contains(&"in-school-deletion".to_owned()),
            "{trigger}"
        );
        assert!(
            !path.contains(&"viewing-unavoidable".to_owned()),
            "{trigger}"
        );
    }
}

#[test]
fn no_circumstance_leads_to_the_in_school_path_with_viewing_asked_after_them() {
    let t = sharing_nudes();
    let path = walk(&t, |_| None);
    for trigger in TRIGGERS {
        assert!(path.contains(&trigger.to_owned()));
    }
    let at = path
        .iter()
        .position(|s| s == "trigger-immediate-risk")
        .unwrap();
    assert_eq!(path[at + 1], "viewing-unavoidable");
    assert!(path.contains(&"in-school-decision".to_owned()));
    assert!(path.contains(&"in-school-deletion".to_owned()));
    assert!(path.contains(&"support-plan".to_owned()));
    assert!(!path.contains(&"refer-social-care".to_owned()));
    assert!(!path.contains(&"refer-police".to_owned()));
    assert_eq!(path.last().map(String::as_str), Some("review-handling"));
}

#[test]
fn the_in_school_decision_can_still_refer_and_sextortion_asks_everything_then_refers() {
    let t = sharing_nudes();
    let path = walk(&t, |s| {
        (s == "in-school-decision").then(|| Answer::Chosen {
            option: "refer".into(),
            reason: "worried about repeat pattern".into(),
        })
    });
    assert!(path.contains(&"refer-social-care".to_owned()));
    assert!(!path.contains(&"in-school-deletion".to_owned()));

    let path = walk(&t, |s| (s == "sextortion").then_some(Answer::Yes));
    for trigger in TRIGGERS {
        assert!(
            path.contains(&trigger.to_owned()),
            "sextortion skipped {trigger}"
        );
    }
    let at = path.iter().position(|s| s == "sextortion-advice").unwrap();
    assert_eq!(path[at + 1], "refer-social-care");
    assert!(path.iter().position(|s| s == "immediate-risk").unwrap() < at);
}

#[test]
fn viewing_is_recorded_only_when_it_was_unavoidable() {
    let t = sharing_nudes();
    assert!(!walk(&t, |_| None).contains(&"viewing-record".to_owned()));
    let path = walk(&t, |s| (s == "viewing-unavoidable").then_some(Answer::Yes));
    assert!(path.contains(&"viewing-record".to_owned()));
    // On the referral route viewing is not offered; what was already seen is recorded.
    let path = walk(&t, |s| (s == "trigger-adult").then_some(Answer::Yes));
    assert!(!path.contains(&"viewing-record".to_owned()));
    assert!(path.contains(&"viewing-so-far".to_owned()));
}

#[test]
fn when_any_yes_branches_on_earlier_questions() {
    let text = SMALL.replace(
        "cite = [{ source = \"g\", section = \"2\" }]\n",
        "cite = [{ source = \"g\", section = \"2\" }]\nnext = \"c\"\nbranch = [{ when_any_yes = [\"a\"], goto = \"d\" }]\n\n[[steps]]\nid = \"c\"\nkind = \"confirm\"\ntitle = \"C\"\ncite = [{ source = \"g\", section = \"3\" }]\n\n[[steps]]\nid = \"d\"\nkind = \"confirm\"\ntitle = \"D\"\ncite = [{ source = \"g\", section = \"4\" }]\n",
    );
    let t = template::parse("t.toml", &text).unwrap();
    assert_eq!(walk(&t, |_| None), ["a", "b", "c"]);
    assert_eq!(
        walk(&t, |s| (s == "a").then_some(Answer::Yes)),
        ["a", "b", "d"]
    );
}

// ---- Runs on a vault ------------------------------------------------------------------------

fn new_incident(s: &mut Session) -> String {
    incidents::create(
        s,
        &IncidentInput {
            occurred_at: Some((Utc::now() - Duration::hours(2)).into()),
            reported_at: Some((Utc::now() - Duration::hours(1)).into()),
            reported_by: "Ms Adeyemi (Year 10 tutor)".into(),
            category: Some(Category::SharingNudes),
            four_cs: vec![FourC::Conduct],
            summary: "Image said to be shared in a Year 10 group chat".into(),
            childs_words: String::new(),
            risk: Some(Risk::High),
            status: Status::Open,
            outcome: String::new(),
            retention_until: None,
        },
        &[],
    )
    .unwrap()
    .reference
}

/// Answers every step on the route with defaults until the route ends.
fn answer_all(s: &mut Session, run: u32, choose: impl Fn(&str) -> Option<Answer>) {
    loop {
        let state = engine::get(s, run).unwrap();
        let Some(step_id) = state.current.clone() else {
            return;
        };
        let step = state.template.step(&step_id).unwrap().clone();
        let answer = choose(&step_id).unwrap_or_else(|| default_answer(&step));
        engine::answer(s, run, &step_id, &answer, "").unwrap();
    }
}

#[test]
fn a_finished_run_is_in_the_chronology_with_each_decision_and_reason() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = new_incident(&mut s);
    let lib = Library::shipped();
    let run = engine::start(&mut s, &lib, &reference, "sharing-nudes").unwrap();
    assert_eq!(run.current.as_deref(), Some("staff-first-response"));
    answer_all(&mut s, run.run.id, |step| {
        (step == "trigger-coercion").then_some(Answer::Yes)
    });
    let done = engine::finish(&mut s, run.run.id).unwrap();
    assert!(done.is_finished());

    let entries = chronology::for_incident(s.conn(), &reference).unwrap();
    let decisions: Vec<_> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::Decision)
        .collect();
    // parents, outcome: each with its reason.
    assert_eq!(decisions.len(), 2, "{entries:#?}");
    assert!(decisions
        .iter()
        .any(|e| e.text.contains("Record the decision") && e.reason == "Reason for outcome"));
    let contacts: Vec<_> = entries
        .iter()
        .filter(|e| e.kind == EntryKind::AgencyContact)
        .collect();
    assert!(contacts
        .iter()
        .any(|e| e.agency.contains("Children's social care") && e.agency_reference == "REF-1"));
    let note = entries
        .iter()
        .find(|e| e.kind == EntryKind::Note)
        .expect("a note of every answer");
    assert!(note.text.contains("Circumstance 2 of 5"), "{}", note.text);
    assert!(note.text.contains(": Yes"), "{}", note.text);

    let audit: Vec<String> = casebook::audit::recent(s.conn(), 500)
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(audit.contains(&"checklist.started".to_owned()));
    assert!(audit.contains(&"checklist.answered".to_owned()));
    assert!(audit.contains(&"checklist.finished".to_owned()));
    assert!(s.verify_audit().unwrap().is_intact());

    // Finished means finished: the engine refuses, and so does the database itself.
    let e = engine::answer(&mut s, run.run.id, "outcome", &Answer::Done, "").unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    let raw = s.conn().execute(
        "INSERT INTO checklist_answers VALUES (?1, 'outcome', 99, '{}', '', 'x', 'y')",
        [run.run.id],
    );
    assert!(raw.is_err());
}

#[test]
fn a_run_refuses_to_finish_with_a_required_step_open_unless_the_reason_is_recorded() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = new_incident(&mut s);
    let lib = Library::shipped();
    let run = engine::start(&mut s, &lib, &reference, "online-hate").unwrap();
    let id = run.run.id;
    let e = engine::finish(&mut s, id).unwrap_err();
    assert!(e.to_string().contains("immediate risk"), "{e}");
    engine::answer(&mut s, id, "immediate-risk", &Answer::No, "").unwrap();
    let e = engine::finish(&mut s, id).unwrap_err();
    assert!(e.to_string().contains("Record"), "{e}");

    // "Not done" on a required step needs a reason.
    let e = engine::answer(
        &mut s,
        id,
        "record-incident",
        &Answer::NotDone {
            reason: "  ".into(),
        },
        "",
    )
    .unwrap_err();
    assert!(e.to_string().contains("record why"), "{e}");
    engine::answer(
        &mut s,
        id,
        "record-incident",
        &Answer::NotDone {
            reason: "Already recorded in the incident summary".into(),
        },
        "",
    )
    .unwrap();
    answer_all(&mut s, id, |_| None);
    engine::finish(&mut s, id).unwrap();
}

#[test]
fn answers_are_checked_against_their_step_and_refusals_change_nothing() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = new_incident(&mut s);
    let lib = Library::shipped();
    let run = engine::start(&mut s, &lib, &reference, "online-hate").unwrap();
    let id = run.run.id;
    engine::answer(&mut s, id, "immediate-risk", &Answer::No, "").unwrap();
    let before = s.status().unwrap().tables;
    for (step, answer) in [
        ("record-incident", Answer::Yes),
        ("record-incident", Answer::Text { text: " ".into() }),
        (
            "record-incident",
            Answer::Text {
                text: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8".into(),
            },
        ),
        // Not on the route yet.
        ("outcome", Answer::Done),
        ("no-such-step", Answer::Done),
    ] {
        assert!(engine::answer(&mut s, id, step, &answer, "").is_err());
    }
    assert_eq!(
        before,
        s.status().unwrap().tables,
        "a refused answer wrote something"
    );
    answer_all(&mut s, id, |step| (step == "crime").then_some(Answer::No));
    let e = engine::answer(
        &mut s,
        id,
        "outcome",
        &Answer::Chosen {
            option: "referred".into(),
            reason: "".into(),
        },
        "",
    )
    .unwrap_err();
    assert!(e.to_string().contains("reason"), "{e}");
    let e = engine::answer(
        &mut s,
        id,
        "outcome",
        &Answer::Chosen {
            option: "maybe".into(),
            reason: "x".into(),
        },
        "",
    )
    .unwrap_err();
    assert!(e.to_string().contains("options"), "{e}");
}

#[test]
fn a_changed_answer_is_a_new_version_and_can_change_the_route() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = new_incident(&mut s);
    let lib = Library::shipped();
    let id = engine::start(&mut s, &lib, &reference, "online-hate")
        .unwrap()
        .run
        .id;
    answer_all(&mut s, id, |_| None);
    let state = engine::get(&s, id).unwrap();
    assert!(!state.route.contains(&"police".to_owned()));
    assert_eq!(state.current, None);

    let state = engine::answer(
        &mut s,
        id,
        "crime",
        &Answer::Yes,
        "New information from the parent",
    )
    .unwrap();
    assert_eq!(state.current.as_deref(), Some("police"));
    let history = engine::answer_history(s.conn(), id, "crime").unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].answer, Answer::No);
    assert_eq!(history[1].answer, Answer::Yes);
    assert_eq!(history[1].note, "New information from the parent");
    // Each version reads as the chronology and the screen describe it.
    assert_eq!(history[0].described, "No");
    assert_eq!(history[1].described, "Yes");
    assert!(engine::finish(&mut s, id).is_err());
}

#[test]
fn an_edited_template_never_rewrites_a_past_run() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = new_incident(&mut s);
    let v1 = Library::shipped();
    let id = engine::start(&mut s, &v1, &reference, "online-hate")
        .unwrap()
        .run
        .id;

    let tmp = tempfile::tempdir().unwrap();
    let edited = SHIPPED
        .iter()
        .find(|(f, _)| *f == "online-hate.toml")
        .unwrap()
        .1;
    let shipped = v1.get("online-hate").unwrap().template.clone();
    let first = shipped.steps[0].title.clone();
    let edited = edited
        .replacen(
            &format!("version = {}", shipped.version),
            &format!("version = {}", shipped.version + 1),
            1,
        )
        .replace(
            &format!("title = \"{first}\""),
            "title = \"Is any child at immediate risk now?\"",
        );
    std::fs::write(tmp.path().join("online-hate.toml"), edited).unwrap();
    let v2 = Library::with_folder(tmp.path());
    assert!(v2.problems().is_empty(), "{:#?}", v2.problems());
    assert_eq!(
        v2.get("online-hate").unwrap().template.version,
        shipped.version + 1
    );

    let old = engine::get(&s, id).unwrap();
    assert_eq!(old.template.version, shipped.version);
    assert_eq!(old.template.steps[0].title, first);
    let new = engine::start(&mut s, &v2, &reference, "online-hate").unwrap();
    assert_eq!(new.template.version, shipped.version + 1);
    assert_eq!(
        new.template.steps[0].title,
        "Is any child at immediate risk now?"
    );
    assert_eq!(engine::for_incident(&s, &reference).unwrap().len(), 2);
}

#[test]
fn contacts_are_set_once_and_shown_in_the_steps_that_need_them() {
    let f = new_vault();
    let mut s = f.unlock();
    let dsl = casebook::organisation::current(s.conn()).unwrap().dsl_name;
    assert_eq!(
        contacts::get(s.conn(), &dsl, ContactKey::PoliceEmergency)
            .unwrap()
            .phone,
        "999"
    );
    contacts::save(
        &mut s,
        &[Contact {
            key: ContactKey::Lado,
            name: "Jo Whitfield, LADO".into(),
            phone: "0191 555 0100".into(),
            details: "Out of hours: 0191 555 0199".into(),
        }],
    )
    .unwrap();
    let bad = contacts::save(
        &mut s,
        &[Contact {
            key: ContactKey::Lado,
            name: "x".into(),
            phone: "call <script>".into(),
            details: String::new(),
        }],
    );
    assert!(bad.is_err());

    let reference = new_incident(&mut s);
    let run = engine::start(
        &mut s,
        &Library::shipped(),
        &reference,
        "allegation-against-staff",
    )
    .unwrap();
    let lado = run
        .contacts
        .iter()
        .find(|c| c.key == ContactKey::Lado)
        .unwrap();
    assert_eq!(lado.phone, "0191 555 0100");
    assert!(run
        .contacts
        .iter()
        .any(|c| c.key == ContactKey::PoliceEmergency));
}

// ---- Paper ----------------------------------------------------------------------------------

#[test]
fn every_template_prints_as_a_blank_text_only_pdf() {
    let contacts = contacts::defaults("Siobhán Nguyễn");
    for t in Library::shipped().templates() {
        let pdf = casebook::checklists::paper::blank(
            t,
            "Quillbrook Heron Academy",
            false,
            &contacts,
            Utc::now(),
        )
        .unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&pdf);
        assert!(!text.contains("/Image"), "{}: an image object", t.id);

        // An outside reader finds every step's title in it.
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("blank.pdf");
        std::fs::write(&path, &pdf).unwrap();
        let out = std::process::Command::new("pdftotext")
            .arg(&path)
            .arg("-")
            .output()
            .expect("pdftotext (poppler-utils) is installed by scripts/install-deps");
        assert!(out.status.success());
        let words = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for s in &t.steps {
            let title: String = s.title.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(words.contains(&title), "{}: {title} missing", t.id);
        }
        assert!(words.contains("call 999 now"));
        // poppler's own count of images: a header of two lines and nothing else.
        let images = std::process::Command::new("pdfimages")
            .arg("-list")
            .arg(&path)
            .output()
            .unwrap();
        assert!(images.status.success());
        assert_eq!(
            String::from_utf8_lossy(&images.stdout).lines().count(),
            2,
            "{}",
            t.id
        );
        let check = std::process::Command::new("qpdf")
            .arg("--check")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{}: {}",
            t.id,
            String::from_utf8_lossy(&check.stdout)
        );
    }
}

#[test]
fn the_viewing_record_and_the_support_plan_reach_the_police_not_the_lado() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = new_incident(&mut s);
    let lib = Library::shipped();
    let run = engine::start(&mut s, &lib, &reference, "sharing-nudes").unwrap();
    answer_all(&mut s, run.run.id, |step| {
        match step {
        "viewing-unavoidable" => Some(Answer::Yes),
        "viewing-record" => Some(Answer::Text {
            text: "Viewed once by the DSL on the school's premises, the deputy head present and not viewing, because the pupil had already shown it to a teacher.".into(),
        }),
        _ => None,
    }
    });
    engine::finish(&mut s, run.run.id).unwrap();
    let said = |recipient| {
        serde_json::to_string(
            &casebook::referral::summary::build(&s, &reference, recipient, &referral_choices())
                .unwrap(),
        )
        .unwrap()
    };
    let police = said(casebook::referral::Recipient::Police);
    assert!(
        police.contains("the deputy head present and not viewing"),
        "{police}"
    );
    assert!(police.contains("Record for support-plan"), "{police}");
    let lado = said(casebook::referral::Recipient::Lado);
    assert!(!lado.contains("the deputy head present"));
}

#[test]
fn a_question_or_decision_that_decides_the_route_cannot_be_skipped_as_not_done() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = new_incident(&mut s);
    let lib = Library::shipped();
    let run = engine::start(&mut s, &lib, &reference, "sharing-nudes").unwrap();
    let id = run.run.id;
    let t = run.template.clone();
    // Every step a branch depends on, and the 999 question, is flagged; a plain step is not.
    assert!(t.step("immediate-risk").unwrap().decides_route);
    assert!(t.step("trigger-adult").unwrap().decides_route);
    assert!(t.step("parents").unwrap().decides_route);
    assert!(!t.step("staff-first-response").unwrap().decides_route);
    engine::answer(&mut s, id, "staff-first-response", &Answer::Done, "").unwrap();
    let skipped = Answer::NotDone {
        reason: "Could not reach the member of staff".into(),
    };
    let e = engine::answer(&mut s, id, "immediate-risk", &skipped, "").unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(e.to_string().contains("cannot be skipped"), "{e}");
    // A plain step can still be recorded as not done, with its reason.
    engine::answer(&mut s, id, "immediate-risk", &Answer::No, "").unwrap();
    engine::answer(&mut s, id, "secure-devices", &skipped, "").unwrap();
}

#[test]
fn nothing_is_removed_while_the_police_contact_on_the_route_is_not_done() {
    use casebook::checklists::routes;
    use casebook::checklists::template::Mark;
    let f = new_vault();
    let mut s = f.unlock();
    let reference = new_incident(&mut s);
    let lib = Library::shipped();
    let t = lib.get("indecent-images").unwrap().template.clone();
    // A route that removes something (after a police contact, as the template promises).
    let route = routes::enumerate(&t)
        .routes
        .into_iter()
        .find(|r| {
            r.steps
                .iter()
                .any(|id| t.step(id).unwrap().marks.contains(&Mark::RemovesContent))
        })
        .expect("indecent-images has a route that removes copies");
    let run = engine::start(&mut s, &lib, &reference, "indecent-images").unwrap();
    let id = run.run.id;
    let shaped = |step: &str| {
        route
            .answers
            .iter()
            .find(|(s, _)| s == step)
            .map(|(_, a)| a.clone())
    };
    for step_id in &route.steps {
        let step = t.step(step_id).unwrap();
        if step.marks.contains(&Mark::RemovesContent) {
            let e = engine::answer(&mut s, id, step_id, &Answer::Done, "").unwrap_err();
            assert!(
                e.to_string()
                    .contains("before the police have been contacted"),
                "{e}"
            );
            return;
        }
        let answer = match (step.kind, shaped(step_id).as_deref()) {
            (StepKind::Question, Some("yes")) => Answer::Yes,
            (StepKind::Decision, Some(option)) => Answer::Chosen {
                option: option.into(),
                reason: "as the route needs".into(),
            },
            // The police contact (and any other contact) skipped, with a reason.
            (StepKind::Contact, _) => Answer::NotDone {
                reason: "Could not get through".into(),
            },
            _ => default_answer(step),
        };
        engine::answer(&mut s, id, step_id, &answer, "").unwrap();
    }
    panic!("the route never reached its removal step");
}
