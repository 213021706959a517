// Dates and times as the window shows them. The core's time module (src/time.rs) owns every
// date and time a person reads or types: it turns stored UTC into UK time (Europe/London from
// the tz database, with GMT or BST) in the same words as the PDFs and the command line ("3
// December 2026, 09:41 GMT"), and it reads what is typed (DateParts, TimeParts) into stored
// form. Nothing here converts a time zone or parses what a person types.
import { SvelteMap } from "svelte/reactivity";
import { commands, type DateParts, type Day, type Moment, type Shown, type TimeParts } from "./bindings";

// What the core said about each stored date or time the window has been sent. `call` (api.ts)
// fills it from every command's answer before handing the answer on, so a screen finds its
// times here as it renders; anything else (a month of birth) is asked for on first sight and
// shows when it arrives.
const known = new SvelteMap<string, Shown | null>();
const asked = new Set<string>();
let queued: string[] = [];

const STORED = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/;
const AT_ONCE = 2000;
const MOST_KEPT = 50_000;

async function ask(stored: string[]): Promise<void> {
  for (let i = 0; i < stored.length; i += AT_ONCE) {
    const chunk = stored.slice(i, i + AT_ONCE);
    const answer = await commands.showTimes(chunk);
    if (answer.status !== "ok") return;
    if (known.size + chunk.length > MOST_KEPT) known.clear();
    chunk.forEach((s, j) => known.set(s, answer.data[j] ?? null));
  }
}

function wanted(stored: string, into: Set<string>) {
  if (!known.has(stored) && !asked.has(stored)) into.add(stored);
}

/** Asks the core how every stored date and time in `data` shows, before the window shows it. */
export async function learnTimes(data: unknown): Promise<void> {
  const found = new Set<string>();
  const walk = (v: unknown, depth: number) => {
    if (depth > 32 || found.size >= MOST_KEPT) return;
    if (typeof v === "string") {
      if (v.length <= 40 && STORED.test(v)) wanted(v, found);
    } else if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
    } else if (v && typeof v === "object") {
      for (const x of Object.values(v)) walk(x, depth + 1);
    }
  };
  walk(data, 0);
  if (found.size > 0) await ask([...found]);
}

/** Forgets what was shown (on lock: the window keeps nothing of the vault's). */
export function forgetTimes() {
  known.clear();
  asked.clear();
}

function lookUp(stored: string): Shown | null | undefined {
  const s = known.get(stored);
  if (s !== undefined || asked.has(stored)) return s;
  asked.add(stored);
  queued.push(stored);
  if (queued.length === 1) {
    queueMicrotask(() => {
      const batch = queued;
      queued = [];
      void ask(batch).finally(() => batch.forEach((b) => asked.delete(b)));
    });
  }
  return undefined;
}

/** "3 December 2026, 09:41 GMT" for a stored time; "—" for none. */
export function when(stored: string | null | undefined): string {
  if (!stored) return "—";
  const s = lookUp(stored);
  return s === undefined ? "…" : (s?.text ?? stored);
}

/** "3 December 2026" for a stored date or time (its UK day); "—" for none. */
export function day(stored: Day | null | undefined): string {
  if (!stored || typeof stored !== "string") return "—";
  const s = lookUp(stored);
  return s === undefined ? "…" : (s?.day ?? stored);
}

/** A person's date of birth as far as it is known: "14 March 2011", "March 2011 (day not
 * known)", "2011 (day and month not known)", or "—". */
export function birth(p: { date_of_birth?: string | null; details: { birth_in_part?: { year: number; month?: number | null } | null } }): string {
  if (p.date_of_birth) return day(p.date_of_birth);
  const part = p.details.birth_in_part;
  if (!part) return "—";
  return part.month ? `${day(`${part.year}-${String(part.month).padStart(2, "0")}`)} (day not known)` : `${part.year} (day and month not known)`;
}

/** Today's date in the UK, as stored (YYYY-MM-DD), from the core. */
export async function ukToday(): Promise<string> {
  const answer = await commands.ukToday();
  if (answer.status !== "ok") throw new Error(answer.error.message);
  return answer.data;
}

export function emptyDate(): DateParts {
  return { day: "", month: "", year: "" };
}

export function emptyTime(): TimeParts {
  return { date: emptyDate(), time: "", clock: null };
}

/** A stored date (YYYY-MM-DD) as the three boxes show it. */
export function dateParts(stored: string | null | undefined): DateParts {
  if (!stored || !/^\d{4}-\d{2}-\d{2}$/.test(stored)) return emptyDate();
  const [y, m, d] = stored.split("-");
  return { day: String(Number(d)), month: String(Number(m)), year: y };
}

/** A stored time as the boxes show it, in UK time, saying which 01:30 it was on the night the
 * clocks go back (so saving it unchanged keeps its meaning). */
export function timeParts(stored: string | null | undefined): TimeParts {
  if (!stored) return emptyTime();
  const s = lookUp(stored);
  return s ? { ...s.parts, date: { ...s.parts.date } } : emptyTime();
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
