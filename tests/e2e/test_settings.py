"""A handover in the real window: the outgoing DSL records the new DSL's name in Settings, the new
DSL changes the passphrase and makes a new recovery code (shown once, checked); the vault then
opens only with the new passphrase and the new code, and the next referral is signed with a
certificate in the new DSL's name (checked with pdfsig)."""
import os
import re
import subprocess

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from test_first_run import click_button, heading, type_into, wait
from test_incidents import ORG, PASSPHRASE, unlock
from test_referral import answer_file_dialog

NEW_DSL = "Mr Tomasz Kowalczyk"
NEW_PASSPHRASE = "harbour violet quietly seventeen"


def test_handover_to_a_new_dsl(app, cli, screenshot, tmp_path):
    driver = app
    made = cli("init", "--org", ORG, "--dsl", "Ms Amara Mensah", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    old_code = re.search(r"Recovery code: ([0-9A-Z-]+)", made.stdout).group(1)
    cli("demo", "--incidents", "3", "--seed", "4", stdin=f"{PASSPHRASE}\n")
    driver.refresh()
    unlock(driver)

    click_button(driver, "Settings")
    heading(driver, "Settings")
    type_into(driver, "dsl-name", NEW_DSL)
    click_button(driver, "Save organisation and DSL")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=org-saved]"), "Saved."))
    assert f"Signed in as {NEW_DSL}" in driver.find_element(By.TAG_NAME, "main").text

    type_into(driver, "current-passphrase", PASSPHRASE)
    type_into(driver, "new-passphrase", NEW_PASSPHRASE)
    type_into(driver, "confirm-passphrase", NEW_PASSPHRASE)
    wait(driver).until(
        EC.text_to_be_present_in_element((By.ID, "new-passphrase-strength"), "Casebook will accept this passphrase")
    )
    form = driver.find_element(By.CSS_SELECTOR, "[data-testid=organisation-settings]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", form)
    screenshot(driver, "settings-handover")
    click_button(driver, "Change passphrase")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=passphrase-saved]"), "Passphrase changed."))

    # A new recovery code: the passphrase, then the code shown once and two groups typed back.
    type_into(driver, "rc-current", NEW_PASSPHRASE)
    click_button(driver, "Make a new recovery code…")
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=recovery-code]")))
    groups = [g.text for g in driver.find_elements(By.CSS_SELECTOR, "[data-testid=code-group]")]
    assert len(groups) == 8 and "-".join(groups) != old_code
    driver.find_element(By.CSS_SELECTOR, "[data-testid=recovery-settings] input[type=checkbox]").click()
    click_button(driver, "Next")
    a = int(driver.find_element(By.CSS_SELECTOR, "label[for=group-a]").text.split()[-1]) - 1
    b = int(driver.find_element(By.CSS_SELECTOR, "label[for=group-b]").text.split()[-1]) - 1
    type_into(driver, "group-a", groups[a])
    type_into(driver, "group-b", groups[b])
    click_button(driver, "Replace the recovery code")
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=recovery-replaced]")))

    # Lock: the old passphrase no longer opens the vault; the new one does.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "l")
    heading(driver, "Casebook is locked")
    type_into(driver, "unlock-secret", PASSPHRASE + Keys.ENTER)
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
    type_into(driver, "unlock-secret", NEW_PASSPHRASE + Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=organisation]"), ORG))

    # The next referral carries a certificate in the new DSL's name.
    heading(driver, "Incidents")
    rows = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.list tbody tr"))
    rows[0].find_element(By.TAG_NAME, "button").click()
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "CB-"))
    Select(driver.find_element(By.ID, "referral-recipient")).select_by_visible_text("The police")
    click_button(driver, "Preview")
    wait(driver).until(EC.visibility_of_element_located((By.ID, "referral-preview")))
    target = str(tmp_path / "after-handover.pdf")
    click_button(driver, "Sign and save PDF…")
    answer_file_dialog("Save PDF", target)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=referral] [role=status]"), "Signed and saved"))
    assert os.path.exists(target)
    report = subprocess.run(["pdfsig", target], capture_output=True, text=True).stdout
    assert f"Signer Certificate Common Name: {NEW_DSL}" in report, report
    assert "Signature Validation: Signature is Valid." in report, report

    # The old recovery code no longer opens the vault; the new one does.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "l")
    heading(driver, "Casebook is locked")
    click_button(driver, "Use my recovery code instead")
    type_into(driver, "unlock-secret", old_code + Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "unlock-error"), "does not open this vault"))
    type_into(driver, "unlock-secret", " ".join(groups) + Keys.ENTER)
    heading(driver, "Choose a new passphrase")
