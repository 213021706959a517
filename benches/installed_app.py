"""Measures the installed Casebook, as a school's IT would meet it (issue 20): how long a cold
start takes to the first screen a DSL can use, and how much memory the app and its web engine hold
with a vault open, then after minutes left idle. A benchmark, never a test: it prints figures and
fails only when it cannot measure. Run by scripts/bench-installed, which installs the package and
provides the sandbox (X display, D-Bus session, unlocked keyring, no network).

Start: from the moment the kernel started the app's process (/proc/PID/stat) to the moment the
set-up or unlock screen is on the page (the "casebook-first-screen" performance mark that
ui/src/App.svelte makes once it has rendered it), both read on the boot clock. "Cold" drops the
kernel's page cache before each start (root only), as after a reboot; "warm" does not.

Memory: the app's process and everything it started (WebKit's web and network processes),
from /proc/PID/smaps_rollup: RSS of each summed (shared pages counted in each process) and PSS
summed (shared pages divided between them: what the tree really costs)."""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

from helpers import ORG, PASSPHRASE, click_button, heading, open_first_incident, unlock, wait  # noqa: E402
from launch import open_window  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
MARK = "casebook-first-screen"


def boot_clock() -> float:
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def processes() -> dict[int, tuple[int, str]]:
    """Every process now: pid -> (parent pid, command name)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry.name)] = (int(fields[1]), name)
    return found


def app_processes(app: Path) -> list[int]:
    """The running processes of `app`, oldest first."""
    target = app.resolve()
    found = []
    for pid in processes():
        try:
            if Path(f"/proc/{pid}/exe").resolve() == target:
                found.append((started(pid), pid))
        except OSError:  # it exited meanwhile
            continue
    return [pid for _, pid in sorted(found)]


def app_process(app: Path) -> int:
    """The app's process: the newest, should one that was closed not have finished exiting."""
    running = app_processes(app)
    if not running:
        raise RuntimeError(f"no running process of {app}")
    return running[-1]


def until_closed(app: Path) -> None:
    """Waits (up to 20 s) until no process of `app` is left, so the next start is alone."""
    deadline = time.monotonic() + 20
    while app_processes(app) and time.monotonic() < deadline:
        time.sleep(0.1)


def started(pid: int) -> float:
    """When the kernel started `pid`, in seconds on the boot clock (10 ms resolution)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat[stat.rindex(")") + 2 :].split()[19]) / TICKS


def first_screen(driver) -> float:
    """When the first usable screen was rendered, in seconds on the boot clock."""
    script = f"const m = performance.getEntriesByName('{MARK}'); return m.length ? performance.timeOrigin + m[0].startTime : null;"
    marked = wait(driver, 60).until(lambda d: d.execute_script(script))
    # The page's clock is the wall clock; carry the mark over to the boot clock.
    return boot_clock() - (time.time() - marked / 1000)


def drop_page_cache() -> None:
    subprocess.run(["sync"], check=True)
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def start_time(app: Path, vault: Path, cold: bool) -> float:
    """Seconds from the app's process start to its first usable screen, once."""
    if cold:
        drop_page_cache()
    with open_window(app, dict(os.environ, CASEBOOK_VAULT=str(vault))) as driver:
        shown = first_screen(driver)
        took = shown - started(app_process(app))
    until_closed(app)
    return took


def memory(app: Path) -> dict:
    """RSS and PSS, in MB, of the app and every process it started."""
    table = processes()
    root = app_process(app)
    tree, frontier = [root], [root]
    while frontier:
        children = [pid for pid, (parent, _) in table.items() if parent in frontier]
        tree += children
        frontier = children
    rss = pss = 0
    names = []
    for pid in tree:
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        values = {line.split(":")[0]: int(line.split()[1]) for line in rollup.splitlines()[1:]}
        rss += values.get("Rss", 0)
        pss += values.get("Pss", 0)
        names.append(table[pid][1])
    return {"rss_mb": rss / 1024, "pss_mb": pss / 1024, "processes": names}


def set_idle_lock(driver, minutes: int) -> None:
    """Sets "Lock after this many minutes without activity" in Settings, as the DSL would."""
    click_button(driver, "Settings")
    heading(driver, "Settings")
    Select(wait(driver).until(lambda d: d.find_element(By.ID, "idle-minutes"))).select_by_visible_text(str(minutes))
    save = driver.find_element(By.XPATH, "//select[@id='idle-minutes']/following::button[normalize-space(.)='Save'][1]")
    if save.is_enabled():  # else it is already the setting (a kept vault)
        save.click()
        wait(driver).until(lambda d: d.find_elements(By.XPATH, "//*[@role='status' and normalize-space(.)='Saved.']"))


