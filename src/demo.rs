//! Realistic, clearly fictional demo data for demonstrations, training, screenshots and
//! benchmarks. Deterministic: the same seed gives the same records (times are relative to
//! "now").
//!
//! Demo data goes **only into a demo vault** (`casebook init --demo`): a vault marked so for
//! good at set-up (schema 8), whose references read `DEMO-…`, whose window and status say so,
//! and whose every PDF carries "DEMONSTRATION — FICTIONAL RECORDS". It is refused everywhere
//! else, so an invented child protection history can never sit beside real pupils.
//!
//! Each story is coherent: its risk agrees with its status and outcome, children's year groups
//! agree with their dates of birth (the English school year), staff allegations are about a
//! member of staff and go to the LADO, and the first incidents carry finished and unfinished
//! checklist runs and issued referrals, so every screen has something to show.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

use crate::checklists::contacts::ContactKey;
use crate::checklists::engine::{self, Answer};
use crate::checklists::routes;
use crate::checklists::template::{StepKind, Template};
use crate::checklists::Library;
use crate::records::chronology::{self, EntryInput, EntryKind};
use crate::records::evidence::{self, CustodyInput, CustodyKind, EvidenceInput};
use crate::records::family::{self, ParentsInformedInput};
use crate::records::first_account::{self, FirstAccountInput};
use crate::records::incidents::{
    self, Category, FourC, IncidentInput, PersonLink, Risk, Role, Status,
};
use crate::records::people::{
    self, AgencyInvolved, CpCategory, Employment, EmploymentBasis, PersonInput, PersonKind,
    SendSupport, ServiceKind, ServiceStatus, YearGroup,
};
use crate::records::relationships::{
    self, ParentalResponsibility, RelationshipInput, RelationshipKind,
};
use crate::records::RecordId;
use crate::records::{actions, answers};
use crate::referral::{self, Recipient};
use crate::time::Day;
use crate::vault::Session;
use crate::{organisation, Error, Result};

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
const STAFF_REPORTERS: &[&str] = &[
    "Mr Okoro (form tutor)",
    "Ms Lindqvist (Head of Year 9)",
    "Mrs Adeyemi (IT technician)",
    "Mr Fairweather (PE)",
];

/// Parents' and carers' first names (invented families).
const PARENT_FIRST: &[&str] = &[
    "Grace", "Tomasz", "Niamh", "Adebayo", "Hoa", "Sunita", "Gareth", "Bronwen", "Ahmed", "Ingrid",
];

const STREETS: &[&str] = &[
    "Mill Lane",
    "Station Road",
    "Orchard Close",
    "Chapel Street",
    "Heron Way",
];

/// The roles of the members of staff above, in turn.
const STAFF_ROLES: &[&str] = &[
    "Teacher of PE",
    "Teaching assistant",
    "Teacher of computing",
    "Sports coach",
];

/// Members of staff an allegation can be about (invented).
const STAFF_SUBJECTS: &[&str] = &[
    "Mr Daniel Whitcombe",
    "Ms Harriet Osei",
    "Mr Piotr Zieliński",
];

/// One step of a story's chronology.
enum Entry {
    Decision(&'static str, &'static str),
    /// Agency, whom, what they said, reference prefix, what was done.
    Contact(
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
    ),
    /// What, by whom, due in days.
    Action(&'static str, &'static str, i64),
    Note(&'static str),
}

/// Who else is in the story besides the child it happened to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Other {
    Nobody,
    /// Another pupil who shared or posted.
    Pupil,
    /// An adult met online, not identified.
    OnlineAdult,
    /// A member of staff (an allegation).
    Staff,
}

/// A coherent incident: what happened, how serious, where it stands, and what was done.
struct Story {
    category: Category,
    summary: &'static str,
    words: &'static str,
    risk: Risk,
    status: Status,
    outcome: &'static str,
    other: Other,
    entries: &'static [Entry],
    /// A device held as evidence (never viewed).
    device: bool,
    /// The referral issued for it, if any.
    referral: Option<Recipient>,
    /// The checklist run on it.
    checklist: &'static str,
    /// Which agency contact the checklist route should include (to agree with the story).
    route_contacts: &'static [ContactKey],
    /// A closed log with no child protection element, kept for a shorter time.
    short_retention: bool,
}

