"""axe-core (the npm package, pinned in ui/package.json) run inside the real window: every
violation of the WCAG 2.0, 2.1 and 2.2 A and AA rules it checks, per screen and state. The
counts are written into docs/accessibility.md; a "serious" or "critical" one fails the test."""
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "ui" / "node_modules" / "axe-core" / "axe.min.js"
REPORT = ROOT / "docs" / "accessibility.md"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
IMPACTS = ["critical", "serious", "moderate", "minor"]
BEGIN, END = "<!-- axe results: begin -->", "<!-- axe results: end -->"


def violations(driver):
    """Injects axe (through WebDriver, so the app's CSP needs no exception) and runs it."""
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        """
        const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
          .then(r => done(r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5), count: v.nodes.length}))))
          .catch(e => done({error: String(e)}));
        """,
        TAGS,
    )
    if isinstance(result, dict) and "error" in result:
        raise AssertionError(f"axe could not run: {result['error']}")
    return result


class Audit:
    """Checks each screen and keeps its counts for the report."""

    def __init__(self, driver):
        self.driver = driver
        self.rows = []

    def check(self, screen):
        found = violations(self.driver)
        counts = {i: sum(v["count"] for v in found if v["impact"] == i) for i in IMPACTS}
        rules = sorted({v["id"] for v in found})
        self.rows.append((screen, counts, rules))
        blocking = [v for v in found if v["impact"] in ("serious", "critical")]
        assert not blocking, f"{screen}: {json.dumps(blocking, indent=1)}"

    def write(self):
        lines = [BEGIN, "", "| Screen and state | critical | serious | moderate | minor | rules with findings |", "|---|---|---|---|---|---|"]
        for screen, counts, rules in self.rows:
            lines.append(
                f"| {screen} | " + " | ".join(str(counts[i]) for i in IMPACTS) + f" | {', '.join(rules) or '—'} |"
            )
        lines += ["", END]
        text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else f"{BEGIN}\n{END}\n"
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), "\n".join(lines), text, flags=re.S)
        REPORT.write_text(text, encoding="utf-8")
