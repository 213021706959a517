//! Helpers shared by the integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod referrals;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use casebook::secret::Passphrase;
use casebook::vault::{
    LockReason, MemoryStore, NewVault, RecoveryCode, Session, Vault, VaultConfig,
};

pub const PASSPHRASE: &str = "lantern orbit mossy kettle";
pub const ORG: &str = "Quillbrook Heron Academy 7f3c";
pub const DSL: &str = "Siobhán Nguyễn";

/// A vault config on a memory keyring (one "computer"), with cheap KDF and no delays.
pub fn config(store: Arc<MemoryStore>) -> VaultConfig {
    VaultConfig::for_tests(store)
}

/// A plausible incident to build on: `IncidentInput { status: …, ..incident_input("…") }`.
pub fn incident_input(summary: &str) -> casebook::records::incidents::IncidentInput {
    use casebook::records::incidents::{Category, FourC, IncidentInput, Risk, Status};
    use chrono::{Duration, Utc};
    IncidentInput {
        occurred_at: Some((Utc::now() - Duration::hours(3)).into()),
        reported_at: Some((Utc::now() - Duration::hours(1)).into()),
        reported_by: "Mr Okafor (form tutor)".into(),
        category: Some(Category::SharingNudes),
        four_cs: vec![FourC::Conduct, FourC::Contact],
        summary: summary.into(),
        childs_words: String::new(),
        risk: Some(Risk::High),
        status: Status::Open,
        outcome: String::new(),
        retention_until: None,
    }
}

pub struct Fixture {
    pub tmp: tempfile::TempDir,
    pub store: Arc<MemoryStore>,
    pub vault: Vault,
    pub recovery: RecoveryCode,
}

impl Fixture {
    pub fn dir(&self) -> PathBuf {
        self.vault.paths().dir().to_path_buf()
    }
    pub fn unlock(&self) -> Session {
        self.vault.unlock(&p(PASSPHRASE)).unwrap().session
    }
}

pub fn p(s: &str) -> Passphrase {
    Passphrase::new(s)
}

/// A new vault, created and locked again.
pub fn new_vault() -> Fixture {
    new_vault_with(|c| c)
}

pub fn new_vault_with(adjust: impl FnOnce(VaultConfig) -> VaultConfig) -> Fixture {
    make_vault(false, adjust)
}

/// A demo vault (the only kind `demo::fill` writes into).
#[allow(dead_code)]
pub fn new_demo_vault() -> Fixture {
    make_vault(true, |c| c)
}

fn make_vault(demo: bool, adjust: impl FnOnce(VaultConfig) -> VaultConfig) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::new());
    let vault = Vault::new(tmp.path().join("vault"), adjust(config(store.clone())));
    let (session, recovery) = vault
        .create(NewVault {
            organisation: ORG,
            dsl_name: DSL,
            passphrase: &p(PASSPHRASE),
            confirm: &p(PASSPHRASE),
            demo,
        })
        .unwrap();
    session.lock(LockReason::Exit).unwrap();
    Fixture {
        tmp,
        store,
        vault,
        recovery,
    }
}

/// Every file in a folder (recursively) with its bytes.
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Whether `needle` occurs in any file under `dir`, as UTF-8 or UTF-16 (either byte order).
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let forms: Vec<Vec<u8>> = vec![
        needle.as_bytes().to_vec(),
        needle
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect(),
        needle
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect(),
    ];
    snapshot(dir)
        .into_iter()
        .filter(|(_, bytes)| {
            forms
                .iter()
                .any(|f| bytes.windows(f.len()).any(|w| w == f.as_slice()))
        })
        .map(|(p, _)| p)
        .collect()
}

