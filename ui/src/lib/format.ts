// Dates and times as the window shows them: UK time (Europe/London, from the tz database the
// web view carries), with GMT or BST, in the same words as the PDFs and the command line
// ("3 December 2026, 09:41 GMT"; the core's time.rs). Typed dates and times are sent to the
// core as typed (DateParts, TimeParts) and read there: nothing here parses what a person types.
import type { DateParts, Day, Moment, TimeParts } from "./bindings";

const UK = "Europe/London";

const clock = new Intl.DateTimeFormat("en-GB", {
  timeZone: UK,
  day: "numeric",
  month: "long",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
  timeZoneName: "short",
});

const numeric = new Intl.DateTimeFormat("en-GB", {
  timeZone: UK,
  day: "numeric",
  month: "numeric",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function partsOf(f: Intl.DateTimeFormat, d: Date): Record<string, string> {
  return Object.fromEntries(f.formatToParts(d).map((p) => [p.type, p.value]));
}

/** "3 December 2026, 09:41 GMT" for a stored time; "—" for none. */
export function when(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = partsOf(clock, d);
  return `${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/** "3 December 2026" for a stored date (YYYY-MM-DD) or time (its UK day); "—" for none. */
export function day(iso: Day | null | undefined): string {
  if (!iso || typeof iso !== "string") return "—";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) {
    const [y, m, d] = iso.split("-").map(Number);
    return `${d} ${MONTHS[m - 1]} ${y}`;
  }
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = partsOf(clock, d);
  return `${p.day} ${p.month} ${p.year}`;
}

/** A person's date of birth as far as it is known: "14 March 2011", "March 2011 (day not
 * known)", "2011 (day and month not known)", or "—". */
export function birth(p: { date_of_birth?: string | null; details: { birth_in_part?: { year: number; month?: number | null } | null } }): string {
  if (p.date_of_birth) return day(p.date_of_birth);
  const part = p.details.birth_in_part;
  if (!part) return "—";
  return part.month ? `${MONTHS[part.month - 1]} ${part.year} (day not known)` : `${part.year} (day and month not known)`;
}

/** Today's date in the UK, as stored (YYYY-MM-DD). */
export function ukToday(): string {
  const p = partsOf(numeric, new Date());
  return `${p.year}-${p.month.padStart(2, "0")}-${p.day.padStart(2, "0")}`;
}

export function emptyDate(): DateParts {
  return { day: "", month: "", year: "" };
}

export function emptyTime(): TimeParts {
  return { date: emptyDate(), time: "", clock: null };
}

/** A stored date (YYYY-MM-DD) as the three boxes show it. */
export function dateParts(iso: string | null | undefined): DateParts {
  if (!iso || !/^\d{4}-\d{2}-\d{2}$/.test(iso)) return emptyDate();
  const [y, m, d] = iso.split("-");
  return { day: String(Number(d)), month: String(Number(m)), year: y };
}

/** A stored time as the boxes show it, in UK time. */
export function timeParts(iso: string | null | undefined): TimeParts {
  if (!iso) return emptyTime();
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return emptyTime();
  const p = partsOf(numeric, d);
  return { date: { day: p.day, month: p.month, year: p.year }, time: `${p.hour}:${p.minute}`, clock: null };
}

/** Whether nothing was typed in a date. */
export function dateIsEmpty(p: DateParts): boolean {
  return !p.day.trim() && !p.month.trim() && !p.year.trim();
}

/** What a date field sends: null when empty, else the parts for the core to read. */
export function dayInput(p: DateParts): DateParts | null {
  return dateIsEmpty(p) ? null : { ...p };
}

/** What a "when" field sends: null for "now" (the core takes the time it is saved), a stored
 * time unchanged, or the parts typed. */
export function momentInput(m: Moment | null): Moment | null {
  if (m == null || typeof m === "string") return m;
  return dateIsEmpty(m.date) && !m.time.trim() ? null : { ...m, date: { ...m.date } };
}
