//! The incident log: people, incidents, chronology, evidence, search and drafts. Each command
//! runs one core call on the open session.

use casebook::checklists::contacts::ContactKey;
use casebook::records::chronology::{self, Entry, EntryInput, EntryKind};
use casebook::records::drafts;
use casebook::records::evidence::{
    self, CustodyEvent, CustodyInput, CustodyKind, EvidenceInput, EvidenceNote,
};
use casebook::records::family::ConsentOutcome;
use casebook::records::incidents::{
    self, Category, FourC, Incident, IncidentInput, NewPersonLink, PersonLink, Risk, Role, Status,
};
use casebook::records::people::{
    self, CpCategory, EmploymentBasis, Person, PersonInput, PersonKind, SendSupport, ServiceKind,
    YearGroup,
};
use casebook::records::relationships::{ParentalResponsibility, RelationshipKind};
use casebook::records::search::{self, IncidentFilter, IncidentList};
use casebook::records::sharing::{Article6, Article9, SharedDetail, SharingMethod};
use casebook::records::subject_access::{Exemption, Requester};
use casebook::records::transfers::{
    Move, OtherChildren, ReceiptHow, TransferEventKind, TransferMethod, TransferState,
};
use casebook::referral::{HarmCriterion, Recipient, SendRoute, Sensitive};
use serde::Serialize;
use tauri::State;

use crate::error::CommandResult;
use crate::state::AppState;

/// A value and how it is written for people, for select boxes.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Choice<T> {
    pub value: T,
    pub label: String,
}

/// Every fixed list the screens show, with its labels: the UI never re-types one.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct Vocabulary {
    pub categories: Vec<Choice<Category>>,
    pub four_cs: Vec<Choice<FourC>>,
    pub risks: Vec<Choice<Risk>>,
    pub statuses: Vec<Choice<Status>>,
    pub roles: Vec<Choice<Role>>,
    pub person_kinds: Vec<Choice<PersonKind>>,
    pub entry_kinds: Vec<Choice<EntryKind>>,
    pub custody_kinds: Vec<Choice<CustodyKind>>,
    pub contact_keys: Vec<Choice<ContactKey>>,
    pub recipients: Vec<Choice<Recipient>>,
    pub year_groups: Vec<Choice<YearGroup>>,
    pub send_support: Vec<Choice<SendSupport>>,
    pub service_kinds: Vec<Choice<ServiceKind>>,
    pub cp_categories: Vec<Choice<CpCategory>>,
    pub employment_bases: Vec<Choice<EmploymentBasis>>,
    pub relationship_kinds: Vec<Choice<RelationshipKind>>,
    pub parental_responsibility: Vec<Choice<ParentalResponsibility>>,
    pub consent_outcomes: Vec<Choice<ConsentOutcome>>,
    pub sharing_methods: Vec<Choice<SharingMethod>>,
    pub shared_details: Vec<Choice<SharedDetail>>,
    pub article6: Vec<Choice<Article6>>,
    pub article9: Vec<Choice<Article9>>,
    pub send_routes: Vec<Choice<SendRoute>>,
    pub harm_criteria: Vec<Choice<HarmCriterion>>,
    pub sensitive_details: Vec<Choice<Sensitive>>,
    pub moves: Vec<Choice<Move>>,
    pub transfer_methods: Vec<Choice<TransferMethod>>,
    pub other_children: Vec<Choice<OtherChildren>>,
    pub receipt_hows: Vec<Choice<ReceiptHow>>,
    pub transfer_states: Vec<Choice<TransferState>>,
    pub transfer_events: Vec<Choice<TransferEventKind>>,
    pub requesters: Vec<Choice<Requester>>,
    pub exemptions: Vec<Choice<Exemption>>,
}

fn choices<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> Vec<Choice<T>> {
    all.iter()
        .map(|v| Choice {
            value: *v,
            label: label(*v).to_owned(),
        })
        .collect()
}

