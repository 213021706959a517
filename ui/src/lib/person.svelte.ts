// A person's details as a form edits them: every field present, so inputs can bind to them.
import type { Person_Serialize as Person, PersonDetails_Serialize, PersonInput_Serialize, PersonKind } from "./bindings";

export type PersonDraft = PersonInput_Serialize;

export function emptyDetails(): PersonDetails_Serialize {
  return {
    other_names: [], gender: "", ethnicity: "", address: "", phone: "", secure_email: "",
    first_language: "", interpreter_needed: false, communication_needs: "", year_group: null,
    send: null, statuses: [], social_worker: "", social_worker_contact: "", agencies: [],
    employment: { role: "", employer: "", basis: null, agency: "", start_date: null },
  };
}

export function blankPerson(kind: PersonKind, full_name = ""): PersonDraft {
  return { kind, full_name, date_of_birth: null, class_year: "", details: emptyDetails(), reason: "" };
}

/** A draft of a new version of `p` (a deep copy: the page's copy is not touched). */
export function draftOf(p: Person): PersonDraft {
  return {
    kind: p.kind,
    full_name: p.full_name,
    date_of_birth: p.date_of_birth ?? null,
    class_year: p.class_year ?? "",
    details: structuredClone($state.snapshot(p.details)) as PersonDetails_Serialize,
    reason: "",
  };
}
