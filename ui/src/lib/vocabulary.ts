// Every fixed list (categories, 4 Cs, risks, statuses, roles, kinds of person, entry and custody
// event, contacts, referral recipients) with its labels, from the core. No screen types its own.
import { call, commands } from "./api";
import type { Vocabulary } from "./bindings";

let cached: Promise<Vocabulary> | null = null;

export function vocabulary(): Promise<Vocabulary> {
  cached ??= call(commands.vocabulary());
  return cached;
}

export function labelOf<T>(list: { value: T; label: string }[], value: T): string {
  return list.find((c) => c.value === value)?.label ?? String(value);
}
