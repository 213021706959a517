//! Every route through every shipped checklist, walked with the real engine (every combination
//! of the answers that change a route), against what the guidance requires of every route:
//! no referral before the immediate-risk question, nothing removed before the police are told,
//! parents told only after a decision that could have withheld it, a children's social care
//! step where harm is possible, and every route ending in the recorded outcome. Then the same
//! promises on an organisation's adapted copy, and `casebook checklists routes`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

use casebook::checklists::contacts::ContactKey;
use casebook::checklists::library::{Library, SHIPPED};
use casebook::checklists::routes::{self, Route};
use casebook::checklists::template::{self, Mark, Promise, StepKind, Template};

fn shipped(id: &str) -> Template {
    Library::shipped()
        .get(id)
        .unwrap_or_else(|| panic!("{id} is shipped"))
        .template
        .clone()
}

/// Every completed walk (the same steps may come with different answers).
fn every_walk(t: &Template) -> Vec<Route> {
    let mut all = Vec::new();
    let cut_off = routes::walk(t, |r| all.push(r.clone()));
    assert!(!cut_off, "{}: the route search was cut off", t.id);
    assert!(!all.is_empty());
    all
}

/// What each promise means, checked directly on a route (not through `routes::breach_on`, so
/// that a mistake there cannot hide a breach here).
fn reaches_referral_before_risk(t: &Template, r: &Route) -> Option<String> {
    let mut asked = false;
    for id in &r.steps {
        let s = t.step(id).unwrap();
        let referral = s.kind == StepKind::Contact
            && matches!(
                s.contact,
                Some(ContactKey::Police | ContactKey::ChildrensSocialCare | ContactKey::Ceop)
            );
        if referral && !asked {
            return Some(id.clone());
        }
        if s.marks.contains(&Mark::ImmediateRisk) {
            // The marked step really is the 999 question.
            assert_eq!(s.kind, StepKind::Question, "{}: {id}", t.id);
            assert_eq!(
                s.contact,
                Some(ContactKey::PoliceEmergency),
                "{}: {id}",
                t.id
            );
            asked = true;
        }
    }
    None
}

const IMMEDIATE_RISK_FIRST: &[&str] = &[
    "sharing-nudes",
    "online-sexual-abuse",
    "cyberbullying",
    "online-hate",
    "radicalisation",
    "upskirting-harassment",
    "allegation-against-staff",
];
const OFFERS_SOCIAL_CARE: &[&str] = &[
    "sharing-nudes",
    "online-sexual-abuse",
    "cyberbullying",
    "radicalisation",
    "online-hate",
    "upskirting-harassment",
    "allegation-against-staff",
    "indecent-images",
];

#[test]
fn no_route_refers_a_child_before_asking_about_immediate_risk() {
    for id in IMMEDIATE_RISK_FIRST {
        let t = shipped(id);
        assert!(t.promises.contains(&Promise::ImmediateRiskFirst), "{id}");
        for r in every_walk(&t) {
            if let Some(step) = reaches_referral_before_risk(&t, &r) {
                panic!(
                    "{id}: {step} is reached before the immediate-risk question ({})",
                    r.describe_answers()
                );
            }
        }
    }
}

#[test]
fn in_indecent_images_nothing_is_removed_before_the_police_are_contacted() {
    let t = shipped("indecent-images");
    assert!(t.promises.contains(&Promise::NothingRemovedBeforePolice));
    // Every step whose title removes or deletes something carries the mark the promise counts.
    let removing: Vec<&str> = t
        .steps
        .iter()
        .filter(|s| {
            let title = s.title.to_lowercase().replace("report remove", "");
            ["remove", "delete", "erase", "wipe"]
                .iter()
                .any(|w| title.contains(w))
        })
        .map(|s| s.id.as_str())
        .collect();
    assert!(!removing.is_empty(), "indecent-images has a removal step");
    for id in &removing {
        assert!(
            t.step(id).unwrap().marks.contains(&Mark::RemovesContent),
            "{id} removes something but is not marked removes-content"
        );
    }
    for r in every_walk(&t) {
        let mut police = false;
        for id in &r.steps {
            let s = t.step(id).unwrap();
            if s.marks.contains(&Mark::RemovesContent) {
                assert!(
                    police,
                    "{id} comes before any police contact ({})",
                    r.describe_answers()
                );
            }
            police |= s.kind == StepKind::Contact
                && matches!(
                    s.contact,
                    Some(ContactKey::Police | ContactKey::PoliceEmergency)
                );
        }
    }
}

