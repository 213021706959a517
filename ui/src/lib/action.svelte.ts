// One way to run something the DSL asked for (save, load, sign…): while it runs `busy` is
// true; if it fails, `error` holds the core's message (a summary, for the alert) and
// `fieldErrors` the sentence for each invalid field, by the field's stable key (shown beside
// that field by components/Field.svelte); if it succeeds, `done` is true.
//
//   const save = new Action();
//   await save.run(async () => { page = await call(commands.amendIncident(reference, input)); });
//   {#if save.error}<p class="error" role="alert">{save.error}</p>{/if}
import { AppError, messageOf } from "./api";
import type { ErrorCode, Field } from "./bindings";

export type FieldErrors = Partial<Record<Field, string>>;

export class Action {
  busy = $state(false);
  /** What went wrong, for the summary; null when nothing did. */
  error: string | null = $state(null);
  /** The sentence to show beside each invalid field. */
  fieldErrors: FieldErrors = $state({});
  /** The last run succeeded. */
  done = $state(false);
  /** The core's code for the last failure. */
  code: ErrorCode | null = $state(null);
  /** After too many unlock attempts: seconds before the next may be tried. */
  waitSeconds: number | null = $state(null);

  /** Runs `fn`: clears the last outcome, sets `busy`, and records success or the error.
   * Returns whether it succeeded; never throws. */
  async run(fn: () => Promise<unknown>): Promise<boolean> {
    this.reset();
    this.busy = true;
    try {
      await fn();
      this.done = true;
      return true;
    } catch (e) {
      this.fail(e);
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Records a failure (from the core, or anything thrown). */
  fail(e: unknown) {
    this.done = false;
    if (e instanceof AppError) {
      this.error = e.message;
      this.code = e.code;
      this.waitSeconds = e.waitSeconds;
      this.fieldErrors = Object.fromEntries(e.fields.map((f) => [f.field, f.message])) as FieldErrors;
    } else {
      this.error = messageOf(e);
    }
  }

  /** Problems the screen finds itself before asking the core, shown as the core's would be. */
  invalid(fields: FieldErrors) {
    this.reset();
    this.fieldErrors = fields;
    this.error = Object.values(fields).join("\n");
    this.code = "invalid_input";
  }

  /** Forgets the last outcome. */
  reset() {
    this.error = null;
    this.fieldErrors = {};
    this.done = false;
    this.code = null;
    this.waitSeconds = null;
  }

  /** Forgets one field's error (the DSL is changing that field). */
  clearField(field: Field) {
    if (!(field in this.fieldErrors)) return;
    const rest = { ...this.fieldErrors };
    delete rest[field];
    this.fieldErrors = rest;
  }
}
