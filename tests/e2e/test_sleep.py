"""The vault locks when the computer goes to sleep: logind's PrepareForSleep(true) on the system
bus. Here the test's private D-Bus session stands in for the system bus (the app is told so
through DBUS_SYSTEM_BUS_ADDRESS), and the test sends the signal logind would send."""
import os
import subprocess

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from helpers import demo_vault, heading, wait


@pytest.fixture
def app_env():
    return {"DBUS_SYSTEM_BUS_ADDRESS": os.environ["DBUS_SESSION_BUS_ADDRESS"]}


def prepare_for_sleep(starting: bool):
    subprocess.run(
        [
            "dbus-send",
            "--session",
            "--type=signal",
            "/org/freedesktop/login1",
            "org.freedesktop.login1.Manager.PrepareForSleep",
            f"boolean:{'true' if starting else 'false'}",
        ],
        check=True,
        timeout=10,
    )


def test_the_vault_locks_when_the_computer_goes_to_sleep(app, cli, screenshot):
    driver = app
    demo_vault(driver, cli, 3, 4)
    # Waking announces itself too: that alone locks nothing.
    prepare_for_sleep(False)
    wait(driver).until(EC.presence_of_element_located((By.CSS_SELECTOR, "[data-testid=organisation]")))
    prepare_for_sleep(True)
    heading(driver, "Casebook is locked")
    wait(driver).until(
        EC.text_to_be_present_in_element((By.TAG_NAME, "main"), "locked itself when the computer went to sleep")
    )
    screenshot(driver, "locked-on-sleep")
