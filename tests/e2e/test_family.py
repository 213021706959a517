"""The record around a child (issue 14): from an incident's page a parent with parental
responsibility is added to the child (recorded once, related to the child, linked in the role
"Parent or carer"); the DSL records that parents were not told and why, and who received the
disclosure and where the note is; the child's page shows the household, and a child
protection plan added with its reason shows as a status with services with its dates."""
from datetime import date

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from helpers import ORG, PASSPHRASE, click, click_button, heading, type_date, type_into, unlock, wait


def submit_in(driver, form_xpath, label):
    """Clicks the button `label` inside the form found by `form_xpath`."""
    button = wait(driver).until(
        EC.element_to_be_clickable((By.XPATH, f"{form_xpath}//button[normalize-space(.)='{label}']"))
    )
    click(driver, button)


def test_a_parent_is_added_parents_not_told_and_why_and_the_childs_page_shows_the_family(app, cli, screenshot):
    driver = app
    cli("init", "--org", ORG, "--dsl", "Ms Amara Mensah", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    driver.refresh()
    unlock(driver)
    heading(driver, "Today")

    click_button(driver, "Incidents")
    click_button(driver, "New incident")
    heading(driver, "New incident")
    Select(wait(driver).until(EC.element_to_be_clickable((By.ID, "category")))).select_by_visible_text(
        "Online sexual abuse or exploitation (grooming)"
    )
    Select(driver.find_element(By.ID, "risk")).select_by_visible_text("High")
    type_into(driver, "reported-by", "Ms Hana Begum (form tutor)")
    type_into(driver, "summary", "Pupil said an adult from a game asked her to keep their chats secret.")
    driver.find_element(By.XPATH, "//label[normalize-space(.)='Contact']/input").click()
    type_into(driver, "new-name", "Aoife Ní Bhriain")
    click_button(driver, "Add this person")
    click_button(driver, "Save incident")
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "CB-"))

    # A parent with parental responsibility, added from the incident's page.
    click_button(driver, "Add a parent or carer…")
    type_into(driver, "parent-name", "Orla Ní Bhriain")
    type_into(driver, "parent-phone", "01632 960001")
    Select(driver.find_element(By.ID, "parent-pr")).select_by_visible_text("Has parental responsibility")
    submit_in(driver, "//form[starts-with(@aria-label, 'Add a parent or carer')]", "Add parent or carer")
    people = "[data-testid=incident-people]"
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, people), "Orla Ní Bhriain — Parent or carer"))

    # Parents not told: the reason is required, then kept.
    click_button(driver, "Record whether parents or carers were told…")
    click(driver, driver.find_element(By.CSS_SELECTOR, "input[name=pi-informed][value=false]"))
    submit_in(driver, "//form[.//h3[starts-with(normalize-space(.), 'Record whether parents')]]", "Record")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "pi-reason-error"), "say why they were not told"))
    type_into(driver, "pi-reason", "The adult may be known to the family; telling them now could alert him.")
    submit_in(driver, "//form[.//h3[starts-with(normalize-space(.), 'Record whether parents')]]", "Record")
    family = "[data-testid=family]"
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, family), "could alert him"))

    # Who received the disclosure, and where the handwritten note is.
    click_button(driver, "Record who received it…")
    type_into(driver, "fa-received-by", "Ms Hana Begum")
    type_into(driver, "fa-role", "Form tutor, 8H")
    type_into(driver, "fa-note", "Handwritten; DSL office, locked cabinet B")
    submit_in(driver, "//div[@data-testid='first-account']//form", "Record")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=first-account]"), "locked cabinet B"))
    screenshot(driver, "incident-family")

    # Who was told what: a phone call to the front door, with its lawful basis. Without a
    # reason or what was shared it is refused, each beside its field.
    click_button(driver, "Record information shared…")
    Select(driver.find_element(By.ID, "share-method")).select_by_visible_text("Phone call")
    type_into(driver, "share-name", "Duty social worker")
    type_into(driver, "share-organisation", "Anytown Children's Services front door")
    share_form = "//form[.//h3[normalize-space(.)='Record information shared']]"
    submit_in(driver, share_form, "Record")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "share-reason-error"), "please fill this in"))
    assert "choose at least one kind of detail" in driver.find_element(By.ID, "share-what-error").text
    click(driver, driver.find_element(By.XPATH, "//fieldset[.//legend[normalize-space(.)='About whom']]//label[contains(., 'Aoife')]/input"))
    click(driver, driver.find_element(By.XPATH, "//fieldset[.//legend[normalize-space(.)='What was shared']]//label[contains(., 'What happened')]/input"))
    type_into(driver, "share-reason", "Possible grooming by an adult: a referral is needed today.")
    submit_in(driver, share_form, "Record")
    sharing = "[data-testid=sharing]"
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, sharing), "Duty social worker"))
    assert "Sch. 1 para 18" in driver.find_element(By.CSS_SELECTOR, sharing).text

    # The child's page: the household with the parent and parental responsibility.
    click(driver, driver.find_element(By.XPATH, "//div[@data-testid='incident-people']//button[normalize-space(.)='Aoife Ní Bhriain']"))
    heading(driver, "Aoife Ní Bhriain")
    household = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=household]")))
    assert "Orla Ní Bhriain" in household.text and "Has parental responsibility" in household.text, household.text

    # A child protection plan, with its start date and the reason for the change.
    click_button(driver, "Change details…")
    Select(wait(driver).until(EC.element_to_be_clickable((By.ID, "person-year")))).select_by_visible_text("Year 8")
    click_button(driver, "Add a status")
    Select(driver.find_element(By.ID, "person-status-0-kind")).select_by_visible_text("Child protection plan")
    Select(driver.find_element(By.ID, "person-status-0-category")).select_by_visible_text("Neglect")
    type_date(driver, "person-status-0-start", date(2025, 3, 1))
    click_button(driver, "Save a new version")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "person-reason-error"), "say why the status with services changed"))
    type_into(driver, "person-reason", "Initial child protection conference, 1 March 2025")
    click_button(driver, "Save a new version")
    statuses = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=person-statuses]")))
    assert "Child protection plan (Neglect)" in statuses.text and "1 March 2025" in statuses.text, statuses.text
    details = driver.find_element(By.CSS_SELECTOR, "[data-testid=person-details]")
    assert "Year 8" in details.text and "Initial child protection conference" in details.text, details.text
    driver.execute_script("window.scrollTo(0, 0)")
    screenshot(driver, "child-page")

    # And from the parent's page, the child they care for.
    click(driver, household.find_element(By.XPATH, ".//button[normalize-space(.)='Orla Ní Bhriain']"))
    heading(driver, "Orla Ní Bhriain")
    theirs = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=household]")))
    assert "Aoife Ní Bhriain" in theirs.text and "Child they care for" in theirs.text, theirs.text

    # Settings: an INSET day, and a longer retention period with its reason.
    click_button(driver, "Settings")
    heading(driver, "Settings")
    driver.execute_script(
        "const el = document.getElementById('closure-first'); el.value = arguments[0];"
        "el.dispatchEvent(new Event('input', {bubbles: true}));",
        "2027-01-04",
    )
    type_into(driver, "closure-label", "INSET day")
    click_button(driver, "Add closure")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=closures]"), "INSET day"))
    years = driver.find_element(By.ID, "retention-years")
    years.clear()
    years.send_keys("50")
    click_button(driver, "Save retention period")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "retention-period-reason-error"), "please fill this in"))
    type_into(driver, "retention-period-reason", "Trust records policy 2026")
    click_button(driver, "Save retention period")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=retention-period]"), "Trust records policy 2026"))
    # What happens to this school's copy after a transfer: review a year after receipt.
    rule = driver.find_element(By.CSS_SELECTOR, "[data-testid=after-transfer]")
    rule.find_element(By.XPATH, ".//label[contains(., 'Bring it to the retention review')]/input").click()
    months = wait(driver).until(EC.element_to_be_clickable((By.ID, "after-transfer-months")))
    months.clear()
    months.send_keys("12")
    click_button(driver, "Save this rule")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "after-transfer-reason-error"), "please fill this in"))
    type_into(driver, "after-transfer-reason", "South West protocol: keep the chronology for a year")
    click_button(driver, "Save this rule")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=after-transfer]"), "12 months later"))
