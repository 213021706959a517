//! The incident log at scale: 100 000 incidents and 1 000 000 chronology entries (by default),
//! on the SQLCipher vault and on plain SQLite with the same schema, in the same run.
//!
//! Measures full-text search, a child's chronology, a list page (plain and filtered) and the
//! insert of an incident (committed with `synchronous=FULL`, as the app does). Criterion prints
//! its usual estimates; a percentile pass then prints p50/p95 per query and the
//! encrypted/plain ratio as a Markdown table for docs/benchmarks.md.
//!
//! Run on purpose: `cargo bench --bench records`. Size: `CASEBOOK_BENCH_INCIDENTS` (entries
//! are 10 per incident). Fixtures are built once through the real write path (records, links,
//! search index, audit trail) and kept under target/bench-fixtures/.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Duration as Age, NaiveDate, Utc};
use criterion::{BatchSize, Criterion};
use rusqlite::Connection;

use casebook::demo::Rng;
use casebook::records::chronology::{self, EntryInput, EntryKind};
use casebook::records::incidents::{
    self, Category, FourC, IncidentInput, PersonLink, Risk, Role, Status,
};
use casebook::records::people::{self, PersonInput, PersonKind};
use casebook::records::search::{self, IncidentFilter};
use casebook::secret::Key32;
use casebook::vault::db;

const KEY: [u8; 32] = [7; 32];
const ENTRIES_PER_INCIDENT: u32 = 10;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Store {
    Encrypted,
    Plain,
}

impl Store {
    fn name(self) -> &'static str {
        match self {
            Store::Encrypted => "sqlcipher-hmac-sha256",
            Store::Plain => "plain",
        }
    }
}

fn open(store: Store, path: &Path) -> Connection {
    let mut conn = match store {
        Store::Encrypted => db::open(
            path,
            &Key32::from_bytes(KEY),
            db::CipherProfile::NEW_VAULTS,
            !path.exists(),
        )
        .unwrap(),
        Store::Plain => {
            // The same settings db::open applies, without the key.
            let c = Connection::open(path).unwrap();
            let _: String = c
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
                .unwrap();
            c.execute_batch(
                "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;
                 PRAGMA temp_store = MEMORY; PRAGMA cache_size = -65536;",
            )
            .unwrap();
            c
        }
    };
    db::migrate(&mut conn, path).unwrap();
    conn
}

/// Words that make the summaries searchable: a few common, many rare.
fn word(n: u64) -> String {
    format!("kestrel{:04}", n % 5000)
}

fn incident_input(rng: &mut Rng, n: u32, total: u32) -> IncidentInput {
    let now = Utc::now();
    let age = i64::from(total - n) * 5; // minutes: newest last
    IncidentInput {
        occurred_at: None,
        reported_at: now - Age::minutes(age + 10),
        reported_by: "Mr Okoro (form tutor)".into(),
        category: [Category::Cyberbullying, Category::SharingNudes, Category::OnlineHate][(rng.next_u64() % 3) as usize],
        four_cs: vec![FourC::Conduct],
        summary: format!(
            "A pupil reported messages in a group chat about another pupil; {} and {} were mentioned. Incident {n}.",
            word(rng.next_u64()),
            word(rng.next_u64())
        ),
        childs_words: "They keep adding me to groups just to say horrible things.".into(),
        risk: Risk::Medium,
        status: [Status::Open, Status::Referred, Status::Monitoring, Status::Closed][(rng.next_u64() % 4) as usize],
        outcome: "Resolved.".into(),
        retention_until: None,
    }
}

/// Builds (or reuses) a fixture of `incidents` incidents with 10 chronology entries each.
fn fixture(store: Store, incidents_wanted: u32) -> (PathBuf, Vec<u32>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-fixtures");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "{}-{}-v{}.db",
        store.name(),
        incidents_wanted,
        db::SCHEMA_VERSION
    ));
    let children = (incidents_wanted / 4).max(1);
    let ids: Vec<u32> = (1..=children).collect();
    if path.exists() {
        return (path, ids);
    }
    let tmp = path.with_extension("building");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
    }
    let started = Instant::now();
    let mut conn = open(store, &tmp);
    conn.execute_batch("PRAGMA synchronous = OFF").unwrap();
    conn.execute_batch(
        "INSERT INTO vault_meta (key, value) VALUES ('vault_id', 'bench');
         INSERT INTO organisation_versions VALUES (1, 'Bench School', 'Bench DSL', '2026-01-01T00:00:00Z', 'Bench DSL');",
    )
    .unwrap();
    let mut rng = Rng(42);
    let tx = conn.transaction().unwrap();
    for c in 0..children {
        people::create_in_tx(
            &tx,
            "Bench DSL",
            &PersonInput {
                kind: PersonKind::Child,
                full_name: format!("Child {c}"),
                date_of_birth: NaiveDate::from_ymd_opt(2011, 1 + (c % 12), 1 + (c % 28)),
                class_year: "Year 9".into(),
                send: false,
                looked_after: false,
                cp_plan: false,
            },
        )
        .unwrap();
    }
    tx.commit().unwrap();
    let mut n = 0;
    while n < incidents_wanted {
        let tx = conn.transaction().unwrap();
        for _ in 0..5_000.min(incidents_wanted - n) {
            let person = 1 + (rng.next_u64() % u64::from(children)) as u32;
            let links = [PersonLink {
                person_id: person,
                role: Role::Victim,
            }];
            let id = incidents::create_in_tx(
                &tx,
                "Bench DSL",
                &incident_input(&mut rng, n, incidents_wanted),
                &links,
            )
            .unwrap();
            let incident = incidents::get_by_id(&tx, id).unwrap();
            for e in 0..ENTRIES_PER_INCIDENT {
                let input = EntryInput {
                    kind: Some(if e % 3 == 0 {
                        EntryKind::Decision
                    } else {
                        EntryKind::Note
                    }),
                    occurred_at: Some(
                        Utc::now()
                            - Age::minutes(i64::from(incidents_wanted - n) * 5 - i64::from(e)),
                    ),
                    text: format!(
                        "Spoke with the pupil and parents about {}.",
                        word(rng.next_u64())
                    ),
                    reason: "No referral condition applies; support plan agreed.".into(),
                    ..EntryInput::default()
                };
                chronology::add_in_tx(&tx, &incident, &input, "Bench DSL").unwrap();
            }
            n += 1;
        }
        tx.commit().unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    conn.execute_batch("PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE)")
        .unwrap();
    drop(conn);
    std::fs::rename(&tmp, &path).unwrap();
    eprintln!("built {} in {:.0?}", path.display(), started.elapsed());
    (path, ids)
}

