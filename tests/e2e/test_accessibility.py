"""Every screen and state a DSL meets, checked by axe-core inside the real window (the WCAG
2.0, 2.1 and 2.2 A and AA rules it automates): set-up, unlock with its error, Today, the list,
the restore screen with its errors, a new incident with every error showing, an incident, a checklist step and the emergency panel,
the referral preview with its gaps, people, a child's page (with the transfer and subject
access forms showing their errors), importing a transfer package, Settings, Backup, Check a PDF. Any
"serious" or "critical" finding fails; the counts per screen go into docs/accessibility.md."""
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from a11y import Audit, violations
from helpers import ORG, PASSPHRASE, click_button, heading, open_first_incident, preview_referral, type_into, unlock, wait
from test_transfer import open_a_child


def test_every_screen_passes_axe(app, cli):
    driver = app
    audit = Audit(driver)
    heading(driver, "Set up Casebook")
    # The check is live: a button with no name, put in for a moment, is found.
    driver.execute_script("document.body.insertAdjacentHTML('beforeend', '<button id=\"axe-canary\"></button>')")
    assert "button-name" in {v["id"] for v in violations(driver)}
    driver.execute_script("document.getElementById('axe-canary').remove()")
    audit.check("Set-up, first step")
    click_button(driver, "Next")
    wait(driver).until(EC.visibility_of_element_located((By.ID, "organisation-error")))
    audit.check("Set-up, with its errors")

    cli("init", "--demo", "--org", ORG, "--dsl", "Ms Amara Mensah", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    cli("demo", "--incidents", "6", "--seed", "21", stdin=f"{PASSPHRASE}\n")
    driver.refresh()
    heading(driver, "Casebook is locked")
    audit.check("Unlock")
    type_into(driver, "unlock-secret", "not the passphrase" + Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "unlock-error"), "does not open"))
    audit.check("Unlock, wrong passphrase")
    click_button(driver, "Restore from a backup…")
    heading(driver, "Restore from a backup")
    click_button(driver, "Restore the backup")
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=error-summary]")))
    audit.check("Restore, with its errors")
    click_button(driver, "Cancel")
    heading(driver, "Casebook is locked")
    unlock(driver)
    heading(driver, "Today")
    audit.check("Today")

    click_button(driver, "Incidents")
    heading(driver, "Incidents")
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.list tbody tr"))
    audit.check("Incidents")
    click_button(driver, "New incident")
    heading(driver, "New incident")
    audit.check("New incident")
    click_button(driver, "Save incident")
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=error-summary]")))
    audit.check("New incident, every error showing")
    driver.find_element(By.ID, "reported-at").click()
    audit.check("New incident, a date and time typed")
    click_button(driver, "Keep the draft and go back")

    open_first_incident(driver)
    audit.check("An incident")
    Select(driver.find_element(By.ID, "entry-kind")).select_by_visible_text("Contact with an agency")
    audit.check("An incident, adding a contact with an agency")
    click_button(driver, "Add")
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=error-summary]")))
    audit.check("An incident, the chronology form with its errors")
    click_button(driver, "Check your answers")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=referral]"), "There is a problem"))
    audit.check("Referral, with its errors")
    preview = preview_referral(driver, "The police")
    wait(driver).until(EC.visibility_of(preview))
    audit.check("Referral, check your answers")
    Select(driver.find_element(By.ID, "checklist-template")).select_by_index(0)
    click_button(driver, "Start this checklist")
    wait(driver).until(EC.visibility_of_element_located((By.ID, "step-title")))
    audit.check("Checklist step")
    ActionChains(driver).key_down(Keys.ALT).send_keys("e").key_up(Keys.ALT).perform()
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".emergency-panel")))
    audit.check("Checklist, emergency panel open")

    click_button(driver, "People")
    heading(driver, "People")
    audit.check("People")
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.list tbody tr button"))[0].click()
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".page-head")))
    audit.check("A person's page")
    click_button(driver, "Change details…")
    audit.check("A person's page, changing details")
    open_a_child(driver)
    click_button(driver, "Start a transfer…")
    click_button(driver, "Start the transfer")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "transfer-destination-error"), "please fill this in"))
    audit.check("A child's page, starting a transfer, with its errors")
    click_button(driver, "Cancel")
    click_button(driver, "Record a subject access request…")
    click_button(driver, "Record the request")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "request-requester-error"), "please fill this in"))
    audit.check("A person's page, recording a subject access request, with its errors")
    click_button(driver, "People")
    click_button(driver, "Import a child protection file…")
    heading(driver, "Import a child protection file")
    audit.check("Import a child protection file")

    click_button(driver, "Settings")
    heading(driver, "Settings")
    audit.check("Settings")
    click_button(driver, "Backup")
    wait(driver).until(EC.visibility_of_element_located((By.TAG_NAME, "h1")))
    audit.check("Backup and safekeeping")
    click_button(driver, "Check a PDF")
    heading(driver, "Check a signed PDF")
    audit.check("Check a PDF")
    click_button(driver, "Trends")
    heading(driver, "Trends")
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=trend-sentences]")))
    audit.check("Trends, with its charts")
    audit.write()