const STORIES: &[Story] = &[
    Story {
        category: Category::SharingNudes,
        summary: "Two Year 10 pupils in a relationship exchanged semi-nude images; one was shown to a friend, who told a teacher. Staff did not view any image.",
        words: "We were going out, I didn't think he'd show anyone.",
        risk: Risk::Medium,
        status: Status::Monitoring,
        outcome: "",
        other: Other::Pupil,
        entries: &[
            Entry::Decision(
                "Handle within the setting",
                "None of the five UKCIS circumstances applies: both pupils are 15, no adult is involved, there is no coercion or blackmail, nothing unusual for their age is described, and neither is at immediate risk. Parents informed.",
            ),
            Entry::Action("Support sessions with both pupils on consent and the law on sharing images", "Pastoral lead", 5),
            Entry::Note("Both pupils confirmed the images were deleted from their phones and cloud accounts; times recorded."),
        ],
        device: false,
        referral: None,
        checklist: "sharing-nudes",
        route_contacts: &[],
        short_retention: false,
    },
    Story {
        category: Category::SharingNudes,
        summary: "A Year 9 pupil is being threatened by an online account demanding money, or the nude image they were tricked into sending will be shared with their followers (sextortion).",
        words: "He said he'd send it to everyone unless I paid him tonight.",
        risk: Risk::High,
        status: Status::Referred,
        outcome: "",
        other: Other::OnlineAdult,
        entries: &[
            Entry::Decision(
                "Refer to the police and children's social care",
                "Sextortion is blackmail (UKCIS circumstance 2) and an adult is believed to be involved (circumstance 1). Asked first about immediate risk: the pupil is frightened but not at immediate risk of harm; they will stay with their mother tonight.",
            ),
            Entry::Contact("Police (101)", "PC 4471 Hartley", "Crime reference given; an officer will collect the phone tomorrow. Do not pay, do not delete.", "CRI", "Reported the sextortion and that the phone is in flight mode, sealed and unviewed."),
            Entry::Contact("Children's social care (MASH)", "Duty social worker", "Referral accepted for a strategy discussion.", "MASH", "Referred by telephone, followed by the written referral."),
            Entry::Action("Support plan: block and report the account, Report Remove with the pupil from their own device, check in daily", "DSL", 1),
        ],
        device: true,
        referral: Some(Recipient::Police),
        checklist: "sharing-nudes",
        route_contacts: &[ContactKey::ChildrensSocialCare, ContactKey::Police],
        short_retention: false,
    },
    Story {
        category: Category::Cyberbullying,
        summary: "Several pupils posted mocking comments and an edited video about another pupil in a group chat over a weekend.",
        words: "They keep adding me to groups just to say horrible things.",
        risk: Risk::Medium,
        status: Status::Closed,
        outcome: "Bullying stopped; sanctions under the behaviour policy; the pupil and their parents are satisfied with the support.",
        other: Other::Pupil,
        entries: &[
            Entry::Decision(
                "Handle within the setting with sanctions and support",
                "No threat of violence or sexual content, no immediate risk to the pupil's safety or wellbeing; parents informed and agree the plan.",
            ),
            Entry::Action("Restorative meeting and weekly check-ins for half a term", "Head of Year 8", 7),
            Entry::Note("The platform removed the video after the school's request."),
        ],
        device: false,
        referral: None,
        checklist: "cyberbullying",
        route_contacts: &[],
        short_retention: false,
    },
    Story {
        category: Category::OnlineSexualAbuse,
        summary: "A Year 8 pupil disclosed that an adult they met in an online game asked them to move to a private app, to keep it secret and to send pictures.",
        words: "He said he was sixteen but then he knew things about my school.",
        risk: Risk::High,
        status: Status::Referred,
        outcome: "",
        other: Other::OnlineAdult,
        entries: &[
            Entry::Decision(
                "Report to CEOP and the police, and refer to children's social care",
                "An adult is believed to be grooming a 12-year-old. Not at immediate risk now: no meeting was arranged and the pupil is at home with a parent this evening.",
            ),
            Entry::Contact("CEOP", "Online report", "Report received; passed to the local police force.", "CEOP", "Reported online at ceop.police.uk with the usernames and app names."),
            Entry::Contact("Children's social care (MASH)", "Duty social worker", "Strategy discussion arranged with the police for tomorrow.", "MASH", "Referred by telephone; parents' views recorded."),
            Entry::Action("Agree with the police what the parents are told, then meet them", "DSL", 1),
        ],
        device: true,
        referral: Some(Recipient::SocialCare),
        checklist: "online-sexual-abuse",
        route_contacts: &[ContactKey::ChildrensSocialCare],
        short_retention: false,
    },
    Story {
        category: Category::Radicalisation,
        summary: "A member of staff heard a pupil repeating extremist slogans and conspiracy theories from videos shared by an older online contact.",
        words: "It's just what people are saying online, it's true though.",
        risk: Risk::Medium,
        status: Status::Referred,
        outcome: "",
        other: Other::OnlineAdult,
        entries: &[
            Entry::Decision(
                "Refer to Prevent",
                "The pupil is being drawn towards extremist material by an older contact; no immediate risk, no offence known. Parents informed and supportive.",
            ),
            Entry::Contact("Prevent", "Prevent officer", "Referral received; considering Channel support with the family's consent.", "PRV", "Sent the national Prevent referral form."),
        ],
        device: false,
        referral: None,
        checklist: "radicalisation",
        route_contacts: &[],
        short_retention: false,
    },
    Story {
        category: Category::OnlineHate,
        summary: "Racist messages about a pupil were posted in a public comment thread by accounts linked to other pupils.",
        words: "They said I should go back to where I came from.",
        risk: Risk::Medium,
        status: Status::Closed,
        outcome: "Reported as a hate incident; content removed by the platform; sanctions and education for the pupils who posted.",
        other: Other::Pupil,
        entries: &[
            Entry::Decision(
                "Report to the police as a hate incident and handle within the setting",
                "The messages are targeted and may be criminal; the pupil and family asked for it to be reported. No immediate risk.",
            ),
            Entry::Contact("Police (101)", "Hate crime officer", "Logged as a hate incident; advice given; no further police action.", "HATE", "Reported by telephone with the written record of the messages."),
            Entry::Action("Ask the platform to remove the posts and confirm", "DSL", 2),
        ],
        device: false,
        referral: None,
        checklist: "online-hate",
        route_contacts: &[],
        short_retention: false,
    },
    Story {
        category: Category::AllegationAgainstStaff,
        summary: "A parent reported that a member of staff had been messaging a pupil on a personal social media account.",
        words: "He said it was our secret and not to tell my mum.",
        risk: Risk::High,
        status: Status::Referred,
        outcome: "",
        other: Other::Staff,
        entries: &[
            Entry::Decision(
                "Contact the LADO today",
                "The allegation meets the harm threshold (possible grooming, and behaviour that may make the adult unsuitable to work with children). The member of staff is not told until the LADO advises.",
            ),
            Entry::Contact("LADO", "LADO duty officer", "Threshold met; the headteacher is case manager; the LADO will liaise with the police. Do not investigate.", "LADO", "Consulted by telephone and sent the LADO referral form."),
            Entry::Action("Headteacher (case manager) to follow the LADO's advice on the member of staff", "Headteacher", 1),
        ],
        device: false,
        referral: Some(Recipient::Lado),
        checklist: "allegation-against-staff",
        route_contacts: &[ContactKey::Lado],
        short_retention: false,
    },
    Story {
        category: Category::FilteringBreach,
        summary: "The monitoring system flagged repeated attempts to reach gambling sites from a library computer.",
        words: "",
        risk: Risk::Low,
        status: Status::Closed,
        outcome: "Filtering rule tightened; the pupil was spoken to; no safeguarding concern.",
        other: Other::Nobody,
        entries: &[
            Entry::Decision(
                "Review filtering and speak to the pupil",
                "Low risk: no safeguarding concern beyond the breach; the pupil was curious after an advert.",
            ),
            Entry::Action("Add the sites to the block list and check the monitoring report next week", "IT technician", 7),
        ],
        device: false,
        referral: None,
        checklist: "misuse",
        route_contacts: &[],
        short_retention: true,
    },
    Story {
        category: Category::InappropriateContent,
        summary: "A pupil reported that a violent video was being passed around on phones at lunchtime.",
        words: "Everyone was laughing at it, I didn't want to look.",
        risk: Risk::Low,
        status: Status::Closed,
        outcome: "Pupils spoken to; assembly on harmful content; parents informed.",
        other: Other::Pupil,
        entries: &[
            Entry::Decision(
                "Handle within the setting and inform parents",
                "No child is identifiable in the content and no one is at immediate risk.",
            ),
            Entry::Note("Year-group assembly on what to do when shown harmful content."),
        ],
        device: false,
        referral: None,
        checklist: "misuse",
        route_contacts: &[],
        short_retention: true,
    },
];

