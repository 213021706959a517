//! The record a DSL keeps (issue 14): people of every kind with their full details and status
//! with services, relationships and households, roles, parents informed and consent, who was
//! told what, who received the disclosure, closure days and the retention period. Each rule,
//! and each refusal changing nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{Duration, NaiveDate, Utc};

use casebook::records::chronology::{self, EntryInput, EntryKind};
use casebook::records::family::{
    self, ConsentInput, ConsentOutcome, ConsentPurpose, ParentsInformedInput,
};
use casebook::records::first_account::{self, FirstAccountInput};
use casebook::records::incidents::{self, Category, PersonLink, Role};
use casebook::records::local_practice::{self, ClosureInput};
use casebook::records::people::{
    self, AgencyInvolved, CpCategory, Employment, EmploymentBasis, PersonDetails, PersonInput,
    PersonKind, SendSupport, ServiceKind, ServiceStatus, YearGroup,
};
use casebook::records::relationships::{
    self, ParentalResponsibility, RelationshipInput, RelationshipKind,
};
use casebook::records::sharing::{
    self, Article6, Article9, SharedDetail, SharingInput, SharingMethod,
};
use casebook::records::{person_file, retention};
use casebook::vault::Session;
use casebook::{Error, ErrorCode};
use common::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn counts(s: &Session) -> Vec<(String, i64)> {
    s.status().unwrap().tables
}

fn cp_plan(start: NaiveDate) -> ServiceStatus {
    ServiceStatus {
        kind: ServiceKind::ChildProtection,
        start: Some(start.into()),
        end: None,
        category: Some(CpCategory::Neglect),
        lead: String::new(),
    }
}

fn full_child() -> PersonInput {
    PersonInput {
        kind: PersonKind::Child,
        full_name: "Aoife Ní Bhriain".into(),
        date_of_birth: Some(d(2012, 5, 17).into()),
        class_year: "8H".into(),
        details: PersonDetails {
            other_names: vec!["Aoife Murphy".into()],
            gender: "Female".into(),
            ethnicity: "White Irish".into(),
            address: "4 Mill Lane\nAnytown AT1 1AA".into(),
            phone: "01632 960001".into(),
            first_language: "Irish".into(),
            interpreter_needed: false,
            year_group: Some(YearGroup::Year8),
            send: Some(SendSupport::Ehcp),
            statuses: vec![
                cp_plan(d(2025, 3, 1)),
                ServiceStatus {
                    kind: ServiceKind::EarlyHelp,
                    start: Some(d(2023, 1, 9).into()),
                    end: Some(d(2024, 2, 1).into()),
                    category: None,
                    lead: "Jo Bell, family support worker".into(),
                },
            ],
            social_worker: "Priya Shah".into(),
            social_worker_contact: "01632 960999, priya.shah@anytown.gov.uk".into(),
            agencies: vec![AgencyInvolved {
                agency: "CAMHS".into(),
                contact: "Dr Lee".into(),
            }],
            ..PersonDetails::default()
        },
        reason: String::new(),
    }
}

fn error_fields(e: &Error) -> Vec<casebook::error::Field> {
    e.fields().into_iter().map(|f| f.field).collect()
}

