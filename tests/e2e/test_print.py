""""Sign and print" in the real window, with a stand-in for the system's PDF viewer (an
`xdg-open` first on PATH that notes what it was given): the file handed over is a validly signed
PDF, readable only by this user, in a private folder inside the per-user runtime folder (memory,
not disk), and that folder is gone soon after; the chronology records the issue."""
import os
import subprocess
import time
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from helpers import click_button, demo_vault, open_first_incident, preview_referral, wait

VIEWER = """#!/bin/sh
# Stand-in for the PDF viewer: note the file's path and permissions, keep a copy to check.
stat -c '%a %n' "$1" "$(dirname "$1")" > "$CASEBOOK_E2E_PRINTED.tmp"
cp "$1" "$CASEBOOK_E2E_PRINTED.pdf"
mv "$CASEBOOK_E2E_PRINTED.tmp" "$CASEBOOK_E2E_PRINTED"
"""


@pytest.fixture
def app_env(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    viewer = bindir / "xdg-open"
    viewer.write_text(VIEWER)
    viewer.chmod(0o755)
    return {
        "PATH": f"{bindir}:{os.environ['PATH']}",
        "CASEBOOK_E2E_PRINTED": str(tmp_path / "printed.txt"),
        "CASEBOOK_PRINT_FILE_SECONDS": "3",
    }


def test_sign_and_print_goes_through_a_private_memory_folder_that_is_then_removed(app, cli, app_env):
    driver = app
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    assert runtime, "scripts/test gives the app a private XDG_RUNTIME_DIR"
    demo_vault(driver, cli, 3, 2)
    open_first_incident(driver)
    preview_referral(driver, "The LADO (allegation about an adult)")
    click_button(driver, "Sign and print…")
    wait(driver).until(
        EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=referral] [role=status]"), "opened in your PDF viewer")
    )
    printed = Path(app_env["CASEBOOK_E2E_PRINTED"])
    deadline = time.time() + 15
    while not printed.exists():
        assert time.time() < deadline, "the viewer was never called"
        time.sleep(0.2)
    file_line, dir_line = printed.read_text().splitlines()
    file_mode, file_path = file_line.split(" ", 1)
    dir_mode, dir_path = dir_line.split(" ", 1)
    assert file_mode == "600" and dir_mode == "700", printed.read_text()
    assert Path(dir_path).parent == Path(runtime), dir_path
    assert Path(dir_path).name.startswith("casebook-print-")
    # A neutral name: viewers list recent files, and the reference must not be among them.
    assert Path(file_path).name == "Casebook referral.pdf", file_path
    assert "CB-" not in file_path and "DEMO-" not in file_path, file_path
    report = subprocess.run(["pdfsig", str(printed) + ".pdf"], capture_output=True, text=True).stdout
    assert "Signature Validation: Signature is Valid." in report, report
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ol.chronology"), "Signed referral summary for the LADO"))

    # The print folder is removed once the viewer has had its time (3 s here, 2 minutes normally).
    deadline = time.time() + 20
    while Path(dir_path).exists():
        assert time.time() < deadline, f"{dir_path} was not removed"
        time.sleep(0.5)