/// What [`fill`] made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub people: u32,
    pub incidents: u32,
    pub chronology: u32,
    pub evidence: u32,
    pub checklist_runs: u32,
    pub referrals: u32,
}

/// The first this many incidents carry a checklist run (the rest are bulk, for benchmarks).
const WITH_RUNS: u32 = 18;
/// Of those, every this many is left unfinished.
const UNFINISHED_EVERY: u32 = 4;

/// Adds `incidents` demo incidents (with children, staff, chronology, evidence, checklist
/// runs and referrals). Refused, changing nothing, unless this is a demo vault.
pub fn fill(session: &mut Session, incidents: u32, seed: u64) -> Result<Summary> {
    if !organisation::is_demo(session.conn())? {
        return Err(Error::NotADemoVault);
    }
    // Demo data is bulk and replaceable: commits need not wait for the disk. Restored after.
    session
        .conn()
        .execute_batch("PRAGMA synchronous = NORMAL")?;
    let result = fill_inner(session, incidents, seed);
    session.conn().execute_batch("PRAGMA synchronous = FULL")?;
    result
}

/// The school year a date falls in, by its first calendar year (September to August).
fn school_year_start(today: NaiveDate) -> i32 {
    if today.month() >= 9 {
        today.year()
    } else {
        today.year() - 1
    }
}