#[test]
fn a_child_keeps_every_detail_and_status_with_services_with_dates() {
    let f = new_vault();
    let mut s = f.unlock();
    let p = people::create(&mut s, &full_child()).unwrap();
    assert_eq!(p.details, full_child().details);
    // The flags older readers use follow the details.
    assert!(p.send && p.cp_plan && !p.looked_after);
    assert_eq!(p.year_and_form(), "Year 8, 8H");
    // Found by another name they are known by, folded for accents.
    let found = people::search(s.conn(), "aoife murphy", 10).unwrap();
    assert_eq!(found.iter().map(|x| x.id).collect::<Vec<_>>(), vec![p.id]);
    // The plan ends: a new version with a reason; it is one the child "has had".
    let mut ended = full_child();
    ended.details.statuses[0].end = Some(d(2026, 6, 30).into());
    let refused = people::amend(&mut s, p.id, &ended).unwrap_err();
    assert_eq!(error_fields(&refused), vec![casebook::error::Field::Reason]);
    ended.reason = "Plan ended at the review conference on 30 June 2026".into();
    let v2 = people::amend(&mut s, p.id, &ended).unwrap();
    assert_eq!(v2.version, 2);
    assert!(!v2.cp_plan);
    let history = people::history(s.conn(), p.id).unwrap();
    assert_eq!(history.len(), 2);
    assert!(history[0].cp_plan);
    assert_eq!(history[1].reason, ended.reason);
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn every_kind_of_person_can_be_recorded_and_staff_keep_their_employment() {
    let f = new_vault();
    let mut s = f.unlock();
    for kind in PersonKind::ALL {
        let p = people::create(&mut s, &PersonInput::named(*kind, "Sam Okafor")).unwrap();
        assert_eq!(p.kind, *kind);
    }
    let mut staff = PersonInput::named(PersonKind::Staff, "Mr Dale Price");
    staff.date_of_birth = Some(d(1980, 2, 2).into());
    staff.details.employment = Employment {
        role: "Supply teacher".into(),
        employer: "Quillbrook Heron Academy".into(),
        basis: Some(EmploymentBasis::AgencySupply),
        agency: String::new(),
        start_date: Some(d(2026, 9, 1).into()),
    };
    let e = people::create(&mut s, &staff).unwrap_err();
    assert_eq!(error_fields(&e), vec![casebook::error::Field::SupplyAgency]);
    staff.details.employment.agency = "Teach Now Ltd".into();
    let p = people::create(&mut s, &staff).unwrap();
    assert_eq!(p.details.employment.agency, "Teach Now Ltd");
}

#[test]
fn bad_details_are_all_refused_at_once_and_nothing_is_written() {
    let f = new_vault();
    let mut s = f.unlock();
    let before = counts(&s);
    let tomorrow = Utc::now().date_naive() + Duration::days(1);
    let mut bad = full_child();
    bad.date_of_birth = Some(tomorrow.into());
    bad.details.statuses[1].end = Some(d(2020, 1, 1).into()); // before its start
    bad.details.statuses.push(ServiceStatus {
        kind: ServiceKind::LookedAfter,
        start: None,
        end: None,
        category: Some(CpCategory::Sexual), // only CP plans have one
        lead: String::new(),
    });
    bad.details.secure_email = "not an address".into();
    bad.details.employment.start_date = Some(tomorrow.into());
    let e = people::create(&mut s, &bad).unwrap_err();
    let fields = error_fields(&e);
    use casebook::error::Field;
    for f in [
        Field::DateOfBirth,
        Field::Statuses,
        Field::SecureEmail,
        Field::StartDate,
    ] {
        assert!(fields.contains(&f), "{f:?} not reported in {fields:?}");
    }
    // An adult has no status with services.
    let mut adult = PersonInput::named(PersonKind::ParentCarer, "Róisín Byrne");
    adult.details.statuses.push(cp_plan(d(2025, 1, 1)));
    assert_eq!(
        error_fields(&people::create(&mut s, &adult).unwrap_err()),
        vec![Field::Statuses]
    );
    // An image in any new field is refused as an image.
    for smuggle in [
        |p: &mut PersonInput| {
            p.details.address = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAE".into()
        },
        |p: &mut PersonInput| {
            p.details.other_names = vec!["data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ".into()]
        },
        |p: &mut PersonInput| {
            p.details.agencies[0].contact = "data:image/gif;base64,R0lGODlhAQABAIAAAP".into()
        },
        |p: &mut PersonInput| {
            p.details.statuses[0].lead = "data:image/webp;base64,UklGRiQAAABXRUJQVlA4".into()
        },
    ] {
        let mut p = full_child();
        smuggle(&mut p);
        let e = people::create(&mut s, &p).unwrap_err();
        assert_eq!(e.code(), ErrorCode::ImageRefused, "{e}");
    }
    assert_eq!(counts(&s), before);
}

/// A mother of two children, recorded once, with parental responsibility; a sibling link.
fn family(s: &mut Session) -> (u32, u32, u32) {
    let a = people::create(s, &full_child()).unwrap().id;
    let mut b = PersonInput::named(PersonKind::Child, "Cian Ní Bhriain");
    b.date_of_birth = Some(d(2015, 1, 3).into());
    let b = people::create(s, &b).unwrap().id;
    let mum = people::create(
        s,
        &PersonInput::named(PersonKind::ParentCarer, "Orla Ní Bhriain"),
    )
    .unwrap()
    .id;
    for child in [a, b] {
        relationships::add(
            s,
            &RelationshipInput {
                person_id: mum,
                other_id: child,
                kind: RelationshipKind::ParentCarerOf,
                parental_responsibility: Some(ParentalResponsibility::Yes),
                label: String::new(),
            },
        )
        .unwrap();
    }
    relationships::add(
        s,
        &RelationshipInput {
            person_id: a,
            other_id: b,
            kind: RelationshipKind::SiblingOf,
            parental_responsibility: None,
            label: String::new(),
        },
    )
    .unwrap();
    (a, b, mum)
}

#[test]
fn one_parent_is_recorded_once_for_several_children_and_shows_in_each_household() {
    let f = new_vault();
    let mut s = f.unlock();
    let (a, b, mum) = family(&mut s);
    for child in [a, b] {
        let household = relationships::relatives(s.conn(), child).unwrap();
        let parent = household.iter().find(|r| r.is_parent).unwrap();
        assert_eq!(parent.person.id, mum);
        assert_eq!(parent.relation, "Parent or carer");
        assert_eq!(
            parent.parental_responsibility,
            Some(ParentalResponsibility::Yes)
        );
        assert!(household
            .iter()
            .any(|r| r.kind == RelationshipKind::SiblingOf));
    }
    let theirs = relationships::relatives(s.conn(), mum).unwrap();
    assert_eq!(theirs.len(), 2);
    assert!(theirs.iter().all(|r| r.relation == "Child they care for"));
    // Refusals: themselves, a repeat, parental responsibility outside a parent link, an
    // unnamed "other".
    let before = counts(&s);
    let input = |person_id, other_id, kind, pr| RelationshipInput {
        person_id,
        other_id,
        kind,
        parental_responsibility: pr,
        label: String::new(),
    };
    for bad in [
        input(a, a, RelationshipKind::SiblingOf, None),
        input(mum, a, RelationshipKind::ParentCarerOf, None),
        input(b, a, RelationshipKind::SiblingOf, None),
        input(
            a,
            b,
            RelationshipKind::LivesWith,
            Some(ParentalResponsibility::No),
        ),
        input(a, mum, RelationshipKind::Other, None),
        input(a, mum, RelationshipKind::ParentCarerOf, None),
    ] {
        let e = relationships::add(&mut s, &bad).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidInput, "{bad:?}: {e}");
    }
    assert_eq!(counts(&s), before);
    // Ending a relationship keeps it in the trail and takes it off the page.
    let link = relationships::relatives(s.conn(), b)
        .unwrap()
        .into_iter()
        .find(|r| r.kind == RelationshipKind::SiblingOf)
        .unwrap();
    relationships::end(
        &mut s,
        link.relationship_id,
        "Recorded against the wrong child",
    )
    .unwrap();
    assert!(relationships::relatives(s.conn(), b)
        .unwrap()
        .iter()
        .all(|r| r.kind != RelationshipKind::SiblingOf));
    assert!(relationships::end(&mut s, link.relationship_id, "again").is_err());
    assert!(s.verify_audit().unwrap().is_intact());
}

