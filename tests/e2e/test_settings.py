"""Settings in the real window: the organisation's new name is kept as a version; the DSL
changes their passphrase, then makes a new recovery code (shown once, checked), which
re-encrypts the vault under a new key; the vault then opens only with the new passphrase and the
newest code, and the next referral is signed with a certificate in the DSL's own name (checked
with pdfsig). (A handover is made within the team: tests/referral.rs and tests/vault.rs.)"""
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from helpers import (
    ORG,
    PASSPHRASE,
    click_button,
    demo_vault,
    heading,
    open_first_incident,
    preview_referral,
    sign_and_save,
    type_into,
    wait,
)

DSL = "Ms Amara Mensah"  # as helpers.demo_vault makes the vault
NEW_ORG = ORG + " (renamed)"
NEW_PASSPHRASE = "harbour violet quietly seventeen"


def test_passphrase_and_recovery_code_changes(app, cli, screenshot, tmp_path):
    driver = app
    made = demo_vault(driver, cli, 3, 4)
    old_code = re.search(r"Recovery code: ([0-9A-Z-]+)", made.stdout).group(1)

    click_button(driver, "Settings")
    heading(driver, "Settings")
    type_into(driver, "org-name", NEW_ORG)
    click_button(driver, "Save the organisation name")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=org-saved]"), "Saved."))

    type_into(driver, "current-passphrase", PASSPHRASE)
    type_into(driver, "new-passphrase", NEW_PASSPHRASE)
    type_into(driver, "confirm-passphrase", NEW_PASSPHRASE)
    wait(driver).until(
        EC.text_to_be_present_in_element((By.ID, "new-passphrase-strength"), "Casebook will accept this passphrase")
    )
    form = driver.find_element(By.CSS_SELECTOR, "[data-testid=organisation-settings]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", form)
    screenshot(driver, "settings-passphrase")
    click_button(driver, "Change passphrase")
    wait(driver).until(
        EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=passphrase-saved]"), "Passphrase changed")
    )

    # A new recovery code (the old one may be known): the passphrase, then the code.
    type_into(driver, "rc-current", NEW_PASSPHRASE)
    click_button(driver, "Make a new recovery code…")
    groups = type_back_new_code(driver, "recovery-settings", "Replace the recovery code")
    assert "-".join(groups) != old_code
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=recovery-replaced]")))

    # Lock: the old passphrase no longer opens the vault; the new one does.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "l")
    heading(driver, "Casebook is locked")
    type_into(driver, "unlock-secret", PASSPHRASE + Keys.ENTER)
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
    type_into(driver, "unlock-secret", NEW_PASSPHRASE + Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=organisation]"), NEW_ORG))

    # The next referral carries a certificate in the DSL's own name.
    open_first_incident(driver)
    preview_referral(driver, "The police")
    report = sign_and_save(driver, str(tmp_path / "after-changes.pdf"))
    assert f"Signer Certificate Common Name: {DSL}" in report, report
    assert "Signature Validation: Signature is Valid." in report, report

    # The older recovery code does not open the vault; the newest does.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "l")
    heading(driver, "Casebook is locked")
    click_button(driver, "Use my recovery code instead")
    type_into(driver, "unlock-secret", old_code + Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "unlock-error"), "does not open this vault"))
    type_into(driver, "unlock-secret", " ".join(groups) + Keys.ENTER)
    heading(driver, "Choose a new passphrase")


def type_back_new_code(driver, container, finish):
    """Reads a new recovery code shown in `container`, ticks "written down", types two groups
    back and presses `finish`; returns the code's groups."""
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=recovery-code]")))
    groups = [g.text for g in driver.find_elements(By.CSS_SELECTOR, "[data-testid=code-group]")]
    assert len(groups) == 8
    driver.find_element(By.CSS_SELECTOR, f"[data-testid={container}] input[type=checkbox]").click()
    click_button(driver, "Next")
    a = int(driver.find_element(By.CSS_SELECTOR, "label[for=group-a]").text.split()[-1]) - 1
    b = int(driver.find_element(By.CSS_SELECTOR, "label[for=group-b]").text.split()[-1]) - 1
    type_into(driver, "group-a", groups[a])
    type_into(driver, "group-b", groups[b])
    click_button(driver, finish)
    return groups