#[test]
fn parents_are_told_only_after_a_decision_that_could_withhold_it() {
    for t in Library::shipped().templates() {
        for r in every_walk(t) {
            let mut allowed = false;
            for id in &r.steps {
                let s = t.step(id).unwrap();
                if s.contact == Some(ContactKey::Parents) {
                    assert!(
                        allowed,
                        "{}: {id} tells the parents without a decision that offered not to ({})",
                        t.id,
                        r.describe_answers()
                    );
                }
                if s.kind == StepKind::Decision
                    && s.options.iter().any(|o| o.id == template::DO_NOT_INFORM)
                {
                    let chosen = r.answers.iter().find(|(step, _)| step == id);
                    allowed = chosen.is_some_and(|(_, a)| a != template::DO_NOT_INFORM);
                }
            }
        }
    }
}

#[test]
fn where_harm_is_possible_a_children_social_care_step_is_offered() {
    for id in OFFERS_SOCIAL_CARE {
        let t = shipped(id);
        let offered = routes::enumerate(&t).routes.iter().any(|r| {
            r.steps.iter().any(|s| {
                let s = t.step(s).unwrap();
                s.kind == StepKind::Contact && s.contact == Some(ContactKey::ChildrensSocialCare)
            })
        });
        assert!(offered, "{id} offers no children's social care step");
    }
}

#[test]
fn every_route_ends_in_the_outcome_and_every_step_is_on_a_route() {
    for t in Library::shipped().templates() {
        assert!(t.promises.contains(&Promise::EndsInOutcome), "{}", t.id);
        let outcome = t
            .steps
            .iter()
            .find(|s| s.marks.contains(&Mark::Outcome))
            .unwrap_or_else(|| panic!("{} marks no outcome step", t.id));
        assert_eq!(outcome.kind, StepKind::Decision);
        let found = routes::enumerate(t);
        assert!(!found.cut_off);
        for r in &found.routes {
            assert!(
                r.steps.contains(&outcome.id),
                "{}: a route misses the outcome ({})",
                t.id,
                r.describe_answers()
            );
            // The route really ends: its last step leads nowhere unless a branch is taken, and
            // the engine, given the route's answers, has no step waiting.
            let last = t.step(r.steps.last().unwrap()).unwrap();
            assert!(last.next.is_none(), "{}: {}", t.id, last.id);
        }
        assert!(
            found.unreached(t).is_empty(),
            "{}: {:?}",
            t.id,
            found.unreached(t)
        );
    }
}

#[test]
fn every_shipped_template_keeps_its_declared_promises() {
    for (file, text) in SHIPPED {
        let t = template::parse(file, text).unwrap();
        assert!(
            routes::check_promises(&t).is_empty(),
            "{file}: {:?}",
            routes::check_promises(&t)
        );
    }
}

// ---- A template that breaks its promises is refused -----------------------------------------

const PROMISING: &str = r#"
id = "promising"
version = 1
title = "Promising"
categories = ["cyberbullying"]
promises = ["immediate-risk-first", "parents-only-by-decision", "offers-social-care", "ends-in-outcome"]

[[sources]]
id = "g"
document = "Guidance"

[[steps]]
id = "risk"
kind = "question"
title = "Is any child at immediate risk?"
contact = "police_emergency"
marks = ["immediate-risk"]
cite = [{ source = "g", section = "1" }]
next = "social-care"

[[steps]]
id = "social-care"
kind = "contact"
title = "Refer to children's social care"
contact = "childrens_social_care"
cite = [{ source = "g", section = "2" }]
next = "parents"

[[steps]]
id = "parents"
kind = "decision"
title = "Decide whether to tell the parents"
options = [
  { id = "inform", label = "Inform them" },
  { id = "do-not-inform", label = "Do not inform them (it would put the child at risk)" },
]
cite = [{ source = "g", section = "3" }]
next = "outcome"

[[steps.branch]]
when_answer = "inform"
goto = "tell-parents"

[[steps]]
id = "tell-parents"
kind = "contact"
title = "Speak to the parents"
contact = "parents"
cite = [{ source = "g", section = "4" }]
next = "outcome"

[[steps]]
id = "outcome"
kind = "decision"
title = "Record the outcome"
marks = ["outcome"]
options = [
  { id = "referred", label = "Referred" },
  { id = "nfa", label = "No further action" },
]
cite = [{ source = "g", section = "5" }]
"#;

fn refused_for(text: &str, words: &str) {
    let errors = template::parse("t.toml", text).expect_err("refused");
    assert!(
        errors.iter().any(|e| e.message.contains(words)),
        "{errors:#?}"
    );
}

