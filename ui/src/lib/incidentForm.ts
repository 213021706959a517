// The incident's fields as the forms hold them (local times, category possibly not chosen yet),
// shared by the new-incident form and the edit form, and how they become the core's input.
import type { FieldErrors } from "./action.svelte";
import type { Category, FourC, Incident, IncidentInput_Deserialize, Risk, Status } from "./bindings";
import { localNow, toLocal, toUtc } from "./format";

export type IncidentForm = {
  reported_at: string;
  occurred_at: string;
  reported_by: string;
  category: Category | "";
  four_cs: FourC[];
  summary: string;
  childs_words: string;
  risk: Risk;
  status: Status;
  outcome: string;
};

export function blankIncidentForm(): IncidentForm {
  return {
    reported_at: localNow(), occurred_at: "", reported_by: "", category: "", four_cs: [],
    summary: "", childs_words: "", risk: "medium", status: "open", outcome: "",
  };
}

/** The form for editing an incident's current version. */
export function incidentFormOf(i: Incident): IncidentForm {
  return {
    reported_at: toLocal(i.reported_at), occurred_at: toLocal(i.occurred_at), reported_by: i.reported_by,
    category: i.category, four_cs: [...i.four_cs], summary: i.summary, childs_words: i.childs_words,
    risk: i.risk, status: i.status, outcome: i.outcome,
  };
}

/** The input for the core, or the problems the form can see before asking it (the core checks
 * everything else, and reports every invalid field at once). */
export function incidentInput(
  form: IncidentForm,
  retentionUntil: string | null,
): { input: IncidentInput_Deserialize; problems?: undefined } | { input?: undefined; problems: FieldErrors } {
  const problems: FieldErrors = {};
  const reported = toUtc(form.reported_at);
  if (!reported) problems.reported_at = "Reported: enter when it was reported to you";
  if (!form.category) problems.category = "Category: choose the kind of incident";
  if (!reported || !form.category) return { problems };
  return {
    input: {
      occurred_at: toUtc(form.occurred_at), reported_at: reported, reported_by: form.reported_by,
      category: form.category, four_cs: form.four_cs, summary: form.summary, childs_words: form.childs_words,
      risk: form.risk, status: form.status, outcome: form.outcome, retention_until: retentionUntil,
    },
  };
}
