"""Starts tauri-driver and opens the real Casebook window through WebKitWebDriver.

Each test gets a fresh, empty vault folder (CASEBOOK_VAULT). Run inside scripts/test, which
provides the X display, the D-Bus session and an unlocked keyring.
"""
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import urllib3
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection

# Shared helpers live in helpers.py; let pytest explain their failed asserts as it does the tests'.
pytest.register_assert_rewrite("helpers")

ROOT = Path(__file__).resolve().parents[2]
# The app under test: the debug build, or (tests/package/check) the installed package's.
APP = Path(os.environ.get("CASEBOOK_APP") or ROOT / "target" / "debug" / "casebook-desktop")
SCREENSHOTS = ROOT / "docs" / "screenshots"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tauri_driver() -> str:
    found = shutil.which("tauri-driver") or str(Path.home() / ".cargo" / "bin" / "tauri-driver")
    if not Path(found).exists():
        pytest.fail("tauri-driver is not installed: run scripts/install-test-deps")
    return found


def _wait_for_port(port: int, what: str, seconds: float = 20) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.time() > deadline:
                pytest.fail(f"{what} did not start on port {port}")
            time.sleep(0.1)


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


WINDOW = (1280, 800)


@pytest.fixture
def app(vault_dir, app_env, request):
    if not APP.exists():
        pytest.fail(f"{APP} is missing: build it with cargo build -p casebook-desktop")
    port, native_port = _free_port(), _free_port()
    env = dict(os.environ, CASEBOOK_VAULT=str(vault_dir), **app_env)
    driver_proc = subprocess.Popen(
        [_tauri_driver(), "--port", str(port), "--native-port", str(native_port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # tauri-driver listens first and starts WebKitWebDriver behind it: wait for both.
        _wait_for_port(port, "tauri-driver")
        _wait_for_port(native_port, "WebKitWebDriver")
        options = ArgOptions()
        options.set_capability("browserName", "wry")
        options.set_capability("tauri:options", {"application": str(APP)})
        url = f"http://127.0.0.1:{port}"
        driver = None
        for attempt in range(5):
            try:
                connection = RemoteConnection(client_config=ClientConfig(url))
                driver = webdriver.Remote(command_executor=connection, options=options)
                break
            except (urllib3.exceptions.ProtocolError, urllib3.exceptions.MaxRetryError):
                # The driver can still drop the very first request while it settles.
                time.sleep(0.5 * (attempt + 1))
        if driver is None:
            pytest.fail("could not open a WebDriver session with the app")
        driver.implicitly_wait(0)
        # Every test, and so every screenshot, at 1280 × 800: a common school laptop's screen.
        driver.set_window_size(WINDOW[0], WINDOW[1])
        try:
            yield driver
        finally:
            # A failing test leaves a picture of the window where it stopped (outside the
            # repository, in the test run's own temporary folder) and its text in the report.
            failed = getattr(request.node, "rep_call", None)
            if failed is not None and failed.failed:
                shots = Path(os.environ.get("CASEBOOK_E2E_FAILURES", "/tmp/casebook-e2e-failures"))
                shots.mkdir(parents=True, exist_ok=True)
                try:
                    driver.save_screenshot(str(shots / f"{request.node.name}.png"))
                    print("window text at failure:", driver.find_element("tag name", "body").text[:3000])
                except Exception as e:  # noqa: BLE001 - best effort while reporting a failure
                    print(f"no picture of the failure: {e}")
            driver.quit()
    finally:
        driver_proc.terminate()
        try:
            driver_proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            driver_proc.kill()


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