#[test]
fn a_template_that_breaks_a_promise_it_makes_is_refused_with_the_route() {
    template::parse("t.toml", PROMISING).unwrap();
    // The referral before any immediate-risk question (the question no longer counts as one).
    refused_for(
        &PROMISING.replace("marks = [\"immediate-risk\"]\n", ""),
        "before the immediate-risk question",
    );
    // Parents told whatever the decision.
    refused_for(
        &PROMISING.replace(
            "next = \"outcome\"\n\n[[steps.branch]]",
            "next = \"tell-parents\"\n\n[[steps.branch]]",
        ),
        "without a decision that offered not telling them",
    );
    // No outcome on one route.
    refused_for(
        &PROMISING.replace(
            "contact = \"parents\"\ncite = [{ source = \"g\", section = \"4\" }]\nnext = \"outcome\"",
            "contact = \"parents\"\ncite = [{ source = \"g\", section = \"4\" }]",
        ),
        "without the step marked outcome",
    );
    // No social care step at all.
    refused_for(
        &PROMISING.replace(
            "contact = \"childrens_social_care\"",
            "contact = \"headteacher\"",
        ),
        "no route has a contact step for children's social care",
    );
    // An unknown promise or mark is named.
    refused_for(
        &PROMISING.replace("\"ends-in-outcome\"]", "\"ends-well\"]"),
        "not a promise Casebook can check",
    );
    refused_for(
        &PROMISING.replace("marks = [\"outcome\"]", "marks = [\"finale\"]"),
        "not a mark",
    );
}

#[test]
fn an_adapted_copy_may_strengthen_a_shipped_checklist_but_not_weaken_it() {
    let (file, text) = SHIPPED
        .iter()
        .find(|(f, _)| *f == "sharing-nudes.toml")
        .unwrap();
    let original = template::parse(file, text).unwrap();
    let bump = |t: &str| {
        t.replacen(
            &format!("version = {}", original.version),
            &format!("version = {}", original.version + 1),
            1,
        )
    };
    let risk = original
        .steps
        .iter()
        .find(|s| s.marks.contains(&Mark::ImmediateRisk))
        .unwrap();

    let tmp = tempfile::tempdir().unwrap();
    // Dropping a promise: refused, the shipped one stays on offer.
    let dropped = bump(text).replace("\"immediate-risk-first\", ", "");
    assert_ne!(dropped, bump(text));
    std::fs::write(tmp.path().join("dropped.toml"), &dropped).unwrap();
    let lib = Library::with_folder(tmp.path());
    assert_eq!(
        lib.get("sharing-nudes").unwrap().template.version,
        original.version
    );
    assert!(
        lib.problems().iter().any(|p| p
            .message
            .contains("drops the promise \"immediate-risk-first\"")),
        "{:#?}",
        lib.problems()
    );

    // Taking the mark off the 999 question: refused too (by the promise, or as a lost mark).
    std::fs::remove_file(tmp.path().join("dropped.toml")).unwrap();
    let unmarked = bump(text).replacen("marks = [\"immediate-risk\"]\n", "", 1);
    assert_ne!(
        unmarked,
        bump(text),
        "{} carries the mark on its own line",
        risk.id
    );
    std::fs::write(tmp.path().join("unmarked.toml"), &unmarked).unwrap();
    let lib = Library::with_folder(tmp.path());
    assert_eq!(
        lib.get("sharing-nudes").unwrap().template.version,
        original.version
    );
    assert!(!lib.problems().is_empty());

    // A stronger copy (a higher version with an extra required step) replaces it.
    std::fs::remove_file(tmp.path().join("unmarked.toml")).unwrap();
    std::fs::write(tmp.path().join("ours.toml"), bump(text)).unwrap();
    let lib = Library::with_folder(tmp.path());
    assert!(lib.problems().is_empty(), "{:#?}", lib.problems());
    assert_eq!(
        lib.get("sharing-nudes").unwrap().template.version,
        original.version + 1
    );
}

// ---- The command line -------------------------------------------------------------------------

fn casebook(args: &[&str]) -> std::process::Output {
    let tmp = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_casebook"))
        .arg("--vault")
        .arg(tmp.path().join("no-vault"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_cli_prints_every_route_of_sharing_nudes_with_answers_and_titles() {
    let t = shipped("sharing-nudes");
    let found = routes::enumerate(&t);
    let out = casebook(&["checklists", "routes", "sharing-nudes"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("{} routes", found.routes.len())),
        "{text}"
    );
    for r in &found.routes {
        assert!(text.contains(&r.steps.join(" > ")), "{text}");
    }
    let out = casebook(&["checklists", "routes", "sharing-nudes", "--titles"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let risk = t
        .steps
        .iter()
        .find(|s| s.marks.contains(&Mark::ImmediateRisk))
        .unwrap();
    assert!(text.contains(&risk.title), "{text}");
}

#[test]
fn the_cli_walks_a_copy_being_edited_and_names_its_problems() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("promising.toml"), PROMISING).unwrap();
    let dir = tmp.path().to_str().unwrap();
    let out = casebook(&["checklists", "routes", "promising", "--dir", dir]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 routes"));

    std::fs::write(
        tmp.path().join("promising.toml"),
        PROMISING.replace(
            "next = \"outcome\"\n\n[[steps.branch]]",
            "next = \"tell-parents\"\n\n[[steps.branch]]",
        ),
    )
    .unwrap();
    let out = casebook(&["checklists", "routes", "promising", "--dir", dir]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("promising.toml") && text.contains("without a decision"),
        "{text}"
    );
}