/// A date of birth that puts a child in `year_group` this school year (born between
/// 1 September and 31 August, as English year groups are).
fn date_of_birth(rng: &mut Rng, year_group: i32, today: NaiveDate) -> Option<NaiveDate> {
    let from = NaiveDate::from_ymd_opt(school_year_start(today) - year_group - 5, 9, 1)?;
    Some(from + Duration::days(rng.below(365) as i64))
}

/// A child in a year group this school year, with the details a DSL records: some with SEND,
/// some with a status with services (dated) and so an allocated social worker.
fn demo_child(rng: &mut Rng, last: &str, today: NaiveDate) -> PersonInput {
    let year_group = 7 + rng.below(7) as i32;
    let mut input = PersonInput::named(PersonKind::Child, &format!("{} {last}", rng.pick(FIRST)));
    input.date_of_birth = date_of_birth(rng, year_group, today).map(Day::On);
    input.class_year = format!("{year_group}{}", rng.pick(&["H", "E", "R", "O", "N"]));
    let d = &mut input.details;
    d.year_group = Some(match year_group {
        7 => YearGroup::Year7,
        8 => YearGroup::Year8,
        9 => YearGroup::Year9,
        10 => YearGroup::Year10,
        11 => YearGroup::Year11,
        12 => YearGroup::Year12,
        _ => YearGroup::Year13,
    });
    d.gender = (*rng.pick(&["Female", "Male", "Female", "Male", "Non-binary"])).to_owned();
    d.first_language = (*rng.pick(&[
        "English",
        "English",
        "English",
        "Polish",
        "Vietnamese",
        "Irish",
    ]))
    .to_owned();
    d.interpreter_needed = d.first_language != "English" && rng.chance(20);
    if d.interpreter_needed {
        d.communication_needs = format!(
            "{} interpreter for meetings with the family",
            d.first_language
        );
    }
    d.send = Some(if rng.chance(15) {
        if rng.chance(30) {
            SendSupport::Ehcp
        } else {
            SendSupport::SenSupport
        }
    } else {
        SendSupport::None
    });
    let started = |rng: &mut Rng| Some(today - Duration::days(30 + rng.below(700) as i64));
    if rng.chance(4) {
        d.statuses.push(ServiceStatus {
            kind: ServiceKind::ChildProtection,
            start: started(rng).map(Day::On),
            end: None,
            category: Some(*rng.pick(CpCategory::ALL)),
            lead: String::new(),
        });
    } else if rng.chance(5) {
        d.statuses.push(ServiceStatus {
            kind: ServiceKind::LookedAfter,
            start: started(rng).map(Day::On),
            end: None,
            category: None,
            lead: String::new(),
        });
    } else if rng.chance(8) {
        d.statuses.push(ServiceStatus {
            kind: ServiceKind::EarlyHelp,
            start: started(rng).map(Day::On),
            end: None,
            category: None,
            lead: "Family support worker, Anytown Early Help".into(),
        });
    }
    if d.statuses.iter().any(|s| s.kind != ServiceKind::EarlyHelp) {
        d.social_worker = (*rng.pick(&["Sam Patel", "Jo Bell", "Chidi Eze"])).to_owned();
        d.social_worker_contact = "Anytown Children's Services, 01632 960500".into();
        d.agencies.push(AgencyInvolved {
            agency: "GP".into(),
            contact: "Riverside Surgery".into(),
        });
    }
    input
}

/// What the family side of an incident holds: who received the disclosure and where the
/// note is, and whether the parents were told (and if not, why).
fn family_side(
    session: &mut Session,
    reference: &str,
    story: &Story,
    reported_at: DateTime<Utc>,
    parents: Option<&Vec<(RecordId, String)>>,
) -> Result<()> {
    let incident = incidents::get(session.conn(), reference)?;
    first_account::record(
        session,
        reference,
        &FirstAccountInput {
            received_by: incident.reported_by.clone(),
            received_role: String::new(),
            note_location: "Handwritten note, DSL office, locked cabinet".into(),
        },
    )?;
    let Some((_, parent)) = parents.and_then(|p| p.first()) else {
        return Ok(());
    };
    let dsl = organisation::current(session.conn())?.dsl_name;
    let input = if story.category == Category::Radicalisation {
        ParentsInformedInput {
            informed: false,
            at: None,
            who_was_told: String::new(),
            told_by: String::new(),
            how: String::new(),
            reason_not: "Not yet: the Prevent officer asked us to wait until they have assessed the family's links to the online contact.".into(),
        }
    } else {
        ParentsInformedInput {
            informed: true,
            at: Some((reported_at + Duration::hours(2)).min(Utc::now()).into()),
            who_was_told: parent.clone(),
            told_by: dsl,
            how: "By phone, then in person".into(),
            reason_not: String::new(),
        }
    };
    family::record_parents_informed(session, reference, &input)?;
    Ok(())
}

