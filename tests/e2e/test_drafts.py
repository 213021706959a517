"""After a lock, unlocking returns to the page the DSL was on, with what they had typed in its
form (kept as a draft inside the vault); once saved, the draft is gone."""
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from helpers import click_button, demo_vault, open_first_incident, type_into, unlock, wait


def test_after_a_lock_the_dsl_is_back_where_they_were_with_what_they_had_typed(app, cli):
    driver = app
    demo_vault(driver, cli, 3, 6)
    reference = open_first_incident(driver)
    type_into(driver, "entry-text", "Spoke to the form tutor about the messages")
    time.sleep(1.5)  # the draft is saved a moment after typing stops
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "l")
    unlock(driver)
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), reference))
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=chronology-draft]")))
    assert driver.find_element(By.ID, "entry-text").get_attribute("value") == "Spoke to the form tutor about the messages"
    # Saved, the draft goes: the next time the page opens, the form is empty.
    click_button(driver, "Add")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ol.chronology"), "Spoke to the form tutor"))
    time.sleep(1)
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.CONTROL, "l")
    unlock(driver)
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), reference))
    time.sleep(1)
    assert driver.find_element(By.ID, "entry-text").get_attribute("value") == ""
    assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid=chronology-draft]")
