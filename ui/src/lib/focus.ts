// Focus on a change of view: Home asks for it (`viewChanged`), and the new screen's
// <h1 tabindex="-1" {@attach viewHeading}> takes it when it appears, which may be only after the
// screen has loaded its data. So the DSL (and a screen reader) starts at the new screen's title.
import { tick } from "svelte";

let pending = false;

/** The view changed: the next screen heading to appear takes the focus (or the one already
 * there, when the view stays the same screen). */
export function viewChanged() {
  pending = true;
  window.scrollTo(0, 0);
  void tick().then(() => {
    const heading = document.querySelector<HTMLElement>("main h1[tabindex='-1']");
    if (pending && heading) viewHeading(heading);
  });
}

/** Attachment for a screen's <h1 tabindex="-1">. */
export function viewHeading(heading: HTMLElement) {
  if (!pending) return;
  pending = false;
  heading.focus();
}