#[tauri::command]
#[specta::specta]
pub async fn vocabulary() -> CommandResult<Vocabulary> {
    Ok(Vocabulary {
        categories: choices(Category::ALL, Category::label),
        four_cs: choices(FourC::ALL, FourC::label),
        risks: choices(Risk::ALL, Risk::label),
        statuses: choices(Status::ALL, Status::label),
        roles: choices(Role::ALL, Role::label),
        person_kinds: choices(PersonKind::ALL, PersonKind::label),
        entry_kinds: choices(EntryKind::ALL, EntryKind::label),
        custody_kinds: choices(CustodyKind::ALL, CustodyKind::label),
        contact_keys: choices(ContactKey::ALL, ContactKey::label),
        recipients: choices(Recipient::ALL, Recipient::choice_label),
        year_groups: choices(YearGroup::ALL, YearGroup::label),
        send_support: choices(SendSupport::ALL, SendSupport::label),
        service_kinds: choices(ServiceKind::ALL, ServiceKind::label),
        cp_categories: choices(CpCategory::ALL, CpCategory::label),
        employment_bases: choices(EmploymentBasis::ALL, EmploymentBasis::label),
        relationship_kinds: choices(RelationshipKind::ALL, RelationshipKind::label),
        parental_responsibility: choices(
            ParentalResponsibility::ALL,
            ParentalResponsibility::label,
        ),
        consent_outcomes: choices(ConsentOutcome::ALL, ConsentOutcome::label),
        sharing_methods: choices(SharingMethod::ALL, SharingMethod::label),
        shared_details: choices(SharedDetail::ALL, SharedDetail::label),
        article6: choices(Article6::ALL, Article6::label),
        article9: choices(Article9::ALL, Article9::label),
        send_routes: choices(SendRoute::ALL, SendRoute::label),
        harm_criteria: choices(HarmCriterion::ALL, HarmCriterion::label),
        sensitive_details: choices(Sensitive::ALL, Sensitive::label),
        moves: choices(Move::ALL, Move::label),
        transfer_methods: choices(TransferMethod::ALL, TransferMethod::label),
        other_children: choices(OtherChildren::ALL, OtherChildren::label),
        receipt_hows: choices(ReceiptHow::ALL, ReceiptHow::label),
        transfer_states: choices(TransferState::ALL, TransferState::label),
        transfer_events: choices(TransferEventKind::ALL, TransferEventKind::label),
        requesters: choices(Requester::ALL, Requester::label),
        exemptions: choices(Exemption::ALL, Exemption::label),
    })
}

#[tauri::command]
#[specta::specta]
pub async fn list_incidents(
    state: State<'_, AppState>,
    filter: IncidentFilter,
) -> CommandResult<IncidentList> {
    state.with_session(|s| Ok(search::incident_list(s.conn(), &filter)?))
}

/// Everything on an incident's page.
#[derive(Debug, Clone, Serialize, specta::Type)]
pub struct IncidentPage {
    pub incident: Incident,
    pub chronology: Vec<Entry>,
    pub evidence: Vec<EvidenceNote>,
    /// Earlier versions, oldest first (the current one is `incident`).
    pub history: Vec<Incident>,
}

pub(crate) fn page(s: &casebook::vault::Session, reference: &str) -> CommandResult<IncidentPage> {
    let mut history = incidents::history(s.conn(), reference)?;
    let incident = history.pop().ok_or_else(|| casebook::Error::NotFound {
        what: format!("Incident {reference}"),
    })?;
    Ok(IncidentPage {
        chronology: chronology::for_incident(s.conn(), reference)?,
        evidence: evidence::for_incident(s.conn(), reference)?,
        incident,
        history,
    })
}

#[tauri::command]
#[specta::specta]
pub async fn incident_page(
    state: State<'_, AppState>,
    reference: String,
) -> CommandResult<IncidentPage> {
    state.with_session(|s| page(s, &reference))
}

