// The one door to the Rust side. Commands are generated into bindings.ts; this file turns
// their `Result` into a value or a thrown AppError carrying the core's code, message, the
// invalid fields (by their stable keys) and, after too many unlock attempts, the wait.
import { commands, events, type CommandError, type ErrorCode, type FieldError } from "./bindings";
import { learnTimes } from "./format";

export { commands, events };

export class AppError extends Error {
  readonly code: ErrorCode;
  /** Every invalid field of the form, each with the sentence to show beside it. */
  readonly fields: FieldError[];
  /** Seconds before another unlock may be tried (`too_many_attempts`). */
  readonly waitSeconds: number | null;
  constructor(e: CommandError) {
    super(e.message);
    this.code = e.code;
    this.fields = e.fields ?? [];
    this.waitSeconds = e.wait_seconds ?? null;
  }
}

type Res<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

// Whoever shows the unlock screen (App.svelte) hears of a command refused because the vault is
// locked, for the case where the "vault-locked" event came too late or not at all.
let lockedListener: ((message: string) => void) | null = null;
export function onVaultLocked(listener: (message: string) => void): () => void {
  lockedListener = listener;
  return () => {
    if (lockedListener === listener) lockedListener = null;
  };
}

/** Awaits a command; returns its data (its dates and times learnt, see format.ts) or throws an
 * AppError. */
export async function call<T>(pending: Promise<Res<T>>): Promise<T> {
  let result: Res<T>;
  try {
    result = await pending;
  } catch (e) {
    // Only if the bridge itself failed (e.g. a command not permitted): still a readable message.
    throw new AppError({
      code: "internal",
      message: `Casebook could not reach its core (${String(e)}). Please restart it.`,
      fields: [],
      wait_seconds: null,
    });
  }
  if (result.status === "error") {
    if (result.error.code === "locked") lockedListener?.(result.error.message);
    throw new AppError(result.error);
  }
  // The answer's dates and times, as the core shows them, are known before a screen renders it.
  await learnTimes(result.data).catch(() => undefined);
  return result.data;
}

/** The message to show for anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
