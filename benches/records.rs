//! The incident log at scale: 100 000 incidents and 1 000 000 chronology entries (by default),
//! 25 000 children in families with 40 000 parents and carers, on the SQLCipher vault and on
//! plain SQLite with the same schema, in the same run.
//!
//! Measures full-text search, a child's chronology, a list page (plain and filtered), the Today
//! screen (and each of its queries), a child's page, person search by name, and the insert of
//! an incident (committed with `synchronous=FULL`, as the app does). Criterion prints its usual
//! estimates; a percentile pass then gives p50/p95 per query, and the parent process prints them
//! with the encrypted/plain ratio as a Markdown table for docs/benchmarks.md.
//!
//! Each store is measured in its own process, one after the other (the bench runs itself with
//! `CASEBOOK_BENCH_STORE` set), so that neither's page cache and heap are there while the
//! other is measured; the first process to finish does not warm anything for the second.
//!
//! Run on purpose: `cargo bench --bench records`. Size: `CASEBOOK_BENCH_INCIDENTS` (entries
//! are 10 per incident, children a quarter of the incidents, parents and carers 1.6 per child).
//! Fixtures are built once through the real write path (records, links, relationships, action
//! and answer follow-ups, search indexes, audit trail) and kept under target/bench-fixtures/,
//! named by schema and fixture version. When the schema has moved on and a fixture of the same
//! size and fixture version is there for an older schema, a copy of it is upgraded by the app's
//! own migrations instead (as a DSL's vault is when a new Casebook first opens it), which takes
//! seconds where a build takes a quarter of an hour.
//! The encrypted one is a real vault folder opened with its passphrase (a `Session`); the plain
//! twin has no `Session`, so the few writes that need one (relationships, action states, agency
//! answers) write the same rows there by the same SQL, and the Today screen is compared by
//! running the SQL of `today::today` on both (see [`today_sql`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Duration as Age, NaiveDate, Utc};
use criterion::{BatchSize, Criterion};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::json;

use casebook::audit::{self, Action};
use casebook::demo::Rng;
use casebook::records::actions::{self, ActionState, StateChange};
use casebook::records::answers::{self, AnswerEvent, AnswerInput};
use casebook::records::chronology::{self, EntryInput, EntryKind};
use casebook::records::incidents::{
    self, Category, FourC, IncidentInput, PersonLink, Risk, Role, Status,
};
use casebook::records::people::{
    self, AgencyInvolved, CpCategory, PersonDetails, PersonInput, PersonKind, SendSupport,
    ServiceKind, ServiceStatus, YearGroup,
};
use casebook::records::relationships::{
    self, ParentalResponsibility, RelationshipInput, RelationshipKind,
};
use casebook::records::search::{self, IncidentFilter};
use casebook::records::{person_file, retention, RecordId};
use casebook::secret::{Key32, Passphrase};
use casebook::vault::device::StoreUnavailable;
use casebook::vault::{db, DeviceSecretStore, NewVault, Session, Vault, VaultConfig};
use casebook::{settings, time, today, trends};

const ENTRIES_PER_INCIDENT: u32 = 10;
/// Part of every fixture's name: raise it whenever what a fixture holds changes, so that a stale
/// fixture is rebuilt rather than measured. 2: a vault folder; families, full details, actions
/// and agency answers around the day of the newest report, a few records past retention.
const FIXTURE_VERSION: u32 = 2;
const PASSPHRASE: &str = "lantern orbit mossy kettle";
const ACTOR: &str = "Bench DSL";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Store {
    Encrypted,
    Plain,
}

impl Store {
    /// In fixture names and criterion's.
    fn name(self) -> &'static str {
        match self {
            Store::Encrypted => "sqlcipher-hmac-sha256",
            Store::Plain => "plain",
        }
    }

    /// Its process's `CASEBOOK_BENCH_STORE`, and its percentiles file.
    fn label(self) -> &'static str {
        match self {
            Store::Encrypted => "sqlcipher",
            Store::Plain => "plain",
        }
    }
}

/// The device secret in plain files beside the vault (benchmarks only: the app keeps it in the
/// OS keyring), so that a fixture built in one run opens in the next.
struct FileStore(PathBuf);

impl FileStore {
    fn file(&self, id: &uuid::Uuid) -> PathBuf {
        PathBuf::from(format!("{}-{id}", self.0.display()))
    }
}

impl DeviceSecretStore for FileStore {
    fn get(&self, id: &uuid::Uuid) -> Result<Option<Key32>, StoreUnavailable> {
        match std::fs::read_to_string(self.file(id)) {
            Ok(s) => Ok(Key32::from_hex(s.trim())),
            Err(_) => Ok(None),
        }
    }
    fn put(&self, id: &uuid::Uuid, secret: &Key32) -> Result<(), StoreUnavailable> {
        std::fs::write(self.file(id), secret.to_hex().as_bytes())
            .map_err(|e| StoreUnavailable(e.to_string()))
    }
}

/// The vault in the fixture folder `dir`.
fn vault(dir: &Path) -> Vault {
    Vault::new(
        dir.join("vault"),
        VaultConfig::for_tests(Arc::new(FileStore(dir.join("device-secret")))),
    )
}

/// An open fixture: a vault session, or the plain twin's bare connection.
enum Db {
    Vault(Box<Session>),
    Bare(Connection),
}

impl Db {
    fn conn(&self) -> &Connection {
        match self {
            Db::Vault(s) => s.conn(),
            Db::Bare(c) => c,
        }
    }

    /// One committed transaction.
    fn write<T>(&mut self, f: impl FnOnce(&Connection) -> casebook::Result<T>) -> T {
        match self {
            Db::Vault(s) => s.with_tx(|tx| f(tx)).unwrap(),
            Db::Bare(c) => {
                let tx = c.transaction().unwrap();
                let value = f(&tx).unwrap();
                tx.commit().unwrap();
                value
            }
        }
    }

    /// `relationships::add`; on the plain twin, the rows it writes.
    fn relate(&mut self, input: &RelationshipInput) {
        if let Db::Vault(s) = self {
            relationships::add(s, input).unwrap();
            return;
        }
        self.write(|tx| {
            let now = Utc::now();
            tx.execute(
                "INSERT INTO relationships (person_id, other_id, kind, parental_responsibility,
                     label, recorded_at, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    input.person_id,
                    input.other_id,
                    input.kind.as_str(),
                    input.parental_responsibility.map(|p| p.as_str()),
                    input.label,
                    time::format(now),
                    ACTOR
                ],
            )?;
            let id = tx.last_insert_rowid() as RecordId;
            audit::append(
                tx,
                now,
                ACTOR,
                Action::RecordCreated,
                &relationships::subject(id),
                &json!({ "record": "relationship", "person": input.person_id, "other": input.other_id }),
            )?;
            Ok(())
        })
    }

    /// `actions::set_state`; on the plain twin, the rows it writes.
    fn set_state(&mut self, entry: RecordId, reference: &str, change: &StateChange) {
        if let Db::Vault(s) = self {
            actions::set_state(s, entry, change).unwrap();
            return;
        }
        self.write(|tx| {
            let now = Utc::now();
            tx.execute(
                "INSERT INTO action_states (entry_id, state, at, note, recorded_at, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?3, ?5)",
                params![entry, change.state, time::format(now), change.note, ACTOR],
            )?;
            audit::append(
                tx,
                now,
                ACTOR,
                Action::RecordAmended,
                reference,
                &json!({ "record": "action", "entry": entry, "state": change.state.as_str() }),
            )?;
            Ok(())
        })
    }

    /// `answers::record`; on the plain twin, the rows it writes.
    fn answer(&mut self, entry: RecordId, reference: &str, input: &AnswerInput) {
        if let Db::Vault(s) = self {
            answers::record(s, entry, input).unwrap();
            return;
        }
        self.write(|tx| {
            let now = Utc::now();
            tx.execute(
                "INSERT INTO agency_answers (entry_id, event, at, due, note, recorded_at, recorded_by)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?3, ?6)",
                params![
                    entry,
                    input.event,
                    time::format(now),
                    input.due.as_ref().and_then(casebook::time::Day::date).map(time::format_date),
                    input.note,
                    ACTOR
                ],
            )?;
            audit::append(
                tx,
                now,
                ACTOR,
                Action::RecordAmended,
                reference,
                &json!({ "record": "agency_answer", "entry": entry, "event": input.event.as_str() }),
            )?;
            Ok(())
        })
    }
}

