"""The idle lock warns first: shortly before it (a minute, or half a short limit) a notice says
so, any key cancels it and the DSL keeps working; left alone, Casebook locks and says why. The
app is given a 10-second limit here (CASEBOOK_IDLE_SECONDS, which can only shorten it)."""
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from helpers import demo_vault, wait


@pytest.fixture
def app_env():
    return {"CASEBOOK_IDLE_SECONDS": "10"}


def test_the_idle_lock_warns_first_and_a_key_keeps_the_dsl_working(app, cli, screenshot):
    driver = app
    demo_vault(driver, cli, 3, 5)
    warning = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=idle-warning]")))
    assert "Casebook will lock in" in warning.text and "Press any key" in warning.text, warning.text
    assert warning.get_attribute("role") == "alert"
    screenshot(driver, "idle-warning")
    # A key: the warning goes, and the vault stays open past the moment it would have locked.
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.SHIFT)
    wait(driver).until(EC.invisibility_of_element_located((By.CSS_SELECTOR, "[data-testid=idle-warning]")))
    time.sleep(6)
    assert driver.find_elements(By.CSS_SELECTOR, "[data-testid=organisation]"), "still unlocked"
    # Left alone: the warning again, then the lock, which says why.
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=idle-warning]")))
    wait(driver, 20).until(EC.text_to_be_present_in_element(
        (By.TAG_NAME, "main"), "Casebook locked itself after a period without activity."))
    assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid=idle-warning]")

