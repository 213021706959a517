"""A DSL makes a signed referral in the real window: picks the recipient, reads the preview,
saves the PDF through the native save dialog (answered with xdotool, as a person would type a
path), checks it with pdfsig, then opens it on the "Check a PDF" screen; a changed copy is
reported as not intact."""
import os
import subprocess
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from test_first_run import click_button, heading, wait
from test_incidents import ORG, PASSPHRASE, unlock


def answer_file_dialog(title, path, location_bar=False):
    """Waits for the GTK dialog called `title`, types `path` into it and presses Return; types
    again if the dialog is still open a few seconds later (under Xvfb, with no window manager,
    the first keystrokes can reach the dialog before it takes the keyboard focus)."""
    found = subprocess.run(
        ["xdotool", "search", "--sync", "--onlyvisible", "--name", title], capture_output=True, text=True, timeout=30
    )
    assert found.returncode == 0, f"no {title!r} dialog appeared"
    window = found.stdout.split()[0]
    for attempt in range(3):
        # Give the dialog the keyboard focus directly, then type through XTEST (real key
        # events, which GTK accepts; synthetic per-window events it ignores).
        time.sleep(1.0 + attempt)
        subprocess.run(["xdotool", "windowfocus", "--sync", window], check=False, timeout=10)
        time.sleep(0.5)
        subprocess.run(["xdotool", "key", "ctrl+l" if location_bar else "ctrl+a"], check=True, timeout=10)
        time.sleep(0.3)
        subprocess.run(["xdotool", "type", "--delay", "30", path], check=True, timeout=30)
        time.sleep(0.5)
        subprocess.run(["xdotool", "key", "Return"], check=True, timeout=10)
        if os.environ.get("CASEBOOK_E2E_DEBUG"):
            subprocess.run(["import", "-window", "root", f"/tmp/dialog-{title.replace(' ', '-')}.png"], check=False)
        if _closed(window):
            return
    raise AssertionError(f"the {title!r} dialog did not take the path {path!r}")


def _closed(window, seconds=6.0):
    """Whether the dialog window has gone (or is no longer shown) within `seconds`."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        shown = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "."], capture_output=True, text=True)
        if window not in shown.stdout.split():
            return True
        time.sleep(0.2)
    return False


def demo_vault(driver, cli, incidents, seed):
    """A vault made and filled through the command line, then unlocked in the window; returns
    what `init` printed (with the recovery code)."""
    made = cli("init", "--org", ORG, "--dsl", "Ms Amara Mensah", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    cli("demo", "--incidents", str(incidents), "--seed", str(seed), stdin=f"{PASSPHRASE}\n")
    driver.refresh()
    unlock(driver)
    return made


def open_first_incident(driver):
    """Opens the newest incident in the list; returns its reference."""
    heading(driver, "Incidents")
    rows = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.list tbody tr"))
    rows[0].find_element(By.TAG_NAME, "button").click()
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "CB-"))
    return driver.find_element(By.TAG_NAME, "h1").text


def preview_referral(driver, recipient):
    """Chooses the recipient (as the list shows it) and opens the preview; returns it."""
    Select(driver.find_element(By.ID, "referral-recipient")).select_by_visible_text(recipient)
    click_button(driver, "Preview")
    return wait(driver).until(EC.visibility_of_element_located((By.ID, "referral-preview")))


def sign_and_save(driver, target):
    """Signs and saves through the native dialog; returns pdfsig's report on the saved file."""
    click_button(driver, "Sign and save PDF…")
    answer_file_dialog("Save PDF", target)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=referral] [role=status]"), "Signed and saved"))
    assert os.path.exists(target)
    return subprocess.run(["pdfsig", target], capture_output=True, text=True).stdout


def test_make_save_and_check_a_referral(app, cli, screenshot, tmp_path):
    driver = app
    demo_vault(driver, cli, 4, 11)
    reference = open_first_incident(driver)
    preview = preview_referral(driver, "The police")
    assert "Referral to the police" in preview.text
    assert reference in preview.text
    assert "Decisions and the reasons for them" in preview.text
    driver.execute_script("arguments[0].scrollIntoView()", driver.find_element(By.CSS_SELECTOR, "[data-testid=referral]"))
    screenshot(driver, "referral-preview")

    target = str(tmp_path / "referral-police.pdf")
    report = sign_and_save(driver, target)
    assert "Signature Validation: Signature is Valid." in report, report
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ol.chronology"), "Signed referral summary for the police"))

    # A place that cannot be written (/proc refuses new files, even to root): the DSL is told
    # the referral was recorded but not saved, and the chronology says so too.
    click_button(driver, "Sign and save PDF…")
    answer_file_dialog("Save PDF", "/proc/referral-police.pdf")
    alert = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=referral] [role=alert]")))
    assert "signed and recorded as issued, but the PDF could not be saved" in alert.text, alert.text
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ol.chronology"), "could not be saved to a file"))
    alert = driver.find_element(By.CSS_SELECTOR, "[data-testid=referral] [role=alert]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", alert)
    time.sleep(0.3)
    screenshot(driver, "referral-not-saved")
    assert not os.path.exists("/proc/referral-police.pdf")

    # Check it on the "Check a PDF" screen.
    click_button(driver, "Check a PDF")
    heading(driver, "Check a signed PDF")
    click_button(driver, "Open a PDF…")
    answer_file_dialog("Check a signed PDF", target, location_bar=True)
    result = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=verify-result]")))
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=verify-result]"), "intact"))
    assert "The signature is intact" in result.text
    assert f"Yes: {reference}" in result.text
    screenshot(driver, "verify-intact")

    # One changed byte: not intact, and not issued here.
    changed = str(tmp_path / "changed.pdf")
    data = bytearray(open(target, "rb").read())
    data[1500] ^= 1
    open(changed, "wb").write(bytes(data))
    click_button(driver, "Open a PDF…")
    answer_file_dialog("Check a signed PDF", changed, location_bar=True)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=verify-result]"), "NOT intact"))
    assert "this exact file is not recorded here" in driver.find_element(By.CSS_SELECTOR, "[data-testid=verify-result]").text
    screenshot(driver, "verify-changed")
