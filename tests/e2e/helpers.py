"""Helpers the end-to-end tests share: waiting for and acting on the window, unlocking, the demo
vault made through the command line, the native file dialogs (answered with xdotool) and the
referral steps. Test modules import from here, never from one another; fixtures stay in
conftest.py."""
import os
import subprocess
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

# The vault that `demo_vault` makes through the command line (as do tests that run `casebook init`
# themselves); `unlock` opens it.
PASSPHRASE = "lantern orbit mossy kettle"
ORG = "Harbourside Community College (demo)"


def wait(driver, seconds=20):
    return WebDriverWait(driver, seconds)


def type_into(driver, element_id, text):
    el = wait(driver).until(EC.element_to_be_clickable((By.ID, element_id)))
    el.clear()
    el.send_keys(text)
    return el


def click(driver, element):
    """Clicks an element after centring it (WebKit's driver does not always scroll first)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def click_button(driver, label):
    # A button whose whole text is `label` wins over one that only starts with it ("Add"
    # must not press "Add a parent or carer…").
    exact = f"//button[normalize-space(.)='{label}']"
    prefix = f"//button[starts-with(normalize-space(.), '{label}')]"

    def clickable(d):
        for xpath in (exact, prefix):
            for b in d.find_elements(By.XPATH, xpath):
                if b.is_displayed() and b.is_enabled():
                    return b
        return False

    button = wait(driver).until(clickable)
    # WebKit's driver does not always scroll a button below the fold into view before the
    # click (the click then lands nowhere): centre it first, as a person would scroll to it.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    button.click()


def heading(driver, text):
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), text))


def choose_new_passphrase(driver, passphrase, org):
    """On the "Choose a new passphrase" screen (after a recovery code or a restore): types it
    twice, waits for it to be accepted, saves, and waits for the vault of `org` to open."""
    heading(driver, "Choose a new passphrase")
    type_into(driver, "new-passphrase", passphrase)
    type_into(driver, "confirm-passphrase", passphrase)
    wait(driver).until(
        EC.text_to_be_present_in_element((By.ID, "new-passphrase-strength"), "Casebook will accept this passphrase")
    )
    click_button(driver, "Save the new passphrase")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=organisation]"), org))


def unlock(driver):
    heading(driver, "Casebook is locked")
    type_into(driver, "unlock-secret", PASSPHRASE + Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=organisation]"), ORG))


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
    made = cli("init", "--demo", "--org", ORG, "--dsl", "Ms Amara Mensah", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    cli("demo", "--incidents", str(incidents), "--seed", str(seed), stdin=f"{PASSPHRASE}\n")
    driver.refresh()
    unlock(driver)
    return made


def open_first_incident(driver):
    """Opens the newest incident in the list; returns its reference."""
    click_button(driver, "Incidents")
    heading(driver, "Incidents")
    rows = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.list tbody tr"))
    rows[0].find_element(By.TAG_NAME, "button").click()
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "DEMO-"))
    return driver.find_element(By.TAG_NAME, "h1").text


def start_incident(driver, category, risk, reported_by, summary):
    """Opens a new incident and fills in what every one needs (the times stay "Now" and "Not
    known"); does not save it."""
    click_button(driver, "Incidents")
    click_button(driver, "New incident")
    heading(driver, "New incident")
    Select(wait(driver).until(EC.element_to_be_clickable((By.ID, "category")))).select_by_visible_text(category)
    Select(driver.find_element(By.ID, "risk")).select_by_visible_text(risk)
    type_into(driver, "reported-by", reported_by)
    type_into(driver, "summary", summary)


def type_date(driver, element_id, d):
    """Types a date into the day, month and year boxes of a date field, as a person would."""
    type_into(driver, element_id, str(d.day))
    type_into(driver, f"{element_id}-month", str(d.month))
    type_into(driver, f"{element_id}-year", str(d.year))


def type_when(driver, element_id, t):
    """Chooses "At a date and time" in a "when" field and types the UK date and 24-hour time."""
    driver.find_element(By.ID, element_id).click()
    for part, value in (("day", t.day), ("month", t.month), ("year", t.year)):
        type_into(driver, f"{element_id}-{part}", str(value))
    type_into(driver, f"{element_id}-time", t.strftime("%H:%M"))


def choose_option(driver, legend, label):
    """Clicks the radio or checkbox `label` in the fieldset whose legend starts with `legend`."""
    option = driver.find_element(
        By.XPATH,
        f"//fieldset[.//legend[starts-with(normalize-space(.), '{legend}')]]//label[normalize-space(.)='{label}']/input",
    )
    # Clear of the sticky header, wherever the error summary left the page scrolled.
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", option)
    option.click()


def preview_referral(driver, recipient, reason="An adult is involved: the threshold for a referral is met.",
                     asks="Please consider a strategy discussion."):
    """Chooses the recipient (as the list shows it), answers why and what is asked, and opens
    the check-your-answers preview; returns it."""
    Select(driver.find_element(By.ID, "referral-recipient")).select_by_visible_text(recipient)
    type_into(driver, "referral-reason", reason)
    type_into(driver, "referral-asks", asks)
    if "LADO" in recipient:
        # What a LADO form asks that the record does not hold.
        choose_option(driver, "Which of these has the adult done",
                      "Behaved in a way that has harmed a child, or may have harmed a child")
        choose_option(driver, "Does the adult know of the allegation?", "No")
        type_into(driver, "referral-adult-knows-note", "The LADO advises who tells them.")
        type_into(driver, "referral-previous", "None known.")
    click_button(driver, "Check your answers")
    return wait(driver).until(EC.visibility_of_element_located((By.ID, "referral-preview")))


def sign_and_save(driver, target):
    """Signs and saves through the native dialog; returns pdfsig's report on the saved file."""
    click_button(driver, "Sign and save PDF…")
    answer_file_dialog("Save PDF", target)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=referral] [role=status]"), "Signed and saved"))
    assert os.path.exists(target)
    return subprocess.run(["pdfsig", target], capture_output=True, text=True).stdout
