// The one door to the Rust side. Commands are generated into bindings.ts; this file turns
// their `Result` into a value or a thrown AppError carrying the core's code and message.
import { commands, events, type CommandError, type ErrorCode } from "./bindings";

export { commands, events };

export class AppError extends Error {
  readonly code: ErrorCode;
  constructor(e: CommandError) {
    super(e.message);
    this.code = e.code;
  }
}

type Res<T> = { status: "ok"; data: T } | { status: "error"; error: CommandError };

/** Awaits a command; returns its data or throws an AppError. */
export async function call<T>(pending: Promise<Res<T>>): Promise<T> {
  let result: Res<T>;
  try {
    result = await pending;
  } catch (e) {
    // Only if the bridge itself failed (e.g. a command not permitted): still a readable message.
    throw new AppError({
      code: "internal",
      message: `Casebook could not reach its core (${String(e)}). Please restart it.`,
    });
  }
  if (result.status === "error") throw new AppError(result.error);
  return result.data;
}

/** The message to show for anything thrown. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