/// A measured query: connection, iteration (to vary arguments), number of children.
type Query = fn(&Connection, u64, u32);

/// The queries measured.
fn queries() -> Vec<(&'static str, Query)> {
    vec![
        ("search (rare word)", |c, i, _| {
            let f = IncidentFilter {
                text: word(i * 7919),
                ..IncidentFilter::default()
            };
            search::incidents(c, &f).unwrap();
        }),
        ("search (common words)", |c, _, _| {
            let f = IncidentFilter {
                text: "group chat".into(),
                ..IncidentFilter::default()
            };
            search::incidents(c, &f).unwrap();
        }),
        ("child's chronology", |c, i, children| {
            let person = 1 + (i * 104_729 % u64::from(children)) as u32;
            chronology::for_person(c, person, 50).unwrap();
        }),
        ("list page", |c, i, _| {
            let f = IncidentFilter {
                offset: Some((i % 20) as u32 * 50),
                ..IncidentFilter::default()
            };
            search::incidents(c, &f).unwrap();
        }),
        ("list, status filter", |c, _, _| {
            let f = IncidentFilter {
                status: Some(Status::Open),
                ..IncidentFilter::default()
            };
            search::incidents(c, &f).unwrap();
        }),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    let size: u32 = std::env::var("CASEBOOK_BENCH_INCIDENTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let stores = [Store::Encrypted, Store::Plain];
    let fixtures: Vec<(Store, PathBuf, u32)> = stores
        .iter()
        .map(|&s| {
            let (p, ids) = fixture(s, size);
            (s, p, ids.len() as u32)
        })
        .collect();

    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(50)
        .measurement_time(Duration::from_secs(4));
    for (store, path, children) in &fixtures {
        let conn = open(*store, path);
        let mut group = criterion.benchmark_group(format!("{}/{}", store.name(), size));
        for (name, q) in queries() {
            let mut i = 0u64;
            group.bench_function(name, |b| {
                b.iter(|| {
                    i += 1;
                    q(&conn, i, *children)
                })
            });
        }
        group.finish();
    }
    // Inserts change the fixture: they go to a copy.
    for (store, path, _) in &fixtures {
        let copy = path.with_extension("insert-copy");
        std::fs::copy(path, &copy).unwrap();
        let mut conn = open(*store, &copy);
        let mut rng = Rng(9);
        criterion.bench_function(
            &format!("{}/{}/insert incident (committed)", store.name(), size),
            |b| {
                b.iter_batched(
                    || incident_input(&mut rng, size, size + 1),
                    |input| {
                        let tx = conn.transaction().unwrap();
                        incidents::create_in_tx(
                            &tx,
                            "Bench DSL",
                            &input,
                            &[PersonLink {
                                person_id: 1,
                                role: Role::Victim,
                            }],
                        )
                        .unwrap();
                        tx.commit().unwrap();
                    },
                    BatchSize::SmallInput,
                )
            },
        );
        drop(conn);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
        }
    }
    criterion.final_summary();

    // Percentiles, and the encrypted/plain ratio, for the documentation.
    const RUNS: usize = 400;
    println!("\n| query ({size} incidents, {} chronology entries) | SQLCipher p50 | SQLCipher p95 | plain p50 | plain p95 | ratio (p50) |", u64::from(size) * u64::from(ENTRIES_PER_INCIDENT));
    println!("|---|---|---|---|---|---|");
    // One connection at a time, as in the app, each warmed before it is timed.
    let mut stats: Vec<Vec<(Duration, Duration)>> = vec![Vec::new(); queries().len()];
    for (store, path, children) in &fixtures {
        let conn = open(*store, path);
        for (q, (_, query)) in queries().into_iter().enumerate() {
            for i in 0..50 {
                query(&conn, i, *children);
            }
            let mut times: Vec<Duration> = (0..RUNS as u64)
                .map(|i| {
                    let t = Instant::now();
                    query(&conn, i, *children);
                    t.elapsed()
                })
                .collect();
            times.sort();
            stats[q].push((percentile(&times, 0.5), percentile(&times, 0.95)));
        }
    }
    for ((name, _), stats) in queries().into_iter().zip(stats) {
        let ms = |d: Duration| format!("{:.2} ms", d.as_secs_f64() * 1000.0);
        let ratio = stats[0].0.as_secs_f64() / stats[1].0.as_secs_f64().max(1e-9);
        println!(
            "| {name} | {} | {} | {} | {} | {ratio:.2}× |",
            ms(stats[0].0),
            ms(stats[0].1),
            ms(stats[1].0),
            ms(stats[1].1)
        );
    }
}
