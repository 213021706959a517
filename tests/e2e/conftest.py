"""Starts tauri-driver and opens the real Casebook window through WebKitWebDriver.

Each test gets a fresh, empty vault folder (CASEBOOK_VAULT). Run inside scripts/test, which
provides the X display, the D-Bus session and an unlocked keyring.
"""
import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from launch import LaunchError, open_window

# Shared helpers live in helpers.py; let pytest explain their failed asserts as it does the tests'.
pytest.register_assert_rewrite("helpers")

ROOT = Path(__file__).resolve().parents[2]
# The app under test: the debug build, or (tests/package/check) the installed package's.
APP = Path(os.environ.get("CASEBOOK_APP") or ROOT / "target" / "debug" / "casebook-desktop")
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture
def vault_dir():
    # tests/package/check keeps one vault across an upgrade of the installed app.
    kept = os.environ.get("CASEBOOK_KEEP_VAULT")
    if kept:
        yield Path(kept)
        return
    with tempfile.TemporaryDirectory(prefix="casebook-e2e-") as d:
        yield Path(d) / "vault"


@pytest.fixture
def app_env():
    """Extra environment for the app; a test module overrides this fixture when it needs to."""
    return {}


@pytest.fixture
def app(vault_dir, app_env, request):
    env = dict(os.environ, CASEBOOK_VAULT=str(vault_dir), **app_env)
    try:
        with open_window(APP, env) as driver:
            try:
                yield driver
            finally:
                _picture_if_failed(driver, request)
    except LaunchError as e:
        pytest.fail(str(e))


def _picture_if_failed(driver, request):
    """A failing test leaves a picture of the window where it stopped (outside the repository,
    in the test run's own temporary folder) and its text in the report."""
    failed = getattr(request.node, "rep_call", None)
    if failed is None or not failed.failed:
        return
    shots = Path(os.environ.get("CASEBOOK_E2E_FAILURES", "/tmp/casebook-e2e-failures"))
    shots.mkdir(parents=True, exist_ok=True)
    try:
        driver.save_screenshot(str(shots / f"{request.node.name}.png"))
        print("window text at failure:", driver.find_element("tag name", "body").text[:3000])
    except Exception as e:  # noqa: BLE001 - best effort while reporting a failure
        print(f"no picture of the failure: {e}")


@pytest.fixture
def screenshot():
    """Saves a picture of the window for docs/ (kept in the repository when they change)."""

    def take(driver, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))

    return take


CLI = ROOT / "target" / "debug" / "casebook"


@pytest.fixture
def cli(vault_dir):
    """Runs the casebook command line on the test's vault (same keyring session as the app)."""

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        if not CLI.exists():
            pytest.fail(f"{CLI} is missing: build it with cargo build")
        return subprocess.run(
            [str(CLI), "--vault", str(vault_dir), *args],
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
        )

    return run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Keeps each phase's outcome on the test item, so `app` knows whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