/// Opens the plain twin with the settings `db::open` applies after the key (WAL, full syncs,
/// 64 MiB page cache…), and brings its schema up to date by the app's migrations.
fn open_plain(path: &Path) -> Connection {
    let mut c = Connection::open(path).unwrap();
    let _: String = c
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    c.execute_batch(
        "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536; PRAGMA busy_timeout = 5000;",
    )
    .unwrap();
    db::migrate(&mut c, path).unwrap();
    c
}

/// Opens a fixture as the app does: the vault with its passphrase (`Vault::unlock`, which
/// migrates an older schema), the plain twin by [`open_plain`].
fn open(store: Store, path: &Path) -> Db {
    match store {
        Store::Encrypted => Db::Vault(Box::new(
            vault(path)
                .unlock(&Passphrase::new(PASSPHRASE))
                .unwrap()
                .session,
        )),
        Store::Plain => Db::Bare(open_plain(path)),
    }
}

/// Makes an empty fixture.
fn create(store: Store, path: &Path) -> Db {
    match store {
        Store::Encrypted => {
            std::fs::create_dir_all(path).unwrap();
            let p = Passphrase::new(PASSPHRASE);
            let (session, _) = vault(path)
                .create(NewVault {
                    organisation: "Bench School",
                    dsl_name: ACTOR,
                    passphrase: &p,
                    confirm: &p,
                    demo: false,
                })
                .unwrap();
            Db::Vault(Box::new(session))
        }
        Store::Plain => {
            let conn = open_plain(path);
            conn.execute_batch(
                "INSERT INTO vault_meta (key, value) VALUES ('vault_id', 'bench');
                 INSERT INTO organisation_versions VALUES (1, 'Bench School', 'Bench DSL', '2026-01-01T00:00:00Z', 'Bench DSL');",
            )
            .unwrap();
            Db::Bare(conn)
        }
    }
}

