"""Today, the first screen after unlocking: an action agreed three days ago and due yesterday,
added on an incident's page, shows as overdue; it is marked done with what happened (a note is
required) and is gone; the incident's chronology says it was done. A referral by phone whose
answer was expected yesterday shows as late for a chase until the answer is recorded."""
from datetime import date, datetime, timedelta, timezone

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from helpers import ORG, PASSPHRASE, click, click_button, heading, start_incident, type_date, type_into, type_when, unlock, wait


def test_an_overdue_action_is_on_today_until_it_is_done(app, cli, screenshot):
    driver = app
    cli("init", "--org", ORG, "--dsl", "Ms Amara Mensah", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    driver.refresh()
    unlock(driver)
    heading(driver, "Today")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main.home"), "Nothing overdue."))

    # An incident, and on it an action agreed three days ago, due yesterday.
    start_incident(driver, "Cyberbullying", "Medium", "Mr Okoro (form tutor)",
                   "Mocking messages about a pupil in a year-group chat.")
    driver.find_element(By.XPATH, "//label[normalize-space(.)='Conduct']/input").click()
    type_into(driver, "new-name", "Siobhán Nguyễn")
    click_button(driver, "Add this person")
    click_button(driver, "Save incident")
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "CB-"))
    reference = driver.find_element(By.TAG_NAME, "h1").text.split()[0]

    # After saving, someone is linked in another role (found by name, accents folded), and
    # the first link removed: each an event, never an edit.
    click_button(driver, "Link someone…")
    type_into(driver, "link-name", "siobhan")
    choice = wait(driver).until(EC.element_to_be_clickable((By.CSS_SELECTOR, "input[name=link-person]")))
    click(driver, choice)
    Select(driver.find_element(By.ID, "link-role")).select_by_visible_text("Witness")
    click_button(driver, "Link to this incident")
    people = driver.find_element(By.CSS_SELECTOR, "[data-testid=incident-people]")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=incident-people]"), "Witness"))
    click_button(driver, "Remove…")
    click_button(driver, "Yes, remove")
    wait(driver).until(lambda d: "Victim" not in people.text)
    assert "Siobhán Nguyễn — Witness" in people.text, people.text
    Select(driver.find_element(By.ID, "entry-kind")).select_by_visible_text("Action")
    # Three days ago (typed as UK time: at most an hour out, and still well in the past).
    agreed = (datetime.now(timezone.utc) - timedelta(days=3)).replace(second=0, microsecond=0)
    type_when(driver, "entry-when", agreed)
    type_into(driver, "entry-text", "Ring the mother back about the support plan")
    type_into(driver, "entry-owner", "DSL")
    type_date(driver, "entry-due", date.today() - timedelta(days=1))
    click_button(driver, "Add")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ol.chronology"), "Ring the mother back"))

    # Today: overdue, by a day.
    click_button(driver, "Today")
    overdue = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=overdue]")))
    assert "Ring the mother back" in overdue.text and "1 day overdue" in overdue.text, overdue.text
    assert reference in overdue.text
    screenshot(driver, "today")

    # Marking it done needs what happened; then it is gone.
    click_button(driver, "Mark done…")
    click_button(driver, "Record as done")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "done-note-error"), "record what happened"))
    type_into(driver, "done-note", "Spoke to her at 15:10; she agreed the plan.")
    click_button(driver, "Record as done")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=action-recorded]"), "Recorded as done"))
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main.home"), "Nothing overdue."))

    # The incident's chronology says so, with who recorded it.
    click_button(driver, "Incidents")
    rows = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.list tbody tr"))
    rows[0].find_element(By.TAG_NAME, "button").click()
    state = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=action-state]")))
    assert "Done" in state.text and "she agreed the plan" in state.text and "Ms Amara Mensah" in state.text, state.text


    # A referral by phone three days ago, its answer expected yesterday: late, to chase.
    Select(driver.find_element(By.ID, "entry-kind")).select_by_visible_text("Contact with an agency")
    type_when(driver, "entry-when", agreed)
    type_into(driver, "entry-text", "Referred by phone to the front door")
    type_into(driver, "entry-agency", "Children's social care (MASH)")
    type_into(driver, "entry-person", "Duty social worker")
    type_date(driver, "entry-answer-due", date.today() - timedelta(days=1))
    click_button(driver, "Add")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=answer-state]"), "Answer expected by"))
    click_button(driver, "Today")
    awaited = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=awaited-answers]")))
    assert "Children's social care (MASH)" in awaited.text and "1 day late: chase it" in awaited.text, awaited.text
    click_button(driver, "Answer received…")
    type_into(driver, "answer-note", "Acknowledged; a social worker is allocated.")
    click_button(driver, "Record the answer")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "main.home"), "No answer from an agency is due this week."))