#[tauri::command]
#[specta::specta]
pub async fn create_incident(
    state: State<'_, AppState>,
    input: IncidentInput,
    people: Vec<PersonLink>,
    new_people: Vec<NewPersonLink>,
) -> CommandResult<Incident> {
    state.with_session(|s| {
        let created = incidents::create_with_new_people(s, &input, &people, &new_people)?;
        // The incident is saved: a draft that could not be removed must not turn that into an
        // error (the DSL would save it twice). At worst the old draft is offered again.
        let _ = drafts::discard(s, "new-incident");
        Ok(created)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn amend_incident(
    state: State<'_, AppState>,
    reference: String,
    input: IncidentInput,
) -> CommandResult<IncidentPage> {
    state.with_session(|s| {
        incidents::amend(s, &reference, &input)?;
        page(s, &reference)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn link_person(
    state: State<'_, AppState>,
    reference: String,
    link: PersonLink,
) -> CommandResult<IncidentPage> {
    state.with_session(|s| {
        incidents::link_person(s, &reference, link)?;
        page(s, &reference)
    })
}

/// Removes a person from an incident in one role (an event kept in its history).
#[tauri::command]
#[specta::specta]
pub async fn unlink_person(
    state: State<'_, AppState>,
    reference: String,
    link: PersonLink,
) -> CommandResult<IncidentPage> {
    state.with_session(|s| {
        incidents::unlink_person(s, &reference, link)?;
        page(s, &reference)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn add_chronology_entry(
    state: State<'_, AppState>,
    reference: String,
    input: EntryInput,
) -> CommandResult<IncidentPage> {
    state.with_session(|s| {
        chronology::add(s, &reference, &input)?;
        page(s, &reference)
    })
}

/// Records a 999 call made from a checklist's immediate-risk panel (the core writes the entry).
#[tauri::command]
#[specta::specta]
pub async fn record_emergency_call(
    state: State<'_, AppState>,
    reference: String,
    note: String,
) -> CommandResult<Entry> {
    state.with_session(|s| Ok(chronology::record_emergency_call(s, &reference, &note)?))
}

#[tauri::command]
#[specta::specta]
pub async fn add_evidence_note(
    state: State<'_, AppState>,
    reference: String,
    input: EvidenceInput,
) -> CommandResult<IncidentPage> {
    state.with_session(|s| {
        evidence::add(s, &reference, &input)?;
        page(s, &reference)
    })
}

#[tauri::command]
#[specta::specta]
pub async fn record_custody_event(
    state: State<'_, AppState>,
    note_id: casebook::records::RecordId,
    input: CustodyInput,
) -> CommandResult<CustodyEvent> {
    state.with_session(|s| Ok(evidence::record_custody(s, note_id, &input)?))
}

#[tauri::command]
#[specta::specta]
pub async fn list_people(state: State<'_, AppState>) -> CommandResult<Vec<Person>> {
    state.with_session(|s| Ok(people::list(s.conn())?))
}

#[tauri::command]
#[specta::specta]
pub async fn create_person(
    state: State<'_, AppState>,
    input: PersonInput,
) -> CommandResult<Person> {
    state.with_session(|s| Ok(people::create(s, &input)?))
}

#[tauri::command]
#[specta::specta]
pub async fn amend_person(
    state: State<'_, AppState>,
    person_id: casebook::records::RecordId,
    input: PersonInput,
) -> CommandResult<Person> {
    state.with_session(|s| Ok(people::amend(s, person_id, &input)?))
}

#[tauri::command]
#[specta::specta]
pub async fn save_draft(
    state: State<'_, AppState>,
    form: String,
    body: String,
) -> CommandResult<()> {
    state.with_session(|s| Ok(drafts::save(s, &form, &body)?))
}

#[tauri::command]
#[specta::specta]
pub async fn load_draft(state: State<'_, AppState>, form: String) -> CommandResult<Option<String>> {
    state.with_session(|s| Ok(drafts::load(s, &form)?))
}

#[tauri::command]
#[specta::specta]
pub async fn discard_draft(state: State<'_, AppState>, form: String) -> CommandResult<()> {
    state.with_session(|s| Ok(drafts::discard(s, &form)?))
}

/// Asks where to save, then writes incident `reference`'s record as a PDF (to print for a
/// strategy meeting or a paper file). `None` when the DSL cancelled the dialog.
#[tauri::command]
#[specta::specta]
pub async fn save_incident_pdf(
    window: tauri::Window,
    state: State<'_, AppState>,
    reference: String,
) -> CommandResult<Option<String>> {
    // The reference only: no name of a child in a recent-files list.
    let suggested = format!("Casebook incident {reference}.pdf");
    crate::files::save_record_pdf(
        &window,
        &state,
        &suggested,
        &reference,
        "incident_pdf",
        |s| {
            let file = casebook::incident_pdf::read(s, &reference)?;
            let org = casebook::organisation::current(s.conn())?;
            let demo = casebook::organisation::is_demo(s.conn())?;
            Ok(casebook::incident_pdf::render(
                &file,
                &org.name,
                demo,
                chrono::Utc::now(),
            )?)
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use casebook::records::incidents::{Category, IncidentInput, Risk, Status};

    use crate::state::testing::open_state;

    /// What `create_incident` runs, with a form that has three bad fields: the UI receives all
    /// three at once, each under its stable key, with the sentence to show beside it.
    #[test]
    fn a_form_with_three_bad_fields_gets_three_field_errors_by_key() {
        let (state, _tmp) = open_state();
        let input = IncidentInput {
            occurred_at: None,
            reported_at: Some(chrono::Utc::now().into()),
            reported_by: "   ".into(),
            category: Some(Category::Cyberbullying),
            four_cs: vec![],
            summary: String::new(),
            childs_words: "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==".into(),
            risk: Some(Risk::Medium),
            status: Status::Open,
            outcome: String::new(),
            retention_until: None,
        };
        let error = state
            .with_session(|s| Ok(casebook::records::incidents::create(s, &input, &[])?))
            .unwrap_err();
        let sent = serde_json::to_value(&error).unwrap();
        assert_eq!(sent["code"], "image_refused", "{sent}");
        let fields = sent["fields"].as_array().unwrap();
        let keys: Vec<&str> = fields.iter().filter_map(|f| f["field"].as_str()).collect();
        assert_eq!(keys, ["reported_by", "summary", "childs_words"], "{sent}");
        for f in fields {
            let beside = f["message"].as_str().unwrap();
            assert!(sent["message"].as_str().unwrap().contains(beside), "{sent}");
        }
        assert!(fields[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("Reported by: "));
        assert_eq!(fields[2]["image"], true);
        // Nothing was saved.
        let listed = state
            .with_session(|s| {
                Ok(casebook::records::search::incidents(
                    s.conn(),
                    &Default::default(),
                )?)
            })
            .unwrap();
        assert!(listed.is_empty());
    }
}

/// What is due today (the laptop's local date): the first screen after unlocking.
#[tauri::command]
#[specta::specta]
pub async fn today(state: State<'_, AppState>) -> CommandResult<casebook::today::Today> {
    let date = chrono::Local::now().date_naive();
    state.with_session(|s| Ok(casebook::today::today(s, date)?))
}

/// Records that an action was done, is no longer needed, or is open again.
#[tauri::command]
#[specta::specta]
pub async fn set_action_state(
    state: State<'_, AppState>,
    entry_id: u32,
    change: casebook::records::actions::StateChange,
) -> CommandResult<casebook::records::actions::ActionStatus> {
    state.with_session(|s| Ok(casebook::records::actions::set_state(s, entry_id, &change)?))
}

/// People whose name matches the words typed, folded for case and accents.
#[tauri::command]
#[specta::specta]
pub async fn search_people(state: State<'_, AppState>, text: String) -> CommandResult<Vec<Person>> {
    state.with_session(|s| Ok(people::search(s.conn(), &text, 200)?))
}

/// Records an answer expected, a chase, an escalation or the answer received for a contact
/// with an agency.
#[tauri::command]
#[specta::specta]
pub async fn record_agency_answer(
    state: State<'_, AppState>,
    entry_id: u32,
    input: casebook::records::answers::AnswerInput,
) -> CommandResult<casebook::records::answers::Waiting> {
    state.with_session(|s| Ok(casebook::records::answers::record(s, entry_id, &input)?))
}

/// The date to expect an agency's answer by, for a contact made on `contacted`: the next
/// working day (weekends, bank holidays in England and Wales, and the organisation's closure
/// days skipped).
#[tauri::command]
#[specta::specta]
pub async fn default_answer_due(
    state: State<'_, AppState>,
    contacted: Option<casebook::time::Moment>,
) -> CommandResult<chrono::NaiveDate> {
    // The contact's UK date; today when it is "now" or not yet a date (saving reports that).
    let contacted = contacted
        .as_ref()
        .and_then(casebook::time::Moment::uk_date)
        .unwrap_or_else(|| casebook::time::uk_date(chrono::Utc::now()));
    state.with_session(|s| {
        let closed = casebook::records::local_practice::closed_days(s.conn())?;
        Ok(casebook::records::answers::default_due(contacted, &closed))
    })
}
