"""A child protection file transfer in the real window: a DSL starts a transfer from a child's
page (a missing destination refused beside its field), looks over the file, saves the signed PDF
and the encrypted package through the native save dialogs (pdfsig: valid; pdfimages: no image;
the transfer code shown once), sees it on Today as due; then imports the package on the People
screen with the code, checks the signer's fingerprint and attaches it to a new child record."""
import os
import subprocess
from datetime import date

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

from helpers import answer_file_dialog, choose_option, click, click_button, demo_vault, heading, type_date, type_into, wait


def open_a_child(driver):
    click_button(driver, "People")
    heading(driver, "People")
    rows = wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "table.list tbody tr"))
    for row in rows:
        if "Child or young person" in row.text:
            name = row.find_element(By.TAG_NAME, "button").text
            click(driver, row.find_element(By.TAG_NAME, "button"))
            heading(driver, name)
            return name
    raise AssertionError("no child in the demo vault")


def test_start_save_and_receive_a_transfer(app, cli, screenshot, tmp_path):
    driver = app
    demo_vault(driver, cli, 6, 23)
    child = open_a_child(driver)
    click_button(driver, "Start a transfer…")
    form = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=start-transfer]")))
    # Nothing typed: each missing answer is said beside its field.
    click_button(driver, "Start the transfer")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "transfer-destination-error"), "please fill this in"))
    type_into(driver, "transfer-destination", "Fernhill Community College")
    type_into(driver, "transfer-dsl", "Ms Priya Raman")
    type_into(driver, "transfer-contact", "01632 960555")
    type_date(driver, "transfer-moved-on", date.today())
    form.find_element(By.XPATH, ".//label[contains(., 'By their role only')]/input").click()
    click_button(driver, "Start the transfer")
    notice = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=transfer-notice]")))
    assert "Fernhill Community College" in notice.text and "Today" in notice.text, notice.text
    screenshot(driver, "transfer-started")

    # The file as it would go, with each redaction listed.
    click_button(driver, "Look over the file…")
    preview = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=transfer-preview]")))
    wait(driver).until(lambda d: "chronology entries" in preview.text)
    screenshot(driver, "transfer-preview")
    click_button(driver, "Close")

    # The signed PDF, through the native dialog.
    pdf = str(tmp_path / "transfer.pdf")
    click_button(driver, "Save the signed PDF…")
    answer_file_dialog("Save the child protection file", pdf)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=transfer-notice]"), "Signed PDF saved"))
    assert os.path.exists(pdf)
    sig = subprocess.run(["pdfsig", pdf], capture_output=True, text=True).stdout
    assert "Signature is Valid" in sig, sig
    images = subprocess.run(["pdfimages", "-list", pdf], capture_output=True, text=True).stdout
    assert len(images.strip().splitlines()) == 2, images
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True).stdout
    assert "Confirmation of receipt" in text and child in text

    # The encrypted package, to a transfer code shown once.
    package = str(tmp_path / "transfer.casebook-transfer")
    click_button(driver, "Save an encrypted package…")
    click_button(driver, "Sign, encrypt and save…")
    answer_file_dialog("Save the transfer package", package)
    code = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=transfer-code]"))).text
    assert len(code.replace("-", "")) == 32, code
    assert os.path.exists(package)
    screenshot(driver, "transfer-package-code")
    click_button(driver, "I have given the code")

    # On Today until receipt is confirmed.
    click_button(driver, "Today")
    due = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=transfers-due]")))
    assert child in due.text and "Fernhill Community College" in due.text, due.text
    assert "Sent: waiting for confirmation of receipt" in due.text, due.text
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", due)
    screenshot(driver, "transfer-on-today")

    # Received as another school would: choose the package, open it with the code, check the
    # signer, attach it to a new child record.
    click_button(driver, "People")
    click_button(driver, "Import a child protection file…")
    heading(driver, "Import a child protection file")
    click_button(driver, "Choose the package…")
    answer_file_dialog("Import a child protection file", package)
    type_into(driver, "transfer-code", "0000-0000-0000-0000-0000-0000-0000-0000")
    click_button(driver, "Open and check it")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "transfer-code-error"), "does not open"))
    type_into(driver, "transfer-code", code.lower())
    click_button(driver, "Open and check it")
    shown = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=package-preview]")))
    assert child in shown.text and "signature checked" in shown.text, shown.text
    screenshot(driver, "transfer-import-preview")
    # The child with the same name and date of birth is offered, never chosen for the DSL.
    assert not any(r.is_selected() for r in shown.find_elements(By.CSS_SELECTOR, "input[name=attach]"))
    click_button(driver, "Import the file")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "attach-to-error"), "Choose the child"))
    choose_option(driver, "Attach the file to", "A new child record")
    type_into(driver, "new-child-name", child + " (received)")
    # The signer not yet confirmed: refused with the fingerprint to check.
    click_button(driver, "Import the file")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=package-preview]"), "check the certificate fingerprint"))
    driver.find_element(By.CSS_SELECTOR, "[data-testid=signer-checked]").click()
    click_button(driver, "Import the file")
    received = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=received-files]")))
    assert "signed by" in received.text.lower(), received.text
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", received)
    screenshot(driver, "transfer-received")

    # The received file printed as it arrived, signed here, through the native dialog.
    printed = str(tmp_path / "received.pdf")
    click_button(driver, "Save as a signed PDF…")
    answer_file_dialog("Save the received file as a PDF", printed)
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=transfer-notice]"), "The received file, signed"))
    sig = subprocess.run(["pdfsig", printed], capture_output=True, text=True).stdout
    assert "Signature is Valid" in sig, sig
    text = subprocess.run(["pdftotext", printed, "-"], capture_output=True, text=True).stdout
    assert "Child protection file received from" in text and "How it arrived" in text, text[:500]

    # The signer confirmed on import is listed in Settings; trust in them can be withdrawn,
    # with the reason, and the decision is shown.
    click_button(driver, "Settings")
    heading(driver, "Settings")
    signers = wait(driver).until(EC.visibility_of_element_located((By.CSS_SELECTOR, "[data-testid=known-signers]")))
    assert "Trusted." in signers.text, signers.text
    click_button(driver, "Withdraw trust…")
    click_button(driver, "Withdraw trust")
    wait(driver).until(EC.text_to_be_present_in_element((By.ID, "withdraw-reason-error"), "Say why"))
    type_into(driver, "withdraw-reason", "Their DSL has left the school.")
    click_button(driver, "Withdraw trust")
    wait(driver).until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "[data-testid=known-signers]"), "Trust withdrawn."))
    signers = driver.find_element(By.CSS_SELECTOR, "[data-testid=known-signers]")
    assert "Their DSL has left the school." in signers.text
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", signers)
    screenshot(driver, "settings-signers")