fn incident_with(s: &mut Session, links: &[PersonLink]) -> String {
    incidents::create(
        s,
        &incident_input("Pupil shared an image of another pupil"),
        links,
    )
    .unwrap()
    .reference
}

#[test]
fn people_are_re_roled_after_saving_in_the_new_roles() {
    let f = new_vault();
    let mut s = f.unlock();
    let (a, _, mum) = family(&mut s);
    let reference = incident_with(
        &mut s,
        &[PersonLink {
            person_id: a,
            role: Role::Victim,
        }],
    );
    incidents::link_person(
        &mut s,
        &reference,
        PersonLink {
            person_id: mum,
            role: Role::ParentCarer,
        },
    )
    .unwrap();
    let i = incidents::change_role(
        &mut s,
        &reference,
        mum,
        Role::ParentCarer,
        Role::MakingAllegation,
    )
    .unwrap();
    let roles: Vec<_> = i
        .people
        .iter()
        .filter(|p| p.person_id == mum)
        .map(|p| p.role)
        .collect();
    assert_eq!(roles, vec![Role::MakingAllegation]);
    // Not in the role named: refused.
    assert!(
        incidents::change_role(&mut s, &reference, mum, Role::Witness, Role::CaseManager).is_err()
    );
    let page = person_file::get(s.conn(), mum, 50).unwrap();
    assert_eq!(page.incidents.len(), 1);
    assert_eq!(page.incidents[0].roles, vec![Role::MakingAllegation]);
}

