"""The installed package, driven as the e2e suite drives the debug build. Run only by
tests/package/check, which installs version N, runs `test_installed_app_starts_and_keeps_a_vault`,
installs N+1 over it, runs `test_upgraded_app_opens_the_same_vault`, then removes the package
and checks the vault is untouched. Skipped in the ordinary e2e run."""
import os

import pytest
from selenium.webdriver.common.by import By

from helpers import click_button, demo_vault, heading, unlock, wait

pytestmark = pytest.mark.skipif(not os.environ.get("CASEBOOK_APP"), reason="run by tests/package/check")


def _listed(driver) -> int:
    click_button(driver, "Incidents")
    heading(driver, "Incidents")
    return len(wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.list tbody tr")))


def test_installed_app_starts_and_keeps_a_vault(app, cli):
    driver = app
    heading(driver, "Set up Casebook")
    demo_vault(driver, cli, 30, 7)
    heading(driver, "Today")
    assert _listed(driver) == 30


def test_upgraded_app_opens_the_same_vault(app):
    driver = app
    unlock(driver)
    heading(driver, "Today")
    assert _listed(driver) == 30
