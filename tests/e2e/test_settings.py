"""A handover in the real window: the outgoing DSL records the new DSL's name in Settings, the new
DSL changes the passphrase with a new recovery code (shown once, checked) and the vault is
re-encrypted under a new key, then makes another code on its own; the vault then opens only with
the new passphrase, and the next referral is signed with a
certificate in the new DSL's name (checked with pdfsig)."""
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from helpers import (
    ORG,
    PASSPHRASE,
    click,
    click_button,
    demo_vault,
    heading,
    open_first_incident,
    preview_referral,
    sign_and_save,
    type_into,
    wait,
)

NEW_DSL = "Mr Tomasz Kowalczyk"
NEW_PASSPHRASE = "harbour violet quietly seventeen"


def test_handover_to_a_new_dsl(app, cli, screenshot, tmp_path):
    driver = app
    made = demo_vault(driver, cli, 3, 4)
    old_code = re.search(r"Recovery code: ([0-9A-Z-]+)", made.stdout).group(1)

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
    # A handover: the new passphrase and a new recovery code together (shown once, two groups
    # typed back), and the vault re-encrypted under a new key.
    click(driver, driver.find_element(By.CSS_SELECTOR, "[data-testid=passphrase-handover]"))
    click_button(driver, "Continue to the new recovery code…")
    groups = type_back_new_code(driver, "passphrase-settings", "Change passphrase and recovery code")
    assert "-".join(groups) != old_code
    wait(driver).until(
        EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=passphrase-saved]"), "re-encrypted under a new key")
    )

    # A new recovery code on its own (the old one may be known): the passphrase, then the code.
    type_into(driver, "rc-current", NEW_PASSPHRASE)
    click_button(driver, "Make a new recovery code…")
    again = type_back_new_code(driver, "recovery-settings", "Replace the recovery code")
    assert again != groups
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=recovery-replaced]")))

    # Lock: the old passphrase no longer opens the vault; the new one does.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "l")
    heading(driver, "Casebook is locked")
    type_into(driver, "unlock-secret", PASSPHRASE + Keys.ENTER)
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[role=alert]")))
    type_into(driver, "unlock-secret", NEW_PASSPHRASE + Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=organisation]"), ORG))

    # The next referral carries a certificate in the new DSL's name.
    open_first_incident(driver)
    preview_referral(driver, "The police")
    report = sign_and_save(driver, str(tmp_path / "after-handover.pdf"))
    assert f"Signer Certificate Common Name: {NEW_DSL}" in report, report
    assert "Signature Validation: Signature is Valid." in report, report

    # Neither older recovery code opens the vault; the newest does.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "l")
    heading(driver, "Casebook is locked")
    click_button(driver, "Use my recovery code instead")
    for superseded in (old_code, "-".join(groups)):
        type_into(driver, "unlock-secret", superseded + Keys.ENTER)
        wait(driver).until(EC.text_to_be_present_in_element((By.ID, "unlock-error"), "does not open this vault"))
    type_into(driver, "unlock-secret", " ".join(again) + Keys.ENTER)
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