fn remove(store: Store, path: &Path) {
    match store {
        Store::Encrypted => {
            let _ = std::fs::remove_dir_all(path);
        }
        Store::Plain => {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

/// Copies a fixture (in place of whatever was at `to`).
fn copy(store: Store, from: &Path, to: &Path) {
    remove(store, to);
    match store {
        Store::Encrypted => {
            std::fs::create_dir_all(to.join("vault")).unwrap();
            for (from, into) in [
                (from.to_owned(), to.to_owned()),
                (from.join("vault"), to.join("vault")),
            ] {
                for f in std::fs::read_dir(&from).unwrap() {
                    let f = f.unwrap();
                    if f.file_type().unwrap().is_file() {
                        std::fs::copy(f.path(), into.join(f.file_name())).unwrap();
                    }
                }
            }
        }
        Store::Plain => {
            std::fs::copy(from, to).unwrap();
        }
    }
}

/// Words that make the summaries searchable: a few common, many rare.
fn word(n: u64) -> String {
    format!("kestrel{:04}", n % 5000)
}

#[rustfmt::skip]
const CHILD_FIRST: &[&str] = &[
    "Amira", "Oliver", "Zoë", "Kacper", "Ava", "Mohammed", "Isla", "Theo", "Freya", "Yusuf",
    "Maya", "Leo", "Siobhán", "Ethan", "Chloé", "Arjun", "Grace", "Noah", "Aisha", "Jacob", "Lily",
    "Kofi", "Ruby", "Dylan", "Hana", "Oscar", "Sofia", "Reuben", "Ellie", "Tomasz", "Niamh",
    "Harvey", "Priya", "Alfie", "Mia", "Ibrahim", "Poppy", "Callum", "Layla", "Finley", "Evie",
    "Rhys", "Nadia", "Jayden", "Erin", "Kai", "Imogen", "Samuel", "Fatima", "Lewis", "Holly",
    "Bartek", "Jasmine", "Caleb", "Martha", "Ravi", "Orla", "Joseph", "Tia", "Aaron",
];
#[rustfmt::skip]
const ADULT_FIRST: &[&str] = &[
    "Sarah", "David", "Agnieszka", "Michael", "Fiona", "Imran", "Claire", "Paul", "Joanne",
    "Kwame", "Rebecca", "Andrew", "Nasreen", "Gareth", "Helen", "Tariq", "Louise", "Darren",
    "Anita", "Stephen", "Bernadette", "Mark", "Olena", "Wayne", "Gemma", "Rajesh", "Donna",
    "Piotr", "Shona", "Kevin", "Yetunde", "Craig", "Marie", "Hamid", "Lisa", "Graham", "Ngozi",
    "Simon", "Ewa", "Lee",
];
#[rustfmt::skip]
const LAST: &[&str] = &[
    "Okafor", "Smith", "Nguyễn", "Kowalski", "Patel", "Jones", "Ó Briain", "Williams", "Khan",
    "Taylor", "Brown", "Ahmed", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts",
    "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
    "Lewis", "Harris", "Clarke", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward",
    "Morris", "Moore", "Clark", "Lee", "King", "Baker", "Harrison", "Morgan", "Allen", "James",
    "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young", "Griffiths",
    "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw",
    "Murphy", "Miller", "Cox", "Richards", "Khalid", "Marshall", "Anderson", "Simpson", "Ellis",
    "Adams", "Singh", "Begum", "Wilkinson", "Foster", "Chapman", "Powell", "Webb", "Rogers",
    "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews", "Owen", "Palmer", "Holmes",
    "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens",
    "Jenkins", "Murray", "Dixon", "Harvey", "Graham", "Pearson", "Ahmad", "Fletcher", "Walsh",
    "Kaur", "Gibson", "Howard", "Andrews", "Stewart", "Elliott", "Reynolds", "Saunders", "Payne",
    "Fox", "Ford", "Pearce", "Day", "Brooks", "West", "Lawrence", "Cole", "Atkinson", "Bradley",
    "Spencer", "Gill", "Dawson", "Ball", "Burton", "O'Brien", "Watts", "Rose", "Booth", "Perry",
    "Ryan", "Grant", "Wells", "Armstrong", "Francis", "Rees", "Hayes", "Hart", "Hudson", "Newman",
    "Barrett", "Kennedy", "Lowe", "Müller", "Nowak", "Mensah", "Abubakar", "Popescu", "Rahman",
    "Osei", "Wiśniewski",
];
#[rustfmt::skip]
const LANGUAGES: &[&str] = &[
    "English", "English", "English", "English", "English", "English", "Polish", "Urdu", "Romanian",
    "Arabic", "Bengali", "Ukrainian",
];

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[(rng.next_u64() % items.len() as u64) as usize]
}

/// One household: child indices (0-based) and how many parents or carers.
struct Family {
    children: Vec<u32>,
    parents: u32,
}

/// A tenth of the children have a sibling in the school (two children, the same parents); 2 in
/// 9 families have one parent or carer recorded, the rest two. With 25 000 children: 22 500
/// families (2 500 with siblings) and exactly 40 000 parents and carers.
fn families(children: u32) -> Vec<Family> {
    let pairs = children / 10;
    let mut out = Vec::new();
    let mut next = 0;
    while next < children {
        let f = out.len() as u32;
        let n = if f < pairs && next + 2 <= children {
            2
        } else {
            1
        };
        out.push(Family {
            children: (next..next + n).collect(),
            parents: if f % 9 < 2 { 1 } else { 2 },
        });
        next += n;
    }
    out
}

fn child_input(rng: &mut Rng, c: u32, name: String, address: &str, language: &str) -> PersonInput {
    let today = Utc::now().date_naive();
    let ago = |days: u64| Some(today - Age::days(days as i64));
    let year = c % 5;
    let cp = |rng: &mut Rng| {
        Some(
            [
                CpCategory::Neglect,
                CpCategory::Emotional,
                CpCategory::Physical,
                CpCategory::Sexual,
                CpCategory::Multiple,
            ][(rng.next_u64() % 5) as usize],
        )
    };
    let status = |kind, start: Option<NaiveDate>, end: Option<NaiveDate>, category, lead: &str| {
        ServiceStatus {
            kind,
            start: start.map(Into::into),
            end: end.map(Into::into),
            category,
            lead: lead.into(),
        }
    };
    let mut statuses = Vec::new();
    match rng.next_u64() % 100 {
        0..=7 => statuses.push(status(
            ServiceKind::ChildInNeed,
            ago(30 + rng.next_u64() % 300),
            None,
            None,
            "Children's social care, Team 3",
        )),
        8..=10 => {
            let category = cp(rng);
            statuses.push(status(
                ServiceKind::ChildProtection,
                ago(20 + rng.next_u64() % 200),
                None,
                category,
                "Children's social care, Team 1",
            ));
        }
        11..=12 => statuses.push(status(
            ServiceKind::LookedAfter,
            ago(100 + rng.next_u64() % 900),
            None,
            None,
            "Virtual school",
        )),
        13..=19 => statuses.push(status(
            ServiceKind::EarlyHelp,
            ago(10 + rng.next_u64() % 200),
            None,
            None,
            "Mrs Achebe (family support worker)",
        )),
        20..=23 => {
            let category = cp(rng);
            statuses.push(status(
                ServiceKind::ChildProtection,
                ago(700),
                ago(300),
                category,
                "Children's social care, Team 1",
            ));
            statuses.push(status(
                ServiceKind::ChildInNeed,
                ago(299),
                ago(100),
                None,
                "Children's social care, Team 3",
            ));
        }
        24 => statuses.push(status(
            ServiceKind::YoungCarer,
            ago(400),
            None,
            None,
            "Young carers' service",
        )),
        _ => {}
    }
    let social = statuses.iter().any(|s| {
        s.end.is_none()
            && matches!(
                s.kind,
                ServiceKind::ChildInNeed | ServiceKind::ChildProtection | ServiceKind::LookedAfter
            )
    });
    let agencies = if social || c.is_multiple_of(7) {
        vec![
            AgencyInvolved {
                agency: "CAMHS".into(),
                contact: "0300 123 4567, duty clinician".into(),
            },
            AgencyInvolved {
                agency: "School nurse".into(),
                contact: "Health centre, 01632 960 123".into(),
            },
        ]
    } else {
        Vec::new()
    };
    PersonInput {
        kind: PersonKind::Child,
        full_name: name,
        date_of_birth: NaiveDate::from_ymd_opt(2014 - year as i32, 1 + (c % 12), 1 + (c % 28))
            .map(Into::into),
        class_year: format!("{}{}", 7 + year, ["A", "B", "C", "D"][(c % 4) as usize]),
        details: PersonDetails {
            other_names: if c.is_multiple_of(33) {
                vec![format!("{} (known as)", pick(rng, CHILD_FIRST))]
            } else {
                Vec::new()
            },
            gender: ["Female", "Male"][(c % 2) as usize].into(),
            ethnicity: "Not recorded".into(),
            address: address.into(),
            first_language: language.into(),
            year_group: Some(
                [
                    YearGroup::Year7,
                    YearGroup::Year8,
                    YearGroup::Year9,
                    YearGroup::Year10,
                    YearGroup::Year11,
                ][year as usize],
            ),
            send: Some(match rng.next_u64() % 10 {
                0 => SendSupport::Ehcp,
                1 | 2 => SendSupport::SenSupport,
                3..=8 => SendSupport::None,
                _ => SendSupport::NotRecorded,
            }),
            statuses,
            social_worker: if social {
                "Ms Adeyemi".into()
            } else {
                String::new()
            },
            social_worker_contact: if social {
                "01632 960 456, children's services".into()
            } else {
                String::new()
            },
            agencies,
            ..PersonDetails::default()
        },
        reason: String::new(),
    }
}

fn parent_input(rng: &mut Rng, name: String, address: &str, language: &str) -> PersonInput {
    PersonInput {
        kind: PersonKind::ParentCarer,
        full_name: name,
        date_of_birth: NaiveDate::from_ymd_opt(
            1975 + (rng.next_u64() % 18) as i32,
            1 + (rng.next_u64() % 12) as u32,
            1 + (rng.next_u64() % 28) as u32,
        )
        .map(Into::into),
        class_year: String::new(),
        details: PersonDetails {
            address: address.into(),
            phone: format!("07700 900{:03}", rng.next_u64() % 1000),
            first_language: language.into(),
            interpreter_needed: language != "English" && rng.next_u64().is_multiple_of(3),
            ..PersonDetails::default()
        },
        reason: String::new(),
    }
}

fn incident_input(rng: &mut Rng, n: u32, total: u32) -> IncidentInput {
    let now = Utc::now();
    let age = i64::from(total - n) * 5; // minutes: newest last
    IncidentInput {
        occurred_at: None,
        reported_at: Some((now - Age::minutes(age + 10)).into()),
        reported_by: "Mr Okoro (form tutor)".into(),
        category: Some([Category::Cyberbullying, Category::SharingNudes, Category::OnlineHate][(rng.next_u64() % 3) as usize]),
        four_cs: vec![FourC::Conduct],
        summary: format!(
            "A pupil reported messages in a group chat about another pupil; {} and {} were mentioned. Incident {n}.",
            word(rng.next_u64()),
            word(rng.next_u64())
        ),
        childs_words: "They keep adding me to groups just to say horrible things.".into(),
        risk: Some(Risk::Medium),
        status: [Status::Open, Status::Referred, Status::Monitoring, Status::Closed][(rng.next_u64() % 4) as usize],
        outcome: "Resolved.".into(),
        retention_until: None,
    }
}

/// Where the fixture of `size` incidents and of schema `schema` is kept.
fn fixture_path(store: Store, size: u32, schema: i64) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(format!(
        "{}-{size}-s{schema}-f{FIXTURE_VERSION}{}",
        store.name(),
        if store == Store::Plain { ".db" } else { "" }
    ))
}

/// The fixture of `size` incidents with 10 chronology entries each, of the current schema:
/// reused, upgraded from an older schema's, or built.
fn fixture(store: Store, size: u32) -> PathBuf {
    let path = fixture_path(store, size, db::SCHEMA_VERSION);
    if path.exists() {
        return path;
    }
    let older = (1..db::SCHEMA_VERSION)
        .rev()
        .map(|schema| fixture_path(store, size, schema))
        .find(|p| p.exists());
    match older {
        Some(older) => upgrade(store, &older, &path),
        None => build(store, size, &path),
    }
    path
}

/// Upgrades a copy of an older schema's fixture to `path`: opened as the app opens it, which
/// runs the app's migrations (on the vault through `Vault::unlock`), so what is measured is
/// what a DSL's vault becomes after an upgrade.
fn upgrade(store: Store, older: &Path, path: &Path) {
    let tmp = path.with_extension("building");
    let started = Instant::now();
    copy(store, older, &tmp);
    let db = open(store, &tmp);
    let conn = db.conn();
    add_missing_indexes(conn);
    // Today's derived tables (schema 13: rebuilt from the records by its migration, kept by
    // triggers since) hold one row for every dated action and every contact expecting an
    // answer. (The fixture never amends an entry, so each action's one version is its latest.)
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let heads = (
        count("SELECT count(*) FROM action_heads"),
        count("SELECT count(*) FROM answer_heads"),
    );
    assert!(
        heads.0 > 0 && heads.1 > 0,
        "derived tables empty: {heads:?}"
    );
    assert_eq!(
        heads,
        (
            count(
                "SELECT count(DISTINCT entry_id) FROM chronology_versions
                 WHERE kind = 'action' AND action_due IS NOT NULL"
            ),
            count("SELECT count(DISTINCT entry_id) FROM agency_answers"),
        ),
        "derived tables do not match the records"
    );
    let open = (
        count("SELECT count(*) FROM action_heads WHERE state = 'open'"),
        count("SELECT count(*) FROM answer_heads WHERE last_event <> 'answered'"),
    );
    // Finished as a build is, so that the planner has the same statistics.
    conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(db);
    std::fs::rename(&tmp, path).unwrap();
    eprintln!(
        "upgraded a copy of {} to schema {} by the app's migrations in {:.0?}: {} action heads \
         ({} open), {} answer heads ({} waiting) -> {}",
        older.display(),
        db::SCHEMA_VERSION,
        started.elapsed(),
        heads.0,
        open.0,
        heads.1,
        open.1,
        path.display()
    );
}

/// Creates the indexes a new database of the current schema has and an upgraded fixture
/// lacks, and refuses any other difference. A migration not yet released may still gain an
/// index after a fixture was built by it (schema 12 gained `audit_log_by_action` so); a vault
/// that went through the released migration has the index, so the fixture must too.
fn add_missing_indexes(conn: &Connection) {
    let schema = |c: &Connection| -> BTreeMap<String, (String, Option<String>)> {
        let mut stmt = c
            .prepare("SELECT name, type, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    let mut new = Connection::open_in_memory().unwrap();
    db::migrate(&mut new, Path::new(":memory:")).unwrap();
    let new = schema(&new);
    let mut found = schema(conn);
    for (name, (kind, sql)) in &new {
        if kind == "index" && !found.contains_key(name) {
            let sql = sql.as_deref().unwrap();
            conn.execute_batch(sql).unwrap();
            eprintln!("the fixture's schema lacked an index a new vault has; created: {sql}");
            found.insert(name.clone(), (kind.clone(), Some(sql.to_owned())));
        }
    }
    assert!(
        found == new,
        "the upgraded fixture's schema differs from a new vault's: {:?}",
        found
            .iter()
            .filter(|(name, def)| new.get(*name) != Some(def))
            .map(|(name, _)| name)
            .chain(new.keys().filter(|name| !found.contains_key(*name)))
            .collect::<Vec<_>>()
    );
}

/// Builds the fixture at `path` through the real write path.
fn build(store: Store, size: u32, path: &Path) {
    let tmp = path.with_extension("building");
    remove(store, &tmp);
    let started = Instant::now();
    let mut db = create(store, &tmp);
    db.conn().execute_batch("PRAGMA synchronous = OFF").unwrap();
    let checkpoint = |db: &Db| {
        db.conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap()
    };
    let today = Utc::now().date_naive();
    let mut rng = Rng(42);

    // Children (ids 1..=children, as the incidents below assume), then their parents.
    let children = (size / 4).max(1);
    let families = families(children);
    let mut child_ids = vec![0; children as usize];
    let mut parent_ids: Vec<Vec<RecordId>> = Vec::with_capacity(families.len());
    db.write(|tx| {
        let mut homes = Vec::with_capacity(families.len());
        for (f, family) in families.iter().enumerate() {
            let surname = pick(&mut rng, LAST);
            let address = format!("{} {} Road, Bench Town", 1 + f % 200, pick(&mut rng, LAST));
            let language = pick(&mut rng, LANGUAGES);
            for &c in &family.children {
                let name = format!("{} {surname}", pick(&mut rng, CHILD_FIRST));
                let input = child_input(&mut rng, c, name, &address, language);
                child_ids[c as usize] = people::create_in_tx(tx, ACTOR, &input)?;
            }
            homes.push((surname, address, language));
        }
        for (family, (surname, address, language)) in families.iter().zip(homes) {
            let mut ids = Vec::new();
            for p in 0..family.parents {
                // A second parent or carer often has another surname.
                let surname = if p == 1 && rng.next_u64().is_multiple_of(4) {
                    pick(&mut rng, LAST)
                } else {
                    surname
                };
                let name = format!("{} {surname}", pick(&mut rng, ADULT_FIRST));
                let input = parent_input(&mut rng, name, &address, language);
                ids.push(people::create_in_tx(tx, ACTOR, &input)?);
            }
            parent_ids.push(ids);
        }
        Ok(())
    });
    assert_eq!(child_ids.first(), Some(&1));
    // Each relationship through relationships::add, one change each, as the DSL records them.
    for (family, parents) in families.iter().zip(&parent_ids) {
        for &parent in parents {
            for &c in &family.children {
                db.relate(&RelationshipInput {
                    person_id: parent,
                    other_id: child_ids[c as usize],
                    kind: RelationshipKind::ParentCarerOf,
                    parental_responsibility: Some(if rng.next_u64().is_multiple_of(4) {
                        ParentalResponsibility::NotKnown
                    } else {
                        ParentalResponsibility::Yes
                    }),
                    label: String::new(),
                });
            }
        }
        if let [a, b] = family.children[..] {
            db.relate(&RelationshipInput {
                person_id: child_ids[a as usize],
                other_id: child_ids[b as usize],
                kind: RelationshipKind::SiblingOf,
                parental_responsibility: None,
                label: String::new(),
            });
        }
        if family.children[0] % 5_000 == 0 {
            checkpoint(&db);
        }
    }
    checkpoint(&db);

    // Incidents, each with 10 chronology entries: every other one an action (due 1-28 days
    // after it was set), every fourth a contact with an agency expecting an answer in 1-4 days.
    let mut actions = Vec::new();
    let mut contacts = Vec::new();
    let mut n = 0;
    while n < size {
        db.write(|tx| {
            for _ in 0..5_000.min(size - n) {
                let person = 1 + (rng.next_u64() % u64::from(children)) as u32;
                let links = [PersonLink {
                    person_id: person,
                    role: Role::Victim,
                }];
                let mut input = incident_input(&mut rng, n, size);
                if n % 2_000 == 999 {
                    // A few records whose retention date has passed: the review list on Today.
                    input.retention_until = Some(today - Age::days(10 + i64::from(n % 50)));
                }
                let id = incidents::create_in_tx(tx, ACTOR, &input, &links)?;
                let incident = incidents::get_by_id(tx, id)?;
                for e in 0..ENTRIES_PER_INCIDENT {
                    let at = Utc::now() - Age::minutes(i64::from(size - n) * 5 - i64::from(e));
                    let mut input = EntryInput {
                        kind: Some(if e % 3 == 0 {
                            EntryKind::Decision
                        } else {
                            EntryKind::Note
                        }),
                        occurred_at: Some(at.into()),
                        text: format!(
                            "Spoke with the pupil and parents about {}.",
                            word(rng.next_u64())
                        ),
                        reason: "No referral condition applies; support plan agreed.".into(),
                        ..EntryInput::default()
                    };
                    let due = at.date_naive() + Age::days(1 + (rng.next_u64() % 28) as i64);
                    if e == 1 && n % 2 == 0 {
                        input.kind = Some(EntryKind::Action);
                        input.text = format!(
                            "Check in with the pupil and review the plan ({}).",
                            word(rng.next_u64())
                        );
                        input.reason = String::new();
                        input.action_owner = "Mrs Patel (head of year)".into();
                        input.action_due = Some(due.into());
                    } else if e == 2 && n % 4 == 1 {
                        input.kind = Some(EntryKind::AgencyContact);
                        input.text = format!(
                            "Referral made by phone; written referral to follow ({}).",
                            word(rng.next_u64())
                        );
                        input.reason = String::new();
                        input.agency = pick(
                            &mut rng,
                            &["Children's social care (MASH)", "Police", "CAMHS", "LADO"],
                        )
                        .into();
                        input.agency_person = "Duty worker".into();
                        input.agency_reference = format!("REF-{n}");
                        input.answer_due = Some(
                            (at.date_naive() + Age::days(1 + (rng.next_u64() % 4) as i64)).into(),
                        );
                    }
                    let entry = chronology::add_in_tx(tx, &incident, &input, ACTOR)?;
                    let day = |d: &Option<casebook::time::Day>| {
                        d.as_ref().and_then(casebook::time::Day::date)
                    };
                    match (day(&input.action_due), day(&input.answer_due)) {
                        (Some(due), _) => actions.push((entry, incident.reference.clone(), due)),
                        (_, Some(due)) => contacts.push((entry, incident.reference.clone(), due)),
                        _ => {}
                    }
                }
                n += 1;
            }
            Ok(())
        });
        checkpoint(&db);
    }

    // Follow-ups, one change each: most actions long past their date are done, some forgotten;
    // most agencies answered; some were chased (and a chase past its date is due to escalate).
    let mut rng = Rng(7);
    for (k, (entry, reference, due)) in actions.iter().enumerate() {
        let late = (today - *due).num_days();
        let done = match late {
            15.. => 96,
            1..=14 => 60,
            _ => 10,
        };
        if rng.next_u64() % 100 < done {
            let (state, note) = if k % 8 == 0 {
                (
                    ActionState::NotNeeded,
                    "The family moved; no longer needed.",
                )
            } else {
                (ActionState::Done, "Done: met the pupil, plan reviewed.")
            };
            db.set_state(
                *entry,
                reference,
                &StateChange {
                    state,
                    at: None,
                    note: note.into(),
                },
            );
        }
        if k % 5_000 == 4_999 {
            checkpoint(&db);
        }
    }
    for (k, (entry, reference, due)) in contacts.iter().enumerate() {
        let late = (today - *due).num_days();
        let roll = rng.next_u64() % 100;
        let (answered, chased) = match late {
            15.. => (94, 97),
            1..=14 => (50, 70),
            _ => (10, 10),
        };
        if roll < answered {
            db.answer(
                *entry,
                reference,
                &AnswerInput {
                    event: AnswerEvent::Answered,
                    at: None,
                    due: None,
                    note: "Acknowledged; the case was allocated.".into(),
                },
            );
        } else if roll < chased {
            db.answer(
                *entry,
                reference,
                &AnswerInput {
                    event: AnswerEvent::Chased,
                    at: None,
                    due: Some((*due + Age::days(7)).into()),
                    note: "Phoned the duty desk; they will call back.".into(),
                },
            );
        }
        if k % 5_000 == 4_999 {
            checkpoint(&db);
        }
    }
    db.conn()
        .execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(db);
    std::fs::rename(&tmp, path).unwrap();
    eprintln!(
        "built {} in {:.0?} ({} parents and carers, {} actions, {} agency contacts)",
        path.display(),
        started.elapsed(),
        parent_ids.iter().map(Vec::len).sum::<usize>(),
        actions.len(),
        contacts.len()
    );
}

/// What the queries pick from, read back from the fixture.
struct Ctx {
    children: Vec<RecordId>,
    /// "<first name> <first three letters of the surname>", as a DSL types it.
    name_searches: Vec<String>,
    /// The day of the newest report: "today" for the fixture, whenever it is measured.
    today: NaiveDate,
}

fn context(conn: &Connection) -> Ctx {
    let mut stmt = conn
        .prepare(
            "SELECT person_id, full_name FROM person_versions WHERE kind = 'child' ORDER BY person_id",
        )
        .unwrap();
    let rows: Vec<(RecordId, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let newest: String = conn
        .query_row("SELECT max(reported_at) FROM incident_heads", [], |r| {
            r.get(0)
        })
        .unwrap();
    Ctx {
        children: rows.iter().map(|(id, _)| *id).collect(),
        name_searches: rows
            .iter()
            .map(|(_, name)| {
                let first = name.split_whitespace().next().unwrap();
                let last: String = name
                    .split_whitespace()
                    .last()
                    .unwrap()
                    .chars()
                    .take(3)
                    .collect();
                format!("{first} {last}")
            })
            .collect(),
        today: time::parse(&newest).unwrap().date_naive(),
    }
}

/// The parts of Today, as [`today_sql`] runs them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TodayPart {
    All,
    Actions,
    Answers,
    Retention,
    Backup,
}

/// The SQL `today::today` runs (src/today.rs, `retention::due_limited` and
/// `Session::backup_reminder`), for a connection without a `Session`: the plain twin cannot be
/// opened as a vault. Keep in step with today.rs. Only the checklist titles are not parsed (the
/// fixture has no checklist runs). Returns the number of items found.
fn today_sql(conn: &Connection, date: NaiveDate, part: TodayPart) -> usize {
    let until = date + Age::days(today::AHEAD_DAYS);
    let run = |p: TodayPart| part == TodayPart::All || part == p;
    let mut items = 0;
    if run(TodayPart::Actions) {
        // Overdue, due today and coming up, each a list of its own.
        let actions = |from: Option<NaiveDate>, to: NaiveDate| {
            let mut stmt = conn
                .prepare_cached(
                    "SELECT h.entry_id, i.reference, v.text, v.action_owner, h.due
                     FROM action_heads h
                     JOIN chronology_versions v ON v.entry_id = h.entry_id
                      AND v.version = (SELECT max(version) FROM chronology_versions
                                       WHERE entry_id = h.entry_id)
                     JOIN chronology_entries e ON e.id = h.entry_id
                     JOIN incidents i ON i.id = e.incident_id
                     WHERE h.state = 'open' AND h.due >= ?1 AND h.due <= ?2
                     ORDER BY h.due, h.entry_id
                     LIMIT ?3",
                )
                .unwrap();
            let from = from.map_or_else(|| "0000-01-01".to_owned(), time::format_date);
            stmt.query_map(
                params![from, time::format_date(to), today::LIST_LIMIT],
                |r| {
                    Ok((
                        r.get::<_, RecordId>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        time::parse_date(&r.get::<_, String>(4)?).unwrap(),
                    ))
                },
            )
            .unwrap()
            .map(Result::unwrap)
            .count()
        };
        items += actions(None, date - Age::days(1))
            + actions(Some(date), date)
            + actions(Some(date + Age::days(1)), until);
    }
    if run(TodayPart::Answers) {
        let mut stmt = conn
            .prepare_cached(
                "SELECT h.entry_id, i.reference, v.agency, v.occurred_at, h.due, h.chases,
                        h.escalated
                 FROM answer_heads h
                 JOIN chronology_versions v ON v.entry_id = h.entry_id
                  AND v.version = (SELECT max(version) FROM chronology_versions
                                   WHERE entry_id = h.entry_id)
                 JOIN chronology_entries e ON e.id = h.entry_id
                 JOIN incidents i ON i.id = e.incident_id
                 WHERE h.last_event <> 'answered' AND h.due <= ?1
                 ORDER BY h.due, h.entry_id
                 LIMIT ?2",
            )
            .unwrap();
        items += stmt
            .query_map(params![time::format_date(until), today::LIST_LIMIT], |r| {
                Ok((
                    r.get::<_, RecordId>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    time::parse_date(&r.get::<_, String>(4)?).unwrap(),
                    r.get::<_, u32>(5)?,
                    r.get::<_, bool>(6)?,
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .count();
    }
    if part == TodayPart::All {
        let mut stmt = conn
            .prepare_cached(
                "SELECT r.id, i.reference, r.template_file, r.template_text, r.started_at, r.started_by
                 FROM checklist_runs r CROSS JOIN incidents i ON i.id = r.incident_id
                 WHERE NOT EXISTS (SELECT 1 FROM checklist_run_ends x WHERE x.run_id = r.id)
                 ORDER BY r.started_at DESC LIMIT ?1",
            )
            .unwrap();
        items += stmt
            .query_map([today::LIST_LIMIT], |r| r.get::<_, RecordId>(0))
            .unwrap()
            .map(Result::unwrap)
            .count();
    }
    if run(TodayPart::Retention) {
        items += retention::due_limited(conn, date, today::RETENTION_LIMIT)
            .unwrap()
            .len();
    }
    if run(TodayPart::Backup) {
        let _days = settings::backup_reminder_days(conn).unwrap();
        // Session::backup_reminder's query (Session::last_verified_backup).
        let last_backup: Option<String> = conn
            .query_row(
                "SELECT at FROM audit_log WHERE action = ?1 ORDER BY seq DESC LIMIT 1",
                [Action::BackupVerified.as_str()],
                |r| r.get(0),
            )
            .optional()
            .unwrap();
        items += usize::from(last_backup.is_none());
    }
    items
}

/// A measured query: fixture, iteration (to vary arguments), what to pick from.
type Query = fn(&Db, u64, &Ctx);

/// The Trends screen's work for the year up to the fixture's newest report (every incident of
/// the fixture, which spans about 350 days), beside the year before.
fn trends_report(conn: &Connection, today: NaiveDate) -> trends::publish::Report {
    let choice = trends::PeriodChoice {
        kind: Some(trends::PeriodKind::Dates),
        first: Some((today - Age::days(364)).into()),
        last: Some(today.into()),
    };
    let compared = trends::compare(conn, &choice, today).unwrap();
    assert!(compared.now.incidents > 0);
    trends::publish::publish("Bench School", &compared).unwrap()
}

fn trends_signer() -> trends::report_pdf::Signer {
    trends::report_pdf::Signer {
        name: "Ms Bench".into(),
        role: "Designated Safeguarding Lead".into(),
        organisation: "Bench School".into(),
        contact: "01632 960000".into(),
        at: Utc::now(),
        fingerprint: trends_identity().fingerprint(),
        audit_head: "entry 1".into(),
    }
}

/// One signing identity for the whole run, as a vault keeps one.
fn trends_identity() -> &'static casebook::referral::sign::Identity {
    static IDENTITY: std::sync::OnceLock<casebook::referral::sign::Identity> =
        std::sync::OnceLock::new();
    IDENTITY.get_or_init(|| {
        casebook::referral::sign::Identity::generate("Ms Bench", "Bench School", Utc::now())
            .unwrap()
    })
}

/// The queries measured, and whether the plain twin can run them too.
fn queries() -> Vec<(&'static str, Query, bool)> {
    vec![
        (
            "search (rare word)",
            |d, i, _| {
                let f = IncidentFilter {
                    text: word(i * 7919),
                    ..IncidentFilter::default()
                };
                search::incidents(d.conn(), &f).unwrap();
            },
            true,
        ),
        (
            "search (common words)",
            |d, _, _| {
                let f = IncidentFilter {
                    text: "group chat".into(),
                    ..IncidentFilter::default()
                };
                search::incidents(d.conn(), &f).unwrap();
            },
            true,
        ),
        (
            "child's chronology",
            |d, i, ctx| {
                let person = ctx.children[(i * 104_729 % ctx.children.len() as u64) as usize];
                chronology::for_person(d.conn(), person, 50).unwrap();
            },
            true,
        ),
        (
            "list page",
            |d, i, _| {
                let f = IncidentFilter {
                    offset: Some((i % 20) as u32 * 50),
                    ..IncidentFilter::default()
                };
                search::incidents(d.conn(), &f).unwrap();
            },
            true,
        ),
        (
            "list page with its total (incident_list)",
            |d, i, _| {
                let f = IncidentFilter {
                    offset: Some((i % 20) as u32 * 50),
                    ..IncidentFilter::default()
                };
                search::incident_list(d.conn(), &f).unwrap();
            },
            true,
        ),
        (
            "list, status filter",
            |d, _, _| {
                let f = IncidentFilter {
                    status: Some(Status::Open),
                    ..IncidentFilter::default()
                };
                search::incidents(d.conn(), &f).unwrap();
            },
            true,
        ),
        (
            "trends, a year (trends::compare + publish)",
            |d, _, ctx| {
                trends_report(d.conn(), ctx.today);
            },
            true,
        ),
        (
            "trends, this school year (trends::compare + publish)",
            |d, _, ctx| {
                let choice = trends::PeriodChoice {
                    kind: Some(trends::PeriodKind::ThisSchoolYear),
                    ..Default::default()
                };
                let compared = trends::compare(d.conn(), &choice, ctx.today).unwrap();
                trends::publish::publish("Bench School", &compared).unwrap();
            },
            true,
        ),
        (
            "trends report PDF, drawn",
            |d, _, ctx| {
                let report = trends_report(d.conn(), ctx.today);
                trends::report_pdf::render(&report, &trends_signer(), false).unwrap();
            },
            true,
        ),
        (
            "trends report PDF, drawn and signed",
            |d, _, ctx| {
                let report = trends_report(d.conn(), ctx.today);
                let signer = trends_signer();
                let drawn = trends::report_pdf::render(&report, &signer, false).unwrap();
                let a = drawn.signature;
                casebook::referral::sign::sign_pdf(
                    drawn.pdf,
                    trends_identity(),
                    &signer.name,
                    "Online safety trends",
                    signer.at,
                    a.page,
                    [a.x, a.y, a.x + a.width, a.y + a.height],
                )
                .unwrap();
            },
            false,
        ),
        (
            "Today (today::today)",
            |d, _, ctx| match d {
                Db::Vault(s) => {
                    today::today(s, ctx.today).unwrap();
                }
                Db::Bare(_) => unreachable!("the plain twin has no session"),
            },
            false,
        ),
        (
            "Today's SQL",
            |d, _, ctx| {
                today_sql(d.conn(), ctx.today, TodayPart::All);
            },
            true,
        ),
        (
            "… due actions",
            |d, _, ctx| {
                today_sql(d.conn(), ctx.today, TodayPart::Actions);
            },
            true,
        ),
        (
            "… awaited answers",
            |d, _, ctx| {
                today_sql(d.conn(), ctx.today, TodayPart::Answers);
            },
            true,
        ),
        (
            "… retention review",
            |d, _, ctx| {
                today_sql(d.conn(), ctx.today, TodayPart::Retention);
            },
            true,
        ),
        (
            "… last verified backup",
            |d, _, ctx| {
                today_sql(d.conn(), ctx.today, TodayPart::Backup);
            },
            true,
        ),
        (
            "child's page",
            |d, i, ctx| {
                let person = ctx.children[(i * 7_919 % ctx.children.len() as u64) as usize];
                person_file::get(d.conn(), person, person_file::PAGE_CHRONOLOGY).unwrap();
            },
            true,
        ),
        (
            "person search",
            |d, i, ctx| {
                let text =
                    &ctx.name_searches[(i * 104_729 % ctx.name_searches.len() as u64) as usize];
                people::search(d.conn(), text, 20).unwrap();
            },
            true,
        ),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Checks that the fixture holds what the queries are meant to find.
fn check_fixture(db: &Db, ctx: &Ctx) {
    let file = person_file::get(db.conn(), ctx.children[0], person_file::PAGE_CHRONOLOGY).unwrap();
    assert!(file.household.iter().any(|r| r.is_parent), "no parents");
    let found = people::search(db.conn(), &ctx.name_searches[0], 20).unwrap();
    assert!(
        found.iter().any(|p| p.id == ctx.children[0]),
        "name not found"
    );
    assert!(
        today_sql(db.conn(), ctx.today, TodayPart::Actions) > 0,
        "no action due"
    );
    assert!(
        today_sql(db.conn(), ctx.today, TodayPart::Answers) > 0,
        "no answer awaited"
    );
    assert!(
        today_sql(db.conn(), ctx.today, TodayPart::Retention) > 0,
        "no review due"
    );
}

fn percentiles_file(store: Store, size: u32) -> PathBuf {
    fixture_path(store, size, db::SCHEMA_VERSION)
        .with_file_name(format!("percentiles-{}-{size}.tsv", store.label()))
}

/// The percentile pass on one open fixture, each query warmed before it is timed; written to a
/// file for the parent process's table.
fn percentile_pass(db: &Db, store: Store, size: u32) {
    let ctx = context(db.conn());
    let mut out = String::new();
    for (name, query, both) in queries() {
        if !both && matches!(db, Db::Bare(_)) {
            continue;
        }
        // 400 runs after 50 warm-up runs; a query slower than 20 ms gets 60 runs after 10.
        let t = Instant::now();
        for i in 0..10 {
            query(db, i, &ctx);
        }
        let slow = t.elapsed() > Duration::from_millis(200);
        if !slow {
            for i in 10..50 {
                query(db, i, &ctx);
            }
        }
        let runs: u64 = if slow { 60 } else { 400 };
        let mut times: Vec<Duration> = (0..runs)
            .map(|i| {
                let t = Instant::now();
                query(db, i, &ctx);
                t.elapsed()
            })
            .collect();
        times.sort();
        out.push_str(&format!(
            "{name}\t{}\t{}\t{runs}\n",
            percentile(&times, 0.5).as_nanos(),
            percentile(&times, 0.95).as_nanos()
        ));
    }
    std::fs::write(percentiles_file(store, size), out).unwrap();
}

/// Everything measured on one store, in this process.
/// On a copy of the vault fixture: the statistics refresh at lock, adding a member (a key file
/// write) and removing one (a rekey: the whole database copied and re-encrypted under a new
/// key). One run each: what the DSL waits for is that one figure. Skipped with
/// `CASEBOOK_BENCH_REKEY=0` (for a run filtered to a few queries).
fn time_upkeep(path: &Path, size: u32) {
    let scratch = path.with_extension("rekey-copy");
    copy(Store::Encrypted, path, &scratch);
    let Db::Vault(mut session) = open(Store::Encrypted, &scratch) else {
        unreachable!("the encrypted fixture opens as a vault")
    };
    let bytes = std::fs::metadata(scratch.join("vault").join("casebook.vault"))
        .map(|m| m.len())
        .unwrap_or(0);
    // What `Session::lock` runs before closing: `PRAGMA optimize`, first on a vault without
    // statistics (a DSL's first lock after the upgrade that brought it), then with them.
    session
        .conn()
        .execute_batch("DELETE FROM sqlite_stat1; ANALYZE sqlite_schema;")
        .unwrap();
    let started = Instant::now();
    session.conn().execute_batch("PRAGMA optimize;").unwrap();
    let first_optimize = started.elapsed();
    let started = Instant::now();
    session.conn().execute_batch("PRAGMA optimize;").unwrap();
    let next_optimize = started.elapsed();
    let passphrase = Passphrase::new("copper meadow lantern drifts");
    let code = casebook::vault::RecoveryCode::generate().unwrap();
    let started = Instant::now();
    let member = session
        .add_member(&casebook::vault::members::AddMember {
            name: "Bench Deputy",
            role: casebook::vault::members::MemberRole::Deputy,
            role_title: "",
            passphrase: &passphrase,
            confirm: &passphrase,
            recovery_code: &code,
        })
        .unwrap();
    let added = started.elapsed();
    let started = Instant::now();
    session.remove_member(member.id, "bench").unwrap();
    let removed = started.elapsed();
    drop(session);
    remove(Store::Encrypted, &scratch);
    println!(
        "upkeep at {size} incidents ({:.2} GB vault): PRAGMA optimize at lock {first_optimize:.2?} \
         without statistics, {next_optimize:.2?} with them; add a member {added:.2?}, remove a \
         member (rekey) {removed:.2?}",
        bytes as f64 / 1e9
    );
}

/// The median and slowest of `runs` timings of `f`.
fn timed(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut all: Vec<Duration> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .collect();
    all.sort();
    (all[runs / 2], all[runs - 1])
}

/// A child protection file transfer at the fixture's size (issue 18): a child with 40
/// incidents and 800 chronology entries added to a copy of the vault, then their signed PDF,
/// their encrypted, signed package, and importing it (into the same copy, as another school's
/// file) timed end to end.
fn time_transfer(path: &Path, size: u32) {
    use casebook::disclosure::transfer::{self as xfer, AttachTo, PackageFor};
    use casebook::records::sharing::{Article6, Article9};
    use casebook::records::transfers::{self, Move, OtherChildren, TransferInput, TransferMethod};
    let scratch = path.with_extension("transfer-copy");
    copy(Store::Encrypted, path, &scratch);
    let Db::Vault(mut s) = open(Store::Encrypted, &scratch) else {
        unreachable!("the encrypted fixture opens as a vault")
    };
    let mut rng = Rng(18);
    let child = s
        .with_tx(|tx| {
            people::create_in_tx(
                tx,
                ACTOR,
                &child_input(
                    &mut rng,
                    1,
                    "Bench Transferred Child".into(),
                    "1 Bench Road",
                    "English",
                ),
            )
        })
        .unwrap();
    for n in 0..40 {
        let input = incident_input(&mut rng, n, 40);
        let id = s
            .with_tx(|tx| {
                incidents::create_in_tx(
                    tx,
                    ACTOR,
                    &input,
                    &[PersonLink {
                        person_id: child,
                        role: Role::Victim,
                    }],
                )
            })
            .unwrap();
        let reference: String = s
            .conn()
            .query_row("SELECT reference FROM incidents WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        for e in 0..20 {
            chronology::add(
                &mut s,
                &reference,
                &EntryInput {
                    kind: Some(if e % 4 == 0 {
                        EntryKind::Decision
                    } else {
                        EntryKind::Note
                    }),
                    text: (0..40)
                        .map(|w| word(u64::from(n * 1000 + e * 50 + w)))
                        .collect::<Vec<_>>()
                        .join(" "),
                    reason: "Bench reason for the decision, as a DSL would write it.".into(),
                    ..EntryInput::default()
                },
            )
            .unwrap();
        }
    }
    s.change_my_contact("01632 960123", "dsl@bench.example.org")
        .unwrap();
    // One transfer for each package: a package is imported once (by its transfer's id).
    let start = |s: &mut Session| {
        transfers::start(
            s,
            &TransferInput {
                person_id: child,
                destination: "Bench College".into(),
                destination_dsl: "Bench Receiver".into(),
                destination_contact: "01632 960555".into(),
                move_kind: Move::InYear,
                moved_on: Some(casebook::time::uk_date(Utc::now()).into()),
                method: TransferMethod::Package,
                other_children: OtherChildren::ByRole,
                article6: Article6::PublicTask,
                article9: Article9::Safeguarding,
                reason: transfers::DEFAULT_REASON.into(),
            },
        )
        .unwrap()
        .id
    };
    let ids: Vec<RecordId> = (0..7).map(|_| start(&mut s)).collect();
    let t = ids[0];
    let key = xfer::receiving_key(&mut s).unwrap();
    let mut pdf_bytes = 0;
    let pdf = timed(7, || {
        pdf_bytes = xfer::make_pdf(&mut s, t, |_| Ok(())).unwrap().bytes.len();
    });
    let dir = tempfile::tempdir().unwrap();
    let mut packages = Vec::new();
    let package = timed(7, || {
        let path = dir
            .path()
            .join(format!("{}.casebook-transfer", packages.len()));
        xfer::make_package(
            &mut s,
            ids[packages.len()],
            &PackageFor::Key(key.clone()),
            |b| std::fs::write(&path, b).map_err(|e| casebook::Error::io(&path, e)),
        )
        .unwrap();
        packages.push(path);
    });
    let package_bytes = std::fs::metadata(&packages[0])
        .map(|m| m.len())
        .unwrap_or(0);
    let mut next = packages.iter();
    let import = timed(7, || {
        let path = next.next().unwrap();
        xfer::import_package(&mut s, path, None, &AttachTo::Existing(child), true).unwrap();
    });
    drop(s);
    remove(Store::Encrypted, &scratch);
    println!(
        "transfer at {size} incidents (a child in 40 incidents, 800 entries): signed PDF \
         {:.0?} median, {:.0?} slowest ({pdf_bytes} bytes); encrypted signed package {:.0?} / \
         {:.0?} ({package_bytes} bytes); import {:.0?} / {:.0?} (7 runs each)",
        pdf.0, pdf.1, package.0, package.1, import.0, import.1
    );
}

fn run_store(store: Store, size: u32) {
    let path = fixture(store, size);
    // CASEBOOK_BENCH_ONLY=transfer (with CASEBOOK_BENCH_STORE=sqlcipher): the transfer alone.
    if std::env::var("CASEBOOK_BENCH_ONLY").as_deref() == Ok("transfer") {
        return time_transfer(&path, size);
    }
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(50)
        .measurement_time(Duration::from_secs(4));
    {
        let db = open(store, &path);
        let ctx = context(db.conn());
        check_fixture(&db, &ctx);
        let mut group = criterion.benchmark_group(format!("{}/{}", store.name(), size));
        for (name, q, both) in queries() {
            if !both && store == Store::Plain {
                continue;
            }
            let mut i = 0u64;
            group.bench_function(name, |b| {
                b.iter(|| {
                    i += 1;
                    q(&db, i, &ctx)
                })
            });
        }
        group.finish();
    }
    // Inserts change the fixture: they go to a copy.
    {
        let scratch = path.with_extension("insert-copy");
        copy(store, &path, &scratch);
        let mut db = open(store, &scratch);
        let mut rng = Rng(9);
        criterion.bench_function(
            &format!("{}/{}/insert incident (committed)", store.name(), size),
            |b| {
                b.iter_batched(
                    || incident_input(&mut rng, size, size + 1),
                    |input| {
                        db.write(|tx| {
                            incidents::create_in_tx(
                                tx,
                                ACTOR,
                                &input,
                                &[PersonLink {
                                    person_id: 1,
                                    role: Role::Victim,
                                }],
                            )
                        });
                    },
                    BatchSize::SmallInput,
                )
            },
        );
        drop(db);
        remove(store, &scratch);
    }
    criterion.final_summary();
    percentile_pass(&open(store, &path), store, size);
    if store == Store::Encrypted {
        time_transfer(&path, size);
    }
    // Last: a rekey writes a gigabyte, whose write-back would slow the queries measured after it.
    if store == Store::Encrypted && std::env::var("CASEBOOK_BENCH_REKEY").as_deref() != Ok("0") {
        time_upkeep(&path, size);
    }
}

fn read_percentiles(store: Store, size: u32) -> Vec<(String, Duration, Duration, u64)> {
    std::fs::read_to_string(percentiles_file(store, size))
        .unwrap()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let ns = |s: &str| Duration::from_nanos(s.parse().unwrap());
            (f[0].to_owned(), ns(f[1]), ns(f[2]), f[3].parse().unwrap())
        })
        .collect()
}

fn main() {
    let size: u32 = std::env::var("CASEBOOK_BENCH_INCIDENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let stores = [Store::Encrypted, Store::Plain];
    if let Ok(label) = std::env::var("CASEBOOK_BENCH_STORE") {
        let store = stores
            .into_iter()
            .find(|s| s.label() == label)
            .unwrap_or_else(|| panic!("CASEBOOK_BENCH_STORE={label}: sqlcipher or plain"));
        return run_store(store, size);
    }
    // Each store in its own process, the vault first (see the top of this file).
    for store in stores {
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(std::env::args_os().skip(1))
            .env("CASEBOOK_BENCH_STORE", store.label())
            .status()
            .unwrap();
        assert!(status.success(), "the {} run failed", store.label());
    }

    // Percentiles, and the encrypted/plain ratio, for the documentation.
    let enc = read_percentiles(Store::Encrypted, size);
    let plain = read_percentiles(Store::Plain, size);
    let find = |rows: &[(String, Duration, Duration, u64)], name: &str| {
        rows.iter().find(|r| r.0 == name).map(|r| (r.1, r.2, r.3))
    };
    let ms = |d: Option<Duration>| match d {
        Some(d) => format!("{:.2} ms", d.as_secs_f64() * 1000.0),
        None => "—".into(),
    };
    let ratio = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
        (Some(a), Some(b)) => format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64().max(1e-9)),
        _ => "—".into(),
    };
    println!(
        "\n| query ({size} incidents, {} chronology entries) | SQLCipher p50 | SQLCipher p95 | plain p50 | plain p95 | ratio (p50) | ratio (p95) |",
        u64::from(size) * u64::from(ENTRIES_PER_INCIDENT)
    );
    println!("|---|---|---|---|---|---|---|");
    for (name, _, _) in queries() {
        let e = find(&enc, name);
        let p = find(&plain, name);
        let runs = e.map_or(0, |e| e.2).min(p.map_or(u64::MAX, |p| p.2));
        println!(
            "| {name}{} | {} | {} | {} | {} | {} | {} |",
            if runs < 400 {
                format!(" ({runs} runs)")
            } else {
                String::new()
            },
            ms(e.map(|e| e.0)),
            ms(e.map(|e| e.1)),
            ms(p.map(|p| p.0)),
            ms(p.map(|p| p.1)),
            ratio(e.map(|e| e.0), p.map(|p| p.0)),
            ratio(e.map(|e| e.1), p.map(|p| p.1)),
        );
    }
}
