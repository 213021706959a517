"""An older copy of the vault folder put back (a rollback) is refused at unlock with the reason;
the DSL can open it on purpose, which the audit trail records."""
import shutil

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from helpers import PASSPHRASE, click_button, demo_vault, heading, type_into, wait


def test_an_older_copy_put_back_is_refused_then_opened_on_purpose(app, cli, vault_dir, screenshot, tmp_path):
    driver = app
    demo_vault(driver, cli, 2, 5)
    click_button(driver, "Lock now")
    heading(driver, "Casebook is locked")
    older = tmp_path / "older"
    shutil.copytree(vault_dir, older)

    # More work, then the older copy is put back over the folder.
    cli("demo", "--incidents", "1", "--seed", "6", stdin=f"{PASSPHRASE}\n")
    shutil.rmtree(vault_dir)
    shutil.copytree(older, vault_dir)

    type_into(driver, "unlock-secret", PASSPHRASE + Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "unlock-error"), "older than the one last opened"))
    screenshot(driver, "unlock-older-copy")
    click_button(driver, "Open this older copy…")
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=older-copy]")))
    type_into(driver, "unlock-secret", PASSPHRASE + Keys.ENTER)
    wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=organisation]")))
