"""A DSL walks the sharing-nudes checklist in the real window: contacts set once in Settings and
shown inline, the "never do" warnings, the immediate-risk question first with the emergency panel
one shortcut away (Alt+E), all five UKCIS circumstances asked before the one branch to the referral steps, a
support plan on the referral route, a changed answer, and the finished run's decisions in the
incident's chronology."""
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from helpers import ORG, PASSPHRASE, click_button, heading, type_into, unlock, wait


def step_title(driver, text):
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "step-title"), text))


def answer_button(driver, label):
    """Clicks Done / Yes / No for the step on screen."""
    step_section = driver.find_element(By.CSS_SELECTOR, "section.step")
    for b in step_section.find_elements(By.TAG_NAME, "button"):
        if b.text.strip() == label:
            b.click()
            return
    raise AssertionError(f"no {label!r} button on {step_section.text[:200]!r}")


def save_text(driver, field, text):
    type_into(driver, field, text)
    click_button(driver, "Save answer")


def test_walk_the_sharing_nudes_checklist(app, cli, screenshot):
    driver = app
    cli("init", "--org", ORG, "--dsl", "Ms Amara Mensah", stdin=f"{PASSPHRASE}\n{PASSPHRASE}\n")
    driver.refresh()
    unlock(driver)

    # Contacts, once, in Settings.
    click_button(driver, "Settings")
    heading(driver, "Settings")
    field = wait(driver).until(EC.element_to_be_clickable(
        (By.CSS_SELECTOR, "input[aria-label='Children\\'s social care front door / MASH: name']")))
    field.send_keys("Harbourside Front Door")
    driver.find_element(By.CSS_SELECTOR, "input[aria-label='Children\\'s social care front door / MASH: phone']").send_keys("0191 555 0140")
    click_button(driver, "Save contacts")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=contacts-settings] [role=status]"), "Contacts saved"))
    screenshot(driver, "settings-contacts")

    # A new sharing-nudes incident, then its checklist.
    click_button(driver, "Incidents")
    click_button(driver, "New incident")
    heading(driver, "New incident")
    Select(driver.find_element(By.ID, "category")).select_by_visible_text("Sharing nudes or semi-nudes")
    Select(driver.find_element(By.ID, "risk")).select_by_visible_text("High")
    type_into(driver, "reported-by", "Mr Okafor (Year 10 tutor)")
    type_into(driver, "summary", "A Year 10 pupil says an older man on a gaming app asked for a photo.")
    click_button(driver, "Save incident")
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "CB-"))
    reference = driver.find_element(By.TAG_NAME, "h1").text
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "checklist-template"), "(suggested)"))
    selected = Select(driver.find_element(By.ID, "checklist-template")).first_selected_option.text
    assert selected.startswith("Sharing nudes and semi-nudes")
    click_button(driver, "Start this checklist")

    step_title(driver, "Check the first response")
    never = driver.find_element(By.CSS_SELECTOR, ".never")
    assert "Never view, copy, print, share" in never.text
    screenshot(driver, "checklist-step")
    answer_button(driver, "Done")

    # Immediate risk is asked first, with the emergency panel one key away; it records the call.
    step_title(driver, "Is any child in immediate danger")
    # A plain "e" typed anywhere opens nothing (WCAG 2.1.4); Alt+E does, and the heading has focus.
    driver.find_element(By.TAG_NAME, "body").send_keys("e")
    time.sleep(0.3)
    assert not driver.find_elements(By.CSS_SELECTOR, ".emergency-panel")
    ActionChains(driver).key_down(Keys.ALT).send_keys("e").key_up(Keys.ALT).perform()
    panel = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".emergency-panel")))
    assert driver.switch_to.active_element.get_attribute("id") == "emergency-title"
    assert "999" in panel.text
    screenshot(driver, "checklist-emergency")
    click_button(driver, "Record that 999 was called")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".emergency-panel"), "Recorded in the chronology"))
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait(driver).until(EC.invisibility_of_element_located((By.CSS_SELECTOR, ".emergency-panel")))
    # Focus goes back to the button that opens it.
    wait(driver).until(lambda d: d.switch_to.active_element.get_attribute("data-testid") == "emergency")
    answer_button(driver, "No")

    step_title(driver, "Secure any device")
    answer_button(driver, "Done")
    step_title(driver, "Hold the initial review")
    save_text(driver, "answer-text", "DSL and head of year met at 10:20. The pupil showed no image; none was viewed.")
    step_title(driver, "allocated social worker")
    answer_button(driver, "No")
    step_title(driver, "AI-generated")
    answer_button(driver, "No")

    # Circumstance 1 (an adult) is yes, and still every other circumstance is asked.
    step_title(driver, "Circumstance 1 of 5")
    answer_button(driver, "Yes")
    for title in ("Circumstance 2 of 5", "sextortion", "Circumstance 3 of 5", "Circumstance 4 of 5", "Circumstance 5 of 5"):
        step_title(driver, title)
        answer_button(driver, "No")

    # Then the referral steps, with the contact inline; viewing is never offered on this route.
    step_title(driver, "Refer to children's social care")
    contact = driver.find_element(By.CSS_SELECTOR, "[data-testid=contact]")
    assert "Harbourside Front Door" in contact.text and "0191 555 0140" in contact.text
    assert "Is viewing the imagery unavoidable" not in driver.find_element(By.CSS_SELECTOR, "nav.route").text
    type_into(driver, "contact-person", "Duty social worker, J. Patel")
    type_into(driver, "contact-outcome", "Strategy discussion today; police informed by MASH.")
    type_into(driver, "contact-reference", "MASH-2026-118")
    click_button(driver, "Save answer")

    step_title(driver, "Report to the police")
    type_into(driver, "contact-person", "PC 4471 Ward")
    click_button(driver, "Save answer")
    step_title(driver, "Record whether anyone at the setting has seen the imagery")
    save_text(driver, "answer-text", "No one at the setting has seen the imagery.")
    step_title(driver, "Record the advice")
    save_text(driver, "answer-text", "Keep the phone sealed for collection; do not inform the adult.")
    step_title(driver, "Record the support and safety plan")
    save_text(driver, "answer-text", "Daily check-in with the head of year; block and report the account together.")

    # A decision needs its reason.
    step_title(driver, "Decide whether to inform the parents")
    driver.find_element(By.CSS_SELECTOR, "input[name=decision][value=inform]").click()
    click_button(driver, "Save answer")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "section.step [role=alert]"), "reason"))
    type_into(driver, "answer-reason", "Agreed with MASH; mother is protective and supportive.")
    click_button(driver, "Save answer")
    step_title(driver, "Speak to the parents")
    type_into(driver, "contact-person", "Mother")
    click_button(driver, "Save answer")
    step_title(driver, "Report Remove")
    answer_button(driver, "Done")
    step_title(driver, "partner school")
    click_button(driver, "Not done…")
    type_into(driver, "answer-reason", "No partner school involved.")
    click_button(driver, "Save answer")
    step_title(driver, "Record the decision and the reasons")
    driver.find_element(By.CSS_SELECTOR, "input[name=decision][value=referred]").click()
    type_into(driver, "answer-reason", "An adult is involved (UKCIS circumstance 1): referred the same day.")
    click_button(driver, "Save answer")
    step_title(driver, "Review how the incident was handled")

    # Going back to change an answer keeps the earlier one.
    driver.find_element(By.XPATH, "//nav[contains(@class,'route')]//button[contains(., 'AI-generated')]").click()
    step_title(driver, "AI-generated")
    answer_button(driver, "Yes")
    # The saved answer moves the walk-through on; only then go back (a click before the save
    # has finished would be overtaken by that move).
    wait(driver).until_not(EC.text_to_be_present_in_element((By.ID, "step-title"), "AI-generated"))
    driver.find_element(By.XPATH, "//nav[contains(@class,'route')]//button[contains(., 'AI-generated')]").click()
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, ".answered"), "changed 1 time"))
    driver.find_element(By.XPATH, "//nav[contains(@class,'route')]//button[contains(., 'Review how')]").click()
    step_title(driver, "Review how the incident was handled")
    answer_button(driver, "Done")

    step_title(driver, "Every step on this route has an answer")
    driver.execute_script("document.querySelector('.page-head').scrollIntoView()")
    screenshot(driver, "checklist-ready-to-finish")
    click_button(driver, "Finish the checklist")
    step_title(driver, "Checklist finished")

    # The chronology has the decisions with their reasons and the agency contacts.
    click_button(driver, "← Back to the incident")
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), reference))
    chronology = wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, "ol.chronology")))
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ol.chronology"), "UKCIS circumstance 1"))
    text = chronology.text
    assert "mother is protective and supportive" in text
    assert "MASH-2026-118" in text
    assert "Called 999" in text
    # The checklists panel loads beside the chronology, not with it: wait for it too.
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=checklists]"), "finished"))
    driver.execute_script("arguments[0].scrollIntoView()", driver.find_element(By.CSS_SELECTOR, "[data-testid=checklists]"))
    screenshot(driver, "checklist-in-chronology")