def open_vault_memory(app: Path, vault: Path, idle_minutes: float) -> tuple[dict, dict, str]:
    """Memory with the vault unlocked and an incident open, then after `idle_minutes` with
    nothing done (the idle lock set longer, so the vault is still open)."""
    with open_window(app, dict(os.environ, CASEBOOK_VAULT=str(vault))) as driver:
        unlock(driver)
        set_idle_lock(driver, 60)
        click_button(driver, "Today")
        heading(driver, "Today")
        open_first_incident(driver)
        time.sleep(5)  # let the page settle: fonts, layout, the web process's first collection
        opened = memory(app)
        time.sleep(idle_minutes * 60)
        idle = memory(app)
        state = "open" if driver.find_elements(By.CSS_SELECTOR, "[data-testid=organisation]") else "locked"
    until_closed(app)
    return opened, idle, state


def cli(binary: Path, vault: Path, *args: str, stdin: str) -> None:
    subprocess.run([str(binary), "--vault", str(vault), *args], input=stdin, text=True, check=True,
                   stdout=subprocess.DEVNULL)


def demo_vault(binary: Path, vault: Path, incidents: int) -> float:
    """A demo vault of `incidents` made through the command line; returns how long filling took."""
    filled = vault.parent / "filled"  # written once the demo is complete; else start again
    if filled.exists():
        return 0.0
    if vault.exists():
        shutil.rmtree(vault)
    cli(binary, vault, "init", "--demo", "--org", ORG, "--dsl", "Ms Amara Mensah", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    began = time.monotonic()
    cli(binary, vault, "demo", "--incidents", str(incidents), "--seed", "20", stdin=f"{PASSPHRASE}\n")
    took = time.monotonic() - began
    filled.write_text(f"{incidents} incidents\n")
    return took


def starts(app: Path, empty: Path, small: Path, runs: int) -> None:
    """Prints the start table: to the set-up screen and to the unlock screen, cold and warm."""
    print("\n| start, to the first usable screen | median | min | max | runs |\n|---|---|---|---|---|")
    cold_possible = os.geteuid() == 0
    for screen, vault in (("set-up (no vault)", empty), ("unlock (100-incident vault)", small)):
        for cold in ((True, False) if cold_possible else (False,)):
            times = [start_time(app, vault, cold) * 1000 for _ in range(runs)]
            print(f"| {screen}, {'cold' if cold else 'warm'} | {statistics.median(times):.0f} ms | "
                  f"{min(times):.0f} ms | {max(times):.0f} ms | {len(times)} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--app", type=Path, required=True, help="the installed program")
    parser.add_argument("--cli", type=Path, required=True, help="the casebook command line (to make vaults)")
    parser.add_argument("--vaults", type=Path, required=True, help="where the demo vaults are made (and kept)")
    parser.add_argument("--runs", type=int, default=10, help="starts of each kind (0: none)")
    parser.add_argument("--idle-minutes", type=float, default=10)
    parser.add_argument("--large", type=int, default=100_000, help="incidents in the large vault (0: none)")
    args = parser.parse_args()

    small = args.vaults / "demo-100" / "vault"
    made = demo_vault(args.cli, small, 100)
    print(f"demo vault of 100 incidents: {'made in %.0f s' % made if made else 'kept from before'}", flush=True)

    if args.runs:
        starts(args.app, args.vaults / "empty" / "vault", small, args.runs)

    sizes = [(100, small)]
    if args.large:
        large = args.vaults / f"demo-{args.large}" / "vault"
        made = demo_vault(args.cli, large, args.large)
        print(f"\ndemo vault of {args.large} incidents: {'made in %.0f s' % made if made else 'kept from before'}")
        sizes.append((args.large, large))
    print(f"\n| vault | unlocked, an incident open: PSS / RSS | after {args.idle_minutes:g} min idle: PSS / RSS | state then | processes |\n|---|---|---|---|---|")
    for incidents, vault in sizes:
        opened, idle, state = open_vault_memory(args.app, vault, args.idle_minutes)
        print(f"| {incidents} incidents | {opened['pss_mb']:.0f} / {opened['rss_mb']:.0f} MB | "
              f"{idle['pss_mb']:.0f} / {idle['rss_mb']:.0f} MB | {state} | {', '.join(opened['processes'])} |", flush=True)


if __name__ == "__main__":
    main()