fn fill_inner(session: &mut Session, count: u32, seed: u64) -> Result<Summary> {
    let mut rng = Rng(seed);
    let mut summary = Summary {
        people: 0,
        incidents: 0,
        chronology: 0,
        evidence: 0,
        checklist_runs: 0,
        referrals: 0,
    };
    // What a referral form asks about its sender, invented: a phone number from Ofcom's range
    // for drama (01632 960000 to 960999), example.org addresses, and no real school's URN.
    if organisation::setting_details(session.conn())? == organisation::SettingDetails::default() {
        crate::settings::change_setting_details(
            session,
            &organisation::SettingDetails {
                address: "1 Harbour Lane, Exampletown, EX1 1AA (invented)".into(),
                urn: "000000".into(),
                phone: "01632 960000".into(),
                secure_email: "safeguarding@school.example.org".into(),
            },
        )?;
    }
    let me = session.current_member()?;
    if me.phone.is_empty() && me.secure_email.is_empty() {
        session.change_my_contact("01632 960001", "dsl@school.example.org")?;
    }
    let now = Utc::now();
    let today = now.date_naive();
    let children_wanted = (count / 2).clamp(4, 50_000) as usize;
    // Families: one or two children (siblings share their parents), each family with one or
    // two parents or carers recorded once, with parental responsibility.
    let mut children = Vec::with_capacity(children_wanted);
    let mut parents_of: HashMap<RecordId, Vec<(RecordId, String)>> = HashMap::new();
    while children.len() < children_wanted {
        let last = *rng.pick(LAST);
        let in_family = if rng.chance(25) { 2 } else { 1 };
        let mut family = Vec::new();
        for _ in 0..in_family {
            let p = people::create(session, &demo_child(&mut rng, last, today))?;
            summary.people += 1;
            family.push(p.id);
        }
        let mut parents = Vec::new();
        for (i, title) in ["Mrs", "Mr"].iter().enumerate() {
            if i == 1 && !rng.chance(60) {
                break;
            }
            let name = format!("{title} {} {last}", rng.pick(PARENT_FIRST));
            let mut input = PersonInput::named(PersonKind::ParentCarer, &name);
            input.details.phone = format!("01632 96{:04}", rng.below(10_000));
            input.details.address = format!(
                "{} {}, Anytown AT{} {}XX",
                1 + rng.below(90),
                rng.pick(STREETS),
                1 + rng.below(9),
                1 + rng.below(9)
            );
            let parent = people::create(session, &input)?;
            summary.people += 1;
            for child in &family {
                relationships::add(
                    session,
                    &RelationshipInput {
                        person_id: parent.id,
                        other_id: *child,
                        kind: RelationshipKind::ParentCarerOf,
                        parental_responsibility: Some(if i == 0 || rng.chance(80) {
                            ParentalResponsibility::Yes
                        } else {
                            ParentalResponsibility::NotKnown
                        }),
                        label: String::new(),
                    },
                )?;
            }
            parents.push((parent.id, name));
        }
        if let [a, b] = family[..] {
            relationships::add(
                session,
                &RelationshipInput {
                    person_id: a,
                    other_id: b,
                    kind: RelationshipKind::SiblingOf,
                    parental_responsibility: None,
                    label: String::new(),
                },
            )?;
        }
        for child in family {
            parents_of.insert(child, parents.clone());
            children.push(child);
        }
    }
    let mut staff = Vec::new();
    for (name, role) in STAFF_SUBJECTS.iter().zip(STAFF_ROLES.iter().cycle()) {
        let mut input = PersonInput::named(PersonKind::Staff, name);
        input.date_of_birth = NaiveDate::from_ymd_opt(
            1975 + rng.below(20) as i32,
            1 + rng.below(12) as u32,
            1 + rng.below(28) as u32,
        )
        .map(Day::On);
        let supply = rng.chance(30);
        input.details.employment = Employment {
            role: (*role).to_owned(),
            employer: if supply {
                "Teach Anytown Ltd".to_owned()
            } else {
                "the school".to_owned()
            },
            basis: Some(if supply {
                EmploymentBasis::AgencySupply
            } else {
                EmploymentBasis::Employed
            }),
            agency: if supply {
                "Teach Anytown Ltd".to_owned()
            } else {
                String::new()
            },
            start_date: NaiveDate::from_ymd_opt(2015 + rng.below(10) as i32, 9, 1).map(Day::On),
        };
        staff.push(people::create(session, &input)?.id);
        summary.people += 1;
    }
    // The headteacher manages allegations against staff (KCSIE Part four: the case manager).
    let mut head = PersonInput::named(PersonKind::Staff, "Mrs Joanne Hartley");
    head.details.employment = Employment {
        role: "Headteacher".into(),
        employer: "the school".into(),
        basis: Some(EmploymentBasis::Employed),
        agency: String::new(),
        start_date: NaiveDate::from_ymd_opt(2019, 9, 1).map(Day::On),
    };
    let headteacher = people::create(session, &head)?.id;
    summary.people += 1;
    let online_adult = people::create(
        session,
        &PersonInput {
            kind: PersonKind::Adult,
            full_name: "Unidentified adult (online account)".to_owned(),
            date_of_birth: None,
            class_year: String::new(),
            details: Default::default(),
            reason: String::new(),
        },
    )?;
    summary.people += 1;
    let library = Library::shipped();

    for n in 0..count {
        // The first incidents walk through every story in turn; the rest are drawn at random.
        let story = if (n as usize) < STORIES.len() {
            &STORIES[n as usize]
        } else {
            rng.pick(STORIES)
        };
        // Spread over the last three years, oldest first, so references run in order.
        let age_minutes = i64::from(count - n) * (3 * 365 * 24 * 60) / i64::from(count.max(1));
        let reported_at = now - Duration::minutes(age_minutes + 60);
        let child = *rng.pick(&children);
        let mut links = vec![PersonLink {
            person_id: child,
            role: if story.category == Category::FilteringBreach {
                Role::Subject
            } else {
                Role::Victim
            },
        }];
        let other = match story.other {
            Other::Nobody => None,
            Other::Pupil => Some(*rng.pick(&children)).filter(|o| *o != child),
            Other::OnlineAdult => Some(online_adult.id),
            Other::Staff => Some(*rng.pick(&staff)),
        };
        if let Some(person_id) = other {
            links.push(PersonLink {
                person_id,
                role: Role::AllegedHarmer,
            });
        }
        if story.category == Category::AllegationAgainstStaff {
            links.push(PersonLink {
                person_id: headteacher,
                role: Role::CaseManager,
            });
            // "A parent reported": the child's parent made the allegation.
            if let Some((parent, _)) = parents_of.get(&child).and_then(|p| p.first()) {
                links.push(PersonLink {
                    person_id: *parent,
                    role: Role::MakingAllegation,
                });
            }
        }
        if rng.chance(30) {
            let witness = *rng.pick(&children);
            if links.iter().all(|l| l.person_id != witness) {
                links.push(PersonLink {
                    person_id: witness,
                    role: Role::Witness,
                });
            }
        }
        let input = IncidentInput {
            occurred_at: Some((reported_at - Duration::hours(1 + rng.below(48) as i64)).into()),
            reported_at: Some(reported_at.into()),
            reported_by: rng.pick(STAFF_REPORTERS).to_string(),
            category: Some(story.category),
            four_cs: match story.category {
                Category::OnlineSexualAbuse | Category::Radicalisation => vec![FourC::Contact],
                Category::FilteringBreach => vec![FourC::Commerce, FourC::Content],
                Category::InappropriateContent => vec![FourC::Content],
                Category::SharingNudes if story.other == Other::OnlineAdult => {
                    vec![FourC::Contact, FourC::Commerce]
                }
                _ => vec![FourC::Conduct],
            },
            summary: story.summary.to_owned(),
            childs_words: story.words.to_owned(),
            risk: Some(story.risk),
            status: story.status,
            outcome: story.outcome.to_owned(),
            // A closed filtering or content log with no child protection element is kept for
            // a shorter time here (a demo setting an organisation might choose), so the
            // retention review has something to show.
            retention_until: story
                .short_retention
                .then(|| (reported_at + Duration::days(365)).date_naive()),
        };
        // Every story's first incident was recorded as open and later amended to where it
        // stands, so the incident history has versions to show.
        let incident = if (n as usize) < STORIES.len() && input.status != Status::Open {
            let first = IncidentInput {
                status: Status::Open,
                outcome: String::new(),
                ..input.clone()
            };
            let made = incidents::create(session, &first, &links)?;
            incidents::amend(session, &made.reference, &input)?
        } else {
            incidents::create(session, &input, &links)?
        };
        summary.incidents += 1;
        family_side(
            session,
            &incident.reference,
            story,
            reported_at,
            parents_of.get(&child),
        )?;
        for (e, entry) in story.entries.iter().enumerate() {
            let occurred_at = Some((reported_at + Duration::minutes(20 * (e as i64 + 1))).min(now));
            let input = match entry {
                Entry::Decision(text, reason) => EntryInput {
                    kind: Some(EntryKind::Decision),
                    occurred_at: occurred_at.map(Into::into),
                    text: (*text).into(),
                    reason: (*reason).into(),
                    ..EntryInput::default()
                },
                Entry::Contact(agency, person, outcome, prefix, text) => EntryInput {
                    kind: Some(EntryKind::AgencyContact),
                    occurred_at: occurred_at.map(Into::into),
                    text: (*text).into(),
                    agency: (*agency).into(),
                    agency_person: (*person).into(),
                    agency_outcome: (*outcome).into(),
                    agency_reference: format!("{prefix}-{:06}", rng.below(1_000_000)),
                    // A referral to children's social care expects an acknowledgement by the
                    // next working day.
                    answer_due: agency
                        .contains("social care")
                        .then(|| {
                            occurred_at.map(|t| answers::default_due(t.date_naive(), &[]).into())
                        })
                        .flatten(),
                    ..EntryInput::default()
                },
                Entry::Action(text, owner, days) => EntryInput {
                    kind: Some(EntryKind::Action),
                    occurred_at: occurred_at.map(Into::into),
                    text: (*text).into(),
                    action_owner: (*owner).into(),
                    action_due: Some((reported_at + Duration::days(*days)).date_naive().into()),
                    ..EntryInput::default()
                },
                Entry::Note(text) => EntryInput {
                    kind: Some(EntryKind::Note),
                    occurred_at: occurred_at.map(Into::into),
                    text: (*text).into(),
                    ..EntryInput::default()
                },
            };
            let added = chronology::add(session, &incident.reference, &input)?;
            summary.chronology += 1;
            // Answers long due were received; a recent one is still awaited, for Today.
            if let Some(due) = input
                .answer_due
                .as_ref()
                .and_then(Day::date)
                .filter(|d| *d < today - Duration::days(1))
            {
                let answered_at = due
                    .and_hms_opt(10, 30, 0)
                    .map(|t| t.and_utc())
                    .filter(|t| *t <= now);
                answers::record(
                    session,
                    added.id,
                    &answers::AnswerInput {
                        event: answers::AnswerEvent::Answered,
                        at: answered_at.map(Into::into),
                        due: None,
                        note: "Acknowledged; the referral is accepted for assessment.".into(),
                    },
                )?;
            }
            // Actions long past their date were done; the recent ones are still open, so
            // Today has something due.
            if let Some(due) = input
                .action_due
                .as_ref()
                .and_then(Day::date)
                .filter(|d| *d < today - Duration::days(1))
            {
                let done_at = due
                    .and_hms_opt(15, 0, 0)
                    .map(|t| t.and_utc())
                    .filter(|t| *t <= now)
                    .unwrap_or(now);
                actions::set_state(
                    session,
                    added.id,
                    &actions::StateChange {
                        state: actions::ActionState::Done,
                        at: Some(done_at.into()),
                        note: "Done as agreed; see the chronology.".into(),
                    },
                )?;
            }
        }
        if story.device {
            held_device(session, &incident.reference, reported_at, now, &mut rng)?;
            summary.evidence += 1;
        }
        if n < WITH_RUNS {
            let finish = n % UNFINISHED_EVERY != UNFINISHED_EVERY - 1;
            if let Some(template) = library.get(story.checklist).map(|e| e.template.clone()) {
                walk_checklist(
                    session,
                    &library,
                    &template,
                    &incident.reference,
                    story,
                    finish,
                )?;
                summary.checklist_runs += 1;
            }
            if let Some(recipient) = story.referral {
                referral::issue(
                    session,
                    &incident.reference,
                    recipient,
                    &referral::Choices {
                        reason: format!(
                            "{} (invented): the threshold for a referral to {} is met.",
                            story.category.label(),
                            recipient.label()
                        ),
                        asks: match recipient {
                            referral::Recipient::Police => "Please consider a criminal investigation and advise us on the device.".into(),
                            referral::Recipient::SocialCare => "Please consider a child and family assessment (section 17 or 47).".into(),
                            referral::Recipient::Lado => "Please advise on the next steps under Keeping children safe in education, Part four.".into(),
                        },
                        where_child_is: "In school today, with their form tutor.".into(),
                        parents_know: Some(true),
                        consent: Some(crate::records::family::ConsentOutcome::Given),
                        consent_by: "The child's mother (invented)".into(),
                        sent_by: Some(referral::SendRoute::SecureEmail),
                        adult: referral::AboutTheAdult {
                            harm_criteria: vec![referral::HarmCriterion::Harmed],
                            adult_knows: Some(false),
                            adult_knows_note: "The LADO advises who tells them, and when.".into(),
                            previous_concerns: "None known.".into(),
                            ..referral::AboutTheAdult::default()
                        },
                        ..referral::Choices::default()
                    },
                )?;
                summary.referrals += 1;
            }
        }
    }
    Ok(summary)
}

