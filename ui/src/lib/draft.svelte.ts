// A form's work in progress, kept as a draft inside the vault (encrypted like every record, and
// never on disk in clear), so that an idle lock, a crash or a closed window loses nothing: on
// the way back the form is as the DSL left it. The draft is saved a moment after each change,
// removed when the form is saved or emptied, and replaced, never merged.
import { onMount } from "svelte";
import { call, commands } from "./api";

export class Draft<T> {
  /** The form was filled from a draft when it opened. */
  restored = $state(false);
  #key: () => string;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #ready = false;

  /** `key` names the form ("chronology:CB-2026-0001"; read when needed, as the component's
   * props are); `get` reads its state, `set` puts a saved one back; `empty` says when there is
   * nothing worth keeping. */
  constructor(key: () => string, get: () => T, set: (value: T) => void, empty: (value: T) => boolean) {
    this.#key = key;
    onMount(() => {
      void (async () => {
        try {
          const body = await call(commands.loadDraft(key()));
          if (body) {
            set(JSON.parse(body) as T);
            this.restored = true;
          }
        } catch {
          // A draft that cannot be read is not worth a message: the form starts empty.
        }
        this.#ready = true;
      })();
      return () => clearTimeout(this.#timer);
    });
    $effect(() => {
      const value = get();
      const body = JSON.stringify(value);
      if (!this.#ready) return;
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        const name = key();
        void call(empty(value) ? commands.discardDraft(name) : commands.saveDraft(name, body)).catch(() => {});
      }, 600);
    });
  }

  /** The form was saved (or discarded): its draft goes. */
  async clear() {
    clearTimeout(this.#timer);
    await call(commands.discardDraft(this.#key())).catch(() => {});
    this.restored = false;
  }
}
