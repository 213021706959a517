"""Dates and times on both sides of the clock changes, typed as a DSL types them and read back
in the signed referral: 00:30 on the morning the clocks go forward is GMT; 01:30 that morning
never happened and is refused in words; 01:30 on the morning they go back happened twice, and
the window asks which before anything is saved. The PDF prints what the DSL typed, with GMT or
BST, and the incident page shows the same."""
import subprocess
from datetime import datetime

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from helpers import (
    answer_file_dialog,
    click_button,
    demo_vault,
    preview_referral,
    sign_and_save,
    start_incident,
    type_into,
    type_when,
    wait,
)


def test_times_either_side_of_the_clock_changes_reach_the_pdf_as_typed(app, cli, screenshot, tmp_path):
    driver = app
    demo_vault(driver, cli, 3, 7)
    start_incident(driver, "Cyberbullying", "Medium", "Mr Okoro (form tutor)",
                   "Messages sent overnight, reported the next morning.")
    type_when(driver, "occurred-at", datetime(2026, 3, 29, 0, 30))
    # 01:30 on 29 March 2026 did not happen in the UK: refused beside the field, in words.
    type_when(driver, "reported-at", datetime(2026, 3, 29, 1, 30))
    click_button(driver, "Save incident")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "reported-at-error"), "there was no 01:30 on 29 March 2026"))
    summary = driver.find_element(By.CSS_SELECTOR, "[data-testid=error-summary]")
    assert "there was no 01:30" in summary.text, summary.text
    # 01:30 on 25 October 2026 happened twice: the window asks which.
    type_into(driver, "reported-at-day", "25")
    type_into(driver, "reported-at-month", "10")
    click_button(driver, "Save incident")
    clock = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "fieldset.clock")))
    assert "happened twice" in clock.text, clock.text
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", clock)
    screenshot(driver, "date-happened-twice")
    clock.find_element(By.XPATH, ".//label[contains(., 'The second time')]/input").click()
    click_button(driver, "Save incident")
    wait(driver).until(EC.text_to_be_present_in_element((By.TAG_NAME, "h1"), "DEMO-"))
    details = driver.find_element(By.TAG_NAME, "main").text
    assert "29 March 2026, 00:30 GMT" in details, details
    assert "25 October 2026, 01:30 GMT" in details, details

    preview = preview_referral(driver, "The police")
    assert "29 March 2026, 00:30 GMT" in preview.text, preview.text
    target = str(tmp_path / "referral.pdf")
    report = sign_and_save(driver, target)
    assert "Signature is Valid." in report, report
    text = subprocess.run(["pdftotext", target, "-"], capture_output=True, text=True, check=True).stdout
    assert "Happened: 29 March 2026, 00:30 GMT" in text, text
    assert "Reported: 25 October 2026, 01:30 GMT by Mr Okoro (form tutor)" in text, text

    # The whole record, printed for a strategy meeting: the same times, and the referral made.
    click_button(driver, "Save the record as PDF…")
    record = str(tmp_path / "record.pdf")
    answer_file_dialog("Save PDF", record)
    wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=incident-pdf-saved]")))
    printed = subprocess.run(["pdftotext", record, "-"], capture_output=True, text=True, check=True).stdout
    assert "Reported: 25 October 2026, 01:30 GMT by Mr Okoro (form tutor)" in printed, printed
    assert "Signed referral summary for the police made" in printed, printed