/// The derived tables Today reads (`action_heads`, `answer_heads`, schema 13) hold exactly what
/// the records say, computed here the slow way from every version, state and event.
pub fn assert_heads_match_records(conn: &rusqlite::Connection) {
    let rows = |sql: &str| -> Vec<String> {
        let mut stmt = conn.prepare(sql).expect("query");
        let rows = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .expect("rows")
            .collect::<rusqlite::Result<Vec<_>>>()
            .expect("row");
        rows
    };
    let derived =
        rows("SELECT entry_id || ' ' || due || ' ' || state FROM action_heads ORDER BY entry_id");
    let from_records = rows(
        "SELECT v.entry_id || ' ' || v.action_due || ' ' ||
                coalesce((SELECT state FROM action_states s WHERE s.entry_id = v.entry_id
                          ORDER BY s.id DESC LIMIT 1), 'open')
         FROM chronology_versions v
         WHERE v.kind = 'action' AND v.action_due IS NOT NULL
           AND v.version = (SELECT max(version) FROM chronology_versions
                            WHERE entry_id = v.entry_id)
         ORDER BY v.entry_id",
    );
    assert_eq!(
        derived, from_records,
        "action_heads differ from the records"
    );
    let derived = rows(
        "SELECT entry_id || ' ' || last_event || ' ' || coalesce(due, '-') || ' ' || chases
                || ' ' || escalated
         FROM answer_heads ORDER BY entry_id",
    );
    let from_records = rows(
        "SELECT a.entry_id || ' ' || a.event || ' ' || coalesce(a.due, '-') || ' ' ||
                (SELECT count(*) FROM agency_answers c
                 WHERE c.entry_id = a.entry_id AND c.event = 'chased') || ' ' ||
                EXISTS (SELECT 1 FROM agency_answers c
                        WHERE c.entry_id = a.entry_id AND c.event = 'escalated')
         FROM agency_answers a
         WHERE a.id = (SELECT max(id) FROM agency_answers WHERE entry_id = a.entry_id)
         ORDER BY a.entry_id",
    );
    assert_eq!(
        derived, from_records,
        "answer_heads differ from the records"
    );
}

/// Gives this session's member a way to be reached (a referral is refused without one), once.
#[allow(dead_code)]
pub fn reachable(s: &mut Session) {
    let me = s.current_member().unwrap();
    if me.phone.is_empty() && me.secure_email.is_empty() {
        s.change_my_contact("01632 960123", "dsl@school.example.org")
            .unwrap();
    }
}

/// What a referrer says for a test referral: why, and what is asked (both required).
#[allow(dead_code)]
pub fn referral_choices() -> casebook::referral::Choices {
    casebook::referral::Choices {
        reason: "Sextortion of a child by an adult online; the threshold for a referral is met."
            .into(),
        asks: "Please consider a strategy discussion and advise on the device.".into(),
        parents_know: Some(true),
        where_child_is: "At school, with her form tutor; safe there.".into(),
        consent: Some(casebook::records::family::ConsentOutcome::Given),
        consent_by: "Ann Smith, the child's mother".into(),
        adult: casebook::referral::AboutTheAdult {
            harm_criteria: vec![casebook::referral::HarmCriterion::Harmed],
            adult_knows: Some(false),
            adult_knows_note: "The LADO advises who tells them.".into(),
            previous_concerns: "None known.".into(),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// The heads the Trends screen reads (schema 16) say what the records say: each entry's current
/// kind and time, each incident's current 4 Cs.
#[allow(dead_code)]
pub fn trends_heads_match_records(conn: &rusqlite::Connection) {
    let rows = |sql: &str| -> Vec<(i64, i64, String, String)> {
        let mut stmt = conn.prepare(sql).unwrap();
        let found = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap();
        found
    };
    let heads =
        rows("SELECT entry_id, incident_id, kind, occurred_at FROM entry_heads ORDER BY entry_id");
    let records = rows(
        "SELECT v.entry_id, e.incident_id, v.kind, v.occurred_at
         FROM chronology_versions v JOIN chronology_entries e ON e.id = v.entry_id
         WHERE v.version = (SELECT max(version) FROM chronology_versions WHERE entry_id = v.entry_id)
         ORDER BY v.entry_id",
    );
    assert_eq!(heads, records);
    let stale: i64 = conn
        .query_row(
            "SELECT count(*) FROM incident_heads h JOIN incident_versions v
               ON v.incident_id = h.incident_id AND v.version = h.version
             WHERE v.four_cs <> h.four_cs",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stale, 0);
}