/// The pupil's phone, seized, sealed, stored and handed to the police (never viewed).
fn held_device(
    session: &mut Session,
    reference: &str,
    reported_at: DateTime<Utc>,
    now: DateTime<Utc>,
    rng: &mut Rng,
) -> Result<()> {
    let note = evidence::add(
        session,
        reference,
        &EvidenceInput {
            description: "The pupil said the messages and image are on their phone. Staff did not view, copy or forward anything; usernames were written down as the pupil read them out.".into(),
            device: "Pupil's mobile phone".into(),
            device_location: "Sealed in the DSL office safe".into(),
            held_by: "DSL".into(),
            urls: vec![format!("https://chat.example.invalid/user/{}", rng.below(100_000))],
        },
    )?;
    let at = |minutes: i64| (reported_at + Duration::minutes(minutes)).min(now);
    let bag = format!("SB-{:05}", rng.below(100_000));
    let events = [
        (
            CustodyKind::Seized,
            at(10),
            "Put in flight mode without looking at it.",
        ),
        (CustodyKind::Sealed, at(15), "Sealed in an evidence bag."),
        (
            CustodyKind::Stored,
            at(20),
            "Locked in the DSL office safe.",
        ),
        (
            CustodyKind::HandedOver,
            at(24 * 60),
            "Collected by the police.",
        ),
    ];
    for (event, when, what) in events {
        let handed = event == CustodyKind::HandedOver;
        evidence::record_custody(
            session,
            note.id,
            &CustodyInput {
                event,
                at: Some(when.into()),
                by_whom: "DSL".into(),
                bag_number: bag.clone(),
                location: if event == CustodyKind::Stored {
                    "DSL office safe".into()
                } else {
                    String::new()
                },
                recipient: if handed {
                    "PC Hartley".into()
                } else {
                    String::new()
                },
                collar_number: if handed { "4471".into() } else { String::new() },
                note: what.into(),
            },
        )?;
    }
    Ok(())
}

