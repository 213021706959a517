"""Opens Casebook's real window through tauri-driver and WebKitWebDriver, as a WebDriver session.
Shared by the e2e suite's `app` fixture (conftest.py) and the installed-app bench
(benches/installed_app.py), so both start the app the same way."""
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import urllib3
from selenium import webdriver
from selenium.webdriver.common.options import ArgOptions
from selenium.webdriver.remote.client_config import ClientConfig
from selenium.webdriver.remote.remote_connection import RemoteConnection

# Every test, and so every screenshot, at 1280 × 800: a common school laptop's screen.
WINDOW = (1280, 800)


class LaunchError(RuntimeError):
    """The window could not be opened; the message says which part did not start."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tauri_driver() -> str:
    found = shutil.which("tauri-driver") or str(Path.home() / ".cargo" / "bin" / "tauri-driver")
    if not Path(found).exists():
        raise LaunchError("tauri-driver is not installed: run scripts/install-test-deps")
    return found


def _wait_for_port(port: int, what: str, seconds: float = 20) -> None:
    deadline = time.time() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.time() > deadline:
                raise LaunchError(f"{what} did not start on port {port}") from None
            time.sleep(0.1)


@contextmanager
def open_window(app: Path, env: dict):
    """Starts `app` (with `env`) behind tauri-driver and yields the WebDriver session on its
    window, sized to WINDOW; ends the session and the driver afterwards, whatever happened."""
    if not app.exists():
        raise LaunchError(f"{app} is missing: build it with cargo build -p casebook-desktop")
    port, native_port = _free_port(), _free_port()
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
        options.set_capability("tauri:options", {"application": str(app)})
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
            raise LaunchError("could not open a WebDriver session with the app")
        try:
            driver.implicitly_wait(0)
            driver.set_window_size(WINDOW[0], WINDOW[1])
            yield driver
        finally:
            driver.quit()
    finally:
        driver_proc.terminate()
        try:
            driver_proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            driver_proc.kill()
