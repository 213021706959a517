//! Realistic, clearly fictional demo data for demonstrations, screenshots and benchmarks.
//! Deterministic: the same seed gives the same records (times are relative to "now").
//!
//! Every organisation, person and event here is invented; names are marked by the demo
//! organisation they belong to, never drawn from real cases.

use chrono::{Duration, NaiveDate, Utc};

use crate::records::chronology::{self, EntryInput, EntryKind};
use crate::records::evidence::{self, CustodyInput, CustodyKind, EvidenceInput};
use crate::records::incidents::{
    self, Category, FourC, IncidentInput, PersonLink, Risk, Role, Status,
};
use crate::records::people::{self, PersonInput, PersonKind};
use crate::vault::Session;
use crate::Result;

/// SplitMix64: a tiny, well-known deterministic generator for demo and benchmark data.
/// Not for anything secret.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
}

const FIRST: &[&str] = &[
    "Amara", "Zoë", "Siobhán", "Łukasz", "Ådne", "Priya", "Kofi", "Mei", "Oliver", "Fatima",
    "Jakub", "Aoife", "Tendai", "Yusuf", "Isla", "Mateo", "Chloé", "Ravi", "Leila", "Noah",
];
const LAST: &[&str] = &[
    "Okafor",
    "Nguyễn",
    "Brontë",
    "Kowalski",
    "Ødegård",
    "Patel",
    "Mensah",
    "Chen",
    "Hughes",
    "Haddad",
    "Nowak",
    "Ní Bhriain",
    "Moyo",
    "Rahman",
    "MacLeod",
    "García",
    "Dubois",
    "Iyer",
];
const STAFF: &[&str] = &[
    "Mr Okoro (form tutor)",
    "Ms Lindqvist (Head of Year 9)",
    "Mrs Adeyemi (IT technician)",
    "Mr Fairweather (PE)",
];

/// Text for each category: a summary, the child's words, and a decision with its reason.
fn story(category: Category) -> (&'static str, &'static str, &'static str, &'static str) {
    match category {
        Category::SharingNudes => (
            "A pupil told their form tutor that a semi-nude image of them had been shared in a year-group chat. Staff did not view the image.",
            "I only sent it to him and now everyone has it.",
            "Refer to children's social care",
            "The image was shared without consent and the pupil may be at risk of further harm; UKCIS condition 5 applies.",
        ),
        Category::Cyberbullying => (
            "Several pupils posted mocking comments and an edited video about another pupil on a messaging app over a weekend.",
            "They keep adding me to groups just to say horrible things.",
            "Handle in school with sanctions and support",
            "No criminal threshold met; the pupil and parents agree with the plan and will report any further messages.",
        ),
        Category::OnlineSexualAbuse => (
            "A pupil disclosed that an adult they met in an online game asked them to move to a private app and send pictures.",
            "He said he was sixteen but then he knew things about my school.",
            "Report to police and CEOP",
            "An adult is believed to be involved and the pupil may have been groomed.",
        ),
        Category::Radicalisation => (
            "A member of staff heard a pupil repeating extremist slogans seen in videos shared by an older online contact.",
            "It's just what people are saying online, it's true though.",
            "Discuss with the Prevent lead and refer",
            "The pupil is being drawn towards extremist material by an older contact; Prevent advice is needed.",
        ),
        Category::OnlineHate => (
            "Racist messages about a pupil were posted in a public comment thread by accounts linked to other pupils.",
            "They said I should go back to where I came from.",
            "Report to police as a possible hate incident",
            "The messages are targeted and may be criminal; the family asked for it to be reported.",
        ),
        Category::AllegationAgainstStaff => (
            "A parent reported that a member of staff had been messaging a pupil on a personal social media account.",
            "He said it was our secret and not to tell my mum.",
            "Contact the LADO today",
            "The allegation meets the harm threshold; the LADO must be consulted before anything else is done.",
        ),
        Category::FilteringBreach => (
            "The monitoring system flagged repeated attempts to reach gambling sites from a library computer.",
            "",
            "Review filtering and speak to the pupil",
            "Low risk, no safeguarding concern beyond the breach; filtering rule tightened.",
        ),
        _ => (
            "A pupil reported that inappropriate content was being passed around on phones at lunchtime.",
            "Everyone was laughing at it, I didn't want to look.",
            "Handle in school and inform parents",
            "No child is identifiable in the content and no one is at immediate risk.",
        ),
    }
}

/// What [`fill`] made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub people: u32,
    pub incidents: u32,
    pub chronology: u32,
    pub evidence: u32,
}

/// Adds `incidents` demo incidents (with children, chronology and evidence) to the vault.
pub fn fill(session: &mut Session, incidents: u32, seed: u64) -> Result<Summary> {
    // Demo data is bulk and replaceable: commits need not wait for the disk. Restored after.
    session
        .conn()
        .execute_batch("PRAGMA synchronous = NORMAL")?;
    let result = fill_inner(session, incidents, seed);
    session.conn().execute_batch("PRAGMA synchronous = FULL")?;
    result
}

