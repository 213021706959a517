//! A signed referral of about ten pages: rendering (printpdf, embedded fonts), signing (lopdf
//! incremental update + CMS with ECDSA P-256) and recording it in the vault, end to end.
//! `cargo bench --bench referral`; figures in docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use chrono::{Duration, Utc};
use criterion::{criterion_group, criterion_main, Criterion};

use casebook::records::chronology::{self, EntryInput, EntryKind};
use casebook::records::incidents::{self, Category, FourC, IncidentInput, Risk, Status};
use casebook::referral::{self, Recipient};
use casebook::secret::Passphrase;
use casebook::vault::{MemoryStore, NewVault, Vault, VaultConfig};

fn referral_choices() -> referral::Choices {
    referral::Choices {
        reason: "A long-running concern; the threshold for a referral is met.".into(),
        asks: "Please consider a strategy discussion.".into(),
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let vault = Vault::new(
        tmp.path().join("vault"),
        VaultConfig::for_tests(Arc::new(MemoryStore::new())),
    );
    let p = Passphrase::new("lantern orbit mossy kettle");
    let (mut s, _) = vault
        .create(NewVault {
            organisation: "Quillbrook Heron Academy",
            dsl_name: "Siobhán Nguyễn",
            passphrase: &p,
            confirm: &p,
            demo: false,
        })
        .unwrap();
    let reference = incidents::create(
        &mut s,
        &IncidentInput {
            occurred_at: Some((Utc::now() - Duration::days(1)).into()),
            reported_at: Some((Utc::now() - Duration::hours(2)).into()),
            reported_by: "Form tutor".into(),
            category: Some(Category::SharingNudes),
            four_cs: vec![FourC::Conduct],
            summary: "A long-running concern, with many decisions.".into(),
            childs_words: String::new(),
            risk: Some(Risk::High),
            status: Status::Referred,
            outcome: String::new(),
            retention_until: None,
        },
        &[],
    )
    .unwrap()
    .reference;
    for i in 0..66 {
        chronology::add(
            &mut s,
            &reference,
            &EntryInput {
                kind: Some(EntryKind::Decision),
                text: format!("Decision {i}: keep monitoring and review with the pastoral team"),
                reason: "The young person is supported at home and in school; no new disclosure; the agencies agreed the plan and will be told of any change.".repeat(2),
                ..EntryInput::default()
            },
        )
        .unwrap();
    }
    // A referral names a way to reach its referrer.
    s.change_my_contact("01632 960123", "dsl@school.example.org")
        .unwrap();
    let issued =
        referral::issue(&mut s, &reference, Recipient::Police, &referral_choices()).unwrap();
    let pages = issued.pages;
    eprintln!(
        "referral of {pages} pages, {} bytes ({:.0} KB)",
        issued.pdf.len(),
        issued.pdf.len() as f64 / 1024.0
    );
    c.bench_function(&format!("signed referral ({pages} pages)"), |b| {
        b.iter(|| {
            referral::issue(&mut s, &reference, Recipient::Police, &referral_choices()).unwrap()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
