"""Text size: Ctrl+= and Ctrl+− zoom the window (Tauri's zoom hotkeys), Ctrl+0 resets it; at
200 % the pages reflow with no sideways scrolling (WCAG 1.4.4 and 1.4.10), and screenshots at
that size are kept for review."""
import time

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC

from helpers import demo_vault, heading, wait


def css_width(driver):
    return driver.execute_script("return document.documentElement.clientWidth")


def no_sideways_scroll(driver, screen):
    over = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if over > 1:
        # What overflows: elements wider than their own box, where nothing scrolls them.
        culprits = driver.execute_script(
            """
            return [...document.querySelectorAll('body, body *')]
              .filter(e => getComputedStyle(e).overflowX === 'visible' && e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0)
              .slice(-6)
              .map(e => `${e.tagName.toLowerCase()}#${e.id}.${[...e.classList].join('.')} ${e.scrollWidth}>${e.clientWidth}`);
            """
        )
        raise AssertionError(f"{screen}: {over} CSS pixels scroll sideways at 200 %: {culprits}")


def press(driver, label):
    """Focuses the button and presses Enter: at 200 % WebKit's driver misplaces pointer clicks
    (its coordinates ignore the zoom), while keys go where the focus is."""
    button = driver.find_element(By.XPATH, f"//button[starts-with(normalize-space(.), '{label}')]")
    driver.execute_script("arguments[0].focus()", button)
    button.send_keys(Keys.ENTER)


def zoom(driver, key, times=1):
    for _ in range(times):
        ActionChains(driver).key_down(Keys.CONTROL).send_keys(key).key_up(Keys.CONTROL).perform()
        time.sleep(0.2)


def test_text_size_doubles_and_pages_reflow(app, cli, screenshot):
    driver = app
    demo_vault(driver, cli, 4, 9)
    at_100 = css_width(driver)
    zoom(driver, "=", 5)  # 20 % a step: 200 %
    wait(driver).until(lambda d: css_width(d) <= at_100 * 0.55)
    heading(driver, "Today")
    no_sideways_scroll(driver, "Today")
    screenshot(driver, "zoom-200-today")

    press(driver, "Incidents")
    heading(driver, "Incidents")
    wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.list tbody tr button"))
    no_sideways_scroll(driver, "Incidents")
    screenshot(driver, "zoom-200-incidents")
    first = driver.find_element(By.CSS_SELECTOR, "table.list tbody tr button")
    driver.execute_script("arguments[0].focus()", first)
    first.send_keys(Keys.ENTER)
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "DEMO-"))
    no_sideways_scroll(driver, "An incident")
    press(driver, "Incidents")
    press(driver, "New incident")
    heading(driver, "New incident")
    press(driver, "Save incident")
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=error-summary]")))
    no_sideways_scroll(driver, "New incident with errors")
    screenshot(driver, "zoom-200-new-incident-errors")

    zoom(driver, "0")
    wait(driver).until(lambda d: abs(css_width(d) - at_100) <= 2)