fn fill_inner(session: &mut Session, count: u32, seed: u64) -> Result<Summary> {
    let mut rng = Rng(seed);
    let mut summary = Summary {
        people: 0,
        incidents: 0,
        chronology: 0,
        evidence: 0,
    };
    let now = Utc::now();
    let children_wanted = (count / 2).clamp(4, 50_000) as usize;
    let mut children = Vec::with_capacity(children_wanted);
    for _ in 0..children_wanted {
        let year = 2010 + rng.below(6) as i32;
        let dob = NaiveDate::from_ymd_opt(year, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32);
        let p = people::create(
            session,
            &PersonInput {
                kind: PersonKind::Child,
                full_name: format!("{} {}", rng.pick(FIRST), rng.pick(LAST)),
                date_of_birth: dob,
                class_year: format!("Year {}", 7 + rng.below(5)),
                send: rng.chance(15),
                looked_after: rng.chance(5),
                cp_plan: rng.chance(4),
            },
        )?;
        children.push(p.id);
        summary.people += 1;
    }
    let categories = [
        Category::SharingNudes,
        Category::Cyberbullying,
        Category::Cyberbullying,
        Category::OnlineSexualAbuse,
        Category::Radicalisation,
        Category::OnlineHate,
        Category::AllegationAgainstStaff,
        Category::FilteringBreach,
        Category::InappropriateContent,
    ];
    for n in 0..count {
        let category = *rng.pick(&categories);
        let (text, words, decision, reason) = story(category);
        // Spread over the last three years, oldest first, so references run in order.
        let age_minutes = i64::from(count - n) * (3 * 365 * 24 * 60) / i64::from(count.max(1));
        let reported_at = now - Duration::minutes(age_minutes + 60);
        let mut links = vec![PersonLink {
            person_id: *rng.pick(&children),
            role: Role::Victim,
        }];
        if rng.chance(50) {
            let other = *rng.pick(&children);
            if other != links[0].person_id {
                links.push(PersonLink {
                    person_id: other,
                    role: Role::AllegedHarmer,
                });
            }
        }
        let status = *rng.pick(&[
            Status::Open,
            Status::Referred,
            Status::Monitoring,
            Status::Closed,
        ]);
        let input = IncidentInput {
            occurred_at: Some(reported_at - Duration::hours(1 + rng.below(48) as i64)),
            reported_at,
            reported_by: rng.pick(STAFF).to_string(),
            category,
            four_cs: match category {
                Category::OnlineSexualAbuse | Category::Radicalisation => vec![FourC::Contact],
                Category::FilteringBreach => vec![FourC::Commerce, FourC::Content],
                Category::InappropriateContent => vec![FourC::Content],
                _ => vec![FourC::Conduct],
            },
            summary: format!("{text} (Demo incident {}.)", n + 1),
            childs_words: words.to_string(),
            risk: *rng.pick(&[Risk::Low, Risk::Medium, Risk::High, Risk::Immediate]),
            status,
            outcome: if status == Status::Closed {
                "Actions completed; no further concerns reported.".into()
            } else {
                String::new()
            },
            // A closed filtering or misuse log with no child-protection element is kept for a
            // shorter time here (a demo setting an organisation might choose), so the retention
            // review has something to show.
            retention_until: (status == Status::Closed
                && matches!(
                    category,
                    Category::FilteringBreach | Category::InappropriateContent
                ))
            .then(|| (reported_at + Duration::days(365)).date_naive()),
        };
        let incident = incidents::create(session, &input, &links)?;
        summary.incidents += 1;
        let entries = 1 + rng.below(6);
        for e in 0..entries {
            let occurred_at = Some(reported_at + Duration::minutes(20 * (e as i64 + 1)));
            let entry = match e % 4 {
                0 => EntryInput {
                    kind: Some(EntryKind::Decision),
                    occurred_at,
                    text: decision.into(),
                    reason: reason.into(),
                    ..EntryInput::default()
                },
                1 => EntryInput {
                    kind: Some(EntryKind::AgencyContact),
                    occurred_at,
                    text: "Telephoned the children's services front door.".into(),
                    agency: "Children's social care (MASH)".into(),
                    agency_person: "Duty social worker".into(),
                    agency_outcome: "Advice given; referral accepted for assessment.".into(),
                    agency_reference: format!("MASH-{:06}", rng.below(1_000_000)),
                    ..EntryInput::default()
                },
                2 => EntryInput {
                    kind: Some(EntryKind::Action),
                    occurred_at,
                    text: "Meet parents to explain the plan and support available.".into(),
                    action_owner: "DSL".into(),
                    action_due: Some((reported_at + Duration::days(3)).date_naive()),
                    ..EntryInput::default()
                },
                _ => EntryInput {
                    kind: Some(EntryKind::Note),
                    occurred_at,
                    text: "Checked in with the pupil; they said they felt safer.".into(),
                    ..EntryInput::default()
                },
            };
            // Entries in the future (for the newest incidents) are moved to now.
            let entry = EntryInput {
                occurred_at: entry.occurred_at.map(|t| t.min(now)),
                ..entry
            };
            chronology::add(session, &incident.reference, &entry)?;
            summary.chronology += 1;
        }
        if matches!(
            category,
            Category::SharingNudes | Category::OnlineSexualAbuse
        ) && rng.chance(60)
        {
            let note = evidence::add(
                session,
                &incident.reference,
                &EvidenceInput {
                    description: "The pupil said the image is on their phone. Staff did not view, copy or forward it.".into(),
                    device: "Pupil's mobile phone".into(),
                    device_location: "Sealed in the DSL office safe".into(),
                    held_by: "DSL".into(),
                    urls: vec![format!("https://chat.example.invalid/group/{}", rng.below(100_000))],
                },
            )?;
            let at = (reported_at + Duration::minutes(15)).min(now);
            evidence::record_custody(
                session,
                note.id,
                &CustodyInput {
                    event: CustodyKind::Sealed,
                    at,
                    by_whom: "DSL".into(),
                    bag_number: format!("SB-{:05}", rng.below(100_000)),
                    location: String::new(),
                    recipient: String::new(),
                    collar_number: String::new(),
                    note: "Switched to flight mode first.".into(),
                },
            )?;
            summary.evidence += 1;
        }
    }
    Ok(summary)
}
