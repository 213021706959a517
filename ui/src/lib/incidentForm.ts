// The incident's fields as the forms hold them (times as typed or "now", category possibly not
// chosen yet), shared by the new-incident form and the edit form, and how they become the
// core's input. The core checks every field, and reports every problem at once.
import type { Category, FourC, Incident, IncidentInput_Deserialize, Moment, Risk, Status } from "./bindings";
import { momentInput } from "./format";

export type IncidentForm = {
  /** null: now (when it is saved). */
  reported_at: Moment | null;
  /** null: not known. */
  occurred_at: Moment | null;
  reported_by: string;
  category: Category | null;
  four_cs: FourC[];
  summary: string;
  childs_words: string;
  risk: Risk | null;
  status: Status;
  outcome: string;
};

export function blankIncidentForm(): IncidentForm {
  return {
    reported_at: null, occurred_at: null, reported_by: "", category: null, four_cs: [],
    summary: "", childs_words: "", risk: null, status: "open", outcome: "",
  };
}

/** The form for editing an incident's current version (its stored times sent back unchanged
 * unless the DSL changes them). */
export function incidentFormOf(i: Incident): IncidentForm {
  return {
    reported_at: i.reported_at, occurred_at: i.occurred_at ?? null, reported_by: i.reported_by,
    category: i.category, four_cs: [...i.four_cs], summary: i.summary, childs_words: i.childs_words,
    risk: i.risk, status: i.status, outcome: i.outcome,
  };
}

/** The core's input for the form. */
export function incidentInput(form: IncidentForm, retentionUntil: string | null): IncidentInput_Deserialize {
  return {
    occurred_at: momentInput(form.occurred_at), reported_at: momentInput(form.reported_at),
    reported_by: form.reported_by, category: form.category, four_cs: form.four_cs, summary: form.summary,
    childs_words: form.childs_words, risk: form.risk, status: form.status, outcome: form.outcome,
    retention_until: retentionUntil,
  };
}
