// A person's details as a form edits them: every field present, so inputs can bind to them, and
// every date as the three boxes hold it (the core reads what was typed).
import type {
  DateParts, Employment_Serialize, Person_Serialize as Person, PersonDetails_Serialize, PersonInput_Serialize,
  PersonKind, ServiceStatus_Serialize,
} from "./bindings";
import { dateParts, emptyDate } from "./format";

export type StatusDraft = Omit<ServiceStatus_Serialize, "start" | "end"> & { start: DateParts; end: DateParts };
export type DetailsDraft = Omit<PersonDetails_Serialize, "statuses" | "employment"> & {
  statuses: StatusDraft[];
  employment: Omit<Employment_Serialize, "start_date"> & { start_date: DateParts };
};
export type PersonDraft = Omit<PersonInput_Serialize, "date_of_birth" | "details"> & {
  date_of_birth: DateParts;
  details: DetailsDraft;
};

export function emptyDetails(): DetailsDraft {
  return {
    other_names: [], birth_in_part: null, gender: "", ethnicity: "", address: "", phone: "", secure_email: "",
    first_language: "", interpreter_needed: false, communication_needs: "", year_group: null,
    send: null, statuses: [], social_worker: "", social_worker_contact: "", agencies: [],
    employment: { role: "", employer: "", basis: null, agency: "", start_date: emptyDate() },
  };
}

export function blankPerson(kind: PersonKind, full_name = ""): PersonDraft {
  return { kind, full_name, date_of_birth: emptyDate(), class_year: "", details: emptyDetails(), reason: "" };
}

export function blankStatus(): StatusDraft {
  return { kind: "child_in_need", start: emptyDate(), end: emptyDate(), category: null, lead: "" };
}

/** A stored date (or one already as parts) as the boxes hold it. */
function parts(d: unknown): DateParts {
  return typeof d === "string" ? dateParts(d) : d && typeof d === "object" ? { ...(d as DateParts) } : emptyDate();
}

/** A draft of a new version of `p` (a deep copy: the page's copy is not touched). */
export function draftOf(p: Person): PersonDraft {
  const d = structuredClone($state.snapshot(p.details)) as PersonDetails_Serialize;
  return {
    kind: p.kind,
    full_name: p.full_name,
    date_of_birth: p.date_of_birth
      ? parts(p.date_of_birth)
      : p.details.birth_in_part
        ? { day: "", month: p.details.birth_in_part.month ? String(p.details.birth_in_part.month) : "", year: String(p.details.birth_in_part.year) }
        : emptyDate(),
    class_year: p.class_year ?? "",
    details: {
      ...d,
      statuses: d.statuses.map((s) => ({ ...s, start: parts(s.start), end: parts(s.end) })),
      employment: { ...d.employment, start_date: parts(d.employment.start_date) },
    },
    reason: "",
  };
}