/// Runs `template` on the incident along a route that agrees with the story (one that
/// contacts the agencies the story did, or none if it did not), answering each step as a DSL
/// would; finishes it, or stops halfway to leave a run in progress.
fn walk_checklist(
    session: &mut Session,
    library: &Library,
    template: &Template,
    reference: &str,
    story: &Story,
    finish: bool,
) -> Result<()> {
    let found = routes::enumerate(template);
    let contacts = |r: &routes::Route, key: ContactKey| {
        r.steps.iter().any(|id| {
            template
                .step(id)
                .is_some_and(|s| s.kind == StepKind::Contact && s.contact == Some(key))
        })
    };
    let referral_keys = [
        ContactKey::ChildrensSocialCare,
        ContactKey::Police,
        ContactKey::Ceop,
        ContactKey::Lado,
    ];
    // No demo story has a child in immediate danger: the 999 question is answered "no".
    let no_emergency = |r: &routes::Route| {
        !contacts(r, ContactKey::PoliceEmergency)
            && r.answers.iter().all(|(id, a)| {
                a != "yes"
                    || !template.step(id).is_some_and(|s| {
                        s.marks
                            .contains(&crate::checklists::template::Mark::ImmediateRisk)
                    })
            })
    };
    let fits = |r: &routes::Route| {
        no_emergency(r)
            && story.route_contacts.iter().all(|k| contacts(r, *k))
            && (!story.route_contacts.is_empty() || referral_keys.iter().all(|k| !contacts(r, *k)))
    };
    // Of the routes that fit, the plainest: the fewest contacts, then the fewest steps.
    let contact_count = |r: &routes::Route| {
        r.steps
            .iter()
            .filter(|id| {
                template
                    .step(id)
                    .is_some_and(|s| s.kind == StepKind::Contact)
            })
            .count()
    };
    let Some(route) = found
        .routes
        .iter()
        .filter(|r| fits(r))
        .min_by_key(|r| (contact_count(r), r.steps.len()))
        .or_else(|| found.routes.iter().find(|r| no_emergency(r)))
        .or(found.routes.first())
    else {
        return Ok(());
    };
    let run = engine::start(session, library, reference, &template.id)?;
    let run_id: RecordId = run.run.id;
    let stop_at = if finish {
        route.steps.len()
    } else {
        route.steps.len() / 2
    };
    for id in route.steps.iter().take(stop_at) {
        let Some(step) = template.step(id) else {
            break;
        };
        let shaped = route
            .answers
            .iter()
            .find(|(s, _)| s == id)
            .map(|(_, a)| a.as_str());
        let answer = match (step.kind, shaped) {
            (_, Some("not done")) => Answer::NotDone {
                reason: "Not needed here: recorded in the chronology instead.".into(),
            },
            (StepKind::Question, Some("yes")) => Answer::Yes,
            (StepKind::Question, _) => Answer::No,
            (StepKind::Decision, chosen) => Answer::Chosen {
                option: chosen
                    .map(str::to_owned)
                    .or_else(|| step.options.first().map(|o| o.id.clone()))
                    .unwrap_or_default(),
                reason: "As recorded in the decision in the chronology, with its reasons.".into(),
            },
            (StepKind::Record, _) => Answer::Text {
                text: "Recorded as described to the DSL by the member of staff and the pupil; nothing was viewed.".into(),
            },
            (StepKind::Contact, _) => Answer::Contacted {
                at: None,
                person: "Duty officer".into(),
                outcome: "Advice given and followed, as in the chronology.".into(),
                reference: String::new(),
            },
            (StepKind::Confirm, _) => Answer::Done,
        };
        engine::answer(session, run_id, id, &answer, "")?;
    }
    if finish {
        engine::finish(session, run_id)?;
    }
    Ok(())
}
