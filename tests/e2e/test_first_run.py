"""The real window, driven as a DSL would use it: first-run set-up with the recovery code
check, Lock now (button and Ctrl+L), then unlocking with a wrong and then the right passphrase."""
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from helpers import choose_new_passphrase, click_button, heading, type_into, wait

ORG = "Kestrel Vale Academy 9q2"
DSL = "Łukasz Nguyễn"
PASSPHRASE = "lantern orbit mossy kettle"


def set_up(driver, screenshot=None):
    heading(driver, "Set up Casebook")
    # Field-level validation: nothing filled in.
    click_button(driver, "Next")
    assert "Enter the school" in driver.find_element(By.ID, "organisation-error").text
    type_into(driver, "organisation", ORG)
    type_into(driver, "dsl-name", DSL)
    if screenshot:
        screenshot(driver, "setup-1-organisation")
    click_button(driver, "Next")

    heading(driver, "Choose a passphrase")
    type_into(driver, "new-passphrase", "password1")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "new-passphrase-strength"), "12 characters"))
    type_into(driver, "new-passphrase", PASSPHRASE)
    type_into(driver, "confirm-passphrase", PASSPHRASE)
    wait(driver).until(
        EC.text_to_be_present_in_element((By.ID, "new-passphrase-strength"), "Casebook will accept this passphrase")
    )
    if screenshot:
        screenshot(driver, "setup-2-passphrase")
    click_button(driver, "Create the vault")

    heading(driver, "Your recovery code")
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=recovery-code]")))
    groups = [g.text for g in driver.find_elements(By.CSS_SELECTOR, "[data-testid=code-group]")]
    assert len(groups) == 8 and all(re.fullmatch(r"[0-9A-Z]{4}", g) for g in groups), groups
    if screenshot:
        screenshot(driver, "setup-3-recovery-code")
    driver.find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    click_button(driver, "Next")

    heading(driver, "Check your copy")
    label_a = driver.find_element(By.CSS_SELECTOR, "label[for=group-a]").text
    label_b = driver.find_element(By.CSS_SELECTOR, "label[for=group-b]").text
    a = int(label_a.split()[-1]) - 1
    b = int(label_b.split()[-1]) - 1
    # A wrong copy is caught.
    type_into(driver, "group-a", "ZZZZ")
    type_into(driver, "group-b", groups[b])
    click_button(driver, "Finish")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[role=alert]"), "do not match"))
    type_into(driver, "group-a", groups[a].lower())
    type_into(driver, "group-b", groups[b])
    click_button(driver, "Finish")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=organisation]"), ORG))
    return groups


def test_first_run_lock_and_unlock(app, vault_dir, screenshot):
    driver = app
    assert driver.title == "Casebook"
    set_up(driver, screenshot)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main.home"), f"Welcome, {DSL}"))
    assert driver.title == "Casebook", "the window title never shows record data"
    screenshot(driver, "home")

    # The vault folder holds no trace of the organisation's name.
    for f in vault_dir.iterdir():
        assert ORG.encode() not in f.read_bytes(), f

    click_button(driver, "Lock now")
    heading(driver, "Casebook is locked")
    assert ORG not in driver.page_source

    type_into(driver, "unlock-secret", "the wrong passphrase" + Keys.ENTER)
    wait(driver).until(
        EC.text_to_be_present_in_element((By.ID, "unlock-error"), "That passphrase does not open this vault")
    )
    screenshot(driver, "unlock-wrong-passphrase")
    # "Show what I type" lets the DSL check a passphrase before it counts as another attempt.
    assert driver.find_element(By.ID, "unlock-secret").get_attribute("type") == "password"
    driver.find_element(By.XPATH, "//label[normalize-space(.)='Show what I type']/input").click()
    assert driver.find_element(By.ID, "unlock-secret").get_attribute("type") == "text"

    type_into(driver, "unlock-secret", PASSPHRASE + Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=organisation]"), ORG))
    # The failed attempt is reported once, after the good unlock.
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main.home"), "1 failed unlock attempt since"))

    # Ctrl+L locks too.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "l")
    heading(driver, "Casebook is locked")
    screenshot(driver, "unlock")


def test_recovery_code_on_the_unlock_screen(app):
    driver = app
    groups = set_up(driver)
    click_button(driver, "Lock now")
    heading(driver, "Casebook is locked")
    click_button(driver, "Use my recovery code instead")
    type_into(driver, "unlock-secret", "ABCD" + Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "unlock-error"), "32 letters and digits"))
    type_into(driver, "unlock-secret", " ".join(groups) + Keys.ENTER)
    choose_new_passphrase(driver, "copper lagoon thistle anvil", ORG)
    click_button(driver, "Lock now")
    type_into(driver, "unlock-secret", "copper lagoon thistle anvil" + Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=organisation]"), ORG))
