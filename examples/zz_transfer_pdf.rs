// throwaway: renders a demo transfer PDF for viewing
use casebook::vault::*;
use casebook::records::transfers::*;
use std::sync::Arc;
fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::new());
    let vault = Vault::new(tmp.path().join("v"), VaultConfig::for_tests(store));
    let p = casebook::secret::Passphrase::new("lantern orbit mossy kettle");
    let (mut s, _) = vault.create(NewVault { organisation: "Oakfield Academy", dsl_name: "Sam Hill", passphrase: &p, confirm: &p, demo: true }).unwrap();
    s.change_my_contact("01632 960123", "dsl@oakfield.example.org").unwrap();
    casebook::demo::fill(&mut s, 60, 11).unwrap();
    // the child in most incidents
    let id: u32 = s.conn().query_row("SELECT l.person_id FROM incident_people l JOIN people_search p ON p.rowid=l.person_id GROUP BY l.person_id ORDER BY count(*) DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    let by_role = std::env::args().nth(1).is_some();
    let t = start(&mut s, &TransferInput { person_id: id, destination: "Fernhill Community College".into(), destination_dsl: "Ms Priya Raman".into(), destination_contact: "01632 960555".into(), move_kind: Move::InYear, moved_on: Some(casebook::time::uk_date(chrono::Utc::now()).into()), method: TransferMethod::SecureEmail, other_children: if by_role { OtherChildren::ByRole } else { OtherChildren::Named }, article6: casebook::records::sharing::Article6::PublicTask, article9: casebook::records::sharing::Article9::Safeguarding, reason: DEFAULT_REASON.into() }).unwrap();
    let made = casebook::disclosure::transfer::make_pdf(&mut s, t.id, |b| { std::fs::write("/tmp/ex/transfer.pdf", b).unwrap(); Ok(()) }).unwrap();
    println!("{} bytes", made.bytes.len());
}
