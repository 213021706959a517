"""Backup, retention and restore in the real window: the reminder, "Back up now" through the
native save dialog (checked before it says done), a reviewed deletion with a reason, then a
restore of the backup over the vault on its own screen (the file chosen first and once, the
recovery code shown as typed, REPLACE asked up front, every gap listed at once; the passphrase
opens it, which this computer's keyring allows) and a new passphrase,
after which the deleted record is back as it was in the backup."""
import re

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from helpers import (
    ORG,
    PASSPHRASE,
    answer_file_dialog,
    choose_new_passphrase,
    click_button,
    demo_vault,
    heading,
    type_into,
    wait,
)


def test_backup_retention_and_restore(app, cli, screenshot, tmp_path):
    driver = app
    made = demo_vault(driver, cli, 24, 5)
    code = re.search(r"Recovery code: ([0-9A-Z-]+)", made.stdout).group(1)

    reminder = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=backup-reminder]")))
    assert "no verified backup" in reminder.text
    click_button(driver, "Backup")
    heading(driver, "Backup and retention")
    # The reminder's period is the DSL's to set (7 days unless changed).
    Select(driver.find_element(By.ID, "reminder-days")).select_by_visible_text("14")
    driver.find_element(By.CSS_SELECTOR, "[data-testid=backup]").find_element(By.XPATH, ".//button[text()='Save']").click()
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=reminder-saved]"), "Saved."))
    backup_file = str(tmp_path / "casebook-backup.cbk")
    click_button(driver, "Back up now…")
    answer_file_dialog("Save backup", backup_file)
    done = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=backup-done]")))
    assert "passed every check" in done.text
    screenshot(driver, "backup-done")

    # The retention review: one demo record is past its date.
    retention = driver.find_element(By.CSS_SELECTOR, "[data-testid=retention]")
    box = retention.find_element(By.CSS_SELECTOR, "input[type=checkbox]")
    reference = box.get_attribute("value")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
    box.click()
    wait(driver).until(EC.element_to_be_selected(box))
    type_into(driver, "retention-reason", "Retention period ended; reviewed with the headteacher")
    driver.execute_script("arguments[0].scrollIntoView()", retention)
    screenshot(driver, "retention-review")
    click_button(driver, "Delete 1 record…")
    click_button(driver, f"Yes, delete {reference} for good")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=retention]"), f"Deleted {reference}"))

    # Restore the backup over this vault, on its own screen: the file first (chosen once, and
    # checked as it is chosen), then the code (shown as it is typed from paper), then REPLACE,
    # asked up front because a vault is here. Everything missing is listed at once.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "l")
    heading(driver, "Casebook is locked")
    click_button(driver, "Restore from a backup…")
    heading(driver, "Restore from a backup")
    click_button(driver, "Restore the backup")
    summary = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=error-summary]")))
    assert driver.switch_to.active_element == summary
    for problem in ["Choose the backup file", "Enter the recovery code", "Type REPLACE to replace the vault on this computer"]:
        assert problem in summary.text, summary.text
    assert driver.find_element(By.ID, "restore-replace").get_attribute("aria-invalid") == "true"
    click_button(driver, "Choose the backup file…")
    answer_file_dialog("Restore a backup", backup_file, location_bar=True)
    chosen = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=chosen-backup]")))
    assert re.search(r"made \d{1,2} [A-Z][a-z]+ \d{4}, \d{2}:\d{2} (GMT|BST)", chosen.text), chosen.text
    type_into(driver, "restore-code", code)
    assert driver.find_element(By.ID, "restore-code").get_attribute("type") == "text"
    type_into(driver, "restore-replace", "REPLACE")
    # On this computer the passphrase opens the backup too (its keyring holds the device secret).
    driver.find_element(By.CSS_SELECTOR, "[data-testid=restore] input[type=radio][name=restore-with]:not(:checked)").click()
    assert "Passphrase" in driver.find_element(By.CSS_SELECTOR, "label[for=restore-code]").text
    assert driver.find_element(By.ID, "restore-code").get_attribute("value") == ""
    assert driver.find_element(By.ID, "restore-code").get_attribute("type") == "password"
    type_into(driver, "restore-code", PASSPHRASE)
    screenshot(driver, "restore")
    click_button(driver, "Restore the backup")
    choose_new_passphrase(driver, "copper lagoon thistle anvil", ORG)
    heading(driver, "Today")
    click_button(driver, "Incidents")
    heading(driver, "Incidents")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "table.list"), reference))
