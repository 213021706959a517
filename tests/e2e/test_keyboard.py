"""The main flows with the keyboard alone, as a DSL who cannot use a mouse works (WCAG 2.1.1):
a new incident (Alt+N), a decision with its reason, the first steps of a checklist, and a
referral's check-your-answers preview. After unlocking, no element is clicked: keys go to
whatever has focus, and Tab moves it, so a control that cannot be reached or worked by keyboard
fails the test."""
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from helpers import demo_vault, heading, wait


def focused(driver):
    return driver.switch_to.active_element


def tab_to(driver, matches, limit=200):
    """Presses Tab until the focused element matches; returns it."""
    for _ in range(limit):
        el = focused(driver)
        if matches(el):
            return el
        el.send_keys(Keys.TAB)
    raise AssertionError("never reached by Tab")


def by_id(element_id):
    return lambda el: el.get_attribute("id") == element_id


def button(label):
    return lambda el: el.tag_name == "button" and el.text.strip().startswith(label)


def keys(driver, *sequence):
    ActionChains(driver).send_keys(*sequence).perform()


def test_the_main_flows_work_with_the_keyboard_alone(app, cli, screenshot):
    driver = app
    demo_vault(driver, cli, 3, 12)

    # A new incident: Alt+N, then Tab from field to field.
    ActionChains(driver).key_down(Keys.ALT).send_keys("n").key_up(Keys.ALT).perform()
    heading(driver, "New incident")
    tab_to(driver, by_id("reported-by")).send_keys("Mr Okoro (form tutor)")
    tab_to(driver, by_id("category")).send_keys("Cyberbullying")
    tab_to(driver, by_id("risk")).send_keys("Medium")
    tab_to(driver, by_id("summary")).send_keys("A pupil says a group chat is mocking her photo.")
    tab_to(driver, button("Save incident")).send_keys(Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "DEMO-"))
    reference = driver.find_element(By.TAG_NAME, "h1").text

    # A decision and its reason.
    tab_to(driver, by_id("entry-kind")).send_keys("Decision")
    tab_to(driver, by_id("entry-text")).send_keys("Handle in school with a support plan")
    tab_to(driver, by_id("entry-reason")).send_keys("No adult involved; the pupil is safe; parents are told.")
    tab_to(driver, button("Add")).send_keys(Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ol.chronology"), "Handle in school"))

    # A checklist: start it and answer the first steps with Enter on the answer buttons.
    tab_to(driver, button("Start this checklist")).send_keys(Keys.ENTER)
    step = wait(driver).until(EC.visibility_of_element_located((By.ID, "step-title")))
    first = step.text
    tab_to(driver, lambda el: el.tag_name == "button" and el.text.strip() in ("Done", "No", "Yes")).send_keys(Keys.ENTER)
    wait(driver).until(lambda d: d.find_element(By.ID, "step-title").text != first)
    screenshot(driver, "keyboard-checklist")

    # Back to the incident (Alt+←), and a referral's preview.
    ActionChains(driver).key_down(Keys.ALT).send_keys(Keys.ARROW_LEFT).key_up(Keys.ALT).perform()
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), reference))
    # The first choice, the police (type-ahead in a list is the browser's, not ours to test).
    tab_to(driver, by_id("referral-recipient")).send_keys(Keys.HOME)
    tab_to(driver, by_id("referral-reason")).send_keys("A pupil is being bullied online; we ask for advice.")
    tab_to(driver, by_id("referral-asks")).send_keys("Advice on the group chat.")
    tab_to(driver, button("Check your answers")).send_keys(Keys.ENTER)
    preview = wait(driver).until(EC.visibility_of_element_located((By.ID, "referral-preview")))
    assert "Referral to the police" in preview.text
    assert focused(driver).get_attribute("id") == "referral-preview", "the preview takes focus"
