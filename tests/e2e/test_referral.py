"""A DSL makes a signed referral in the real window: picks the recipient, reads the preview,
saves the PDF through the native save dialog (answered with xdotool, as a person would type a
path), checks it with pdfsig, then opens it on the "Check a PDF" screen; a changed copy is
reported as not intact."""
import os
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from helpers import (
    answer_file_dialog,
    choose_option,
    click_button,
    demo_vault,
    heading,
    open_first_incident,
    preview_referral,
    sign_and_save,
    type_into,
    wait,
)


def test_make_save_and_check_a_referral(app, cli, screenshot, tmp_path):
    driver = app
    demo_vault(driver, cli, 4, 11)
    reference = open_first_incident(driver)
    # Checking the answers without why and what is asked: both are refused at once, by field.
    click_button(driver, "Check your answers")
    alert = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=referral] [role=alert]")))
    assert "Reason" in alert.text and "What you ask them to do" in alert.text, alert.text
    assert driver.find_element(By.ID, "referral-reason").get_attribute("aria-invalid") == "true"
    assert driver.find_element(By.ID, "referral-asks").get_attribute("aria-invalid") == "true"
    # For children's social care, whether the parents know is asked too, and a "No" needs why.
    recipient = Select(driver.find_element(By.ID, "referral-recipient"))
    recipient.select_by_visible_text("Children's social care (MASH / front door)")
    type_into(driver, "referral-reason", "The child disclosed sexual messages from an adult.")
    type_into(driver, "referral-asks", "Please consider a strategy discussion.")
    click_button(driver, "Check your answers")
    wait(driver).until(EC.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "[data-testid=referral] [role=alert]"), "Whether the parents or carers know of this referral"))
    choose_option(driver, "Do the parents or carers know", "No")
    type_into(driver, "referral-why-not-told", "The police asked us not to tell them yet.")
    type_into(driver, "referral-where", "In school with her form tutor; safe there today.")
    # Consent to share: not sought needs the reason to share without it.
    choose_option(driver, "Consent to share information", "Not sought")
    click_button(driver, "Check your answers")
    wait(driver).until(EC.text_to_be_present_in_element(
        (By.CSS_SELECTOR, "[data-testid=referral] [role=alert]"), "Why you are sharing without consent"))
    type_into(driver, "referral-consent-note", "Seeking consent could put the child at risk.")
    Select(driver.find_element(By.ID, "referral-sent-by")).select_by_visible_text("Secure e-mail")
    click_button(driver, "Check your answers")
    preview = wait(driver).until(EC.visibility_of_element_located((By.ID, "referral-preview")))
    assert "No: The police asked us not to tell them yet." in preview.text, preview.text
    assert "Not sought: Seeking consent could put the child at risk." in preview.text, preview.text
    assert "Secure e-mail" in preview.text, preview.text

    # What the form asks and the record lacks is listed, and can be filled in there and then.
    gaps = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=referral-gaps]")))
    fill = gaps.find_elements(By.XPATH, ".//button[starts-with(normalize-space(.), 'Fill in ')]")
    if fill:
        name = fill[0].text.removeprefix("Fill in ").removesuffix("'s details…")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", fill[0])
        fill[0].click()
        address = wait(driver).until(EC.visibility_of_element_located(
            (By.CSS_SELECTOR, "[data-testid=referral-gaps] textarea[id$='-address']")))
        address.clear()
        address.send_keys("12 Example Road, Exampletown EX2 2BB")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", address)
        time.sleep(0.3)
        screenshot(driver, "referral-gap-fill")
        click_button(driver, "Save their details and check again")
        preview = wait(driver).until(EC.text_to_be_present_in_element(
            (By.ID, "referral-preview"), "Address: 12 Example Road, Exampletown EX2 2BB"))
        for gap in driver.find_elements(By.CSS_SELECTOR, "[data-testid=referral-gaps] .gap p"):
            assert not (gap.text.startswith(f"{name}:") and "address" in gap.text), gap.text
    screenshot(driver, "referral-check-answers")

    preview = preview_referral(driver, "The police")
    assert "Why we are referring, and what we ask" in preview.text
    assert "Referral to the police" in preview.text
    assert reference in preview.text
    assert "Decisions and the reasons for them" in preview.text
    driver.execute_script("arguments[0].scrollIntoView()", driver.find_element(By.CSS_SELECTOR, "[data-testid=referral]"))
    screenshot(driver, "referral-preview")

    target = str(tmp_path / "referral-police.pdf")
    report = sign_and_save(driver, target)
    assert "Signature Validation: Signature is Valid." in report, report
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ol.chronology"), "Signed referral summary for the police"))

    # A place that cannot be written (/proc refuses new files, even to root): the DSL is told
    # the referral was recorded but not saved, and the chronology says so too.
    click_button(driver, "Sign and save PDF…")
    answer_file_dialog("Save PDF", "/proc/referral-police.pdf")
    alert = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=referral] [role=alert]")))
    assert "signed and recorded as issued, but the PDF could not be saved" in alert.text, alert.text
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "ol.chronology"), "could not be saved to a file"))
    alert = driver.find_element(By.CSS_SELECTOR, "[data-testid=referral] [role=alert]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", alert)
    time.sleep(0.3)
    screenshot(driver, "referral-not-saved")
    assert not os.path.exists("/proc/referral-police.pdf")

    # Check it on the "Check a PDF" screen.
    click_button(driver, "Check a PDF")
    heading(driver, "Check a signed PDF")
    click_button(driver, "Open a PDF…")
    answer_file_dialog("Check a signed PDF", target, location_bar=True)
    result = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=verify-result]")))
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=verify-result]"), "intact"))
    assert "The signature is intact" in result.text
    assert f"Yes: {reference}" in result.text
    screenshot(driver, "verify-intact")

    # One changed byte: not intact, and not issued here.
    changed = str(tmp_path / "changed.pdf")
    data = bytearray(open(target, "rb").read())
    data[1500] ^= 1
    open(changed, "wb").write(bytes(data))
    click_button(driver, "Open a PDF…")
    answer_file_dialog("Check a signed PDF", changed, location_bar=True)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=verify-result]"), "NOT intact"))
    said = driver.find_element(By.CSS_SELECTOR, "[data-testid=verify-result]").text
    assert "Do not rely on what it says" in said, said
    # A changed file may carry a copy of this vault's certificate: it is never called ours.
    assert "No: this vault did not issue this file" in said, said
    screenshot(driver, "verify-changed")