#[test]
fn parents_informed_or_not_and_why_and_consent_or_the_lawful_reason() {
    let f = new_vault();
    let mut s = f.unlock();
    let (a, _, _) = family(&mut s);
    let reference = incident_with(
        &mut s,
        &[PersonLink {
            person_id: a,
            role: Role::Victim,
        }],
    );
    let before = counts(&s);
    use casebook::error::Field;
    let not_told = ParentsInformedInput {
        informed: false,
        at: None,
        who_was_told: String::new(),
        told_by: String::new(),
        how: String::new(),
        reason_not: String::new(),
    };
    let e = family::record_parents_informed(&mut s, &reference, &not_told).unwrap_err();
    assert_eq!(error_fields(&e), vec![Field::ReasonNot]);
    let told = ParentsInformedInput {
        informed: true,
        ..not_told.clone()
    };
    // Told "now" needs no time; who was told is still required, and a time typed that is not
    // a real one is refused beside the other problems.
    let e = family::record_parents_informed(&mut s, &reference, &told).unwrap_err();
    assert_eq!(error_fields(&e), vec![Field::WhoWasTold, Field::ToldBy]);
    let impossible = ParentsInformedInput {
        at: Some(casebook::time::Moment::Typed(casebook::time::TimeParts {
            date: casebook::time::DateParts {
                day: "31".into(),
                month: "4".into(),
                year: "2026".into(),
            },
            time: "10:00".into(),
            clock: None,
        })),
        ..told.clone()
    };
    let e = family::record_parents_informed(&mut s, &reference, &impossible).unwrap_err();
    assert_eq!(
        error_fields(&e),
        vec![Field::At, Field::WhoWasTold, Field::ToldBy]
    );
    let consent = ConsentInput {
        purpose: ConsentPurpose::Share,
        outcome: ConsentOutcome::Given,
        given_by: String::new(),
        at: None,
        covers: String::new(),
        reason: String::new(),
    };
    let e = family::record_consent(&mut s, &reference, &consent).unwrap_err();
    assert_eq!(error_fields(&e), vec![Field::GivenBy, Field::Covers]);
    let refused = ConsentInput {
        outcome: ConsentOutcome::Refused,
        ..consent.clone()
    };
    assert_eq!(
        error_fields(&family::record_consent(&mut s, &reference, &refused).unwrap_err()),
        vec![Field::Reason]
    );
    assert_eq!(counts(&s), before);

    let why = "Mother's partner is the alleged harmer; telling her now may put Aoife at risk.";
    let rec = family::record_parents_informed(
        &mut s,
        &reference,
        &ParentsInformedInput {
            reason_not: why.into(),
            ..not_told
        },
    )
    .unwrap();
    let pi = rec.parents_informed.unwrap();
    assert!(!pi.informed);
    assert_eq!(pi.reason_not, why);
    let rec = family::record_consent(
        &mut s,
        &reference,
        &ConsentInput {
            reason: "Shared without consent: seeking it would put the child at risk (Information sharing advice 2024).".into(),
            ..refused
        },
    )
    .unwrap();
    assert_eq!(
        rec.consent_to_share.unwrap().outcome,
        ConsentOutcome::Refused
    );
    assert!(rec.consent_to_early_help.is_none());
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn who_was_told_what_is_recorded_with_its_lawful_basis_and_a_referral_writes_its_own() {
    let f = new_vault();
    let mut s = f.unlock();
    let (a, b, _) = family(&mut s);
    let reference = incident_with(
        &mut s,
        &[PersonLink {
            person_id: a,
            role: Role::Victim,
        }],
    );
    let input = SharingInput {
        at: None,
        method: SharingMethod::Phone,
        recipient_name: "Duty social worker".into(),
        recipient_organisation: "Anytown Children's Services front door".into(),
        recipient_role: "Social worker".into(),
        people: vec![a],
        what: vec![SharedDetail::Identity, SharedDetail::WhatHappened],
        article6: Article6::PublicTask,
        article9: Article9::Safeguarding,
        reason: "Risk of significant harm; a referral is needed today.".into(),
    };
    // Someone neither on the incident nor in its families, nothing chosen, no reason:
    // refused, nothing written. (A sibling, like b, may be named.)
    let _ = b;
    let stranger = people::create(
        &mut s,
        &PersonInput::named(PersonKind::Adult, "Someone Unrelated"),
    )
    .unwrap()
    .id;
    let before = counts(&s);
    let bad = SharingInput {
        people: vec![stranger],
        what: vec![],
        reason: String::new(),
        ..input.clone()
    };
    let e = sharing::record(&mut s, &reference, &bad).unwrap_err();
    use casebook::error::Field;
    assert_eq!(
        error_fields(&e),
        vec![Field::Reason, Field::What, Field::People]
    );
    assert_eq!(counts(&s), before);
    let shared = sharing::record(&mut s, &reference, &input).unwrap();
    assert_eq!(shared.people, vec!["Aoife Ní Bhriain".to_owned()]);
    assert_eq!(shared.article9, Article9::Safeguarding);

    reachable(&mut s);
    casebook::referral::issue(
        &mut s,
        &reference,
        casebook::referral::Recipient::SocialCare,
        &referral_choices(),
    )
    .unwrap();
    let id = incidents::get(s.conn(), &reference).unwrap().id;
    let all = sharing::list(s.conn(), id).unwrap();
    assert_eq!(all.len(), 2);
    let by_referral = &all[1];
    assert_eq!(by_referral.method, SharingMethod::Referral);
    assert!(by_referral.referral_id.is_some());
    assert!(by_referral.what.contains(&SharedDetail::WhatHappened));
    // The child, her mother (parental responsibility) and her brother (the household), as the
    // referral to social care names them; the family's details are recorded as shared.
    let mut named = by_referral.people.clone();
    named.sort();
    assert_eq!(
        named,
        vec!["Aoife Ní Bhriain", "Cian Ní Bhriain", "Orla Ní Bhriain"]
    );
    assert!(by_referral.what.contains(&SharedDetail::Family));
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn who_received_the_disclosure_and_where_the_note_is_kept() {
    let f = new_vault();
    let mut s = f.unlock();
    let reference = incident_with(&mut s, &[]);
    assert!(first_account::record(
        &mut s,
        &reference,
        &FirstAccountInput {
            received_by: " ".into(),
            received_role: String::new(),
            note_location: String::new(),
        }
    )
    .is_err());
    first_account::record(
        &mut s,
        &reference,
        &FirstAccountInput {
            received_by: "Ms Hana Begum".into(),
            received_role: "Form tutor, 8H".into(),
            note_location: "Handwritten; DSL office, locked cabinet B".into(),
        },
    )
    .unwrap();
    let corrected = first_account::record(
        &mut s,
        &reference,
        &FirstAccountInput {
            received_by: "Ms Hana Begum".into(),
            received_role: "Form tutor, 8H".into(),
            note_location: "Scanned and shredded? No: DSL office, locked cabinet C".into(),
        },
    )
    .unwrap();
    let id = incidents::get(s.conn(), &reference).unwrap().id;
    assert_eq!(
        first_account::current(s.conn(), id).unwrap().unwrap(),
        corrected
    );
}

#[test]
fn closure_days_are_skipped_by_working_days_and_removed_by_a_new_row() {
    let f = new_vault();
    let mut s = f.unlock();
    // Friday 4 December 2026: the next working day is Monday 7th; an INSET day moves it.
    let friday = d(2026, 12, 4);
    assert_eq!(
        casebook::records::answers::default_due(friday, &[]),
        d(2026, 12, 7)
    );
    let inset = local_practice::add_closure(
        &mut s,
        &ClosureInput {
            first_day: Some(d(2026, 12, 7).into()),
            last_day: None,
            label: "INSET day".into(),
        },
    )
    .unwrap();
    let closed = local_practice::closed_days(s.conn()).unwrap();
    assert_eq!(
        casebook::records::answers::default_due(friday, &closed),
        d(2026, 12, 8)
    );
    // Refused: last before first; a closure longer than a summer holiday; no label.
    for bad in [
        ClosureInput {
            first_day: Some(d(2026, 12, 7).into()),
            last_day: Some(d(2026, 12, 6).into()),
            label: "x".into(),
        },
        ClosureInput {
            first_day: Some(d(2026, 1, 1).into()),
            last_day: Some(d(2026, 12, 31).into()),
            label: "x".into(),
        },
        ClosureInput {
            first_day: Some(d(2026, 12, 7).into()),
            last_day: None,
            label: " ".into(),
        },
    ] {
        assert!(
            local_practice::add_closure(&mut s, &bad).is_err(),
            "{bad:?}"
        );
    }
    local_practice::remove_closure(&mut s, inset.id).unwrap();
    assert!(local_practice::closed_days(s.conn()).unwrap().is_empty());
    assert!(local_practice::remove_closure(&mut s, inset.id).is_err());
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn a_longer_retention_period_applies_to_children_and_to_allegations_against_staff() {
    let f = new_vault();
    let mut s = f.unlock();
    assert_eq!(
        local_practice::retention_period(s.conn())
            .unwrap()
            .child_years,
        25
    );
    assert!(local_practice::set_retention_period(&mut s, 20, "shorter").is_err());
    assert!(local_practice::set_retention_period(&mut s, 50, " ").is_err());
    local_practice::set_retention_period(&mut s, 50, "Trust records policy 2026, section 4")
        .unwrap();
    let child = people::create(&mut s, &full_child()).unwrap().id;
    let mut staff = PersonInput::named(PersonKind::Staff, "Mr Dale Price");
    staff.date_of_birth = Some(d(1962, 5, 1).into());
    let staff = people::create(&mut s, &staff).unwrap().id;
    let mut input = incident_input("Allegation that a teacher messaged a pupil privately");
    input.category = Some(Category::AllegationAgainstStaff);
    let i = incidents::create(
        &mut s,
        &input,
        &[
            PersonLink {
                person_id: child,
                role: Role::Victim,
            },
            PersonLink {
                person_id: staff,
                role: Role::AllegedHarmer,
            },
        ],
    )
    .unwrap();
    // Born 17 May 2012: kept until 17 May 2062, later than the staff rule.
    assert_eq!(i.retention_until, d(2062, 5, 17));
}

#[test]
fn deleting_at_retention_takes_a_parent_recorded_only_for_that_child_and_keeps_one_with_another() {
    let f = new_vault();
    let mut s = f.unlock();
    let (a, b, mum) = family(&mut s);
    let only_a = people::create(
        &mut s,
        &PersonInput::named(PersonKind::ParentCarer, "Ciarán Byrne"),
    )
    .unwrap()
    .id;
    relationships::add(
        &mut s,
        &RelationshipInput {
            person_id: only_a,
            other_id: a,
            kind: RelationshipKind::ParentCarerOf,
            parental_responsibility: Some(ParentalResponsibility::NotKnown),
            label: String::new(),
        },
    )
    .unwrap();
    let mut old = incident_input("An old concern");
    old.retention_until = Some(d(2025, 1, 1));
    old.reported_at = Some((Utc::now() - Duration::days(800)).into());
    old.occurred_at = None;
    let gone = incidents::create(
        &mut s,
        &old,
        &[PersonLink {
            person_id: a,
            role: Role::Victim,
        }],
    )
    .unwrap();
    let kept = incident_with(
        &mut s,
        &[PersonLink {
            person_id: b,
            role: Role::Victim,
        }],
    );
    let today = Utc::now().date_naive();
    // Today lists it for the retention review, found by the date index.
    let due = casebook::today::today(&s, today).unwrap().retention_due;
    assert_eq!(
        due.iter().map(|r| r.reference.clone()).collect::<Vec<_>>(),
        vec![gone.reference.clone()]
    );
    let deleted = retention::delete(
        &mut s,
        std::slice::from_ref(&gone.reference),
        "Past retention; reviewed by the DSL",
        today,
    )
    .unwrap();
    // The child, and the father recorded only for them; the mother stays (Cian is hers too).
    assert_eq!(deleted.people_deleted, 2);
    assert!(people::get(s.conn(), a).is_err());
    assert!(people::get(s.conn(), only_a).is_err());
    let household = relationships::relatives(s.conn(), b).unwrap();
    assert_eq!(
        household.iter().map(|r| r.person.id).collect::<Vec<_>>(),
        vec![mum]
    );
    incidents::get(s.conn(), &kept).unwrap();
    assert!(s.verify_audit().unwrap().is_intact());
}

#[test]
fn a_childs_page_has_the_household_every_incident_and_the_whole_chronology_and_prints() {
    let f = new_vault();
    let mut s = f.unlock();
    let (a, _, _) = family(&mut s);
    let first = incident_with(
        &mut s,
        &[PersonLink {
            person_id: a,
            role: Role::Victim,
        }],
    );
    let second = incident_with(
        &mut s,
        &[PersonLink {
            person_id: a,
            role: Role::Witness,
        }],
    );
    for (reference, text) in [
        (&first, "Spoke to Aoife"),
        (&second, "Aoife gave an account"),
    ] {
        chronology::add(
            &mut s,
            reference,
            &EntryInput {
                kind: Some(EntryKind::Note),
                text: text.into(),
                ..EntryInput::default()
            },
        )
        .unwrap();
    }
    let page = person_file::get(s.conn(), a, person_file::PAGE_CHRONOLOGY).unwrap();
    assert_eq!(page.household.len(), 2);
    assert_eq!(page.incidents.len(), 2);
    assert_eq!(page.chronology.len(), 2);
    let pdf = casebook::person_pdf::render(&page, ORG, false, Utc::now()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.pdf");
    std::fs::write(&path, &pdf).unwrap();
    // To look at it as a reader would: CASEBOOK_KEEP_PDF=/tmp/page.pdf, then pdftoppm.
    if let Some(keep) = std::env::var_os("CASEBOOK_KEEP_PDF") {
        std::fs::write(keep, &pdf).unwrap();
    }
    let text = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "Aoife Ní Bhriain",
        "Orla Ní Bhriain",
        "Has parental responsibility",
        "Child protection plan (Neglect)",
        "Spoke to Aoife",
        "Aoife gave an account",
        &first,
        &second,
        "OFFICIAL-SENSITIVE",
    ] {
        assert!(
            text.contains(expected),
            "{expected} is not in the PDF:\n{text}"
        );
    }
    let images = std::process::Command::new("pdfimages")
        .arg("-list")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&images.stdout).lines().count(),
        2,
        "no image rows"
    );
}

/// A date of birth known only in part (the year, or the month and year) is kept as such, shown
/// as such ("March 2011 (day not known)"), survives a new version, and a retention period
/// counts from its latest possible day, so that nothing is deleted early.
#[test]
fn a_date_of_birth_known_only_in_part_is_kept_and_retention_counts_from_its_end() {
    use casebook::time::{DateParts, Day};
    let f = new_vault();
    let mut s = f.unlock();
    let mut input = PersonInput::named(PersonKind::Child, "Mia Kowalczyk");
    input.date_of_birth = Some(Day::Typed(DateParts {
        day: String::new(),
        month: "March".into(),
        year: "2011".into(),
    }));
    let p = people::create(&mut s, &input).unwrap();
    assert_eq!(p.date_of_birth, None);
    let part = p.details.birth_in_part.unwrap();
    assert_eq!((part.year, part.month), (2011, Some(3)));
    let facts = p.identity_facts();
    assert!(
        facts.contains(&("Date of birth", "March 2011 (day not known)".to_owned())),
        "{facts:?}"
    );
    assert_eq!(p.latest_birth_date(), Some(d(2011, 3, 31)));
    // A new version from the person as they are keeps it.
    let mut again = p.input();
    again.details.gender = "Female".into();
    let p2 = people::amend(&mut s, p.id, &again).unwrap();
    assert_eq!(p2.details.birth_in_part, p.details.birth_in_part);
    // The year alone.
    let mut year_only = PersonInput::named(PersonKind::Child, "Jan Nowak");
    year_only.date_of_birth = Some(Day::Typed(DateParts {
        day: String::new(),
        month: String::new(),
        year: "2012".into(),
    }));
    let q = people::create(&mut s, &year_only).unwrap();
    assert!(q
        .identity_facts()
        .contains(&("Date of birth", "2012 (day and month not known)".to_owned())));
    // The youngest child is born at the latest on 31 December 2012: 25 years from then.
    let reference = incident_with(
        &mut s,
        &[
            PersonLink {
                person_id: p.id,
                role: Role::Victim,
            },
            PersonLink {
                person_id: q.id,
                role: Role::Witness,
            },
        ],
    );
    let incident = incidents::get(s.conn(), &reference).unwrap();
    assert_eq!(incident.retention_until, d(2037, 12, 31));
}

/// Someone added on the new-incident form is recorded with the incident, in one transaction:
/// an incident refused leaves no stray person behind, and a saved one links them.
#[test]
fn new_people_are_recorded_only_with_their_incident() {
    use casebook::records::incidents::NewPersonLink;
    let f = new_vault();
    let mut s = f.unlock();
    let new = [NewPersonLink {
        person: PersonInput::named(PersonKind::Child, "Zofia Wiśniewska"),
        role: Role::Victim,
    }];
    let mut refused = incident_input("");
    refused.summary = String::new();
    let e = incidents::create_with_new_people(&mut s, &refused, &[], &new).unwrap_err();
    assert!(error_fields(&e).contains(&casebook::error::Field::Summary));
    assert!(
        people::list(s.conn()).unwrap().is_empty(),
        "no stray person"
    );
    let saved = incidents::create_with_new_people(
        &mut s,
        &incident_input("Zofia was sent messages"),
        &[],
        &new,
    )
    .unwrap();
    assert_eq!(saved.people.len(), 1);
    assert_eq!(saved.people[0].full_name, "Zofia Wiśniewska");
    assert_eq!(saved.people[0].role, Role::Victim);
}
